"""Config and presets of `fig11`."""

from __future__ import annotations

import dataclasses

import numpy as np

from experiments.configs import spec
from experiments.configs.fig2 import OPEN_UNIT
from experiments.configs.sim import SimConfig, override
from experiments.configs.spec import opt
from sim.types import RANGES

ARMS = ("boosting", "boosting-uniform")


@dataclasses.dataclass(frozen=True)
class Fig11Config:
    """Figure 11 (docs/framework.md §8): does focus still pay when the labeler is worst exactly
    where focus sends it? Rounds to mean error `eps` and final accuracy against beta_hard, the
    labeler's correct mass on prompts the base model never solves, at a FIXED MEAN quality.

    b(x) = beta_hard + (beta - beta_hard) a_0(x), so E_D[b] = beta_hard + (beta - beta_hard) A_0
    with A_0 = E_D[a_0] of the task; for each beta_hard, beta = beta_hard + (mean_beta -
    beta_hard) / A_0 keeps E_D[b] = mean_beta. A beta_hard for which that beta leaves (0, 1] is
    an error naming `beta_hards` and the feasible interval [(mean_beta - A_0)/(1 - A_0),
    mean_beta / (1 - A_0)). Expected mode, replace mixture, gamma-noisy filter (`gamma_hard`
    as `base`), one `sim.sweep` per arm: `boosting` labels each rejected sample (C3 per prompt,
    drawn with theory.difficulty's closed form), `boosting-uniform` spends the same per-round
    budget (`base.label_budget`, default n_prompts x labels_per_prompt) on random prompts.
    Command: `python -m experiments run fig11` (about 50 s on 2 busy CPU cores).
    """

    base: SimConfig = SimConfig(rounds=60, gamma=0.2, mixture="replace", frac_unsolvable=0.1)
    mean_beta: float = opt(
        0.2, range=RANGES["beta"], doc="E_D[b(x)], the labeler's mean correct mass, held fixed"
    )
    beta_hards: tuple[float, ...] = opt(
        (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25),
        range=RANGES["beta_hard"],
        doc="the labeler's correct masses where a_0 = 0 (each must keep beta in (0, 1])",
    )
    eps: float = opt(0.05, range=OPEN_UNIT, doc="the target mean error")

    def __post_init__(self):
        spec.check(self)
        for arm in ARMS:
            override(self.base, {"strategy": arm})

    def betas(self, a0_mean: float) -> np.ndarray:
        """The nominal beta for each beta_hard that keeps E_D[b] = mean_beta. [H]"""
        hard = np.asarray(self.beta_hards, dtype=np.float64)
        beta = hard + (self.mean_beta - hard) / a0_mean
        if not np.all((beta > 0) & (beta <= 1)):
            lo = (self.mean_beta - a0_mean) / (1 - a0_mean)
            hi = self.mean_beta / (1 - a0_mean)
            raise ValueError(
                f"beta_hards must lie in [{max(lo, 0):.4g}, {hi:.4g}) for mean_beta = "
                f"{self.mean_beta} on this task (E_D[a_0] = {a0_mean:.4g}); got {self.beta_hards}"
            )
        return beta


PRESETS = {
    "tiny": Fig11Config(
        base=SimConfig(
            n_prompts=64,
            n_responses=8,
            rounds=30,
            gamma=0.2,
            mixture="replace",
            frac_unsolvable=0.1,
        ),
        beta_hards=(0.0, 0.05, 0.2),
    ),
    "default": Fig11Config(),
    "large": Fig11Config(
        base=SimConfig(
            n_prompts=8192,
            n_responses=64,
            rounds=150,
            gamma=0.2,
            mixture="replace",
            frac_unsolvable=0.1,
        ),
        beta_hards=tuple(np.round(np.linspace(0.0, 0.25, 26), 3).tolist()),
    ),
}
