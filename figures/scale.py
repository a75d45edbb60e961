"""Figure 14: the unchecked boosting - filter-only gap against the model and its training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save


def draw(s: dict, out: str | Path) -> list[Path]:
    """The paired gap per setting (mean ± 95% CI over seeds), from scale's summary."""
    rows = s["settings"]
    fig, axes = new_figure(width=5.6, height=0.5 + 0.45 * len(rows))
    ax = axes[0][0]
    y = np.arange(len(rows))
    mean = np.asarray([r["gap"]["mean"] for r in rows], np.float64)
    half = np.asarray(
        [np.nan if r["gap"]["half_width"] is None else r["gap"]["half_width"] for r in rows],
        np.float64,
    )
    ax.errorbar(mean, y, xerr=half, fmt="o", color=color("boosting"), capsize=3)
    ax.axvline(0.0, color="0.3", lw=0.8)
    ax.set_yticks(y, [r["setting"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("boosting − filter-only, held-out (mean ± 95% CI over seeds)")
    ax.set_title(f"Unchecked weak labels ({s['wrong_labels']}, β = {s['beta']:.3g}) by setting")
    return save(fig, out)
