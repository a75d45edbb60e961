"""Config and presets of `fig3`."""

from __future__ import annotations

import dataclasses

import numpy as np

from experiments.configs import spec
from experiments.configs.fig2 import BOOSTING_REPLACE, check_analysable
from experiments.configs.sim import SimConfig
from experiments.configs.spec import integers, opt
from sim.types import RANGES, Range

FINE = 160  # theory is drawn on a fine grid, so its contours are smooth


def check_span(config, option: str) -> None:
    """A span is two increasing values (each in the option's declared range, checked first)."""
    span = getattr(config, option)
    if len(span) != 2 or not span[0] < span[1]:
        within = spec.range_of(type(config), option)
        raise ValueError(f"{option} must be two increasing values in {within}; got {span}")


@dataclasses.dataclass(frozen=True)
class Fig3Config:
    """Figure 3 (framework §7.3): final accuracy over (beta, gamma), and over (beta, c) (C3, C4).

    Boosting in C3's analysable form (replace mixture, a stochastic weak label per rejected
    sample), expected mode. Left: final mean error 1 - A_T after `base.rounds` rounds over a
    (beta, gamma) grid with c = 1, against C3's closed form E_D[e0] (1 - (1-gamma) beta)^T.
    Middle: final mean accuracy after `limit_rounds` rounds over a (beta, c) grid with d = `d`,
    against the contours of C4's limit a* = b(1-d) / [(1-c)(1-b) + b(1-d)]. Right: slices of the
    middle panel at a few beta. One sharded `sim.sweep` per grid.
    Command: `python -m experiments run fig3` (about 10 s on 2 CPU cores).
    """

    base: SimConfig = dataclasses.replace(
        BOOSTING_REPLACE, n_prompts=512, n_responses=16, rounds=15
    )
    grid: int = opt(24, range=integers(2, 1024), doc="points per axis of each grid")
    beta_span: tuple[float, ...] = opt(
        (0.02, 0.98),
        range=RANGES["beta"],
        min_len=2,
        doc="the beta axis of the grids: two increasing values",
    )
    gamma_span: tuple[float, ...] = opt(
        (0.0, 0.95),
        range=RANGES["gamma"],
        min_len=2,
        doc="the gamma axis of the (beta, gamma) grid: two increasing values",
    )
    c_span: tuple[float, ...] = opt(
        (0.5, 1.0),
        range=Range(0.0, 1.0, lo_open=True),
        min_len=2,
        doc="the c axis of the (beta, c) grid: two increasing values",
    )
    d: float = opt(
        0.2, range=RANGES["gamma"], doc="the filter's false-positive rate in the (beta, c) grid"
    )
    limit_rounds: int = opt(
        100,
        range=integers(1, 100_000),
        doc="rounds of the (beta, c) grid: long enough to approach a*",
    )
    slice_betas: tuple[float, ...] = opt(
        (0.05, 0.2, 0.5), range=RANGES["beta"], doc="betas of the slices of the (beta, c) grid"
    )

    def __post_init__(self):
        spec.check(self)
        check_analysable(self.base, "fig3 base")
        for option in ("beta_span", "gamma_span", "c_span"):
            check_span(self, option)

    def axes(self) -> dict[str, np.ndarray]:
        return {
            "betas": np.linspace(*self.beta_span, self.grid),
            "gammas": np.linspace(*self.gamma_span, self.grid),
            "cs": np.linspace(*self.c_span, self.grid),
        }


PRESETS = {
    "tiny": Fig3Config(
        base=dataclasses.replace(BOOSTING_REPLACE, n_prompts=32, n_responses=6, rounds=10),
        grid=5,
        limit_rounds=30,
        slice_betas=(0.2, 0.5),
    ),
    "default": Fig3Config(),
    "large": Fig3Config(
        base=dataclasses.replace(BOOSTING_REPLACE, n_prompts=4096, n_responses=64, rounds=15),
        grid=96,
        limit_rounds=400,
    ),
}
