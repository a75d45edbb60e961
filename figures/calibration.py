"""The calibration figure: predicted pass@1 per round and strategy, the correct-of-k histogram."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, save


def draw(m: dict, out: str | Path) -> list[Path]:
    """Left: pass@1 and pass@k per round; right: expected share of prompts with j of k correct
    after each round of boosting (and, with --counts, the observed vs beta-binomial histogram)."""
    fig, axes = new_figure(ncols=2, width=5.0, height=3.6)
    left, right = axes[0]
    k = m["k"]
    for i, (name, s) in enumerate(m["strategies"].items()):
        t = np.arange(len(s["pass_at_1"]))
        left.plot(t, s["pass_at_1"], "o-", color=f"C{i}", label=f"{name} pass@1")
        left.plot(t, s["pass_at_k"], "s--", color=f"C{i}", alpha=0.6, label=f"{name} pass@{k}")
    left.set_xlabel("round (0: base)")
    left.set_ylabel("predicted accuracy")
    left.legend(fontsize=6)
    hist = np.asarray(m["strategies"]["boosting"]["histogram"], dtype=float)
    j = np.arange(k + 1)
    for t in range(hist.shape[0]):
        right.plot(
            j,
            hist[t],
            "o-",
            alpha=0.4 + 0.6 * t / max(1, hist.shape[0] - 1),
            color="C1",
            label=f"boosting, round {t}" if t in (0, hist.shape[0] - 1) else None,
        )
    if "counts" in m:
        c = m["counts"]
        n = np.arange(len(c["observed"]))
        right.bar(n, c["observed"], alpha=0.3, color="gray", label=f"observed, of {n[-1]}")
        right.plot(n, c["beta_binomial"], "k--", label="beta-binomial fit")
    right.set_xlabel(f"correct of k = {k} (bars, dashes: of the counts' n)")
    right.set_ylabel("share of prompts")
    right.legend(fontsize=6)
    fig.suptitle(
        f"Beta(a = {m['beta_a']:.3g}, b = {m['beta_b']:.3g}), eta = {m['eta']:.3g}, "
        f"beta = {m['beta']}, gamma = {m['gamma']}",
        fontsize=9,
    )
    return save(fig, out)
