"""Figure 1: mean error vs round per strategy, expected and sampled, closed forms dashed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, label_line_ends, new_figure, plain_log_ticks, save
from theory.stats import mean_ci


def _positive(y):
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0, y, np.nan)  # log axis: an exact 0 (absorbed) is off the chart


# Claims whose closed form is also the exact mean of sampled mode (affine or martingale maps).
_EXACT_IN_MEAN = ("C1", "C3", "C4")
# One marker per strategy: lines that coincide (do-nothing under its own C1 law, weak-only next
# to it) stay apart.
_MARKERS = ("s", "o", "^", "D", "v", "P", "X", "*")


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 1 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    cfg = config["base"]
    fig, axes = new_figure(ncols=2)
    for ax, mode in zip(axes[0], ("expected", "sampled"), strict=True):
        ends = []
        for i, arm in enumerate(m["arms"]):
            err = np.asarray(m[mode][arm]["mean_error"], dtype=np.float64)
            t = np.arange(err.shape[-1])
            style = dict(
                color=color(arm),
                lw=2.0,
                marker=_MARKERS[i % len(_MARKERS)],
                ms=4.5,
                markevery=max(1, t.size // 12),
                label=arm,
                zorder=2,
            )
            if mode == "sampled":
                mean, half = mean_ci(err, axis=0)
                ax.plot(t, _positive(mean), **style)
                ax.fill_between(
                    t,
                    _positive(mean - half),
                    _positive(mean + half),
                    color=color(arm),
                    alpha=0.2,
                    lw=0,
                )
            else:
                ax.plot(t, _positive(err), **style)
            claim = m["claim"][arm]
            if m["theory"][arm] is not None and (mode == "expected" or claim in _EXACT_IN_MEAN):
                theory = _positive(m["theory"][arm])
                ax.plot(t, theory, color="black", ls="--", lw=0.9, zorder=3)
                ends.append((t[-1], theory[-1], claim, "black"))
        ax.set_yscale("log")
        plain_log_ticks(ax)
        ax.set_xlabel("round t")
        ax.set_ylabel("mean error  E_D[1 − a_t(x)]")
        n_seeds = np.asarray(m["sampled"][m["arms"][0]]["mean_error"]).shape[0]
        ax.set_title(
            f"{mode} mode" + (f" ({n_seeds} seeds, 95% band)" if mode == "sampled" else "")
        )
        label_line_ends(ax, ends)
        ax.plot([], [], color="black", ls="--", lw=0.9, label="closed form (claim)")
        ax.legend(loc="lower left")
    fig.suptitle(
        f"Error per strategy: P={cfg['n_prompts']} prompts, V={cfg['n_responses']}, "
        f"k={cfg['samples_per_prompt']}, β={cfg['beta']}, γ={cfg['gamma']}"
    )
    return save(fig, out)
