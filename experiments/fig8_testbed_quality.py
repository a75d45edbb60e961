"""`fig8`: the testbed's final accuracy against weak-data quality (beta, both boosting arms)
and weight (alpha), beside filter-only, with each arm's break-even beta."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.configs.fig8 import PRESETS, Fig8Config
from experiments.experiment import Experiment
from experiments.testbed_runs import Member, run_population
from experiments.testbed_summary import arm_label
from theory.stats import ci_summary, mean_ci, zero_crossing

# Per-member round metrics kept in metrics.json (`members`), for `experiments.predict`.
MEMBER_METRICS = (
    "labelled_digit_accuracy",
    "wrong_label_digit_share",
    "label_correct_rate",
    "digit_accuracy_by_difficulty",
)


def member_arm(arm: str, beta: float, alpha: float) -> str:
    """A member's arm name in the population (and in metrics.json `members`)."""
    return f"{arm}_beta{beta:.4g}_alpha{alpha:.4g}"


def break_even(betas, gaps: np.ndarray) -> dict:
    """Where an arm's paired gap to filter-only crosses 0 along beta: from the mean gap, and
    the interval from where the 95% band's upper edge (low end) and lower edge (high end)
    cross it. `gaps` [n_betas, seeds]. NaN ends: no crossing within the betas run (the record
    says whether the gap is above or below 0 over all of them)."""
    x = np.asarray(betas, np.float64)
    mean, half = mean_ci(np.asarray(gaps, np.float64).T, axis=0)
    return {
        "beta": zero_crossing(x, mean),
        "low": zero_crossing(x, mean + half),
        "high": zero_crossing(x, mean - half),
        "gap_mean": mean.tolist(),
        "gap_half_width": half.tolist(),
        "always_above": bool(np.all(mean > 0)),
        "always_below": bool(np.all(mean < 0)),
    }


def run(cfg: Fig8Config, run_dir: Path, *, progress: bool = True) -> None:
    """Every (arm, beta, alpha) point x seed, and filter-only x seed, is a member of one
    population (one base model)."""
    points = cfg.points()
    seeds = range(cfg.base.seeds)
    members = [Member("filter-only", "filter-only", seed) for seed in seeds]
    members += [
        Member(member_arm(arm, b, a), arm, seed, (("beta", b), ("alpha", a)))
        for arm, b, a in points
        for seed in seeds
    ]
    metrics = run_population(cfg.base, members, run_dir, progress=progress)
    final = {name: m["test_accuracy"][:, -1] for name, m in metrics.items()}
    base_accuracy = float(next(iter(metrics.values()))["test_accuracy"][0, 0])
    kept = {arm: {k: m[k] for k in MEMBER_METRICS if k in m} for arm, m in metrics.items()}
    out = summarize(cfg, final, base_accuracy, members=kept)
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def summarize(
    cfg: Fig8Config, final: dict, base_accuracy: float, members: dict | None = None
) -> dict:
    """fig8's metrics.json from each member's final held-out accuracy [seeds] by member name
    ("filter-only" and `member_arm(arm, beta, alpha)`); `members`: per member, the round
    metrics `experiments.predict` reads, {arm: {metric: [S, T + 1, ...]}}."""
    points = cfg.points()
    fo = final["filter-only"]
    out = {
        "betas": list(cfg.betas),
        "alphas": list(cfg.alphas),
        "arms": list(cfg.arms),
        "base_beta": cfg.base.beta,
        "base_alpha": cfg.base.alpha,
        "base_accuracy": base_accuracy,
        "filter_only": fo,
        "points": [
            {"arm": arm, "beta": b, "alpha": a, "final": final[member_arm(arm, b, a)]}
            for arm, b, a in points
        ],
        "break_even": {
            arm: break_even(
                cfg.betas,
                np.stack([final[member_arm(arm, b, cfg.base.alpha)] - fo for b in cfg.betas]),
            )
            for arm in cfg.arms
        },
        "members": members or {},
        "gap_at_base_beta": {
            arm: ci_summary(final[member_arm(arm, cfg.base.beta, cfg.base.alpha)] - fo)
            for arm in cfg.arms
            if cfg.base.beta in cfg.betas
        },
    }
    return out


def figure(run_dir: Path) -> list[Path]:
    from figures import fig8

    return fig8.draw(rundir.read_json(run_dir / rundir.METRICS_FILE), run_dir / "fig8")


def _beta_text(b: dict) -> str:
    if b["always_above"]:
        return "below the smallest β run"
    if b["always_below"]:
        return "above the largest β run (never)"

    def f(x):
        return "—" if x is None else f"{x:.2f}"

    return f"{f(b['beta'])} [{f(b['low'])}, {f(b['high'])}]"


def report(run_dir: Path) -> list[dict]:
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    fo_mean, fo_half = mean_ci(m["filter_only"])
    for p in m["points"]:
        mean, half = mean_ci(p["final"])
        gap_mean, gap_half = mean_ci(np.asarray(p["final"]) - np.asarray(m["filter_only"]))
        rows.append(
            {
                "arm": arm_label(p["arm"]),
                "beta": f"{p['beta']:.3g}",
                "alpha": f"{p['alpha']:.3g}",
                "final accuracy (95% CI)": f"{mean:.3f} ± {half:.3f}",
                "− filter-only (paired)": f"{gap_mean:+.3f} ± {gap_half:.3f}",
            }
        )
    rows.append(
        {
            "arm": "filter-only",
            "beta": "—",
            "alpha": "0",
            "final accuracy (95% CI)": f"{fo_mean:.3f} ± {fo_half:.3f}",
            "− filter-only (paired)": f"base model {m['base_accuracy']:.3f}",
        }
    )
    for arm, b in m["break_even"].items():
        rows.append(
            {
                "arm": f"break-even β: {arm_label(arm)}",
                "beta": _beta_text(b),
                "alpha": f"{m['base_alpha']:.3g}",
                "final accuracy (95% CI)": "",
                "− filter-only (paired)": "",
            }
        )
    return rows


EXPERIMENT = Experiment(
    name="fig8",
    summary="testbed final accuracy vs weak-data quality beta (unchecked and checked labels) "
    "and weight alpha, beside filter-only; break-even beta",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
    format=2,
)
