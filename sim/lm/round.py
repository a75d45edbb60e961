"""One round of docs/framework.md §3 with the transformer: generate, filter, allocate, label, fit.

Filter, allocation and mixture weights are the simulator's own role functions
(`sim.filters.acceptance`, `sim.allocate.*` in sampled mode, `sim.mixtures.global_weights`);
what is specific to a language model is generation (`sim.lm.sample`), the verifier
(`sim.lm.task.verify`), the labelers below and fitting by fine-tuning (`sim.lm.train`).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from sim.allocate import ALLOCATIONS, update_boost_weights
from sim.candidates import N_CANDIDATES, label_slots
from sim.candidates import candidate_task as shared_candidate_task
from sim.filters import acceptance
from sim.labelers import LABELERS
from sim.lm import sample, train
from sim.lm.task import verify
from sim.mixtures import global_weights
from sim.modes import SAMPLED
from sim.types import Array, Params, PromptStats, SimState, Task, filter_fpr


class RoundProblems(NamedTuple):
    """The device arrays of a problem set that a round needs."""

    prompts: Array  # [P, Lp] int32
    answers: Array  # [P, La] int32 reference answers
    digits: Array  # [P, D + 1] int32 digits of the sums
    wrong: Array  # [P, La] int32 the wrong answer of each prompt (of the config's wrong kind)
    difficulty: Array  # [P] int32


def ease(difficulty: Array, n_difficulties: int) -> Array:
    """The stand-in for a_0(x) that difficulty-dependent quality reads on the testbed:
    1 - (n - 1) / (D - 1) for n-digit sums, so 1 on the easiest and 0 on the hardest. [P]"""
    return 1.0 - (difficulty.astype(jnp.float32) - 1.0) / max(n_difficulties - 1, 1)


def candidate_task(problems: RoundProblems, n_difficulties: int = 1) -> Task:
    """The candidates as a finite-vocabulary task [P, 2] (`sim.candidates.candidate_task`):
    column 0 correct, column 1 the wrong answer; the "base model" puts `ease` on the right one,
    so `beta_hard` and `gamma_hard` vary with the number of digits."""
    return shared_candidate_task(ease(problems.difficulty, n_difficulties))


def _shared_labels(label_fn, problems, task, params, n_labels, accuracy, keep, *, key, m):
    """Labels from a shared labeler (`sim.labelers`): [P, m, La], given [P, m], kept [P, m]."""
    probs = jnp.stack([accuracy, 1.0 - accuracy], axis=-1)
    state = SimState(
        probs=probs,
        weights=jnp.ones_like(accuracy),
        data=jnp.zeros_like(probs),
        labels_spent=jnp.zeros(()),
        round=jnp.zeros((), jnp.int32),
    )
    given, kept = label_fn(n_labels, state, task, params, keep, key=key, mode=SAMPLED, max_labels=m)
    idx, given_slot, kept_slot = label_slots(given, kept, m)
    cands = jnp.stack([problems.answers, problems.wrong], axis=1)  # [P, C, La]
    labels = jnp.take_along_axis(cands, idx[..., None], axis=1)
    return labels, given_slot, kept_slot


# Allocations and mixtures a member may use: chosen per member by a traced index, so members
# of different strategies share one compiled round (a population).
ALLOCATION_NAMES = ("none", "focused", "uniform", "boost_weights")
MIXTURE_NAMES = ("replace", "global")


def replace_weights(n_synthetic: Array, n_labels: Array, alpha: Array) -> tuple[Array, Array]:
    """Every kept example weighs the same: the raw-count mixture (alpha is not used)."""
    del n_synthetic, n_labels, alpha
    return jnp.ones(()), jnp.ones(())


_MIXTURE_FNS = (replace_weights, global_weights)


@dataclasses.dataclass(frozen=True)
class LMStrategy:
    """The static part of a round on the transformer; hashable, so a static jit argument.

    The allocation and the mixture are per member (`Roles`), traced; what is static is the
    labeler (`labeler`: a name of `sim.labelers.LABELERS`; "base" draws from base-model samples)
    and the shapes.
    """

    labeler: str = "stochastic"
    samples_per_prompt: int = 8  # k
    labels_per_prompt: int = 4  # m
    filter_labels: bool = False
    restart: bool = False
    n_difficulties: int = 1  # D, for quality that varies with the number of digits (`ease`)

    @property
    def needs_base_samples(self) -> bool:
        return self.labeler == "base"


class Roles(NamedTuple):
    """A member's traced roles: indices into `ALLOCATION_NAMES` and `MIXTURE_NAMES`."""

    allocation: Array  # [] int32
    mixture: Array  # [] int32


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
    roles: Roles,
    boost_weights: Array,
    pool: Array,
    *,
    key,
    strategy: LMStrategy,
) -> tuple[train.TrainData, Array, dict[str, Array]]:
    """Filter, allocate, label and mix: this round's weighted training set (one member).

    Args:
      samples: [P, k, La] the model's answers to the training prompts.
      params: the shared `Params` (beta, filter_tpr, filter_fpr, alpha, theta, label_budget...).
      roles: the member's allocation and mixture.
      boost_weights: [P] boosting weights (boost-weights allocation).
      pool: [P, m, La] base-model samples for the `base` labeler (ignored by the others).

    Returns:
      (training data [P * (k + m)] examples, the updated boosting weights [P], metrics).
    """
    k_filter, k_alloc, k_label, k_label_filter = jax.random.split(key, 4)
    p, k, _ = samples.shape
    m = strategy.labels_per_prompt
    task = candidate_task(problems, strategy.n_difficulties)
    fpr = filter_fpr(task, params)  # [P]: d(x), gamma_hard by the number of digits

    # filter: the verifier's verdict, then acceptance with probability c (right) or d (wrong),
    # one coin per sample
    correct = verify(samples, problems.digits[:, None])  # [P, k]
    accept = acceptance(correct, params.filter_tpr, fpr)
    accepted = jax.random.uniform(k_filter, (p, k)) < accept
    n_drawn = jnp.full((p,), float(k))
    n_rejected = n_drawn - jnp.sum(accepted, axis=-1).astype(n_drawn.dtype)
    stats = PromptStats.of(n_drawn, n_rejected, SAMPLED)

    # allocate: every allocation is cheap ([P] arrays); the member's index picks one
    alloc = dict(
        prompt_weights=jnp.full((p,), 1.0 / p),
        boost_weights=boost_weights,
        key=k_alloc,
        mode=SAMPLED,
        labels_per_prompt=m,
    )
    options = [ALLOCATIONS[name](stats, params, **alloc) for name in ALLOCATION_NAMES]
    n_labels = jnp.select([roles.allocation == i for i in range(len(options))], options)

    # label: the shared labelers, over each prompt's candidate answers
    if strategy.labeler == "base":
        labels = pool
        given = jnp.arange(m, dtype=n_labels.dtype)[None, :] < n_labels[:, None]  # [P, m]
        label_correct = verify(labels, problems.digits[:, None])
        kept_labels = given
        if strategy.filter_labels:
            label_accept = acceptance(label_correct, params.filter_tpr, fpr)
            kept_labels = given & (jax.random.uniform(k_label_filter, (p, m)) < label_accept)
    else:
        keep = (
            acceptance(task.correct, params.filter_tpr, fpr).astype(jnp.float32)
            if strategy.filter_labels
            else jnp.ones((p, N_CANDIDATES), jnp.float32)
        )
        labels, given, kept_labels = _shared_labels(
            LABELERS[strategy.labeler],
            problems,
            task,
            params,
            n_labels,
            jnp.mean(correct, axis=-1, dtype=jnp.float32),
            keep,
            key=k_label,
            m=m,
        )
        label_correct = verify(labels, problems.digits[:, None])

    # mix: per-example weights, so alpha is the weak data's share as in the paper
    n_s = jnp.sum(accepted, dtype=jnp.float32)
    n_l = jnp.sum(kept_labels, dtype=jnp.float32)
    weights = [fn(n_s, n_l, params.alpha) for fn in _MIXTURE_FNS]
    which = [roles.mixture == i for i in range(len(weights))]
    w_s = jnp.select(which, [w[0] for w in weights])
    w_l = jnp.select(which, [w[1] for w in weights])
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
