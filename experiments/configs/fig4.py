"""Config and presets of `fig4`."""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs.sim import SimConfig, override
from experiments.configs.spec import opt

# Summaries of the per-prompt accuracies that C1 speaks about, per round (all D-weighted).
SERIES = (
    "heterozygosity",  # E_D[a (1 - a)]
    "fixed_at_1",  # D-share of prompts with a = 1
    "fixed_at_0",  # D-share with a = 0
    "mean_accuracy",
    "entropy",
    "support_size",
)
# Sampled probabilities are multiples of 1/(k t): anything this small is an exact 0.
FIXED_TOL = 1e-6


@dataclasses.dataclass(frozen=True)
class Fig4Config:
    """Figure 4 (docs/framework.md §7.4): collapse without curation (C1).

    Do-nothing (no filter, no labels) in sampled mode for each k in `ks` on `base.n_prompts`
    prompts that all start at accuracy a0 = `base_accuracy` (`sim.task_from_accuracy`: a0 exact,
    the wrong mass on Zipf weights; the random-task keys of `base` are not used). Per round and
    seed: E[a (1 - a)] against a0 (1 - a0) (1 - 1/k)^t, the share of prompts fixed at 1 and at 0
    against the exact Wright-Fisher law (limits a0 and 1 - a0), mean entropy and support size.
    The `accumulate` arm keeps every round's samples (no collapse) as the contrast.
    `base` supplies sizes, rounds and seeds; strategy and k are set per arm.
    Command: `python -m experiments run fig4` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = SimConfig(
        strategy="do-nothing", mode="sampled", n_prompts=2048, n_responses=8, rounds=80, seeds=8
    )
    ks: tuple[int, ...] = opt(
        (2, 4, 8),
        range=spec.range_of(SimConfig, "samples_per_prompt"),
        doc="the samples per prompt k of each arm",
    )
    base_accuracy: float = opt(
        0.3,
        range=spec.range_of(SimConfig, "base_accuracy_mean"),
        doc="every prompt's base accuracy a0",
    )
    accumulate: bool = opt(True, doc="also draw the accumulate arm (keeps all data)")

    def __post_init__(self):
        spec.check(self)

    def arm(self, strategy: str, k: int) -> SimConfig:
        return override(
            self.base,
            {"strategy": strategy, "mode": "sampled", "samples_per_prompt": k, "learner": "strong"},
        )


PRESETS = {
    "tiny": Fig4Config(
        base=SimConfig(
            strategy="do-nothing",
            mode="sampled",
            n_prompts=256,
            n_responses=6,
            rounds=25,
            seeds=4,
        ),
        ks=(2, 4),
    ),
    "default": Fig4Config(),
    "large": Fig4Config(
        base=SimConfig(
            strategy="do-nothing",
            mode="sampled",
            n_prompts=65536,
            n_responses=16,
            rounds=200,
            seeds=32,
        ),
        ks=(2, 4, 8, 16),
    ),
}
