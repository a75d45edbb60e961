"""Figure 1: mean error vs round per strategy, expected and sampled, closed forms dashed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory.stats import mean_ci


def _positive(y):
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0, y, np.nan)  # log axis: an exact 0 (absorbed) is off the chart


# Claims whose closed form is also the exact mean of sampled mode (affine or martingale maps).
_EXACT_IN_MEAN = ("C1", "C3", "C4")


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 1 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    cfg = config["base"]
    fig, axes = new_figure(ncols=2)
    for ax, mode in zip(axes[0], ("expected", "sampled"), strict=True):
        for arm in m["arms"]:
            err = np.asarray(m[mode][arm]["mean_error"], dtype=np.float64)
            t = np.arange(err.shape[-1])
            if mode == "sampled":
                mean, half = mean_ci(err, axis=0)
                ax.plot(t, _positive(mean), color=color(arm), label=arm)
                ax.fill_between(
                    t,
                    _positive(mean - half),
                    _positive(mean + half),
                    color=color(arm),
                    alpha=0.2,
                    lw=0,
                )
            else:
                ax.plot(t, _positive(err), color=color(arm), label=arm)
            claim = m["claim"][arm]
            if m["theory"][arm] is not None and (mode == "expected" or claim in _EXACT_IN_MEAN):
                ax.plot(t, _positive(m["theory"][arm]), color="black", ls="--", lw=0.8)
                ax.annotate(
                    claim,
                    (t[-1], m["theory"][arm][-1]),
                    fontsize=7,
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                )
        ax.set_yscale("log")
        ax.set_xlabel("round t")
        ax.set_ylabel("mean error  E_D[1 - a_t(x)]")
        n_seeds = np.asarray(m["sampled"][m["arms"][0]]["mean_error"]).shape[0]
        ax.set_title(
            f"{mode} mode" + (f" ({n_seeds} seeds, 95% band)" if mode == "sampled" else "")
        )
    axes[0][0].plot([], [], color="black", ls="--", lw=0.8, label="closed form (claim)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        f"Error per strategy: P={cfg['n_prompts']} prompts, V={cfg['n_responses']}, "
        f"k={cfg['samples_per_prompt']}, beta={cfg['beta']}, gamma={cfg['gamma']}",
        fontsize=9,
    )
    return save(fig, out)
