"""Config and presets of `fig3`."""

from __future__ import annotations

import dataclasses

import numpy as np

from experiments.configs.fig2 import BOOSTING_REPLACE, check_analysable
from experiments.configs.sim import SimConfig

FINE = 160  # theory is drawn on a fine grid, so its contours are smooth


def check_span(
    option: str, span: tuple[float, ...], lo: float, hi: float, hi_open: bool, lo_open: bool = True
) -> None:
    ok = len(span) == 2 and span[0] < span[1]
    if ok:
        a, b = span
        ok = (lo < a if lo_open else lo <= a) and (b < hi if hi_open else b <= hi)
    if not ok:
        raise ValueError(
            f"{option} must be two increasing values in {'(' if lo_open else '['}{lo}, {hi}"
            f"{')' if hi_open else ']'}; got {span}"
        )


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
    grid: int = 24  # points per axis of each grid
    beta_span: tuple[float, float] = (0.02, 0.98)
    gamma_span: tuple[float, float] = (0.0, 0.95)
    c_span: tuple[float, float] = (0.5, 1.0)
    d: float = 0.2  # the filter's false-positive rate in the (beta, c) grid
    limit_rounds: int = 100  # rounds of the (beta, c) grid: long enough to approach a*
    slice_betas: tuple[float, ...] = (0.05, 0.2, 0.5)

    def __post_init__(self):
        check_analysable(self.base, "fig3 base")
        if not 2 <= self.grid <= 1024:
            raise ValueError(f"grid must be an integer in [2, 1024]; got {self.grid}")
        if not 1 <= self.limit_rounds <= 100_000:
            raise ValueError(
                f"limit_rounds must be an integer in [1, 100000]; got {self.limit_rounds}"
            )
        check_span("beta_span", self.beta_span, 0.0, 1.0, hi_open=False)
        check_span("gamma_span", self.gamma_span, 0.0, 1.0, hi_open=True, lo_open=False)
        check_span("c_span", self.c_span, 0.0, 1.0, hi_open=False)
        if not 0 <= self.d < 1:
            raise ValueError(f"d must lie in [0, 1); got {self.d}")
        if not self.slice_betas:
            raise ValueError("slice_betas must list at least one value")

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
