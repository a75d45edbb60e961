"""The testbed's summary: final held-out accuracy per arm, paired gaps and the oracle share,
each with a 95% interval over seeds (summary.json)."""

from __future__ import annotations

import math

import numpy as np

from experiments.configs.testbed import TestbedConfig
from sim.lm import tasks
from theory.stats import ci_summary

# Paired differences reported with an interval (when both arms ran).
GAPS = (
    ("boosting", "filter-only"),
    ("boosting-checked", "filter-only"),
    ("boosting-checked", "boosting"),
    ("boosting", "boosting-uniform"),
    ("filter-only", "base"),
    ("oracle", "filter-only"),
)


def oracle_share(gain: np.ndarray, oracle_gain: np.ndarray) -> dict:
    """(arm - filter-only) / (oracle - filter-only): per seed (NaN where the oracle gains
    nothing, and left out of the interval), and of the means."""
    ratio = gain / np.where(oracle_gain != 0, oracle_gain, np.nan)
    finite = ratio[np.isfinite(ratio)]
    if finite.size:
        out = ci_summary(finite)
    else:
        out = {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "half_width": math.nan}
        out.update(n=0, values=[])
    mean_gain = float(np.mean(oracle_gain))
    out["of_means"] = float(np.mean(gain)) / mean_gain if mean_gain != 0 else float("nan")
    return out


def summarize(config: TestbedConfig, metrics: dict, base: dict) -> dict:
    """Final held-out accuracy per arm (overall and per digit count), the paired gaps and the
    oracle share, each with a 95% interval over seeds."""
    final = {s: np.asarray(m["test_accuracy"])[:, -1] for s, m in metrics.items()}
    by = {s: np.asarray(m["test_accuracy_by_difficulty"])[:, -1] for s, m in metrics.items()}
    label = tasks.get_task(config.task).difficulty_label
    summary = {
        "task": config.task,
        "difficulty_labels": [label.format(n=n) for n in range(1, config.difficulties + 1)],
        "rounds": config.rounds,
        "seeds": config.seeds,
        "wrong_labels": config.wrong_labels,
        "base_accuracy": float(base["test_accuracy"]),
        "base_accuracy_by_difficulty": np.asarray(base["test_accuracy_by_difficulty"]).tolist(),
        "final_accuracy": {s: ci_summary(v) for s, v in final.items()},
        "final_accuracy_by_difficulty": {
            s: [ci_summary(v[:, d]) for d in range(v.shape[1])] for s, v in by.items()
        },
        "gaps": {},
    }
    final["base"] = np.full(config.seeds, summary["base_accuracy"])
    for a, b in GAPS:
        if a in final and b in final:
            summary["gaps"][f"{a} - {b}"] = ci_summary(final[a] - final[b])
    if {"filter-only", "oracle"} <= set(final):
        for arm in ("boosting", "boosting-checked"):
            if arm in final:
                summary["oracle_share" + ("" if arm == "boosting" else "_checked")] = oracle_share(
                    final[arm] - final["filter-only"], final["oracle"] - final["filter-only"]
                )
    return summary


# How the tables name the two boosting arms: which one is the paper's Boosting (A).
ARM_LABELS = {
    "boosting": "boosting (unchecked labels)",
    "boosting-checked": "boosting-checked (checked labels: the paper's Boosting (A))",
}


def difficulty_labels(summary: dict) -> list[str]:
    """How a summary's tables name its difficulties (`"difficulty n"` in a summary written
    before it carried them)."""
    count = len(summary["base_accuracy_by_difficulty"])
    labels = summary.get("difficulty_labels")
    if not (isinstance(labels, list) and len(labels) == count):
        labels = [f"difficulty {n}" for n in range(1, count + 1)]
    return [str(x) for x in labels]


def arm_label(name: str) -> str:
    """An arm's name as the tables print it (`ARM_LABELS`; other arms as they are)."""
    return ARM_LABELS.get(name, name)
