"""`python -m experiments reproduce`: every experiment at one preset, its figures, REPORT.md.

Runs what is missing, skips what is complete (a run directory whose config.json matches and
holds DONE), and continues what was interrupted; REPORT.md is rewritten from the run
directories each time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from experiments import registry, rundir
from experiments.driver import SMOKE_PRESETS, execute
from figures.style import marked, smoke_mark
from theory.registry import claim

DATA = Path(__file__).resolve().parents[1] / "data" / "real_models.json"
CALIBRATION = "calibration"
# `calibrate` on the shipped Gemma-2-2B-it GSM8K numbers (docs/calibration.md), per preset:
# the simulated task's prompts, seeds and rounds (tiny: a smoke run).
CALIBRATION_SIZES = {"tiny": dict(prompts=200, seeds=2, rounds=2)}


def reproduce(
    *,
    preset: str = "default",
    out: Path = Path("runs/reproduce"),
    force: bool = False,
    progress: bool = True,
    only: tuple[str, ...] | None = None,
    log: str | None = None,
) -> Path:
    """Runs every registered experiment that draws a figure; returns the REPORT.md path."""
    out = Path(out)
    todo = list(registry.reproduced().values())
    if only is not None:
        todo = [e for e in todo if e.name in only]
    start = time.perf_counter()
    for i, exp in enumerate(todo, start=1):
        if progress:
            print(f"[{i}/{len(todo)}] {exp.name} ({preset}) ...", file=sys.stderr)
        execute(
            exp,
            exp.config(preset),
            out / exp.name,
            force=force,
            progress=progress,
            log=log,
            preset=preset,
        )
    if only is None or CALIBRATION in only:
        run_calibration(out / CALIBRATION, preset, force=force, progress=progress)
    # The report covers every experiment in `out`, also those an `only` run left alone.
    every = list(registry.reproduced())
    report = write_report(out, preset, every)
    if progress:
        print(
            f"reproduce: {len(todo)} experiments in {time.perf_counter() - start:.1f}s; "
            f"report {report}",
            file=sys.stderr,
        )
    return report


def calibration_args(preset: str) -> dict:
    """`calibrate`'s arguments for the shipped data: TPT's Gemma-2-2B-it on GSM8K (pass@1,
    pass@10 of the base model; pass@1 after one filter-only round of 5 samples a prompt)."""
    tpt = rundir.read_json(DATA)["tpt_gemma2_2b_it_gsm8k"]
    base = tpt["base_model_eval_set"]["pass_at_k"]
    after = tpt["after_one_filter_only_round_eval_set"]["pass_at_k"]["1"]
    args = dict(
        pass_at_k=",".join(f"{k}:{v}" for k, v in base.items()),
        after=f"1:{after}",
        k=int(tpt["samples_per_prompt_per_round"]),
        rounds=4,
    )
    args.update(CALIBRATION_SIZES.get(preset, {}))
    return args


def run_calibration(out: Path, preset: str, *, force: bool = False, progress: bool = True) -> None:
    """Runs `calibrate` on the shipped data into the run directory `out`; a complete one of the
    same inputs whose files still match DONE's checksums is reused, as `run` does."""
    from experiments.calibrate import calibrate

    if progress:
        print(f"[calibration] Gemma-2-2B-it GSM8K ({preset}) ...", file=sys.stderr)
    with marked(smoke_mark(preset) if preset in SMOKE_PRESETS else None):
        calibrate(out=out, force=force, progress=progress, **calibration_args(preset))


def _calibration_section(out: Path, preset: str) -> list[str]:
    lines = ["## calibration: the simulator fitted to a real model, and its predictions", ""]
    run_dir = out / CALIBRATION
    if not rundir.is_complete(run_dir):  # missing, interrupted, or changed since it was made
        return lines + [f"(not run yet: `python -m experiments reproduce --preset {preset}`)", ""]
    r = rundir.read_json(run_dir / "calibration.json")
    saved = rundir.read_json(run_dir / rundir.CONFIG_FILE)["config"]
    args = {key: saved[key] for key in calibration_args(preset)}
    lines += [
        "Gemma-2-2B-it on GSM8K (data/real_models.json, from arXiv 2504.18116): per-prompt "
        f"success fitted as Beta(a = {r['beta_a']:.4g}, b = {r['beta_b']:.4g}) to pass@k "
        f"{args['pass_at_k']}; the learner's step eta = {r['eta']:.4g} fitted to pass@1 "
        f"{args['after'][2:]} after one filter-only round of k = {r['k']} samples. Predicted "
        f"(simulator, not measured) pass@1 and pass@{r['k']} per round (round 0 = the base "
        f"model), labeler beta = {r['beta']}, filter gamma = {r['gamma']}; docs/calibration.md.",
        "",
        f"![calibration]({CALIBRATION}/calibration.png)",
        "",
    ]
    rows = []
    for name, s in r["strategies"].items():
        for metric in ("pass_at_1", "pass_at_k"):
            row = {"strategy": name, "metric": metric.replace("_at_", "@")}
            row.update({f"round {t}": f"{v:.3f}" for t, v in enumerate(s[metric])})
            rows.append(row)
    cmd = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in args.items())
    return lines + _table(rows) + ["", f"Command: `python -m experiments calibrate {cmd}`", ""]


def text_table(rows: list[dict]) -> str:
    """`rows` as a Markdown table padded into columns: readable in a terminal, and Markdown."""
    if not rows:
        return ""
    cols = list(dict.fromkeys(c for row in rows for c in row))
    cells = [cols] + [[str(row.get(c, "")) for c in cols] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cols))]
    lines = [
        "| " + " | ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _table(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    cols = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
    return lines


def _prediction_section(out: Path, name: str) -> list[str]:
    """Claim C8's prediction of a fig8 or fig13 run beside what it measured
    (`python -m experiments predict`); fig13 uses the tau fitted on fig8 when fig8 is in `out`."""
    if name not in ("fig8", "fig13"):
        return []
    from experiments.errors import OptionError
    from experiments.predict import predict
    from experiments.predict_report import markdown

    tau = None
    try:
        if name == "fig13" and rundir.is_complete(out / "fig8"):
            tau = predict(out / "fig8")["fit"]["value"]
        table = markdown(predict(out / name, tau=tau))
    except (OptionError, KeyError, ValueError, ZeroDivisionError) as err:
        return [f"C8's prediction: not available for this run ({err}).", ""]
    how = f" --tau {tau:.3f}" if tau is not None else ""
    return [
        f"**Claim C8's prediction of this run** (`python -m experiments predict {out / name}"
        f"{how}`):",
        "",
        table,
        "",
    ]


def write_report(out: Path, preset: str, names: list[str]) -> Path:
    lines = [
        f"# Reproduction report (preset `{preset}`)",
        "",
        "Each section: the figure, the claims it checks, its key numbers, and the command "
        "that regenerates it. Generated from the run directories by "
        f"`python -m experiments reproduce --preset {preset}`.",
        "",
    ]
    if preset in SMOKE_PRESETS:
        lines += [
            f"> **{smoke_mark(preset)}.** The `{preset}` preset only checks that every step "
            "runs end to end, on sizes far too small for any number, claim check or figure "
            "below to mean anything. For results: `python -m experiments reproduce` (the "
            "`default` preset).",
            "",
        ]
    for name in names:
        exp = registry.get(name)
        run_dir = out / name
        lines.append(f"## {name}: {exp.summary}")
        lines.append("")
        if not rundir.is_complete(run_dir):
            lines += [
                f"(not run yet: `python -m experiments reproduce --preset {preset} --only {name}`)",
                "",
            ]
            continue
        for claim_id in exp.claims:
            c = claim(claim_id)
            lines.append(f"- **{c.id}** {c.title}: {c.statement}")
        lines.append("")
        pngs = sorted(run_dir.glob("*.png"))
        lines += [f"![{p.stem}]({name}/{p.name})" for p in pngs] + [""]
        if exp.report is not None:
            lines += _table(exp.report(run_dir)) + [""]
            if preset in SMOKE_PRESETS:
                lines += [f"*{smoke_mark(preset)}.*", ""]
        lines += _prediction_section(out, name)
        timing = run_dir / "timing.json"
        if timing.exists():
            lines.append(f"Wall time: {rundir.read_json(timing)['wall_s']:.1f} s. ")
        lines.append(f"Command: `python -m experiments run {name} --preset {preset}`")
        lines.append("")
    lines += _calibration_section(out, preset)
    path = out / "REPORT.md"
    rundir.atomic_write_bytes(path, "\n".join(lines).encode())
    return path
