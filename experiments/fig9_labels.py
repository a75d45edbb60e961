"""`fig9`: accuracy vs cumulative labels spent, focused vs uniform (what a label buys)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.config import SimConfig, override
from experiments.registry import Experiment, register
from experiments.sim_run import simulate_config
from experiments.stats import mean_ci
from theory import closed_forms as cf

SERIES = ("mean_accuracy", "greedy_accuracy", "labels_spent", "hard_fraction")


@dataclasses.dataclass(frozen=True)
class Fig9Config:
    """Figure 9 (FRAMEWORK.md §7.9): accuracy vs cumulative labels spent (what a label buys).

    Sampled mode, `base.seeds` rollouts on `base`'s random task, gamma-noisy filter, the global
    mixture (weak data weight alpha). `boosting` spends the per-round label budget on the hard
    set P- (prompts with no accepted sample, m labels each; a budget smaller than P- labels a
    random part of it), `boosting-uniform` on random prompts. Each budget in `budgets` is a share
    of n_prompts x labels_per_prompt; one sharded `sim.sweep` over the budgets per arm. x = labels
    spent so far, y = mean and greedy accuracy (95% bands over seeds); filter-only (no labels)
    and C2's ceiling D{a0 > 0} for filter-only are the references.
    Command: `python -m experiments run fig9` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = SimConfig(mode="sampled", seeds=8, rounds=15, beta=0.3, gamma=0.2)
    arms: tuple[str, ...] = ("boosting", "boosting-uniform")
    budgets: tuple[float, ...] = (0.01, 0.05, 0.25)

    def __post_init__(self):
        if not self.arms:
            raise ValueError("arms must name at least one strategy")
        for arm in self.arms:
            resolved = override(self.base, {"strategy": arm}).resolved()
            if resolved.allocation == "none":
                raise ValueError(f"arms: {arm!r} spends no labels; choose a strategy that does")
        if not self.budgets or not all(b > 0 for b in self.budgets):
            raise ValueError(f"budgets must list shares > 0; got {self.budgets}")

    def label_budgets(self) -> np.ndarray:
        """Labels per round for each budget share. [B]"""
        return np.asarray(self.budgets) * self.base.n_prompts * self.base.labels_per_prompt


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
    for arm_name in cfg.arms:
        arm = override(base, {"strategy": arm_name})
        # grid_params keeps base's theta (used only by boost_weights): beta is not varied here.
        params, _ = sim.grid_params(arm.make_params(), label_budget=budgets)
        m = sim.sweep(
            task, params, keys=arm.keys(), strategy=arm.make_strategy(), rounds=arm.rounds
        )
        out["arms"][arm_name] = {n: np.asarray(m[n]) for n in SERIES}  # each [B, S, T + 1]
        if progress:
            final = np.asarray(m["mean_accuracy"], dtype=np.float64)[:, :, -1].mean(1)
            print(f"fig9: {arm_name}: final mean accuracy per budget {np.round(final, 3).tolist()}")
    ref = simulate_config(override(base, {"strategy": "filter-only"}))
    out["filter_only"] = {n: ref[n] for n in ("mean_accuracy", "greedy_accuracy")}  # [S, T + 1]
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig9

    return fig9.draw(run_dir)


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


register(
    Experiment(
        name="fig9",
        summary="accuracy vs cumulative labels spent, focused vs uniform (what a label buys)",
        presets={
            "tiny": Fig9Config(
                base=SimConfig(mode="sampled", n_prompts=64, n_responses=8, rounds=5, seeds=3),
                budgets=(0.05, 0.5),
            ),
            "default": Fig9Config(),
            "large": Fig9Config(
                base=SimConfig(
                    mode="sampled",
                    n_prompts=8192,
                    n_responses=64,
                    rounds=30,
                    seeds=32,
                    beta=0.3,
                    gamma=0.2,
                ),
                budgets=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
            ),
        },
        run=run,
        figure=figure,
        claims=(),
        report=report,
    )
)
