"""The two modes of framework §3: expected (deterministic) and sampled (explicit PRNG keys)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from sim.types import Array, Mode

# ---------------------------------------------------------------------------------------------
# Expected mode: every random count is replaced by its expectation; a choice that depends on a
# sample (e.g. "no sample accepted") is replaced by its probability.


def _expected_draw(key, probs: Array, n: Array, keep: Array, *, max_n: int):
    del key, max_n
    drawn = n[:, None] * probs
    return drawn, drawn * keep


def _expected_thin(key, counts: Array, keep: Array, *, max_n: int) -> Array:
    del key, max_n
    return counts * keep


def _expected_p_none(n_rejected: Array, n_drawn: Array) -> Array:
    # (1 - A)^k with 1 - A the rejected share; computed from the rejected mass for precision.
    share = jnp.where(n_drawn > 0, n_rejected / jnp.maximum(n_drawn, 1e-30), 1.0)
    return jnp.where(n_drawn > 0, share ** jnp.maximum(n_drawn, 1.0), 1.0)


def _expected_select(key, inclusion: Array) -> Array:
    del key
    return inclusion


EXPECTED = Mode(
    name="expected",
    draw=_expected_draw,
    thin=_expected_thin,
    p_none=_expected_p_none,
    select=_expected_select,
    units=lambda x: x,
)

# ---------------------------------------------------------------------------------------------
# Sampled mode: k draws per prompt, explicit keys; the learner then sees empirical counts.


def _sampled_draw(key, probs: Array, n: Array, keep: Array, *, max_n: int):
    """Draws n[x] <= max_n responses from probs[x] and keeps each with probability keep[x, y].

    Inverse-CDF sampling ([max_n, P] uniforms, not [max_n, P, V] Gumbels): a zero-probability
    response is never drawn, because the threshold u * cdf[-1] is strictly below the last step.
    """
    k_draw, k_keep = jax.random.split(key)
    n_prompts = probs.shape[0]
    cdf = jnp.cumsum(probs, axis=-1)  # [P, V]
    u = jax.random.uniform(k_draw, (max_n, n_prompts, 1), dtype=probs.dtype) * cdf[None, :, -1:]
    above = cdf[None] > u  # [n, P, V]
    below_prev = jnp.concatenate([jnp.zeros_like(above[..., :1]), above[..., :-1]], axis=-1)
    onehot = above & ~below_prev  # exactly one True per (draw, prompt)
    active = jnp.arange(max_n, dtype=n.dtype)[:, None] < n[None, :]  # [n, P]
    onehot = onehot & active[..., None]
    # Accept a drawn response with probability keep[x, y]: one uniform per draw.
    u_keep = jax.random.uniform(k_keep, (max_n, n_prompts), dtype=probs.dtype)
    keep_drawn = jnp.sum(jnp.where(onehot, keep[None], 0.0), axis=-1)  # [n, P]
    accepted = onehot & (u_keep < keep_drawn)[..., None]
    return onehot.sum(0).astype(probs.dtype), accepted.sum(0).astype(probs.dtype)


def _sampled_thin(key, counts: Array, keep: Array, *, max_n: int) -> Array:
    """Binomial(counts, keep) per cell, for counts <= max_n: one uniform per possible unit."""
    u = jax.random.uniform(key, (max_n, *counts.shape), dtype=counts.dtype)
    unit = jnp.arange(max_n, dtype=counts.dtype).reshape((max_n,) + (1,) * counts.ndim)
    return jnp.sum((unit < counts[None]) & (u < keep[None]), axis=0).astype(counts.dtype)


def _sampled_p_none(n_rejected: Array, n_drawn: Array) -> Array:
    return (n_rejected >= n_drawn).astype(n_drawn.dtype)


def _sampled_select(key, inclusion: Array) -> Array:
    """Selects round(sum(inclusion)) prompts without replacement, with probability ~ inclusion.

    Gumbel top-N on log(inclusion): exact when inclusions are 0/1 or equal (the hard set, the
    uniform choice), proportional-to-size otherwise.
    """
    n_select = jnp.round(jnp.sum(inclusion)).astype(jnp.int32)
    g = jax.random.gumbel(key, inclusion.shape, dtype=inclusion.dtype)
    priority = jnp.where(inclusion > 0, jnp.log(jnp.maximum(inclusion, 1e-30)) + g, -jnp.inf)
    rank = jnp.argsort(jnp.argsort(-priority))
    return ((rank < n_select) & (inclusion > 0)).astype(inclusion.dtype)


def _sampled_units(x: Array) -> Array:
    # Integer label units; the 1e-3 slack keeps float32 round-off (0.3 * 80 = 24.0000008) from
    # adding a unit.
    return jnp.ceil(x - 1e-3)


SAMPLED = Mode(
    name="sampled",
    draw=_sampled_draw,
    thin=_sampled_thin,
    p_none=_sampled_p_none,
    select=_sampled_select,
    units=_sampled_units,
)

MODES = {"expected": EXPECTED, "sampled": SAMPLED}
