"""`fig10`: where the boosting - filter-only gap vanishes, as the base model gets stronger."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.config import SimConfig, override
from experiments.registry import Experiment, register
from experiments.sim_run import simulate_config
from experiments.stats import mean_ci
from sim.tasks import base_accuracy

ARMS = ("boosting", "filter-only")


@dataclasses.dataclass(frozen=True)
class Fig10Config:
    """Where focused weak data stops helping (FRAMEWORK.md §6): the final greedy-accuracy gap
    boosting - filter-only after `base.rounds` rounds (sampled mode, paired over
    `base.seeds` seeds, 95% interval) against the base model's pass@k, E_x[1 - (1 - a_0(x))^k],
    over a grid of base models (mean base accuracy x share of never-solved prompts). The gap
    closes as pass@k -> 1: when the base model already solves most prompts at least once in k
    samples the filter alone finds them, and weak labels have little left to do.
    Command: `python -m experiments run fig10` (about 1 minute on 2 CPU cores).
    """

    base: SimConfig = SimConfig(mode="sampled", rounds=5, seeds=8, n_prompts=1024, gamma=0.1)
    base_accuracy_means: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.4, 0.7)
    frac_unsolvables: tuple[float, ...] = (0.0, 0.1, 0.3)

    def __post_init__(self):
        if not self.base_accuracy_means or not self.frac_unsolvables:
            raise ValueError("base_accuracy_means and frac_unsolvables must not be empty")
        for m in self.base_accuracy_means:
            for f in self.frac_unsolvables:
                override(self.base, {"base_accuracy_mean": m, "frac_unsolvable": f})


def run(cfg: Fig10Config, run_dir: Path, *, progress: bool = True) -> None:
    points = []
    grid = [(m, f) for f in cfg.frac_unsolvables for m in cfg.base_accuracy_means]
    for i, (mean, frac) in enumerate(grid):
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
        if progress:
            gap = np.mean(finals["boosting"]) - np.mean(finals["filter-only"])
            print(
                f"fig10: point {i + 1}/{len(grid)}: pass@k {points[-1]['pass_at_k']:.3f} "
                f"gap {gap:+.3f}"
            )
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, {"points": points})


def _gaps(m: dict):
    for p in m["points"]:
        diff = np.subtract(
            p["final_greedy_accuracy"]["boosting"], p["final_greedy_accuracy"]["filter-only"]
        )
        mean, half = mean_ci(diff)
        yield p, float(mean), float(half)


def figure(run_dir: Path) -> list[Path]:
    import matplotlib

    from figures.style import new_figure, save

    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    cfg = rundir.read_json(run_dir / rundir.CONFIG_FILE)["config"]["base"]
    fig, axes = new_figure(width=5.0, height=3.6)
    ax = axes[0][0]
    fracs = sorted({p["frac_unsolvable"] for p in m["points"]})
    cmap = matplotlib.colormaps["viridis"]
    for j, frac in enumerate(fracs):
        rows = sorted(
            (p["pass_at_k"], g, h) for p, g, h in _gaps(m) if p["frac_unsolvable"] == frac
        )
        x, y, h = (np.asarray(v) for v in zip(*rows, strict=True))
        ax.errorbar(
            x,
            y,
            yerr=h,
            marker="o",
            capsize=3,
            color=cmap(j / max(1, len(fracs) - 1)),
            label=f"never solved: {frac:.0%}",
        )
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel(f"base model pass@k  E[1 - (1 - a_0)^k], k = {cfg['samples_per_prompt']}")
    ax.set_ylabel("greedy accuracy gap, boosting − filter-only")
    ax.set_title(
        f"After {cfg['rounds']} rounds, {cfg['seeds']} paired seeds (95% CI); "
        f"β = {cfg['beta']}, γ = {cfg['gamma']}",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    return save(fig, run_dir / "fig10")


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


register(
    Experiment(
        name="fig10",
        summary="where the boosting - filter-only gap vanishes: gap vs the base model's pass@k",
        presets={
            "tiny": Fig10Config(
                base=SimConfig(
                    mode="sampled", rounds=3, seeds=3, n_prompts=64, n_responses=8, gamma=0.1
                ),
                base_accuracy_means=(0.05, 0.6),
                frac_unsolvables=(0.0, 0.3),
            ),
            "default": Fig10Config(),
            "large": Fig10Config(
                base=SimConfig(
                    mode="sampled", rounds=5, seeds=32, n_prompts=8192, n_responses=64, gamma=0.1
                ),
                base_accuracy_means=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9),
                frac_unsolvables=(0.0, 0.05, 0.1, 0.2, 0.4),
            ),
        },
        run=run,
        figure=figure,
        report=report,
    )
)
