"""A testbed run's state and one round of it: sample, curate, fine-tune, evaluate.

`RunState` carries everything a round reads (the PRNG key, the optimizer state, boosting
weights), so a run resumed from a saved state continues exactly as if never stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sim.lm import sample, train
from sim.lm.base import Setup, TestbedConfig, chunk_size
from sim.lm.round import ROUND_METRICS, LMStrategy, curate, evaluate
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


def init_run_state(setup: Setup, seed: int) -> RunState:
    p = setup.train.prompts.shape[0]
    return RunState(
        train=train.init_train_state(setup.base_params, finetune_opt(setup.config)),
        boost_weights=jnp.ones((p,), jnp.float32),
        labels_spent=jnp.zeros((), jnp.float32),
        key=jax.random.key_data(jax.random.key(seed)),
        round=jnp.zeros((), jnp.int32),
    )


def run_round(
    setup: Setup,
    strategy: LMStrategy,
    params: Params,
    state: RunState,
    *,
    on_step: Callable[[int], None] | None = None,
) -> tuple[RunState, dict[str, np.ndarray]]:
    """One round: sample k answers per training prompt, curate, fine-tune, evaluate.

    Returns:
      The new run state and this round's metrics (see `sim.lm.round.METRIC_DOCS`).
    """
    config = setup.config
    key, k_sample, k_pool, k_curate, k_train = jax.random.split(
        jax.random.wrap_key_data(state.key), 5
    )
    p, la = setup.train.answers.shape
    k, m = strategy.samples_per_prompt, strategy.labels_per_prompt
    model = dict(answer_len=la, temperature=config.temperature, chunk=config.sample_chunk)

    # generate
    samples = sample.generate(
        setup.graphdef,
        state.train.params,
        jnp.repeat(setup.train.prompts, k, axis=0),
        key=k_sample,
        **model,
    ).reshape(p, k, la)
    if strategy.needs_base_samples:
        pool = sample.generate(
            setup.graphdef,
            setup.base_params,
            jnp.repeat(setup.train.prompts, m, axis=0),
            key=k_pool,
            **model,
        ).reshape(p, m, la)
    else:
        pool = jnp.zeros((p, m, la), jnp.int32)

    # filter, allocate, label, mix
    data, boost, metrics = curate(
        samples, setup.train, params, state.boost_weights, pool, key=k_curate, strategy=strategy
    )

    # fit: continue from this round's model (the paper), or restart from the base model
    opt = finetune_opt(config)
    ts = train.init_train_state(setup.base_params, opt) if strategy.restart else state.train
    losses = []
    if float(jnp.sum(data.weights)) > 0:  # with no data, Adam's momentum alone would move it
        size = chunk_size(config.steps_per_round)
        for i in range(config.steps_per_round // size):
            ts, loss = train.train_chunk(
                setup.graphdef,
                opt,
                ts,
                data,
                key=jax.random.fold_in(k_train, i),
                n_steps=size,
                batch_size=config.batch_size,
                prompt_len=setup.train.prompts.shape[1],
            )
            losses.append(loss)
            if on_step is not None:
                loss.block_until_ready()  # so the display shows work done, not work queued
                on_step((i + 1) * size)
    metrics["train_loss"] = jnp.mean(jnp.concatenate(losses)) if losses else jnp.nan

    metrics.update(
        evaluate(
            setup.graphdef,
            ts.params,
            setup.test,
            n_difficulties=config.max_digits,
            chunk=config.sample_chunk,
        )
    )
    spent = state.labels_spent + metrics["labels_round"]
    metrics["labels_spent"] = spent
    new = RunState(
        train=ts,
        boost_weights=boost,
        labels_spent=spent,
        key=jax.random.key_data(key),
        round=state.round + 1,
    )
    return new, {name: np.asarray(v) for name, v in metrics.items()}


def initial_metrics(setup: Setup) -> dict[str, np.ndarray]:
    """Round 0: the base model's held-out accuracy; round quantities NaN, no labels."""
    metrics = {name: np.asarray(np.nan, np.float32) for name in ROUND_METRICS}
    metrics.update(setup.base_metrics)
    metrics["labels_round"] = np.zeros((), np.float32)
    metrics["labels_spent"] = np.zeros((), np.float32)
    return metrics


def final(metrics: dict[str, np.ndarray], name: str = "test_accuracy") -> float:
    value = float(np.asarray(metrics[name])[-1])
    return value if math.isfinite(value) else math.nan
