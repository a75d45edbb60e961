"""The token task's round (generate, filter, allocate, label, fit) and rollout, on per-prompt,
per-position distributions [P, L, A] in coordinates relative to the right answer.

Filter, allocation and labelers are the shared roles: the verifier judges whole answers, so the
filter and the labelers act on each prompt's two candidates (right answer, wrong answer;
`sim.candidates`), and the allocation sees the usual `PromptStats`. What is specific to tokens
is what the learner is fitted on: the right answers' count R(x) and the wrong answers' tokens
T(x) [L, A] (per-position counts of offsets), and the two learners:

- strong: fits the whole answer. The model is the training distribution's conditional: right
  mass R / (R + N), wrong part T / (R + N) (N the wrong answers' count). Exact for whole-answer
  accuracy and for every position's marginal; what is not stored is the joint of the wrong part,
  so a SAMPLED wrong answer draws its tokens independently from the wrong part's marginals
  (its marginal counts stay unbiased; its verdict is "wrong" by construction).
- factored: fits per-position marginals (R e_0 + T) / (R + N) and generates their product, so
  a whole answer is right with probability prod_l m_l(0) (the learner of claim C8). Exact.

Sharing (`TokenTask.share` = tau): after the fit, p(x) = (1 - tau) fit(x) + tau g(class(x)), g the
data-weighted pooled fit of the class (sum of R and T over the class, normalised), mixed in the
mixture form (right mass and wrong part) and, for the factored learner, projected back to a
product. tau = 0: every prompt alone; tau = 1: one table per class and position.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from sim import allocate as allocate_lib
from sim import labelers, modes
from sim.candidates import candidate_task
from sim.filters import cd_filter
from sim.metrics import METRIC_DOCS, ROUND_METRICS, greedy_correct, round_metrics
from sim.strategies import ALLOCATION_NAMES, allocation_fn, lookup
from sim.table.token_roles import GENERATE, LABELS, MIXTURES, TokenData, TokenState, fit
from sim.table.token_task import WRONG_KINDS, TokenTask, marginals
from sim.types import Array, Params, PromptStats, SimState, Strategy

TOKEN_LEARNERS = ("strong", "factored")
TOKEN_MIXTURES = ("replace", "global", "accumulate")
# The base labeler draws whole answers from p_0, whose wrong answers are not of a wrong kind.
TOKEN_LABELERS = ("stochastic", "adversarial")


@dataclasses.dataclass(frozen=True)
class TokenStrategy(Strategy):
    """The round's roles for the token task: the table's `Strategy` (filter, allocation,
    labeler, mode, shapes) with the token mixture and learner, and the wrong labels' kind."""

    wrong_labels: str = "random"  # near | random | shuffled
    factored: bool = False  # learner: per-position marginals (True) or whole answers (False)


# -- the round -------------------------------------------------------------------------------


def init_state(task: TokenTask) -> TokenState:
    """The state before the first round: p_0, unit boosting weights, no data, no labels."""
    dtype = task.wrong.dtype
    return TokenState(
        right=task.right,
        wrong=task.wrong,
        weights=jnp.ones_like(task.right),
        data_right=jnp.zeros_like(task.right),
        data_wrong=jnp.zeros_like(task.wrong),
        labels_spent=jnp.zeros((), dtype),
        round=jnp.zeros((), jnp.int32),
    )


def state_metrics(state: TokenState, task: TokenTask, params: Params) -> dict[str, Array]:
    """Quality of the model: the table's metrics on whole answers, and `token_accuracy`.

    greedy_accuracy decodes each position's most likely offset (ties split), exact for the
    factored model and position-wise for the strong one; entropy and support size are the sums
    and products of the per-position ones (exact for a product, bounds for the strong model).
    """
    d = task.prompt_weights
    dtype = state.wrong.dtype
    err = jnp.sum(state.wrong[..., 0, :], axis=-1)
    m = marginals(state.right, state.wrong)  # [P, L, A]
    correct0 = (jnp.arange(task.alphabet) == 0).reshape(1, 1, -1)
    greedy = jnp.prod(greedy_correct(m, correct0), axis=-1)
    plogp = jnp.where(m > 0, m * jnp.log(jnp.where(m > 0, m, 1.0)), 0.0)
    support = jnp.prod(jnp.sum((m > 1e-6).astype(dtype), axis=-1), axis=-1)
    return {
        "mean_accuracy": jnp.sum(d * (1.0 - err)),
        "mean_error": jnp.sum(d * err),
        "max_error": jnp.max(err),
        "greedy_accuracy": jnp.sum(d * greedy),
        "solved_fraction": jnp.sum(d * (err <= params.delta).astype(dtype)),
        "entropy": -jnp.sum(d * jnp.sum(plogp, axis=(-1, -2))),
        "support_size": jnp.sum(d * support),
        "token_accuracy": jnp.sum(d * jnp.mean(m[..., 0], axis=-1)),
    }


def round_step(
    state: TokenState, task: TokenTask, params: Params, *, key, strategy: TokenStrategy
) -> tuple[TokenState, dict[str, Array]]:
    """One round of docs/framework.md §3 on the token model. Keys are split as in the table
    backend's `round_step`, so L = 1 reproduces it draw for draw."""
    k_gen, k_alloc, k_label, _ = jax.random.split(key, 4)
    mode = strategy.mode
    k = strategy.samples_per_prompt
    dtype = state.wrong.dtype
    cand = candidate_task(task.right, task.prompt_weights)

    # generate + filter (whole answers)
    accept = strategy.filter_fn(cand, params)  # [P, 2]
    n = jnp.full(state.right.shape, k, dtype)
    drawn, kept, accepted = GENERATE[mode.name](
        k_gen, state, n, accept, max_n=k, factored=strategy.factored
    )
    stats = PromptStats.of(n, jnp.sum(drawn - kept, axis=-1), mode)

    # allocate + label (the shared labelers over the two candidates)
    n_labels = strategy.allocate_fn(
        stats,
        params,
        prompt_weights=task.prompt_weights,
        boost_weights=state.weights,
        key=k_alloc,
        mode=mode,
        labels_per_prompt=strategy.labels_per_prompt,
    )
    err = jnp.sum(state.wrong[..., 0, :], axis=-1)
    cand_state = SimState(
        probs=jnp.stack([state.right, err], axis=-1),
        weights=state.weights,
        data=jnp.zeros_like(cand.base_probs),
        labels_spent=state.labels_spent,
        round=state.round,
    )
    label_keep = accept if strategy.filter_labels else jnp.ones_like(accept)
    max_labels = max(k, strategy.labels_per_prompt)
    given, kept_labels = strategy.label_fn(
        n_labels,
        cand_state,
        cand,
        params,
        label_keep,
        key=k_label,
        mode=mode,
        max_labels=max_labels,
    )
    labels = LABELS[mode.name](
        jax.random.fold_in(k_label, 1),
        task,
        given,
        kept_labels,
        params,
        max_labels=max_labels,
        kind=strategy.wrong_labels,
    )

    # fit
    data, carried = strategy.mixture_fn(accepted, labels, state, params)
    right, wrong = strategy.learner_fn(
        data, state, task, factored=strategy.factored, restart=strategy.restart
    )

    weights = allocate_lib.update_boost_weights(state.weights, stats.p_hard, params.theta)
    new = TokenState(
        right=right.astype(dtype),
        wrong=wrong.astype(dtype),
        weights=weights.astype(dtype),
        data_right=carried.right.astype(dtype),
        data_wrong=carried.wrong.astype(dtype),
        labels_spent=(state.labels_spent + jnp.sum(n_labels)).astype(dtype),
        round=state.round + 1,
    )
    metrics = state_metrics(new, task, params)
    metrics.update(round_metrics(stats, n_labels, given, cand))
    metrics["labels_spent"] = new.labels_spent
    return new, _recorded(metrics, strategy)


def _recorded(metrics: dict[str, Array], strategy: Strategy) -> dict[str, Array]:
    if strategy.record is None:
        return metrics
    return {name: metrics[name] for name in strategy.record}


def initial_metrics(state: TokenState, task: TokenTask, params: Params) -> dict[str, Array]:
    """Round-0 metrics: the base model's quality; round quantities are NaN, labels 0."""
    metrics = state_metrics(state, task, params)
    nan = jnp.full((), jnp.nan, state.wrong.dtype)
    metrics.update({name: nan for name in ROUND_METRICS})
    metrics["labels_round"] = jnp.zeros((), state.wrong.dtype)
    metrics["labels_spent"] = state.labels_spent
    return metrics


def rollout(
    task: TokenTask, params: Params, *, key, strategy: TokenStrategy, rounds: int
) -> tuple[TokenState, dict[str, Array]]:
    """Runs `rounds` rounds from p_0 with `lax.scan` (as `sim.table.rollout.rollout`).

    Returns:
      The final state and per-round metrics, each [T + 1] with index 0 the base model.
    """
    state = init_state(task)
    first = _recorded(initial_metrics(state, task, params), strategy)

    def body(s, k):
        return round_step(s, task, params, key=k, strategy=strategy)

    state, metrics = jax.lax.scan(body, state, jax.random.split(key, rounds))
    return state, {
        name: jnp.concatenate([first[name][None].astype(v.dtype), v]) for name, v in metrics.items()
    }


TOKEN_METRIC_DOCS = {
    "token_accuracy": "E_D[mean_l p_l(right token|x)], the mean per-token accuracy",
}


def make_token_strategy(
    *,
    learner: str = "strong",
    wrong_labels: str = "random",
    allocation: str = "focused",
    labeler: str = "stochastic",
    mixture: str = "global",
    mode: str = "expected",
    samples_per_prompt: int = 8,
    labels_per_prompt: int = 8,
    filter_labels: bool = False,
    restart: bool = False,
    record: tuple[str, ...] | None = None,
) -> TokenStrategy:
    """Resolves role names for the token task, once. Raises ValueError naming a bad option."""
    lookup("learner", learner, TOKEN_LEARNERS)
    lookup("wrong_labels", wrong_labels, WRONG_KINDS)
    lookup("allocation", allocation, ALLOCATION_NAMES)
    lookup("labeler", labeler, TOKEN_LABELERS)
    lookup("mixture", mixture, TOKEN_MIXTURES)
    lookup("mode", mode, modes.MODES)
    for option, v in (("filter_labels", filter_labels), ("restart", restart)):
        if not isinstance(v, bool):
            raise ValueError(f"{option} must be true or false; got {v!r}")
    if record is not None:
        record = tuple(record)
        for name in record:
            lookup("record", name, {**METRIC_DOCS, **TOKEN_METRIC_DOCS})
    return TokenStrategy(
        filter_fn=cd_filter,
        allocate_fn=allocation_fn(allocation, mixture),
        label_fn=labelers.LABELERS[labeler],
        mixture_fn=MIXTURES[mixture],
        learner_fn=fit,
        mode=modes.MODES[mode],
        samples_per_prompt=samples_per_prompt,
        labels_per_prompt=labels_per_prompt,
        filter_labels=filter_labels,
        restart=restart,
        record=record,
        wrong_labels=wrong_labels,
        factored=learner == "factored",
    )


__all__ = [
    "TOKEN_LEARNERS",
    "TOKEN_METRIC_DOCS",
    "TokenData",
    "TokenState",
    "TokenStrategy",
    "make_token_strategy",
    "marginals",
    "rollout",
    "round_step",
]
