"""The testbed's strategies: names of docs/framework.md §4 resolved to the round's static roles."""

from __future__ import annotations

from sim import allocate, filters
from sim.lm.base import TestbedConfig
from sim.lm.round import LABEL_FNS, MIXTURE_FNS, LMStrategy
from sim.strategies import PRESETS as SIM_PRESETS
from sim.types import Params, make_params

# The strategies of docs/framework.md §4 that the transformer runs: the same (filter, allocation,
# mixture) triples as the simulator's presets, so a row means the same thing in both backends.
STRATEGIES = (
    "do-nothing",
    "filter-only",
    "weak-only",
    "boosting",
    "boosting-uniform",
    "boosting-weights",
)
LABELERS = ("stochastic", "base")
FILTERS = ("gamma", "general", "perfect")
MIXTURES = ("global", "replace")


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
    roles = dict(SIM_PRESETS[name])
    _choice("filter", roles["filter"], filters.NAMED)
    _choice("allocation", roles["allocation"], allocate.ALLOCATIONS)
    _choice("mixture", roles["mixture"], MIXTURES)
    return roles


def make_strategy(config: TestbedConfig, name: str) -> tuple[LMStrategy, Params]:
    """Resolves a strategy name to its static roles and traced hyper-parameters, once."""
    roles = strategy_roles(name)
    # A strategy that filters uses the config's filter: gamma-noisy (c = 1, d = gamma) by
    # default, or a general (c, d) filter, or the perfect verifier.
    filt = config.filter if roles["filter"] == "gamma" else roles["filter"]
    c, d = filters.resolve(
        filt, gamma=config.gamma, filter_tpr=config.filter_tpr, filter_fpr=config.filter_fpr
    )
    strategy = LMStrategy(
        allocate_fn=allocate.ALLOCATIONS[roles["allocation"]],
        label_fn=LABEL_FNS[config.labeler],
        mixture_fn=MIXTURE_FNS[roles["mixture"]],
        samples_per_prompt=config.samples_per_prompt,
        labels_per_prompt=config.labels_per_prompt,
        filter_labels=config.filter_labels,
        restart=config.restart,
    )
    params = make_params(
        beta=config.beta,
        alpha=config.alpha,
        label_budget=config.label_budget,
        filter_tpr=c,
        filter_fpr=d,
    )
    return strategy, params
