"""Finite-vocabulary tasks with controllable difficulty: correct sets and base models p_0."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sim.types import Array, Task


def validate_task(task: Task) -> Task:
    """Checks a task's invariants; raises ValueError naming the broken field.

    Every prompt needs a correct response (G(x) non-empty) and a wrong one (so a labeler can be
    wrong); base-model rows and the prompt distribution must be probability vectors.
    """
    correct = np.asarray(task.correct)
    probs = np.asarray(task.base_probs, dtype=np.float64)
    weights = np.asarray(task.prompt_weights, dtype=np.float64)
    if correct.ndim != 2 or probs.shape != correct.shape or weights.shape != correct.shape[:1]:
        raise ValueError(
            "correct_mask [P, V], base_probs [P, V] and prompt_weights [P] must agree in shape; "
            f"got {correct.shape}, {probs.shape}, {weights.shape}"
        )
    if correct.dtype != np.bool_:
        raise ValueError(f"correct_mask must be boolean; got dtype {correct.dtype}")
    empty = np.flatnonzero(~correct.any(axis=1))
    if empty.size:
        raise ValueError(
            f"correct_mask: prompt {int(empty[0])} has no correct response "
            "(G(x) must be non-empty for every prompt)"
        )
    full = np.flatnonzero(correct.all(axis=1))
    if full.size:
        raise ValueError(
            f"correct_mask: every response of prompt {int(full[0])} is correct "
            "(each prompt needs at least one wrong response)"
        )
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("base_probs: every row must be non-negative and sum to 1")
    if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, atol=1e-4):
        raise ValueError("prompt_weights must be non-negative and sum to 1")
    return task


def _prompt_weights(n_prompts: int, prompt_weights) -> np.ndarray:
    if prompt_weights is None or (isinstance(prompt_weights, str) and prompt_weights == "uniform"):
        return np.full(n_prompts, 1.0 / n_prompts)
    if isinstance(prompt_weights, str):
        raise ValueError(
            f"prompt_weights must be 'uniform' or an array of shape [P]; got {prompt_weights!r}"
        )
    w = np.asarray(prompt_weights, dtype=np.float64)
    if w.shape != (n_prompts,) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"prompt_weights must be {n_prompts} non-negative numbers, not all 0")
    return w / w.sum()


def _check_sizes(n_prompts: int, n_responses: int, n_correct: int) -> None:
    if not isinstance(n_prompts, (int, np.integer)) or n_prompts < 1:
        raise ValueError(f"n_prompts must be an integer >= 1; got {n_prompts!r}")
    if not isinstance(n_responses, (int, np.integer)) or n_responses < 2:
        raise ValueError(f"n_responses must be an integer >= 2; got {n_responses!r}")
    if not isinstance(n_correct, (int, np.integer)) or not 1 <= n_correct < n_responses:
        raise ValueError(
            f"n_correct must be an integer in [1, n_responses - 1] = [1, {n_responses - 1}]; "
            f"got {n_correct!r}"
        )


def task_from_accuracy(
    base_accuracy,
    *,
    n_responses: int = 16,
    n_correct: int = 1,
    prompt_weights=None,
    dtype=jnp.float32,
) -> Task:
    """A deterministic task whose base model has the given per-prompt accuracy a_0(x).

    Responses 0..n_correct-1 are correct and share a_0(x) evenly; the wrong mass 1 - a_0(x) falls
    on the wrong responses with Zipf weights 1, 1/2, 1/3, ... (so response n_correct is the
    plausible wrong answer). Used by the claim tests, where a_0 must be exact.

    Args:
      base_accuracy: [P] values in [0, 1].
    """
    a0 = np.asarray(base_accuracy, dtype=np.float64).reshape(-1)
    _check_sizes(a0.size, n_responses, n_correct)
    if np.any((a0 < 0) | (a0 > 1)) or not np.all(np.isfinite(a0)):
        raise ValueError("base_accuracy must lie in [0, 1]")
    n_wrong = n_responses - n_correct
    zipf = 1.0 / np.arange(1, n_wrong + 1)
    zipf /= zipf.sum()
    probs = np.concatenate(
        [np.repeat(a0[:, None] / n_correct, n_correct, axis=1), (1.0 - a0)[:, None] * zipf],
        axis=1,
    )
    correct = np.zeros((a0.size, n_responses), dtype=bool)
    correct[:, :n_correct] = True
    task = Task(
        correct=jnp.asarray(correct),
        base_probs=jnp.asarray(probs, dtype=dtype),
        prompt_weights=jnp.asarray(_prompt_weights(a0.size, prompt_weights), dtype=dtype),
    )
    return validate_task(task)


def make_task(
    key,
    *,
    n_prompts: int = 1024,
    n_responses: int = 32,
    n_correct: int = 1,
    base_accuracy_mean: float = 0.3,
    base_accuracy_concentration: float = 2.0,
    frac_unsolvable: float = 0.2,
    wrong_concentration: float = 0.5,
    prompt_weights=None,
    dtype=jnp.float32,
) -> Task:
    """A random task with controllable difficulty.

    Base accuracy a_0(x) ~ Beta(m * kappa, (1 - m) * kappa) with mean m and concentration kappa,
    except a `frac_unsolvable` share of prompts (chosen at random) with a_0(x) = 0: the prompts
    the base model never solves, where filter-only plateaus (C2). Each prompt's correct set is
    `n_correct` random responses, sharing a_0(x) by a flat Dirichlet; the wrong mass is split by
    a Dirichlet(`wrong_concentration`) (small: one dominant plausible wrong answer).
    """
    _check_sizes(n_prompts, n_responses, n_correct)
    for name, v, lo_open, hi_open in (
        ("base_accuracy_mean", base_accuracy_mean, True, True),
        ("frac_unsolvable", frac_unsolvable, False, False),
    ):
        if not ((v > 0 if lo_open else v >= 0) and (v < 1 if hi_open else v <= 1)):
            rng = f"{'(' if lo_open else '['}0, 1{')' if hi_open else ']'}"
            raise ValueError(f"{name} must lie in {rng}; got {v!r}")
    for name, v in (
        ("base_accuracy_concentration", base_accuracy_concentration),
        ("wrong_concentration", wrong_concentration),
    ):
        if not v > 0:
            raise ValueError(f"{name} must be > 0; got {v!r}")
    k_acc, k_zero, k_perm, k_right, k_wrong = jax.random.split(key, 5)
    m, kappa = base_accuracy_mean, base_accuracy_concentration
    a0 = jax.random.beta(k_acc, m * kappa, (1 - m) * kappa, (n_prompts,), dtype=dtype)
    n_zero = int(round(frac_unsolvable * n_prompts))
    zero = jax.random.permutation(k_zero, n_prompts) < n_zero
    a0 = jnp.where(zero, 0.0, a0)
    rank = jnp.argsort(jax.random.uniform(k_perm, (n_prompts, n_responses)), axis=-1)
    correct = jnp.argsort(rank, axis=-1) < n_correct
    g_right = jax.random.gamma(k_right, 1.0, (n_prompts, n_responses), dtype=dtype)
    g_wrong = jax.random.gamma(k_wrong, wrong_concentration, (n_prompts, n_responses), dtype=dtype)
    # Tiny floor: a Dirichlet with small concentration can underflow a whole row to zero.
    g_right = jnp.where(correct, g_right + 1e-12, 0.0)
    g_wrong = jnp.where(correct, 0.0, g_wrong + 1e-12)
    probs = a0[:, None] * g_right / g_right.sum(-1, keepdims=True) + (1 - a0)[
        :, None
    ] * g_wrong / g_wrong.sum(-1, keepdims=True)
    task = Task(
        correct=correct,
        base_probs=probs.astype(dtype),
        prompt_weights=jnp.asarray(_prompt_weights(n_prompts, prompt_weights), dtype=dtype),
    )
    return validate_task(task)


def base_accuracy(task: Task) -> Array:
    """a_0(x) = p_0(G(x)|x). [P]"""
    return jnp.sum(jnp.where(task.correct, task.base_probs, 0.0), axis=-1)


__all__ = ["make_task", "task_from_accuracy", "validate_task", "base_accuracy"]
