"""Quality that depends on difficulty (framework §8): C3/C4 per prompt, mixtures of rates.

Pure `jax.numpy` functions of one task: per-prompt arrays over the last axis (shape [P]), float64
when `jax_enable_x64` is set. a0(x) is the base model's accuracy on prompt x; the labeler's
correct mass b(x) and the filter's false-positive rate d(x) interpolate linearly in a0(x)
between a "hard" value (a0 = 0) and the nominal beta, gamma (a0 = 1). Every prompt then follows
C3 (C4 when c < 1) with its own rate rho(x), so the mean error is a mixture of geometric rates
and the (eps, delta) time is the eps-quantile of the per-prompt times: set by the worst prompts.
"""

from __future__ import annotations

import jax.numpy as jnp

from theory import closed_forms as cf


def _f(*xs):
    """Arguments as arrays of the default float type, broadcast to one shape (as closed_forms)."""
    out = jnp.broadcast_arrays(*(jnp.asarray(x, dtype=jnp.result_type(float)) for x in xs))
    return tuple(out) if len(out) > 1 else out[0]


def labeler_mass(a0, beta, beta_hard):
    """C3 (§8): the labeler's correct mass b(x) = beta_hard + (beta - beta_hard) a0(x).

    beta_hard = 0 gives no signal on the prompts the base model never solves (rho = 1 there
    with a gamma-noisy filter: C2's ceiling returns).
    """
    a0, beta, beta_hard = _f(a0, beta, beta_hard)
    return beta_hard + (beta - beta_hard) * a0


def filter_fpr(a0, gamma, gamma_hard):
    """C3 (§8): the filter's false-positive rate d(x) = gamma_hard + (gamma - gamma_hard) a0(x)."""
    a0, gamma, gamma_hard = _f(a0, gamma, gamma_hard)
    return gamma_hard + (gamma - gamma_hard) * a0


def quality(a0, beta, beta_hard, gamma, gamma_hard):
    """C3 (§8): the per-prompt pair (b(x), d(x)) of `labeler_mass` and `filter_fpr`. [P], [P]"""
    return labeler_mass(a0, beta, beta_hard), filter_fpr(a0, gamma, gamma_hard)


def rate(b, d, *, c=1.0):
    """C3: the per-prompt contraction factor rho(x) = c (1 - b(x)) + d(x) b(x)."""
    return cf.c3_rate(c, d, b)


def error_floor(b, d, *, c=1.0):
    """C4: the per-prompt limiting error e*(x) = (1-c)(1-b) / [(1-c)(1-b) + b(1-d)].

    The denominator equals 1 - rho, so it vanishes only where rho = 1 (b = 0, or d = 1 with
    c = 1): nothing moves there and e* is undefined; it is reported as nan.
    """
    c, d, b = _f(c, d, b)
    moving = cf.c3_rate(c, d, b) < 1.0
    return jnp.where(moving, cf.c4_error_floor(c, d, jnp.where(moving, b, 1.0)), jnp.nan)


def error(a0, b, d, t, *, c=1.0):
    """C3 per prompt: e_t(x) = e_0(x) (1 - (1 - d(x)) b(x))^t for c = 1; with c < 1 (C4)
    e_t(x) = e* + (e_0 - e*) rho^t, i.e. 1 - a_t of a_t = a* + (a_0 - a*) rho^t.

    Args:
      a0: base accuracy a0(x). [P]
      b, d: per-prompt labeler mass and filter false-positive rate (`quality`). [P] or scalars
      t: rounds; broadcast against a0 (pass t[:, None] for a [T, P] table).
      c: the filter's acceptance of a correct response (scalar or [P]).
    Returns:
      e_t(x), the shape of the broadcast arguments.
    """
    a0, b, d, t, c = _f(a0, b, d, t, c)
    rho = cf.c3_rate(c, d, b)
    # Where rho = 1 the error stays at e_0; elsewhere e* is finite (it is 0 exactly when c = 1).
    e_star = jnp.where(rho < 1.0, error_floor(b, d, c=c), 0.0)
    general = e_star + (1.0 - a0 - e_star) * rho**t
    return jnp.where(c == 1.0, cf.c3_error(1.0 - a0, d, b, t), general)


def _weights(prompt_weights, like):
    """Prompt weights normalised to sum to 1 (uniform by default). [P]"""
    if prompt_weights is None:
        return jnp.full(like.shape[-1:], 1.0 / like.shape[-1], like.dtype)
    w = _f(prompt_weights)
    return w / jnp.sum(w)


def mean_error(a0, b, d, t, *, c=1.0, prompt_weights=None):
    """C3 (§8): the mean error as a mixture of geometric rates,

    E_t = sum_x w(x) [e*(x) + (e_0(x) - e*(x)) rho(x)^t]   (= sum_x w(x) e_0(x) rho(x)^t, c = 1).

    Args:
      a0, b, d: per-prompt base accuracy, labeler mass, filter false-positive rate. [P]
      t: a round or an array of rounds. [] or [T]
      c: filter acceptance of a correct response.
      prompt_weights: the prompt distribution D (normalised here); uniform if None. [P]
    Returns:
      E_t. [] or [T]
    """
    a0, b, d = _f(a0, b, d)
    t = _f(t)
    w = _weights(prompt_weights, a0)
    e = error(a0[None, :], b[None, :], d[None, :], t.reshape(-1, 1), c=c)  # [T, P]
    return (e @ w).reshape(t.shape)


def rounds_to_delta(a0, b, d, delta, *, c=1.0):
    """C3, C7 per prompt: the first round t_x from which a_t(x) >= 1 - delta holds for good.

    c = 1: t_x = ceil(log(delta / e_0) / log rho) when e_0 > delta, 0 when e_0 <= delta, inf
    when rho = 1 and e_0 > delta (a prompt no one helps, e.g. b(x) = 0: C2's never-solved).
    c < 1 (C4): errors move monotonically to e*, so t_x = inf when e* > delta (even a prompt
    that starts within delta is eventually lost), else ceil(log((delta - e*)/(e_0 - e*)) / log rho).

    The ceiling is corrected by one step either way against the closed form `error`, so t_x is
    exactly the first integer with e_t <= delta as float arithmetic evaluates it. [P]
    """
    a0, b, d, delta, c = _f(a0, b, d, delta, c)
    e0 = 1.0 - a0
    rho = cf.c3_rate(c, d, b)
    moving = rho < 1.0
    e_star = jnp.where(moving, error_floor(b, d, c=c), 0.0)
    at_start = e0 <= delta
    reachable = moving & (e_star <= delta)
    # Only prompts that are reachable and not yet within delta need a log; others get safe
    # placeholders so no nan is ever formed.
    need_steps = reachable & ~at_start
    ratio = jnp.where(need_steps, (delta - e_star) / (e0 - e_star), 0.5)
    log_rho = jnp.where(need_steps & (rho > 0.0), jnp.log(jnp.where(rho > 0.0, rho, 0.5)), -1.0)
    guess = jnp.where(rho > 0.0, jnp.ceil(jnp.log(ratio) / log_rho), 1.0)
    guess = jnp.maximum(guess, 1.0)  # e_0 > delta: at least one round (rho = 0 takes exactly one)

    def ok(s):
        return error(a0, b, d, s, c=c) <= delta

    guess = jnp.where((guess > 1.0) & ok(guess - 1.0), guess - 1.0, guess)
    guess = jnp.where(ok(guess), guess, guess + 1.0)
    steps = jnp.where(need_steps, guess, 0.0)
    good_forever = reachable | (at_start & ~moving)
    return jnp.where(good_forever, steps, jnp.inf)


def rounds_to_eps_delta(a0, b, d, eps, delta, *, c=1.0, prompt_weights=None):
    """C3, C7 (§8): the first round T with Pr_D[a_t(x) < 1 - delta] <= eps for all t >= T.

    The eps-quantile of the per-prompt times t_x of `rounds_to_delta` over the prompt mass:
    T = min{t : D{x : t_x > t} <= eps}, so it is governed by the worst prompts, those above the
    (1 - eps) quantile of t_x; inf when more than eps of the mass never gets there. Mass
    comparisons allow 64 ulps of slack, so that eps = 0.1 over ten equal prompts means one. []
    """
    t_x = rounds_to_delta(a0, b, d, delta, c=c)
    w = _weights(prompt_weights, t_x)
    eps = _f(eps)
    order = jnp.argsort(t_x)
    t_sorted, w_sorted = t_x[order], w[order]
    beyond = jnp.cumsum(w_sorted[::-1])[::-1] - w_sorted  # D{t_x > t_sorted[i]} at tie ends
    candidates = jnp.concatenate([jnp.zeros(1, t_x.dtype), t_sorted])
    beyond = jnp.concatenate([jnp.sum(jnp.where(t_x > 0.0, w, 0.0))[None], beyond])
    slack = 64.0 * jnp.finfo(t_x.dtype).eps
    return jnp.min(jnp.where(beyond <= eps + slack, candidates, jnp.inf))


def rounds_to_mean_error(a0, b, d, eps, *, c=1.0, prompt_weights=None, t_max: int = 1000):
    """C3 (§8): the first round t <= t_max with mean error E_t <= eps (`mean_error`), else inf.

    Exact: the mixture is evaluated at every t = 0..t_max at once ([t_max + 1, P] floats). With
    c = 1 every e_t(x) falls, so E_t does and the answer holds from then on; with c < 1 prompts
    that start below their floor e* rise, and E_t may dip and come back above eps. []
    """
    ts = jnp.arange(t_max + 1, dtype=jnp.result_type(float))
    curve = mean_error(a0, b, d, ts, c=c, prompt_weights=prompt_weights)
    return jnp.min(jnp.where(curve <= _f(eps), ts, jnp.inf))
