"""Wrong answers of the programs task, by kind: near misses, random programs, shuffled answers.

Each is always wrong (it fails the hidden tests or the visible ones), with bounded fallbacks.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from sim.lm.programs import ProgramProblems, tests_passed, verdicts  # noqa: F401
from sim.lm.programs_lang import (
    EOS,
    N_OPS,
    OP0,
    OP_CHARS,
    PAD,
)
from sim.types import Array


def _fixed_length(tokens: Array, lengths: Array) -> Array:
    """Op tokens [..., La] cut to `lengths` [...] ops, then EOS, then PAD."""
    pos = jax.lax.broadcasted_iota(jnp.int32, tokens.shape, tokens.ndim - 1)
    n = lengths[..., None]
    return jnp.where(pos < n, tokens, jnp.where(pos == n, EOS, PAD)).astype(jnp.int32)


def random_programs(lengths: Array, *, key, answer_len: int) -> Array:
    """Programs of the given lengths [...] with uniform iid ops. [..., answer_len] int32"""
    lengths = jnp.asarray(lengths, jnp.int32)
    ops = jax.random.randint(key, lengths.shape + (answer_len,), OP0, OP0 + N_OPS, jnp.int32)
    return _fixed_length(ops, lengths)


def _first(candidates: Array, ok: Array) -> Array:
    """candidates [N, C, La], ok [N, C] -> the first ok candidate of each row [N, La]."""
    i = jnp.argmax(ok, axis=1)
    return jnp.take_along_axis(candidates, i[:, None, None], axis=1)[:, 0]


@functools.partial(jax.jit, static_argnames="tries")
def random_wrong(problems: ProgramProblems, *, key, tries: int = 16) -> Array:
    """A uniformly random wrong program of the hidden program's length. [N, La]

    Rejection sampling over `tries` uniform programs (exact: the first wrong draw is uniform
    over the wrong programs of that length). If all `tries` draws are right, the fallback is
    `a`*n (x + n), or `a`*(n-1) `b` (x + n + 2) when that one is right: the two differ on every
    input, so one of them is wrong.
    """
    n = jnp.asarray(problems.difficulty, jnp.int32)
    la = problems.answers.shape[-1]
    draws = random_programs(
        jnp.broadcast_to(n[:, None], (n.shape[0], tries)), key=key, answer_len=la
    )
    a = jnp.full((n.shape[0], la), OP0 + OP_CHARS.index("a"), jnp.int32)
    last = jax.lax.broadcasted_iota(jnp.int32, a.shape, 1) == n[:, None] - 1
    plus_n = _fixed_length(a, n)
    plus_n2 = _fixed_length(jnp.where(last, OP0 + OP_CHARS.index("b"), a), n)
    candidates = jnp.concatenate([draws, plus_n[:, None], plus_n2[:, None]], axis=1)
    _, correct = verdicts(candidates, problems)
    return _first(candidates, ~correct)


def one_op_mutants(answers: Array, lengths: Array) -> tuple[Array, Array]:
    """Every program that differs from an answer in one op.

    Args:
      answers: [N, La] int32 programs.
      lengths: [N] their lengths.

    Returns:
      (mutants [N, C, La] with C = (La - 1) * (N_OPS - 1), candidate c replacing op c // 9;
      real [N, C] bool, whether that op lies inside the program).
    """
    answers = jnp.asarray(answers, jnp.int32)
    la = answers.shape[-1]
    pos = jnp.repeat(jnp.arange(la - 1), N_OPS - 1)  # [C] the op replaced...
    shift = jnp.tile(jnp.arange(1, N_OPS), la - 1)  # [C] ...by the op this many further on
    replaced = OP0 + jnp.mod(answers[:, None, :] - OP0 + shift[None, :, None], N_OPS)
    here = jnp.arange(la)[None, None, :] == pos[None, :, None]
    mutants = jnp.where(here, replaced, answers[:, None, :])
    return mutants, pos[None, :] < jnp.asarray(lengths)[:, None]


@functools.partial(jax.jit, static_argnames="tries")
def near_wrong(problems: ProgramProblems, *, key, tries: int = 16) -> Array:
    """A near miss: the reference program with one op replaced. [N, La]

    All (max_len * 9) one-op mutants are tried. Preferred, uniformly among them: mutants that
    pass some but not all visible examples (impossible with V = 1). Next: any wrong mutant (it
    may pass every visible example, a filter false positive, or none). If every mutant is right
    (possible only with few hidden tests; not observed), the fallback is `random_wrong`.
    """
    k_order, k_fallback = jax.random.split(key)
    mutants, usable = one_op_mutants(problems.answers, problems.difficulty)
    hits = tests_passed(mutants, problems)
    v = problems.visible_inputs.shape[-1]
    n_visible = jnp.sum(hits[..., :v], axis=-1)
    wrong = usable & ~jnp.all(hits, axis=-1)
    tier = jnp.where(wrong, jnp.where((n_visible > 0) & (n_visible < v), 0, 1), 2)
    score = tier.astype(jnp.float32) + 0.5 * jax.random.uniform(k_order, tier.shape)
    best = jnp.argmin(score, axis=1)
    found = jnp.take_along_axis(tier, best[:, None], axis=1)[:, 0] < 2
    chosen = jnp.take_along_axis(mutants, best[:, None, None], axis=1)[:, 0]
    fallback = random_wrong(problems, key=k_fallback, tries=tries)
    return jnp.where(found[:, None], chosen, fallback)


@functools.partial(jax.jit, static_argnames="tries")
def shuffled_wrong(problems: ProgramProblems, *, key, tries: int = 16) -> Array:
    """The right program of another problem of the same difficulty, wrong for this one. [N, La]

    `tries` other problems are drawn uniformly (with replacement) from the same difficulty and
    the first whose answer is wrong here is kept. If none is (a difficulty with one problem, or
    functions that agree on these tests), the fallback is `random_wrong`.
    """
    k_pick, k_fallback = jax.random.split(key)
    d = jnp.asarray(problems.difficulty, jnp.int32)
    answers = jnp.asarray(problems.answers, jnp.int32)
    n_problems, la = answers.shape
    order = jnp.argsort(d, stable=True)  # problems grouped by difficulty
    rank = jnp.zeros_like(d).at[order].set(jnp.arange(n_problems, dtype=jnp.int32))
    count = jnp.bincount(d, length=la).astype(jnp.int32)
    start = (jnp.cumsum(count) - count)[d][:, None]  # [N, 1] this difficulty's block
    size = count[d][:, None]
    offset = jax.random.randint(k_pick, (n_problems, tries), 1, jnp.maximum(size, 2))
    other = order[start + jnp.mod(rank[:, None] - start + offset, size)]  # != self if size > 1
    candidates = answers[other]  # [N, tries, La]
    _, correct = verdicts(candidates, problems)
    found = jnp.any(~correct, axis=1)
    fallback = random_wrong(problems, key=k_fallback, tries=tries)
    return jnp.where(found[:, None], _first(candidates, ~correct), fallback)


WRONG_FNS = {"near": near_wrong, "random": random_wrong, "shuffled": shuffled_wrong}
