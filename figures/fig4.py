"""Figure 4: collapse without curation (C1), simulated with 95% bands, the C1 law dashed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import new_figure, save, sequential
from theory.stats import mean_ci


def _band(ax, t, runs, color, *, ls="-", label=None, positive=False):
    mean, half = mean_ci(np.asarray(runs, dtype=np.float64), axis=0)
    lo, hi = mean - half, mean + half
    if positive:  # log axis: an exact 0 (every prompt fixed) is off the chart
        mean, lo = (np.where(x > 0, x, np.nan) for x in (mean, lo))
    ax.plot(t, mean, color=color, ls=ls, lw=1.3, label=label)
    ax.fill_between(t, lo, hi, color=color, alpha=0.2, lw=0)


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 4 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    ks, a0 = m["ks"], m["a0"]
    colors = sequential(len(ks), cmap="plasma")
    fig, axes = new_figure(ncols=2, nrows=2, width=5.2, height=3.9)
    (ax_het, ax_fix), (ax_ent, ax_sup) = axes
    has_acc = "accumulate" in m["arms"]
    n_seeds = np.asarray(m["arms"]["do-nothing"][str(ks[0])]["heterozygosity"]).shape[0]

    for i, k in enumerate(ks):
        arm = m["arms"]["do-nothing"][str(k)]
        theory = m["theory"][str(k)]
        t = np.arange(np.asarray(arm["heterozygosity"]).shape[1])
        _band(
            ax_het, t, arm["heterozygosity"], colors[i], label=f"k = {k}  (colour)", positive=True
        )
        ax_het.plot(t, theory["heterozygosity"], color="black", ls="--", lw=0.8)
        _band(ax_fix, t, arm["fixed_at_1"], colors[i])
        _band(ax_fix, t, arm["fixed_at_0"], colors[i], ls=":")
        ax_fix.plot(t, theory["fixed_at_1"], color="black", ls="--", lw=0.8)
        ax_fix.plot(t, theory["fixed_at_0"], color="black", ls="--", lw=0.8)
        _band(ax_ent, t, arm["entropy"], colors[i])
        _band(ax_sup, t, arm["support_size"], colors[i])
        if has_acc:
            acc = m["arms"]["accumulate"][str(k)]
            _band(ax_het, t, acc["heterozygosity"], colors[i], ls="-.", positive=True)
            _band(ax_ent, t, acc["entropy"], colors[i], ls="-.")
            _band(ax_sup, t, acc["support_size"], colors[i], ls="-.")

    ax_het.plot([], [], color="0.3", ls="-", lw=1.3, label="do-nothing (top right: fixed at a = 1)")
    ax_het.plot([], [], color="0.3", ls=":", lw=1.3, label="do-nothing, fixed at a = 0 (top right)")
    if has_acc:
        ax_het.plot([], [], color="0.3", ls="-.", lw=1.3, label="accumulate (keeps all data)")
    ax_het.plot(
        [],
        [],
        color="black",
        ls="--",
        lw=0.8,
        label="C1: a0(1−a0)(1−1/k)^t; exact Wright–Fisher law; limit",
    )
    ax_het.set_yscale("log")
    # The theory runs on to ~0; the simulation ends when the last prompt is fixed.
    lowest = min(
        np.nanmin(np.where(h > 0, h, np.nan))
        for k in ks
        for h in [np.asarray(m["arms"]["do-nothing"][str(k)]["heterozygosity"]).mean(0)]
    )
    ax_het.set_ylim(bottom=lowest / 5)
    ax_het.set_ylabel("heterozygosity  E_D[a_t (1 − a_t)]")
    ax_het.set_title("diversity of correctness decays at rate 1 − 1/k")

    for level, text in ((a0, f"a0 = {a0:g}"), (1 - a0, f"1 − a0 = {1 - a0:g}")):
        ax_fix.axhline(level, color="0.5", lw=0.8, ls="-")
        ax_fix.annotate(
            text,
            (1, level),
            xycoords=("axes fraction", "data"),
            xytext=(-3, 2 if level < 0.5 else -2),  # 1 − a0: under its line, off the dots
            textcoords="offset points",
            ha="right",
            va="bottom" if level < 0.5 else "top",
            fontsize="small",
        )
    ax_fix.set_ylabel("share of prompts fixed")
    ax_fix.set_ylim(0, 1)
    ax_fix.set_title("absorbed at a = 1 (solid) w.p. a0, at a = 0 (dotted)")

    ax_ent.set_ylabel("mean entropy of p_t(·|x)  (nats)")
    ax_ent.set_title("entropy collapses to 0")
    ax_sup.axhline(1.0, color="black", ls="--", lw=0.8)
    ax_sup.set_ylabel("mean support size  #{y : p_t(y|x) > 0}")
    ax_sup.set_title("support shrinks to a single response (dashed: 1)")
    for ax in (ax_het, ax_fix, ax_ent, ax_sup):
        ax.set_xlabel("round t")
    # One key for all four panels, under them: inside, it would cover the accumulate lines.
    fig.legend(*ax_het.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    fig.suptitle(
        f"Collapse without curation (do-nothing, sampled): P={base['n_prompts']} prompts all at "
        f"a0 = {a0:g},\nV={base['n_responses']} responses, {n_seeds} seeds (95% bands)"
    )
    return save(fig, out)
