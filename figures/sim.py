"""The `sim` figure: one simulation's accuracy, diversity and labels spent per round."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory.stats import mean_ci

# (y label, (metric, legend label, line style) per line) per panel: accuracy, diversity, labels.
_PANELS = (
    (
        "accuracy",
        (("mean_accuracy", "mean accuracy A_t", "-"), ("greedy_accuracy", "greedy (argmax)", "--")),
    ),
    ("mean entropy of p_t(·|x)  (nats)", (("entropy", "entropy", "-"),)),
    ("weak labels spent so far", (("labels_spent", "labels", "-"),)),
)


def _runs(values) -> np.ndarray:
    """[seeds, T + 1] (a single seed's [T + 1] gets a seed axis of 1)."""
    x = np.asarray(values, dtype=np.float64)
    return x[None] if x.ndim == 1 else x


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws a `sim` run's metrics (each [seeds, T + 1] or [T + 1]) with its resolved config."""
    fig, axes = new_figure(ncols=3, width=4.0, height=3.4)
    n_seeds = _runs(m["mean_accuracy"]).shape[0]
    for ax, (ylabel, series) in zip(axes[0], _PANELS, strict=True):
        c = color(config["strategy"])
        for key, label, ls in series:
            mean, half = mean_ci(_runs(m[key]), axis=0)
            t = np.arange(mean.size)
            ax.plot(t, mean, color=c, ls=ls, lw=1.5, marker=".", label=label)
            if n_seeds > 1:
                ax.fill_between(t, mean - half, mean + half, color=c, alpha=0.2, lw=0)
        ax.set_xlabel("round t")
        ax.set_ylabel(ylabel)
        if len(series) > 1:
            ax.set_ylim(-0.02, 1.02)
            ax.legend(loc="best")
    band = f"; mean and 95% band over {n_seeds} seeds" if n_seeds > 1 else ""
    fig.suptitle(
        f"{config['strategy']} ({config['mode']} mode): P={config['n_prompts']} prompts, "
        f"V={config['n_responses']}, k={config['samples_per_prompt']}, β={config['beta']}, "
        f"γ={config['gamma']}{band}"
    )
    return save(fig, out)
