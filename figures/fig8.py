"""Figure 8: the testbed's final accuracy against weak-data quality beta and weight alpha."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory.stats import mean_ci


def _series(m: dict, key: str, fixed_key: str, fixed: float, values: list[float]):
    finals = []
    for v in values:
        point = next(p for p in m["points"] if p[key] == v and p[fixed_key] == fixed)
        finals.append(point["final"])
    mean, half = mean_ci(np.asarray(finals, dtype=np.float64).T, axis=0)
    return np.asarray(values), mean, half


def draw(m: dict, out: str | Path) -> list[Path]:
    """Figure 8 from fig8's metrics (its points, betas, alphas, base accuracy) into `out`."""
    fig, axes = new_figure(ncols=2, width=4.2, height=3.2)
    # Filter-only is boosting without weak data: the alpha = 0 point, when the run has it.
    filter_only = [p["final"] for p in m["points"] if p["alpha"] == 0]
    panels = (
        ("beta", "alpha", m["base_alpha"], m["betas"], "labeler quality β"),
        ("alpha", "beta", m["base_beta"], m["alphas"], "weak-data weight α"),
    )
    for ax, (key, fixed_key, fixed, values, label) in zip(axes[0], panels, strict=True):
        x, mean, half = _series(m, key, fixed_key, fixed, values)
        ax.errorbar(
            x,
            mean,
            yerr=half,
            color=color("boosting"),
            marker="o",
            capsize=3,
            label="boosting (mean ± 95% CI)",
        )
        ax.axhline(m["base_accuracy"], color=color("base"), ls=":", label="base model")
        if filter_only:
            ax.axhline(
                float(mean_ci(np.asarray(filter_only[0], dtype=np.float64))[0]),
                color=color("filter-only"),
                ls="--",
                label="filter-only (α = 0, mean)",
            )
        ax.set_xlabel(label)
        ax.set_ylabel("held-out greedy accuracy after T rounds")
        greek = {"alpha": "α", "beta": "β"}.get(fixed_key, fixed_key)
        ax.set_title(f"{greek} = {fixed:.3g}", fontsize=9)
        ax.set_ylim(0, 1)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Testbed: what weak data buys, by its quality and its weight", fontsize=9)
    return save(fig, out)
