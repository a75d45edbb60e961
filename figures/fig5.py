"""Figure 5: focused vs uniform against the adversarial labeler (C5) and rounds to (eps, delta)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.transforms import ScaledTranslation

from figures.style import legend_below, new_figure, save, sequential
from theory.stats import mean_ci


def _positive(y, floor: float = 0.0):
    """`y` with its zeros as NaN (a log axis: U_t = 0, all solved, is off the chart). `floor`:
    values at or under it count as 0 (float32 round-off of a share that is exactly 0)."""
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > floor, y, np.nan)


def _mark_zero(ax, y, color, *, floor: float, filled: bool) -> bool:
    """A down-triangle on the bottom edge of the log axis at the first round where `y` is 0
    (at or under `floor`, off the chart). Returns whether it drew one."""
    zero = np.flatnonzero(np.asarray(y, dtype=np.float64) <= floor)
    if zero.size == 0:
        return False
    ax.plot(
        zero[0],
        0.0,
        marker="v",
        ms=8,
        color=color,
        mfc=color if filled else "white",
        mew=1.3,
        # x: the round (nudged so an expected and a sampled mark side by side both show),
        # y: axes fraction (the bottom edge)
        transform=ax.get_xaxis_transform()
        + ScaledTranslation((-3.5 if filled else 3.5) / 72, 0, ax.figure.dpi_scale_trans),
        clip_on=False,
        zorder=5,
    )
    return True


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 5 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    betas = m["betas"]
    colors = sequential(len(betas))
    fig, axes = new_figure(ncols=3, width=4.6, height=5.4)
    ax_f, ax_u, ax_e = axes[0]
    n_seeds = np.asarray(m["unsolved"]["hard"]["sampled"]).shape[1]
    one_prompt = 1.0 / base["n_prompts"]  # U_t is a share of prompts: nothing lies below this
    zero = 0.5 * one_prompt  # ... but 0, stored in float32 as a round-off like 6e-8

    panels = (
        (ax_f, "hard", "focused_bound", "focused (hard set P⁻):\nU_t ≤ U0 (1 − β)^t"),
        (ax_u, "uniform", "uniform_stall", "uniform, same budget:\nstalls at min(U0, 1 − β)"),
    )
    any_zero = False
    for ax, allocation, theory, title in panels:
        u = m["unsolved"][allocation]
        for i, beta in enumerate(betas):
            expected = np.asarray(u["expected"][i], dtype=np.float64)
            t = np.arange(expected.size)
            mean, half = mean_ci(np.asarray(u["sampled"][i], dtype=np.float64), axis=0)
            ax.plot(t, _positive(expected, zero), color=colors[i], lw=1.3, label=f"β = {beta:g}")
            ax.plot(t, _positive(mean, zero), color=colors[i], ls="", marker="o", ms=2.5)
            ax.fill_between(
                t, _positive(mean - half), _positive(mean + half), color=colors[i], alpha=0.2, lw=0
            )
            ax.plot(t, _positive(m["theory"][theory][i]), color="black", ls="--", lw=0.8)
            any_zero |= _mark_zero(ax, expected, colors[i], floor=zero, filled=True)
            any_zero |= _mark_zero(ax, mean, colors[i], floor=zero, filled=False)
        ax.set_yscale("log")
        ax.set_xlabel("round t")
        ax.set_ylabel(f"unsolved mass U_t\n(share with error > δ = {m['delta']:g})")
        ax.set_title(title)
    # One legend for both, under the uniform panel.
    ax_u.plot([], [], color="0.3", lw=1.3, label="simulated, expected mode")
    ax_u.plot([], [], color="0.3", ls="", marker="o", ms=2.5, label=f"sampled ({n_seeds} seeds)")
    ax_u.plot(
        [],
        [],
        color="black",
        ls="--",
        lw=0.8,
        label="C5: bound U0(1−β)^t (left),\nstall min(U0, 1−β) (middle)",
    )
    if any_zero:
        ax_u.plot(
            [], [], ls="", marker="v", ms=8, color="0.3", label="reaches 0 (open: sampled mean)"
        )
    legend_below(ax_u, ncols=2)
    for ax in (ax_f, ax_u):
        ax.axhline(one_prompt, color="0.6", lw=0.8, ls=":")
        ax.annotate(
            "one prompt",
            (0.99, one_prompt),
            xycoords=("axes fraction", "data"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="right",
            fontsize="small",
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
    ax_e.set_xlabel("filter's false-positive rate γ\n(c = 1, d = γ, labels filtered too)")
    ax_e.set_ylabel(f"rounds until\nPr_D[error > δ] ≤ ε = {e['eps']:g}")  # one line: too tall
    ax_e.set_title("(ε, δ) criterion,\na label per rejected sample")
    legend_below(ax_e)
    fig.suptitle(
        f"Focus against the adversarial labeler: P={base['n_prompts']} prompts, "
        f"U0 = {m['u0']:g} unsolved (a0 ∈ {{0, 1}}), perfect filter, replace mixture,\n"
        f"m = {base['labels_per_prompt']} labels per hard prompt, budget "
        f"{base['label_budget']:.0f} labels per round"
    )
    return save(fig, out)
