"""Config and presets of `fig10`."""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs.sim import SimConfig, override
from experiments.configs.spec import opt

ARMS = ("boosting", "filter-only")


@dataclasses.dataclass(frozen=True)
class Fig10Config:
    """Where focused weak data stops helping (docs/framework.md §6): the final greedy-accuracy gap
    boosting - filter-only after `base.rounds` rounds (sampled mode, paired over
    `base.seeds` seeds, 95% interval) against the base model's pass@k, E_x[1 - (1 - a_0(x))^k],
    over a grid of base models (mean base accuracy x share of never-solved prompts). The gap
    closes as pass@k -> 1: when the base model already solves most prompts at least once in k
    samples the filter alone finds them, and weak labels have little left to do.
    Command: `python -m experiments run fig10` (about 1 minute on 2 CPU cores).
    """

    base: SimConfig = SimConfig(mode="sampled", rounds=5, seeds=8, n_prompts=1024, gamma=0.1)
    base_accuracy_means: tuple[float, ...] = opt(
        (0.02, 0.05, 0.1, 0.2, 0.4, 0.7),
        range=spec.range_of(SimConfig, "base_accuracy_mean"),
        doc="the grid's mean base accuracies",
    )
    frac_unsolvables: tuple[float, ...] = opt(
        (0.0, 0.1, 0.3),
        range=spec.range_of(SimConfig, "frac_unsolvable"),
        doc="the grid's shares of never-solved prompts",
    )

    def __post_init__(self):
        spec.check(self)
        for m in self.base_accuracy_means:
            for f in self.frac_unsolvables:
                override(self.base, {"base_accuracy_mean": m, "frac_unsolvable": f})


PRESETS = {
    "tiny": Fig10Config(
        base=SimConfig(mode="sampled", rounds=3, seeds=3, n_prompts=64, n_responses=8, gamma=0.1),
        base_accuracy_means=(0.05, 0.6),
        frac_unsolvables=(0.0, 0.3),
    ),
    "default": Fig10Config(),
    "large": Fig10Config(
        base=SimConfig(
            mode="sampled", rounds=5, seeds=32, n_prompts=8192, n_responses=64, gamma=0.1
        ),
        base_accuracy_means=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9),
        frac_unsolvables=(0.0, 0.05, 0.1, 0.2, 0.4),
    ),
}
