"""Config and presets of `fig8`."""

from __future__ import annotations

import dataclasses

from experiments.configs import testbed as lm_config

BASE = dataclasses.replace(lm_config.PRESETS["default"], strategies=("boosting",), seeds=3)


@dataclasses.dataclass(frozen=True)
class Fig8Config:
    """Figure 8 (docs/framework.md §7.8): boosting on the testbed, final held-out accuracy vs the
    labeler's quality beta (alpha fixed at `base.alpha`) and vs the weak data's weight alpha
    (beta fixed at `base.beta`); alpha = 0 is filter-only. Mean and 95% interval over
    `base.seeds` seeds; the base model is trained once and shared.
    Command: `python -m experiments run fig8` (12.1 minutes measured on 2 CPU cores).
    """

    base: lm_config.TestbedConfig = BASE
    betas: tuple[float, ...] = (0.1, 0.3, 0.6, 1.0)
    alphas: tuple[float, ...] = (0.0, 1.0 / 3.0, 0.6)

    def __post_init__(self):
        if not self.betas or not self.alphas:
            raise ValueError("betas and alphas must each hold at least one value")
        for b in self.betas:
            lm_config.replace(self.base, beta=b)  # validates the range, naming the option
        for a in self.alphas:
            lm_config.replace(self.base, alpha=a)

    def points(self) -> list[tuple[float, float]]:
        """(beta, alpha) pairs to run: the beta sweep, then the alpha sweep (shared point once)."""
        pts = [(b, self.base.alpha) for b in self.betas]
        pts += [(self.base.beta, a) for a in self.alphas]
        return list(dict.fromkeys(pts))


PRESETS = {
    "tiny": Fig8Config(
        base=dataclasses.replace(
            lm_config.PRESETS["tiny"], strategies=("boosting",), rounds=1, seeds=2
        ),
        betas=(0.3, 1.0),
        alphas=(0.0, 1.0 / 3.0),
    ),
    "default": Fig8Config(),
    "large": Fig8Config(
        base=dataclasses.replace(lm_config.PRESETS["gpu"], strategies=("boosting",), seeds=5),
        betas=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
        alphas=(0.0, 0.1, 0.2, 1.0 / 3.0, 0.5, 0.75),
    ),
}
