"""Figure 13: what each kind of weak data buys on the testbed, unchecked and checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save

ARMS = (("boosting", "unchecked labels (boosting)"), ("boosting-checked", "checked (Boosting (A))"))


def draw(s: dict, out: str | Path) -> list[Path]:
    """Gap boosting - filter-only per kind of wrong label (left) and the share of the oracle's
    gain (right), mean and 95% interval over seeds, from fig13's summary."""
    fig, axes = new_figure(ncols=2, width=4.4, height=3.4)
    rows = s["rows"]
    y = np.arange(len(rows))
    for i, (arm, label) in enumerate(ARMS):
        off = (i - 0.5) * 0.36
        for ax, key in zip(axes[0], ("gap_to_filter_only", "oracle_share"), strict=True):
            mean = np.asarray([r[arm][key]["mean"] for r in rows], np.float64)
            half = np.asarray(
                [
                    np.nan if r[arm][key]["half_width"] is None else r[arm][key]["half_width"]
                    for r in rows
                ],
                np.float64,
            )
            ax.errorbar(mean, y + off, xerr=half, fmt="o", color=color(arm), capsize=3, label=label)
    for ax, title in zip(
        axes[0], ("boosting − filter-only (held-out)", "share of the oracle's gain"), strict=True
    ):
        ax.axvline(0.0, color="0.3", lw=0.8)
        ax.set_yticks(y, [r["row"] for r in rows])
        ax.invert_yaxis()
        ax.set_title(title)
    axes[0][1].tick_params(labelleft=False)
    axes[0][0].set_xlabel("accuracy gap (mean ± 95% CI over seeds)")
    axes[0][1].set_xlabel("(boosting − filter-only) / (oracle − filter-only)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle(
        f"Testbed: which weak data pays (β = {s['beta']:.3g}, γ = {s['gamma']:.3g}, "
        f"{s['rounds']} rounds; filter-only {s['filter-only']['mean']:.3f})"
    )
    return save(fig, out)
