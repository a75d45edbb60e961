"""The testbed's strategies: names of framework §4 resolved to a member's roles and parameters."""

from __future__ import annotations

import jax.numpy as jnp

from sim import filters
from sim.lm.base import TestbedConfig, lm_task
from sim.lm.data import LABEL_KINDS
from sim.lm.round import ALLOCATION_NAMES, LABELER_NAMES, MIXTURE_NAMES, LMStrategy, Roles
from sim.strategies import CHECKED_LABELS
from sim.strategies import PRESETS as SIM_PRESETS
from sim.types import Params, make_params

# The strategies of framework §4 that the transformer runs: the same (filter, allocation,
# mixture) triples as the simulator's presets, so a row means the same thing in both backends;
# plus `oracle`, boosting with a perfect labeler (beta = 1): what a perfect label buys.
# `boosting` trains on its weak labels unchecked (the theory's C3 arm); `boosting-checked`
# passes them through the filter first (the paper's Boosting (A)).
STRATEGIES = (
    "do-nothing",
    "filter-only",
    "weak-only",
    "boosting",
    "boosting-checked",
    "boosting-uniform",
    "boosting-weights",
    "oracle",
)
LABELERS = LABELER_NAMES
# "task": the task's own filter (`LMTask.accepts`, e.g. the visible examples of a program),
# for a task that has one; its false-positive rate is measured, not set.
FILTERS = ("gamma", "general", "perfect", "task")


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}")


def strategy_roles(name: str) -> dict[str, str]:
    """(filter, allocation, mixture) names of a strategy, as in the simulator's presets.

    "focused" is the paper's hard set P- (no accepted sample) in every mixture here: the
    simulator's one-label-per-rejected-sample form (its replace mixture) only exists for its
    count tables. The LM's "replace" mixture weighs every kept example the same.
    """
    _choice("strategy", name, STRATEGIES)
    roles = dict(SIM_PRESETS["boosting" if name == "oracle" else name])
    _choice("allocation", roles["allocation"], ALLOCATION_NAMES)
    _choice("mixture", roles["mixture"], MIXTURE_NAMES)
    return roles


def static_strategy(config: TestbedConfig) -> LMStrategy:
    """The round's static part: one per config, shared by every member of the population."""
    return LMStrategy(
        samples_per_prompt=config.samples_per_prompt,
        labels_per_prompt=config.labels_per_prompt,
        restart=config.restart,
        n_difficulties=lm_task(config).difficulties(config),
        task=lm_task(config),
    )


def member(config: TestbedConfig, name: str) -> tuple[Params, Roles]:
    """A strategy's traced hyper-parameters and roles (stacked over a population's members)."""
    roles = strategy_roles(name)
    _choice("labeler", config.labeler, LABELER_NAMES)
    _choice("wrong_labels", config.wrong_labels, LABEL_KINDS)
    # A strategy that filters uses the config's filter: gamma-noisy (c = 1, d = gamma) by
    # default, or a general (c, d) filter, or the perfect verifier.
    filt = config.filter if roles["filter"] == "gamma" else roles["filter"]
    own = filt == "task"  # the task's own verdict, kept as it is (c = 1, d = 0 over it)
    if own and not lm_task(config).has_filter:
        raise ValueError(
            f"filter=task needs a task with its own filter; task {config.task!r} has none "
            f"(filter must then be one of {[f for f in FILTERS if f != 'task']})"
        )
    c, d = (
        (1.0, 0.0)
        if own
        else filters.resolve(
            filt, gamma=config.gamma, filter_tpr=config.filter_tpr, filter_fpr=config.filter_fpr
        )
    )
    params = make_params(
        beta=1.0 if name == "oracle" else config.beta,
        alpha=config.alpha,
        label_budget=config.label_budget,
        filter_tpr=c,
        filter_fpr=d,
        wrong_spread=config.wrong_spread,
        # the oracle is right everywhere; others' quality may fall with the number of digits
        beta_hard=None if name == "oracle" else config.beta_hard,
        gamma_hard=None if own else config.gamma_hard,
    )
    return params, Roles(
        allocation=jnp.asarray(ALLOCATION_NAMES.index(roles["allocation"]), jnp.int32),
        mixture=jnp.asarray(MIXTURE_NAMES.index(roles["mixture"]), jnp.int32),
        # the oracle's labels are right everywhere, whatever the config's labeler
        labeler=jnp.asarray(
            0 if name == "oracle" else LABELER_NAMES.index(config.labeler), jnp.int32
        ),
        wrong_kind=jnp.asarray(LABEL_KINDS.index(config.wrong_labels), jnp.int32),
        # `filter_labels` checks the labels of every arm that asks for them
        check_labels=jnp.asarray(config.filter_labels or name in CHECKED_LABELS),
        task_filter=jnp.asarray(own),
    )
