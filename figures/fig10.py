"""Figure 10: the boosting - filter-only gap against the base model's pass@k (where it vanishes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, save, sequential


def draw(gaps: list[tuple[dict, float, float]], cfg: dict, out: str | Path) -> list[Path]:
    """Figure 10: per point (its metrics, gap mean, 95% half-width) and the base config."""
    fig, axes = new_figure(width=5.0, height=3.6)
    ax = axes[0][0]
    fracs = sorted({p["frac_unsolvable"] for p, _, _ in gaps})
    colors = sequential(len(fracs))  # stops short of viridis' pale yellow end
    for j, frac in enumerate(fracs):
        rows = sorted((p["pass_at_k"], g, h) for p, g, h in gaps if p["frac_unsolvable"] == frac)
        x, y, h = (np.asarray(v) for v in zip(*rows, strict=True))
        ax.errorbar(
            x,
            y,
            yerr=h,
            marker="o",
            ms=4,
            mfc="white",  # open markers: a short interval stays visible through them
            mew=1.2,
            capsize=4,
            elinewidth=1.6,
            capthick=1.6,
            barsabove=True,  # the intervals on top of the markers
            color=colors[j],
            label=f"never solved: {frac:.0%}",
        )
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xlabel(f"base model pass@k  E[1 - (1 - a_0)^k], k = {cfg['samples_per_prompt']}")
    ax.set_ylabel("greedy accuracy gap, boosting − filter-only")
    ax.set_title(
        f"After {cfg['rounds']} rounds, {cfg['seeds']} paired seeds (95% CI)\n"
        f"β = {cfg['beta']}, γ = {cfg['gamma']}",
    )
    ax.legend()
    return save(fig, out)
