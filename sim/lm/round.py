"""One round of docs/framework.md §3 with the transformer: generate, filter, allocate, label, fit.

Filter, allocation and mixture weights are the simulator's own role functions
(`sim.filters.acceptance`, `sim.allocate.*` in sampled mode, `sim.mixtures.global_weights`);
what is specific to a language model is generation (`sim.lm.sample`), the verifier
(`sim.lm.task.verify`), the labelers below and fitting by fine-tuning (`sim.lm.train`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from sim.allocate import update_boost_weights
from sim.filters import acceptance
from sim.lm import sample, train
from sim.lm.task import verify
from sim.mixtures import global_weights
from sim.modes import SAMPLED
from sim.types import Array, Params, PromptStats


class RoundProblems(NamedTuple):
    """The device arrays of a problem set that a round needs."""

    prompts: Array  # [P, Lp] int32
    answers: Array  # [P, La] int32 reference answers
    digits: Array  # [P, D + 1] int32 digits of the sums
    wrong: Array  # [P, La] int32 the plausible wrong answer of each prompt
    difficulty: Array  # [P] int32


def stochastic_labels(problems: RoundProblems, params: Params, pool, *, key, m: int) -> Array:
    """The beta-weak labeler: each of m labels is the right answer with probability beta,
    otherwise the prompt's plausible wrong answer (a carry mistake). [P, m, La]"""
    del pool
    right = jax.random.bernoulli(key, params.beta, (problems.answers.shape[0], m))
    return jnp.where(right[..., None], problems.answers[:, None], problems.wrong[:, None])


def base_model_labels(problems: RoundProblems, params: Params, pool, *, key, m: int) -> Array:
    """Samples of the base model, as in the paper (b(x) = a_0(x); `pool` [P, m, La])."""
    del problems, params, key, m
    return pool


def replace_weights(n_synthetic: Array, n_labels: Array, alpha: Array) -> tuple[Array, Array]:
    """Every kept example weighs the same: the raw-count mixture (alpha is not used)."""
    del n_synthetic, n_labels, alpha
    return jnp.ones(()), jnp.ones(())


LABEL_FNS = {"stochastic": stochastic_labels, "base": base_model_labels}
MIXTURE_FNS = {"global": global_weights, "replace": replace_weights}


@dataclasses.dataclass(frozen=True)
class LMStrategy:
    """The static roles of a round on the transformer; hashable, so a static jit argument.

    `allocate_fn` has the simulator's allocation signature (`sim.allocate`); `label_fn` is one
    of `LABEL_FNS`; `mixture_fn(n_synthetic, n_labels, alpha) -> (w_synthetic, w_label)`.
    """

    allocate_fn: Callable
    label_fn: Callable
    mixture_fn: Callable
    samples_per_prompt: int = 8  # k
    labels_per_prompt: int = 4  # m
    filter_labels: bool = False
    restart: bool = False

    @property
    def needs_base_samples(self) -> bool:
        return self.label_fn is base_model_labels


ROUND_METRICS = (
    "sample_accuracy",
    "pass_at_k",
    "acceptance_rate",
    "false_positive_rate",
    "hard_fraction",
    "labels_round",
    "label_correct_rate",
    "train_examples",
    "train_loss",
)

METRIC_DOCS = {
    "test_accuracy": "greedy accuracy on the held-out prompts",
    "test_accuracy_by_difficulty": "the same per difficulty (number of digits), [D] per round",
    "sample_accuracy": "share of this round's k samples per training prompt that are correct",
    "pass_at_k": "share of training prompts with at least one correct sample",
    "acceptance_rate": "accepted samples / drawn samples",
    "false_positive_rate": "accepted wrong samples / wrong samples (the realised gamma)",
    "hard_fraction": "share of training prompts with no accepted sample (the hard set P-)",
    "labels_round": "weak labels given this round",
    "labels_spent": "weak labels given so far",
    "label_correct_rate": "share of this round's labels that are correct (NaN if none)",
    "train_examples": "examples with positive weight in this round's training set",
    "train_loss": "mean weighted training loss over this round's steps",
}


def _sequences(prompts: Array, answers: Array) -> Array:
    """[P, n, La] answers after their [P, Lp] prompts -> [P * n, Lp + La]."""
    p, n, la = answers.shape
    rep = jnp.broadcast_to(prompts[:, None], (p, n, prompts.shape[-1]))
    return jnp.concatenate([rep, answers], axis=-1).reshape(p * n, -1)


@functools.partial(jax.jit, static_argnames=("strategy",))
def curate(
    samples: Array,
    problems: RoundProblems,
    params: Params,
    boost_weights: Array,
    pool: Array,
    *,
    key,
    strategy: LMStrategy,
) -> tuple[train.TrainData, Array, dict[str, Array]]:
    """Filter, allocate, label and mix: this round's weighted training set.

    Args:
      samples: [P, k, La] the model's answers to the training prompts.
      params: the simulator's `Params` (beta, filter_tpr, filter_fpr, alpha, theta, ...).
      boost_weights: [P] boosting weights (boost-weights allocation).
      pool: [P, m, La] base-model samples for the `base` labeler (ignored by the others).

    Returns:
      (training data [P * (k + m)] examples, the updated boosting weights [P], metrics).
    """
    k_filter, k_alloc, k_label, k_label_filter = jax.random.split(key, 4)
    p, k, _ = samples.shape
    m = strategy.labels_per_prompt

    # filter: the verifier's verdict, then acceptance with probability c (right) or d (wrong)
    correct = verify(samples, problems.digits[:, None])  # [P, k]
    accept = acceptance(correct, params.filter_tpr, params.filter_fpr)
    accepted = jax.random.uniform(k_filter, (p, k)) < accept
    n_drawn = jnp.full((p,), float(k))
    n_rejected = n_drawn - jnp.sum(accepted, axis=-1).astype(n_drawn.dtype)
    stats = PromptStats.of(n_drawn, n_rejected, SAMPLED)

    # allocate + label
    n_labels = strategy.allocate_fn(
        stats,
        params,
        prompt_weights=jnp.full((p,), 1.0 / p),
        boost_weights=boost_weights,
        key=k_alloc,
        mode=SAMPLED,
        labels_per_prompt=m,
    )
    given = jnp.arange(m, dtype=n_labels.dtype)[None, :] < n_labels[:, None]  # [P, m]
    labels = strategy.label_fn(problems, params, pool, key=k_label, m=m)
    label_correct = verify(labels, problems.digits[:, None])
    kept_labels = given
    if strategy.filter_labels:
        label_accept = acceptance(label_correct, params.filter_tpr, params.filter_fpr)
        kept_labels = given & (jax.random.uniform(k_label_filter, (p, m)) < label_accept)

    # mix: per-example weights, so alpha is the weak data's share as in the paper
    w_s, w_l = strategy.mixture_fn(
        jnp.sum(accepted, dtype=jnp.float32), jnp.sum(kept_labels, dtype=jnp.float32), params.alpha
    )
    data = train.TrainData(
        tokens=jnp.concatenate(
            [_sequences(problems.prompts, samples), _sequences(problems.prompts, labels)]
        ),
        weights=jnp.concatenate(
            [
                jnp.where(accepted, w_s, 0.0).reshape(-1),
                jnp.where(kept_labels, w_l, 0.0).reshape(-1),
            ]
        ).astype(jnp.float32),
    )

    wrong = ~correct
    n_given = jnp.sum(given)
    metrics = {
        "sample_accuracy": jnp.mean(correct),
        "pass_at_k": jnp.mean(jnp.any(correct, axis=-1)),
        "acceptance_rate": jnp.mean(accepted),
        "false_positive_rate": jnp.where(
            jnp.any(wrong), jnp.sum(accepted & wrong) / jnp.maximum(jnp.sum(wrong), 1), jnp.nan
        ),
        "hard_fraction": jnp.mean(stats.p_hard),
        "labels_round": n_given.astype(jnp.float32),
        "label_correct_rate": jnp.where(
            n_given > 0, jnp.sum(given & label_correct) / jnp.maximum(n_given, 1), jnp.nan
        ),
        "train_examples": jnp.sum(data.weights > 0).astype(jnp.float32),
    }
    boost = update_boost_weights(boost_weights, stats.p_hard, params.theta)
    return data, boost, metrics


def evaluate(
    graphdef: nnx.GraphDef,
    params: nnx.State,
    problems: RoundProblems,
    *,
    n_difficulties: int,
    chunk: int = 4096,
) -> dict[str, Array]:
    """Held-out greedy accuracy, overall and per difficulty 1..n_difficulties ([D])."""
    answers = sample.generate(
        graphdef,
        params,
        problems.prompts,
        key=jax.random.key(0),  # unused by greedy decoding
        answer_len=problems.answers.shape[-1],
        greedy=True,
        chunk=chunk,
    )
    correct = verify(answers, problems.digits)
    onehot = problems.difficulty[:, None] == jnp.arange(1, n_difficulties + 1)[None, :]
    per = jnp.sum(onehot & correct[:, None], axis=0) / jnp.maximum(jnp.sum(onehot, axis=0), 1)
    return {"test_accuracy": jnp.mean(correct), "test_accuracy_by_difficulty": per}
