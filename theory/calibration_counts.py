"""Calibration on per-prompt counts (docs/framework.md §8): j correct of n samples per prompt,
fitted as a Beta-binomial (moments or maximum likelihood), and the empirical pass@k. Host-side
NumPy in float64, like the fitting half of `theory.calibration`."""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------------
# Fitting to per-prompt counts (host, float64).


def _check_counts(successes, trials, prompt_weights, *, fit=True):
    """Counts as float64 arrays [P] (trials broadcast), weights [P]; ValueError if malformed."""
    j = np.asarray(successes, dtype=np.float64)
    n = np.broadcast_to(np.asarray(trials, dtype=np.float64), j.shape)
    if j.ndim != 1 or j.size == 0:
        raise ValueError(f"successes must be a non-empty 1-D array of counts; got shape {j.shape}")
    if np.any(n < 1) or np.any(n != np.round(n)):
        raise ValueError("trials must be integers >= 1")
    if np.any(j < 0) or np.any(j > n) or np.any(j != np.round(j)):
        raise ValueError("successes must be integers in [0, trials]")
    w = np.ones_like(j) if prompt_weights is None else np.asarray(prompt_weights, np.float64)
    if w.shape != j.shape or np.any(w < 0) or not np.sum(w) > 0:
        raise ValueError("prompt_weights must be >= 0, not all 0, one per prompt")
    if fit and not (np.sum(w * j) > 0 and np.sum(w * (n - j)) > 0):
        raise ValueError("successes: a Beta fit needs at least one success and one failure")
    return j, n, w


def empirical_pass_at_k(successes, trials, ks, *, prompt_weights=None) -> dict[int, float]:
    """§8: pass@k from j correct of n samples per prompt, for each k in ks (k <= n):
    the weighted mean of the unbiased estimator 1 - C(n - j, k) / C(n, k). Feeds `fit_beta`."""
    j, n, w = _check_counts(successes, trials, prompt_weights, fit=False)
    out = {}
    for k in ks:
        if not 1 <= k <= np.min(n):
            raise ValueError(f"ks: each k must lie in [1, min trials = {np.min(n):g}]; got {k}")
        i = np.arange(k, dtype=np.float64)[None, :]
        # C(n-j, k) / C(n, k) = prod_{i<k} (n - j - i) / (n - i); a factor 0 when n - j < k.
        none = np.prod(np.maximum(n[:, None] - j[:, None] - i, 0.0) / (n[:, None] - i), axis=1)
        out[int(k)] = float(np.sum(w * (1.0 - none)) / np.sum(w))
    return out


def _tallies(j, n, w):
    """A_i, B_i, N_i = weighted counts of prompts with j > i, n - j > i, n > i. [n_max] each"""
    i = np.arange(int(np.max(n)), dtype=np.float64)[None, :]
    tally = lambda mask: np.sum(w[:, None] * mask, axis=0)  # noqa: E731
    return tally(j[:, None] > i), tally((n - j)[:, None] > i), tally(n[:, None] > i), i[0]


def beta_binomial_loglik(a: float, b: float, successes, trials, *, prompt_weights=None) -> float:
    """§8: the weighted log-likelihood of j correct of n per prompt under p ~ Beta(a, b),
    sum_x w_x log[C(n, j) B(j + a, n - j + b) / B(a, b)], written as sums of logs:
    log B(j+a, n-j+b) - log B(a, b)
        = sum_{i<j} log(a+i) + sum_{i<n-j} log(b+i) - sum_{i<n} log(a+b+i).
    """
    j, n, w = _check_counts(successes, trials, prompt_weights)
    ta, tb, tn, i = _tallies(j, n, w)
    log_comb = np.asarray(
        [
            math.lgamma(m + 1) - math.lgamma(x + 1) - math.lgamma(m - x + 1)
            for x, m in zip(j, n, strict=True)
        ]
    )
    core = np.sum(ta * np.log(a + i) + tb * np.log(b + i) - tn * np.log(a + b + i))
    return float(core + np.sum(w * log_comb))


def fit_beta_moments(successes, trials, *, prompt_weights=None) -> tuple[float, float]:
    """§8: the method-of-moments Beta(a, b) from j correct of n samples per prompt.

    m = sum w j / sum w n and E[p^2] = sum w j(j-1) / sum w n(n-1) (each unbiased for a prompt),
    v = E[p^2] - m^2, s = a + b = m(1 - m)/v - 1. Counts that show no more spread than a
    Binomial (v <= 0) have s = inf; s is clipped to [1e-6, 1e8]. Needs some prompt with n >= 2.
    """
    j, n, w = _check_counts(successes, trials, prompt_weights)
    if not np.any(n >= 2):
        raise ValueError("trials: the moment fit needs some prompt with at least 2 samples")
    m = np.sum(w * j) / np.sum(w * n)
    second = np.sum(w * j * (j - 1)) / np.sum(w * n * (n - 1))
    v = second - m * m
    s = m * (1.0 - m) / v - 1.0 if v > 0 else np.inf
    s = float(np.clip(s, 1e-6, 1e8))
    return float(m * s), float((1.0 - m) * s)


def fit_beta_ml(successes, trials, *, prompt_weights=None) -> tuple[float, float]:
    """§8: the maximum-likelihood Beta(a, b) from j correct of n samples per prompt.

    Damped Newton on (log a, log b) from the moment fit, with the exact gradient and Hessian of
    `beta_binomial_loglik` (its sums of logs collapse to tallies over i < max n, so each step
    costs O(max n)). log a, log b are kept in [-20, 20]: counts with no overdispersion have
    their maximum at a + b = inf and stop at that edge.
    """
    j, n, w = _check_counts(successes, trials, prompt_weights)
    ta, tb, tn, i = _tallies(j, n, w)
    scale = np.sum(w)

    def negll(theta):
        a, b = np.exp(theta)
        return -np.sum(ta * np.log(a + i) + tb * np.log(b + i) - tn * np.log(a + b + i)) / scale

    def grad_hess(theta):
        a, b = np.exp(theta)
        ga = np.sum(ta / (a + i) - tn / (a + b + i))
        gb = np.sum(tb / (b + i) - tn / (a + b + i))
        hab = np.sum(tn / (a + b + i) ** 2)
        haa = -np.sum(ta / (a + i) ** 2) + hab
        hbb = -np.sum(tb / (b + i) ** 2) + hab
        g = np.asarray([a * ga, b * gb])
        h = np.asarray([[a * a * haa + a * ga, a * b * hab], [a * b * hab, b * b * hbb + b * gb]])
        return -g / scale, -h / scale  # of the negative log-likelihood per unit weight

    a0, b0 = fit_beta_moments(j, n, prompt_weights=w)
    theta = np.clip(np.log([a0, b0]), -20.0, 20.0)
    lam, current = 0.0, negll(theta)
    for _ in range(500):
        g, h = grad_hess(theta)
        if np.max(np.abs(g)) < 1e-12:
            break
        # Newton where the Hessian is positive definite, else shifted towards gradient descent.
        shift = max(lam, 1e-12 - np.min(np.linalg.eigvalsh(h)), 0.0)
        step = np.linalg.solve(h + shift * np.eye(2), -g)
        proposal = np.clip(theta + step, -20.0, 20.0)
        new = negll(proposal)
        if new <= current:
            theta, current, lam = proposal, new, lam / 4.0
            if np.max(np.abs(step)) < 1e-12:
                break
        else:
            lam = max(4.0 * lam, 1e-3 * (1.0 + np.max(np.abs(np.diag(h)))))
    a, b = np.exp(theta)
    return float(a), float(b)
