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

import itertools
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

# What the seed, train and test sets never share (make_problem_sets' `disjoint`).
DISJOINT = ("functions", "problems")


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
    disjoint: str = "functions",
) -> dict[str, ProgramProblems]:
    """Problem sets that share no hidden function, e.g. {"seed": .., "train": .., "test": ..}.

    A problem is a hidden function (identified by its canonical program, so two programs with
    the same behaviour on all ten digits are one function) and its visible inputs. Sets are
    made disjoint in functions, which is stronger than disjoint in problems: no test answer is
    ever a training answer, as MBPP's test tasks are new tasks. (Disjoint prompts would not be
    enough: a training function shown on other inputs would give its test answer away.) Inside a
    set each function appears `examples_per_function` times, with different visible inputs, so a
    set may hold more problems than there are functions of a difficulty (there are only 10 of
    difficulty 1), up to C(10, V) per function. When the sets ask for more problems of a
    difficulty than its functions hold that way, its functions are split over the sets in
    proportion to what each asks (at least one each) and a set's problems repeat once every
    view of a function has been shown, as addition's few one-digit sums repeat. Two problems
    may still show the same examples (different functions agreeing on them): that ambiguity is
    the task, not leakage.

    Args:
      sizes: set name -> number of problems of each difficulty 1..max_len.
      max_len: the longest hidden program (1..MAX_LEN).
      visible_examples: V >= 1 examples in each prompt.
      hidden_tests: H >= 0 further inputs the verifier checks (V + H <= 10). None, the default:
        all 10 - V others, so "correct" means the same function.
      seed: NumPy seed; the sets are made once, on the host, deterministic in it.
      disjoint: "functions" (above) or "problems": the sets share no problem (hidden function
        and visible inputs), but a function may recur in another set shown on other inputs, as
        addition's test sums reuse the digits of training sums; a set's problems are drawn
        without replacement from every (function, visible inputs) pair of a difficulty
        (repeating, as above, only when a difficulty has too few pairs); e is unused.

    Raises:
      ValueError: a difficulty has fewer distinct hidden functions than sets that ask for it
        (the message gives the count), or an option is out of range.
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

    if disjoint not in DISJOINT:
        raise ValueError(f"disjoint must be one of {DISJOINT}; got {disjoint!r}")
    rng = np.random.default_rng(seed)
    if disjoint == "problems":
        return _disjoint_in_problems(sizes, funcs, rng, v=v, h=h, max_len=max_len)
    picked = {name: [] for name in sizes}
    for n in range(1, max_len + 1):
        pool = rng.permutation(np.flatnonzero(funcs.length == n))
        need = {name: -(-per[n - 1] // e) for name, per in sizes.items()}
        repeat = sum(need.values()) > len(pool)
        if repeat:
            need = _split(len(pool), {name: per[n - 1] for name, per in sizes.items()})
            if need is None:
                asked = ", ".join(f"{name}: {per[n - 1]}" for name, per in sizes.items())
                raise ValueError(
                    f"difficulty {n} has only {len(pool)} distinct hidden functions (programs "
                    f"of shortest length {n}), fewer than the sets that ask for it ({asked})"
                )
        start = 0
        for name, per in sizes.items():
            block = pool[start : start + need[name]]
            if repeat:  # every function of the set in turn, as often as the set needs
                picked[name].append(np.resize(block, per[n - 1]))
            else:
                picked[name].append(np.repeat(block, e)[: per[n - 1]])
            start += need[name]
    return {
        name: _build(np.concatenate(idx), funcs, rng, v=v, h=h, max_len=max_len)
        for name, idx in picked.items()
    }


def _disjoint_in_problems(sizes, funcs, rng, *, v, h, max_len) -> dict[str, ProgramProblems]:
    """make_problem_sets(disjoint="problems"): distinct (function, visible inputs) pairs."""
    views = np.asarray(list(itertools.combinations(range(MODULUS), v)), np.int32)  # [C, V]
    picked = {name: [] for name in sizes}
    for n in range(1, max_len + 1):
        fs = np.flatnonzero(funcs.length == n)
        space, demand = len(fs) * len(views), {name: per[n - 1] for name, per in sizes.items()}
        if sum(demand.values()) <= space:
            pairs, share = rng.choice(space, sum(demand.values()), replace=False), demand
        else:  # too few pairs: split them in proportion, and repeat within a set
            pairs, share = rng.permutation(space), _split(space, demand)
            if share is None:
                raise ValueError(
                    f"difficulty {n} has only {space} distinct problems, fewer than the sets "
                    f"that ask for it ({demand})"
                )
        start = 0
        for name in sizes:
            pair = np.resize(pairs[start : start + share[name]], demand[name])
            picked[name].append(np.stack([fs[pair // len(views)], pair % len(views)], axis=1))
            start += share[name]
    out = {}
    for name, chunks in picked.items():
        function, view = rng.permutation(np.concatenate(chunks)).T
        vis = views[view]
        hid = np.zeros((len(function), h), np.int32)
        for i, row in enumerate(vis):
            hid[i] = rng.permutation(np.setdiff1d(np.arange(MODULUS), row))[:h]
        out[name] = _problems(function.astype(np.int32), vis, hid, funcs, v=v, max_len=max_len)
    return out


def _split(pool: int, demand: dict[str, int]) -> dict[str, int] | None:
    """`pool` items split over the sets in proportion to their demand (largest remainders),
    at least one to each set that asks; None when there are fewer items than such sets."""
    asking = [name for name, d in demand.items() if d > 0]
    if len(asking) > pool:
        return None
    total = sum(demand[name] for name in asking)
    exact = {name: (pool - len(asking)) * demand[name] / total for name in asking}
    out = {name: 1 + math.floor(exact[name]) for name in asking}
    order = sorted(asking, key=lambda name: -(exact[name] - math.floor(exact[name])))
    for name in order[: pool - sum(out.values())]:
        out[name] += 1
    return {name: out.get(name, 0) for name in demand}


def _build(function, funcs, rng, *, v, h, max_len) -> ProgramProblems:
    function = rng.permutation(function).astype(np.int32)
    n = function.shape[0]
    vis, hid = np.zeros((n, v), np.int32), np.zeros((n, h), np.int32)
    shows, seen = math.comb(MODULUS, v), {}
    for i, f in enumerate(function.tolist()):
        views = seen.setdefault(f, set())
        if len(views) == shows:  # every view of f shown: its problems repeat from here on
            views.clear()
        while True:  # a function's problems differ in their visible inputs
            draw = rng.permutation(MODULUS)[: v + h]
            shown = tuple(sorted(draw[:v].tolist()))
            if shown not in views:
                break
        views.add(shown)
        vis[i], hid[i] = shown, draw[v:]
    return _problems(function, vis, hid, funcs, v=v, max_len=max_len)


def _problems(function, vis, hid, funcs, *, v, max_len) -> ProgramProblems:
    n = function.shape[0]
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
