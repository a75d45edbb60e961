"""Named strategies of FRAMEWORK.md §4 and the one place where role names become functions."""

from __future__ import annotations

from sim import allocate, labelers, learners, mixtures
from sim.filters import cd_filter
from sim.metrics import METRIC_DOCS
from sim.modes import MODES
from sim.types import Strategy

# The rows of the comparison: a choice of filter, allocation and mixture (config values).
PRESETS: dict[str, dict[str, str]] = {
    "do-nothing": dict(filter="none", allocation="none", mixture="replace"),
    "filter-only": dict(filter="gamma", allocation="none", mixture="replace"),
    "weak-only": dict(filter="none", allocation="uniform", mixture="global"),
    "boosting": dict(filter="gamma", allocation="focused", mixture="global"),
    "boosting-uniform": dict(filter="gamma", allocation="uniform", mixture="global"),
    "boosting-weights": dict(filter="gamma", allocation="boost_weights", mixture="global"),
    "accumulate": dict(filter="none", allocation="none", mixture="accumulate"),
}

PRESET_DOCS = {
    "do-nothing": "self-consuming training, no curation; collapse (C1)",
    "filter-only": "STaR without rationalization, ReST-EM, RFT: alpha = 0; plateau (C2)",
    "weak-only": "noisy labels alone, no filter; stops at the labeler's quality (C6)",
    "boosting": "the paper's Algorithm 2: gamma-noisy filter, labels on failures (C3, C5)",
    "boosting-uniform": "ablation: the same budget on random prompts",
    "boosting-weights": "AdaBoost-style reweighting by e^theta per unsolved round",
    "accumulate": "keep every round's data (accumulate-real-and-synthetic baselines)",
}

# Allocation names. "focused" spends labels where the model fails: in the replace mixture, which
# FRAMEWORK.md §3 defines as one weak label per rejected sample, that is each rejected sample
# ("rejected"); in the other mixtures it is the paper's hard set P- ("hard").
ALLOCATION_NAMES = ("focused", "hard", "rejected", "uniform", "none", "boost_weights", "soft")


def _allocation(name: str, mixture: str):
    if name == "focused":
        return allocate.rejected if mixture == "replace" else allocate.focused
    if name == "hard":
        return allocate.focused
    return allocate.ALLOCATIONS[name]


def _lookup(option: str, name: str, table) -> None:
    if name not in table:
        raise ValueError(f"{option} must be one of {sorted(table)}; got {name!r}")


def make_strategy(
    *,
    allocation: str = "focused",
    labeler: str = "stochastic",
    mixture: str = "global",
    learner: str = "strong",
    mode: str = "expected",
    samples_per_prompt: int = 8,
    labels_per_prompt: int = 8,
    filter_labels: bool = False,
    restart: bool = False,
    sgd_steps: int = 10,
    record: tuple[str, ...] | None = None,
) -> Strategy:
    """Resolves role names to functions, once. Raises ValueError naming a bad option.

    `record` names the metrics to keep each round (default all; see `sim.metrics`).
    """
    _lookup("allocation", allocation, ALLOCATION_NAMES)
    _lookup("labeler", labeler, labelers.LABELERS)
    _lookup("mixture", mixture, mixtures.MIXTURES)
    _lookup("learner", learner, learners.LEARNERS)
    _lookup("mode", mode, MODES)
    for option, v in (("filter_labels", filter_labels), ("restart", restart)):
        if not isinstance(v, bool):
            raise ValueError(f"{option} must be true or false; got {v!r}")
    if record is not None:
        record = tuple(record)
        for name in record:
            _lookup("record", name, METRIC_DOCS)
    return Strategy(
        filter_fn=cd_filter,
        allocate_fn=_allocation(allocation, mixture),
        label_fn=labelers.LABELERS[labeler],
        mixture_fn=mixtures.MIXTURES[mixture],
        learner_fn=learners.LEARNERS[learner],
        mode=MODES[mode],
        samples_per_prompt=samples_per_prompt,
        labels_per_prompt=labels_per_prompt,
        filter_labels=filter_labels,
        restart=restart,
        sgd_steps=sgd_steps,
        record=record,
    )
