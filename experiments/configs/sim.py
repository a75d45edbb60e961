"""The simulator's `SimConfig` (typed, range-checked); `override` and `parse_sets` are
re-exported from `experiments.configs.coerce`."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import sim
from experiments.configs import spec, token_options
from experiments.configs.coerce import MAX_INT, override, parse_sets
from experiments.configs.spec import MAX_SEED, PER_PROMPT, PROMPTS, SEED, integers, opt
from experiments.errors import OptionError
from sim import filters, labelers, mixtures
from sim.strategies import ALLOCATION_NAMES, CHECKED_LABELS
from sim.strategies import PRESETS as STRATEGY_PRESETS
from sim.table import learners
from sim.table import tokens as token_lib
from sim.table.token_task import ALPHABET_RANGE, LENGTH_RANGE, WRONG_KINDS
from sim.types import RANGES, UNIT, Range, default_theta

TASKS = ("table", "tokens")
# Options that only one task reads: setting one for the other task is an error.
TOKEN_ONLY = ("answer_length", "alphabet", "wrong_labels", "share", "n_classes")
TABLE_ONLY = ("n_responses", "n_correct")
MAX_CELLS = 2**28  # n_prompts * n_responses: one [P, V] float32 array of 1 GiB
# Learners and labelers by task (the declared choices are their union).
LEARNERS = {"table": tuple(learners.LEARNERS), "tokens": token_lib.TOKEN_LEARNERS}
LABELERS = {"table": tuple(labelers.LABELERS), "tokens": token_lib.TOKEN_LABELERS}
CONCENTRATION = Range(0.0, 1e6, lo_open=True)
OPEN_UNIT = Range(0.0, 1.0, lo_open=True, hi_open=True)  # (0, 1)


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """One finite-vocabulary simulation: every key of framework §2, plus the round's roles.

    `strategy` names a preset of framework §4 that fills `filter`, `allocation` and `mixture`
    when they are left unset (None); any of them can be set explicitly. Run with
    `python -m experiments run sim --set strategy=boosting beta=0.3 gamma=0.2` (about 5 s).
    Floats are simulated in float32.
    """

    strategy: str = opt("boosting", choices=STRATEGY_PRESETS, doc="a named strategy (framework §4)")
    task: str = opt(
        "table",
        choices=TASKS,
        doc="table: whole responses, a [P, V] table; tokens: answers of answer_length tokens "
        "over alphabet symbols, per-position [P, L, A] (docs/tokens.md)",
    )
    mode: str = opt("expected", choices=sim.MODES, doc="random draws by expectation, or sampled")
    rounds: int = opt(20, range=spec.ROUNDS, doc="T, the number of rounds")
    seeds: int = opt(1, range=spec.SEEDS, doc="rollouts (sampled mode); the task is shared")
    seed: int = opt(0, range=SEED, doc="first rollout seed; rollouts use seed, seed + 1, ...")
    task_seed: int = opt(0, range=SEED, doc="seed of the random task")
    # The task: prompts X, responses Y, correct sets G, base model p_0.
    n_prompts: int = opt(1024, range=PROMPTS, doc="P, the number of prompts")
    n_responses: int = opt(
        32, range=integers(2, 2**16), doc="V, responses per prompt (task=table; P * V <= 2**28)"
    )
    n_correct: int = opt(
        1, range=PER_PROMPT, doc="|G(x)|, correct responses per prompt (task=table; < n_responses)"
    )
    base_accuracy_mean: float = opt(0.3, range=OPEN_UNIT, doc="mean a_0 of solvable prompts")
    base_accuracy_concentration: float = opt(
        2.0, range=CONCENTRATION, doc="Beta concentration of a_0 (small: spread out)"
    )
    frac_unsolvable: float = opt(0.2, range=UNIT, doc="share of prompts with a_0 = 0")
    wrong_concentration: float = opt(
        0.5, range=CONCENTRATION, doc="Dirichlet concentration of the base model's wrong mass"
    )
    # The token task (task=tokens, sim.table.tokens): answers of L tokens over A symbols.
    answer_length: int = opt(5, range=LENGTH_RANGE, doc="L, tokens per answer (task=tokens)")
    alphabet: int = opt(10, range=ALPHABET_RANGE, doc="A, symbols per token (task=tokens)")
    wrong_labels: str = opt(
        "random",
        choices=WRONG_KINDS,
        doc="task=tokens: a wrong label is a near miss (one position wrong), a uniformly random "
        "wrong answer, or another prompt's right answer (shuffled)",
    )
    share: float = opt(
        0.0,
        range=UNIT,
        doc="task=tokens: tau, after each fit p(x) = (1 - tau) fit(x) + tau pooled fit of its "
        "class",
    )
    n_classes: int = opt(
        1,
        range=PROMPTS,
        doc="task=tokens: classes of prompts sharing statistics, equal buckets by base accuracy "
        "(<= n_prompts)",
    )
    # Generator and filter.
    samples_per_prompt: int = opt(8, range=PER_PROMPT, doc="k, samples drawn per prompt")
    filter: str | None = opt(
        None,
        choices=filters.NAMED,
        unset="the strategy's",
        doc="the filter's kind (framework §3)",
    )
    gamma: float = opt(0.2, range=RANGES["gamma"], doc="false-positive rate of the gamma filter")
    gamma_hard: float | None = opt(
        None,
        range=RANGES["gamma_hard"],
        unset="gamma",
        doc="the gamma filter's false-positive rate where a_0 = 0 (framework §8)",
    )
    filter_tpr: float = opt(1.0, range=RANGES["filter_tpr"], doc="c, for filter=general")
    filter_fpr: float = opt(0.0, range=RANGES["filter_fpr"], doc="d, for filter=general")
    # Weak labeler.
    labeler: str = opt(
        "stochastic",
        choices=dict.fromkeys([*LABELERS["table"], *LABELERS["tokens"]]),
        doc="the weak labeler's kind (framework §3); base: task=table only",
    )
    beta: float = opt(0.3, range=RANGES["beta"], doc="the labeler's correct mass")
    beta_hard: float | None = opt(
        None,
        range=RANGES["beta_hard"],
        unset="beta",
        doc="the labeler's correct mass where a_0 = 0 (framework §8)",
    )
    wrong_spread: float = opt(
        0.0,
        range=RANGES["wrong_spread"],
        doc="share of the labeler's wrong mass spread over all wrong answers",
    )
    filter_labels: bool = opt(False, doc='pass weak labels through the filter ("Boosting (A)")')
    # Allocation of the label budget.
    allocation: str | None = opt(
        None,
        choices=ALLOCATION_NAMES,
        unset="the strategy's",
        doc="where the label budget goes (framework §3)",
    )
    label_budget: float | None = opt(
        None,
        range=RANGES["label_budget"],
        unset="n_prompts * labels_per_prompt",
        doc="B, labels per round",
    )
    labels_per_prompt: int = opt(8, range=PER_PROMPT, doc="m, labels per prompt it chooses")
    theta: float | None = opt(
        None,
        range=RANGES["theta"],
        unset="log(1 / (1 - beta))",
        doc="boosting weight of the boost_weights allocation",
    )
    tau: float = opt(0.1, range=RANGES["tau"], doc="temperature of the soft allocation")
    # Mixture and learner.
    mixture: str | None = opt(
        None,
        choices=mixtures.MIXTURES,
        unset="the strategy's",
        doc="how accepted samples and weak labels are mixed",
    )
    alpha: float = opt(1 / 3, range=RANGES["alpha"], doc="weak data's weight (global; paper: 1/3)")
    learner: str = opt(
        "strong",
        choices=dict.fromkeys([*LEARNERS["table"], *LEARNERS["tokens"]]),
        doc="how the model fits the mixture (framework §3); partial, sgd: task=table; "
        "factored (per-position marginals): task=tokens",
    )
    restart: bool = opt(False, doc="unfitted prompts fall back to p_0 instead of p_t")
    eta: float = opt(0.5, range=RANGES["eta"], doc="step of the partial learner")
    lr: float = opt(1.0, range=RANGES["lr"], doc="learning rate of the logit-SGD learner")
    sgd_steps: int = opt(10, range=integers(1, 100_000), doc="steps of the logit-SGD learner")
    delta: float = opt(0.05, range=RANGES["delta"], doc="solved: a prompt's error <= delta")

    def __post_init__(self):
        spec.check(self)
        for name, allowed in (("labeler", LABELERS), ("learner", LEARNERS)):
            value = getattr(self, name)
            if value not in allowed[self.task]:
                raise OptionError(
                    f"{name} must be one of {sorted(allowed[self.task])} with task={self.task}; "
                    f"got {value!r}"
                )
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
            raise OptionError(
                f"n_correct must lie in [1, n_responses - 1] = [1, {self.n_responses - 1}]; "
                f"got {self.n_correct}"
            )

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
