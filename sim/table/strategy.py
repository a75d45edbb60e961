"""The finite-vocabulary backend's strategy: role names resolved to functions, once."""

from __future__ import annotations

from sim import labelers, mixtures
from sim.filters import cd_filter
from sim.metrics import METRIC_DOCS
from sim.modes import MODES
from sim.strategies import ALLOCATION_NAMES, allocation_fn, lookup
from sim.table import learners
from sim.types import Strategy


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
    lookup("allocation", allocation, ALLOCATION_NAMES)
    lookup("labeler", labeler, labelers.LABELERS)
    lookup("mixture", mixture, mixtures.MIXTURES)
    lookup("learner", learner, learners.LEARNERS)
    lookup("mode", mode, MODES)
    for option, v in (("filter_labels", filter_labels), ("restart", restart)):
        if not isinstance(v, bool):
            raise ValueError(f"{option} must be true or false; got {v!r}")
    if record is not None:
        record = tuple(record)
        for name in record:
            lookup("record", name, METRIC_DOCS)
    return Strategy(
        filter_fn=cd_filter,
        allocate_fn=allocation_fn(allocation, mixture),
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
