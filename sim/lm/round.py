"""One round of docs/framework.md §3 with the transformer: generate, filter, allocate, label, fit.

Filter, allocation and mixture weights are the simulator's own role functions
(`sim.filters.acceptance`, `sim.allocate.*` in sampled mode, `sim.mixtures.global_weights`);
what is specific to a language model is generation (`sim.lm.sample`), the task's verifier and
own filter (`sim.lm.tasks.LMTask`), the labelers below and fitting by fine-tuning
(`sim.lm.train`).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sim.allocate import ALLOCATIONS, update_boost_weights
from sim.candidates import candidate_task as shared_candidate_task
from sim.candidates import label_slots
from sim.filters import acceptance
from sim.labelers import LABELERS
from sim.lm import tasks, train
from sim.lm.data import LABEL_KINDS
from sim.lm.round_metrics import (  # noqa: F401  (re-exported)
    FILTER_METRICS,
    METRIC_DOCS,
    ROUND_METRICS,
    VECTOR_METRICS,
    _curate_metrics,
    digit_accuracy,
    evaluate,
)
from sim.lm.task_kit import RoundProblems  # noqa: F401  (re-exported: the round's input)
from sim.mixtures import global_weights
from sim.modes import SAMPLED
from sim.types import Array, Params, PromptStats, SimState, Task, filter_fpr


def ease(difficulty: Array, n_difficulties: int) -> Array:
    """The stand-in for a_0(x) that difficulty-dependent quality reads on the testbed:
    1 - (n - 1) / (D - 1) for difficulty n, so 1 on the easiest and 0 on the hardest. [P]"""
    return 1.0 - (difficulty.astype(jnp.float32) - 1.0) / max(n_difficulties - 1, 1)


def candidate_task(problems: RoundProblems, n_difficulties: int = 1) -> Task:
    """The candidates as a finite-vocabulary task [P, 2] (`sim.candidates.candidate_task`):
    column 0 correct, column 1 the wrong answer; the "base model" puts `ease` on the right one,
    so `beta_hard` and `gamma_hard` vary with the difficulty."""
    return shared_candidate_task(ease(problems.difficulty, n_difficulties))


def _shared_labels(label_fn, problems, task, params, n_labels, accuracy, *, key, m):
    """A shared labeler's choice per label slot (`sim.labelers`): candidate [P, m] (0 right,
    1 wrong) and given [P, m]."""
    probs = jnp.stack([accuracy, 1.0 - accuracy], axis=-1)
    state = SimState(
        probs=probs,
        weights=jnp.ones_like(accuracy),
        data=jnp.zeros_like(probs),
        labels_spent=jnp.zeros(()),
        round=jnp.zeros((), jnp.int32),
    )
    keep = jnp.ones_like(probs)  # label checking is applied to the answers, below
    given, kept = label_fn(n_labels, state, task, params, keep, key=key, mode=SAMPLED, max_labels=m)
    idx, given_slot, _ = label_slots(given, kept, m)
    return idx, given_slot


def wrong_answers(
    problems: RoundProblems, kind: Array, spread: Array, round_index: Array, *, key, m: int
) -> Array:
    """The wrong answer each of a prompt's m label slots carries this round: [P, m, La].

    `kind` indexes `sim.lm.data.WRONG_KINDS` (an index past them, "abstain", reads the last:
    its labels are never kept). Each wrong label is fresh with probability `spread`
    (`wrong_spread`), else the prompt's consistent answer (slot 0). Fresh answers of round r
    take bank slots 1 + (r m + j) mod (W - 1), so no two labels of a run share a slot while
    the bank lasts (`sim.lm.data.wrong_bank` sizes it 1 + m T).
    """
    p, n_kinds, w, _ = problems.wrong.shape
    bank = jnp.take(problems.wrong, jnp.minimum(kind, n_kinds - 1), axis=1)  # [P, W, La]
    if w == 1:
        return jnp.broadcast_to(bank[:, :1], (p, m, bank.shape[-1]))
    fresh = jax.random.uniform(key, (p, m)) < spread
    slot = 1 + (round_index * m + jnp.arange(m, dtype=jnp.int32)) % (w - 1)
    slot = jnp.where(fresh, slot[None, :], 0)
    return jnp.take_along_axis(bank, slot[..., None], axis=1)


# Allocations and mixtures a member may use: chosen per member by a traced index, so members
# of different strategies share one compiled round (a population).
ALLOCATION_NAMES = ("none", "focused", "uniform", "boost_weights")
MIXTURE_NAMES = ("replace", "global")


def replace_weights(n_synthetic: Array, n_labels: Array, alpha: Array) -> tuple[Array, Array]:
    """Every kept example weighs the same: the raw-count mixture (alpha is not used)."""
    del n_synthetic, n_labels, alpha
    return jnp.ones(()), jnp.ones(())


_MIXTURE_FNS = (replace_weights, global_weights)


# A member's labeler (`sim.labelers.LABELERS` over each prompt's candidates, or "base":
# samples of the base model) and what its wrong labels are (`sim.lm.data.LABEL_KINDS`).
LABELER_NAMES = ("stochastic", "adversarial", "base")


@dataclasses.dataclass(frozen=True)
class LMStrategy:
    """The static part of a round on the transformer; hashable, so a static jit argument.

    Roles are per member (`Roles`, traced); what is static is the shapes. (The base-model
    samples of the "base" labeler are decoded by the caller, for the members that use it.)
    """

    samples_per_prompt: int = 8  # k
    labels_per_prompt: int = 4  # m
    restart: bool = False
    n_difficulties: int = 1  # D, for quality that varies with the difficulty (`ease`)
    task: Any = None  # the `sim.lm.tasks.LMTask` (None: `sim.lm.tasks.DEFAULT`)

    @property
    def lm_task(self) -> tasks.LMTask:
        return tasks.get_task(tasks.DEFAULT) if self.task is None else self.task


class Roles(NamedTuple):
    """A member's traced roles: indices into `ALLOCATION_NAMES`, `MIXTURE_NAMES`,
    `LABELER_NAMES` and `sim.lm.data.LABEL_KINDS`, whether its weak labels pass the filter
    (checked labels, the paper's Boosting (A)), and whether its filter's verdict is the task's
    own filter (`LMTask.accepts`, e.g. a program's visible examples) rather than the verifier's
    (the (c, d) coins are then drawn over that verdict; c = 1, d = 0 keeps it as it is)."""

    allocation: Array  # [] int32
    mixture: Array  # [] int32
    labeler: Array = 0  # [] int32
    wrong_kind: Array = 0  # [] int32
    check_labels: Array = False  # [] bool
    task_filter: Array = False  # [] bool


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
    round_index: Array = 0,
    labelled_before: Array | None = None,
) -> tuple[train.TrainData, Array, dict[str, Array], Array]:
    """Filter, allocate, label and mix: this round's weighted training set (one member).

    Args:
      samples: [P, k, La] the model's answers to the training prompts.
      params: the shared `Params` (beta, filter_tpr, filter_fpr, alpha, theta, label_budget,
        wrong_spread...).
      roles: the member's allocation, mixture, labeler, kind of wrong label, label checking.
      boost_weights: [P] boosting weights (boost-weights allocation).
      pool: [P, m, La] base-model samples for the `base` labeler (ignored by the others).
      round_index: rounds completed before this one (picks fresh wrong answers).
      labelled_before: [P] bool, the prompts labelled in the previous round (None: none).

    Returns:
      (training data [P * (k + m)] examples, the updated boosting weights [P], metrics, the
      prompts labelled this round [P] bool).
    """
    k_filter, k_alloc, k_label, k_label_filter = jax.random.split(key, 4)
    p, k, _ = samples.shape
    m = strategy.labels_per_prompt
    labeler = jnp.asarray(roles.labeler, jnp.int32)
    wrong_kind = jnp.asarray(roles.wrong_kind, jnp.int32)
    check_labels = jnp.asarray(roles.check_labels, bool)
    lm_task = strategy.lm_task
    reference = jax.tree.map(lambda x: x[:, None], problems.reference)  # per sample / label
    task = candidate_task(problems, strategy.n_difficulties)
    fpr = filter_fpr(task, params)  # [P]: d(x), gamma_hard by the difficulty

    # filter: the verifier's verdict (or the task's own filter's), then acceptance with
    # probability c (passes) or d (fails), one coin per sample
    correct = lm_task.verify(samples, reference)  # [P, k]
    own = lm_task.accepts(samples, reference) if lm_task.has_filter else None
    verdict = correct if own is None else jnp.where(roles.task_filter, own, correct)
    accept = acceptance(verdict, params.filter_tpr, fpr)
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

    # label: the shared labelers choose right or wrong per label slot over each prompt's two
    # candidates; the wrong ones carry an answer of the member's kind (consistent or fresh);
    # the base labeler's labels are base-model samples
    accuracy = jnp.mean(correct, axis=-1, dtype=jnp.float32)
    shared = [
        _shared_labels(LABELERS[name], problems, task, params, n_labels, accuracy, key=k_label, m=m)
        for name in LABELER_NAMES[:-1]
    ]
    which = [labeler == i for i in range(len(shared))]
    idx = jnp.select(which, [s[0] for s in shared])
    given_shared = jnp.select(which, [s[1] for s in shared], default=False)
    wrong = wrong_answers(
        problems,
        wrong_kind,
        params.wrong_spread,
        round_index,
        key=jax.random.fold_in(k_label_filter, 1),
        m=m,
    )
    from_shared = jnp.where((idx == 0)[..., None], problems.answers[:, None], wrong)
    is_base = labeler == len(LABELER_NAMES) - 1
    labels = jnp.where(is_base, pool, from_shared)  # [P, m, La]
    asked = jnp.where(
        is_base, jnp.arange(m, dtype=n_labels.dtype)[None, :] < n_labels[:, None], given_shared
    )  # [P, m]: labels paid for
    label_correct = lm_task.verify(labels, reference)
    # an abstaining labeler is silent where it would be wrong (still paid for)
    abstain = wrong_kind == LABEL_KINDS.index("abstain")
    given = asked & (label_correct | ~abstain)
    # checked labels pass the same (c, d) filter as the samples: one coin per label
    label_verdict = label_correct
    if lm_task.has_filter:
        label_own = lm_task.accepts(labels, reference)
        label_verdict = jnp.where(roles.task_filter, label_own, label_correct)
    label_accept = acceptance(label_verdict, params.filter_tpr, fpr)
    passed = jax.random.uniform(k_label_filter, (p, m)) < label_accept
    kept_labels = given & (passed | ~check_labels)

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

    metrics = _curate_metrics(
        problems,
        samples,
        correct,
        accepted,
        stats,
        labels,
        asked,
        given,
        kept_labels,
        label_correct,
        labelled_before,
        n_difficulties=strategy.n_difficulties,
        eos=lm_task.eos,
        filter_verdict=own,
    )
    metrics["train_examples"] = jnp.sum(data.weights > 0).astype(jnp.float32)
    boost = update_boost_weights(boost_weights, stats.p_hard, params.theta)
    return data, boost, metrics, jnp.any(asked, axis=-1)
