"""`fig2`: rounds to eps vs beta for several gamma (C3), and the filter's amplification (C7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.configs.fig2 import PRESETS, Fig2Config
from experiments.configs.sim import override
from experiments.experiment import Experiment
from experiments.progress import Progress
from theory import closed_forms as cf
from theory.stats import first_at_or_below, mean_ci

# C3's analysable form: gamma-noisy filter, one stochastic weak label per rejected sample.


def _task_errors(task: sim.Task) -> tuple[float, float]:
    """(max_x e_0(x), E_D[e_0(x)]) in float64."""
    e0 = np.where(np.asarray(task.correct), 0.0, np.asarray(task.base_probs, np.float64)).sum(1)
    return float(e0.max()), float(np.asarray(task.prompt_weights, np.float64) @ e0)


def _c3_theory(e0_max, e0_mean, eps, betas, gammas) -> dict[str, np.ndarray]:
    """C3's exact rounds and bound on a (beta, gamma) grid [B, G], for both criteria."""
    b, g = np.meshgrid(betas, gammas, indexing="ij")
    out = {}
    for which, e0 in (("every_prompt", e0_max), ("mean", e0_mean)):
        out[f"exact_{which}"] = np.asarray(cf.c3_rounds_to_epsilon_exact(e0, eps, g, b))
        out[f"bound_{which}"] = np.asarray(cf.c3_rounds_to_epsilon(e0, eps, g, b))
    return out


def run(cfg: Fig2Config, run_dir: Path, *, progress: bool = True) -> None:
    base = cfg.base
    task = base.make_task()
    e0_max, e0_mean = _task_errors(task)
    betas, gammas = np.asarray(cfg.betas), np.asarray(cfg.gammas)
    # grid_params keeps base's theta (not recomputed from beta): unused by this strategy.
    params, shape = sim.grid_params(base.make_params(), beta=betas, filter_fpr=gammas)
    fine = np.geomspace(betas.min(), betas.max(), 200)  # the exact count is a step function
    out = {
        "betas": betas,
        "gammas": gammas,
        "eps": cfg.eps,
        "e0_max": e0_max,
        "e0_mean": e0_mean,
        "theory": _c3_theory(e0_max, e0_mean, cfg.eps, betas, gammas),
        "theory_fine": {"betas": fine, **_c3_theory(e0_max, e0_mean, cfg.eps, fine, gammas)},
    }
    bar = Progress(2 if cfg.sampled else 1, "fig2", enabled=progress, unit="sweep")
    expected = sim.sweep(
        task,
        params,
        keys=override(base, {"seeds": 1}).keys(),
        strategy=override(base, {"mode": "expected"}).make_strategy(),
        rounds=base.rounds,
    )
    max_err = np.asarray(expected["max_error"])[:, 0].reshape(shape + (-1,))
    mean_err = np.asarray(expected["mean_error"])[:, 0].reshape(shape + (-1,))
    out["expected"] = {
        "rounds_every_prompt": first_at_or_below(max_err, cfg.eps),
        "rounds_mean": first_at_or_below(mean_err, cfg.eps),
        "final_max_error": max_err[..., -1],
    }
    bar.log(f"fig2: expected sweep over {betas.size} x {gammas.size} (beta, gamma) done")
    bar.advance("expected")
    if cfg.sampled:
        sampled = sim.sweep(
            task,
            params,
            keys=base.keys(),
            strategy=override(base, {"mode": "sampled"}).make_strategy(),
            rounds=base.rounds,
        )
        per_seed = np.asarray(sampled["mean_error"]).reshape(shape + (base.seeds, -1))
        out["sampled"] = {
            "seeds": base.seeds,
            "rounds_seed_mean": first_at_or_below(per_seed.mean(axis=-2), cfg.eps),
            "rounds_per_seed": first_at_or_below(per_seed, cfg.eps),
        }
        bar.log(f"fig2: sampled sweep ({base.seeds} seeds) done")
        bar.advance("sampled")
    bar.close()
    out["amplification"] = _amplification(cfg)
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)


def _amplification(cfg: Fig2Config) -> dict:
    """C7: filter-only (c = 1, d = gamma), expected mode, one prompt at accuracy a0 per sweep."""
    base = override(cfg.base, {"strategy": "filter-only", "allocation": "none", "mode": "expected"})
    gammas = np.asarray(cfg.amp_gammas)
    params, _ = sim.grid_params(base.make_params(), filter_fpr=gammas)
    rounds = []
    for a0 in cfg.amp_accuracies:
        task = sim.task_from_accuracy([a0], n_responses=base.n_responses)
        m = sim.sweep(
            task, params, keys=base.keys()[:1], strategy=base.make_strategy(), rounds=base.rounds
        )
        rounds.append(first_at_or_below(np.asarray(m["max_error"])[:, 0], cfg.amp_delta))
    a0 = np.asarray(cfg.amp_accuracies)[:, None]
    fine = np.linspace(gammas.min(), gammas.max(), 400)[None, :]
    target = (1 - cfg.amp_delta) / cfg.amp_delta
    return {
        "accuracies": cfg.amp_accuracies,
        "gammas": gammas,
        "delta": cfg.amp_delta,
        "rounds": np.stack(rounds),  # [A, G]
        "exact": cf.c7_rounds_to_delta(a0, cfg.amp_delta, 1.0, gammas[None, :]),
        "gammas_fine": fine[0],
        "exact_fine": cf.c7_rounds_to_delta(a0, cfg.amp_delta, 1.0, fine),  # [A, F]
        "continuous_fine": np.log(target / (a0 / (1 - a0))) / np.log(1 / fine),
    }


def figure(run_dir: Path) -> list[Path]:
    from figures import fig2

    return fig2.draw(*rundir.load(run_dir), run_dir / "fig2")


def report(run_dir: Path) -> list[dict]:
    """Measured rounds to eps against the exact count and the bound, at a few (beta, gamma)."""
    m = rundir.read_json(run_dir / rundir.METRICS_FILE)
    betas, gammas = m["betas"], m["gammas"]

    def fmt(x):
        return "not reached" if x is None else f"{x:.0f}"

    rows = []
    for i in sorted({0, len(betas) // 2, len(betas) - 1}):
        for j in sorted({0, len(gammas) - 1}):
            sampled = m.get("sampled")
            rows.append(
                {
                    "beta": betas[i],
                    "gamma": gammas[j],
                    "every prompt: measured / exact / bound": (
                        f"{fmt(m['expected']['rounds_every_prompt'][i][j])} / "
                        f"{m['theory']['exact_every_prompt'][i][j]:.0f} / "
                        f"{m['theory']['bound_every_prompt'][i][j]:.1f}"
                    ),
                    "mean: measured / exact / bound": (
                        f"{fmt(m['expected']['rounds_mean'][i][j])} / "
                        f"{m['theory']['exact_mean'][i][j]:.0f} / "
                        f"{m['theory']['bound_mean'][i][j]:.1f}"
                    ),
                    "sampled (per-seed mean ± 95% CI)": (
                        _seed_rounds(sampled["rounds_per_seed"][i][j]) if sampled else "—"
                    ),
                }
            )
    return rows


def _seed_rounds(per_seed) -> str:
    x = np.asarray([np.nan if r is None else r for r in per_seed], dtype=np.float64)
    if np.isnan(x).any():
        return f"{int(np.isnan(x).sum())} seeds not reached"
    mean, half = mean_ci(x)
    return f"{mean:.1f} ± {half:.1f}"


EXPERIMENT = Experiment(
    name="fig2",
    summary="rounds to eps vs beta for several gamma, against the C3 bound; C7 amplification",
    presets=PRESETS,
    run=run,
    figure=figure,
    claims=("C3", "C7"),
    report=report,
)
