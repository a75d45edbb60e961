"""The simulator's `SimConfig` (typed, range-checked); `override` and `parse_sets` are
re-exported from `experiments.configs.coerce`."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import sim
from experiments.configs import token_options
from experiments.configs.coerce import MAX_INT, override, parse_sets
from experiments.errors import OptionError
from sim import filters
from sim.strategies import ALLOCATION_NAMES, CHECKED_LABELS
from sim.strategies import PRESETS as STRATEGY_PRESETS
from sim.table import tokens as token_lib
from sim.table.token_task import ALPHABET_RANGE, LENGTH_RANGE, WRONG_KINDS
from sim.types import check_range, default_theta

# A PRNG key holds a uint32 seed: seed, seed + 1, ... must stay below 2**32 to be distinct.
MAX_SEED = 2**32 - 1
# Bounds of the whole-number options: beyond them a run would not fit in memory or time.
INT_RANGES = {
    "rounds": (1, 100_000),
    "seeds": (1, 65_536),
    "n_prompts": (1, 2**24),
    "n_responses": (2, 2**16),
    "samples_per_prompt": (1, 2**16),
    "labels_per_prompt": (1, 2**16),
    "sgd_steps": (1, 100_000),
    "n_correct": (1, 2**16),
    "seed": (0, MAX_SEED),
    "task_seed": (0, MAX_SEED),
    "answer_length": LENGTH_RANGE,
    "alphabet": ALPHABET_RANGE,
    "n_classes": (1, 2**24),
}
TASKS = ("table", "tokens")
# Options that only one task reads: setting one for the other task is an error.
TOKEN_ONLY = ("answer_length", "alphabet", "wrong_labels", "share", "n_classes")
TABLE_ONLY = ("n_responses", "n_correct")
MAX_CELLS = 2**28  # n_prompts * n_responses: one [P, V] float32 array of 1 GiB
MAX_CONCENTRATION = 1e6


def _choice(option: str, value, choices) -> None:
    if value not in choices:
        raise OptionError(f"{option} must be one of {sorted(choices)}; got {value!r}")


def _int_range(option: str, value, low: int, high: int) -> None:
    if value < low:
        raise OptionError(f"{option} must be an integer >= {low}; got {value!r}")
    if value > high:
        raise OptionError(f"{option} must be an integer <= {high}; got {value!r}")


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """One finite-vocabulary simulation: every key of framework §2, plus the round's roles.

    `strategy` names a preset of framework §4 that fills `filter`, `allocation` and `mixture`
    when they are left unset (None); any of them can be set explicitly. Run with
    `python -m experiments run sim --set strategy=boosting beta=0.3 gamma=0.2` (about 5 s).
    Floats are simulated in float32.
    """

    strategy: str = "boosting"
    task: str = "table"  # table: whole responses [P, V]; tokens: answers of L tokens [P, L, A]
    mode: str = "expected"  # expected | sampled
    rounds: int = 20  # T
    seeds: int = 1  # independent rollouts (sampled mode); the task is shared
    seed: int = 0  # first rollout seed; rollouts use seed, seed + 1, ...
    task_seed: int = 0  # seed of the random task
    # The task: prompts X, responses Y, correct sets G, base model p_0.
    n_prompts: int = 1024
    n_responses: int = 32
    n_correct: int = 1  # |G(x)|
    base_accuracy_mean: float = 0.3  # mean of a_0 over solvable prompts
    base_accuracy_concentration: float = 2.0  # Beta concentration of a_0 (small: spread out)
    frac_unsolvable: float = 0.2  # share of prompts with a_0 = 0
    wrong_concentration: float = 0.5  # Dirichlet concentration of the base model's wrong mass
    # The token task (task=tokens, sim.table.tokens): answers of L tokens over A symbols.
    answer_length: int = 5  # L, tokens per answer
    alphabet: int = 10  # A, symbols per token
    wrong_labels: str = "random"  # near | random | shuffled: the kind of a wrong label
    share: float = 0.0  # tau: weight of the class's pooled per-position fit after each fit
    n_classes: int = 1  # classes sharing statistics: equal buckets by base accuracy
    # Generator and filter.
    samples_per_prompt: int = 8  # k
    filter: str | None = None  # perfect | gamma | general | none
    gamma: float = 0.2  # false-positive rate of the gamma-noisy filter
    gamma_hard: float | None = None  # its rate where a_0 = 0 (framework §8); None = gamma
    filter_tpr: float = 1.0  # c, for filter=general
    filter_fpr: float = 0.0  # d, for filter=general
    # Weak labeler.
    labeler: str = "stochastic"  # stochastic | adversarial | base
    beta: float = 0.3  # the labeler's correct mass
    beta_hard: float | None = None  # its correct mass where a_0 = 0 (framework §8); None = beta
    wrong_spread: float = 0.0  # share of its wrong mass spread over all wrong answers
    filter_labels: bool = False  # pass weak labels through the filter ("Boosting (A)")
    # Allocation of the label budget.
    allocation: str | None = None  # focused | hard | rejected | uniform | none | ...
    label_budget: float | None = None  # B labels per round; None = n_prompts * labels_per_prompt
    labels_per_prompt: int = 8  # m
    theta: float | None = None  # boosting weight; None = log(1 / (1 - beta))
    tau: float = 0.1  # temperature of the soft allocation
    # Mixture and learner.
    mixture: str | None = None  # replace | global | accumulate
    alpha: float = 1.0 / 3.0  # weight of weak data (paper: 1/3)
    learner: str = "strong"  # strong | partial | sgd
    restart: bool = False  # unfitted prompts fall back to p_0 instead of p_t
    eta: float = 0.5  # partial learner's step
    lr: float = 1.0  # logit-SGD learning rate
    sgd_steps: int = 10
    delta: float = 0.05  # a prompt is solved when its error <= delta

    def __post_init__(self):
        _choice("strategy", self.strategy, STRATEGY_PRESETS)
        _choice("task", self.task, TASKS)
        _choice("mode", self.mode, sim.MODES)
        if self.task == "tokens":
            _choice("labeler", self.labeler, token_lib.TOKEN_LABELERS)
            _choice("learner", self.learner, token_lib.TOKEN_LEARNERS)
        else:
            _choice("labeler", self.labeler, ("stochastic", "adversarial", "base"))
            _choice("learner", self.learner, ("strong", "partial", "sgd"))
        _choice("wrong_labels", self.wrong_labels, WRONG_KINDS)
        if self.filter is not None:
            _choice("filter", self.filter, filters.NAMED)
        if self.allocation is not None:
            _choice("allocation", self.allocation, ALLOCATION_NAMES)
        if self.mixture is not None:
            _choice("mixture", self.mixture, ("replace", "global", "accumulate"))
        for name, (low, high) in INT_RANGES.items():
            _int_range(name, getattr(self, name), low, high)
        if not 0.0 <= self.share <= 1.0:  # NaN fails too
            raise OptionError(f"share must lie in [0, 1]; got {self.share!r}")
        if self.task == "tokens":
            token_options.check(self, MAX_CELLS)
        if self.seed + self.seeds - 1 > MAX_SEED:
            raise OptionError(
                f"seed + seeds - 1 must be <= 2**32 - 1 (distinct PRNG seeds); got seed={self.seed}"
                f", seeds={self.seeds}"
            )
        if self.task == "table" and self.n_prompts * self.n_responses > MAX_CELLS:
            raise OptionError(
                f"n_prompts * n_responses must be <= 2**28 (one [P, V] array); got "
                f"{self.n_prompts} * {self.n_responses}"
            )
        if self.n_correct >= self.n_responses:
            raise ValueError(
                f"n_correct must lie in [1, n_responses - 1] = [1, {self.n_responses - 1}]; "
                f"got {self.n_correct}"
            )
        for name in (
            "beta",
            "gamma",
            "filter_tpr",
            "filter_fpr",
            "alpha",
            "tau",
            "eta",
            "lr",
            "wrong_spread",
            "delta",
        ):
            check_range(name, getattr(self, name))
        for name in ("theta", "beta_hard", "gamma_hard"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name))
        if self.label_budget is not None:
            check_range("label_budget", self.label_budget)
        if not 0 < self.base_accuracy_mean < 1:
            raise ValueError(
                f"base_accuracy_mean must lie in (0, 1); got {self.base_accuracy_mean}"
            )
        if not 0 <= self.frac_unsolvable <= 1:
            raise ValueError(f"frac_unsolvable must lie in [0, 1]; got {self.frac_unsolvable}")
        for name in ("base_accuracy_concentration", "wrong_concentration"):
            if not 0 < getattr(self, name) <= MAX_CONCENTRATION:
                raise ValueError(f"{name} must be > 0 and <= 1e6; got {getattr(self, name)}")

    def check_set(self, keys: set[str]) -> None:
        """Options the resolved filter or task ignores are errors when set (naming the one that
        applies)."""
        ignored = TABLE_ONLY if self.task == "tokens" else TOKEN_ONLY
        for key in sorted(keys & set(ignored)):
            other = "table" if self.task == "tokens" else "tokens"
            raise OptionError(f"{key} applies only to task={other}, and the task is {self.task!r}")
        name = self.filter or STRATEGY_PRESETS[self.strategy]["filter"]
        for key in sorted(keys & {"filter_tpr", "filter_fpr"}):
            if name != "general":
                hint = "; set gamma (its false-positive rate)" if name == "gamma" else ""
                raise OptionError(
                    f"{key} applies only to filter=general, and the filter is {name!r}{hint}"
                )
        if "gamma" in keys and name != "gamma":
            hint = "; set filter_tpr and filter_fpr (c, d)" if name == "general" else ""
            raise OptionError(
                f"gamma applies only to filter=gamma, and the filter is {name!r}{hint}"
            )

    def resolved(self) -> SimConfig:
        """Fills preset and derived defaults, so the saved config says exactly what ran."""
        preset = STRATEGY_PRESETS[self.strategy]
        return dataclasses.replace(
            self,
            filter=self.filter or preset["filter"],
            allocation=self.allocation or preset["allocation"],
            mixture=self.mixture or preset["mixture"],
            label_budget=(
                float(self.n_prompts * self.labels_per_prompt)
                if self.label_budget is None
                else self.label_budget
            ),
            theta=float(default_theta(self.beta)) if self.theta is None else self.theta,
            filter_labels=self.filter_labels or self.strategy in CHECKED_LABELS,
        )

    # -- the objects the simulator takes ------------------------------------------------------

    def filter_rates(self) -> tuple[float, float]:
        """(c, d) of the resolved filter."""
        name = self.filter or STRATEGY_PRESETS[self.strategy]["filter"]
        return filters.resolve(
            name, gamma=self.gamma, filter_tpr=self.filter_tpr, filter_fpr=self.filter_fpr
        )

    def make_task(self, dtype=jnp.float32):
        """The task: a `sim.Task` [P, V], or with task=tokens a `TokenTask` [P, L, A]."""
        if self.task == "tokens":
            return token_options.make_task(self, dtype)
        return sim.make_task(
            jax.random.key(self.task_seed),
            n_prompts=self.n_prompts,
            n_responses=self.n_responses,
            n_correct=self.n_correct,
            base_accuracy_mean=self.base_accuracy_mean,
            base_accuracy_concentration=self.base_accuracy_concentration,
            frac_unsolvable=self.frac_unsolvable,
            wrong_concentration=self.wrong_concentration,
            dtype=dtype,
        )

    def make_params(self, dtype=jnp.float32) -> sim.Params:
        r = self.resolved()
        c, d = r.filter_rates()
        return sim.make_params(
            beta=r.beta,
            beta_hard=r.beta_hard,
            filter_tpr=c,
            filter_fpr=d,
            # gamma_hard, like gamma, is read by the gamma-noisy filter only.
            gamma_hard=r.gamma_hard if r.filter == "gamma" else None,
            alpha=r.alpha,
            theta=r.theta,
            tau=r.tau,
            eta=r.eta,
            lr=r.lr,
            label_budget=r.label_budget,
            wrong_spread=r.wrong_spread,
            delta=r.delta,
            dtype=dtype,
        )

    def make_strategy(self) -> sim.Strategy:
        r = self.resolved()
        if r.task == "tokens":
            return token_options.make_strategy(r)
        return sim.make_strategy(
            allocation=r.allocation,
            labeler=r.labeler,
            mixture=r.mixture,
            learner=r.learner,
            mode=r.mode,
            samples_per_prompt=r.samples_per_prompt,
            labels_per_prompt=r.labels_per_prompt,
            filter_labels=r.filter_labels,
            restart=r.restart,
            sgd_steps=r.sgd_steps,
        )

    def keys(self) -> jax.Array:
        """One PRNG key per rollout: seed, seed + 1, ... [seeds]"""
        seeds = np.arange(self.seed, self.seed + self.seeds, dtype=np.uint32)  # int32 would wrap
        return jax.vmap(jax.random.key)(jnp.asarray(seeds))


__all__ = ["MAX_INT", "OptionError", "SimConfig", "override", "parse_sets"]


PRESETS = {
    "tiny": SimConfig(n_prompts=64, n_responses=8, rounds=5),
    "default": SimConfig(),
    "large": SimConfig(n_prompts=8192, n_responses=64, rounds=50, seeds=8),
}
