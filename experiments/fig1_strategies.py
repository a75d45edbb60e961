"""`fig1`: mean error vs round per strategy, expected and sampled, with the claims' closed forms."""

from __future__ import annotations

from pathlib import Path

from experiments import rundir
from experiments.configs.fig1 import PRESETS, Fig1Config, arm_config
from experiments.experiment import Experiment
from experiments.predictions import predicted_error
from experiments.progress import Progress
from experiments.sim_run import simulate_config
from theory.stats import mean_ci


def run(cfg: Fig1Config, run_dir: Path, *, progress: bool = True) -> None:
    out = {"arms": list(cfg.arms), "expected": {}, "sampled": {}, "theory": {}, "claim": {}}
    task = cfg.base.make_task()
    bar = Progress(len(cfg.arms), "fig1", enabled=progress, unit="arm")
    for arm in cfg.arms:
        for mode in ("expected", "sampled"):
            metrics = simulate_config(arm_config(cfg.base, arm, mode))
            out[mode][arm] = metrics if mode == "sampled" else {k: v[0] for k, v in metrics.items()}
        pred = predicted_error(arm_config(cfg.base, arm, "expected"), task)
        out["claim"][arm] = pred[0] if pred else None
        out["theory"][arm] = pred[1] if pred else None
        bar.log(f"fig1: {arm!r}: expected final error {out['expected'][arm]['mean_error'][-1]:.3g}")
        bar.advance(arm)
    bar.close()
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig1

    return fig1.draw(*rundir.load(run_dir), run_dir / "fig1")


def report(run_dir: Path) -> list[dict]:
    """Final mean error per arm: expected mode, sampled mean +- 95% CI, and the closed form."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    for arm in m["arms"]:
        mean, half = mean_ci([s[-1] for s in m["sampled"][arm]["mean_error"]])
        theory = m["theory"][arm]
        rows.append(
            {
                "arm": arm,
                "final error (expected)": f"{m['expected'][arm]['mean_error'][-1]:.3g}",
                "final error (sampled, 95% CI)": f"{mean:.3g} ± {half:.2g}",
                "closed form": f"{theory[-1]:.3g} ({m['claim'][arm]})" if theory else "—",
            }
        )
    return rows


EXPERIMENT = Experiment(
    name="fig1",
    summary="error vs round per strategy, expected and sampled, with closed forms (C1-C3, C6)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C1", "C2", "C3", "C6"),
    report=report,
)
