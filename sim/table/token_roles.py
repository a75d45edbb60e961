"""The token task's roles that differ from the table's: its state and training data, the
mixtures on them, the learner (strong or factored, with sharing), generation and wrong labels
(see `sim.table.tokens` for the round)."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from sim import modes
from sim.candidates import label_slots
from sim.mixtures import global_weights
from sim.table.token_task import TokenTask, draw_wrong, marginals, project_factored
from sim.types import Array, Params


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
