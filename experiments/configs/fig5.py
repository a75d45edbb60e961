"""Config and presets of `fig5`."""

from __future__ import annotations

import dataclasses

import numpy as np

import sim
from experiments.configs import spec
from experiments.configs.fig2 import OPEN_UNIT
from experiments.configs.sim import SimConfig
from experiments.configs.spec import integers, opt
from sim.types import RANGES, Range

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
    """Figure 5 (docs/framework.md §7.5): focus is necessary against a weak labeler (C5; C7).

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
    unsolved: float = opt(
        0.9,
        range=Range(0.0, 1.0, lo_open=True),
        doc="U0: share of prompts the base model never solves",
    )
    betas: tuple[float, ...] = opt(
        (0.1, 0.2, 0.4, 0.6), range=OPEN_UNIT, doc="the labeler qualities beta of the curves"
    )
    eps: float = opt(0.05, range=OPEN_UNIT, doc="the target unsolved mass epsilon")
    eps_betas: tuple[float, ...] = opt(
        (0.15, 0.4), range=OPEN_UNIT, doc="betas of the (eps, delta) panel"
    )
    eps_gammas: tuple[float, ...] = opt(
        (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
        range=RANGES["gamma"],
        doc="gammas of the (eps, delta) panel",
    )
    eps_rounds: int = opt(150, range=integers(1, 100_000), doc="rounds of the (eps, delta) panel")

    def __post_init__(self):
        spec.check(self)
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

    def task(self) -> tuple[sim.Task, float]:
        """The base model solves the first round((1 - U0) P) prompts exactly, no others.
        Returns the task and its exact U0."""
        n = self.base.n_prompts
        solved = round((1 - self.unsolved) * n)
        a0 = np.where(np.arange(n) < solved, 1.0, 0.0)
        return sim.task_from_accuracy(a0, n_responses=self.base.n_responses), 1 - solved / n


PRESETS = {
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
}
