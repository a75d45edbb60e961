"""C8: the replace mixture on one prompt: exact update, threshold, rate, fixed points."""

from __future__ import annotations

import numpy as np

from theory.tokens.labels import (
    _BISECTIONS,
    _count,
    _positions,
    _safe_div,
    _unit,
    _whole_error,
)

# ---------------------------------------------------------------------------------------------
# The replace mixture (one prompt): exact update, threshold, rate, fixed point


def replace_update(a, q, gamma, *, kept=1.0):
    """C8: one round of the replace mixture with the factored learner, exactly.

    Accepted right samples carry mass A, accepted wrong ones gamma (1 - A) (per-token accuracy
    (a_l - A) / (1 - A)), and each rejected sample is replaced by one label, of which a share
    `kept` survives with per-token accuracy q_l. With kept = 1:

        a_l' = A + gamma (a_l - A) + (1 - A)(1 - gamma) q_l,
        eps_l' = gamma eps_l + (1 - gamma)(1 - q_l) E          (eps = 1 - a, E = 1 - A);

    in general

        eps_l' = [gamma eps_l + (1 - gamma) kept (1 - q_l) E] / [1 - (1 - gamma)(1 - kept) E].

    A prompt with no training data (gamma = 0, kept = 0, A = 0) keeps a.

    Args:
      a: per-token accuracies. [..., L]
      q: per-token accuracy of the (kept) labels. [..., L] or broadcastable
      gamma: the verifier's false-positive rate. [] or [...]
      kept: share of labels kept (1 unchecked; `checked_labels` otherwise). [] or [...]
    Returns:
      a'. [..., L]
    """
    a, gamma, kept = _positions("a", a), _unit("gamma", gamma), _unit("kept", kept)
    g, kp = np.expand_dims(gamma, -1), np.expand_dims(kept, -1)
    q = np.asarray(q, dtype=np.float64)
    wrong_tokens = np.where(kp > 0, kp * (1.0 - np.where(kp > 0, q, 0.0)), 0.0)
    _unit("q", np.where(kp > 0, q, 0.0))
    e = _whole_error(a)[..., None]
    den = 1.0 - (1.0 - g) * (1.0 - kp) * e
    eps = g * (1.0 - a) + (1.0 - g) * wrong_tokens * e
    return np.where(den > 0, 1.0 - _safe_div(eps, den), a)


def wrong_tokens_per_label(q, *, kept=1.0):
    """C8: n_w = kept * sum_l (1 - q_l), the expected number of wrong tokens one label slot puts
    into the training data (unchecked: (1 - beta) sum_l (1 - rho_l)). [...]"""
    q, kept = _positions("q", q), _unit("kept", kept)
    return kept * np.sum(1.0 - q, axis=-1)


def converges_to_one(q, *, kept=1.0):
    """C8: True where a = 1 attracts every start at a geometric rate under `replace_update`:

        n_w = kept * sum_l (1 - q_l) < 1   (and gamma < 1; gamma = 1 freezes every a).

    Unchecked labels: (1 - beta) sum_l (1 - rho_l) < 1, for uniform positions q > 1 - 1/L. At
    n_w = 1 exactly (and kept = 1) a -> 1 still, but only like 1/t; for n_w > 1 every start
    other than a = 1 goes to the interior point of `fixed_point`. [...] bool
    """
    return wrong_tokens_per_label(q, kept=kept) < 1.0


def threshold_q(L):
    """C8: the per-token label accuracy above which a = 1 is reached, uniform positions,
    unchecked labels: q > 1 - 1/L (L = 1: q > 0, C3's "any beta > 0")."""
    L = np.asarray(L)
    if np.any(L < 1) or np.any(L != np.floor(L)):
        raise ValueError(f"L must be an integer >= 1; got {L!r}")
    return 1.0 - 1.0 / L.astype(np.float64)


def contraction_rate(q, gamma, *, kept=1.0):
    """C8: the Perron root of the update linearised at a = 1,

        eps' = M eps,  M = gamma I + (1 - gamma) kept (1 - q) 1^T,
        lambda = gamma + (1 - gamma) kept sum_l (1 - q_l);

    M's other L - 1 eigenvalues are gamma. With kept = 1 the exact map satisfies
    eps' <= M eps componentwise (1 - A <= sum_l eps_l), so eps_t <= M^t eps_0 from every start.
    L = 1, q = beta gives C3's rate 1 - (1 - gamma) beta. [...]"""
    gamma = _unit("gamma", gamma)
    return gamma + (1.0 - gamma) * wrong_tokens_per_label(q, kept=kept)


def interior_error(q, *, kept=1.0):
    """C8: the whole-answer error E* of the interior fixed point of `replace_update` (gamma < 1).

    Fixed points satisfy eps_l = kept (1 - q_l) E / (1 - (1 - kept) E), hence the scalar equation

        E = 1 - prod_l (1 - kept (1 - q_l) E / (1 - (1 - kept) E)),

    solved by bisection on (0, 1]. With kept = 1 the right side is concave in E, so E* > 0 exists
    and is unique exactly when n_w > 1; where n_w <= 1 this returns 0 (the point a = 1). [...]
    """
    q, kept = _positions("q", q), _unit("kept", kept)
    u = np.expand_dims(kept, -1) * (1.0 - q)  # [..., L]
    w = 1.0 - kept
    n_w = np.sum(u, axis=-1)
    shape = n_w.shape

    def excess(e):  # right side minus E; > 0 below E*, < 0 above it
        t = e / (1.0 - w * e)
        with np.errstate(divide="ignore"):
            log_keep = np.sum(np.log1p(-np.minimum(u * t[..., None], 1.0)), axis=-1)
        return -np.expm1(log_keep) - e

    lo, hi = np.zeros(shape), np.ones(shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        up = excess(mid) > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return np.where(n_w > 1.0, 0.5 * (lo + hi), 0.0)


def fixed_point_positions(q, *, kept=1.0):
    """C8: per-token accuracies a*_l = 1 - kept (1 - q_l) E* / (1 - (1 - kept) E*) of the
    attracting point of `replace_update` (ones where `converges_to_one`). Independent of gamma
    (gamma < 1): the filter sets the speed, not the limit. [..., L]"""
    q, kept = _positions("q", q), _unit("kept", kept)
    e = interior_error(q, kept=kept)[..., None]
    kp = np.expand_dims(kept, -1)
    return 1.0 - kp * (1.0 - q) * e / (1.0 - (1.0 - kp) * e)


def fixed_point(q, gamma, L, *, kept=1.0, a0=0.0):
    """C8: the per-token accuracy reached from a_0 with every position alike (uniform positions).

    kept = 1: the interior point solves 1 + a + ... + a^(L-1) = 1 / (1 - q) (from
    a - a^L = q (1 - a^L)), which has a root in (0, 1) exactly when q < 1 - 1/L; every start
    a_0 < 1 goes there monotonically, and a_0 = 1 stays. For q >= 1 - 1/L the limit is 1.
    Degenerate cases: gamma = 1, or L = 1 with kept (1 - q) = 1, leave a_0 unchanged.
    The whole answer is fixed_point ** L.

    Args:
      q: per-token accuracy of (kept) labels. []
      gamma: false-positive rate (only gamma = 1 matters: nothing moves). []
      L: answer length. []
      kept: share of labels kept (checked labels). []
      a0: the starting per-token accuracy. []
    Returns:
      a*, broadcast over the arguments.
    """
    q, gamma, kept, a0 = (
        _unit(n, v) for n, v in (("q", q), ("gamma", gamma), ("kept", kept), ("a0", a0))
    )
    L = np.asarray(L)
    threshold_q(L)  # validates L
    q, gamma, kept, a0, L = np.broadcast_arrays(q, gamma, kept, a0, L)
    n_w = kept * L * (1.0 - q)
    # Uniform positions: the scalar equation with L equal factors.
    u = kept * (1.0 - q)
    w = 1.0 - kept
    lo, hi = np.zeros(q.shape), np.ones(q.shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        t = mid / (1.0 - w * mid)
        with np.errstate(divide="ignore"):
            up = -np.expm1(L * np.log1p(-np.minimum(u * t, 1.0))) - mid > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    e = 0.5 * (lo + hi)
    interior = 1.0 - u * e / (1.0 - w * e)
    frozen = (gamma == 1.0) | ((L == 1) & (n_w == 1.0))
    out = np.where(n_w > 1.0, interior, 1.0)
    out = np.where(a0 == 1.0, 1.0, out)
    return np.where(frozen, a0, out)


def iterate(update, a0, rounds: int, **kwargs):
    """Applies `update(a, **kwargs)` `rounds` times. Returns the trajectory [rounds + 1, ...]."""
    rounds = int(_count("rounds", rounds, lo=0))
    traj = [np.asarray(a0, dtype=np.float64)]
    for _ in range(rounds):
        traj.append(update(traj[-1], **kwargs))
    return np.stack(traj)
