"""Figure 2: rounds to eps vs beta per gamma (C3) and the filter's amplification vs gamma (C7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figures.style import legend_below, new_figure, plain_log_ticks, save, sequential


def _arr(x) -> np.ndarray:
    """A JSON list of lists (null = not reached) as a float array with NaN."""
    return np.asarray(
        [[np.nan if v is None else v for v in row] if isinstance(row, list) else row for row in x],
        dtype=np.float64,
    )


def _key(ax, handles: list[tuple[dict, str]]) -> None:
    """A legend of line styles only: colours are named on the curves themselves."""
    for style, label in handles:
        ax.plot([], [], **style, label=label)
    legend_below(ax)


def draw(m: dict, config: dict, out: str | Path) -> list[Path]:
    """Draws figure 2 from a run's metrics and resolved config into `out` (.png, .pdf)."""
    base = config["base"]
    betas, gammas = np.asarray(m["betas"]), np.asarray(m["gammas"])
    fine = m["theory_fine"]
    fine_b = np.asarray(fine["betas"])
    colors = sequential(len(gammas))
    fig, axes = new_figure(ncols=3, width=4.6, height=5.6)
    ax_every, ax_mean, ax_amp = axes[0]

    panels = (
        (ax_every, "every_prompt", "rounds_every_prompt", f"max_x e0(x) = {m['e0_max']:.2f}"),
        (ax_mean, "mean", "rounds_mean", f"E_D[e0(x)] = {m['e0_mean']:.2f}"),
    )
    for ax, which, key, e0 in panels:
        measured = _arr(m["expected"][key])
        exact, bound = _arr(fine[f"exact_{which}"]), _arr(fine[f"bound_{which}"])
        for j, gamma in enumerate(gammas):
            ax.plot(fine_b, exact[:, j], color=colors[j], lw=1.0, alpha=0.8)
            ax.plot(fine_b, bound[:, j], color="black", ls="--", lw=0.8)
            ax.annotate(
                f"γ={gamma:g}",
                (fine_b[0], bound[0, j]),
                fontsize="small",
                color=colors[j],
                xytext=(-3, 0),
                textcoords="offset points",
                ha="right",
                va="center",
            )
            ax.plot(betas, measured[:, j], "o", ms=4, color=colors[j])
            if which == "mean" and "sampled" in m:
                sampled = _arr(m["sampled"]["rounds_seed_mean"])[:, j]
                ax.plot(betas, sampled, "x", ms=6, mew=1.2, color=colors[j])
        handles = [
            (dict(ls="", marker="o", ms=4, color="0.3"), "simulated, expected mode"),
            (dict(color="0.3", lw=1.0), "exact count ⌈ln(e0/ε) / −ln(1−(1−γ)β)⌉"),
            (dict(color="black", ls="--", lw=0.8), "C3 bound ln(e0/ε) / ((1−γ)β)"),
        ]
        if which == "mean" and "sampled" in m:
            handles.insert(
                1,
                (
                    dict(ls="", marker="x", ms=6, color="0.3"),
                    f"simulated, sampled (mean of {m['sampled']['seeds']} seeds)",
                ),
            )
        _key(ax, handles)
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log_ticks(ax)
        ax.set_xlim(betas[0] / 1.7, betas[-1] * 1.15)
        ax.set_xlabel("weak labeler's correct mass β")
        ax.set_ylabel(f"rounds until error ≤ ε = {m['eps']:g}")
        criterion = "on every prompt" if which == "every_prompt" else "in the mean over prompts"
        ax.set_title(f"error ≤ ε {criterion}\n(e0 = {e0})")

    amp = m["amplification"]
    amp_g, fine_g = np.asarray(amp["gammas"]), np.asarray(amp["gammas_fine"])
    rounds, exact = _arr(amp["rounds"]), _arr(amp["exact_fine"])
    continuous = _arr(amp["continuous_fine"])
    amp_colors = sequential(len(amp["accuracies"]), cmap="plasma")
    for i, a0 in enumerate(amp["accuracies"]):
        ax_amp.plot(fine_g, exact[i], color=amp_colors[i], lw=1.0, alpha=0.8)
        ax_amp.plot(fine_g, continuous[i], color="black", ls="--", lw=0.8)
        ax_amp.plot(amp_g, rounds[i], "o", ms=4, color=amp_colors[i], label=f"a0 = {a0:g}")
    ax_amp.plot([], [], color="0.3", lw=1.0, label="exact count (C7)")
    ax_amp.plot([], [], color="black", ls="--", lw=0.8, label="log(odds*/odds0) / log(1/γ)")
    legend_below(ax_amp)
    ax_amp.set_yscale("log")
    plain_log_ticks(ax_amp)
    ax_amp.set_xlabel("filter's false-positive rate γ  (c = 1, d = γ)")
    ax_amp.set_ylabel(f"rounds until error ≤ δ = {amp['delta']:g}")
    ax_amp.set_title("C7 amplification: filter-only,\none prompt at accuracy a0")
    fig.suptitle(
        f"Rounds to ε: boosting (γ-noisy filter, a stochastic weak label per rejected sample)\n"
        f"P={base['n_prompts']} prompts, V={base['n_responses']} responses, "
        f"k={base['samples_per_prompt']}, ε={m['eps']:g}"
    )
    return save(fig, out)
