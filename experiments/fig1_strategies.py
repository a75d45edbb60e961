"""`fig1`: mean error vs round per strategy, expected and sampled, with the claims' closed forms."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from experiments import rundir
from experiments.config import SimConfig, override, parse_sets
from experiments.predictions import predicted_error
from experiments.registry import Experiment, register
from experiments.sim_run import simulate_config
from experiments.stats import mean_ci

ARMS = (
    "do-nothing",
    "filter-only",
    "weak-only",
    "boosting mixture=replace",
    "boosting-uniform mixture=replace",
)


def arm_config(base: SimConfig, arm: str, mode: str) -> SimConfig:
    """'boosting mixture=replace' -> base with strategy=boosting, mixture=replace, mode=mode."""
    name, *sets = arm.split()
    return override(base, {"strategy": name, **parse_sets(sets), "mode": mode})


@dataclasses.dataclass(frozen=True)
class Fig1Config:
    """Figure 1 (FRAMEWORK.md §7.1): error vs round per strategy, log scale (C1, C2, C3, C6).

    Each arm runs in expected mode (one deterministic curve, drawn over its claim's closed form
    where one applies) and in sampled mode (`base.seeds` rollouts, mean and 95% band). Boosting
    uses the replace mixture, the form C3 solves exactly.
    Command: `python -m experiments run fig1` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = SimConfig(rounds=30, seeds=16, beta=0.3, gamma=0.2)
    arms: tuple[str, ...] = ARMS

    def __post_init__(self):
        if not self.arms:
            raise ValueError("arms must name at least one strategy")
        for arm in self.arms:
            arm_config(self.base, arm, "expected")  # raises on a bad arm, naming the option


def run(cfg: Fig1Config, run_dir: Path, *, progress: bool = True) -> None:
    out = {"arms": list(cfg.arms), "expected": {}, "sampled": {}, "theory": {}, "claim": {}}
    task = cfg.base.make_task()
    for i, arm in enumerate(cfg.arms):
        for mode in ("expected", "sampled"):
            metrics = simulate_config(arm_config(cfg.base, arm, mode))
            out[mode][arm] = metrics if mode == "sampled" else {k: v[0] for k, v in metrics.items()}
        pred = predicted_error(arm_config(cfg.base, arm, "expected"), task)
        out["claim"][arm] = pred[0] if pred else None
        out["theory"][arm] = pred[1] if pred else None
        if progress:
            print(
                f"fig1: arm {i + 1}/{len(cfg.arms)} {arm!r}: expected final error "
                f"{out['expected'][arm]['mean_error'][-1]:.3g}"
            )
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig1

    return fig1.draw(run_dir)


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


register(
    Experiment(
        name="fig1",
        summary="error vs round per strategy, expected and sampled, with closed forms (C1-C3, C6)",
        presets={
            "tiny": Fig1Config(base=SimConfig(n_prompts=64, n_responses=8, rounds=6, seeds=4)),
            "default": Fig1Config(),
            "large": Fig1Config(
                base=SimConfig(
                    n_prompts=8192, n_responses=64, rounds=50, seeds=64, beta=0.3, gamma=0.2
                )
            ),
        },
        run=run,
        figure=figure,
        claims=("C1", "C2", "C3", "C6"),
        report=report,
    )
)
