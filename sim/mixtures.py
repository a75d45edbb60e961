"""The mixture role: how accepted synthetic samples and weak labels form the training data.

Every mixture has the signature

    mixture_fn(accepted, labels, state, params) -> (target, data)

with `accepted`, `labels` [P, V] counts of this round, `target` [P, V] the (unnormalised)
training distribution handed to the learner, and `data` [P, V] what is carried to the next round
(`SimState.data`; zeros unless the mixture accumulates).
"""

from __future__ import annotations

import jax.numpy as jnp

from sim.types import Array, Params, SimState


def replace(accepted: Array, labels: Array, state: SimState, params: Params):
    """Per prompt, the accepted samples plus the weak labels, as raw counts.

    With the `rejected` allocation each rejected sample is replaced by one weak label, so every
    prompt keeps k examples: the analysable form of C3 and C4.
    """
    del params
    return accepted + labels, jnp.zeros_like(state.data)


def global_weights(n_synthetic: Array, n_labels: Array, alpha: Array) -> tuple[Array, Array]:
    """Per-example weights of the global mixture (1 - alpha) S + alpha L, S and L normalised.

    Each weak example weighs alpha / |L| (the paper's alpha / |D|) and each accepted synthetic
    one (1 - alpha) / |S|, so alpha is the weak data's share of the whole training set. A part
    with no examples drops out and the other gets weight 1. Shared with the transformer testbed.

    Returns:
      (weight of one synthetic example, weight of one weak example), scalars.
    """
    has_s = n_synthetic > 0
    has_l = n_labels > 0
    w_s = jnp.where(has_l, 1.0 - alpha, 1.0) / jnp.maximum(n_synthetic, 1e-30)
    w_l = jnp.where(has_s, alpha, 1.0) / jnp.maximum(n_labels, 1e-30)
    return jnp.where(has_s, w_s, 0.0), jnp.where(has_l, w_l, 0.0)


def global_(accepted: Array, labels: Array, state: SimState, params: Params):
    """(1 - alpha) S + alpha L, with S and L the accepted and weak pairs each normalised
    (see `global_weights`): alpha sets the weak data's share of the whole set, not per prompt.

    Because L is normalised, a small label set weighs as much as a large one: in expected mode,
    when the hard set's probability is tiny everywhere, that tiny mass still carries weight
    alpha, so results there are sensitive to round-off (float32 and float64 differ by ~1e-3
    once the hard set has all but vanished). The replace mixture has no such normalisation.
    """
    w_s, w_l = global_weights(jnp.sum(accepted), jnp.sum(labels), params.alpha)
    return w_s * accepted + w_l * labels, jnp.zeros_like(state.data)


def accumulate(accepted: Array, labels: Array, state: SimState, params: Params):
    """Keeps every earlier round's accepted samples and labels: the training set only grows."""
    del params
    data = state.data + accepted + labels
    return data, data


MIXTURES = {"replace": replace, "global": global_, "accumulate": accumulate}
