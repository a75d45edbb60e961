"""`fig3`: phase diagrams of final accuracy over (beta, gamma) and over (beta, c) (C3, C4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig3 import FINE, PRESETS, Fig3Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from theory import closed_forms as cf


def _a0(task: sim.Task) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a0 [P], e0 [P], D [P]) in float64."""
    p0 = np.asarray(task.base_probs, np.float64)
    correct = np.asarray(task.correct)
    w = np.asarray(task.prompt_weights, np.float64)
    return np.where(correct, p0, 0.0).sum(1), np.where(correct, 0.0, p0).sum(1), w


def _accuracy_at(a0, cs, d, b, t) -> np.ndarray:
    """C3 / C4 closed form a_t per prompt and c. [P, C]"""
    return np.asarray(cf.c3_accuracy(a0[:, None], cs[None, :], d, b, t))


def run(cfg: Fig3Config, run_dir: Path, *, progress: bool = True) -> None:
    base = override(cfg.base, {"mode": "expected", "seeds": 1})
    task = base.make_task()
    a0, e0, w = _a0(task)
    ax = cfg.axes()
    strategy = base.make_strategy()
    keys = base.keys()
    out = {**ax, "d": cfg.d, "rounds": base.rounds, "limit_rounds": cfg.limit_rounds}
    bar = Progress(2, "fig3", enabled=progress, unit="grid")

    # (beta, gamma) with c = 1. grid_params keeps base's theta: unused by this strategy.
    params, shape = sim.grid_params(base.make_params(), beta=ax["betas"], filter_fpr=ax["gammas"])
    m = sim.sweep(task, params, keys=keys, strategy=strategy, rounds=base.rounds)
    out["gamma_grid"] = {
        "final_mean_error": np.asarray(m["mean_error"])[:, 0, -1].reshape(shape),  # [B, G]
        "final_mean_accuracy": np.asarray(m["mean_accuracy"])[:, 0, -1].reshape(shape),
    }
    bar.log(f"fig3: (beta, gamma) grid of {shape[0]} x {shape[1]} done")
    bar.advance("(beta, gamma)")

    # (beta, c) with d fixed: C4's capped limit.
    params, shape = sim.grid_params(
        base.make_params(), beta=ax["betas"], filter_tpr=ax["cs"], filter_fpr=[cfg.d]
    )
    m = sim.sweep(task, params, keys=keys, strategy=strategy, rounds=cfg.limit_rounds)
    acc = np.asarray(m["mean_accuracy"])[:, 0].reshape(shape[:2] + (-1,))  # [B, C, T + 1]
    out["c_grid"] = {"final_mean_accuracy": acc[..., -1]}
    bar.log(f"fig3: (beta, c) grid of {shape[0]} x {shape[1]} done")
    bar.advance("(beta, c)")
    bar.close()

    # Theory: C3 for the left panel (the mean over prompts of the exact closed form), C4's a*.
    fb = np.linspace(*cfg.beta_span, FINE)
    fg = np.linspace(*cfg.gamma_span, FINE)
    fc = np.linspace(*cfg.c_span, FINE)
    b, g = np.meshgrid(fb, fg, indexing="ij")
    bc, c = np.meshgrid(fb, fc, indexing="ij")
    out["theory"] = {
        "betas": fb,
        "gammas": fg,
        "cs": fc,
        "e0_mean": float(w @ e0),
        # c = 1: every prompt's error contracts by the same rho, so the mean does too.
        "final_mean_error": float(w @ e0) * np.asarray(cf.c3_rate(1.0, g, b)) ** base.rounds,
        "limit_accuracy": np.asarray(cf.c3_fixed_point(c, cfg.d, bc)),  # [F, F] C4's a*
    }
    # The slices: closed form at T and a*, at the grid's c, for the grid betas nearest the asked.
    idx = [int(np.argmin(np.abs(ax["betas"] - b))) for b in cfg.slice_betas]
    sb = ax["betas"][idx]
    out["slices"] = {
        "betas": sb,
        "index": idx,
        "simulated": acc[idx, :, -1],  # [S, C]
        # [S, C] the mean over prompts of a_T (C3 / C4)
        "closed_form": np.stack(
            [w @ _accuracy_at(a0, ax["cs"], cfg.d, bi, cfg.limit_rounds) for bi in sb]
        ),
        "limit": np.asarray(cf.c3_fixed_point(ax["cs"][None, :], cfg.d, sb[:, None])),
    }
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig3

    return fig3.draw(*rundir.load(run_dir), run_dir / "fig3")


def report(run_dir: Path) -> list[dict]:
    """Corners of the (beta, gamma) grid against C3, and C4's a* against the (beta, c) grid."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    betas, gammas, cs = m["betas"], m["gammas"], m["cs"]
    e0, rounds = m["theory"]["e0_mean"], m["rounds"]
    rows = []
    for i in (0, len(betas) - 1):
        for j in (0, len(gammas) - 1):
            theory = e0 * float(cf.c3_rate(1.0, gammas[j], betas[i])) ** rounds
            rows.append(
                {
                    "grid": f"(β, γ), c = 1, T = {rounds}",
                    "point": f"β = {betas[i]:.3g}, γ = {gammas[j]:.3g}",
                    "simulated": f"A_T = {m['gamma_grid']['final_mean_accuracy'][i][j]:.4f}",
                    "theory": f"A_T = {1 - theory:.4f} (C3 closed form)",
                }
            )
    s = m["slices"]
    for k, beta in enumerate(s["betas"]):
        for j in sorted({0, len(cs) // 2, len(cs) - 2}):
            rows.append(
                {
                    "grid": f"(β, c), d = {m['d']:g}, T = {m['limit_rounds']}",
                    "point": f"β = {beta:.3g}, c = {cs[j]:.3g}",
                    "simulated": f"A_T = {s['simulated'][k][j]:.4f}",
                    "theory": (
                        f"a* = {s['limit'][k][j]:.4f} (C4); closed form at T "
                        f"{s['closed_form'][k][j]:.4f}"
                    ),
                }
            )
    return rows


EXPERIMENT = Experiment(
    name="fig3",
    summary="phase diagrams: final accuracy over (beta, gamma) and (beta, c), C4 contours",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C3", "C4"),
    report=report,
)
