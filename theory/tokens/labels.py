"""C8: input checks, labels' per-token accuracy (plain and checked), break-even beta."""

from __future__ import annotations

import numpy as np

_BISECTIONS = 200  # halvings of [0, 1]: the bracket ends below float64 spacing everywhere


# ---------------------------------------------------------------------------------------------
# Input checks


def _unit(name: str, x, *, lo_open: bool = False) -> np.ndarray:
    """x as float64, checked to lie in [0, 1] (or (0, 1] with lo_open)."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x) | (x > 1.0) | ((x <= 0.0) if lo_open else (x < 0.0))
    if np.any(bad):
        interval = "(0, 1]" if lo_open else "[0, 1]"
        raise ValueError(f"{name} must lie in {interval}; got {x[bad].ravel()[0]!r}")
    return x


def _count(name: str, x, *, lo: float) -> float:
    """A scalar count (k, labels per prompt, a budget) at least `lo`; inf allowed for budgets."""
    v = float(x)
    if not (v >= lo) or (np.isinf(v) and name != "label_budget"):
        raise ValueError(f"{name} must be a number >= {lo:g}; got {x!r}")
    if name in ("k", "labels_per_prompt", "rounds") and v != int(v):
        raise ValueError(f"{name} must be an integer >= {lo:g}; got {x!r}")
    return v


def _positions(name: str, a) -> np.ndarray:
    a = _unit(name, a)
    if a.ndim < 1 or a.shape[-1] < 1:
        raise ValueError(f"{name} must have a last axis of positions (length L >= 1)")
    return a


def _whole_error(a: np.ndarray) -> np.ndarray:
    """E = 1 - prod_l a_l over the last axis, accurate when A is close to 1."""
    with np.errstate(divide="ignore"):
        return -np.expm1(np.sum(np.log(a), axis=-1))


def _safe_div(num, den):
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


# ---------------------------------------------------------------------------------------------
# Labels


def _per_token(answer_level: np.ndarray, token_level: np.ndarray) -> np.ndarray:
    """An answer-level array [...] lined up with a token-level one [..., L] (a 0-d token-level
    array means every position alike, and nothing is added)."""
    return answer_level if token_level.ndim == 0 else np.expand_dims(answer_level, -1)


def label_token_accuracy(beta, rho):
    """C8: per-token correctness of a beta-weak label, q_l = beta + (1 - beta) rho_l.

    Args:
      beta: whole-answer correctness of a label. [] or [...]
      rho: share of a wrong label's tokens that are right. [..., L], or [] for all positions
    Returns:
      q, the shape of rho (with beta's leading axes).
    """
    beta, rho = _unit("beta", beta), _unit("rho", rho)
    b = _per_token(beta, rho)
    return b + (1.0 - b) * rho


def checked_labels(beta, rho, gamma):
    """C8: labels passed through the gamma-noisy verifier (the paper's Boosting (A)).

    A right label always passes, a wrong one with probability gamma, so the kept share is
    kappa = beta + gamma (1 - beta) and the kept labels' per-token accuracy is

        q_l = (beta + gamma (1 - beta) rho_l) / kappa.

    gamma = 0 (or a labeler that abstains when it would be wrong) gives q = 1. Where nothing is
    kept (beta = gamma = 0) q is NaN; the update functions give those labels no weight.

    Args:
      beta, gamma: answer-level. [] or [...]
      rho: token-level. [..., L] or []
    Returns:
      (kappa [...], q [..., L]).
    """
    beta, rho, gamma = _unit("beta", beta), _unit("rho", rho), _unit("gamma", gamma)
    kept = beta + gamma * (1.0 - beta)
    b, g, k = (_per_token(x, rho) for x in (beta, gamma, kept))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(k > 0, (b + g * (1.0 - b) * rho) / np.where(k > 0, k, 1.0), np.nan)
    return kept, q


def whole_answer(a):
    """C8: whole-answer accuracy A = prod_l a_l of a factored model (product over the last axis)."""
    return np.prod(_positions("a", a), axis=-1)


def accepted_token_accuracy(a, gamma):
    """C8: per-token accuracy s_l of the samples a gamma-noisy verifier accepts,

        s_l = (A + gamma (a_l - A)) / (A + gamma (1 - A)),   1 - s_l = gamma eps_l / (A + gamma E).

    NaN where nothing is accepted (A = 0 and gamma = 0). [..., L]
    """
    a, gamma = _positions("a", a), _unit("gamma", gamma)
    e = _whole_error(a)[..., None]
    g = np.expand_dims(gamma, -1)
    acc = (1.0 - e) + g * e
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acc > 0, 1.0 - g * (1.0 - a) / np.where(acc > 0, acc, 1.0), np.nan)


# ---------------------------------------------------------------------------------------------
# Break-even label quality on a hard prompt


def break_even_beta(s, rho):
    """C8: the beta above which labels raise a position's accuracy where the fit would otherwise
    reach s (s_l of the accepted samples; a_l itself on a prompt with no accepted sample):
    q_l > s_l  <=>  beta > beta* = (s_l - rho_l) / (1 - rho_l), 0 where s_l <= rho_l.

    Uniform positions: q > s also means q^L > s^L, so the whole answer breaks even at the same
    beta (`break_even_beta_whole` for unequal positions). [broadcast of s, rho]
    """
    s, rho = _unit("s", s), _unit("rho", rho)
    return np.clip(_safe_div(s - rho, 1.0 - rho), 0.0, 1.0)


def break_even_beta_checked(s, rho, gamma):
    """C8: the same for labels checked by the gamma-noisy verifier (`checked_labels`):
    q_checked > s  <=>  beta > gamma (s - rho) / ((1 - s) + gamma (s - rho)); 0 where s <= rho
    or gamma = 0 (checked labels are then always right), 1 where s = 1 < 1 + gamma (1 - rho).
    Never above `break_even_beta`. [broadcast of s, rho, gamma]"""
    s, rho, gamma = _unit("s", s), _unit("rho", rho), _unit("gamma", gamma)
    num = gamma * (s - rho)
    return np.clip(_safe_div(num, (1.0 - s) + num), 0.0, 1.0) * (num > 0)


def break_even_beta_whole(s, rho):
    """C8: the smallest beta at which labels alone give a whole answer at least as likely as
    the fit without them: prod_l (beta + (1 - beta) rho_l) = prod_l s_l, by bisection (the left
    side increases with beta). 0 where prod rho >= prod s. [...] from s, rho [..., L]"""
    s, rho = _positions("s", s), _positions("rho", rho)
    s, rho = np.broadcast_arrays(s, rho)
    target = np.prod(s, axis=-1)
    lo, hi = np.zeros(target.shape), np.ones(target.shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        low = np.prod(mid[..., None] + (1.0 - mid[..., None]) * rho, axis=-1) < target
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.where(np.prod(rho, axis=-1) >= target, 0.0, 0.5 * (lo + hi))
