"""`fig10`: where the boosting - filter-only gap vanishes, as the base model gets stronger."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.configs.fig10 import ARMS, PRESETS, Fig10Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from experiments.sim_run import simulate_config
from sim.table.tasks import base_accuracy
from theory.stats import mean_ci


def run(cfg: Fig10Config, run_dir: Path, *, progress: bool = True) -> None:
    points = []
    grid = [(m, f) for f in cfg.frac_unsolvables for m in cfg.base_accuracy_means]
    bar = Progress(len(grid), "fig10", enabled=progress, unit="point")
    for mean, frac in grid:
        point = override(cfg.base, {"base_accuracy_mean": mean, "frac_unsolvable": frac})
        a0 = np.asarray(base_accuracy(point.make_task()), dtype=np.float64)
        k = point.samples_per_prompt
        finals = {}
        for arm in ARMS:
            m = simulate_config(override(point, {"strategy": arm}))
            finals[arm] = m["greedy_accuracy"][:, -1].tolist()
        points.append(
            {
                "base_accuracy_mean": mean,
                "frac_unsolvable": frac,
                "base_greedy_accuracy": float(m["greedy_accuracy"][0, 0]),
                "pass_at_k": float(np.mean(1 - (1 - a0) ** k)),
                "final_greedy_accuracy": finals,
            }
        )
        gap = np.mean(finals["boosting"]) - np.mean(finals["filter-only"])
        bar.log(f"fig10: pass@k {points[-1]['pass_at_k']:.3f} gap {gap:+.3f}")
        bar.advance(f"pass@k {points[-1]['pass_at_k']:.3f}")
    bar.close()
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, {"points": points})


def _gaps(m: dict):
    for p in m["points"]:
        diff = np.subtract(
            p["final_greedy_accuracy"]["boosting"], p["final_greedy_accuracy"]["filter-only"]
        )
        mean, half = mean_ci(diff)
        yield p, float(mean), float(half)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig10

    m, config = rundir.load(run_dir)
    return fig10.draw(list(_gaps(m)), config["base"], run_dir / "fig10")


def report(run_dir: Path) -> list[dict]:
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    return [
        {
            "never solved": f"{p['frac_unsolvable']:.0%}",
            "base accuracy mean": f"{p['base_accuracy_mean']:.2f}",
            "pass@k": f"{p['pass_at_k']:.3f}",
            "gap boosting − filter-only (95% CI)": f"{g:+.3f} ± {h:.3f}",
        }
        for p, g, h in _gaps(m)
    ]


EXPERIMENT = Experiment(
    name="fig10",
    summary="where the boosting - filter-only gap vanishes: gap vs the base model's pass@k",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
)
