"""A plain NumPy reference of the token task's expected-mode dynamics (claim C8's closed form),
written independently of the JAX round: the factored learner, the replace mixture with one
label per rejected sample, a gamma-noisy whole-answer filter and the stochastic labeler."""

from __future__ import annotations

import numpy as np


def token_accuracy_of_labels(beta, rho):
    """q = beta + (1 - beta) rho: the share of right tokens in the labels at a position."""
    return np.asarray(beta) + (1.0 - np.asarray(beta)) * np.asarray(rho)


def replace_update(a, q, gamma):
    """One expected round of the factored learner, replace mixture, gamma-noisy filter:

        a_l' = A + gamma (a_l - A) + (1 - A)(1 - gamma) q_l,   A = prod_l a_l.

    Args:
      a: [..., L] per-position accuracies; q: [..., L] the labels' per-position right share.
    """
    a = np.asarray(a, dtype=np.float64)
    big_a = np.prod(a, axis=-1, keepdims=True)
    return big_a + gamma * (a - big_a) + (1.0 - big_a) * (1.0 - gamma) * np.asarray(q)


def filter_only_update(a, gamma):
    """One expected round without labels: a_l' = (A + gamma (a_l - A)) / (A + gamma (1 - A));
    a prompt with nothing accepted (A = 0 and gamma = 0) keeps a."""
    a = np.asarray(a, dtype=np.float64)
    big_a = np.prod(a, axis=-1, keepdims=True)
    den = big_a + gamma * (1.0 - big_a)
    return np.where(den > 0, (big_a + gamma * (a - big_a)) / np.maximum(den, 1e-300), a)


def rollout(a0, q, gamma, rounds: int, *, labels: bool = True) -> np.ndarray:
    """Per-position accuracies over rounds [T + 1, ..., L] from a0 [..., L]."""
    out = [np.asarray(a0, dtype=np.float64)]
    for _ in range(rounds):
        a = out[-1]
        out.append(replace_update(a, q, gamma) if labels else filter_only_update(a, gamma))
    return np.stack(out)


def converges_to_one(q) -> np.ndarray:
    """Near a = 1 the error contracts iff sum_l (1 - q_l) < 1 (any gamma < 1). [...]"""
    return np.sum(1.0 - np.asarray(q), axis=-1) < 1.0


def break_even_beta(a_hard, rho):
    """Labels raise a hard prompt's per-token accuracy a_H only when q > a_H:
    beta* = (a_H - rho) / (1 - rho), clipped to [0, 1]."""
    rho = np.asarray(rho, dtype=np.float64)
    return np.clip((np.asarray(a_hard) - rho) / (1.0 - rho), 0.0, 1.0)
