"""`scale`: the unchecked boosting - filter-only gap against model size, steps and weight decay."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.configs.scale import PRESETS, ScaleConfig
from experiments.experiment import Experiment
from experiments.testbed_runs import members_of, run_population
from sim.lm.base import base_config
from theory.stats import ci_summary

SUMMARY_FILE = "summary.json"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _base_key(config) -> str:
    text = json.dumps(rundir.jsonable(base_config(config)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def run(cfg: ScaleConfig, run_dir: Path, *, progress: bool = True) -> None:
    """One population per setting (filter-only and boosting x seeds) in `run_dir/<setting>`;
    settings with the same base-model options share one cached base model."""
    settings = cfg.settings()
    out = {"beta": cfg.base.beta, "wrong_labels": cfg.base.wrong_labels, "settings": []}
    for name, config in settings.items():
        metrics = run_population(
            config,
            members_of(config),
            run_dir / _slug(name),
            progress=progress,
            base_dir=run_dir / "bases" / _base_key(config),
        )
        fo = np.asarray(metrics["filter-only"]["test_accuracy"], np.float64)[:, -1]
        bo = np.asarray(metrics["boosting"]["test_accuracy"], np.float64)[:, -1]
        out["settings"].append(
            {
                "setting": name,
                "model_size": config.model_size,
                "steps_per_round": config.steps_per_round,
                "weight_decay": config.weight_decay,
                "base_accuracy": float(np.asarray(metrics["boosting"]["test_accuracy"])[0, 0]),
                "filter_only": ci_summary(fo),
                "boosting": ci_summary(bo),
                "gap": ci_summary(bo - fo),
            }
        )
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, out)
    rundir.atomic_write_json(run_dir / SUMMARY_FILE, out)


def figure(run_dir: Path) -> list[Path]:
    from figures import scale

    return scale.draw(rundir.read_json(run_dir / SUMMARY_FILE), run_dir / "fig14")


def _fmt(ci: dict, signed: bool = False) -> str:
    half = ci["half_width"]
    mean = f"{ci['mean']:+.3f}" if signed else f"{ci['mean']:.3f}"
    return mean + (f" ± {half:.3f}" if half is not None else "")


def report(run_dir: Path) -> list[dict]:
    s = rundir.read_json(run_dir / SUMMARY_FILE)
    return [
        {
            "setting": r["setting"],
            "model": r["model_size"],
            "steps/round": str(r["steps_per_round"]),
            "weight decay": f"{r['weight_decay']:g}",
            "base": f"{r['base_accuracy']:.3f}",
            "filter-only": _fmt(r["filter_only"]),
            "boosting (unchecked)": _fmt(r["boosting"]),
            "gap (paired)": _fmt(r["gap"], signed=True),
        }
        for r in s["settings"]
    ]


EXPERIMENT = Experiment(
    name="scale",
    summary="testbed: unchecked boosting - filter-only against model size, steps, weight decay",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
    # A study beside the paper's figures: `run scale` (about half an hour on 2 CPU cores at the
    # default preset); `reproduce` leaves it out to keep its time down.
    in_report=False,
)
