"""Closed forms, recursions and bounds of claims C1-C7 (docs/framework.md §5).

Pure `jax.numpy` functions of scalars or arrays (broadcasting), float64 when `jax_enable_x64` is
set. Notation: a accuracy, e = 1 - a error, c / d the filter's acceptance of a correct / wrong
response, b the labeler's correct mass (b >= beta), k samples per prompt, t rounds.
"""

from __future__ import annotations

import math

import jax.numpy as jnp


def _f(*xs):
    """Arguments as arrays of the default float type (float64 under jax_enable_x64), broadcast
    to one shape: round counts, Python floats and arrays of different ranks mix freely, even
    under strict dtype and rank promotion."""
    out = jnp.broadcast_arrays(*(jnp.asarray(x, dtype=jnp.result_type(float)) for x in xs))
    return tuple(out) if len(out) > 1 else out[0]


# ---------------------------------------------------------------------------------------------
# C1  No curation is neutral, then collapses (Wright-Fisher): a_{t+1} ~ Binomial(k, a_t) / k.


def c1_mean_accuracy(a0, t):
    """C1: E[a_t] = a_0 for every t (the Wright-Fisher chain is a martingale)."""
    return _f(a0, t)[0]


def c1_heterozygosity(a0, k, t):
    """C1: E[a_t (1 - a_t)] = a_0 (1 - a_0) (1 - 1/k)^t."""
    a0, k, t = _f(a0, k, t)
    return a0 * (1.0 - a0) * (1.0 - 1.0 / k) ** t


def c1_fixation_probability(a0):
    """C1: every prompt is absorbed at 0 or 1, at 1 with probability a_0."""
    return _f(a0)


def c1_transition_matrix(k: int):
    """C1: the exact Wright-Fisher transition matrix on a in {0, 1/k, ..., 1}. [k+1, k+1]

    M[i, j] = C(k, j) (i/k)^j (1 - i/k)^(k - j). Its powers give the exact law of a_t, for
    testing sampled mode beyond its first two moments.
    """
    i = (jnp.arange(k + 1) / k)[:, None]
    j = jnp.arange(k + 1, dtype=i.dtype)[None, :]
    comb = jnp.asarray([[math.comb(k, n) for n in range(k + 1)]], dtype=i.dtype)
    return comb * i**j * (1.0 - i) ** (k - j)  # 0 ** 0 = 1 keeps the absorbing states


# ---------------------------------------------------------------------------------------------
# C2 / C7  Filtering multiplies the odds: odds_{t+1} = (c / d) odds_t (expected mode).


def odds(a):
    """a / (1 - a)."""
    a = _f(a)
    return a / (1.0 - a)


def c2_filter_only_accuracy(a0, c, d, t):
    """C2: filter-only accuracy after t rounds, odds_t = (c/d)^t odds_0, i.e.

    a_t = c^t a_0 / (c^t a_0 + d^t (1 - a_0)).

    d = 0 (perfect filter) solves every prompt with a_0 > 0 in one round; a_0 = 0 stays 0.
    """
    a0, c, d, t = _f(a0, c, d, t)
    num = c**t * a0
    den = num + d**t * (1.0 - a0)
    return jnp.where(den > 0, num / jnp.where(den > 0, den, 1.0), a0)


def c2_accuracy_ceiling(a0, prompt_weights=None):
    """C2: lim A <= D{x : a_0(x) > 0} — filter-only never solves a prompt it starts at 0."""
    a0 = _f(a0)
    w = (
        jnp.full(a0.shape, 1.0 / a0.size, a0.dtype)
        if prompt_weights is None
        else _f(prompt_weights)
    )
    return jnp.sum(w * (a0 > 0).astype(a0.dtype))


# ---------------------------------------------------------------------------------------------
# C3 / C4  Boosting with the replace mixture: a_{t+1} = c a_t + R_t b, R_t = 1 - c a_t - d (1-a_t).


def c3_rate(c, d, b):
    """C3: contraction factor rho = c (1 - b) + d b of the affine map a -> c a + R b."""
    c, d, b = _f(c, d, b)
    return c * (1.0 - b) + d * b


def c3_fixed_point(c, d, b):
    """C3, C4: a* = b (1 - d) / [(1 - c)(1 - b) + b (1 - d)] (a* = 1 when c = 1, < 1 when c < 1)."""
    c, d, b = _f(c, d, b)
    return b * (1.0 - d) / ((1.0 - c) * (1.0 - b) + b * (1.0 - d))


def c3_step(a, c, d, b):
    """C3: one round, a_{t+1} = c a + (1 - c a - d (1 - a)) b."""
    a, c, d, b = _f(a, c, d, b)
    return c * a + (1.0 - c * a - d * (1.0 - a)) * b


def c3_accuracy(a0, c, d, b, t):
    """C3: a_t = a* + (a_0 - a*) rho^t."""
    a0, c, d, b, t = _f(a0, c, d, b, t)
    a_star = c3_fixed_point(c, d, b)
    return a_star + (a0 - a_star) * c3_rate(c, d, b) ** t


def c3_error(e0, d, b, t):
    """C3 with a gamma-noisy filter (c = 1): e_t = e_0 (1 - (1 - d) b)^t, exactly.

    Computed from the error, so it stays accurate in float32 when e_t is tiny.
    """
    e0, d, b, t = _f(e0, d, b, t)
    return e0 * (1.0 - (1.0 - d) * b) ** t


def c3_error_bound(e0, gamma, beta, t):
    """C3: e_t <= e_0 exp(-(1 - gamma) beta t) for d <= gamma and b >= beta."""
    e0, gamma, beta, t = _f(e0, gamma, beta, t)
    return e0 * jnp.exp(-(1.0 - gamma) * beta * t)


def c3_rounds_to_epsilon(e0, eps, gamma, beta):
    """C3: T >= ln(e_0 / eps) / ((1 - gamma) beta) rounds give e_T <= eps on every prompt."""
    e0, eps, gamma, beta = _f(e0, eps, gamma, beta)
    return jnp.maximum(jnp.log(e0 / eps), 0.0) / ((1.0 - gamma) * beta)


def c3_rounds_to_epsilon_exact(e0, eps, d, b):
    """C3: the exact number of rounds, ceil(ln(e_0/eps) / -ln(1 - (1-d) b)) (c = 1)."""
    e0, eps, d, b = _f(e0, eps, d, b)
    need = jnp.log(e0 / eps) / -jnp.log1p(-(1.0 - d) * b)
    return jnp.maximum(jnp.ceil(need - 1e-9), 0.0)


def c4_error_floor(c, d, b):
    """C4: the limiting error e* = (1-c)(1-b) / [(1-c)(1-b) + b(1-d)] when c < 1."""
    c, d, b = _f(c, d, b)
    return (1.0 - c) * (1.0 - b) / ((1.0 - c) * (1.0 - b) + b * (1.0 - d))


# ---------------------------------------------------------------------------------------------
# C5  Focus against the adversarial distributional labeler.


def c5_theta(beta):
    """C5: theta = log(1 / (1 - beta)), the boosting weight of the paper's Algorithm 2."""
    return -jnp.log1p(-_f(beta))


def c5_focused_unsolved(u0, beta, t):
    """C5: focused allocation, U_t <= U_0 (1 - beta)^t = U_0 e^{-theta t}."""
    u0, beta, t = _f(u0, beta, t)
    return u0 * (1.0 - beta) ** t


def c5_uniform_unsolved(u0, beta, t):
    """C5: uniform allocation: the labeler spends its beta of correctness on solved prompts
    first, so U_{t+1} = min(U_t, 1 - beta): U_t = min(U_0, 1 - beta) for t >= 1, a stall."""
    u0, beta, t = _f(u0, beta, t)
    return jnp.where(t >= 1, jnp.minimum(u0, 1.0 - beta), u0)


def c5_rounds_to_epsilon(u0, eps, beta):
    """C5: T = ln(U_0 / eps) / theta <= ln(U_0 / eps) / beta rounds bring U_T <= eps."""
    u0, eps, beta = _f(u0, eps, beta)
    return jnp.maximum(jnp.log(u0 / eps), 0.0) / c5_theta(beta)


# ---------------------------------------------------------------------------------------------
# C6  Weak data without a filter stops at the labeler's quality.


def c6_weak_only_accuracy(a0, alpha, b, t):
    """C6: a_{t+1} = (1 - alpha) a_t + alpha b, so a_t = b + (a_0 - b)(1 - alpha)^t -> b."""
    a0, alpha, b, t = _f(a0, alpha, b, t)
    return b + (a0 - b) * (1.0 - alpha) ** t


# ---------------------------------------------------------------------------------------------
# C7  Amplification: each filter round multiplies the odds by c / d >= 1 / gamma.


def c7_rounds_to_delta(a, delta, c, d):
    """C7: rounds until the error is <= delta from accuracy a > 0,
    ceil(log(odds_target / odds(a)) / log(c / d)), odds_target = (1 - delta) / delta."""
    a, delta, c, d = _f(a, delta, c, d)
    target = (1.0 - delta) / delta
    need = jnp.log(target / odds(a)) / jnp.log(c / d)
    return jnp.maximum(jnp.ceil(need - 1e-9), 0.0)


def c7_total_rounds(u0, eps, delta, beta, gamma):
    """C5 + C7: about ln(U_0/eps)/theta + log(1/delta)/log(1/gamma) rounds reach (eps, delta).

    An estimate, not a bound: against the adversarial labeler with gamma > 0 the rounds can be
    more (the labeler spends its correct answers on half-solved prompts first).
    """
    u0, eps, delta, beta, gamma = _f(u0, eps, delta, beta, gamma)
    return c5_rounds_to_epsilon(u0, eps, beta) + jnp.log(1.0 / delta) / jnp.log(1.0 / gamma)
