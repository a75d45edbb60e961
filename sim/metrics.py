"""Per-round metrics of a finite-vocabulary model: accuracy, errors, diversity, labels."""

from __future__ import annotations

import jax.numpy as jnp

from sim.types import Array, Params, Task

# Probabilities below this do not count towards the support size (expected mode never reaches
# an exact zero; sampled mode does).
SUPPORT_TOL = 1e-6

# Metrics that describe a round (not a state): undefined (NaN) before the first round.
ROUND_METRICS = ("acceptance_rate", "hard_fraction", "label_correct_rate")

METRIC_DOCS = {
    "mean_accuracy": "E_D[a_p(x)], a_p(x) = p(G(x)|x)",
    "mean_error": "E_D[1 - a_p(x)], summed from the wrong mass (exact near 0)",
    "max_error": "max_x (1 - a_p(x)): C3's claim is for every prompt",
    "greedy_accuracy": "D-weighted chance that the most likely response is correct (ties split)",
    "solved_fraction": "D-share of prompts with error <= delta: 1 - eps of the (eps, delta) test",
    "entropy": "E_D[H(p(.|x))] in nats: the diversity that collapses without curation",
    "support_size": f"E_D[#{{y: p(y|x) > {SUPPORT_TOL}}}]",
    "acceptance_rate": "accepted samples / drawn samples, this round",
    "hard_fraction": "D-share of the hard set (no sample accepted), this round",
    "labels_round": "labels given by the labeler this round",
    "labels_spent": "labels given so far",
    "label_correct_rate": "share of this round's labels that were correct (NaN if none)",
}


def greedy_correct(probs: Array, correct: Array) -> Array:
    """Chance that greedy decoding (argmax) is correct, ties broken uniformly at random. [P]

    Counting the maxima instead of calling argmax: exact with ties (common in sampled mode,
    where probabilities are multiples of 1/k) and several times faster on the CPU.
    """
    at_max = (probs - jnp.max(probs, axis=-1, keepdims=True) >= 0).astype(probs.dtype)
    return jnp.sum(jnp.where(correct, at_max, 0.0), axis=-1) / jnp.sum(at_max, axis=-1)


def state_metrics(probs: Array, task: Task, params: Params) -> dict[str, Array]:
    """Quality of the model p [P, V]: the metrics that need no round."""
    d = task.prompt_weights
    dtype = probs.dtype
    # The error is summed from the wrong mass (exact near 0, where log plots look); accuracy is
    # its complement (absolute precision ~1e-7 in float32), saving a pass over [P, V].
    err = jnp.sum(jnp.where(task.correct, 0.0, probs), axis=-1)
    right = 1.0 - err
    plogp = jnp.where(probs > 0, probs * jnp.log(jnp.where(probs > 0, probs, 1.0)), 0.0)
    return {
        "mean_accuracy": jnp.sum(d * right),
        "mean_error": jnp.sum(d * err),
        "max_error": jnp.max(err),
        "greedy_accuracy": jnp.sum(d * greedy_correct(probs, task.correct)),
        "solved_fraction": jnp.sum(d * (err <= params.delta).astype(dtype)),
        "entropy": -jnp.sum(d * jnp.sum(plogp, axis=-1)),
        "support_size": jnp.sum(d * jnp.sum((probs > SUPPORT_TOL).astype(dtype), axis=-1)),
    }


def round_metrics(stats, n_labels: Array, given: Array, task: Task) -> dict[str, Array]:
    """What a round did: acceptance, hard set, labels and their quality.

    Args:
      stats: the round's `PromptStats`.
      n_labels: [P] labels asked of the labeler (the row sums of `given`).
      given: [P, V] the labels it returned.
    """
    n_given = jnp.sum(n_labels)
    n_right = jnp.sum(jnp.where(task.correct, given, 0.0))
    return {
        "acceptance_rate": jnp.sum(stats.n_accepted) / jnp.maximum(jnp.sum(stats.n_drawn), 1e-30),
        "hard_fraction": jnp.sum(task.prompt_weights * stats.p_hard),
        "labels_round": n_given,
        "label_correct_rate": jnp.where(  # NaN when no label was given
            n_given > 0, n_right / jnp.maximum(n_given, 1e-30), jnp.nan
        ),
    }
