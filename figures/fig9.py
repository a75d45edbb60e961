"""Figure 9: accuracy vs cumulative labels spent, focused vs uniform, 95% bands over seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import color, new_figure, save
from theory.stats import mean_ci

_STYLES = ("-", "--", ":", "-.")  # one per budget, cycled


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 9 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    budgets = m["budgets"]
    fig, axes = new_figure(ncols=3, width=4.6, height=4.6)
    ax_mean, ax_greedy, ax_round = axes[0]
    ref = m["filter_only"]
    n_seeds = np.asarray(ref["mean_accuracy"]).shape[0]

    for arm, series in m["arms"].items():
        for b, budget in enumerate(budgets):
            ls = _STYLES[b % len(_STYLES)]
            spent = np.asarray(series["labels_spent"][b], dtype=np.float64).mean(0)[1:]
            label = f"{arm}, {budget:.0f} / round"
            for ax, name in ((ax_mean, "mean_accuracy"), (ax_greedy, "greedy_accuracy")):
                mean, half = mean_ci(np.asarray(series[name][b], dtype=np.float64), axis=0)
                ax.plot(
                    spent, mean[1:], color=color(arm), ls=ls, lw=1.3, marker=".", ms=3, label=label
                )
                ax.fill_between(
                    spent, (mean - half)[1:], (mean + half)[1:], color=color(arm), alpha=0.15, lw=0
                )
            mean, half = mean_ci(np.asarray(series["mean_accuracy"][b], dtype=np.float64), axis=0)
            t = np.arange(mean.size)
            ax_round.plot(t, mean, color=color(arm), ls=ls, lw=1.3, label=label)
            ax_round.fill_between(t, mean - half, mean + half, color=color(arm), alpha=0.15, lw=0)

    for ax, name in ((ax_mean, "mean_accuracy"), (ax_greedy, "greedy_accuracy"), (ax_round, None)):
        series = ref["mean_accuracy" if name is None else name]
        final, _ = mean_ci(np.asarray(series, dtype=np.float64)[:, -1])
        if name is None:
            mean, _ = mean_ci(np.asarray(series, dtype=np.float64), axis=0)
            ax.plot(
                np.arange(mean.size),
                mean,
                color=color("filter-only"),
                lw=1.1,
                label="filter-only (no labels)",
            )
        else:
            ax.axhline(
                final,
                color=color("filter-only"),
                lw=1.1,
                label=f"filter-only after T = {len(series[0]) - 1} rounds (no labels)",
            )
        ax.axhline(
            m["c2_ceiling"],
            color="black",
            ls="--",
            lw=0.8,
            label="C2: filter-only ceiling D{a0 > 0}",
        )
        ax.axhline(m["base_accuracy"], color=color("base"), ls=":", lw=0.9, label="base model")
    for ax, what in ((ax_mean, "mean accuracy A_t"), (ax_greedy, "greedy accuracy")):
        ax.set_xscale("log")
        ax.set_xlabel("labels spent so far (cumulative weak labels)")
        ax.set_ylabel(what)
    ax_mean.set_title("what a label buys: mean accuracy")
    ax_greedy.set_title("greedy (argmax) accuracy")
    ax_round.set_xlabel("round t")
    ax_round.set_ylabel("mean accuracy A_t")
    ax_round.set_title("the same runs per round")
    # One key for the three panels, under them (inside, it would cover the curves).
    fig.legend(*ax_round.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    fig.suptitle(
        f"Focused (boosting: labels on the hard set) vs uniform labels, sampled mode, {n_seeds} "
        f"seeds (95% bands):\nP={base['n_prompts']}, V={base['n_responses']}, "
        f"k={base['samples_per_prompt']}, β={base['beta']}, γ={base['gamma']}, "
        f"α={base['alpha']:.3g}, m={base['labels_per_prompt']}",
    )
    return save(fig, out)
