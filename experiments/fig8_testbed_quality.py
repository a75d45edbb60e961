"""`fig8`: the testbed's final accuracy against weak-data quality (beta) and weight (alpha)."""

from __future__ import annotations

from pathlib import Path

from experiments import rundir
from experiments.configs.fig8 import PRESETS, Fig8Config
from experiments.experiment import Experiment
from experiments.testbed_runs import Member, run_population
from theory.stats import mean_ci


def _arm(beta: float, alpha: float) -> str:
    return f"beta{beta:.4g}_alpha{alpha:.4g}"


def run(cfg: Fig8Config, run_dir: Path, *, progress: bool = True) -> None:
    """Every (beta, alpha) point x seed is a member of one population (one base model)."""
    points = cfg.points()
    members = [
        Member(_arm(b, a), "boosting", seed, (("beta", b), ("alpha", a)))
        for b, a in points
        for seed in range(cfg.base.seeds)
    ]
    metrics = run_population(cfg.base, members, run_dir, progress=progress)
    out = {
        "betas": list(cfg.betas),
        "alphas": list(cfg.alphas),
        "base_beta": cfg.base.beta,
        "base_alpha": cfg.base.alpha,
        "base_accuracy": float(next(iter(metrics.values()))["test_accuracy"][0, 0]),
        "points": [
            {"beta": b, "alpha": a, "final": metrics[_arm(b, a)]["test_accuracy"][:, -1]}
            for b, a in points
        ],
    }
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig8

    return fig8.draw(rundir.read_json(run_dir / rundir.METRICS_FILE), run_dir / "fig8")


def report(run_dir: Path) -> list[dict]:
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    for p in m["points"]:
        mean, half = mean_ci(p["final"])
        rows.append(
            {
                "beta": f"{p['beta']:.3g}",
                "alpha": f"{p['alpha']:.3g}",
                "final accuracy (95% CI)": f"{mean:.3f} ± {half:.3f}",
            }
        )
    rows.append(
        {
            "beta": "—",
            "alpha": "—",
            "final accuracy (95% CI)": f"base model {m['base_accuracy']:.3f}",
        }
    )
    return rows


EXPERIMENT = Experiment(
    name="fig8",
    summary="testbed final accuracy vs weak-data quality beta and weight alpha",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
)
