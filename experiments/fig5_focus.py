"""`fig5`: focused vs uniform labels against the adversarial labeler (C5), and (eps, delta) (C7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig5 import ALLOCATIONS, PRESETS, Fig5Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from theory import closed_forms as cf
from theory.stats import first_at_or_below, mean_ci

# C5's setting: the adversarial distributional labeler, labels through a perfect filter.


def run(cfg: Fig5Config, run_dir: Path, *, progress: bool = True) -> None:
    base = cfg.base
    task, u0 = cfg.task()
    t = np.arange(base.rounds + 1)
    betas = np.asarray(cfg.betas)
    # grid_params keeps base's theta: unused by these allocations.
    params, _ = sim.grid_params(base.make_params(), beta=betas)
    out = {"betas": betas, "u0": u0, "delta": base.delta, "unsolved": {}}
    bar = Progress(len(ALLOCATIONS), "fig5", enabled=progress, unit="arm")
    for allocation in ALLOCATIONS:
        out["unsolved"][allocation] = {}
        for mode in ("expected", "sampled"):
            arm = override(base, {"allocation": allocation, "mode": mode})
            keys = arm.keys() if mode == "sampled" else override(arm, {"seeds": 1}).keys()
            m = sim.sweep(task, params, keys=keys, strategy=arm.make_strategy(), rounds=arm.rounds)
            # [B, S, T + 1]; clipped: a float32 sum of shares can exceed 1 by round-off.
            unsolved = np.clip(1.0 - np.asarray(m["solved_fraction"], dtype=np.float64), 0, 1)
            out["unsolved"][allocation][mode] = unsolved[:, 0] if mode == "expected" else unsolved
            out.setdefault("labels_spent", {}).setdefault(allocation, {})[mode] = np.asarray(
                m["labels_spent"]
            ).mean(axis=1)
        final = out["unsolved"][allocation]["expected"][:, -1]
        bar.log(f"fig5: {allocation}: expected U_T per beta {np.round(final, 4).tolist()}")
        bar.advance(allocation)
    bar.close()
    out["theory"] = {
        "focused_bound": cf.c5_focused_unsolved(u0, betas[:, None], t[None, :]),
        "uniform_stall": cf.c5_uniform_unsolved(u0, betas[:, None], t[None, :]),
    }
    out["eps_delta"] = _eps_delta(cfg, task, u0)
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def _eps_delta(cfg: Fig5Config, task: sim.Task, u0: float) -> dict:
    """Rounds to Pr_D[error > delta] <= eps, focused (a label per rejected sample), a
    gamma-noisy filter on samples and labels, expected mode; one sweep over (beta, gamma)."""
    arm = override(
        cfg.base, {"allocation": "rejected", "filter": "gamma", "mode": "expected", "seeds": 1}
    )
    betas, gammas = np.asarray(cfg.eps_betas), np.asarray(cfg.eps_gammas)
    params, shape = sim.grid_params(arm.make_params(), beta=betas, filter_fpr=gammas)
    m = sim.sweep(
        task, params, keys=arm.keys(), strategy=arm.make_strategy(), rounds=cfg.eps_rounds
    )
    unsolved = np.clip(1.0 - np.asarray(m["solved_fraction"], dtype=np.float64)[:, 0], 0, 1)
    fine = np.linspace(gammas.min(), gammas.max(), 300)
    with np.errstate(divide="ignore"):
        return {
            "betas": betas,
            "gammas": gammas,
            "eps": cfg.eps,
            "rounds": first_at_or_below(unsolved.reshape(shape + (-1,)), cfg.eps),  # [B, G]
            "gammas_fine": fine,
            "estimate_fine": cf.c7_total_rounds(
                u0, cfg.eps, cfg.base.delta, betas[:, None], fine[None, :]
            ),
            "estimate": cf.c7_total_rounds(u0, cfg.eps, cfg.base.delta, betas[:, None], gammas),
            "c5_rounds": cf.c5_rounds_to_epsilon(u0, cfg.eps, betas),
        }


def figure(run_dir: Path) -> list[Path]:
    from figures import fig5

    return fig5.draw(*rundir.load(run_dir), run_dir / "fig5")


def report(run_dir: Path) -> list[dict]:
    """U_T focused vs its bound, uniform vs the stall; rounds to (eps, delta) vs the estimate."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    rows = []
    for i, beta in enumerate(m["betas"]):
        for allocation, theory, rel in (
            ("hard", "focused_bound", "bound"),
            ("uniform", "uniform_stall", "stall"),
        ):
            u = m["unsolved"][allocation]
            t_last = len(u["expected"][i]) - 1
            mean, half = mean_ci(np.asarray(u["sampled"][i], dtype=np.float64)[:, -1])
            spent = m["labels_spent"][allocation]["expected"][i][-1]
            name = "focused" if allocation == "hard" else "uniform"
            rows.append(
                {
                    "quantity": f"U_T {name}, T = {t_last} (labels spent {spent:.0f})",
                    "β": beta,
                    "γ": 0,
                    "simulated: expected / sampled (95% CI)": (
                        f"{u['expected'][i][-1]:.4f} / {mean:.4f} ± {half:.4f}"
                    ),
                    "theory": f"{rel} {m['theory'][theory][i][-1]:.4f}",
                }
            )
    e = m["eps_delta"]
    for i, beta in enumerate(e["betas"]):
        for j in sorted({0, len(e["gammas"]) // 2, len(e["gammas"]) - 1}):
            measured = e["rounds"][i][j]
            rows.append(
                {
                    "quantity": f"rounds to (ε = {e['eps']:g}, δ = {m['delta']:g}), focused",
                    "β": beta,
                    "γ": e["gammas"][j],
                    "simulated: expected / sampled (95% CI)": (
                        "not reached" if measured is None else f"{measured:.0f}"
                    ),
                    "theory": f"C5 + C7 estimate {e['estimate'][i][j]:.1f}",
                }
            )
    return rows


EXPERIMENT = Experiment(
    name="fig5",
    summary="focused vs uniform against the adversarial labeler (C5); rounds to (eps, delta)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C5", "C7"),
    report=report,
)
