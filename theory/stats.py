"""Interval statistics over seeds: 95% t-intervals (exact Student-t quantiles, no SciPy), first
crossings of a threshold."""

from __future__ import annotations

import math

import numpy as np


def t_central_mass(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer df (Abramowitz & Stegun 26.7.3-4, exact)."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2:  # odd
        if df == 1:
            return 2 * theta / math.pi
        term, total = c, c
        for k in range(3, df - 1, 2):  # cos + (2/3) cos^3 + (2*4)/(3*5) cos^5 + ...
            term *= (k - 1) / k * c * c
            total += term
        return 2 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(2, df - 1, 2):  # 1 + (1/2) cos^2 + (1*3)/(2*4) cos^4 + ...
        term *= (k - 1) / k * c * c
        total += term
    return s * total


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t (two-sided 95%), by bisection on the exact CDF."""
    if df != int(df) or df < 1:
        raise ValueError(f"df must be an integer >= 1; got {df}")
    lo, hi = 0.0, 20.0  # t_{0.975, 1} = 12.706
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_central_mass(mid, int(df)) < 0.95:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def mean_ci(x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and half-width of its 95% t-interval along `axis`.

    With one sample there is no interval: the half-width is 0 (a band of no width when drawn;
    `ci_summary` reports it as missing).
    """
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


def ci_summary(values) -> dict:
    """Mean and 95% t-interval of a 1-D sample (e.g. one number per seed), as a record.

    The half-width is NaN (written as null) for a single value: there is no interval.
    """
    v = np.asarray(values, np.float64).reshape(-1)
    mean, half = mean_ci(v)
    half = float(half) if v.size > 1 else math.nan
    return {
        "mean": float(mean),
        "ci_low": float(mean) - half,
        "ci_high": float(mean) + half,
        "half_width": half,
        "n": int(v.size),
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
