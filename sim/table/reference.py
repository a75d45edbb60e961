"""A plain NumPy reference of the expected-mode round: an independent check and a baseline.

One configuration at a time, vectorised over prompts, a Python loop over rounds; float64. It
shares no code with the JAX simulator (only the meaning of the options), so agreement between
the two is evidence for both. Sampled mode is not covered: its checks are statistical.
"""

from __future__ import annotations

import numpy as np


def _strong(target, fallback):
    mass = target.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = target / mass
    return np.where(mass > 0, fit, fallback)


def reference_rollout(
    correct: np.ndarray,
    base_probs: np.ndarray,
    prompt_weights: np.ndarray,
    *,
    rounds: int,
    k: int = 8,
    m: int = 8,
    c=1.0,
    d=0.0,
    beta: float = 0.3,
    alpha: float = 1.0 / 3.0,
    theta: float | None = None,
    tau: float = 0.1,
    eta: float = 0.5,
    lr: float = 1.0,
    sgd_steps: int = 10,
    budget: float = np.inf,
    wrong_spread: float = 0.0,
    allocation: str = "hard",
    labeler: str = "stochastic",
    mixture: str = "global",
    learner: str = "strong",
    filter_labels: bool = False,
    restart: bool = False,
) -> dict[str, np.ndarray]:
    """Expected-mode rollout. Returns per-round arrays [T + 1] of accuracy, error, labels.

    `allocation` is one of none, hard (the hard set P-), rejected, uniform, boost_weights, soft;
    the rest as in `sim.strategies.make_strategy`.
    """
    correct = np.asarray(correct, dtype=bool)
    p0 = np.asarray(base_probs, dtype=np.float64)
    w_d = np.asarray(prompt_weights, dtype=np.float64)
    n_prompts, n_resp = p0.shape
    if theta is None:
        theta = -np.log1p(-beta)
    c = np.broadcast_to(np.asarray(c, dtype=np.float64), (n_prompts,))[:, None]
    d = np.broadcast_to(np.asarray(d, dtype=np.float64), (n_prompts,))[:, None]
    accept = np.where(correct, c, d)
    rows = np.arange(n_prompts)

    # The labelers' fixed tables.
    right = correct / correct.sum(axis=1, keepdims=True)
    wrong_mask = ~correct
    spread = wrong_mask / wrong_mask.sum(axis=1, keepdims=True)
    plausible = np.argmax(np.where(correct, -np.inf, p0), axis=1)
    one_wrong = np.zeros_like(p0)
    one_wrong[rows, plausible] = 1.0
    first_right = np.zeros_like(p0)
    first_right[rows, np.argmax(correct, axis=1)] = 1.0

    p = p0.copy()
    boost = np.ones(n_prompts)
    data = np.zeros_like(p0)
    spent = 0.0
    acc_hist, err_hist, spent_hist = [], [], []

    def record():
        acc_hist.append(float(np.sum(w_d * np.where(correct, p, 0).sum(1))))
        err_hist.append(float(np.sum(w_d * np.where(correct, 0, p).sum(1))))
        spent_hist.append(spent)

    record()
    for _ in range(rounds):
        drawn = k * p
        kept = drawn * accept
        n_rej = (drawn - kept).sum(axis=1)
        p_hard = (n_rej / k) ** k

        budget_prompts = budget / m
        if allocation == "none":
            n_lab = np.zeros(n_prompts)
        elif allocation == "hard":
            share = min(1.0, budget_prompts / p_hard.sum()) if p_hard.sum() > 0 else 0.0
            n_lab = m * p_hard * share
        elif allocation == "rejected":
            total = n_rej.sum()
            n_lab = n_rej * (min(1.0, budget / total) if total > 0 else 0.0)
        else:
            if allocation == "uniform":
                weight = w_d
            elif allocation == "boost_weights":
                weight = w_d * boost
            elif allocation == "soft":
                z = (n_rej / k) / tau
                weight = w_d * np.exp(z - z.max())
            else:
                raise ValueError(allocation)
            n_lab = m * np.minimum(1.0, weight * budget_prompts / weight.sum())

        if labeler == "stochastic":
            table = beta * right + (1 - beta) * (
                (1 - wrong_spread) * one_wrong + wrong_spread * spread
            )
            given = n_lab[:, None] * table
        elif labeler == "base":
            given = n_lab[:, None] * p0
        elif labeler == "adversarial":
            acc_now = np.where(correct, p, 0).sum(1)
            order = np.argsort(-acc_now, kind="stable")
            mass = w_d * n_lab
            left = beta * mass.sum()
            units = np.zeros(n_prompts)
            for x in order:  # solved prompts first: the labeler helps least
                take = min(left, mass[x])
                units[x] = take / w_d[x]
                left -= take
            units = np.minimum(units, n_lab)
            given = units[:, None] * first_right + (n_lab - units)[:, None] * one_wrong
        else:
            raise ValueError(labeler)
        labels = given * accept if filter_labels else given
        spent += given.sum()

        if mixture == "replace":
            target = kept + labels
        elif mixture == "global":
            s, l_ = kept.sum(), labels.sum()
            if s > 0 and l_ > 0:
                target = (1 - alpha) * kept / s + alpha * labels / l_
            else:
                target = kept + labels
        elif mixture == "accumulate":
            data = data + kept + labels
            target = data
        else:
            raise ValueError(mixture)

        start = p0 if restart else p
        if learner == "strong":
            p_new = _strong(target, start)
        elif learner == "partial":
            p_new = (1 - eta) * start + eta * _strong(target, start)
        elif learner == "sgd":
            mass = target.sum(axis=1, keepdims=True)
            cond = np.where(mass > 0, target / np.where(mass > 0, mass, 1), 0)
            weight = mass / mass.mean()
            z = np.maximum(np.log(np.maximum(start, 1e-300)), -30.0)
            for _ in range(sgd_steps):
                q = np.exp(z - z.max(axis=1, keepdims=True))
                q /= q.sum(axis=1, keepdims=True)
                z = z - lr * weight * (q - cond)
            q = np.exp(z - z.max(axis=1, keepdims=True))
            p_new = q / q.sum(axis=1, keepdims=True)
        else:
            raise ValueError(learner)
        boost = boost * (1 + np.expm1(theta) * p_hard)
        boost /= boost.mean()
        p = p_new
        record()
    return {
        "mean_accuracy": np.array(acc_hist),
        "mean_error": np.array(err_hist),
        "labels_spent": np.array(spent_hist),
        "probs": p,
    }
