"""Config and presets of `fig9`."""

from __future__ import annotations

import dataclasses

import numpy as np

from experiments.configs import spec
from experiments.configs.sim import SimConfig, override
from experiments.configs.spec import opt
from sim.strategies import PRESETS as STRATEGY_PRESETS
from sim.types import Range

SERIES = ("mean_accuracy", "greedy_accuracy", "labels_spent", "hard_fraction")


@dataclasses.dataclass(frozen=True)
class Fig9Config:
    """Figure 9 (docs/framework.md §7.9): accuracy vs cumulative labels spent (what a label buys).

    Sampled mode, `base.seeds` rollouts on `base`'s random task, gamma-noisy filter, the global
    mixture (weak data weight alpha). `boosting` spends the per-round label budget on the hard
    set P- (prompts with no accepted sample, m labels each; a budget smaller than P- labels a
    random part of it), `boosting-uniform` on random prompts. Each budget in `budgets` is a share
    of n_prompts x labels_per_prompt; one sharded `sim.sweep` over the budgets per arm. x = labels
    spent so far, y = mean and greedy accuracy (95% bands over seeds); filter-only (no labels)
    and C2's ceiling D{a0 > 0} for filter-only are the references.
    Command: `python -m experiments run fig9` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = SimConfig(mode="sampled", seeds=8, rounds=15, beta=0.3, gamma=0.2)
    arms: tuple[str, ...] = opt(
        ("boosting", "boosting-uniform"),
        choices=STRATEGY_PRESETS,
        distinct=True,
        doc="the strategies drawn (each must spend labels)",
    )
    budgets: tuple[float, ...] = opt(
        (0.01, 0.05, 0.25),
        range=Range(0.0, float("inf"), lo_open=True, hi_open=True),
        doc="label budgets, as shares of n_prompts x labels_per_prompt",
    )

    def __post_init__(self):
        spec.check(self)
        for arm in self.arms:
            resolved = override(self.base, {"strategy": arm}).resolved()
            if resolved.allocation == "none":
                raise ValueError(f"arms: {arm!r} spends no labels; choose a strategy that does")

    def label_budgets(self) -> np.ndarray:
        """Labels per round for each budget share. [B]"""
        return np.asarray(self.budgets) * self.base.n_prompts * self.base.labels_per_prompt


PRESETS = {
    "tiny": Fig9Config(
        base=SimConfig(mode="sampled", n_prompts=64, n_responses=8, rounds=5, seeds=3),
        budgets=(0.05, 0.5),
    ),
    "default": Fig9Config(),
    "large": Fig9Config(
        base=SimConfig(
            mode="sampled",
            n_prompts=8192,
            n_responses=64,
            rounds=30,
            seeds=32,
            beta=0.3,
            gamma=0.2,
        ),
        budgets=(0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
    ),
}
