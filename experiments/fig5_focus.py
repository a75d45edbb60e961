"""`fig5`: focused vs uniform labels against the adversarial labeler (C5), and (eps, delta) (C7)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import sim
from experiments import rundir
from experiments.config import SimConfig, override
from experiments.registry import Experiment, register
from experiments.stats import first_at_or_below, mean_ci
from theory import closed_forms as cf

# C5's setting: the adversarial distributional labeler, labels through a perfect filter.
C5_BASE = SimConfig(
    strategy="boosting",
    labeler="adversarial",
    mixture="replace",
    filter="perfect",
    filter_labels=True,
    n_prompts=1000,
    n_responses=6,
    rounds=25,
    seeds=8,
    delta=0.05,
)
ALLOCATIONS = ("hard", "uniform")  # focused on the hard set P-, or the same budget at random


@dataclasses.dataclass(frozen=True)
class Fig5Config:
    """Figure 5 (FRAMEWORK.md §7.5): focus is necessary against a weak labeler (C5; C7).

    The base model solves a 1 - U0 share of prompts exactly and the rest never (a0 in {0, 1},
    `sim.task_from_accuracy`; the random-task keys of `base` are not used). Adversarial labeler,
    perfect filter (c = 1, d = 0) applied to the labels too, replace mixture. Left and middle:
    the unsolved mass U_t = 1 - solved share vs round for each beta, focused (`allocation=hard`)
    against U0 (1 - beta)^t and uniform (the same budget at random) against the stall
    min(U0, 1 - beta); expected mode and `base.seeds` sampled rollouts (with a0 in {0, 1} and a
    deterministic adversary, sampled mode differs from expected only by whole-label rounding, so
    its bands are thin). Right: rounds to the
    (eps, delta) criterion vs gamma with a gamma-noisy filter and a label per rejected sample,
    against the C5 + C7 estimate ln(U0/eps)/theta + log(1/delta)/log(1/gamma) — an estimate,
    not a bound: with gamma > 0 the adversary spends its correct answers on half-solved prompts.
    Command: `python -m experiments run fig5` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = C5_BASE
    unsolved: float = 0.9  # U0
    betas: tuple[float, ...] = (0.1, 0.2, 0.4, 0.6)
    eps: float = 0.05
    eps_betas: tuple[float, ...] = (0.15, 0.4)
    eps_gammas: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
    eps_rounds: int = 150

    def __post_init__(self):
        r = self.base.resolved()
        want = dict(
            labeler="adversarial",
            mixture="replace",
            filter="perfect",
            filter_labels=True,
            learner="strong",
            restart=False,
        )
        for key, value in want.items():
            if getattr(r, key) != value:
                got = getattr(r, key)
                raise ValueError(f"fig5 base: {key} must be {value!r} (C5's form); got {got!r}")
        need = r.n_prompts * max(r.samples_per_prompt, r.labels_per_prompt)
        if r.label_budget < need:
            raise ValueError(f"fig5 base: label_budget must be >= {need}; got {r.label_budget}")
        if not 0 < self.unsolved <= 1:
            raise ValueError(f"unsolved must lie in (0, 1]; got {self.unsolved}")
        if not 0 < self.eps < 1:
            raise ValueError(f"eps must lie in (0, 1); got {self.eps}")
        for name in ("betas", "eps_betas"):
            values = getattr(self, name)
            if not values or not all(0 < b < 1 for b in values):
                raise ValueError(f"{name} must list values in (0, 1); got {values}")
        if not self.eps_gammas or not all(0 <= g < 1 for g in self.eps_gammas):
            raise ValueError(f"eps_gammas must list values in [0, 1); got {self.eps_gammas}")
        if self.eps_rounds < 1:
            raise ValueError(f"eps_rounds must be an integer >= 1; got {self.eps_rounds}")

    def task(self) -> tuple[sim.Task, float]:
        """The base model solves the first round((1 - U0) P) prompts exactly, no others.
        Returns the task and its exact U0."""
        n = self.base.n_prompts
        solved = round((1 - self.unsolved) * n)
        a0 = np.where(np.arange(n) < solved, 1.0, 0.0)
        return sim.task_from_accuracy(a0, n_responses=self.base.n_responses), 1 - solved / n


def run(cfg: Fig5Config, run_dir: Path, *, progress: bool = True) -> None:
    base = cfg.base
    task, u0 = cfg.task()
    t = np.arange(base.rounds + 1)
    betas = np.asarray(cfg.betas)
    # grid_params keeps base's theta: unused by these allocations.
    params, _ = sim.grid_params(base.make_params(), beta=betas)
    out = {"betas": betas, "u0": u0, "delta": base.delta, "unsolved": {}}
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
        if progress:
            final = out["unsolved"][allocation]["expected"][:, -1]
            print(f"fig5: {allocation}: expected U_T per beta {np.round(final, 4).tolist()}")
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

    return fig5.draw(run_dir)


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


register(
    Experiment(
        name="fig5",
        summary="focused vs uniform against the adversarial labeler (C5); rounds to (eps, delta)",
        presets={
            "tiny": Fig5Config(
                base=dataclasses.replace(C5_BASE, n_prompts=100, rounds=8, seeds=3),
                betas=(0.2, 0.5),
                eps_betas=(0.4,),
                eps_gammas=(0.0, 0.2),
                eps_rounds=40,
            ),
            "default": Fig5Config(),
            "large": Fig5Config(
                base=dataclasses.replace(C5_BASE, n_prompts=100_000, rounds=60, seeds=32),
                betas=(0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8),
                eps=0.01,
                eps_betas=(0.1, 0.2, 0.4),
                eps_gammas=tuple(np.round(np.linspace(0.0, 0.6, 25), 3)),
                eps_rounds=400,
            ),
        },
        run=run,
        figure=figure,
        claims=("C5", "C7"),
        report=report,
    )
)
