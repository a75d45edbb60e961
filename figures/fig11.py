"""Figure 11: rounds to eps and final accuracy against beta_hard at a fixed mean labeler quality."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, plain_log_ticks, save


def _rounds(values, cap: float) -> np.ndarray:
    """Rounds with never (null) drawn at the top of the axis."""
    return np.asarray([cap if v is None else v for v in values], dtype=float)


def draw(metrics: dict, cfg: dict, out: str | Path) -> list[Path]:
    """Left: rounds to mean error eps (focused, its closed form, uniform); right: final accuracy."""
    fig, axes = new_figure(ncols=2, width=5.2, height=4.2)
    left, right = axes[0]
    x = np.asarray(metrics["beta_hards"], dtype=float)
    rounds = cfg["base"]["rounds"]
    th = metrics["theory"]
    cap = 1.1 * max([rounds] + [v for v in th["rounds_to_eps"] if v is not None])
    arms = {"boosting": ("focused", "C0"), "boosting-uniform": ("uniform", "C1")}
    for name, (label, color) in arms.items():
        arm = metrics["arms"][name]
        left.plot(x, _rounds(arm["rounds_to_eps"], cap), "o", color=color, label=label)
        right.plot(x, arm["final_accuracy"], "o-", color=color, label=label)
    left.plot(x, _rounds(th["rounds_to_eps"], cap), "k--", label="C3 per prompt (theory)")
    right.plot(x, th["final_accuracy"], "k--", label="C3 per prompt (theory)")
    left.axhline(rounds, color="gray", lw=0.8, ls=":")
    left.set_yscale("log")
    plain_log_ticks(left)
    left.set_ylabel(f"rounds to mean error ≤ {metrics['eps']}\n(top: never)")
    right.set_ylabel(f"mean accuracy after {rounds} rounds")
    for ax in (left, right):
        ax.set_xlabel("β_hard\n(labeler's correct mass where a₀ = 0)")
        ax.legend()
    fig.suptitle(
        f"Fixed mean labeler quality E_D[b(x)] = {metrics['mean_beta']}\n"
        f"(β = β_hard + (E_D[b] − β_hard)/E_D[a₀], E_D[a₀] = {metrics['a0_mean']:.3f}); "
        f"γ = {cfg['base']['gamma']}",
    )
    return save(fig, out)
