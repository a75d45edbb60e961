"""Figure 3: phase diagrams of final accuracy, with C3's and C4's contours dashed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm

from figures.style import legend_below, new_figure, save, sequential

ERROR_FLOOR = 1e-6  # the colour scale stops here (float32 errors below it are round-off)
ERROR_LEVELS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
ACCURACY_LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


# Simulated contours: a wide white line edged in black, visible on any colour; the theory's
# thin black dashes are drawn on top, so where the two agree both still show.
_SIMULATED = dict(
    colors="white",
    linestyles="-",
    linewidths=2.4,
    zorder=2,
)
_OUTLINE = [patheffects.withStroke(linewidth=3.6, foreground="black")]
_THEORY = dict(colors="black", linestyles="--", linewidths=1.0, zorder=3)


# A contour label's size as a share of the axes (width, height): labels are kept this far apart.
_LABEL_SIZE = (0.2, 0.07)


def _label_points(ax, cs) -> list[tuple[float, float, float]]:
    """Per level, (level, x, y) where its label goes: of the points from 15% to 85% along the
    level's longest line, the one farthest (in label sizes) from the labels already placed.
    Contours that converge at a corner (C4's a* lines all start at beta = 0, c = 1) or run
    side by side get their labels apart, not piled up."""
    to_axes = ax.transScale + ax.transLimits
    placed, out = [], []
    for level, segments in zip(cs.levels, cs.allsegs, strict=True):
        lines = [s for s in segments if len(s) > 1]
        if not lines:
            continue
        line = max(lines, key=lambda s: np.hypot(*np.diff(s, axis=0).T).sum())
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
        fractions = np.linspace(0.15, 0.85, 15)
        candidates = line[np.searchsorted(arc, arc[-1] * fractions).clip(0, len(line) - 1)]

        def clearance(point):
            u = to_axes.transform(point)
            gaps = [
                max(abs(u[0] - v[0]) / _LABEL_SIZE[0], abs(u[1] - v[1]) / _LABEL_SIZE[1])
                for v in placed
            ]
            return min(gaps, default=np.inf)

        best = max(candidates, key=clearance)
        placed.append(to_axes.transform(best))
        out.append((float(level), float(best[0]), float(best[1])))
    return out


def _contours(ax, x, y, z, levels, *, theory: bool, fmt=None):
    cs = ax.contour(x, y, np.asarray(z).T, levels=levels, **(_THEORY if theory else _SIMULATED))
    if not theory:
        cs.set_path_effects(_OUTLINE)
    if fmt is not None:  # only the theory is labelled, once per level, level text (unrotated)
        for level, px, py in _label_points(ax, cs):
            ax.text(
                px,
                py,
                fmt % level,
                fontsize="small",
                ha="center",
                va="center",
                bbox=dict(facecolor="white", alpha=0.85, lw=0, pad=0.8),  # any background
                zorder=4,
                clip_on=True,
            )
    return cs


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 3 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    betas, gammas, cs = (np.asarray(m[k]) for k in ("betas", "gammas", "cs"))
    th = m["theory"]
    tb, tg, tc = (np.asarray(th[k]) for k in ("betas", "gammas", "cs"))
    fig, axes = new_figure(ncols=3, width=4.7, height=5.4)
    ax_g, ax_c, ax_s = axes[0]

    # (beta, gamma): log final error, C3's closed form as labelled dashed contours.
    err = np.maximum(np.asarray(m["gamma_grid"]["final_mean_error"], dtype=np.float64), ERROR_FLOOR)
    mesh = ax_g.pcolormesh(
        betas,
        gammas,
        err.T,
        shading="nearest",
        cmap="magma_r",
        norm=LogNorm(vmin=ERROR_FLOOR, vmax=1.0),
    )
    fig.colorbar(mesh, ax=ax_g, label="final mean error 1 − A_T (log scale)", extend="min")
    _contours(ax_g, betas, gammas, err, ERROR_LEVELS, theory=False)
    _contours(ax_g, tb, tg, th["final_mean_error"], ERROR_LEVELS, theory=True, fmt="%.0e")
    ax_g.set_xlabel("weak labeler's correct mass β")
    ax_g.set_ylabel("filter's false-positive rate γ\n(c = 1, d = γ)")
    ax_g.set_title(f"c = 1, after T = {m['rounds']} rounds")

    # (beta, c): final accuracy, C4's limit a* as labelled dashed contours.
    acc = np.asarray(m["c_grid"]["final_mean_accuracy"], dtype=np.float64)
    mesh = ax_c.pcolormesh(betas, cs, acc.T, shading="nearest", cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax_c, label="final mean accuracy A_T")
    _contours(ax_c, betas, cs, acc, ACCURACY_LEVELS, theory=False)
    _contours(ax_c, tb, tc, th["limit_accuracy"], ACCURACY_LEVELS, theory=True, fmt="a*=%.2f")
    ax_c.set_xlabel("weak labeler's correct mass β")
    ax_c.set_ylabel("filter's true-positive rate c")
    ax_c.set_title(f"d = {m['d']:g}, after T = {m['limit_rounds']} rounds")
    for ax in (ax_g, ax_c):
        ax.plot([], [], color="white", lw=2.4, path_effects=_OUTLINE, label="simulated (contours)")
        ax.plot(
            [],
            [],
            color="black",
            ls="--",
            lw=1.0,
            label="C3 closed form" if ax is ax_g else "C4 limit a*",
        )
        legend_below(ax, ncols=2)
        ax.grid(False)

    # Slices of the (beta, c) grid.
    s = m["slices"]
    colors = sequential(len(s["betas"]), cmap="plasma")
    for k, beta in enumerate(s["betas"]):
        ax_s.plot(cs, s["closed_form"][k], color=colors[k], lw=1.0, alpha=0.8)
        ax_s.plot(cs, s["limit"][k], color="black", ls="--", lw=0.8)
        ax_s.plot(cs, s["simulated"][k], "o", ms=3.5, color=colors[k], label=f"β = {beta:.2f}")
    ax_s.plot([], [], color="0.3", lw=1.0, label=f"C3/C4 at T = {m['limit_rounds']}")
    ax_s.plot([], [], color="black", ls="--", lw=0.8, label="limit a* (C4)")
    ax_s.set_xlabel("filter's true-positive rate c")
    ax_s.set_ylabel("final mean accuracy A_T")
    ax_s.set_title(f"slices of the middle panel\n(d = {m['d']:g})")
    legend_below(ax_s, ncols=2)
    fig.suptitle(
        f"Phase diagrams: boosting (replace mixture, a stochastic weak label per rejected sample)"
        f"\nexpected mode; P={base['n_prompts']} prompts, V={base['n_responses']}, "
        f"k={base['samples_per_prompt']}"
    )
    return save(fig, out)
