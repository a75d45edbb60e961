"""Which claim predicts a simulation's curve, and the prediction (float64, from a_0 per prompt)."""

from __future__ import annotations

import numpy as np

from experiments.configs.sim import SimConfig
from sim.types import Task


def predicted_error(cfg: SimConfig, task: Task) -> tuple[str, np.ndarray] | None:
    """The expected-mode mean error per round that a claim gives for this config, if any.

    Returns (claim id, [T + 1] mean error) or None when no claim covers the configuration.
    Per-prompt closed forms are averaged under D, so this is exact, not a bound.
    """
    r = cfg.resolved()
    c, d = r.filter_rates()
    b = r.beta
    correct = np.asarray(task.correct)
    p0 = np.asarray(task.base_probs, dtype=np.float64)
    w = np.asarray(task.prompt_weights, dtype=np.float64)
    a0 = np.where(correct, p0, 0.0).sum(1)
    e0 = np.where(correct, 0.0, p0).sum(1)
    t = np.arange(r.rounds + 1)[:, None]
    plain = r.learner == "strong" and not r.restart and r.labeler == "stochastic"
    if not plain:
        return None
    no_labels = r.allocation == "none"
    if no_labels and (c, d) == (1.0, 1.0) and r.mixture in ("replace", "global"):
        return "C1", np.full(r.rounds + 1, float(w @ e0))
    if no_labels and r.mixture in ("replace", "global") and d > 0:
        # C2: odds multiply by c/d each round; error form for precision.
        num = d**t * e0
        den = c**t * a0 + num
        return "C2", (np.where(den > 0, num / np.where(den > 0, den, 1), e0) * w).sum(1)
    if (
        r.allocation in ("focused", "rejected")
        and r.mixture == "replace"
        and not r.filter_labels
        and r.label_budget >= r.n_prompts * r.samples_per_prompt
    ):
        # C3/C4: a_{t+1} = c a + R b, affine with rate rho and limit a*.
        rho = c * (1 - b) + d * b
        e_star = (1 - c) * (1 - b) / ((1 - c) * (1 - b) + b * (1 - d))
        return ("C3" if c == 1.0 else "C4"), ((e_star + (e0 - e_star) * rho**t) * w).sum(1)
    if (
        r.allocation == "uniform"
        and r.mixture == "global"
        and (c, d) == (1.0, 1.0)
        and not r.filter_labels
    ):
        # C6: every prompt gets the same labels, a_{t+1} = (1 - alpha) a_t + alpha b.
        return "C6", (((1 - b) + (e0 - (1 - b)) * (1 - r.alpha) ** t) * w).sum(1)
    return None
