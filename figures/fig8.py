"""Figure 8: the testbed's final accuracy against weak-data quality beta and weight alpha."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory.stats import mean_ci

LABELS = {"boosting": "boosting (unchecked labels)", "boosting-checked": "Boosting (A) (checked)"}


def _series(m: dict, arm: str, key: str, fixed_key: str, fixed: float, values: list[float]):
    finals = []
    for v in values:
        point = next(
            p for p in m["points"] if p["arm"] == arm and p[key] == v and p[fixed_key] == fixed
        )
        finals.append(point["final"])
    mean, half = mean_ci(np.asarray(finals, dtype=np.float64).T, axis=0)
    return np.asarray(values), mean, half


def draw(m: dict, out: str | Path) -> list[Path]:
    """Figure 8 from fig8's metrics (points per arm, filter-only, break-evens) into `out`."""
    fig, axes = new_figure(ncols=2, width=4.2, height=3.4)
    fo_mean, fo_half = mean_ci(np.asarray(m["filter_only"], np.float64))
    left, right = axes[0]
    for i, arm in enumerate(m["arms"]):
        x, mean, half = _series(m, arm, "beta", "alpha", m["base_alpha"], m["betas"])
        left.errorbar(
            x + (i - 0.5) * 0.008,
            mean,
            yerr=half,
            color=color(arm),
            marker="o",
            capsize=3,
            label=LABELS.get(arm, arm),
        )
        b = m["break_even"][arm]
        if b["beta"] is not None:
            left.axvline(b["beta"], color=color(arm), ls=":", lw=1)
    x, mean, half = _series(m, "boosting", "alpha", "beta", m["base_beta"], m["alphas"])
    right.errorbar(
        np.concatenate([[0.0], x]),
        np.concatenate([[fo_mean], mean]),
        yerr=np.concatenate([[fo_half], half]),
        color=color("boosting"),
        marker="o",
        capsize=3,
        label="boosting (α = 0: filter-only)",
    )
    for ax in (left, right):
        ax.axhspan(fo_mean - fo_half, fo_mean + fo_half, color=color("filter-only"), alpha=0.2)
        ax.axhline(fo_mean, color=color("filter-only"), lw=1, label="filter-only (± 95% CI)")
        ax.axhline(m["base_accuracy"], color=color("base"), ls="--", lw=1, label="base model")
        ax.set_ylim(0, 1)
        ax.set_ylabel("held-out greedy accuracy after T rounds")
    left.set_xlabel("labeler quality β (dotted: break-even with filter-only)")
    right.set_xlabel("weak-data weight α (unchecked labels)")
    left.set_title(f"α = {m['base_alpha']:.3g}")
    right.set_title(f"β = {m['base_beta']:.3g}")
    left.legend(loc="upper left")
    right.legend(loc="upper right")
    fig.suptitle("Testbed: what weak data buys, by its quality and its weight (mean ± 95% CI)")
    return save(fig, out)
