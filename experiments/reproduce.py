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
from experiments.driver import execute
from theory.registry import claim


def reproduce(
    *,
    preset: str = "default",
    out: Path = Path("runs/reproduce"),
    force: bool = False,
    progress: bool = True,
    only: tuple[str, ...] | None = None,
) -> Path:
    """Runs every registered experiment that draws a figure; returns the REPORT.md path."""
    out = Path(out)
    todo = [e for e in registry.experiments().values() if e.figure is not None]
    if only is not None:
        todo = [e for e in todo if e.name in only]
    start = time.perf_counter()
    for i, exp in enumerate(todo, start=1):
        if progress:
            print(f"[{i}/{len(todo)}] {exp.name} ({preset}) ...", file=sys.stderr)
        execute(exp, exp.config(preset), out / exp.name, force=force, progress=progress)
    # The report covers every experiment in `out`, also those an `only` run left alone.
    every = [e.name for e in registry.experiments().values() if e.figure is not None]
    report = write_report(out, preset, every)
    if progress:
        print(
            f"reproduce: {len(todo)} experiments in {time.perf_counter() - start:.1f}s; "
            f"report {report}",
            file=sys.stderr,
        )
    return report


def _table(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    cols = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
    return lines


def write_report(out: Path, preset: str, names: list[str]) -> Path:
    lines = [
        f"# Reproduction report (preset `{preset}`)",
        "",
        "Each section: the figure, the claims it checks, its key numbers, and the command "
        "that regenerates it. Generated from the run directories by "
        f"`python -m experiments reproduce --preset {preset}`.",
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
        timing = run_dir / "timing.json"
        if timing.exists():
            lines.append(f"Wall time: {rundir.read_json(timing)['wall_s']:.1f} s. ")
        lines.append(f"Command: `python -m experiments run {name} --preset {preset}`")
        lines.append("")
    path = out / "REPORT.md"
    rundir.atomic_write_bytes(path, "\n".join(lines).encode())
    return path
