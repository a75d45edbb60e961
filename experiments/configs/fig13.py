"""Config and presets of `fig13`: which weak data pays on the testbed, checked or not."""

from __future__ import annotations

import dataclasses

from experiments.configs import spec
from experiments.configs import testbed as lm_config
from experiments.configs.spec import opt

# The rows of the table: what the weak labeler gives when it is wrong, as config changes of a
# member (`experiments.testbed_runs.MEMBER_FIELDS`). "consistent": one wrong answer per prompt,
# reused by every wrong label; "fresh": a new one for every label drawn.
ROWS: dict[str, tuple[tuple[str, object], ...]] = {
    "random-consistent": (("wrong_labels", "random"), ("wrong_spread", 0.0)),
    "random-fresh": (("wrong_labels", "random"), ("wrong_spread", 1.0)),
    "shuffled": (("wrong_labels", "shuffled"), ("wrong_spread", 0.0)),
    "near": (("wrong_labels", "near"), ("wrong_spread", 0.0)),
    "abstain": (("wrong_labels", "abstain"),),
    "labeler-base": (("labeler", "base"),),
}
# Rows run with `base.seeds` seeds; the others with `few_seeds`.
MAIN_ROWS = ("random-consistent", "random-fresh", "abstain")
# The two boosting arms of every row: weak labels unchecked (the theory's C3 arm) and checked
# by the filter (the paper's Boosting (A)).
ARMS = ("boosting", "boosting-checked")

BASE = dataclasses.replace(
    lm_config.PRESETS["default"], strategies=("filter-only", "oracle"), seeds=5
)


@dataclasses.dataclass(frozen=True)
class Fig13Config:
    """Figure 13: where weak data pays on the testbed. For each kind of wrong label (`rows`), the
    paired gap boosting - filter-only of the unchecked and the checked (Boosting (A)) arm after
    `base.rounds` rounds, and the share of the oracle's gain each recovers, mean and 95%
    interval over seeds (`base.seeds` for the random rows and abstain, `few_seeds` for the
    others). Every arm x row x seed is a member of one population (one base model, one
    compiled round); filter-only and the oracle run once, with `base.seeds` seeds, and pair by
    seed. With a filter that keeps every right answer (c = 1) an abstaining labeler's checked
    arm equals its unchecked one exactly (it gives only right labels), so it runs once.
    Command: `python -m experiments run fig13` (2 CPU cores: see the README).
    """

    base: lm_config.TestbedConfig = BASE
    rows: tuple[str, ...] = opt(
        tuple(ROWS), choices=ROWS, distinct=True, doc="the kinds of wrong label compared"
    )
    few_seeds: int = opt(
        3,
        range=spec.range_of(lm_config.TestbedConfig, "seeds"),
        doc="seeds of the rows other than random-* and abstain (<= base seeds)",
    )

    def __post_init__(self):
        spec.check(self)
        if self.few_seeds > self.base.seeds:
            raise ValueError(
                f"few_seeds must be an integer in [1, {self.base.seeds}] (base seeds); "
                f"got {self.few_seeds!r}"
            )
        if self.base.strategies != ("filter-only", "oracle"):
            raise ValueError(
                "strategies of fig13 are fixed (filter-only, oracle, and each row's two "
                f"boosting arms); got {self.base.strategies!r}"
            )
        for r in self.rows:
            lm_config.replace(self.base, **dict(ROWS[r]))  # validates each row's values

    def seeds_of(self, row: str) -> int:
        return self.base.seeds if row in MAIN_ROWS else self.few_seeds

    def arms_of(self, row: str) -> tuple[str, ...]:
        """The boosting arms a row runs: abstain's checked arm only where checking can drop a
        right label (c < 1)."""
        c, _ = self.filter_rates()
        return ARMS[:1] if row == "abstain" and c == 1.0 else ARMS

    def filter_rates(self) -> tuple[float, float]:
        from sim import filters

        b = self.base
        return filters.resolve(
            b.filter, gamma=b.gamma, filter_tpr=b.filter_tpr, filter_fpr=b.filter_fpr
        )


PRESETS = {
    "tiny": Fig13Config(
        base=dataclasses.replace(
            lm_config.PRESETS["tiny"], strategies=("filter-only", "oracle"), seeds=2
        ),
        rows=("random-consistent", "random-fresh", "abstain", "labeler-base"),
        few_seeds=1,
    ),
    "default": Fig13Config(),
    "large": Fig13Config(
        base=dataclasses.replace(
            lm_config.PRESETS["gpu"], strategies=("filter-only", "oracle"), seeds=5
        )
    ),
}
