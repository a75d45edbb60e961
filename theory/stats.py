"""Interval statistics over seeds: 95% t-intervals (SciPy's Student-t quantiles), first crossings
of a threshold."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t


def t975(df):
    """The 0.975 quantile of Student's t (two-sided 95%) with `df` degrees of freedom (SciPy).

    `df`: an integer >= 1, or an array of them (one quantile per entry)."""
    d = np.asarray(df, dtype=np.float64)
    if d.size == 0 or np.any(d < 1) or np.any(d != np.floor(d)):
        raise ValueError(f"df must be an integer >= 1; got {df}")
    return student_t.ppf(0.975, d)[()]


def mean_ci(x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and half-width of its 95% t-interval along `axis`, NaN entries left out.

    A NaN entry (a value that does not exist, e.g. a ratio over a zero gain) is not counted
    in n: each position has its own n, the number of its non-NaN entries, and its own t
    quantile with n - 1 degrees of freedom. With one sample there is no interval: the
    half-width is 0 (a band of no width when drawn; `ci_summary` reports it as missing). With
    none, mean and half-width are NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    present = ~np.isnan(x)
    n = present.sum(axis=axis)
    safe_n = np.maximum(n, 1)
    mean = np.where(n > 0, np.where(present, x, 0.0).sum(axis=axis) / safe_n, np.nan)
    dev = np.where(present, x - np.expand_dims(mean, axis), 0.0)
    sem = np.sqrt((dev * dev).sum(axis=axis) / np.maximum(n - 1, 1) / safe_n)
    half = np.where(n >= 2, t975(np.maximum(n - 1, 1)) * sem, 0.0)
    half = np.where(n == 0, np.nan, half)
    return mean[()], half[()]


def first_at_or_below(x, threshold, axis: int = -1) -> np.ndarray:
    """Index of the first entry along `axis` that is <= `threshold`; NaN where none is.

    Used for "rounds to eps": with x a per-round curve [..., T + 1], the round it first
    reaches the threshold (NaN: not within the rounds run). A NaN entry never counts.
    """
    below = np.asarray(x, dtype=np.float64) <= threshold
    first = np.argmax(below, axis=axis).astype(np.float64)
    return np.where(np.any(below, axis=axis), first, np.nan)


def ci_summary(values) -> dict:
    """Mean and 95% t-interval of a 1-D sample (e.g. one number per seed), as a record.

    NaN entries are left out of the mean, the interval and `n` (the number of values that
    exist), but kept in `values` (written as null), so that `values[i]` stays seed i's. The
    half-width is NaN (written as null) with fewer than two values: there is no interval.
    """
    v = np.asarray(values, np.float64).reshape(-1)
    n = int(np.count_nonzero(~np.isnan(v)))
    mean, half = mean_ci(v)
    half = float(half) if n > 1 else math.nan
    return {
        "mean": float(mean),
        "ci_low": float(mean) - half,
        "ci_high": float(mean) + half,
        "half_width": half,
        "n": n,
        "values": v.tolist(),
    }


def zero_crossing(x, y) -> float | None:
    """The first x where the piecewise-linear curve y(x) crosses 0 going up (from y < 0 to
    y >= 0), by linear interpolation; None where it never does (all above or all below 0, or
    a NaN in the way). x increasing."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    for i in range(1, len(x)):
        if not (np.isfinite(y[i - 1]) and np.isfinite(y[i])):
            continue
        if y[i - 1] < 0 <= y[i]:
            return float(x[i - 1] + (x[i] - x[i - 1]) * (-y[i - 1]) / (y[i] - y[i - 1]))
    return None
