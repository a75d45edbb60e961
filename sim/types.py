"""Types of the finite-vocabulary simulator: the task, the parameters, the state, the strategy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from theory import difficulty

Array = Any  # a jax.Array or anything jnp.asarray accepts


class Task(NamedTuple):
    """A finite-vocabulary task (framework §2): prompts, responses, correct sets, base model.

    Attributes:
      correct: correct-response mask G(x); every row has at least one True and one False.
      base_probs: the base model p_0(.|x); rows sum to 1.
      prompt_weights: the prompt distribution D; sums to 1.
    """

    correct: Array  # [P, V] bool
    base_probs: Array  # [P, V] float
    prompt_weights: Array  # [P] float

    @property
    def n_prompts(self) -> int:
        return self.correct.shape[-2]

    @property
    def n_responses(self) -> int:
        return self.correct.shape[-1]


class Params(NamedTuple):
    """Traced hyper-parameters of one round; every field can be vmapped over (grids, sweeps).

    Scalars by default; `filter_tpr`, `filter_fpr` may be [P] for a per-prompt filter. Build with
    `make_params`, which checks every range.

    Difficulty-dependent quality (framework §8): with a_0(x) the base model's accuracy, the
    stochastic labeler's correct mass is b(x) = beta_hard + (beta - beta_hard) a_0(x) and the
    filter's false-positive rate d(x) = gamma_hard + (filter_fpr - gamma_hard) a_0(x). The
    "same as" default is NaN rather than a copy, so a grid over beta or filter_fpr keeps it.
    """

    beta: Array  # [] weak labeler's correct mass b(x) on prompts with a_0(x) = 1, in (0, 1]
    beta_hard: Array  # [] its correct mass where a_0(x) = 0, in [0, 1]; NaN: the same as beta
    filter_tpr: Array  # [] or [P] c: filter acceptance of a correct response, in [0, 1]
    filter_fpr: Array  # [] or [P] d: filter acceptance of an incorrect response, in [0, 1]
    gamma_hard: Array  # [] or [P] d where a_0(x) = 0, in [0, 1); NaN: the same as filter_fpr
    alpha: Array  # [] weight of weak data in the global mixture, in [0, 1]
    theta: Array  # [] boosting weight (boost-weights allocation), in [0, 50]
    tau: Array  # [] temperature of the soft allocation, in [1e-6, 1e6]
    eta: Array  # [] step of the partial learner, in (0, 1]
    lr: Array  # [] learning rate of the logit-SGD learner, in (0, 1e3]
    label_budget: Array  # [] labels the labeler may give per round, >= 0
    wrong_spread: Array  # [] share of the labeler's wrong mass spread over all wrong answers
    delta: Array  # [] a prompt is solved when its error is <= delta, in [0, 1)


class Range(NamedTuple):
    """The valid values of a numeric option: [lo, hi], either end open; `integer` for counts.

    `str(r)` is how the range is written everywhere (listings, docs, error messages): `(0, 1]`.
    """

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def __str__(self) -> str:
        def end(v) -> str:
            return str(int(v)) if self.integer and np.isfinite(v) else f"{v:g}"

        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"{left}{end(self.lo)}, {end(self.hi)}{right}"

    def contains(self, value) -> bool:
        """Whether every entry of `value` lies in the range (NaN never does)."""
        v = np.asarray(value, dtype=np.float64)
        lo_ok = v > self.lo if self.lo_open else v >= self.lo
        hi_ok = v < self.hi if self.hi_open else v <= self.hi
        return bool(v.size) and bool(np.all(lo_ok & hi_ok))

    def check(self, name: str, value) -> None:
        """Raises ValueError naming `name` and the range if `value` lies outside it."""
        if not self.contains(value):
            what = "be an integer in" if self.integer else "lie in"
            raise ValueError(f"{name} must {what} {self}; got {value!r}")


UNIT = Range(0.0, 1.0)  # [0, 1]
# Valid range of each of the simulator's numeric hyper-parameters, stated once: read by
# `make_params`, the filters, and the command-line configs' option declarations.
RANGES: dict[str, Range] = {
    "beta": Range(0.0, 1.0, lo_open=True),
    "gamma": Range(0.0, 1.0, hi_open=True),
    "beta_hard": UNIT,
    "gamma_hard": Range(0.0, 1.0, hi_open=True),
    "filter_tpr": UNIT,
    "filter_fpr": UNIT,
    "alpha": UNIT,
    # Bounded so that float32 never overflows: e^theta and error / tau stay finite.
    "theta": Range(0.0, 50.0),
    "tau": Range(1e-6, 1e6),
    "eta": Range(0.0, 1.0, lo_open=True),
    "lr": Range(0.0, 1e3, lo_open=True),
    "label_budget": Range(0.0, np.inf),
    "wrong_spread": UNIT,
    "delta": Range(0.0, 1.0, hi_open=True),
}


def check_range(name: str, value) -> None:
    """Raises ValueError naming `name` and its valid range if `value` lies outside it."""
    RANGES[name].check(name, value)


def default_theta(beta) -> np.ndarray:
    """The boosting weight of the paper's Algorithm 2: theta = log(1 / (1 - beta)) (C5).

    Of the nominal beta, also when beta_hard differs: the weight tracks the labeler's quality
    on the prompts the model solves, and beta_hard = 0 would make it 0 (no reweighting at all).
    """
    beta = np.asarray(beta, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(beta < 1.0, -np.log1p(-np.minimum(beta, 1.0)), 50.0)


def make_params(
    *,
    beta=0.3,
    filter_tpr=1.0,
    filter_fpr=0.0,
    beta_hard=None,
    gamma_hard=None,
    alpha=1.0 / 3.0,
    theta=None,
    tau=0.1,
    eta=0.5,
    lr=1.0,
    label_budget=np.inf,
    wrong_spread=0.0,
    delta=0.05,
    dtype=jnp.float32,
) -> Params:
    """Builds `Params`, checking each value against its range (raises ValueError naming it).

    `theta=None` uses the paper's default log(1/(1-beta)). `label_budget=inf` never binds. Arrays
    are accepted for every field (for grids); all are cast to `dtype` (float32 unless asked).
    `beta_hard=None` / `gamma_hard=None` (stored as NaN) give the labeler and the filter the same
    quality on every prompt; a value makes it depend on a_0(x) (framework §8, see `Params`).
    """
    if theta is None:
        theta = default_theta(beta)
    for name, v in (("beta_hard", beta_hard), ("gamma_hard", gamma_hard)):
        if v is not None:
            check_range(name, v)
    values = dict(
        beta=beta,
        beta_hard=np.nan if beta_hard is None else beta_hard,
        filter_tpr=filter_tpr,
        filter_fpr=filter_fpr,
        gamma_hard=np.nan if gamma_hard is None else gamma_hard,
        alpha=alpha,
        theta=theta,
        tau=tau,
        eta=eta,
        lr=lr,
        label_budget=label_budget,
        wrong_spread=wrong_spread,
        delta=delta,
    )
    for name, v in values.items():
        if name not in ("beta_hard", "gamma_hard"):
            check_range(name, v)
    return Params(**{n: jnp.asarray(v, dtype=dtype) for n, v in values.items()})


def task_accuracy(task: Task) -> Array:
    """a_0(x) = p_0(G(x)|x), the base model's accuracy per prompt. [P]"""
    return jnp.sum(jnp.where(task.correct, task.base_probs, 0.0), axis=-1)


def labeler_mass(task: Task, params: Params) -> Array:
    """b(x) = beta_hard + (beta - beta_hard) a_0(x) (framework §8); beta where beta_hard is
    unset. In the task's dtype. [P]"""
    a0 = task_accuracy(task)
    hard = jnp.where(jnp.isnan(params.beta_hard), params.beta, params.beta_hard)
    return difficulty.labeler_mass(a0, params.beta, hard).astype(a0.dtype)


def filter_fpr(task: Task, params: Params) -> Array:
    """d(x) = gamma_hard + (filter_fpr - gamma_hard) a_0(x) (framework §8); filter_fpr where
    gamma_hard is unset (filter_fpr may itself be [P]). In the task's dtype. [P]"""
    a0 = task_accuracy(task)
    fpr = params.filter_fpr
    hard = jnp.where(jnp.isnan(params.gamma_hard), fpr, params.gamma_hard)
    return difficulty.filter_fpr(a0, fpr, hard).astype(a0.dtype)


class SimState(NamedTuple):
    """State of the finite-vocabulary model between rounds."""

    probs: Array  # [P, V] the model p_t(.|x)
    weights: Array  # [P] boosting weights (mean 1), used by the boost-weights allocation
    data: Array  # [P, V] training data kept across rounds (accumulate mixture), else zeros
    labels_spent: Array  # [] labels asked of the labeler so far
    round: Array  # [] int, rounds completed


class PromptStats(NamedTuple):
    """What the allocation sees of a round: per-prompt outcome of generate + filter."""

    n_drawn: Array  # [P] samples drawn (k)
    n_accepted: Array  # [P] samples the filter accepted (expected count in expected mode)
    n_rejected: Array  # [P] samples the filter rejected
    p_hard: Array  # [P] probability that no sample was accepted (the hard set P-)

    @classmethod
    def of(cls, n_drawn: Array, n_rejected: Array, mode: Mode) -> PromptStats:
        """The stats from draws and rejections (the accepted count follows; the hard set's
        probability is the mode's)."""
        return cls(
            n_drawn=n_drawn,
            n_accepted=n_drawn - n_rejected,
            n_rejected=n_rejected,
            p_hard=mode.p_none(n_rejected, n_drawn),
        )


class Mode(NamedTuple):
    """How a round's random quantities materialise: by expectation or by sampling.

    Every role is written against these three primitives, so a role never branches on the mode.
    """

    name: str
    # (key, probs [P,V], n [P], keep [P,V], *, max_n) -> (drawn [P,V], kept [P,V])
    draw: Callable[..., tuple[Array, Array]]
    # (key, counts [P,V], keep [P,V], *, max_n) -> each counted unit kept w.p. keep [P,V]
    thin: Callable[..., Array]
    # (n_rejected [P], n_drawn [P]) -> probability that none was accepted [P]
    p_none: Callable[[Array, Array], Array]
    # (key, inclusion [P]) -> selected [P] in [0, 1] (expected: the probability itself)
    select: Callable[..., Array]
    # rounding of a labeler's count of correct labels (identity in expected mode)
    units: Callable[[Array], Array]


@dataclasses.dataclass(frozen=True)
class Strategy:
    """The static structure of a round: one function per role, plus shapes.

    Hashable, so it is a static argument of `jax.jit`; numeric hyper-parameters live in `Params`.
    The five roles of framework §3 are `filter_fn` (generate is the mode's `draw`),
    `allocate_fn`, `label_fn`, `mixture_fn` and `learner_fn`; see their modules for signatures.
    """

    filter_fn: Callable
    allocate_fn: Callable
    label_fn: Callable
    mixture_fn: Callable
    learner_fn: Callable
    mode: Mode
    samples_per_prompt: int = 8  # k
    labels_per_prompt: int = 8  # m: labels given to each prompt chosen by the allocation
    filter_labels: bool = False  # pass weak labels through the filter ("Boosting (A)")
    restart: bool = False  # prompts the learner does not fit fall back to p_0 instead of p_t
    sgd_steps: int = 10  # gradient steps of the logit-SGD learner
    # Metrics to record each round (None: all of `sim.metrics.METRIC_DOCS`). The rest are
    # never computed: jit drops what no output needs, which matters in large sweeps.
    record: tuple[str, ...] | None = None

    def __post_init__(self):
        for name in ("samples_per_prompt", "labels_per_prompt", "sgd_steps"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {v!r}")
