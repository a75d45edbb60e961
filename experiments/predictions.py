"""Which claim predicts a simulation's curve, and the prediction (float64, from a_0 per prompt)."""

from __future__ import annotations

import numpy as np

from experiments.configs.sim import SimConfig
from sim.types import Task
from theory import difficulty


def predicted_error(cfg: SimConfig, task: Task) -> tuple[str, np.ndarray] | None:
    """The expected-mode mean error per round that a claim gives for this config, if any.

    Returns (claim id, [T + 1] mean error) or None when no claim covers the configuration.
    Per-prompt closed forms are averaged under D, so this is exact, not a bound.
    """
    r = cfg.resolved()
    c, d_nominal = r.filter_rates()
    correct = np.asarray(task.correct)
    p0 = np.asarray(task.base_probs, dtype=np.float64)
    w = np.asarray(task.prompt_weights, dtype=np.float64)
    a0 = np.where(correct, p0, 0.0).sum(1)
    e0 = np.where(correct, 0.0, p0).sum(1)
    # Per-prompt quality (framework §8); the nominal values on every prompt by default.
    beta_hard = r.beta if r.beta_hard is None else r.beta_hard
    gamma_hard = r.gamma_hard if r.filter == "gamma" and r.gamma_hard is not None else d_nominal
    b = np.asarray(difficulty.labeler_mass(a0, r.beta, beta_hard), dtype=np.float64)
    d = np.asarray(difficulty.filter_fpr(a0, d_nominal, gamma_hard), dtype=np.float64)
    t = np.arange(r.rounds + 1)[:, None]
    plain = r.learner == "strong" and not r.restart and r.labeler == "stochastic"
    if not plain:
        return None
    no_labels = r.allocation == "none"
    if no_labels and (c, d_nominal) == (1.0, 1.0) and r.mixture in ("replace", "global"):
        return "C1", np.full(r.rounds + 1, float(w @ e0))
    if no_labels and r.mixture in ("replace", "global") and np.all(d > 0):
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
        # C3/C4 per prompt: a_{t+1} = c a + R b, affine with rate rho(x) and limit a*(x).
        curve = difficulty.mean_error(a0, b, d, t[:, 0], c=c, prompt_weights=w)
        return ("C3" if c == 1.0 else "C4"), np.asarray(curve, dtype=np.float64)
    if (
        r.allocation == "uniform"
        and r.mixture == "global"
        and (c, d_nominal) == (1.0, 1.0)
        and not r.filter_labels
    ):
        # C6: every prompt gets the same labels, a_{t+1} = (1 - alpha) a_t + alpha b.
        return "C6", (((1 - b) + (e0 - (1 - b)) * (1 - r.alpha) ** t) * w).sum(1)
    return None
