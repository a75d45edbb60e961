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
from typing import NamedTuple

import jax
import jax.numpy as jnp

from sim import allocate as allocate_lib
from sim import labelers, modes
from sim.candidates import candidate_task, label_slots
from sim.filters import cd_filter
from sim.metrics import ROUND_METRICS, greedy_correct, round_metrics
from sim.mixtures import global_weights
from sim.strategies import ALLOCATION_NAMES, allocation_fn, lookup
from sim.table.token_task import WRONG_KINDS, TokenTask, draw_wrong, marginals, project_factored
from sim.types import Array, Params, PromptStats, SimState, Strategy

TOKEN_LEARNERS = ("strong", "factored")
TOKEN_MIXTURES = ("replace", "global", "accumulate")
# The base labeler draws whole answers from p_0, whose wrong answers are not of a wrong kind.
TOKEN_LABELERS = ("stochastic", "adversarial")


class TokenState(NamedTuple):
    """The token model between rounds (see `sim.table.token_task` for the representation)."""

    right: Array  # [P] whole-answer right mass a_t(x)
    wrong: Array  # [P, L, A] wrong part per position; each row sums to 1 - a_t(x)
    weights: Array  # [P] boosting weights (mean 1)
    data_right: Array  # [P] right answers kept across rounds (accumulate mixture), else 0
    data_wrong: Array  # [P, L, A] wrong answers' tokens kept across rounds, else 0
    labels_spent: Array  # [] labels asked of the labeler so far
    round: Array  # [] int


class TokenData(NamedTuple):
    """Training answers of one prompt set: right answers' count and wrong answers' tokens."""

    right: Array  # [P] count (expected count in expected mode)
    wrong: Array  # [P, L, A] per position, counts of each offset; rows sum to the wrong count

    def __add__(self, other):  # noqa: D105 - counts add
        return TokenData(self.right + other.right, self.wrong + other.wrong)

    def scale(self, w) -> TokenData:
        return TokenData(w * self.right, w * self.wrong)

    @property
    def n_wrong(self) -> Array:  # [P]
        return jnp.sum(self.wrong[..., 0, :], axis=-1)

    @property
    def row(self) -> Array:  # [P, A]
        """Position 0's counts with the right answers at offset 0: with L = 1 exactly the
        table backend's [P, V] counts, so totals are summed as there, bit for bit."""
        return self.wrong[..., 0, :].at[..., 0].add(self.right)

    @property
    def total(self) -> Array:  # [P]
        return jnp.sum(self.row, axis=-1)


@dataclasses.dataclass(frozen=True)
class TokenStrategy(Strategy):
    """The round's roles for the token task: the table's `Strategy` (filter, allocation,
    labeler, mode, shapes) with the token mixture and learner, and the wrong labels' kind."""

    wrong_labels: str = "random"  # near | random | shuffled
    factored: bool = False  # learner: per-position marginals (True) or whole answers (False)


# -- mixtures: (accepted, labels, state, params) -> (training data, data carried) ------------


def replace(acc: TokenData, lab: TokenData, state: TokenState, params: Params):
    """Accepted samples plus weak labels as raw counts (`sim.mixtures.replace`)."""
    del params
    return acc + lab, TokenData(jnp.zeros_like(state.data_right), jnp.zeros_like(state.wrong))


def global_(acc: TokenData, lab: TokenData, state: TokenState, params: Params):
    """(1 - alpha) S + alpha L, S and L normalised (`sim.mixtures.global_weights`)."""
    w_s, w_l = global_weights(jnp.sum(acc.row), jnp.sum(lab.row), params.alpha)
    return acc.scale(w_s) + lab.scale(w_l), TokenData(
        jnp.zeros_like(state.data_right), jnp.zeros_like(state.wrong)
    )


def accumulate(acc: TokenData, lab: TokenData, state: TokenState, params: Params):
    """Every round's accepted samples and labels kept (`sim.mixtures.accumulate`)."""
    del params
    data = TokenData(state.data_right, state.data_wrong) + acc + lab
    return data, data


MIXTURES = {"replace": replace, "global": global_, "accumulate": accumulate}


# -- the learner -----------------------------------------------------------------------------


def _pooled(data: TokenData, classes: Array) -> tuple[Array, Array, Array]:
    """Per prompt, its class's pooled data: (right [P], wrong [P, L, A], total [P])."""
    right = classes @ (classes.T @ data.right)
    wrong = jnp.einsum("pc,cla->pla", classes, jnp.einsum("pc,pla->cla", classes, data.wrong))
    return right, wrong, right + jnp.sum(wrong[..., 0, :], axis=-1)


def fit(
    data: TokenData, state: TokenState, task: TokenTask, *, factored: bool, restart: bool
) -> tuple[Array, Array]:
    """The learner: the fit of `data`, mixed with the class's pooled fit by tau, and (factored)
    projected to a product of marginals. Prompts without data keep p_t (or p_0 on restart)
    before the mixing. Returns (right [P], wrong [P, L, A])."""
    start_r, start_w = (task.right, task.wrong) if restart else (state.right, state.wrong)
    row = data.row
    total = jnp.sum(row, axis=-1, keepdims=True)  # [P, 1]
    has = total[:, 0] > 0
    denom = jnp.maximum(total, 1e-30)
    # The right mass is divided as part of position 0's row, as the table backend divides
    # its rows, so that L = 1 is that backend bit for bit (ties in greedy decoding).
    # (offset 0 of that row less the wrong answers whose first token is right)
    right_row = jnp.concatenate([data.right[:, None], data.wrong[:, 0, 1:]], axis=-1)
    own_r = jnp.where(has, (right_row / denom)[:, 0], start_r)
    own_w = jnp.where(has[:, None, None], data.wrong / denom[:, :, None], start_w)
    pr, pw, pt = _pooled(data, task.classes)
    has_c = pt > 0
    pden = jnp.maximum(pt, 1e-30)
    tau = jnp.where(has_c, task.share, 0.0)
    right = (1.0 - tau) * own_r + tau * pr / pden
    wrong = (1.0 - tau)[:, None, None] * own_w + tau[:, None, None] * pw / pden[:, None, None]
    if factored:
        right, wrong = project_factored(marginals(right, wrong))
    return right, wrong


# -- generation ------------------------------------------------------------------------------


def _search(cdf: Array, t: Array) -> Array:
    """Per (prompt, position), the first offset whose cdf exceeds t: [P, L, A], [P, n, L]."""
    p, length, a = cdf.shape
    n = t.shape[1]
    flat_t = jnp.swapaxes(t, 1, 2).reshape(p * length, n)
    idx = modes._row_search(cdf.reshape(p * length, a), flat_t)
    return jnp.minimum(jnp.swapaxes(idx.reshape(p, length, n), 1, 2), a - 1)  # [P, n, L]


def _count_tokens(idx: Array, hit: Array, alphabet: int, dtype) -> Array:
    """Per position, how many of the answers idx [P, n, L] with hit [P, n] have each offset."""
    onehot = idx[..., None] == jnp.arange(alphabet, dtype=idx.dtype).reshape(1, 1, 1, -1)
    return jnp.sum(onehot & hit[..., None, None], axis=1).astype(dtype)


def _generate_expected(key, state, n, accept, *, max_n: int, factored: bool):
    """Expected counts: drawn [P, 2] (right, wrong), accepted TokenData."""
    del key, max_n, factored
    err = jnp.sum(state.wrong[..., 0, :], axis=-1)
    drawn = n[:, None] * jnp.stack([state.right, err], axis=-1)
    kept = drawn * accept
    acc = TokenData(kept[:, 0], (n * accept[:, 1])[:, None, None] * state.wrong)
    return drawn, kept, acc


def _generate_sampled(key, state, n, accept, *, max_n: int, factored: bool):
    """k answers per prompt, each kept with probability accept[x, verdict].

    Factored: every position from its marginal, right when every offset is 0. Strong: position
    0 from its marginal with the right answers' mass a_t(x) first, so a draw below a_t(x) is the
    right answer; the other positions of a wrong draw come from the wrong part's marginals.
    With L = 1 both are exactly the table backend's `sim.modes` draw (same key, same numbers).
    """
    right, wrong = state.right, state.wrong
    p, length, alphabet = wrong.shape
    dtype = wrong.dtype
    u_draw, u_keep = modes._uniform_pair(key, (p, max_n, length), dtype)
    u_keep = u_keep[..., 0]
    m = marginals(right, wrong)
    cdf_m = jnp.cumsum(m, axis=-1)
    t_m = u_draw * cdf_m[:, None, :, -1]
    if factored:
        idx = _search(cdf_m, t_m)
        correct = jnp.all(idx == 0, axis=-1)
    else:
        cdf_w = jnp.cumsum(wrong, axis=-1)
        idx_w = _search(cdf_w, u_draw * cdf_w[:, None, :, -1])
        idx0 = _search(cdf_m[:, :1], t_m[..., :1])
        correct = t_m[..., 0] < right[:, None]
        idx = jnp.where(jnp.arange(length).reshape(1, 1, -1) == 0, idx0, idx_w)
        idx = jnp.where(correct[..., None], 0, idx)
    active = jnp.arange(max_n, dtype=n.dtype)[None, :] < n[:, None]
    accepted = active & (u_keep < jnp.where(correct, accept[:, :1], accept[:, 1:]))
    count = lambda hit: jnp.sum(hit, axis=-1).astype(dtype)  # noqa: E731
    drawn = jnp.stack([count(active & correct), count(active & ~correct)], axis=-1)
    kept = jnp.stack([count(accepted & correct), count(accepted & ~correct)], axis=-1)
    acc = TokenData(kept[:, 0], _count_tokens(idx, accepted & ~correct, alphabet, dtype))
    return drawn, kept, acc


GENERATE = {"expected": _generate_expected, "sampled": _generate_sampled}


# -- labels ----------------------------------------------------------------------------------


def _labels_expected(key, task, given, kept, params, *, max_labels: int, kind: str):
    """Right labels e_0; wrong ones the fixed answer, a wrong_spread share fresh (its marginals)."""
    del key, given, max_labels, kind
    fixed = jax.nn.one_hot(task.fixed_wrong, task.alphabet, dtype=task.wrong.dtype)
    tokens = (1.0 - params.wrong_spread) * fixed + params.wrong_spread * task.fresh
    return TokenData(kept[:, 0], kept[:, 1][:, None, None] * tokens)


def _labels_sampled(key, task, given, kept, params, *, max_labels: int, kind: str):
    """Each kept wrong label slot (`sim.candidates.label_slots`) is a fresh wrong answer of the
    kind with probability wrong_spread, else the prompt's fixed wrong answer."""
    dtype = task.wrong.dtype
    k_fresh, k_draw = jax.random.split(key)
    idx, _, kept_slot = label_slots(given, kept, max_labels)
    fresh = draw_wrong(
        k_draw, kind, task.answers, task.fixed_wrong, (max_labels,), alphabet=task.alphabet
    )
    is_fresh = jax.random.uniform(k_fresh, idx.shape, dtype) < params.wrong_spread
    offsets = jnp.where(is_fresh[..., None], fresh, task.fixed_wrong[:, None, :])
    wrong_slot = kept_slot & (idx == 1)
    return TokenData(kept[:, 0], _count_tokens(offsets, wrong_slot, task.alphabet, dtype))


LABELS = {"expected": _labels_expected, "sampled": _labels_sampled}


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
    from sim.metrics import METRIC_DOCS

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
