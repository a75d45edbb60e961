"""Statistics of runs: confidence intervals over seeds (Student t, no SciPy), first crossings."""

from __future__ import annotations

import numpy as np

# Two-sided 95% quantiles t_{0.975, df} for df = 1..30 (standard tables).
_T975 = np.array(
    [
        12.706,
        4.303,
        3.182,
        2.776,
        2.571,
        2.447,
        2.365,
        2.306,
        2.262,
        2.228,
        2.201,
        2.179,
        2.160,
        2.145,
        2.131,
        2.120,
        2.110,
        2.101,
        2.093,
        2.086,
        2.080,
        2.074,
        2.069,
        2.064,
        2.060,
        2.056,
        2.052,
        2.048,
        2.045,
        2.042,
    ]
)
# Beyond 30: table points 40, 60, 120 and the normal limit, interpolated in 1/df.
_TAIL_DF = np.array([30.0, 40.0, 60.0, 120.0, np.inf])
_TAIL_T = np.array([2.042, 2.021, 2.000, 1.980, 1.960])


def t975(df) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1)."""
    df = float(df)
    if df < 1:
        raise ValueError(f"df must be >= 1; got {df}")
    if df <= 30 and df == int(df):
        return float(_T975[int(df) - 1])
    inv = np.where(np.isinf(_TAIL_DF), 0.0, 1.0 / _TAIL_DF)
    return float(np.interp(1.0 / df, inv[::-1], _TAIL_T[::-1]))


def mean_ci(x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and half-width of its 95% t-interval along `axis` (half-width 0 for one sample)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[axis]
    mean = np.nanmean(x, axis=axis)
    if n < 2:
        return mean, np.zeros_like(mean)
    sem = np.nanstd(x, axis=axis, ddof=1) / np.sqrt(n)
    return mean, t975(n - 1) * sem


def first_at_or_below(x, threshold, axis: int = -1) -> np.ndarray:
    """Index of the first entry along `axis` that is <= `threshold`; NaN where none is.

    Used for "rounds to eps": with x a per-round curve [..., T + 1], the round it first
    reaches the threshold (NaN: not within the rounds run). A NaN entry never counts.
    """
    below = np.asarray(x, dtype=np.float64) <= threshold
    first = np.argmax(below, axis=axis).astype(np.float64)
    return np.where(np.any(below, axis=axis), first, np.nan)
