"""Figure 12: weak labels at the level of tokens (factored learner): accuracy per round of
boosting and filter-only, and the break-even beta against the answer length per wrong kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, save, sequential

KIND_MARKERS = {"near": "o", "random": "s", "shuffled": "^"}


def _values(v) -> np.ndarray:
    return np.asarray([np.nan if x is None else x for x in v], dtype=float)


def draw(metrics: dict, cfg: dict, out: str | Path) -> list[Path]:
    """Left: mean whole-answer accuracy per round, boosting and filter-only for each curve,
    simulation solid, C8's closed form dashed. Right: the break-even beta against L per kind,
    closed form lines, simulated points, and testbed break-evens when given: measured (filled
    diamonds) and C8's prediction from the run's measurements (open circles)."""
    fig, axes = new_figure(ncols=2, width=5.2, height=4.2)
    left, right = axes[0]
    colors = sequential(len(metrics["curves"]), "plasma")
    shown_fo = set()
    for c, color in zip(metrics["curves"], colors, strict=True):
        t = np.arange(len(c["boosting"]))
        label = f"boosting β={c['beta']:g}, {c['kind']}, L={c['length']}"
        left.plot(t, c["boosting"], "-", color=color, label=label)
        left.plot(t, c["boosting_theory"], "--", color="k", lw=0.8)
        if c["length"] not in shown_fo:
            shown_fo.add(c["length"])
            left.plot(
                t, c["filter_only"], ":", color=color, lw=2, label=f"filter-only, L={c['length']}"
            )
            left.plot(t, c["filter_only_theory"], "--", color="k", lw=0.8)
    left.plot([], [], "--", color="k", lw=0.8, label="closed form (C8)")
    left.set_xlabel("round")
    left.set_ylabel("mean accuracy (whole answers)")
    left.legend(fontsize="small")
    for i, (kind, row) in enumerate(metrics["break_even"].items()):
        color = f"C{i}"
        lengths = np.asarray(row["lengths"], dtype=float)
        right.plot(lengths, _values(row["theory"]), "-", color=color, label=f"{kind}: closed form")
        right.plot(
            lengths,
            _values(row["simulated"]),
            KIND_MARKERS.get(kind, "o"),
            color=color,
            label=f"{kind}: simulated",
        )
    for p in metrics.get("measured", []):
        predicted = p.get("source") == "predicted"
        right.errorbar(
            [p["length"] + (0.12 if predicted else 0.0)],
            [p["beta"]],
            yerr=[[max(p["beta"] - p["lo"], 0.0)], [max(p["hi"] - p["beta"], 0.0)]],
            fmt="o" if predicted else "D",
            mfc="white" if predicted else "k",
            color="0.35" if predicted else "k",
            capsize=3,
            ms=5,
        )
        right.annotate(
            p["label"],
            (p["length"], p["beta"]),
            textcoords="offset points",
            xytext=(7, 4 if predicted else -9),
            fontsize="x-small",
        )
    right.set_xlabel("answer length L (tokens)")
    right.set_ylabel("break-even β\n(boosting reaches filter-only)")
    right.set_ylim(0, 1.02)
    right.legend(fontsize="small")
    fig.suptitle(
        f"Weak labels at the level of tokens, factored learner: γ = {metrics['gamma']}, "
        f"{metrics['rounds']} rounds, expected mode"
    )
    return save(fig, out)
