"""The testbed's task protocol (`LMTask`), the round's view of a problem set (`RoundProblems`) and
the helpers task implementations share; the registry of tasks by name is `sim.lm.tasks`.

The testbed's tasks behind one protocol: what the round, the base model and the runner ask.

A task is an object with the attributes and methods of `LMTask`; the round (`sim.lm.round`),
the run loop (`sim.lm.run`), the base model (`sim.lm.base`) and the runner
(`experiments.testbed_runs`) reach their task only through it, looked up by name in `TASKS`
(the config's `task` option). Two tasks ship: `addition` (`sim.lm.task`, `sim.lm.data`) and
`programs` (`sim.lm.programs`, a toy of the paper's MBPP); `register_task` adds one more (a
complete small example: docs/tasks.md).

What a task provides:
- tokens: `vocab_size`, `eos`, `pad` (an answer ends at its first EOS; PAD fills after it);
- sizes: `difficulties(config)` (D: difficulties are 1..D), `prompt_len`, `answer_len`;
- data: `make_sets(config)`, the seed, train and test sets (`seed`: the base model's
  training set), disjoint, each with `prompts` [N, Lp], `answers` [N, La] (reference answers)
  and `difficulty` [N] in 1..D; `prompt_strings(set)` (problems.json);
- the round's view of a set: `round_problems(config, set, bank_size)`, a `RoundProblems` whose
  `reference` pytree is what `verify` and `accepts` read, and whose `wrong` bank holds, per
  prompt and kind of `sim.lm.data.WRONG_KINDS`, `bank_size` answers that are always wrong
  (slot 0 the prompt's consistent one; `bank_size` None: the test set, whose bank is unused);
- verdicts (jittable): `verify(answers, reference)` (correct), and, when `has_filter`, the
  task's own filter `accepts(answers, reference)` (e.g. the visible examples of a program);
  `answers` [..., La] and the reference's leaves [..., K] broadcast on the leading axes.
- `difficulty_label`: how tables and figures name difficulty n, a format string of `n`
  (addition: "{n}-digit sums");
- `base_fields`: config fields beyond `sim.lm.base.BASE_FIELDS` that its data depend on (part
  of the base model's cache key).

Per-difficulty metrics are the round's own: it reads `difficulty` and D.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, runtime_checkable

import jax.numpy as jnp
import numpy as np

from sim.types import Array


@runtime_checkable
class LMTask(Protocol):
    """A verifiable task of the testbed (see the module docstring for each member)."""

    name: str
    vocab_size: int
    eos: int
    pad: int
    has_filter: bool
    base_fields: tuple[str, ...]
    difficulty_label: str

    def difficulties(self, config) -> int: ...

    def prompt_len(self, config) -> int: ...

    def answer_len(self, config) -> int: ...

    def make_sets(self, config) -> dict[str, Any]: ...

    def prompt_strings(self, problems) -> list[str]: ...

    def round_problems(self, config, problems, bank_size: int | None): ...

    def verify(self, answers: Array, reference) -> Array: ...

    def accepts(self, answers: Array, reference) -> Array: ...


PROTOCOL_MEMBERS = (
    "name",
    "vocab_size",
    "eos",
    "pad",
    "has_filter",
    "base_fields",
    "difficulty_label",
    "difficulties",
    "prompt_len",
    "answer_len",
    "make_sets",
    "prompt_strings",
    "round_problems",
    "verify",
    "accepts",
)


def seq_len(task: LMTask, config) -> int:
    """Prompt plus answer: the longest sequence the model sees."""
    return task.prompt_len(config) + task.answer_len(config)


def no_filter(answers: Array, reference) -> Array:
    """`accepts` of a task without a filter of its own (never called: `has_filter` is False)."""
    raise NotImplementedError("this task has no filter of its own (has_filter is False)")


def counts(n: int, weights) -> np.ndarray:
    """`n` split over difficulties in proportion to `weights`, largest remainders rounding. [D]"""
    w = np.asarray(weights, np.float64)
    exact = n * w / w.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: n - out.sum()]:
        out[i] += 1
    return out


def set_sizes(config) -> dict[str, tuple[int, tuple[float, ...]]]:
    """(problems, difficulty weights) of the seed, train and test sets: the seed set follows
    `seed_difficulty`, the others are uniform over difficulties."""
    uniform = (1.0,) * len(config.seed_difficulty)
    return {
        "seed": (config.n_seed_examples, tuple(config.seed_difficulty)),
        "train": (config.n_train_prompts, uniform),
        "test": (config.n_test_prompts, uniform),
    }


class RoundProblems(NamedTuple):
    """The device arrays of a problem set that a round needs."""

    prompts: Array  # [P, Lp] int32
    answers: Array  # [P, La] int32 reference answers
    # what the task's `verify` and `accepts` read (a pytree of [P, ...] arrays; addition: the
    # [P, D + 1] digits of the sums)
    reference: Any
    # [P, K, W, La] int32 wrong answers per prompt and kind (`sim.lm.data.WRONG_KINDS`): slot 0
    # the prompt's consistent one, slots 1.. fresh ones (`sim.lm.data.wrong_bank`)
    wrong: Array
    difficulty: Array  # [P] int32


def round_problems_from(prompts, answers, reference, difficulty, wrong) -> Any:
    """A `RoundProblems` of host arrays (the bank `wrong` [N, K, W, La])."""
    return RoundProblems(
        prompts=jnp.asarray(prompts, jnp.int32),
        answers=jnp.asarray(answers, jnp.int32),
        reference=jnp.asarray(reference) if isinstance(reference, np.ndarray) else reference,
        wrong=jnp.asarray(wrong, jnp.int32),
        difficulty=jnp.asarray(difficulty, jnp.int32),
    )
