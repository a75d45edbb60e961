"""`calibrate`: fit Beta(a, b) to a real model's pass@k (or per-prompt counts), build the task,
fit the partial learner's step eta to one observed round, and predict the rounds that follow.

Writes the run directory DIR (`run`'s rules): calibration.json and calibration.{png,pdf};
see docs/calibration.md.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betainc

import sim
from experiments import rundir
from experiments.calibrate_inputs import (  # noqa: F401 (re-exported)
    check_fit,
    load_counts,
    parse_pass_at_k,
)
from experiments.configs.sim import SimConfig
from experiments.experiment import Experiment
from experiments.progress import Progress
from sim.table.rollout import init_state, round_step
from theory import calibration as cal

STRATEGIES = ("filter-only", "boosting", "boosting-uniform")
RESULT_FILE = "calibration.json"


def beta_quantiles(a: float, b: float, n: int) -> np.ndarray:
    """Deterministic a_0 per prompt: the Beta(a, b) quantiles at (i + 1/2)/n, by bisection on
    the regularized incomplete beta function (float64). [n]"""
    with jax.enable_x64(True):
        u = (jnp.arange(n, dtype=jnp.float64) + 0.5) / n
        lo, hi = jnp.zeros(n, jnp.float64), jnp.ones(n, jnp.float64)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = betainc(a, b, mid) < u
            lo, hi = jnp.where(below, mid, lo), jnp.where(below, hi, mid)
        return np.asarray(0.5 * (lo + hi))


def fit_eta(a0: np.ndarray, k: int, pass1_after: float) -> float:
    """The partial learner's step eta from one filter-only round (k samples, perfect filter).

    Sampled mode, exactly in expectation: a prompt with j > 0 correct of k moves to
    (1 - eta) a + eta (its fit is all correct), one with j = 0 keeps a (no data), so
    E[pass@1 after] = A_0 + eta E_D[(1 - a_0)(1 - (1 - a_0)^k)], linear in eta.
    """
    gain = float(np.mean((1.0 - a0) * (1.0 - (1.0 - a0) ** k)))
    eta = (pass1_after - float(np.mean(a0))) / gain
    if not 0 < eta <= 1:
        raise ValueError(
            f"--after: pass@1 = {pass1_after} after one round needs eta = {eta:.4g}, outside "
            f"(0, 1]; it must lie in ({np.mean(a0):.4g}, {np.mean(a0) + gain:.4g}]"
        )
    return eta


def _accuracies(task, params, strategy, keys, rounds):
    """Per-prompt accuracy and labels spent per round, index 0 the base. [S, T+1, P], [S, T+1]"""

    def one(task, params, key):
        def body(state, k):
            state, _ = round_step(state, task, params, key=k, strategy=strategy)
            acc = jnp.sum(jnp.where(task.correct, state.probs, 0.0), axis=-1)
            return state, (acc, state.labels_spent)

        state = init_state(task)
        _, (acc, spent) = jax.lax.scan(body, state, jax.random.split(key, rounds))
        a0 = jnp.sum(jnp.where(task.correct, task.base_probs, 0.0), axis=-1)
        return jnp.concatenate([a0[None], acc]), jnp.concatenate([jnp.zeros(1, spent.dtype), spent])

    acc, spent = jax.jit(jax.vmap(one, in_axes=(None, None, 0)))(task, params, keys)
    return np.asarray(acc, np.float64), np.asarray(spent, np.float64)


def _binomial_pmf(a: np.ndarray, k: int) -> np.ndarray:
    j = np.arange(k + 1)
    comb = np.asarray([math.comb(k, int(i)) for i in j], dtype=np.float64)
    return comb * a[..., None] ** j * (1.0 - a[..., None]) ** (k - j)


def predict(
    a0,
    *,
    k,
    rounds,
    beta,
    gamma,
    budget,
    eta,
    seeds,
    target,
    beta_hard=None,
    gamma_hard=None,
    progress: bool = False,
) -> dict:
    """Per strategy and round: pass@1, pass@k, expected histogram of j correct of k, labels."""
    task = sim.task_from_accuracy(a0, n_responses=16)
    out = {}
    bar = Progress(len(STRATEGIES), "calibrate", enabled=progress, unit="strategy")
    for name in STRATEGIES:
        cfg = SimConfig(
            strategy=name,
            mode="sampled",
            n_prompts=a0.size,
            samples_per_prompt=k,
            labels_per_prompt=k,
            learner="partial",
            eta=eta,
            beta=beta,
            gamma=gamma,
            beta_hard=beta_hard,
            gamma_hard=gamma_hard,
            label_budget=budget,
            seeds=seeds,
        )
        acc, spent = _accuracies(task, cfg.make_params(), cfg.make_strategy(), cfg.keys(), rounds)
        p1 = acc.mean(axis=(0, 2))
        reached = np.flatnonzero(p1 >= target)
        out[name] = {
            "pass_at_1": p1,
            "pass_at_k": (1.0 - (1.0 - acc) ** k).mean(axis=(0, 2)),
            "histogram": _binomial_pmf(acc, k).mean(axis=(0, 2)),  # [T + 1, k + 1]
            "labels_spent": spent.mean(0),
            "labels_to_target": float(spent.mean(0)[reached[0]]) if reached.size else None,
        }
        bar.advance(name)
    bar.close()
    return out


def _file_sha256(path: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def inputs(
    *,
    pass_at_k: str | None,
    counts: str | None = None,
    after: str | None = None,
    k: int = 8,
    rounds: int = 5,
    beta: float = 0.3,
    gamma: float = 0.0,
    beta_hard: float | None = None,
    gamma_hard: float | None = None,
    budget: float | None = None,
    prompts: int = 2000,
    seeds: int = 4,
    target: float = 0.6,
    tolerance: float = 0.02,
) -> dict:
    """Every input of `calibrate`, checked: the run's config (the counts file by content too)."""
    if pass_at_k is None and counts is None:
        raise ValueError("--pass-at-k or --counts is required")
    if pass_at_k is not None and counts is not None:
        raise ValueError(
            f"--pass-at-k {pass_at_k} and --counts {counts} are two sources for one fit; give one"
        )
    checks = (
        ("--k", k, 1),
        ("--rounds", rounds, 1),
        ("--prompts", prompts, 1),
        ("--seeds", seeds, 1),
    )
    for name, v, low in checks:
        if v < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {v}")
    # Ranges, naming the option.
    SimConfig(beta=beta, gamma=gamma, beta_hard=beta_hard, gamma_hard=gamma_hard)
    if budget is not None and not budget >= 0:
        raise ValueError(f"--budget must be >= 0; got {budget}")
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"--tolerance must be a number > 0; got {tolerance}")
    if counts is not None:
        load_counts(counts)
    else:  # the fit is cheap: refuse values no Beta produces before anything is written
        observed = parse_pass_at_k(pass_at_k)
        check_fit(observed, *cal.fit_beta(observed), tolerance)
    if after is not None:
        observed_after = parse_pass_at_k(after, option="--after")
        if set(observed_after) != {1}:
            raise ValueError(f"--after expects 1:V (pass@1 after one round); got {after!r}")
    return dict(
        pass_at_k=pass_at_k,
        counts=None if counts is None else str(counts),
        counts_sha256=None if counts is None else _file_sha256(counts),
        after=after,
        k=k,
        rounds=rounds,
        beta=beta,
        gamma=gamma,
        beta_hard=beta_hard,
        gamma_hard=gamma_hard,
        budget=budget,
        prompts=prompts,
        seeds=seeds,
        target=target,
        tolerance=tolerance,
    )


def _run(config: dict, out: Path, *, progress: bool = True) -> None:
    """The calibration of checked `inputs` into `out`/calibration.json."""
    c = config
    k, prompts = c["k"], c["prompts"]
    result: dict = {"k": k, "rounds": c["rounds"], "beta": c["beta"], "gamma": c["gamma"]}
    result.update(beta_hard=c["beta_hard"], gamma_hard=c["gamma_hard"])
    if c["counts"] is not None:
        j, n = load_counts(c["counts"])
        a, b = cal.fit_beta_ml(j, n)
        # Posterior mean under the fitted prior: a prompt seen 0 of n stays solvable (§8).
        a0 = np.asarray(cal.prompt_accuracy(j, n, prior=(a, b)), dtype=np.float64)
        observed = np.bincount(j.astype(int), minlength=n + 1) / j.size
        with jax.enable_x64(True):
            fitted = np.asarray(cal.beta_binomial_pmf(a, b, n))
        result["counts"] = {"samples_per_prompt": n, "observed": observed, "beta_binomial": fitted}
        result["pass_at_k_observed"] = cal.empirical_pass_at_k(j, n, [1, n])
        result["a0_estimate"] = "posterior mean (j + a) / (n + a + b) under the ML Beta fit"
    else:
        observed_pass = parse_pass_at_k(c["pass_at_k"])
        a, b = cal.fit_beta(observed_pass)  # `inputs` checked its misfit
        a0 = beta_quantiles(a, b, prompts)
        result["pass_at_k_observed"] = observed_pass
        result["a0_estimate"] = f"Beta(a, b) quantiles at (i + 1/2)/{prompts}"
    with jax.enable_x64(True):
        result["no_success_share"] = {
            str(kk): float(cal.no_success_share(a, b, kk)) for kk in sorted({k, 5, 8, 10})
        }
    eta = 1.0
    if c["after"] is not None:
        eta = fit_eta(a0, k, parse_pass_at_k(c["after"], option="--after")[1])
    result.update(beta_a=a, beta_b=b, eta=eta, target=c["target"])
    result["strategies"] = predict(
        a0,
        k=k,
        rounds=c["rounds"],
        beta=c["beta"],
        gamma=c["gamma"],
        budget=c["budget"],
        eta=eta,
        seeds=c["seeds"],
        target=c["target"],
        beta_hard=c["beta_hard"],
        gamma_hard=c["gamma_hard"],
        progress=progress,
    )
    rundir.atomic_write_json(out / RESULT_FILE, result)


def _figure(out: Path) -> list[Path]:
    from figures import calibration as fig

    return fig.draw(rundir.read_json(out / RESULT_FILE), out / "calibration")


EXPERIMENT = Experiment(
    name="calibrate",
    summary="Beta(a, b) fitted to a real model's pass@k, and the rounds predicted from it",
    presets={},
    run=_run,
    figure=_figure,
)


def calibrate(
    *,
    out: str | Path = "runs/calibrate",
    force: bool = False,
    progress: bool = True,
    **kwargs,
) -> dict:
    """The `calibrate` command (`inputs` lists its options); returns what OUT/calibration.json
    holds. OUT follows `run`'s rules (`driver.execute`): a calibration of the same inputs is
    reused, one of other inputs is refused unless `force`, a folder that is not a run
    directory is refused."""
    from experiments.driver import execute

    config = inputs(**kwargs)
    run_dir, status = execute(EXPERIMENT, config, Path(out), force=force, progress=progress)
    result = rundir.read_json(run_dir / RESULT_FILE)
    if progress:
        for name, s in result["strategies"].items():
            print(f"{name:17s} pass@1 {np.round(s['pass_at_1'], 4).tolist()}")
    print(f"beta_a={result['beta_a']:.6g} beta_b={result['beta_b']:.6g} eta={result['eta']:.6g}")
    print(f"calibrate: {status} -> {run_dir}")
    return result
