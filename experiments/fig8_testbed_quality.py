"""`fig8`: the testbed's final accuracy against weak-data quality (beta) and weight (alpha)."""

from __future__ import annotations

from pathlib import Path

from experiments import rundir
from experiments.configs import testbed as lm_config
from experiments.configs.fig8 import PRESETS, Fig8Config
from experiments.experiment import Experiment
from experiments.testbed_runs import run_testbed
from theory.stats import mean_ci


def _point_dir(run_dir: Path, beta: float, alpha: float) -> Path:
    return run_dir / f"beta{beta:.4g}_alpha{alpha:.4g}"


def run(cfg: Fig8Config, run_dir: Path, *, progress: bool = True) -> None:
    out = {
        "betas": list(cfg.betas),
        "alphas": list(cfg.alphas),
        "base_beta": cfg.base.beta,
        "base_alpha": cfg.base.alpha,
        "points": [],
    }
    for i, (beta, alpha) in enumerate(cfg.points()):
        if progress:
            print(f"fig8: point {i + 1}/{len(cfg.points())}: beta={beta:.3g} alpha={alpha:.3g}")
        config = lm_config.replace(cfg.base, beta=beta, alpha=alpha)
        summary = run_testbed(
            config,
            _point_dir(run_dir, beta, alpha),
            resume=True,
            progress=progress,
            base_dir=run_dir / "base",
        )
        out["base_accuracy"] = summary["base_accuracy"]
        out["points"].append(
            {"beta": beta, "alpha": alpha, "final": summary["final_accuracy"]["boosting"]["values"]}
        )
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
