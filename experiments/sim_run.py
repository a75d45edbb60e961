"""`sim`: one finite-vocabulary simulation, any option of docs/framework.md §2 settable."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.sim import PRESETS, SimConfig
from experiments.experiment import Experiment
from experiments.progress import Progress
from sim.table.token_task import TokenTask


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


TASK_FILE = "task.npz"


def save_task(task, path: Path) -> None:
    """Writes a task atomically as .npz: `correct` [P, V] bool, `base_probs` [P, V] float,
    `prompt_weights` [P] float (the base model's dtype). A token task (`TokenTask`) writes its
    own fields instead (`right` [P], `wrong` [P, L, A], `answers`, `fixed_wrong`, ...)."""
    buf = io.BytesIO()
    if isinstance(task, TokenTask):
        np.savez(buf, **{k: np.asarray(v) for k, v in task._asdict().items()})
        rundir.atomic_write_bytes(path, buf.getvalue())
        return
    np.savez(
        buf,
        correct=np.asarray(task.correct, dtype=bool),
        base_probs=np.asarray(task.base_probs),
        prompt_weights=np.asarray(task.prompt_weights),
    )
    rundir.atomic_write_bytes(path, buf.getvalue())


def load_task(path: Path) -> sim.Task:
    """The task of `save_task`, validated."""
    with np.load(path) as z:
        return sim.validate_task(
            sim.Task(
                correct=z["correct"], base_probs=z["base_probs"], prompt_weights=z["prompt_weights"]
            )
        )


def run(cfg: SimConfig, run_dir: Path, *, progress: bool = True) -> None:
    start = time.perf_counter()
    save_task(cfg.make_task(), run_dir / TASK_FILE)
    bar = Progress(1, "sim", enabled=progress, unit="simulation")
    metrics = simulate_config(cfg)
    bar.advance(f"{cfg.rounds} rounds x {cfg.seeds} seeds")
    if cfg.seeds == 1:  # a single seed has no seed axis
        metrics = {k: v[0] for k, v in metrics.items()}
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, metrics)
    final = metrics["mean_accuracy"][..., -1]
    tokens = (
        f", token accuracy {np.mean(metrics['token_accuracy'][..., -1]):.4f}"
        if "token_accuracy" in metrics
        else ""
    )
    bar.log(
        f"sim: {cfg.rounds} rounds x {cfg.seeds} seeds in {time.perf_counter() - start:.1f}s;"
        f" final mean accuracy {np.mean(final):.4f}{tokens}"
    )
    bar.close()


def figure(run_dir: Path) -> list[Path]:
    from figures import sim as sim_figure

    m, config = rundir.load(run_dir)
    return sim_figure.draw(m, config, run_dir / "sim")


EXPERIMENT = Experiment(
    name="sim",
    summary="one simulation of the round; --set any key of docs/framework.md §2",
    presets=PRESETS,
    run=run,
    figure=figure,
    format=2,  # 2: task.npz beside the metrics
    in_report=False,
)
