"""`testbed`: the toy LLM (a Flax transformer) trained by the same round — figures 6 and 7.

The config and presets live in `experiments.configs.testbed`, the population runner in
`experiments.testbed_runs`, the round in `sim.lm`; this module registers them with the command
line: `python -m experiments run testbed --preset default` (20.1 minutes measured on 2 CPU
cores; `--preset paper`, twice the work per round: 52 s on one H200).
An interrupted run continues from its per-round checkpoints when the same command is repeated
(`--resume` says so explicitly).
"""

from __future__ import annotations

from pathlib import Path

from experiments import rundir
from experiments.configs import testbed as lm_config
from experiments.configs.testbed import PRESETS
from experiments.experiment import Experiment
from experiments.testbed_runs import SUMMARY_FILE, run_testbed
from experiments.testbed_summary import arm_label, difficulty_labels
from theory import paper


def run(cfg: lm_config.TestbedConfig, run_dir: Path, *, progress: bool = True) -> None:
    # The driver has checked that run_dir holds this config (or nothing): a population
    # checkpoint there is this run's, so it continues from its last finished round.
    run_testbed(cfg, run_dir, progress=progress)


def figure(run_dir: Path) -> list[Path]:
    from figures import testbed

    metrics = rundir.read_json(run_dir / rundir.METRICS_FILE)
    summary = rundir.read_json(run_dir / SUMMARY_FILE)
    return testbed.draw_table(summary, run_dir / "fig6") + testbed.draw_rounds(
        metrics, summary, run_dir / "fig7", difficulty_labels(summary)
    )


def _fmt(ci: dict) -> str:
    half = ci["half_width"]  # None (JSON for NaN) with one seed
    if ci["mean"] is None:  # no finite value (e.g. an oracle share where the oracle gained nothing)
        return "n/a"
    return f"{ci['mean']:.3f}" + (f" ± {half:.3f}" if half is not None else "")


def report(run_dir: Path) -> list[dict]:
    """Table 1 analogue: held-out accuracy after T rounds, mean ± 95% interval over seeds,
    overall and per number of digits, beside the paper's GSM8K numbers; then the paired gaps
    and the share of the oracle's gain that boosting recovers."""
    s = rundir.read_json(run_dir / SUMMARY_FILE)
    labels = difficulty_labels(s)
    base = dict(zip(labels, (f"{x:.3f}" for x in s["base_accuracy_by_difficulty"]), strict=True))
    rows = [
        {
            "arm": "base model",
            "accuracy (ours)": f"{s['base_accuracy']:.3f}",
            **base,
            "paper (GSM8K)": f"{paper.TABLE1['base'][0]:.3f}",
        }
    ]
    blank = dict.fromkeys(base, "")
    for name, ci in s["final_accuracy"].items():
        ref = paper.TABLE1.get(name)
        ref_text = "—" if ref is None else f"{ref[0]:.3f}" + (f" ± {ref[1]:.3f}" if ref[1] else "")
        by = s["final_accuracy_by_difficulty"][name]
        per = dict(zip(labels, map(_fmt, by), strict=True))
        rows.append(
            {"arm": arm_label(name), "accuracy (ours)": _fmt(ci), **per, "paper (GSM8K)": ref_text}
        )
    for name, ci in s["gaps"].items():
        rows.append(
            {"arm": f"gap: {name}", "accuracy (ours)": _fmt(ci), **blank, "paper (GSM8K)": "—"}
        )
    for key, arm in (("oracle_share", "boosting"), ("oracle_share_checked", "boosting-checked")):
        if key not in s:
            continue
        o = s[key]
        of_means = "n/a" if o["of_means"] is None else f"{o['of_means']:.3f}"
        rows.append(
            {
                "arm": f"oracle share, {arm} (per seed; of means)",
                "accuracy (ours)": f"{_fmt(o)}; {of_means}",
                **blank,
                "paper (GSM8K)": "—",
            }
        )
    return rows


EXPERIMENT = Experiment(
    name="testbed",
    summary="toy LLM trained by the round: Table 1 analogue, accuracy per round (fig6, fig7)",
    presets=PRESETS,
    run=run,
    figure=figure,
    report=report,
)
