"""One run of the testbed (a strategy and a seed): T rounds, a checkpoint after each, resumable.

A run directory holds `config.json`, `metrics.json` (per-round arrays, index 0 the base model),
`checkpoint.msgpack` (run state + metrics so far, after every round) and `DONE` when finished.
Resuming from a checkpoint gives bit-identical results on CPU: the run state carries the PRNG
key, the optimizer state and everything else a round reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from experiments import rundir
from sim import allocate
from sim.filters import NAMED as FILTERS
from sim.lm import checkpoint, sample, train
from sim.lm.base import Setup, chunk_size
from sim.lm.config import TestbedConfig, strategy_roles
from sim.lm.round import (
    LABEL_FNS,
    MIXTURE_FNS,
    ROUND_METRICS,
    LMStrategy,
    curate,
    evaluate,
)
from sim.types import Array, Params, make_params

CHECKPOINT_FILE = "checkpoint.msgpack"
EXPERIMENT = "testbed-run"


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


def make_strategy(config: TestbedConfig, name: str) -> tuple[LMStrategy, Params]:
    """Resolves a strategy name to its static roles and traced hyper-parameters, once."""
    roles = strategy_roles(name)
    # A strategy that filters uses the config's filter: gamma-noisy (c = 1, d = gamma) by
    # default, or a general (c, d) filter, or the perfect verifier.
    filt = config.filter if roles["filter"] == "gamma" else roles["filter"]
    if filt == "gamma":
        filter_params = FILTERS["gamma"](config.gamma)
    elif filt == "general":
        filter_params = FILTERS["general"](config.filter_tpr, config.filter_fpr)
    else:
        filter_params = FILTERS[filt]()
    strategy = LMStrategy(
        allocate_fn=allocate.ALLOCATIONS[roles["allocation"]],
        label_fn=LABEL_FNS[config.labeler],
        mixture_fn=MIXTURE_FNS[roles["mixture"]],
        samples_per_prompt=config.samples_per_prompt,
        labels_per_prompt=config.labels_per_prompt,
        filter_labels=config.filter_labels,
        restart=config.restart,
    )
    params = make_params(
        beta=config.beta, alpha=config.alpha, label_budget=config.label_budget, **filter_params
    )
    return strategy, params


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


def _stack(history: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.stack([h[name] for h in history]) for name in history[0]}


def run_one(
    setup: Setup,
    strategy_name: str,
    seed: int,
    run_dir,
    *,
    resume: bool = False,
    progress: rundir.Progress | None = None,
    stop_after_round: int | None = None,
) -> dict[str, np.ndarray]:
    """Runs (or resumes, or reads back) one strategy and seed for `config.rounds` rounds.

    Args:
      setup: the config's data and base model.
      strategy_name: one of `sim.lm.config.STRATEGIES`.
      seed: PRNG seed of the rounds (the base model does not depend on it).
      run_dir: this run's directory.
      resume: continue from the directory's checkpoint (or return a finished run's metrics);
        otherwise start afresh, overwriting it.
      progress: a display advanced by one per training step.
      stop_after_round: stop (as if interrupted) once this many rounds are done.

    Returns:
      Per-round metrics, each [T + 1, ...] with index 0 the base model (fewer rows if stopped).
    """
    config = setup.config
    run_dir = Path(run_dir)
    strategy, params = make_strategy(config, strategy_name)
    extra = dict(strategy=strategy_name, seed=seed)
    state = init_run_state(setup, seed)
    history = [initial_metrics(setup)]
    same = rundir.config_matches(run_dir, EXPERIMENT, config) and _same_run(run_dir, extra)
    if resume and same and (run_dir / CHECKPOINT_FILE).exists():
        state, extras = checkpoint.load(run_dir / CHECKPOINT_FILE, state)
        history = [
            {k: np.asarray(v[r]) for k, v in extras["metrics"].items()}
            for r in range(int(state.round) + 1)
        ]
        if rundir.is_complete(run_dir):
            return _stack(history)
    else:
        (run_dir / rundir.DONE_FILE).unlink(missing_ok=True)
        (run_dir / CHECKPOINT_FILE).unlink(missing_ok=True)
        rundir.write_config(run_dir, EXPERIMENT, config, **extra)

    steps = config.steps_per_round
    done0 = progress.done if progress is not None else 0
    start = int(state.round)
    while int(state.round) < config.rounds:
        r = int(state.round)
        if stop_after_round is not None and r >= stop_after_round:
            return _stack(history)

        def on_step(i, r=r):
            if progress is not None:
                note = f"{strategy_name} seed {seed} round {r + 1}/{config.rounds} step {i}"
                progress.update(done0 + (r - start) * steps + i, note)

        state, metrics = run_round(setup, strategy, params, state, on_step=on_step)
        history.append(metrics)
        stacked = _stack(history)
        checkpoint.save(run_dir / CHECKPOINT_FILE, state, metrics=stacked)
        rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, stacked)
    rundir.mark_complete(run_dir)
    return _stack(history)


def _same_run(run_dir: Path, extra: dict) -> bool:
    saved = rundir.read_json(run_dir / rundir.CONFIG_FILE)
    return all(saved.get(k) == v for k, v in extra.items())


def final(metrics: dict[str, np.ndarray], name: str = "test_accuracy") -> float:
    value = float(np.asarray(metrics[name])[-1])
    return value if math.isfinite(value) else math.nan
