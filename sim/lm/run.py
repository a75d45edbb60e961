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

from sim.lm import sample, shard, train
from sim.lm.base import Setup, TestbedConfig, chunk_size
from sim.lm.round import (
    FILTER_METRICS,
    LABELER_NAMES,
    ROUND_METRICS,
    VECTOR_METRICS,
    LMStrategy,
    Roles,
    curate,
    evaluate,
)
from sim.types import Array, Params


class RunState(NamedTuple):
    """Everything that carries from one round to the next."""

    train: train.TrainState  # the model's parameters and the fine-tuning optimizer
    boost_weights: Array  # [P] boosting weights (mean 1)
    labels_spent: Array  # [] float32 weak labels given so far
    key: Array  # [2] uint32 raw PRNG key data (raw, so a checkpoint can store it)
    round: Array  # [] int32 rounds completed
    labelled: Array  # [P] bool prompts labelled in the last round (`labelled_next_accepted`)


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
        labelled=jnp.zeros((n, p), bool),
    )


def _round_keys(state: RunState):
    """(next round's key, sampling, base-model pool, curation, training) of one member."""
    return jax.random.split(jax.random.wrap_key_data(state.key), 5)


def _base_draws(setup: Setup, strategy: LMStrategy, keys) -> Array:
    """m base-model samples per training prompt for each of `keys` [n]: [n, P, m, La]."""
    p, la = setup.train.answers.shape
    m = strategy.labels_per_prompt
    return jax.vmap(
        lambda key: sample.generate(
            setup.graphdef,
            setup.base_params,
            setup.train.prompts,
            key=key,
            repeats=m,
            answer_len=la,
            temperature=setup.config.temperature,
            chunk=setup.config.sample_chunk,
            eos=setup.task.eos,
            pad=setup.task.pad,
        ).reshape(p, m, la)
    )(keys)


def base_pool(setup: Setup, strategy: LMStrategy, state: RunState, members, *, mesh=None) -> Array:
    """m base-model samples per training prompt for the `members` (indices) whose labeler is
    "base", zeros for the others: [N, P, m, La]. Decoded only for those members; on a `mesh`,
    those members are themselves spread over its devices (padded to a multiple of its size)."""
    n = state.round.shape[0]
    p, la = setup.train.answers.shape
    m = strategy.labels_per_prompt
    if mesh is not None:
        pool = np.zeros((n, p, m, la), np.int32)
        if len(members):
            keys = jax.vmap(lambda s: jax.random.key_data(_round_keys(s)[2]))(state)
            keys = shard.to_host(keys)[np.asarray(members)]
            keys = shard.place(shard.pad(keys, shard.padded_size(len(members), mesh.size)), mesh)
            drawn = _base_draws(setup, strategy, jax.random.wrap_key_data(keys))
            pool[np.asarray(members)] = shard.to_host(drawn)[: len(members)]
        return shard.place(pool, mesh)
    pool = jnp.zeros((n, p, m, la), jnp.int32)
    if len(members) == 0:
        return pool
    idx = jnp.asarray(members, jnp.int32)
    keys = jax.vmap(lambda s: _round_keys(s)[2])(jax.tree.map(lambda x: x[idx], state))
    return pool.at[idx].set(_base_draws(setup, strategy, keys))


def _generate_and_curate(setup: Setup, strategy: LMStrategy, params, roles, state, pool):
    """One member: sample k answers per training prompt, then filter, allocate, label, mix."""
    config = setup.config
    key, k_sample, _, k_curate, k_train = _round_keys(state)
    p, la = setup.train.answers.shape
    k = strategy.samples_per_prompt
    model = dict(
        answer_len=la,
        temperature=config.temperature,
        chunk=config.sample_chunk,
        eos=setup.task.eos,
        pad=setup.task.pad,
    )
    samples = sample.generate(
        setup.graphdef,
        state.train.params,
        setup.train.prompts,
        key=k_sample,
        repeats=k,
        **model,
    ).reshape(p, k, la)
    data, boost, metrics, labelled = curate(
        samples,
        setup.train,
        params,
        roles,
        state.boost_weights,
        pool,
        key=k_curate,
        strategy=strategy,
        round_index=state.round,
        labelled_before=state.labelled,
    )
    return data, boost, metrics, labelled, jax.random.key_data(k_train), jax.random.key_data(key)


def eval_key(k_train: Array) -> Array:
    """The key of a round's sampled held-out evaluation, from the round's training key (a
    stream training never uses: it folds in chunk indices 0, 1, ...)."""
    return jax.random.fold_in(jax.random.wrap_key_data(k_train), 2**31 - 1)


def run_round(
    setup: Setup,
    strategy: LMStrategy,
    params: Params,
    roles: Roles,
    state: RunState,
    *,
    on_step: Callable[[int], None] | None = None,
    mesh: jax.sharding.Mesh | None = None,
) -> tuple[RunState, dict[str, np.ndarray]]:
    """One round of a population: every member samples, curates, fine-tunes and is evaluated.

    `params`, `roles` and `state` are stacked over members ([N] leading axis); each stage is
    one compiled program for the whole population (a vmap over parameter pytrees and keys).
    A member equals the same member run alone, up to the order of float reductions.

    On a `mesh` (`sim.lm.shard.member_mesh`), `params`, `roles` and `state` are sharded over
    its member axis (`shard.place`, N a multiple of its size) and the setup's arrays replicated
    (`shard.replicate`); every stage is then the same program partitioned over the members.
    Under `jax.distributed` every process makes the same call and gets every member's metrics.

    Returns:
      The new state and this round's metrics, each [N, ...] (see `sim.lm.round.METRIC_DOCS`).
    """
    config = setup.config
    labeler = shard.to_host(roles.labeler)
    base_members = np.flatnonzero(labeler == LABELER_NAMES.index("base"))
    pool = base_pool(setup, strategy, state, base_members, mesh=mesh)
    data, boost, metrics, labelled, k_train, key = jax.vmap(
        functools.partial(_generate_and_curate, setup, strategy)
    )(params, roles, state, pool)

    # fit: continue from this round's model (the paper), or restart from the base model
    opt = finetune_opt(config)
    ts = state.train
    if strategy.restart:
        ts = init_run_state(setup, np.zeros(ts.step.shape[0])).train
        if mesh is not None:
            ts = shard.place(jax.tree.map(shard.to_host, ts), mesh)
    has_data = jnp.sum(data.weights, axis=-1) > 0  # [N]; with none, Adam's momentum would move it
    size = chunk_size(config.steps_per_round)
    chunk = functools.partial(
        train.train_chunk,
        setup.graphdef,
        opt,
        n_steps=size,
        batch_size=config.batch_size,
        prompt_len=setup.train.prompts.shape[1],
        eos=setup.task.eos,
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
            lambda params, k: evaluate(
                setup.graphdef,
                params,
                setup.test,
                n_difficulties=strategy.n_difficulties,
                chunk=config.sample_chunk,
                key=eval_key(k),
                temperature=config.temperature,
                task=setup.task,
            )
        )(ts.params, k_train)
    )
    spent = state.labels_spent + metrics["labels_round"]
    metrics["labels_spent"] = spent
    new = RunState(
        train=ts,
        boost_weights=boost,
        labels_spent=spent,
        key=key,
        round=state.round + 1,
        labelled=labelled,
    )
    return new, {name: shard.to_host(v) for name, v in metrics.items()}


def initial_metrics(setup: Setup) -> dict[str, np.ndarray]:
    """Round 0: the base model's held-out accuracy; round quantities NaN, no labels."""
    d = setup.task.difficulties(setup.config)
    names = ROUND_METRICS + (FILTER_METRICS if setup.task.has_filter else ())
    metrics = {
        name: np.full((d,) if name in VECTOR_METRICS else (), np.nan, np.float32) for name in names
    }
    metrics.update(setup.base_metrics)
    for name in ("labels_round", "labels_kept", "labels_spent"):
        metrics[name] = np.zeros((), np.float32)
    return metrics
