"""The testbed's entry point: every strategy x seed of a config, and the summary over seeds.

Layout of `out_dir`:
    config.json          the resolved config, versions and device
    base/                the base model (trained once per config, then loaded)
    <strategy>/seed_<s>/ one run each (`sim.lm.run`)
    metrics.json         {strategy: {metric: [seed, round, ...]}}
    summary.json         final held-out accuracy per strategy (mean, 95% t-interval over seeds),
                         the base model's, and the paired gaps boosting - filter-only and
                         boosting - boosting-uniform
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.stats import t975
from sim.lm.base import make_setup
from sim.lm.config import TestbedConfig
from sim.lm.run import run_one

EXPERIMENT = "testbed"
SUMMARY_FILE = "summary.json"
# Paired differences reported with an interval (when both strategies ran).
GAPS = (("boosting", "filter-only"), ("boosting", "boosting-uniform"), ("filter-only", "base"))


def run_dir(out_dir, strategy: str, seed: int) -> Path:
    return Path(out_dir) / strategy / f"seed_{seed}"


def mean_ci(values) -> dict:
    """Mean and two-sided 95% t-interval over seeds (half-width NaN for one seed)."""
    x = np.asarray(values, np.float64)
    n = x.size
    mean = float(np.mean(x))
    if n < 2:
        half = math.nan
    else:
        half = float(t975(n - 1) * np.std(x, ddof=1) / math.sqrt(n))
    return {
        "mean": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "half_width": half,
        "n": n,
        "values": x.tolist(),
    }


def summarize(config: TestbedConfig, metrics: dict, base_accuracy: float) -> dict:
    """Final held-out accuracy per strategy and the paired gaps, each with a 95% interval."""
    final = {s: np.asarray(m["test_accuracy"])[:, -1] for s, m in metrics.items()}
    final["base"] = np.full(config.seeds, base_accuracy)
    summary = {
        "rounds": config.rounds,
        "seeds": config.seeds,
        "base_accuracy": base_accuracy,
        "base_accuracy_by_difficulty": None,
        "final_accuracy": {s: mean_ci(v) for s, v in final.items() if s != "base"},
        "final_accuracy_by_difficulty": {
            s: np.asarray(m["test_accuracy_by_difficulty"])[:, -1].mean(axis=0).tolist()
            for s, m in metrics.items()
        },
        "gaps": {},
    }
    for a, b in GAPS:
        if a in final and b in final:
            summary["gaps"][f"{a} - {b}"] = mean_ci(final[a] - final[b])
    return summary


def run_testbed(
    config: TestbedConfig, out_dir, *, resume: bool = False, progress: bool = True, base_dir=None
) -> dict:
    """Runs every strategy x seed of `config` into `out_dir` and writes the summaries.

    Args:
      config: a validated `TestbedConfig` (e.g. `sim.lm.config.preset("default")`).
      out_dir: the run directory (created).
      resume: skip finished runs and continue interrupted ones from their checkpoints; the
        directory must hold a run of the same config. Otherwise every run starts afresh (the
        cached base model is reused when its config matches).
      progress: show a progress line (round, step, ETA) on stderr.
      base_dir: where the base model is cached (default `<out_dir>/base`).

    Returns:
      The summary (as written to summary.json).
    """
    out_dir = Path(out_dir)
    if resume and (out_dir / rundir.CONFIG_FILE).exists():
        if not rundir.config_matches(out_dir, EXPERIMENT, config):
            raise ValueError(f"{out_dir} holds a run of another config; cannot resume it")
    if not rundir.config_matches(out_dir, EXPERIMENT, config):
        rundir.write_config(out_dir, EXPERIMENT, config)  # else keep what the caller wrote
    setup = make_setup(config, out_dir, progress=progress, base_dir=base_dir)

    runs = [(s, seed) for s in config.strategies for seed in range(config.seeds)]
    todo = [r for r in runs if not (resume and rundir.is_complete(run_dir(out_dir, *r)))]
    bar = rundir.Progress(
        len(todo) * config.rounds * config.steps_per_round, "testbed", enabled=progress
    )
    results: dict[str, list] = {s: [] for s in config.strategies}
    for strategy, seed in runs:
        results[strategy].append(
            run_one(
                setup, strategy, seed, run_dir(out_dir, strategy, seed), resume=resume, progress=bar
            )
        )
    bar.close()

    metrics = {
        s: {name: np.stack([r[name] for r in runs_s]) for name in runs_s[0]}
        for s, runs_s in results.items()
    }
    rundir.atomic_write_json(out_dir / rundir.METRICS_FILE, metrics)
    summary = summarize(config, metrics, float(setup.base_metrics["test_accuracy"]))
    summary["base_accuracy_by_difficulty"] = setup.base_metrics["test_accuracy_by_difficulty"]
    rundir.atomic_write_json(out_dir / SUMMARY_FILE, summary)
    rundir.mark_complete(out_dir)
    return rundir.read_json(out_dir / SUMMARY_FILE)
