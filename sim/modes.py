"""The two modes of framework §3: expected (deterministic) and sampled (explicit PRNG keys)."""

from __future__ import annotations

import math

import jax
import jax.extend.random
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
# The work is proportional to the draws ([P, max_n] uniforms, binary searches and gathers), not
# to max_n * V: only the final counts are [P, V].


def _uniform_pair(key, shape: tuple[int, ...], dtype) -> tuple[Array, Array]:
    """Two independent arrays of uniforms in [0, 1), each of `shape`.

    Hashing is the sampled draw's main cost, and JAX's (partitionable) threefry spends a whole
    2x32 block on every 32-bit number; here each block gives one number of each array. Other
    key implementations and float64 take the plain route.
    """
    if jax.random.key_impl(key) != "threefry2x32" or jnp.dtype(dtype) != jnp.float32:
        k0, k1 = jax.random.split(key)
        return jax.random.uniform(k0, shape, dtype), jax.random.uniform(k1, shape, dtype)
    size = math.prod(shape)
    counts = jnp.arange(2 * size, dtype=jnp.uint32)  # hashed as two halves: one block each
    bits = jax.extend.random.threefry_2x32(jax.random.key_data(key), counts)
    # The 23 high bits as the mantissa of a float in [1, 2), as jax.random.uniform does.
    mantissa = (bits >> jnp.uint32(9)) | jnp.uint32(0x3F800000)
    u = jax.lax.bitcast_convert_type(mantissa, jnp.float32) - jnp.float32(1.0)
    return u[:size].reshape(shape), u[size:].reshape(shape)


def _row_search(cum: Array, t: Array) -> Array:
    """Per row, the first index whose cum exceeds t: [P, V], [P, n] -> [P, n] in [0, V]."""
    return jax.vmap(lambda c, q: jnp.searchsorted(c, q, side="right"))(cum, t)


def _count(idx: Array, hit: Array, n_cells: int, dtype) -> Array:
    """How many of the units at idx [P, n] with hit [P, n] fall on each cell: [P, V]."""
    onehot = idx[..., None] == jnp.arange(n_cells, dtype=idx.dtype)[None, None]  # [P, n, V]
    return jnp.sum(onehot & hit[..., None], axis=1).astype(dtype)


def _sampled_draw(key, probs: Array, n: Array, keep: Array, *, max_n: int):
    """Draws n[x] <= max_n responses from probs[x] and keeps each with probability keep[x, y].

    Inverse-CDF sampling: per draw, one uniform and a binary search on the prompt's CDF, and
    one uniform for the keep. A zero-probability response is never drawn: the threshold
    u * cdf[-1] is strictly below the last step, and the cumsum adds in order, so a zero step
    repeats the previous value exactly.
    """
    n_prompts, n_resp = probs.shape
    u_draw, u_keep = _uniform_pair(key, (n_prompts, max_n), probs.dtype)
    cdf = jnp.cumsum(probs, axis=-1)  # [P, V]
    idx = jnp.minimum(_row_search(cdf, u_draw * cdf[:, -1:]), n_resp - 1)  # [P, n]
    active = jnp.arange(max_n, dtype=n.dtype)[None, :] < n[:, None]  # [P, n]
    accepted = active & (u_keep < jnp.take_along_axis(keep, idx, axis=-1))
    return _count(idx, active, n_resp, probs.dtype), _count(idx, accepted, n_resp, probs.dtype)


def _sampled_thin(key, counts: Array, keep: Array, *, max_n: int) -> Array:
    """Binomial(counts, keep) per cell, for whole counts that sum to <= max_n per prompt.

    The prompt's units are laid out in order (unit j belongs to the first cell whose cumulative
    count exceeds j) and each is kept with one uniform: [P, max_n] uniforms, not max_n * V.
    """
    n_prompts, n_resp = counts.shape
    cum = jnp.cumsum(counts, axis=-1)  # [P, V], exact for whole counts
    unit = jnp.broadcast_to(jnp.arange(max_n, dtype=counts.dtype), (n_prompts, max_n))
    cell = jnp.minimum(_row_search(cum, unit), n_resp - 1)  # [P, n]
    u = jax.random.uniform(key, (n_prompts, max_n), dtype=counts.dtype)
    kept = (unit < cum[:, -1:]) & (u < jnp.take_along_axis(keep, cell, axis=-1))
    return _count(cell, kept, n_resp, counts.dtype)


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
    order = jnp.argsort(-priority)
    # The rank of each prompt: the inverse permutation of one sort (a second sort costs more).
    rank = jnp.zeros_like(order).at[order].set(jnp.arange(order.shape[0], dtype=order.dtype))
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
