"""Config and presets of `fig8`."""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs import testbed as lm_config
from experiments.configs.spec import opt

BASE = dataclasses.replace(lm_config.PRESETS["default"], strategies=("boosting",), seeds=3)
# The boosting arms swept over beta: weak labels unchecked (the theory's C3 arm) and checked by
# the filter (the paper's Boosting (A)).
ARMS = ("boosting", "boosting-checked")


@dataclasses.dataclass(frozen=True)
class Fig8Config:
    """Figure 8 (docs/framework.md §7.8): the testbed's final held-out accuracy against the
    labeler's quality beta for each boosting arm in `arms` (alpha fixed at `base.alpha`), and
    against the weak data's weight alpha for unchecked boosting (beta fixed at `base.beta`),
    beside filter-only (the alpha = 0 reference, run as its own arm). Mean and 95% interval
    over `base.seeds` seeds; the gap to filter-only is paired by seed, and each arm's
    break-even beta (where the gap's mean crosses 0, its interval where the gap's 95% band
    does) is written to metrics.json. The base model is trained once and shared.
    Command: `python -m experiments run fig8` (2 CPU cores: see the README).
    """

    base: lm_config.TestbedConfig = BASE
    betas: tuple[float, ...] = opt(
        (0.1, 0.2, 0.3, 0.45, 0.6, 1.0),
        range=spec.range_of(lm_config.TestbedConfig, "beta"),
        doc="the labeler qualities beta swept by each arm",
    )
    alphas: tuple[float, ...] = opt(
        (1.0 / 3.0, 0.6),
        range=spec.range_of(lm_config.TestbedConfig, "alpha"),
        doc="the weak data's weights alpha swept by unchecked boosting",
    )
    arms: tuple[str, ...] = opt(
        ARMS, choices=ARMS, distinct=True, doc="the boosting arms swept over beta"
    )

    def __post_init__(self):
        spec.check(self)

    def points(self) -> list[tuple[str, float, float]]:
        """(arm, beta, alpha) to run: each arm's beta sweep, then unchecked boosting's alpha
        sweep (a shared point once)."""
        pts = [(arm, b, self.base.alpha) for arm in self.arms for b in self.betas]
        pts += [("boosting", self.base.beta, a) for a in self.alphas]
        return list(dict.fromkeys(pts))


PRESETS = {
    "tiny": Fig8Config(
        base=dataclasses.replace(
            lm_config.PRESETS["tiny"], strategies=("boosting",), rounds=1, seeds=2
        ),
        betas=(0.3, 1.0),
        alphas=(1.0 / 3.0,),
    ),
    "default": Fig8Config(),
    "large": Fig8Config(
        base=dataclasses.replace(lm_config.PRESETS["gpu"], strategies=("boosting",), seeds=5),
        betas=(0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 1.0),
        alphas=(0.1, 0.2, 1.0 / 3.0, 0.5, 0.75),
    ),
}
