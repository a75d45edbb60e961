"""Figures 6 and 7: the testbed's Table 1 analogue and its accuracy per round and difficulty."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory import paper
from theory.stats import mean_ci

# A panel whose curves and bands all stay under this accuracy gets its own y range.
ZOOM_BELOW = 0.25


def _seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


def draw_table(s: dict, out: str | Path) -> list[Path]:
    """Figure 6: final held-out accuracy per arm, mean ± 95% CI and the seeds, with the paper's
    GSM8K numbers as labelled markers (another task and scale: the ordering is what compares)."""
    arms = ["base"] + list(s["final_accuracy"])
    fig, axes = new_figure(width=6.0, height=3.8)
    ax = axes[0][0]
    for i, arm in enumerate(arms):
        if arm == "base":
            mean, half, values = s["base_accuracy"], 0.0, [s["base_accuracy"]]
        else:
            ci = s["final_accuracy"][arm]
            mean, values = ci["mean"], ci["values"]
            half = ci["half_width"] or 0.0  # None (JSON for NaN) with one seed
        ax.bar(i, mean, color=color(arm), alpha=0.75, yerr=half, capsize=4)
        ax.scatter(
            np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)),
            values,
            s=8,
            color="black",
            zorder=3,
            label="seeds" if i == 1 else None,
        )
        if arm in paper.TABLE1:
            acc, pm = paper.TABLE1[arm]
            ax.errorbar(
                i + 0.3,
                acc,
                yerr=pm,
                fmt="D",
                mfc="white",
                mec="black",
                ecolor="black",
                ms=6,
                capsize=3,
                zorder=4,
                label=paper.SOURCE if arm == "base" else None,
            )
    # Level names broken at their hyphens: rotated ones would run into each other.
    ax.set_xticks(range(len(arms)), [a.replace("-", "-\n") for a in arms])
    ax.set_ylabel("held-out greedy accuracy")
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylim(0, 1.22)  # headroom for the gap and the legend
    ax.set_title(
        f"Testbed after {s['rounds']} rounds: mean ± 95% CI over {_seeds(s['seeds'])}"
        "\n(diamonds: the paper's GSM8K numbers, another task and scale)",
        fontsize=9,
    )
    gap = s["gaps"].get("boosting - filter-only")
    if gap is not None:
        ax.text(
            0.02,
            0.97,
            f"boosting − filter-only: {gap['mean']:+.3f}"
            + (
                f" [{gap['ci_low']:+.3f}, {gap['ci_high']:+.3f}]"
                if gap["ci_low"] is not None
                else " (one seed: no interval)"
            ),
            transform=ax.transAxes,
            va="top",
            fontsize=8,
        )
    ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, 0.91))
    return save(fig, out)


def draw_rounds(m: dict, s: dict, out: str | Path, names: list[str] | None = None) -> list[Path]:
    """Figure 7: held-out accuracy vs round per strategy, overall and per difficulty (`names`:
    the panels' titles, one per difficulty; default "difficulty n")."""
    strategies = list(m)
    n_diff = np.asarray(m[strategies[0]]["test_accuracy_by_difficulty"]).shape[-1]
    panels = n_diff + 1
    names = names or [f"difficulty {n}" for n in range(1, n_diff + 1)]
    ncols = min(panels, 3)
    nrows = -(-panels // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, width=3.4, height=2.6)
    flat = axes.ravel()
    for j in range(panels):
        ax = flat[j]
        top = 0.0  # the highest band edge in the panel
        for name in strategies:
            if j == 0:
                acc = np.asarray(m[name]["test_accuracy"], dtype=np.float64)
            else:
                acc = np.asarray(m[name]["test_accuracy_by_difficulty"], dtype=np.float64)[
                    ..., j - 1
                ]
            t = np.arange(acc.shape[1])
            mean, half = mean_ci(acc, axis=0)
            ax.plot(t, mean, color=color(name), label=name, marker=".")
            ax.fill_between(t, mean - half, mean + half, color=color(name), alpha=0.2, lw=0)
            top = max(top, float(np.nanmax(mean + half, initial=0.0)))
        title = "all prompts" if j == 0 else names[j - 1]
        ax.set_xlabel("round")
        ax.set_xticks(range(acc.shape[1]))  # whole rounds only
        ax.set_ylabel("held-out greedy accuracy")
        if top < ZOOM_BELOW:  # on [0, 1] these curves would lie flat on the axis
            ax.set_ylim(-0.02 * ZOOM_BELOW, max(1.15 * top, 0.02))
            title += " (y zoomed)"
        else:
            ax.set_ylim(-0.02, 1.02)
        ax.set_title(title, fontsize=9)
    for ax in flat[panels:]:
        ax.axis("off")
    handles, labels = flat[0].get_legend_handles_labels()
    # below the panels, off the data
    fig.legend(handles, labels, fontsize=7, loc="outside lower center", ncol=len(labels))
    fig.suptitle(
        f"Testbed accuracy per round (mean and 95% band over {_seeds(s['seeds'])})", fontsize=9
    )
    return save(fig, out)
