"""`fig9`: accuracy vs cumulative labels spent, focused vs uniform (what a label buys)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig9 import PRESETS, SERIES, Fig9Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from experiments.sim_run import simulate_config
from theory import closed_forms as cf
from theory.stats import mean_ci


def run(cfg: Fig9Config, run_dir: Path, *, progress: bool = True) -> None:
    base = cfg.base
    task = base.make_task()
    budgets = cfg.label_budgets()
    a0 = np.asarray(sim.base_accuracy(task), dtype=np.float64)
    w = np.asarray(task.prompt_weights, dtype=np.float64)
    out = {
        "budgets": budgets,
        "budget_shares": cfg.budgets,
        "arms": {},
        "c2_ceiling": float(cf.c2_accuracy_ceiling(a0, w)),
        "base_accuracy": float(w @ a0),
    }
    bar = Progress(len(cfg.arms), "fig9", enabled=progress, unit="arm")
    for arm_name in cfg.arms:
        arm = override(base, {"strategy": arm_name})
        # grid_params keeps base's theta (used only by boost_weights): beta is not varied here.
        params, _ = sim.grid_params(arm.make_params(), label_budget=budgets)
        m = sim.sweep(
            task, params, keys=arm.keys(), strategy=arm.make_strategy(), rounds=arm.rounds
        )
        out["arms"][arm_name] = {n: np.asarray(m[n]) for n in SERIES}  # each [B, S, T + 1]
        final = np.asarray(m["mean_accuracy"], dtype=np.float64)[:, :, -1].mean(1)
        bar.log(f"fig9: {arm_name}: final mean accuracy per budget {np.round(final, 3).tolist()}")
        bar.advance(arm_name)
    bar.close()
    ref = simulate_config(override(base, {"strategy": "filter-only"}))
    out["filter_only"] = {n: ref[n] for n in ("mean_accuracy", "greedy_accuracy")}  # [S, T + 1]
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig9

    return fig9.draw(*rundir.load(run_dir), run_dir / "fig9")


def report(run_dir: Path) -> list[dict]:
    """Per arm and budget: final accuracy, labels spent, and accuracy gained per 1000 labels."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    ref = float(np.mean(np.asarray(m["filter_only"]["mean_accuracy"])[:, -1]))
    rows = []
    for arm, series in m["arms"].items():
        for b, budget in enumerate(m["budgets"]):
            acc = np.asarray(series["mean_accuracy"][b], dtype=np.float64)  # [S, T + 1]
            greedy = np.asarray(series["greedy_accuracy"][b], dtype=np.float64)
            spent = np.asarray(series["labels_spent"][b], dtype=np.float64)[:, -1]
            mean, half = mean_ci(acc[:, -1])
            g_mean, g_half = mean_ci(greedy[:, -1])
            gain = (acc[:, -1] - acc[:, 0]) / spent * 1000
            over_ref = (acc[:, -1] - ref) / spent * 1000
            rows.append(
                {
                    "arm": arm,
                    "budget / round": f"{budget:.0f}",
                    "labels spent": f"{spent.mean():.0f}",
                    "final mean acc. (95% CI)": f"{mean:.3f} ± {half:.3f}",
                    "final greedy acc.": f"{g_mean:.3f} ± {g_half:.3f}",
                    "gain per 1000 labels: vs base / vs filter-only": (
                        f"{gain.mean():.3f} / {over_ref.mean():.3f}"
                    ),
                }
            )
    return rows


EXPERIMENT = Experiment(
    name="fig9",
    summary="accuracy vs cumulative labels spent, focused vs uniform (what a label buys)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=(),
    report=report,
)
