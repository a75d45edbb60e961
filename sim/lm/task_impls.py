"""The testbed's two built-in tasks as `sim.lm.tasks.LMTask`s: addition and programs.

`addition` (`sim.lm.task`, `sim.lm.data`): sums of two n-digit numbers, n = 1..max_digits; no
filter of its own (the round's filters are the (c, d) filters of framework §3 over the
verifier's verdict).

`programs` (`sim.lm.programs`): write a program of the tiny digit language that maps the
prompt's V visible examples; difficulty n = the hidden function's shortest program length,
1..max_program_len; correct = also maps the 10 - V hidden inputs; its own filter = the visible
examples, whose false positives are the programs that pass them and fail a hidden test.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from sim.lm import data, programs, programs_lang, programs_wrong, task
from sim.lm.task_kit import counts, no_filter, round_problems_from, set_sizes


class Addition:
    """Multi-digit addition (`sim.lm.task`); sets and wrong banks of `sim.lm.data`."""

    name = "addition"
    vocab_size = task.VOCAB_SIZE
    eos = task.EOS
    pad = task.PAD
    has_filter = False
    base_fields = ()  # max_digits is among sim.lm.base.BASE_FIELDS
    difficulty_label = "{n}-digit sums"
    accepts = staticmethod(no_filter)

    def difficulties(self, config) -> int:
        return config.max_digits

    def prompt_len(self, config) -> int:
        return task.prompt_len(config.max_digits)

    def answer_len(self, config) -> int:
        return task.answer_len(config.max_digits)

    def make_sets(self, config) -> dict[str, task.Problems]:
        """Seed, train and test sets, disjoint as problems (`sim.lm.data.make_sets`)."""
        sizes = set_sizes(config)
        return data.make_sets(
            {s: n for s, (n, _) in sizes.items()},
            {s: w for s, (_, w) in sizes.items()},
            max_digits=config.max_digits,
            # the stored wrong answer (slot 0 of the bank); "abstain" stores random ones
            wrong_labels=_stored_kind(config),
            seed=config.data_seed,
        )

    def prompt_strings(self, problems) -> list[str]:
        return data.prompt_strings(problems)

    def round_problems(self, config, problems, bank_size):
        if bank_size is None:
            return device_problems(problems)
        bank = data.wrong_bank(
            problems, size=bank_size, kind=_stored_kind(config), seed=config.data_seed
        )
        return device_problems(problems, bank)

    def verify(self, answers, reference):
        return task.verify(answers, reference)


def device_problems(p: task.Problems, wrong_bank: np.ndarray | None = None):
    """An addition set's `RoundProblems`; `wrong_bank` [N, K, W, La] (`sim.lm.data.wrong_bank`),
    or the set's one stored wrong answer as a bank of one kind and one slot."""
    bank = np.asarray(p.wrong)[:, None, None] if wrong_bank is None else wrong_bank
    return round_problems_from(p.prompts, p.answers, p.digits, p.difficulty, bank)


def _stored_kind(config) -> str:
    return config.wrong_labels if config.wrong_labels in data.WRONG_KINDS else "random"


class Programs:
    """Program synthesis checked by tests (`sim.lm.programs`), a toy of the paper's MBPP.

    Sets: `counts` of each difficulty as the seed / uniform weights ask (largest remainders),
    disjoint in hidden functions; each function is shown on as few different visible inputs as
    the sets need (`examples_per_function`, the smallest that fits). The reference of a round
    problem is (visible inputs, visible outputs, hidden inputs, hidden outputs).
    """

    name = "programs"
    vocab_size = programs_lang.VOCAB_SIZE
    eos = programs_lang.EOS
    pad = programs_lang.PAD
    has_filter = True
    base_fields = ("max_program_len", "visible_examples", "disjoint")
    difficulty_label = "{n}-op programs"

    def difficulties(self, config) -> int:
        return config.max_program_len

    def prompt_len(self, config) -> int:
        return programs.prompt_len(config.visible_examples)

    def answer_len(self, config) -> int:
        return programs.answer_len(config.max_program_len)

    def make_sets(self, config) -> dict[str, programs.ProgramProblems]:
        per = {s: counts(n, w) for s, (n, w) in set_sizes(config).items()}
        v, max_len = config.visible_examples, config.max_program_len
        return programs.make_problem_sets(
            per,
            max_len=max_len,
            visible_examples=v,
            seed=config.data_seed,
            examples_per_function=examples_per_function(per, max_len, v),
            disjoint=config.disjoint,
        )

    def prompt_strings(self, problems) -> list[str]:
        return [programs_lang.decode(row) for row in np.asarray(problems.prompts)]

    def round_problems(self, config, problems, bank_size):
        """The bank: slot s of kind i is `programs_wrong.WRONG_FNS[kind]` under its own key
        (fixed by `data_seed`); the test set's (never read) is one random wrong program."""
        key = jax.random.key(config.data_seed)
        fns = [programs_wrong.WRONG_FNS[kind] for kind in data.WRONG_KINDS]
        if bank_size is None:
            fns, bank_size = fns[1:2], 1
        bank = jnp.stack(
            [
                jnp.stack(
                    [
                        fn(problems, key=jax.random.fold_in(key, i * bank_size + s))
                        for s in range(bank_size)
                    ],
                    axis=1,
                )
                for i, fn in enumerate(fns)
            ],
            axis=1,
        )  # [N, K, W, La]
        reference = tuple(
            jnp.asarray(x)
            for x in (
                problems.visible_inputs,
                problems.visible_outputs,
                problems.hidden_inputs,
                problems.hidden_outputs,
            )
        )
        return round_problems_from(
            problems.prompts, problems.answers, reference, problems.difficulty, bank
        )

    def verify(self, answers, reference):
        """Valid and right on every visible and hidden input."""
        vis_in, vis_out, hid_in, hid_out = reference
        inputs = jnp.concatenate([vis_in, hid_in], axis=-1)
        outputs = jnp.concatenate([vis_out, hid_out], axis=-1)
        out, valid = programs_lang.run(answers, inputs)
        return valid & jnp.all(out == outputs, axis=-1)

    def accepts(self, answers, reference):
        """The filter: valid and right on the visible examples (the prompt's)."""
        vis_in, vis_out, _, _ = reference
        out, valid = programs_lang.run(answers, vis_in)
        return valid & jnp.all(out == vis_out, axis=-1)


def examples_per_function(per: dict[str, np.ndarray], max_len: int, visible: int) -> int:
    """The fewest visible-input sets per hidden function with which every difficulty's
    functions cover the sets' demand (C(10, V) when none does: the sets then report it)."""
    pool = programs_lang.count_functions(max_len)
    most = math.comb(programs_lang.MODULUS, visible)
    for e in range(1, most + 1):
        if all(sum(-(-int(c[n]) // e) for c in per.values()) <= pool[n] for n in range(max_len)):
            return e
    return most
