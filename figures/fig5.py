"""Figure 5: focused vs uniform against the adversarial labeler (C5) and rounds to (eps, delta)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, save, sequential
from theory.stats import mean_ci


def _positive(y):
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0, y, np.nan)  # log axis: U_t = 0 (all solved) is off the chart


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 5 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    betas = m["betas"]
    colors = sequential(len(betas))
    fig, axes = new_figure(ncols=3, width=4.6, height=3.9)
    ax_f, ax_u, ax_e = axes[0]
    n_seeds = np.asarray(m["unsolved"]["hard"]["sampled"]).shape[1]

    panels = (
        (ax_f, "hard", "focused_bound", "focused (hard set P⁻): U_t ≤ U0 (1 − β)^t"),
        (ax_u, "uniform", "uniform_stall", "uniform, same budget: stalls at min(U0, 1 − β)"),
    )
    for ax, allocation, theory, title in panels:
        u = m["unsolved"][allocation]
        for i, beta in enumerate(betas):
            expected = np.asarray(u["expected"][i], dtype=np.float64)
            t = np.arange(expected.size)
            mean, half = mean_ci(np.asarray(u["sampled"][i], dtype=np.float64), axis=0)
            ax.plot(t, _positive(expected), color=colors[i], lw=1.3, label=f"β = {beta:g}")
            ax.plot(t, _positive(mean), color=colors[i], ls="", marker="o", ms=2.5)
            ax.fill_between(
                t, _positive(mean - half), _positive(mean + half), color=colors[i], alpha=0.2, lw=0
            )
            ax.plot(t, _positive(m["theory"][theory][i]), color="black", ls="--", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("round t")
        ax.set_ylabel(f"unsolved mass U_t  (share with error > δ = {m['delta']:g})")
        ax.set_title(title, fontsize=8.5)
    # One legend, in the uniform panel's empty lower half.
    ax_u.plot([], [], color="0.3", lw=1.3, label="simulated, expected mode")
    ax_u.plot([], [], color="0.3", ls="", marker="o", ms=2.5, label=f"sampled ({n_seeds} seeds)")
    ax_u.plot(
        [],
        [],
        color="black",
        ls="--",
        lw=0.8,
        label="C5: bound U0(1−β)^t (left), stall min(U0, 1−β) (middle)",
    )
    ax_u.legend(fontsize=7, loc="lower left", ncols=1)
    one_prompt = 1.0 / base["n_prompts"]  # U_t is a share of prompts: nothing lies below this
    for ax in (ax_f, ax_u):
        ax.axhline(one_prompt, color="0.6", lw=0.8, ls=":")
        ax.annotate(
            "one prompt",
            (0.99, one_prompt),
            xycoords=("axes fraction", "data"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="right",
            fontsize=6.5,
            color="0.4",
        )
        ax.set_ylim(one_prompt / 3, 1.3)

    e = m["eps_delta"]
    gammas = np.asarray(e["gammas"])
    rounds = np.asarray([[np.nan if v is None else v for v in row] for row in e["rounds"]])
    e_colors = sequential(len(e["betas"]), cmap="plasma")
    for i, beta in enumerate(e["betas"]):
        ax_e.plot(gammas, rounds[i], "o-", ms=4, lw=1.0, color=e_colors[i], label=f"β = {beta:g}")
        ax_e.plot(e["gammas_fine"], e["estimate_fine"][i], color="black", ls="--", lw=0.8)
        ax_e.axhline(e["c5_rounds"][i], color=e_colors[i], ls=":", lw=0.9)
    ax_e.plot([], [], color="black", ls="--", lw=0.8, label="C5 + C7 estimate (not a bound)")
    ax_e.plot([], [], color="0.3", ls=":", lw=0.9, label="C5 alone: ln(U0/ε)/θ")
    ax_e.set_xlabel("filter's false-positive rate γ  (c = 1, d = γ, labels filtered too)")
    ax_e.set_ylabel(f"rounds until Pr_D[error > δ] ≤ ε = {e['eps']:g}")
    ax_e.set_title("(ε, δ) criterion, a label per rejected sample", fontsize=8.5)
    ax_e.legend(fontsize=6.5, loc="upper left")
    fig.suptitle(
        f"Focus against the adversarial labeler: P={base['n_prompts']} prompts, "
        f"U0 = {m['u0']:g} unsolved (a0 ∈ {{0, 1}}), perfect filter, replace mixture, "
        f"m = {base['labels_per_prompt']} labels per hard prompt, budget "
        f"{base['label_budget']:.0f} labels per round",
        fontsize=9,
    )
    return save(fig, out)
