"""Calibration on a real model (framework §8): per-prompt success p ~ Beta(a, b), fitted to
pass@k or to per-prompt counts.

The model side (`pass_at_k`, `no_success_share`, `beta_binomial_pmf`, `prompt_accuracy`) is
pure `jax.numpy`, float64 under `jax_enable_x64`. The fitting side takes data on the host and
returns Python floats: it is NumPy in float64, whatever JAX's default precision, because a fit
is run once, validates its input, and iterates to convergence (bisection, Newton).

Under Beta(a, b) the chance that k samples of a prompt are all wrong is
E[(1 - p)^k] = B(a, b + k) / B(a, b) = prod_{i<k} (b + i) / (a + b + i), which is what every
function here computes one way or another (through log-gamma, or the product in logs).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln


def _f(*xs):
    """Arguments as arrays of the default float type, broadcast to one shape (as closed_forms)."""
    out = jnp.broadcast_arrays(*(jnp.asarray(x, dtype=jnp.result_type(float)) for x in xs))
    return tuple(out) if len(out) > 1 else out[0]


def _betaln(a, b):
    """log B(a, b) through gammaln: jax's own betaln is off by ~4e-7 near a + b ~ 10 (jax
    0.10), which differences like log B(a, b + k) - log B(a, b) would carry into every fit."""
    return gammaln(a) + gammaln(b) - gammaln(a + b)


# ---------------------------------------------------------------------------------------------
# The model: p ~ Beta(a, b) over prompts.


def no_success_share(a, b, k):
    """C2 (§8): the expected share of prompts with no correct response among k samples,
    E[(1 - p)^k] = B(a, b + k) / B(a, b).

    This is what filter-only cannot use in one round: a prompt with no correct sample gives the
    filter nothing to keep. C2's "never" is about a_0(x) = 0 exactly, which has probability 0
    under a Beta prior; so "never reached at k samples" is reported per round, as this share.
    Across independent rounds of k samples from an unchanged model it is E[(1 - p)^(k t)], i.e.
    this function at k t.
    """
    a, b, k = _f(a, b, k)
    return jnp.exp(_betaln(a, b + k) - _betaln(a, b))


def pass_at_k(a, b, k):
    """§8: pass@k of a model whose per-prompt success is Beta(a, b):
    1 - B(a, b + k) / B(a, b), through log-gamma (float64: lgamma(b + k) is
    large for large k, and float32 keeps only ~1e-7 of it) and expm1."""
    a, b, k = _f(a, b, k)
    return -jnp.expm1(_betaln(a, b + k) - _betaln(a, b))


def beta_binomial_pmf(a, b, n: int):
    """§8: the expected share of prompts with j correct of n samples, j = 0..n (beta-binomial),
    C(n, j) B(j + a, n - j + b) / B(a, b). a, b scalars. [n + 1]"""
    a, b = _f(a, b)
    j = jnp.arange(n + 1, dtype=a.dtype)
    log_comb = gammaln(jnp.asarray(n + 1.0, a.dtype)) - gammaln(j + 1.0) - gammaln(n - j + 1.0)
    return jnp.exp(log_comb + _betaln(j + a, n - j + b) - _betaln(a, b))


def prompt_accuracy(successes, trials, *, prior):
    """§8: a per-prompt accuracy a_0(x) from j correct of n samples. [P]

    prior=None: the raw share j / n, unbiased per prompt but 0 for every prompt never solved in
    n samples, which makes each of them a C2 never-solved prompt of the simulated task.
    prior=(a, b): the posterior mean (j + a) / (n + a + b) under the fitted Beta prior, which
    keeps such prompts at a small positive accuracy (a prompt 0 of 10 may well be solvable:
    under Beta(a, b) none has p = 0) and pulls n of n just under 1. It averages back to the
    prior mean, and it is the choice to use when the simulator should predict later rounds of
    the same model. There is no default, because the choice decides how many prompts C2 blocks.
    """
    j, n = _f(successes, trials)
    if prior is None:
        return j / n
    a, b = prior
    a, b = _f(a, b)
    return (j + a) / (n + a + b)


# ---------------------------------------------------------------------------------------------
# Fitting to pass@k (host, float64).


def _log_q(a: float, b: float, k: int) -> tuple[float, float, float]:
    """log E[(1-p)^k] = sum_{i<k} log((b+i)/(a+b+i)) and its derivatives in log a, log b."""
    i = np.arange(k, dtype=np.float64)
    share = a / (a + b + i)
    # log1p is exact for a small share; the ratio's own log for one near 1 (b tiny, i = 0).
    terms = np.where(share < 0.5, np.log1p(-share), np.log((b + i) / (a + b + i)))
    log_q = float(np.sum(terms))
    d_log_a = -a * float(np.sum(1.0 / (a + b + i)))
    d_log_b = b * float(np.sum(a / ((b + i) * (a + b + i))))
    return log_q, d_log_a, d_log_b


def _bisect(fn, lo: float, hi: float, iters: int = 200) -> float:
    """The root of a function with fn(lo) > 0 > fn(hi), to the last bit (plain bisection)."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if fn(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _newton_bisect(fn, lo: float, hi: float, iters: int = 100) -> float:
    """The root of fn (value, derivative) with fn(lo) > 0 > fn(hi): Newton steps that stay in
    the shrinking bracket, bisection otherwise."""
    x = 0.5 * (lo + hi)
    for _ in range(iters):
        f, df = fn(x)
        if f == 0:
            return x
        lo, hi = (x, hi) if f > 0 else (lo, x)
        new = x - f / df if df != 0 else lo
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - x) <= 1e-15 * (1.0 + abs(x)):
            return new
        x = new
    return x


_LOG_S = (-25.0, 25.0)  # bracket of the concentration a + b for the exact two-point fit
_LOGIT_M = (-40.0, 40.0)  # bracket of the logit of the mean a / (a + b)


def _check_pass_at_k(pass_at_k: Mapping[int, float]) -> list[tuple[int, float]]:
    """The pass@k items sorted by k, or a ValueError naming what is wrong."""
    if len(pass_at_k) < 2:
        raise ValueError(f"pass_at_k needs at least two values of k; got {dict(pass_at_k)}")
    items = []
    for k, v in pass_at_k.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"pass_at_k: each k must be an integer >= 1; got k = {k!r}")
        if not 0.0 < float(v) < 1.0:
            raise ValueError(f"pass_at_k[{k}] must lie in (0, 1); got {v!r}")
        items.append((int(k), float(v)))
    items.sort()
    for (k1, v1), (k2, v2) in itertools.pairwise(items):
        if not v2 > v1:
            raise ValueError(
                f"pass_at_k must increase strictly with k; got pass@{k2} = {v2} <= pass@{k1} = {v1}"
            )
    return items


def _fit_two(k1: int, p1: float, k2: int, p2: float) -> tuple[float, float]:
    """The Beta(a, b) with pass@k1 = p1 and pass@k2 = p2 (k1 < k2), exactly.

    Parametrised by the mean m and concentration s = a + b: for each s the first equation fixes
    m (log E[(1-p)^k1] falls as m rises; with k1 = 1 it is m = p1), leaving one equation in s.
    As s runs from 0 to inf, log E[(1-p)^k2] at that m runs from log(1 - p1) down to
    (k2/k1) log(1 - p1) (the all-or-nothing and the point-mass limits), so a root exists
    exactly when p2 lies strictly between p1 and 1 - (1 - p1)^(k2/k1); both roots are found by
    safeguarded Newton in logit m inside, bisection in log s outside.
    """
    l1, l2 = math.log1p(-p1), math.log1p(-p2)
    upper = -math.expm1((k2 / k1) * l1)
    if not p2 < upper:
        raise ValueError(
            f"pass_at_k: no Beta(a, b) has pass@{k1} = {p1} and pass@{k2} = {p2}; given "
            f"pass@{k1}, pass@{k2} must lie in ({p1}, {upper}) (Jensen: at most a point mass)"
        )

    def ab(log_s: float) -> tuple[float, float]:
        s = math.exp(log_s)

        def first(logit_m: float) -> tuple[float, float]:
            m = 1.0 / (1.0 + math.exp(-logit_m))
            log_q, d_log_a, d_log_b = _log_q(m * s, (1.0 - m) * s, k1)
            # d/d logit m = m (1 - m) s (dL/da - dL/db), and dL/da = d_log_a / a.
            return log_q - l1, (1.0 - m) * d_log_a - m * d_log_b

        logit_m = _newton_bisect(first, *_LOGIT_M)
        m = 1.0 / (1.0 + math.exp(-logit_m))
        return m * s, (1.0 - m) * s

    def second(log_s: float) -> float:
        return _log_q(*ab(log_s), k2)[0] - l2

    lo, hi = _LOG_S
    if not (second(lo) > 0 > second(hi)):
        raise ValueError(
            f"pass_at_k: pass@{k1} = {p1}, pass@{k2} = {p2} need a + b outside "
            f"[e^{lo:g}, e^{hi:g}]; too close to the edge of what a Beta can give"
        )
    return ab(_bisect(second, lo, hi))


def _logit_residuals(theta, items, obs_logit, sqrt_w):
    """Weighted residuals logit(pass@k(a, b)) - logit(observed) and their Jacobian in theta."""
    a, b = np.exp(theta)
    res, jac = [], []
    for (k, _), target in zip(items, obs_logit, strict=True):
        log_q, da, db = _log_q(a, b, k)
        p = -math.expm1(log_q)
        res.append(math.log(p) - log_q - target)
        jac.append([-da / p, -db / p])  # d logit / d theta = -(d log q / d theta) / pass
    return sqrt_w * np.asarray(res), sqrt_w[:, None] * np.asarray(jac)


def fit_beta(
    pass_at_k: Mapping[int, float], *, weights: Mapping[int, float] | None = None
) -> tuple[float, float]:
    """§8: the Beta(a, b) of per-prompt success that matches a model's pass@k.

    Two values: solved exactly (`_fit_two`); a ValueError if no Beta gives them.
    More: weighted least squares on the logit scale,
        min_{log a, log b} sum_k w_k [logit pass@k(a, b) - logit observed_k]^2,
    by Levenberg-Marquardt from the exact fit to the smallest and largest k. The logit makes a
    miss at pass@64 = 0.99 vs 0.999 count as much as 0.5 vs 0.9 at pass@1, which the tail of
    Beta near p = 0 (the hard prompts) needs; weights default to 1, because pass@k estimates
    from the same samples are strongly correlated and a proper GLS needs their covariance.
    Values that a Beta reproduces exactly are recovered exactly.

    Args:
      pass_at_k: {k: pass@k}, at least two k >= 1, values in (0, 1), strictly increasing in k.
      weights: {k: w_k > 0} for the least-squares fit, the same keys as pass_at_k.
    Returns:
      (a, b) as Python floats.
    """
    items = _check_pass_at_k(pass_at_k)
    if weights is not None and (
        set(weights) != set(pass_at_k) or not all(w > 0 for w in weights.values())
    ):
        raise ValueError(
            f"weights must give a positive weight to each k of pass_at_k; got {weights}"
        )
    if len(items) == 2:
        return _fit_two(*items[0], *items[1])

    obs_logit = np.asarray([math.log(v) - math.log1p(-v) for _, v in items])
    sqrt_w = np.sqrt(np.asarray([1.0 if weights is None else weights[k] for k, _ in items]))
    start = [(items[0], items[-1]), (items[0], items[1]), (items[-2], items[-1])]
    theta = np.zeros(2)  # a = b = 1 if no pair of the data is Beta-consistent
    for first, last in start:
        try:
            theta = np.log(_fit_two(*first, *last))
            break
        except ValueError:
            continue

    def cost(th):
        return float(np.sum(_logit_residuals(th, items, obs_logit, sqrt_w)[0] ** 2))

    lam, current = 1e-3, cost(theta)
    for _ in range(500):
        r, jac = _logit_residuals(theta, items, obs_logit, sqrt_w)
        jtj, grad = jac.T @ jac, jac.T @ r
        if np.max(np.abs(grad)) < 1e-13:
            break
        step = np.linalg.solve(jtj + lam * np.diag(np.diag(jtj) + 1e-12), -grad)
        proposal = np.clip(theta + step, -20.0, 20.0)
        new = cost(proposal)
        if new < current:
            theta, current, lam = proposal, new, lam / 3.0
            if np.max(np.abs(step)) < 1e-13:
                break
        else:
            lam *= 10.0
            if lam > 1e12:
                break
    a, b = np.exp(theta)
    return float(a), float(b)


# Fits to per-prompt counts live beside this module; they are part of the same API.
from theory.calibration_counts import (  # noqa: E402
    beta_binomial_loglik,
    empirical_pass_at_k,
    fit_beta_ml,
    fit_beta_moments,
)

__all__ = [
    "beta_binomial_loglik",
    "beta_binomial_pmf",
    "empirical_pass_at_k",
    "fit_beta",
    "fit_beta_ml",
    "fit_beta_moments",
    "no_success_share",
    "pass_at_k",
    "prompt_accuracy",
]
