"""The token task of the finite-vocabulary backend: answers of L tokens over an alphabet of A,
per-prompt, per-position distributions [P, L, A] (never the A^L table), wrong answers by kind.

Coordinates are relative to the right answer: token offset o = (y_l - y*_l(x)) mod A, so offset 0
is the right token at every position of every prompt. Sharing statistics across prompts is then
meaningful (one table per class and position means "the same algorithm"), and every kind of
wrong label is a sequence of offsets too.

A model is stored as its whole-answer right mass a(x) [P] and the per-position mass of its wrong
part [P, L, A] (each position sums to 1 - a(x)); its per-position marginals are
wrong + a(x) e_0, so token accuracy is exact for any model (the marginals of a mixture are the
mixture of its marginals), and the whole-answer error 1 - a(x) is a sum of small terms (exact
near 0, as in the table backend).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sim.table.token_wrong import (
    WRONG_KINDS,
    draw_wrong,
    fresh_marginals,
    rho_near,
    rho_random,
)
from sim.types import Array, Range

# Bounds of the token task's sizes (command-line ranges; the arrays are [P, L, A]).
LENGTH_RANGE = Range(1, 64, integer=True)
ALPHABET_RANGE = Range(2, 2**10, integer=True)


class TokenTask(NamedTuple):
    """A token task: the base model p_0 in relative coordinates, answers, wrong labels, classes.

    Attributes:
      right: a_0(x), p_0's whole-answer accuracy.
      wrong: p_0's wrong part per position; row (x, l) sums to 1 - a_0(x).
      prompt_weights: the prompt distribution D.
      answers: the right answers y*(x) in absolute tokens (read by the shuffled kind only).
      fixed_wrong: each prompt's one wrong answer (offsets, never all 0), reused by every wrong
        label when wrong_spread = 0.
      fresh: the marginals of a fresh wrong answer of the kind (expected mode's spread part).
      classes: one-hot class of each prompt (statistics are shared within a class).
      share: tau, the weight of the class's pooled fit after each fit, in [0, 1].
    """

    right: Array  # [P] float
    wrong: Array  # [P, L, A] float
    prompt_weights: Array  # [P] float
    answers: Array  # [P, L] int32
    fixed_wrong: Array  # [P, L] int32
    fresh: Array  # [P, L, A] float
    classes: Array  # [P, C] float one-hot
    share: Array  # [] float

    @property
    def n_prompts(self) -> int:
        return self.wrong.shape[-3]

    @property
    def answer_length(self) -> int:
        return self.wrong.shape[-2]

    @property
    def alphabet(self) -> int:
        return self.wrong.shape[-1]


def project_factored(marginals: Array) -> tuple[Array, Array]:
    """A product of per-position marginals [P, L, A] -> (right [P], wrong [P, L, A]).

    The whole-answer error 1 - prod_l m_l(0) is computed as -expm1(sum_l log1p(-e_l)), e_l the
    position's wrong mass, so it stays exact near 0; with L = 1 the right mass is m_0(0) itself.
    """
    if marginals.shape[-2] == 1:  # the answer is its one token: keep its mass as it is
        return marginals[..., 0, 0], marginals.at[..., 0].set(0.0)
    e = jnp.sum(marginals[..., 1:], axis=-1)  # [P, L]
    err = -jnp.expm1(jnp.sum(jnp.log1p(-jnp.minimum(e, 1.0)), axis=-1))
    right = 1.0 - err
    zero = jnp.maximum(err[..., None] - e, 0.0)  # wrong answers with this position right
    wrong = marginals.at[..., 0].set(zero)
    return right, wrong


def marginals(right: Array, wrong: Array) -> Array:
    """Per-position marginals of a model: wrong + a(x) e_0. [P, L, A]"""
    return wrong.at[..., 0].add(right[..., None])


def _classes(right: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot classes [P, C]: buckets of equal size by base accuracy (class 0 the hardest)."""
    p = right.shape[0]
    rank = np.empty(p, dtype=np.int64)
    rank[np.argsort(right, kind="stable")] = np.arange(p)
    return np.eye(n_classes)[(rank * n_classes) // p]


def _check_sizes(n_prompts, answer_length, alphabet, n_classes, share, wrong_labels) -> None:
    for name, v, (lo, hi, *_) in (
        ("n_prompts", n_prompts, (1, 2**24)),
        ("answer_length", answer_length, LENGTH_RANGE),
        ("alphabet", alphabet, ALPHABET_RANGE),
        ("n_classes", n_classes, (1, max(int(n_prompts), 1))),
    ):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not lo <= v <= hi:
            raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {v!r}")
    if not 0.0 <= float(share) <= 1.0:
        raise ValueError(f"share must lie in [0, 1]; got {share!r}")
    if wrong_labels not in WRONG_KINDS:
        raise ValueError(f"wrong_labels must be one of {list(WRONG_KINDS)}; got {wrong_labels!r}")
    if wrong_labels == "shuffled" and n_prompts < 2:
        raise ValueError("wrong_labels=shuffled needs n_prompts >= 2 (another prompt's answer)")


def token_task(
    base_marginals,
    *,
    key,
    wrong_labels: str = "random",
    fixed_wrong=None,
    answers=None,
    n_classes: int = 1,
    share: float = 0.0,
    prompt_weights=None,
    dtype=jnp.float32,
) -> TokenTask:
    """A token task whose base model is the product of `base_marginals` [P, L, A] (offset 0
    right at every position); `key` draws what is not given: the right answers (uniform) and
    each prompt's fixed wrong answer (of the kind `wrong_labels`).

    Args:
      fixed_wrong: [P, L] offsets, none all 0; None draws them.
      answers: [P, L] absolute right tokens; None draws them uniformly.
      n_classes: prompts are split into this many equal buckets by base accuracy.
      share: tau in [0, 1] (see `sim.table.tokens`).
    """
    m = np.asarray(base_marginals, dtype=np.float64)
    if m.ndim != 3:
        raise ValueError(f"base_marginals must be [P, L, A]; got shape {m.shape}")
    p, length, alphabet = m.shape
    _check_sizes(p, length, alphabet, n_classes, share, wrong_labels)
    if np.any(m < 0) or not np.allclose(m.sum(-1), 1.0, atol=1e-4):
        raise ValueError("base_marginals: every [x, l] row must be non-negative and sum to 1")
    k_ans, k_wrong = jax.random.split(key)
    if answers is None:
        answers = jax.random.randint(k_ans, (p, length), 0, alphabet)
    answers = np.asarray(answers, dtype=np.int32)
    if answers.shape != (p, length) or np.any((answers < 0) | (answers >= alphabet)):
        raise ValueError(f"answers must be [P, L] = [{p}, {length}] tokens in [0, {alphabet})")
    if fixed_wrong is None:
        fixed_wrong = draw_wrong(
            k_wrong, wrong_labels, jnp.asarray(answers), None, (), alphabet=alphabet
        )
    fixed_wrong = np.asarray(fixed_wrong, dtype=np.int32)
    if fixed_wrong.shape != (p, length) or np.any((fixed_wrong < 0) | (fixed_wrong >= alphabet)):
        raise ValueError(f"fixed_wrong must be [P, L] = [{p}, {length}] offsets in [0, {alphabet})")
    if np.any(np.all(fixed_wrong == 0, axis=-1)):
        raise ValueError("fixed_wrong: a wrong answer must have at least one nonzero offset")
    right, wrong = project_factored(jnp.asarray(m, dtype))
    weights = (
        np.full(p, 1.0 / p)
        if prompt_weights is None
        else np.asarray(prompt_weights, np.float64) / np.sum(prompt_weights)
    )
    return TokenTask(
        right=right,
        wrong=wrong,
        prompt_weights=jnp.asarray(weights, dtype),
        answers=jnp.asarray(answers),
        fixed_wrong=jnp.asarray(fixed_wrong),
        fresh=jnp.asarray(fresh_marginals(wrong_labels, answers, fixed_wrong, alphabet), dtype),
        classes=jnp.asarray(_classes(np.asarray(right), n_classes), dtype),
        share=jnp.asarray(share, dtype),
    )


def make_token_task(
    key,
    *,
    n_prompts: int = 1024,
    answer_length: int = 5,
    alphabet: int = 10,
    base_accuracy_mean: float = 0.3,
    base_accuracy_concentration: float = 2.0,
    frac_unsolvable: float = 0.2,
    wrong_concentration: float = 0.5,
    wrong_labels: str = "random",
    n_classes: int = 1,
    share: float = 0.0,
    prompt_weights=None,
    dtype=jnp.float32,
) -> TokenTask:
    """A random token task with controllable difficulty.

    The difficulty knobs describe the WHOLE-answer accuracy, as in `sim.make_task`, so the hard
    set and filter-only's plateau keep their meaning across L: a_0(x) ~ Beta(m kappa,
    (1 - m) kappa), a `frac_unsolvable` share of prompts at 0. Every position of prompt x is
    right with probability a_0(x)^(1/L) (so p_0 is a product with whole-answer accuracy a_0(x));
    each position's wrong mass is split over the A - 1 wrong offsets by a
    Dirichlet(`wrong_concentration`).
    """
    _check_sizes(n_prompts, answer_length, alphabet, n_classes, share, wrong_labels)
    if not 0 < base_accuracy_mean < 1:
        raise ValueError(f"base_accuracy_mean must lie in (0, 1); got {base_accuracy_mean!r}")
    if not 0 <= frac_unsolvable <= 1:
        raise ValueError(f"frac_unsolvable must lie in [0, 1]; got {frac_unsolvable!r}")
    for name, v in (
        ("base_accuracy_concentration", base_accuracy_concentration),
        ("wrong_concentration", wrong_concentration),
    ):
        if not v > 0:
            raise ValueError(f"{name} must be > 0; got {v!r}")
    k_acc, k_zero, k_wrong, k_task = jax.random.split(key, 4)
    m, kappa = base_accuracy_mean, base_accuracy_concentration
    a0 = np.asarray(
        jax.random.beta(k_acc, m * kappa, (1 - m) * kappa, (n_prompts,), dtype=jnp.float32),
        np.float64,
    )
    zero = np.asarray(jax.random.permutation(k_zero, n_prompts)) < round(
        frac_unsolvable * n_prompts
    )
    a0 = np.where(zero, 0.0, a0)
    tok = a0 ** (1.0 / answer_length)  # [P]
    g = np.asarray(
        jax.random.gamma(
            k_wrong, wrong_concentration, (n_prompts, answer_length, alphabet - 1), jnp.float32
        ),
        np.float64,
    )
    g = g + 1e-12  # a Dirichlet with small concentration can underflow a whole row
    base = np.concatenate(
        [
            np.broadcast_to(tok[:, None, None], (n_prompts, answer_length, 1)),
            (1.0 - tok)[:, None, None] * g / g.sum(-1, keepdims=True),
        ],
        axis=-1,
    )
    return token_task(
        base,
        key=k_task,
        wrong_labels=wrong_labels,
        n_classes=n_classes,
        share=share,
        prompt_weights=prompt_weights,
        dtype=dtype,
    )


__all__ = [
    "TokenTask",
    "WRONG_KINDS",
    "draw_wrong",
    "fresh_marginals",
    "make_token_task",
    "marginals",
    "project_factored",
    "rho_near",
    "rho_random",
    "token_task",
]
