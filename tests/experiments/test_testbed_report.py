"""The testbed's table: the paper's Boosting (A) number sits beside the checked arm only."""

from __future__ import annotations

import numpy as np

from experiments import rundir, testbed
from experiments.configs import testbed as testbed_config
from experiments.testbed_runs import SUMMARY_FILE, summarize
from experiments.testbed_summary import arm_label
from theory import paper


def test_paper_number_belongs_to_the_checked_arm_only(tmp_path):
    config = testbed_config.preset("default")
    seeds, rounds, digits = config.seeds, config.rounds, config.max_digits
    rng = np.random.default_rng(0)
    metrics = {
        arm: {
            "test_accuracy_by_difficulty": rng.uniform(0, 1, (seeds, rounds + 1, digits)),
            "labels_spent": np.zeros((seeds, rounds + 1)),
        }
        for arm in config.strategies
    }
    for m in metrics.values():
        m["test_accuracy"] = m["test_accuracy_by_difficulty"].mean(-1)
    base = {"test_accuracy": 0.5, "test_accuracy_by_difficulty": np.full(digits, 0.5)}
    rundir.atomic_write_json(tmp_path / SUMMARY_FILE, summarize(config, metrics, base))
    rows = {r["arm"]: r["paper (GSM8K)"] for r in testbed.report(tmp_path)}
    assert "boosting-checked" in config.strategies and "boosting" in config.strategies
    acc, pm = paper.TABLE1["boosting-checked"]
    checked, unchecked = arm_label("boosting-checked"), arm_label("boosting")
    assert "Boosting (A)" in checked and "unchecked" in unchecked
    assert rows[checked] == f"{acc:.3f} ± {pm:.3f}"
    assert rows[unchecked] == "—"
    assert "boosting" not in paper.TABLE1


def test_tables_name_difficulties_as_the_task_does(tmp_path):
    """Addition's columns are digits, programs' ops; a summary without names (written before
    they were stored) gets "difficulty n" rather than a wrong unit."""
    for preset, first in (("tiny", "1-digit sums"), ("programs-tiny", "1-op programs")):
        config = testbed_config.preset(preset)
        d = config.difficulties
        one = np.full((config.seeds, config.rounds + 1, d), 0.25)
        metrics = {
            arm: {"test_accuracy_by_difficulty": one, "test_accuracy": one.mean(-1)}
            for arm in config.strategies
        }
        base = {"test_accuracy": 0.5, "test_accuracy_by_difficulty": np.full(d, 0.5)}
        summary = summarize(config, metrics, base)
        assert summary["task"] == config.task and len(summary["difficulty_labels"]) == d
        rundir.atomic_write_json(tmp_path / SUMMARY_FILE, summary)
        rows = testbed.report(tmp_path)
        assert rows[0][first] == "0.500" and all(first in r for r in rows)
        del summary["difficulty_labels"]
        rundir.atomic_write_json(tmp_path / SUMMARY_FILE, summary)
        assert "difficulty 1" in testbed.report(tmp_path)[0]
