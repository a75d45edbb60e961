"""A testbed population's state and one round of it: sample, curate, fine-tune, evaluate.

`RunState` carries everything a round reads (the PRNG key, the optimizer state, boosting
weights), so a run resumed from a saved state continues exactly as if never stopped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sim.lm import sample, train
from sim.lm.base import Setup, TestbedConfig, chunk_size
from sim.lm.round import ROUND_METRICS, LMStrategy, Roles, curate, evaluate
from sim.types import Array, Params


class RunState(NamedTuple):
    """Everything that carries from one round to the next."""

    train: train.TrainState  # the model's parameters and the fine-tuning optimizer
    boost_weights: Array  # [P] boosting weights (mean 1)
    labels_spent: Array  # [] float32 weak labels given so far
    key: Array  # [2] uint32 raw PRNG key data (raw, so a checkpoint can store it)
    round: Array  # [] int32 rounds completed


def finetune_opt(config: TestbedConfig) -> train.OptConfig:
    """Constant learning rate: the rounds are one long fine-tuning run on changing data."""
    return train.OptConfig(lr=config.lr, weight_decay=config.weight_decay)


def init_run_state(setup: Setup, seeds) -> RunState:
    """The stacked state of a population, one member per entry of `seeds` ([N] leading axis)."""
    seeds = np.asarray(seeds, np.uint32).reshape(-1)
    n, p = seeds.shape[0], setup.train.prompts.shape[0]
    one = train.init_train_state(setup.base_params, finetune_opt(setup.config))
    return RunState(
        train=jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), one),
        boost_weights=jnp.ones((n, p), jnp.float32),
        labels_spent=jnp.zeros((n,), jnp.float32),
        key=jnp.stack([jax.random.key_data(jax.random.key(int(s))) for s in seeds]),
        round=jnp.zeros((n,), jnp.int32),
    )


def _generate_and_curate(setup: Setup, strategy: LMStrategy, params, roles, state: RunState):
    """One member: sample k answers per training prompt, then filter, allocate, label, mix."""
    config = setup.config
    key, k_sample, k_pool, k_curate, k_train = jax.random.split(
        jax.random.wrap_key_data(state.key), 5
    )
    p, la = setup.train.answers.shape
    k, m = strategy.samples_per_prompt, strategy.labels_per_prompt
    model = dict(answer_len=la, temperature=config.temperature, chunk=config.sample_chunk)
    samples = sample.generate(
        setup.graphdef,
        state.train.params,
        setup.train.prompts,
        key=k_sample,
        repeats=k,
        **model,
    ).reshape(p, k, la)
    if strategy.needs_base_samples:
        pool = sample.generate(
            setup.graphdef,
            setup.base_params,
            setup.train.prompts,
            key=k_pool,
            repeats=m,
            **model,
        ).reshape(p, m, la)
    else:
        pool = jnp.zeros((p, m, la), jnp.int32)
    data, boost, metrics = curate(
        samples,
        setup.train,
        params,
        roles,
        state.boost_weights,
        pool,
        key=k_curate,
        strategy=strategy,
    )
    return data, boost, metrics, jax.random.key_data(k_train), jax.random.key_data(key)


def run_round(
    setup: Setup,
    strategy: LMStrategy,
    params: Params,
    roles: Roles,
    state: RunState,
    *,
    on_step: Callable[[int], None] | None = None,
) -> tuple[RunState, dict[str, np.ndarray]]:
    """One round of a population: every member samples, curates, fine-tunes and is evaluated.

    `params`, `roles` and `state` are stacked over members ([N] leading axis); each stage is
    one compiled program for the whole population (a vmap over parameter pytrees and keys).
    A member equals the same member run alone, up to the order of float reductions.

    Returns:
      The new state and this round's metrics, each [N, ...] (see `sim.lm.round.METRIC_DOCS`).
    """
    config = setup.config
    data, boost, metrics, k_train, key = jax.vmap(
        functools.partial(_generate_and_curate, setup, strategy)
    )(params, roles, state)

    # fit: continue from this round's model (the paper), or restart from the base model
    opt = finetune_opt(config)
    ts = state.train
    if strategy.restart:
        ts = init_run_state(setup, np.zeros(ts.step.shape[0])).train
    has_data = jnp.sum(data.weights, axis=-1) > 0  # [N]; with none, Adam's momentum would move it
    size = chunk_size(config.steps_per_round)
    chunk = functools.partial(
        train.train_chunk,
        setup.graphdef,
        opt,
        n_steps=size,
        batch_size=config.batch_size,
        prompt_len=setup.train.prompts.shape[1],
    )
    step = jax.vmap(lambda ts, data, key: chunk(ts, data, key=key))
    losses = []
    for i in range(config.steps_per_round // size):
        keys = jax.vmap(lambda k, i=i: jax.random.fold_in(jax.random.wrap_key_data(k), i))(k_train)
        new, loss = step(ts, data, keys)
        ts = jax.tree.map(
            lambda a, b: jnp.where(has_data.reshape((-1,) + (1,) * (a.ndim - 1)), a, b), new, ts
        )
        losses.append(loss)
        if on_step is not None:
            loss.block_until_ready()  # so the display shows work done, not work queued
            on_step((i + 1) * size)
    metrics["train_loss"] = jnp.where(
        has_data, jnp.mean(jnp.concatenate(losses, axis=1), 1), jnp.nan
    )

    metrics.update(
        jax.vmap(
            lambda params: evaluate(
                setup.graphdef,
                params,
                setup.test,
                n_difficulties=config.max_digits,
                chunk=config.sample_chunk,
            )
        )(ts.params)
    )
    spent = state.labels_spent + metrics["labels_round"]
    metrics["labels_spent"] = spent
    new = RunState(
        train=ts, boost_weights=boost, labels_spent=spent, key=key, round=state.round + 1
    )
    return new, {name: np.asarray(v) for name, v in metrics.items()}


def initial_metrics(setup: Setup) -> dict[str, np.ndarray]:
    """Round 0: the base model's held-out accuracy; round quantities NaN, no labels."""
    metrics = {name: np.asarray(np.nan, np.float32) for name in ROUND_METRICS}
    metrics.update(setup.base_metrics)
    metrics["labels_round"] = np.zeros((), np.float32)
    metrics["labels_spent"] = np.zeros((), np.float32)
    return metrics
