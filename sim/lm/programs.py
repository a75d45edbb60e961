"""Program synthesis checked by tests: the testbed's second task, a toy of the paper's MBPP.

A prompt shows V input->output examples of a hidden function of the digits, e.g. `0>1,3>7,5>1|`
(inputs distinct and ascending); the answer is a program of `sim.lm.programs_lang` (op letters,
EOS), e.g. `da.` (x -> 2x + 1 mod 10). The filter accepts a program that reproduces the V
visible examples; the program is correct if it also reproduces the H hidden tests. Only the
behaviour counts, not the text. The filter's false positives are exactly the programs that pass
the visible examples and fail a hidden test, so V is the knob for the false-positive rate
(framework §8, "a natural filter"). Difficulty n is the length of the hidden function's
shortest program (its canonical program, the reference answer), 1..max_len.

Weak labels that are always wrong come in three kinds (§8), in `sim.lm.programs_wrong`:
`near_wrong`, `random_wrong`, `shuffled_wrong`; each is one label per problem, jitted, with a
bounded fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from sim.lm.programs_lang import (
    MODULUS,
    encode,
    enumerate_functions,
    program_tokens,
    run,
)
from sim.types import Array


class ProgramProblems(NamedTuple):
    """A fixed set of program-synthesis problems (seed, train or test prompts).

    V visible examples, H hidden tests, Lp = 4V the prompt length, La = max_len + 1 the answer
    length.
    """

    prompts: Array  # [N, Lp] int32 tokens of "x>y,...,x>y|"
    answers: Array  # [N, La] int32 the hidden function's canonical program, EOS, then PAD
    visible_inputs: Array  # [N, V] int32 distinct, ascending
    visible_outputs: Array  # [N, V] int32
    hidden_inputs: Array  # [N, H] int32 distinct, none of them visible
    hidden_outputs: Array  # [N, H] int32
    difficulty: Array  # [N] int32 canonical program length, 1..max_len
    function: Array  # [N] int32 the hidden function's index in enumerate_functions(max_len)


def prompt_len(visible_examples: int) -> int:
    return 4 * visible_examples


def answer_len(max_len: int) -> int:
    return max_len + 1


def prompt_text(inputs, outputs) -> str:
    """The visible examples as a prompt: `3>7,5>1|`."""
    return ",".join(f"{x}>{y}" for x, y in zip(inputs, outputs, strict=True)) + "|"


def make_problem_sets(
    sizes: Mapping[str, Sequence[int]],
    *,
    max_len: int,
    visible_examples: int,
    hidden_tests: int | None = None,
    seed,
    examples_per_function: int = 1,
) -> dict[str, ProgramProblems]:
    """Problem sets that share no hidden function, e.g. {"seed": .., "train": .., "test": ..}.

    A problem is a hidden function (identified by its canonical program, so two programs with
    the same behaviour on all ten digits are one function) and its visible inputs. Sets are
    made disjoint in functions, which is stronger than disjoint in problems: no test answer is
    ever a training answer, as MBPP's test tasks are new tasks. (Disjoint prompts would not be
    enough: a training function shown on other inputs would give its test answer away.) Inside a
    set each function appears `examples_per_function` times, with different visible inputs, so a
    set may hold more problems than there are functions of a difficulty (there are only 10 of
    difficulty 1), up to C(10, V) per function. Two problems may still show the same examples
    (different functions agreeing on them): that ambiguity is the task, not leakage.

    Args:
      sizes: set name -> number of problems of each difficulty 1..max_len.
      max_len: the longest hidden program (1..MAX_LEN).
      visible_examples: V >= 1 examples in each prompt.
      hidden_tests: H >= 0 further inputs the verifier checks (V + H <= 10). None, the default:
        all 10 - V others, so "correct" means the same function.
      seed: NumPy seed; the sets are made once, on the host, deterministic in it.

    Raises:
      ValueError: a difficulty has fewer distinct hidden functions than the sets need (the
        message gives the count), or an option is out of range.
    """
    funcs = enumerate_functions(max_len)  # checks max_len
    v, e = visible_examples, examples_per_function
    h = MODULUS - v if hidden_tests is None else hidden_tests
    if not (v >= 1 and h >= 0 and v + h <= MODULUS):
        raise ValueError(
            f"need visible_examples >= 1, hidden_tests >= 0 and their sum <= {MODULUS}; "
            f"got {visible_examples!r} and {h!r}"
        )
    if not 1 <= e <= math.comb(MODULUS, v):
        raise ValueError(
            f"examples_per_function must lie in [1, {math.comb(MODULUS, v)}]; got {e!r}"
        )
    sizes = {name: tuple(int(s) for s in per) for name, per in sizes.items()}
    for name, per in sizes.items():
        if len(per) != max_len or min(per, default=0) < 0:
            raise ValueError(f"sizes[{name!r}] must be {max_len} counts >= 0; got {per!r}")

    rng = np.random.default_rng(seed)
    picked = {name: [] for name in sizes}
    for n in range(1, max_len + 1):
        pool = rng.permutation(np.flatnonzero(funcs.length == n))
        need = {name: -(-per[n - 1] // e) for name, per in sizes.items()}
        if sum(need.values()) > len(pool):
            asked = ", ".join(f"{name}: {per[n - 1]}" for name, per in sizes.items())
            raise ValueError(
                f"difficulty {n} has only {len(pool)} distinct hidden functions (programs of "
                f"shortest length {n}), so at most {len(pool) * e} problems with "
                f"examples_per_function={e}; the sets ask for {asked}"
            )
        start = 0
        for name, per in sizes.items():
            block = pool[start : start + need[name]]
            picked[name].append(np.repeat(block, e)[: per[n - 1]])
            start += need[name]
    return {
        name: _build(np.concatenate(idx), funcs, rng, v=v, h=h, max_len=max_len)
        for name, idx in picked.items()
    }


def _build(function, funcs, rng, *, v, h, max_len) -> ProgramProblems:
    function = rng.permutation(function).astype(np.int32)
    n = function.shape[0]
    vis, hid, seen = np.zeros((n, v), np.int32), np.zeros((n, h), np.int32), set()
    for i, f in enumerate(function.tolist()):
        while True:  # a function's problems differ in their visible inputs
            draw = rng.permutation(MODULUS)[: v + h]
            shown = tuple(sorted(draw[:v].tolist()))
            if (f, shown) not in seen:
                break
        seen.add((f, shown))
        vis[i], hid[i] = shown, draw[v:]
    tables = funcs.tables[function]
    vis_out = np.take_along_axis(tables, vis, axis=1)
    texts = [prompt_text(x, y) for x, y in zip(vis, vis_out, strict=True)]
    return ProgramProblems(
        prompts=np.asarray([encode(t) for t in texts], np.int32).reshape(n, prompt_len(v)),
        answers=np.asarray(
            [program_tokens(funcs.text[f], max_len) for f in function], np.int32
        ).reshape(n, answer_len(max_len)),
        visible_inputs=vis,
        visible_outputs=vis_out,
        hidden_inputs=hid,
        hidden_outputs=np.take_along_axis(tables, hid, axis=1),
        difficulty=funcs.length[function].astype(np.int32),
        function=function,
    )


def _per_problem(x: Array, ndim: int) -> Array:
    """[N, K] -> [N, 1, ..., 1, K] to meet programs [N, ..., L] of rank `ndim`."""
    x = jnp.asarray(x)
    return x.reshape(x.shape[:1] + (1,) * (ndim - 2) + x.shape[1:])


def tests_passed(programs: Array, problems: ProgramProblems) -> Array:
    """Which tests each program passes, visible then hidden. Malformed programs pass none.

    Args:
      programs: [N, ..., La] int tokens, answers to the N problems.

    Returns:
      [N, ..., V + H] bool.
    """
    programs = jnp.asarray(programs, jnp.int32)
    inputs = jnp.concatenate([problems.visible_inputs, problems.hidden_inputs], axis=-1)
    outputs = jnp.concatenate([problems.visible_outputs, problems.hidden_outputs], axis=-1)
    out, valid = run(programs, _per_problem(inputs, programs.ndim))
    return valid[..., None] & (out == _per_problem(outputs, programs.ndim))


def verdicts(programs: Array, problems: ProgramProblems) -> tuple[Array, Array]:
    """The filter's and the verifier's verdicts.

    Args:
      programs: [N, ..., La] int tokens, answers to the N problems.

    Returns:
      (accepted: valid and passes every visible example; correct: accepted and passes every
      hidden test), both [N, ...] bool. False positives are `accepted & ~correct`.
    """
    hits = tests_passed(programs, problems)
    v = problems.visible_inputs.shape[-1]
    accepted = jnp.all(hits[..., :v], axis=-1)
    return accepted, accepted & jnp.all(hits[..., v:], axis=-1)


def false_positive_rate(accepted: Array, correct: Array) -> Array:
    """Accepted wrong programs / wrong programs (NaN when none is wrong). []"""
    wrong = ~jnp.asarray(correct)
    n_wrong = jnp.sum(wrong)
    return jnp.where(n_wrong > 0, jnp.sum(accepted & wrong) / jnp.maximum(n_wrong, 1), jnp.nan)


def accuracy_by_difficulty(correct: Array, difficulty: Array, *, max_len: int) -> Array:
    """Mean correctness per difficulty 1..max_len (NaN for a difficulty with no problem).

    Args:
      correct: [N] or [N, k] bool (k samples of a problem are averaged first).
      difficulty: [N] int.

    Returns:
      [max_len] float32.
    """
    correct = jnp.asarray(correct)
    per = jnp.mean(correct.reshape(correct.shape[0], -1).astype(jnp.float32), axis=1)
    onehot = jnp.asarray(difficulty)[:, None] == jnp.arange(1, max_len + 1)[None, :]
    n = jnp.sum(onehot, axis=0)
    total = jnp.sum(jnp.where(onehot, per[:, None], 0.0), axis=0)
    return jnp.where(n > 0, total / jnp.maximum(n, 1).astype(jnp.float32), jnp.nan)
