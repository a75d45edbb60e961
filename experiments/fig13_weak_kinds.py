"""`fig13`: which weak data pays on the testbed — each kind of wrong label, checked or not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.configs.fig13 import PRESETS, ROWS, Fig13Config
from experiments.experiment import Experiment
from experiments.testbed_runs import Member, oracle_share, run_population
from theory.stats import ci_summary

SUMMARY_FILE = "summary.json"
# Per-round token-level measurements kept per arm in the summary (mean over seeds).
TOKEN_METRICS = (
    "labelled_digit_accuracy",
    "wrong_label_digit_share",
    "labelled_next_accepted",
    "label_correct_rate",
    "labels_kept",
    "labels_round",
    "test_accuracy_sampled",
)


def arm_name(row: str, strategy: str) -> str:
    return f"{row}/{strategy}"


def members_of(cfg: Fig13Config) -> list[Member]:
    out = [Member(s, s, seed) for s in cfg.base.strategies for seed in range(cfg.base.seeds)]
    for row in cfg.rows:
        for strategy in cfg.arms_of(row):
            out += [
                Member(arm_name(row, strategy), strategy, seed, ROWS[row])
                for seed in range(cfg.seeds_of(row))
            ]
    return out


def _mean_over_seeds(x) -> list:
    """Mean over seeds of a per-round metric, NaN where every seed is NaN (e.g. round 0)."""
    x = np.asarray(x, np.float64)
    n = np.sum(~np.isnan(x), axis=0)
    total = np.nansum(x, axis=0)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan).tolist()


def summarize(cfg: Fig13Config, metrics: dict) -> dict:
    """Per row and arm: final accuracy, the gap to filter-only paired by seed, the oracle share,
    and the token-level measurements per round (mean over seeds)."""
    final = {a: np.asarray(m["test_accuracy"], np.float64)[:, -1] for a, m in metrics.items()}
    fo, oracle = final["filter-only"], final["oracle"]
    rows = []
    for row in cfg.rows:
        n = cfg.seeds_of(row)
        entry = {"row": row, "changes": dict(ROWS[row]), "seeds": n}
        for strategy in cfg.arms_of(row):
            name = arm_name(row, strategy)
            acc = final[name]
            m = metrics[name]
            entry[strategy] = {
                "final_accuracy": ci_summary(acc),
                "gap_to_filter_only": ci_summary(acc - fo[:n]),
                "oracle_share": oracle_share(acc - fo[:n], oracle[:n] - fo[:n]),
                "per_seed": acc.tolist(),
                "rounds": {k: _mean_over_seeds(m[k]) for k in TOKEN_METRICS if k in m},
            }
        if len(cfg.arms_of(row)) == 1:
            entry["boosting-checked"] = dict(entry["boosting"], same_as="boosting")
        rows.append(entry)
    base = next(iter(metrics.values()))
    return {
        "rounds": cfg.base.rounds,
        "beta": cfg.base.beta,
        "gamma": cfg.base.gamma,
        "base_accuracy": float(np.asarray(base["test_accuracy"])[0, 0]),
        "filter-only": ci_summary(fo),
        "oracle": ci_summary(oracle),
        "rows": rows,
    }


def run(cfg: Fig13Config, run_dir: Path, *, progress: bool = True) -> None:
    """Every arm x row x seed is a member of one population (one base model)."""
    metrics = run_population(cfg.base, members_of(cfg), run_dir, progress=progress)
    rundir.atomic_write_json(run_dir / rundir.METRICS_FILE, metrics)
    rundir.atomic_write_json(run_dir / SUMMARY_FILE, summarize(cfg, metrics))


def figure(run_dir: Path) -> list[Path]:
    from figures import fig13

    return fig13.draw(rundir.read_json(run_dir / SUMMARY_FILE), run_dir / "fig13")


def _fmt(ci: dict) -> str:
    half = ci["half_width"]
    return f"{ci['mean']:+.3f}" + (f" ± {half:.3f}" if half is not None else "")


def _share(arm: dict) -> str:
    """The oracle share of the means; "n/a" where the oracle gained nothing (stored as null)."""
    v = arm["oracle_share"]["of_means"]
    return "n/a" if v is None or v != v else f"{v:.2f}"


def report(run_dir: Path) -> list[dict]:
    """The table: per kind of wrong label, boosting - filter-only (paired by seed) for the
    unchecked and the checked arm, the oracle share of each, and for the unchecked arm the
    token-level measurements beside C8's predictions (`predict_report.next_acceptance`)."""
    from experiments.predict_report import next_acceptance

    s = rundir.read_json(run_dir / SUMMARY_FILE)
    tokens = next_acceptance(run_dir)
    rows = []
    for r in s["rows"]:
        u, c = r["boosting"], r["boosting-checked"]
        rows.append(
            {
                "wrong labels": r["row"],
                "seeds": str(r["seeds"]),
                "unchecked: boosting − filter-only": _fmt(u["gap_to_filter_only"]),
                "Boosting (A) − filter-only": _fmt(c["gap_to_filter_only"])
                + (" (= unchecked)" if "same_as" in c else ""),
                "oracle share (unchecked; checked)": f"{_share(u)}; {_share(c)}",
                **tokens.get(r["row"], {}),
            }
        )
    fo, orc = s["filter-only"], s["oracle"]
    rows.append(
        {
            "wrong labels": "reference",
            "seeds": "",
            "unchecked: boosting − filter-only": f"filter-only {fo['mean']:.3f}",
            "Boosting (A) − filter-only": f"oracle {orc['mean']:.3f}",
            "oracle share (unchecked; checked)": f"base {s['base_accuracy']:.3f}",
        }
    )
    return rows


EXPERIMENT = Experiment(
    name="fig13",
    summary="testbed: which weak data pays, by kind of wrong label, unchecked vs checked labels",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
)
