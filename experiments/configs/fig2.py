"""Config and presets of `fig2`."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from experiments.configs import spec
from experiments.configs.sim import SimConfig
from experiments.configs.spec import opt
from sim.types import RANGES, Range
from theory import closed_forms as cf

OPEN_UNIT = Range(0.0, 1.0, lo_open=True, hi_open=True)  # (0, 1)
# C3's analysable form: gamma-noisy filter, one stochastic weak label per rejected sample.
BOOSTING_REPLACE = SimConfig(
    strategy="boosting", mixture="replace", allocation="rejected", labeler="stochastic"
)


def check_analysable(base: SimConfig, what: str) -> None:
    """Raises ValueError unless `base` is the form C3 solves (the figure's theory needs it)."""
    r = base.resolved()
    want = dict(
        filter="gamma",
        allocation="rejected",
        mixture="replace",
        labeler="stochastic",
        learner="strong",
        restart=False,
        filter_labels=False,
    )
    for key, value in want.items():
        if getattr(r, key) != value:
            raise ValueError(
                f"{what}: {key} must be {value!r} (C3's form); got {getattr(r, key)!r}"
            )
    if r.label_budget < r.n_prompts * r.samples_per_prompt:
        raise ValueError(
            f"{what}: label_budget must be >= n_prompts * samples_per_prompt = "
            f"{r.n_prompts * r.samples_per_prompt} so that it never binds; got {r.label_budget}"
        )


@dataclasses.dataclass(frozen=True)
class Fig2Config:
    """Figure 2 (docs/framework.md §7.2): rounds to eps vs beta for several gamma (C3, C7).

    Boosting in C3's analysable form (gamma-noisy filter c = 1, d = gamma; a stochastic weak label
    per rejected sample; replace mixture), expected mode, the whole (beta, gamma) grid in one
    sharded `sim.sweep`. Measured: the first round with error <= eps on every prompt (`max_error`)
    and with mean error <= eps, against the exact count ceil(ln(e0/eps) / -ln(1 - (1-gamma)beta))
    and the bound ln(e0/eps) / ((1-gamma) beta). Sampled mode (`base.seeds` rollouts): the first
    round where the seed-mean error is <= eps. Third panel, C7: filter-only rounds from accuracy
    a0 to error <= delta vs gamma, against log(odds_target/odds_0) / log(1/gamma).
    `base.rounds` must let the slowest configuration reach eps (checked).
    Command: `python -m experiments run fig2` (about 30 s on 2 CPU cores, mostly the sampled sweep).
    """

    base: SimConfig = dataclasses.replace(
        BOOSTING_REPLACE, n_prompts=256, n_responses=16, rounds=370, seeds=8
    )
    betas: tuple[float, ...] = opt(
        (0.05, 0.07, 0.1, 0.14, 0.2, 0.3, 0.45, 0.65, 0.9),
        range=OPEN_UNIT,
        doc="the labeler qualities beta of the grid",
    )
    gammas: tuple[float, ...] = opt(
        (0.0, 0.25, 0.5, 0.75), range=RANGES["gamma"], doc="the filter's gammas of the grid"
    )
    eps: float = opt(0.01, range=OPEN_UNIT, doc="the target mean and max error epsilon")
    sampled: bool = opt(True, doc="also run sampled mode over the same grid")
    # C7 panel: filter-only from accuracy a0 (one prompt each) until the error is <= delta.
    amp_accuracies: tuple[float, ...] = opt(
        (0.01, 0.1, 0.5), range=OPEN_UNIT, doc="C7 panel: the base accuracies a0"
    )
    amp_gammas: tuple[float, ...] = opt(
        (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
        range=OPEN_UNIT,
        doc="C7 panel: the filter's gammas",
    )
    amp_delta: float = opt(0.01, range=OPEN_UNIT, doc="C7 panel: the target error delta")

    def __post_init__(self):
        spec.check(self)
        check_analysable(self.base, "fig2 base")
        need = self.rounds_needed()
        if self.base.rounds < need:
            raise ValueError(
                f"rounds must be >= {need} for the slowest (beta, gamma) to reach eps = {self.eps} "
                f"(the C3 bound with e0 = 1) and every a0 to reach delta; got {self.base.rounds}"
            )

    def rounds_needed(self) -> int:
        """Rounds that guarantee every configuration reaches its target (C3 bound, e0 <= 1)."""
        slowest = float(cf.c3_rounds_to_epsilon(1.0, self.eps, max(self.gammas), min(self.betas)))
        amp = float(
            cf.c7_rounds_to_delta(
                min(self.amp_accuracies), self.amp_delta, 1.0, max(self.amp_gammas)
            )
        )
        if not (math.isfinite(slowest) and math.isfinite(amp)):  # beta ~ 0 or gamma ~ 1
            raise ValueError(
                "no number of rounds lets the slowest configuration reach its target: raise "
                f"min(betas) = {min(self.betas)} or lower max(gammas) = {max(self.gammas)}, "
                f"max(amp_gammas) = {max(self.amp_gammas)}"
            )
        return max(math.ceil(slowest - 1e-9), int(amp)) + 1


PRESETS = {
    "tiny": Fig2Config(
        base=dataclasses.replace(
            BOOSTING_REPLACE, n_prompts=32, n_responses=6, rounds=120, seeds=3
        ),
        betas=(0.1, 0.3, 0.9),
        gammas=(0.0, 0.5),
        eps=0.05,
        amp_gammas=(0.1, 0.5),
        amp_accuracies=(0.1, 0.5),
        amp_delta=0.05,
    ),
    "default": Fig2Config(),
    "large": Fig2Config(
        base=dataclasses.replace(
            BOOSTING_REPLACE, n_prompts=4096, n_responses=64, rounds=1850, seeds=32
        ),
        betas=tuple(np.round(np.geomspace(0.02, 0.95, 24), 4)),
        gammas=(0.0, 0.2, 0.4, 0.6, 0.8),
        eps=1e-3,
    ),
}
