"""Config and presets of `fig1`."""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs.sim import SimConfig, override, parse_sets
from experiments.configs.spec import opt

ARMS = (
    "do-nothing",
    "filter-only",
    "weak-only",
    "boosting mixture=replace",
    "boosting-uniform mixture=replace",
)


def arm_config(base: SimConfig, arm: str, mode: str) -> SimConfig:
    """'boosting mixture=replace' -> base with strategy=boosting, mixture=replace, mode=mode."""
    name, *sets = arm.split()
    return override(base, {"strategy": name, **parse_sets(sets), "mode": mode})


@dataclasses.dataclass(frozen=True)
class Fig1Config:
    """Figure 1 (docs/framework.md §7.1): error vs round per strategy, log scale (C1, C2, C3, C6).

    Each arm runs in expected mode (one deterministic curve, drawn over its claim's closed form
    where one applies) and in sampled mode (`base.seeds` rollouts, mean and 95% band). Boosting
    uses the replace mixture, the form C3 solves exactly.
    Command: `python -m experiments run fig1` (about 15 s on 2 CPU cores).
    """

    base: SimConfig = SimConfig(rounds=30, seeds=16, beta=0.3, gamma=0.2)
    arms: tuple[str, ...] = opt(
        ARMS,
        form="strategy names, each optionally followed by key=value settings",
        distinct=True,
        doc="the arms drawn, e.g. 'boosting mixture=replace'",
    )

    def __post_init__(self):
        spec.check(self)
        for arm in self.arms:
            arm_config(self.base, arm, "expected")  # raises on a bad arm, naming the option


PRESETS = {
    "tiny": Fig1Config(base=SimConfig(n_prompts=64, n_responses=8, rounds=6, seeds=4)),
    "default": Fig1Config(),
    "large": Fig1Config(
        base=SimConfig(n_prompts=8192, n_responses=64, rounds=50, seeds=64, beta=0.3, gamma=0.2)
    ),
}
