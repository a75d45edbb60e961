"""`fig11`: focus against a labeler that is worst on the hard prompts, at a fixed mean quality."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig11 import ARMS, PRESETS, Fig11Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from sim.table.grid import broadcast_grid
from sim.types import default_theta
from theory import difficulty

T_MAX = 5000  # horizon of the closed-form rounds to eps (beyond: never)


def _first_below(curve: np.ndarray, eps: float) -> np.ndarray:
    """The first round with curve <= eps, inf if none. [..., T + 1] -> [...]"""
    below = curve <= eps
    return np.where(below.any(-1), np.argmax(below, axis=-1).astype(float), np.inf)


def theory_curves(cfg: Fig11Config, a0: np.ndarray, w: np.ndarray, betas: np.ndarray) -> dict:
    """The focused arm's closed form per beta_hard (C3 per prompt, theory.difficulty), float64:
    mean error [H, T + 1], rounds to eps [H] (within T_MAX), final accuracy [H]."""
    r = override(cfg.base, {"strategy": "boosting"}).resolved()
    c, d_nominal = r.filter_rates()
    gamma_hard = d_nominal if r.gamma_hard is None else r.gamma_hard
    ts = np.arange(r.rounds + 1)
    curves, rounds = [], []
    with jax.enable_x64(True):
        for beta, hard in zip(betas, cfg.beta_hards, strict=True):
            b, d = difficulty.quality(a0, beta, hard, d_nominal, gamma_hard)
            curves.append(np.asarray(difficulty.mean_error(a0, b, d, ts, c=c, prompt_weights=w)))
            rounds.append(
                float(
                    difficulty.rounds_to_mean_error(
                        a0, b, d, cfg.eps, c=c, prompt_weights=w, t_max=T_MAX
                    )
                )
            )
    curves = np.asarray(curves)
    return {
        "mean_error": curves,
        "rounds_to_eps": np.asarray(rounds),
        "final_accuracy": 1.0 - curves[:, -1],
    }


def run(cfg: Fig11Config, run_dir: Path, *, progress: bool = True) -> None:
    task = cfg.base.make_task()
    a0 = np.asarray(sim.base_accuracy(task), dtype=np.float64)
    w = np.asarray(task.prompt_weights, dtype=np.float64)
    a0_mean = float(w @ a0)
    betas = cfg.betas(a0_mean)
    out = {
        "beta_hards": cfg.beta_hards,
        "betas": betas,
        "mean_beta": cfg.mean_beta,
        "a0_mean": a0_mean,
        "eps": cfg.eps,
        "arms": {},
        "theory": theory_curves(cfg, a0, w, betas),
    }
    bar = Progress(len(ARMS), "fig11", enabled=progress, unit="arm")
    for arm_name in ARMS:
        arm = override(cfg.base, {"strategy": arm_name})
        base = arm.make_params()
        params = broadcast_grid(
            base._replace(
                beta=jnp.asarray(betas, base.beta.dtype),
                beta_hard=jnp.asarray(cfg.beta_hards, base.beta.dtype),
                theta=jnp.asarray(default_theta(betas), base.beta.dtype),
            )
        )
        m = sim.sweep(
            task, params, keys=arm.keys(), strategy=arm.make_strategy(), rounds=arm.rounds
        )
        err = np.asarray(m["mean_error"], dtype=np.float64)[:, 0]  # [H, T + 1], one seed
        out["arms"][arm_name] = {
            "mean_error": err,
            "labels_spent": np.asarray(m["labels_spent"], dtype=np.float64)[:, 0],
            "rounds_to_eps": _first_below(err, cfg.eps),
            "final_accuracy": 1.0 - err[:, -1],
        }
        acc = np.round(1.0 - err[:, -1], 3).tolist()
        bar.log(f"fig11: {arm_name}: final accuracy per beta_hard {acc}")
        bar.advance(arm_name)
    bar.close()
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import fig11

    return fig11.draw(*rundir.load(run_dir), run_dir / "fig11")


def _fmt_rounds(x) -> str:
    return "never" if x is None else f"{x:.0f}"


def report(run_dir: Path) -> list[dict]:
    """Per beta_hard: beta, rounds to eps and final accuracy of each arm and of the closed form."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    f, u, th = m["arms"]["boosting"], m["arms"]["boosting-uniform"], m["theory"]
    rows = []
    for i, hard in enumerate(m["beta_hards"]):
        rows.append(
            {
                "beta_hard": f"{hard:g}",
                "beta": f"{m['betas'][i]:.3f}",
                "rounds to eps: focused / closed form / uniform": (
                    f"{_fmt_rounds(f['rounds_to_eps'][i])} / {_fmt_rounds(th['rounds_to_eps'][i])}"
                    f" / {_fmt_rounds(u['rounds_to_eps'][i])}"
                ),
                "final acc.: focused / closed form / uniform": (
                    f"{f['final_accuracy'][i]:.4f} / {th['final_accuracy'][i]:.4f} / "
                    f"{u['final_accuracy'][i]:.4f}"
                ),
                "labels: focused / uniform": (
                    f"{f['labels_spent'][i][-1]:.0f} / {u['labels_spent'][i][-1]:.0f}"
                ),
            }
        )
    return rows


EXPERIMENT = Experiment(
    name="fig11",
    summary="focus vs uniform against a labeler worst on hard prompts, fixed mean quality (§8)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C3",),
    report=report,
)
