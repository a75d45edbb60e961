"""Named strategies of docs/framework.md §4 and role names, shared by both backends."""

from __future__ import annotations

from sim import allocate

# The rows of the comparison: a choice of filter, allocation and mixture (config values).
PRESETS: dict[str, dict[str, str]] = {
    "do-nothing": dict(filter="none", allocation="none", mixture="replace"),
    "filter-only": dict(filter="gamma", allocation="none", mixture="replace"),
    "weak-only": dict(filter="none", allocation="uniform", mixture="global"),
    "boosting": dict(filter="gamma", allocation="focused", mixture="global"),
    "boosting-checked": dict(filter="gamma", allocation="focused", mixture="global"),
    "boosting-uniform": dict(filter="gamma", allocation="uniform", mixture="global"),
    "boosting-weights": dict(filter="gamma", allocation="boost_weights", mixture="global"),
    "accumulate": dict(filter="none", allocation="none", mixture="accumulate"),
}

PRESET_DOCS = {
    "do-nothing": "self-consuming training, no curation; collapse (C1)",
    "filter-only": "STaR without rationalization, ReST-EM, RFT: alpha = 0; plateau (C2)",
    "weak-only": "noisy labels alone, no filter; stops at the labeler's quality (C6)",
    "boosting": "the paper's Algorithm 2: gamma-noisy filter, labels on failures, the labels "
    "unchecked (C3, C5)",
    "boosting-checked": "boosting whose weak labels pass the same filter (kept: every right one, "
    "a gamma share of wrong ones): the paper's Boosting (A)",
    "boosting-uniform": "ablation: the same budget on random prompts",
    "boosting-weights": "AdaBoost-style reweighting by e^theta per unsolved round",
    "accumulate": "keep every round's data (accumulate-real-and-synthetic baselines)",
}

# Strategies whose weak labels pass the filter (`filter_labels`): the paper's Boosting (A).
CHECKED_LABELS = ("boosting-checked",)

# Allocation names. "focused" spends labels where the model fails: in the replace mixture, which
# docs/framework.md §3 defines as one weak label per rejected sample, that is each rejected sample
# ("rejected"); in the other mixtures it is the paper's hard set P- ("hard").
ALLOCATION_NAMES = ("focused", "hard", "rejected", "uniform", "none", "boost_weights", "soft")


def allocation_fn(name: str, mixture: str):
    if name == "focused":
        return allocate.rejected if mixture == "replace" else allocate.focused
    if name == "hard":
        return allocate.focused
    return allocate.ALLOCATIONS[name]


def lookup(option: str, name: str, table) -> None:
    """Raises ValueError naming `option` and its valid values unless `name` is in `table`."""
    if name not in table:
        raise ValueError(f"{option} must be one of {sorted(table)}; got {name!r}")
