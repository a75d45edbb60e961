"""`sim`: one finite-vocabulary simulation, any option of docs/framework.md §2 settable."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.sim import PRESETS, SimConfig
from experiments.experiment import Experiment


def simulate_config(cfg: SimConfig) -> dict[str, np.ndarray]:
    """Rollouts of `cfg` over its seeds: metrics, each [seeds, T + 1]."""
    metrics = sim.simulate(
        cfg.make_task(),
        cfg.make_params(),
        keys=cfg.keys(),
        strategy=cfg.make_strategy(),
        rounds=cfg.rounds,
    )
    return {k: np.asarray(v) for k, v in metrics.items()}


def run(cfg: SimConfig, run_dir: Path, *, progress: bool = True) -> None:
    start = time.perf_counter()
    metrics = simulate_config(cfg)
    if cfg.seeds == 1:  # a single seed has no seed axis
        metrics = {k: v[0] for k, v in metrics.items()}
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, metrics)
    if progress:
        final = metrics["mean_accuracy"][..., -1]
        print(
            f"sim: {cfg.rounds} rounds x {cfg.seeds} seeds in {time.perf_counter() - start:.1f}s;"
            f" final mean accuracy {np.mean(final):.4f}"
        )


EXPERIMENT = Experiment(
    name="sim",
    summary="one simulation of the round; --set any key of docs/framework.md §2",
    presets=PRESETS,
    run=run,
)
