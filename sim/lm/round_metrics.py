"""The testbed round's measurements: per-round metrics of curation, token-level (per-digit)
accuracy, and the held-out evaluation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from sim.lm import sample
from sim.lm.task import EOS
from sim.types import Array

ROUND_METRICS = (
    "sample_accuracy",
    "pass_at_k",
    "acceptance_rate",
    "false_positive_rate",
    "hard_fraction",
    "labels_round",
    "label_correct_rate",
    "labels_kept",
    "labelled_digit_accuracy",
    "digit_accuracy_by_difficulty",
    "wrong_label_digit_share",
    "labelled_next_accepted",
    "train_examples",
    "train_loss",
)
# Round metrics of a task with its own filter (`LMTask.has_filter`) only.
FILTER_METRICS = ("filter_fpr", "filter_fpr_by_difficulty")
# Round metrics with one value per difficulty ([D] per round), the rest are scalars.
VECTOR_METRICS = (
    "test_accuracy_by_difficulty",
    "digit_accuracy_by_difficulty",
    "filter_fpr_by_difficulty",
)

METRIC_DOCS = {
    "test_accuracy": "greedy accuracy on the held-out prompts",
    "test_accuracy_by_difficulty": "the same per difficulty (number of digits), [D] per round",
    "test_accuracy_sampled": "held-out accuracy of one sample at temperature 1 per prompt",
    "sample_accuracy": "share of this round's k samples per training prompt that are correct",
    "pass_at_k": "share of training prompts with at least one correct sample",
    "acceptance_rate": "accepted samples / drawn samples",
    "false_positive_rate": "accepted wrong samples / wrong samples (the realised gamma)",
    "hard_fraction": "share of training prompts with no accepted sample (the hard set P-)",
    "labels_round": "weak labels given this round",
    "labels_spent": "weak labels given so far",
    "label_correct_rate": "share of this round's labels that are correct (NaN if none); an "
    "abstaining labeler's silences count as labels (they are paid for)",
    "labels_kept": "weak labels that entered training (checked labels: those the filter kept)",
    "labelled_digit_accuracy": "per-digit accuracy of this round's samples on the prompts that "
    "get labels (a_H of the token-level theory, C8); NaN if none",
    "digit_accuracy_by_difficulty": "per-digit accuracy of this round's samples, per "
    "difficulty, [D] per round",
    "wrong_label_digit_share": "rho: share of right digits in the wrong labels given (NaN if "
    "none, e.g. an abstaining labeler)",
    "labelled_next_accepted": "share of the prompts labelled in the previous round that get an "
    "accepted sample this round (NaN in round 1 or if none were labelled)",
    "filter_fpr": "a task with its own filter (programs: the visible examples): the share of "
    "this round's wrong samples that it accepts, whether or not the arm filters (the measured "
    "gamma; NaN if none is wrong)",
    "filter_fpr_by_difficulty": "the same per difficulty, [D] per round",
    "train_examples": "examples with positive weight in this round's training set",
    "train_loss": "mean weighted training loss over this round's steps",
}


def digit_accuracy(answers: Array, reference: Array, *, eos: int = EOS) -> Array:
    """Per-digit accuracy of answers against the reference answers [..., La] (the answer's
    digits before its EOS): the share of the reference's digit positions where the answer has
    the same token. [...]"""
    is_eos = reference == eos
    length = jnp.argmax(is_eos, axis=-1)
    pos = jax.lax.broadcasted_iota(length.dtype, reference.shape, reference.ndim - 1)
    digit = pos < length[..., None]
    right = jnp.sum(digit & (answers == reference), axis=-1)
    return right.astype(jnp.float32) / jnp.maximum(length, 1).astype(jnp.float32)


def _mean_where(x: Array, mask: Array) -> Array:
    """Mean of x over mask; NaN where the mask is empty."""
    n = jnp.sum(mask).astype(jnp.float32)
    total = jnp.sum(jnp.where(mask, x, 0.0)).astype(jnp.float32)
    return jnp.where(n > 0, total / jnp.maximum(n, 1.0), jnp.nan)


def _curate_metrics(
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
    *,
    n_difficulties: int,
    eos: int = EOS,
    filter_verdict: Array | None = None,
) -> dict[str, Array]:
    """The round's metrics (`METRIC_DOCS`) from its samples and labels; with the task's own
    filter's verdict on the samples [P, k], also its false-positive rates (`FILTER_METRICS`)."""
    wrong = ~correct
    n_asked = jnp.sum(asked)
    labelled = jnp.any(asked, axis=-1)  # [P]
    sample_digits = digit_accuracy(samples, problems.answers[:, None], eos=eos)  # [P, k]
    label_digits = digit_accuracy(labels, problems.answers[:, None], eos=eos)  # [P, m]
    onehot = problems.difficulty[:, None] == jnp.arange(1, n_difficulties + 1)[None, :]  # [P, D]
    per_prompt = jnp.mean(sample_digits, axis=-1)
    n_by_difficulty = jnp.maximum(jnp.sum(onehot, axis=0), 1).astype(jnp.float32)
    by_difficulty = jnp.sum(jnp.where(onehot, per_prompt[:, None], 0.0), axis=0) / n_by_difficulty
    got_accepted = jnp.any(accepted, axis=-1)
    if labelled_before is None:
        next_accepted = jnp.full((), jnp.nan)
    else:
        next_accepted = _mean_where(got_accepted.astype(jnp.float32), labelled_before)
    out = {
        "sample_accuracy": jnp.mean(correct),
        "pass_at_k": jnp.mean(jnp.any(correct, axis=-1)),
        "acceptance_rate": jnp.mean(accepted),
        "false_positive_rate": _mean_where(accepted.astype(jnp.float32), wrong),
        "hard_fraction": jnp.mean(stats.p_hard),
        "labels_round": n_asked.astype(jnp.float32),
        "label_correct_rate": _mean_where(label_correct.astype(jnp.float32), asked),
        "labels_kept": jnp.sum(kept_labels).astype(jnp.float32),
        "labelled_digit_accuracy": _mean_where(per_prompt, labelled),
        "digit_accuracy_by_difficulty": by_difficulty,
        "wrong_label_digit_share": _mean_where(label_digits, given & ~label_correct),
        "labelled_next_accepted": next_accepted,
    }
    if filter_verdict is not None:
        passed = filter_verdict & wrong  # [P, k] the filter's false positives
        out["filter_fpr"] = _mean_where(filter_verdict.astype(jnp.float32), wrong)
        n_wrong = jnp.sum(jnp.where(onehot, jnp.sum(wrong, axis=-1)[:, None], 0), axis=0)  # [D]
        n_passed = jnp.sum(jnp.where(onehot, jnp.sum(passed, axis=-1)[:, None], 0), axis=0)
        out["filter_fpr_by_difficulty"] = jnp.where(
            n_wrong > 0,
            n_passed.astype(jnp.float32) / jnp.maximum(n_wrong, 1).astype(jnp.float32),
            jnp.nan,
        )
    return out


def evaluate(
    graphdef: nnx.GraphDef,
    params: nnx.State,
    problems,  # RoundProblems
    *,
    n_difficulties: int,
    chunk: int = 4096,
    key=None,
    temperature=1.0,
    task=None,
) -> dict[str, Array]:
    """Held-out greedy accuracy, overall and per difficulty 1..n_difficulties ([D]); with a
    `key`, also the accuracy of one sample per prompt at `temperature` (`test_accuracy_sampled`).
    `task`: the `sim.lm.tasks.LMTask` (None: `sim.lm.tasks.DEFAULT`).
    """
    from sim.lm import tasks

    task = tasks.get_task(tasks.DEFAULT) if task is None else task
    decode = dict(answer_len=problems.answers.shape[-1], chunk=chunk, eos=task.eos, pad=task.pad)
    answers = sample.generate(
        graphdef,
        params,
        problems.prompts,
        key=jax.random.key(0),  # unused by greedy decoding
        greedy=True,
        **decode,
    )
    correct = task.verify(answers, problems.reference)
    onehot = problems.difficulty[:, None] == jnp.arange(1, n_difficulties + 1)[None, :]
    per = jnp.sum(onehot & correct[:, None], axis=0) / jnp.maximum(jnp.sum(onehot, axis=0), 1)
    out = {"test_accuracy": jnp.mean(correct), "test_accuracy_by_difficulty": per}
    if key is not None:
        drawn = sample.generate(
            graphdef, params, problems.prompts, key=key, temperature=temperature, **decode
        )
        out["test_accuracy_sampled"] = jnp.mean(task.verify(drawn, problems.reference))
    return out
