"""The finite-vocabulary backend: one round (generate, filter, allocate, label, fit) and a rollout.

Written for one instance; callers `vmap` over seeds and parameter grids and `jit` once at the
boundary (see `sim.table.grid`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from sim.allocate import update_boost_weights
from sim.metrics import ROUND_METRICS, round_metrics, state_metrics
from sim.types import Array, Params, PromptStats, SimState, Strategy, Task


def init_state(task: Task) -> SimState:
    """The state before the first round: p_0, unit boosting weights, no data, no labels."""
    p, v = task.base_probs.shape
    dtype = task.base_probs.dtype
    return SimState(
        probs=task.base_probs,
        weights=jnp.ones((p,), dtype),
        data=jnp.zeros((p, v), dtype),
        labels_spent=jnp.zeros((), dtype),
        round=jnp.zeros((), jnp.int32),
    )


def round_step(
    state: SimState, task: Task, params: Params, *, key, strategy: Strategy
) -> tuple[SimState, dict[str, Array]]:
    """One round of docs/framework.md §3 on the table model.

    Returns:
      The new state and this round's metrics (scalars; see `sim.metrics.METRIC_DOCS`).
    """
    k_gen, k_alloc, k_label, k_fit = jax.random.split(key, 4)
    mode = strategy.mode
    k = strategy.samples_per_prompt
    dtype = state.probs.dtype

    # generate + filter
    accept = strategy.filter_fn(task, params)  # [P, V]
    n = jnp.full(state.weights.shape, k, dtype)
    drawn, kept = mode.draw(k_gen, state.probs, n, accept, max_n=k)
    # Row sums are the round's main cost on the CPU: take one ([P, V] -> [P]) and derive the
    # rest. Every draw is counted, so n_drawn = n; the rejected mass is summed directly
    # (not n - accepted) so that a tiny rejection, which decides the hard set, keeps precision.
    n_rejected = jnp.sum(drawn - kept, axis=-1)
    stats = PromptStats.of(n, n_rejected, mode)

    # allocate + label
    n_labels = strategy.allocate_fn(
        stats,
        params,
        prompt_weights=task.prompt_weights,
        boost_weights=state.weights,
        key=k_alloc,
        mode=mode,
        labels_per_prompt=strategy.labels_per_prompt,
    )
    label_keep = accept if strategy.filter_labels else jnp.ones_like(accept)
    given, labels = strategy.label_fn(
        n_labels,
        state,
        task,
        params,
        label_keep,
        key=k_label,
        mode=mode,
        max_labels=max(k, strategy.labels_per_prompt),
    )

    # fit
    target, data = strategy.mixture_fn(kept, labels, state, params)
    probs = strategy.learner_fn(
        target,
        state,
        task,
        params,
        key=k_fit,
        restart=strategy.restart,
        sgd_steps=strategy.sgd_steps,
    )

    weights = update_boost_weights(state.weights, stats.p_hard, params.theta)
    spent = jnp.sum(n_labels)
    new = SimState(
        probs=probs.astype(dtype),
        weights=weights.astype(dtype),
        data=data.astype(dtype),
        labels_spent=(state.labels_spent + spent).astype(dtype),
        round=state.round + 1,
    )
    metrics = state_metrics(new.probs, task, params)
    metrics.update(round_metrics(stats, n_labels, given, task))
    metrics["labels_spent"] = new.labels_spent
    return new, _recorded(metrics, strategy)


def _recorded(metrics: dict[str, Array], strategy: Strategy) -> dict[str, Array]:
    # What is not returned is never computed: jit removes it as dead code.
    if strategy.record is None:
        return metrics
    return {name: metrics[name] for name in strategy.record}


def initial_metrics(state: SimState, task: Task, params: Params) -> dict[str, Array]:
    """Round-0 metrics: the base model's quality; round quantities are NaN, labels 0."""
    metrics = state_metrics(state.probs, task, params)
    nan = jnp.full((), jnp.nan, state.probs.dtype)
    metrics.update({name: nan for name in ROUND_METRICS})
    metrics["labels_round"] = jnp.zeros((), state.probs.dtype)
    metrics["labels_spent"] = state.labels_spent
    return metrics


def rollout(
    task: Task, params: Params, *, key, strategy: Strategy, rounds: int
) -> tuple[SimState, dict[str, Array]]:
    """Runs `rounds` rounds from p_0 with `lax.scan`.

    Args:
      task: the task (p_0, G, D).
      params: the round's hyper-parameters.
      key: PRNG key; round t uses the t-th of `rounds` keys split from it.
      strategy: the static roles.
      rounds: T.

    Returns:
      The final state and a dict of per-round metrics, each [T + 1] with index 0 the base model.
    """
    state = init_state(task)
    first = _recorded(initial_metrics(state, task, params), strategy)

    def body(s, k):
        return round_step(s, task, params, key=k, strategy=strategy)

    state, metrics = jax.lax.scan(body, state, jax.random.split(key, rounds))
    return state, {
        name: jnp.concatenate([first[name][None].astype(v.dtype), v]) for name, v in metrics.items()
    }
