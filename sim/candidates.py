"""Labels over candidate answers (the right one, then a wrong one): the shared labelers of
`sim.labelers` drawn over a two-column task, for backends whose answers are sequences (the
token task of the table backend and the transformer testbed)."""

from __future__ import annotations

import jax.numpy as jnp

from sim.types import Array, Task

# The labeler's candidate answers of a prompt: the right one, then the wrong one. The shared
# labelers draw over candidates exactly as over a vocabulary in the table backend, so every
# labeler option means the same thing in every backend.
N_CANDIDATES = 2


def candidate_task(base_accuracy: Array, prompt_weights: Array | None = None) -> Task:
    """The candidates as a finite-vocabulary task [P, 2]: column 0 correct, column 1 wrong.

    The "base model" puts `base_accuracy` [P] on the right one, so difficulty-dependent quality
    (`beta_hard`, `gamma_hard`: `sim.types.labeler_mass`, `filter_fpr`) reads it as a_0(x).
    `prompt_weights` [P] defaults to uniform.
    """
    a0 = jnp.asarray(base_accuracy)
    p = a0.shape[0]
    correct = jnp.broadcast_to(jnp.asarray([True, False]), (p, N_CANDIDATES))
    base = jnp.stack([a0, 1.0 - a0], axis=-1)
    if prompt_weights is None:
        prompt_weights = jnp.full((p,), 1.0 / p, a0.dtype)
    return Task(correct=correct, base_probs=base, prompt_weights=prompt_weights)


def label_slots(given: Array, kept: Array, m: int) -> tuple[Array, Array, Array]:
    """Counts per candidate [P, C] -> each of m label slots' candidate [P, m], given and kept."""
    g = jnp.round(given).astype(jnp.int32)
    end = jnp.cumsum(g, axis=-1)
    j = jnp.arange(m, dtype=jnp.int32)
    idx = jnp.minimum(jnp.sum(end[:, None, :] <= j[None, :, None], axis=-1), g.shape[-1] - 1)
    start = jnp.take_along_axis(end - g, idx, axis=-1)
    n_kept = jnp.take_along_axis(jnp.round(kept).astype(jnp.int32), idx, axis=-1)
    given_slot = j[None, :] < end[:, -1:]
    return idx, given_slot, given_slot & (j[None, :] - start < n_kept)
