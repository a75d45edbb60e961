"""The allocation role: on which prompts the label budget is spent.

Every allocation has the signature

    allocate_fn(stats, params, *, prompt_weights, boost_weights, key, mode, labels_per_prompt)
        -> n_labels  # [P]

with `stats` the round's `PromptStats`, `prompt_weights` [P] the distribution D and
`boost_weights` [P] the boosting weights. The functions see nothing backend-specific, so the
transformer testbed calls them unchanged (in sampled mode).

Most allocations choose prompts (an inclusion probability per prompt, turned into a choice by
`mode.select`) and give each chosen prompt `labels_per_prompt` (m) labels, so a budget of B labels
chooses at most B / m prompts. In expected mode `n_labels` is the expected count, in sampled mode
an integer count.
"""

from __future__ import annotations

import jax.numpy as jnp

from sim.types import Array, Mode, Params, PromptStats


def _budget_prompts(params: Params, labels_per_prompt: int) -> Array:
    return params.label_budget / labels_per_prompt


def _proportional(weight: Array, n_prompts_budget: Array) -> Array:
    """Inclusion probabilities proportional to `weight`, summing to the budget, capped at 1."""
    total = jnp.sum(weight)
    scale = jnp.where(total > 0, n_prompts_budget / jnp.maximum(total, 1e-30), 0.0)
    return jnp.minimum(1.0, weight * scale)


def none(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """No weak labels (filter-only, do-nothing)."""
    del params, prompt_weights, boost_weights, key, mode, labels_per_prompt
    return jnp.zeros_like(stats.n_drawn)


def focused(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """The paper's hard set P-: prompts with no accepted sample, m labels each.

    Expected mode: prompt x gets m * Pr[no sample accepted] = m (1 - A_t(x))^k labels. When the
    hard set needs more than the budget, a uniformly random part of it is labelled.
    """
    del prompt_weights, boost_weights
    hard = stats.p_hard
    n_hard = jnp.sum(hard)
    share = jnp.minimum(
        1.0, _budget_prompts(params, labels_per_prompt) / jnp.maximum(n_hard, 1e-30)
    )
    return labels_per_prompt * mode.select(key, hard * share)


def rejected(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """One label per rejected sample: the replace form of focus analysed in C3 and C4.

    Ignores `labels_per_prompt`. If the rejections exceed the budget, every prompt is kept with
    the same probability budget / rejections (exactly in expected mode, by a random choice of
    prompts in sampled mode).
    """
    del prompt_weights, boost_weights, labels_per_prompt
    total = jnp.sum(stats.n_rejected)
    keep = jnp.minimum(1.0, params.label_budget / jnp.maximum(total, 1e-30))
    chosen = mode.select(key, jnp.where(stats.n_rejected > 0, keep, 0.0))
    return stats.n_rejected * chosen


def uniform(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """The same budget on random prompts (drawn from D), whether or not the model fails them."""
    del stats, boost_weights
    inclusion = _proportional(prompt_weights, _budget_prompts(params, labels_per_prompt))
    return labels_per_prompt * mode.select(key, inclusion)


def boost_weights(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """AdaBoost-style: budget proportional to the boosting weights (x e^theta per unsolved round).

    The weights are updated by `update_boost_weights` from the hard set.
    """
    del stats
    inclusion = _proportional(
        prompt_weights * boost_weights, _budget_prompts(params, labels_per_prompt)
    )
    return labels_per_prompt * mode.select(key, inclusion)


def soft(
    stats: PromptStats,
    params: Params,
    *,
    prompt_weights: Array,
    boost_weights: Array,
    key,
    mode: Mode,
    labels_per_prompt: int,
) -> Array:
    """Budget proportional to exp(error / tau), the error estimated by the rejected share.

    The hard-sample reweighting of DRO-style continual training; tau -> 0 approaches focused,
    tau -> inf approaches uniform.
    """
    del boost_weights
    err = stats.n_rejected / jnp.maximum(stats.n_drawn, 1e-30)
    # Subtract the max before exp so small tau cannot overflow.
    logits = err / params.tau
    weight = prompt_weights * jnp.exp(logits - jnp.max(logits))
    inclusion = _proportional(weight, _budget_prompts(params, labels_per_prompt))
    return labels_per_prompt * mode.select(key, inclusion)


def update_boost_weights(boost_weights: Array, p_hard: Array, theta: Array) -> Array:
    """x e^theta for each round a prompt stays in the hard set (in expected mode, x its
    expectation 1 + (e^theta - 1) p_hard), renormalised to mean 1 so they never overflow."""
    w = boost_weights * (1.0 + jnp.expm1(theta) * p_hard)
    return w / jnp.mean(w)


ALLOCATIONS = {
    "none": none,
    "focused": focused,
    "rejected": rejected,
    "uniform": uniform,
    "boost_weights": boost_weights,
    "soft": soft,
}
