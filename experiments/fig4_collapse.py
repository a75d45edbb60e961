"""`fig4`: collapse without curation (C1): heterozygosity, fixation and diversity vs round."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig4 import FIXED_TOL, PRESETS, Fig4Config
from experiments.experiment import Experiment
from experiments.progress import Progress
from sim.table.rollout import initial_metrics
from sim.types import Strategy, Task
from theory import closed_forms as cf
from theory.stats import mean_ci

# Summaries of the per-prompt accuracies that C1 speaks about, per round (all D-weighted).


def _summaries(probs: jax.Array, task: Task, metrics: dict) -> dict[str, jax.Array]:
    a = jnp.sum(jnp.where(task.correct, probs, 0.0), axis=-1)
    e = jnp.sum(jnp.where(task.correct, 0.0, probs), axis=-1)  # exact near 0
    w = task.prompt_weights
    return {
        "heterozygosity": jnp.sum(w * a * e),
        "fixed_at_1": jnp.sum(w * (e <= FIXED_TOL).astype(a.dtype)),
        "fixed_at_0": jnp.sum(w * (a <= FIXED_TOL).astype(a.dtype)),
        "mean_accuracy": metrics["mean_accuracy"],
        "entropy": metrics["entropy"],
        "support_size": metrics["support_size"],
    }


@functools.lru_cache(maxsize=16)
def _trajectories(strategy: Strategy, rounds: int):
    """A jitted (task, params, keys [S]) -> {series: [S, T + 1]}: rollouts that keep the
    per-prompt statistics C1 needs (the standard metrics hold only means)."""

    def one(task, params, key):
        state = sim.init_state(task)
        first = _summaries(state.probs, task, initial_metrics(state, task, params))

        def body(s, k):
            s, metrics = sim.round_step(s, task, params, key=k, strategy=strategy)
            return s, _summaries(s.probs, task, metrics)

        _, series = jax.lax.scan(body, state, jax.random.split(key, rounds))
        return {n: jnp.concatenate([first[n][None].astype(v.dtype), v]) for n, v in series.items()}

    return jax.jit(jax.vmap(one, in_axes=(None, None, 0)))


def wright_fisher_fixation(a0: float, k: int, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """C1: exact P[a_t = 0] and P[a_t = 1] for t = 0..T, from the Binomial(k, a0) first step and
    the transition matrix on {0, 1/k, ..., 1} after it. Two arrays [T + 1]."""
    matrix = np.asarray(cf.c1_transition_matrix(k), dtype=np.float64)
    law = np.array([math.comb(k, n) * a0**n * (1 - a0) ** (k - n) for n in range(k + 1)])
    at0, at1 = [0.0], [0.0]
    for _ in range(rounds):
        at0.append(law[0])
        at1.append(law[-1])
        law = law @ matrix
    return np.asarray(at0), np.asarray(at1)


def run(cfg: Fig4Config, run_dir: Path, *, progress: bool = True) -> None:
    base = cfg.base
    task = sim.task_from_accuracy(
        np.full(base.n_prompts, cfg.base_accuracy), n_responses=base.n_responses
    )
    t = np.arange(base.rounds + 1)
    a0 = cfg.base_accuracy
    out = {"ks": cfg.ks, "a0": a0, "arms": {}, "theory": {}}
    arms = ["do-nothing"] + (["accumulate"] if cfg.accumulate else [])
    bar = Progress(len(arms) * len(cfg.ks), "fig4", enabled=progress, unit="arm")
    for strategy in arms:
        out["arms"][strategy] = {}
        for k in cfg.ks:
            arm = cfg.arm(strategy, k)
            fn = _trajectories(arm.make_strategy(), arm.rounds)
            series = fn(task, arm.make_params(), arm.keys())
            out["arms"][strategy][str(k)] = {n: np.asarray(v) for n, v in series.items()}
            het = np.asarray(series["heterozygosity"])[:, -1].mean()
            bar.log(f"fig4: {strategy} k={k}: final heterozygosity {het:.3g}")
            bar.advance(f"{strategy} k={k}")
    bar.close()
    for k in cfg.ks:
        at0, at1 = wright_fisher_fixation(a0, k, base.rounds)
        out["theory"][str(k)] = {
            "heterozygosity": np.asarray(cf.c1_heterozygosity(a0, k, t)),
            "fixed_at_0": at0,
            "fixed_at_1": at1,
        }
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def fit_window(a0: float, k: int, rounds: int, drop: float = 1e-2) -> int:
    """Last round of the rate fit: while C1's heterozygosity is >= `drop` of its start (beyond,
    too few prompts are unfixed for the mean to be measured well)."""
    return int(min(rounds, np.floor(np.log(drop) / np.log1p(-1.0 / k)))) if k > 1 else 0


def report(run_dir: Path) -> list[dict]:
    """Per k: fitted decay rate of E[a(1-a)] vs log(1 - 1/k); fixation at T vs a0; entropy."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    a0 = m["a0"]
    rows = []
    for k in m["ks"]:
        arm = m["arms"]["do-nothing"][str(k)]
        het = np.asarray(arm["heterozygosity"], dtype=np.float64)  # [S, T + 1]
        rounds = het.shape[1] - 1
        last = fit_window(a0, k, rounds)
        slope = np.polyfit(np.arange(last + 1), np.log(het.mean(0)[: last + 1]), 1)[0]
        fixed1, half1 = mean_ci(np.asarray(arm["fixed_at_1"])[:, -1])
        fixed0, _ = mean_ci(np.asarray(arm["fixed_at_0"])[:, -1])
        entropy, _ = mean_ci(np.asarray(arm["entropy"])[:, -1])
        acc_het = (
            f"{np.mean(np.asarray(m['arms']['accumulate'][str(k)]['heterozygosity'])[:, -1]):.3g}"
            if "accumulate" in m["arms"]
            else "—"
        )
        rows.append(
            {
                "k": k,
                "het. decay rate (fit)": f"{slope:.4f} (t ≤ {last})",
                "log(1 − 1/k) (C1)": f"{np.log1p(-1 / k):.4f}" if k > 1 else "-inf",
                f"fixed at 1 / at 0, t = {rounds}": f"{fixed1:.3f} ± {half1:.3f} / {fixed0:.3f}",
                "limit a0 / 1 − a0": f"{a0:.3f} / {1 - a0:.3f}",
                f"entropy at t = {rounds} (nats)": f"{entropy:.2e}",
                "accumulate het. at T": acc_het,
            }
        )
    return rows


def figure(run_dir: Path) -> list[Path]:
    from figures import fig4

    return fig4.draw(*rundir.load(run_dir), run_dir / "fig4")


EXPERIMENT = Experiment(
    name="fig4",
    summary="collapse without curation: heterozygosity, fixation, entropy vs round (C1)",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C1",),
    report=report,
)
