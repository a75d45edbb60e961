"""Runs an experiment into its run directory: config check, resume/skip, figure, DONE marker."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import time
from pathlib import Path

from experiments import rundir
from experiments.experiment import Experiment


def resolved(config):
    """The config as saved: presets and derived defaults filled in (also in a nested base)."""
    if hasattr(config, "resolved"):
        config = config.resolved()
    fields = dataclasses.fields(config) if dataclasses.is_dataclass(config) else ()
    if any(f.name == "base" for f in fields):
        config = dataclasses.replace(config, base=resolved(config.base))
    return config


def _format(run_dir: Path) -> int | None:
    return rundir.read_json(run_dir / rundir.CONFIG_FILE).get("format")


def execute(
    experiment: Experiment,
    config,
    out_dir: str | Path,
    *,
    force: bool = False,
    progress: bool = True,
) -> tuple[Path, str]:
    """Runs `experiment` with `config` into `out_dir`.

    A complete run of the same config is skipped (its figure is redrawn); an incomplete one is
    continued (experiments that checkpoint pick up where they stopped); a directory holding a
    different config is an error unless `force`, which clears it.
    Returns (run directory, "skipped" | "ran").
    """
    out = Path(out_dir)
    saved = resolved(config)
    if (out / rundir.CONFIG_FILE).exists() and not rundir.config_matches(
        out, experiment.name, saved
    ):
        if not force:
            raise ValueError(
                f"{out} holds a run of a different config (see {out / rundir.CONFIG_FILE}); "
                "choose another --out or pass --force to overwrite it"
            )
        shutil.rmtree(out)
    if rundir.config_matches(out, experiment.name, saved) and _format(out) != experiment.format:
        # Same config, results written by an older layout: recompute them.
        if progress:
            print(
                f"{experiment.name}: {out} was written in an older format; rerunning",
                file=sys.stderr,
            )
        shutil.rmtree(out)
    if rundir.is_complete(out) and rundir.config_matches(out, experiment.name, saved):
        if experiment.figure is not None:
            experiment.figure(out)  # cheap, and picks up changes to the plotting code
        return out, "skipped"
    out.mkdir(parents=True, exist_ok=True)
    rundir.write_config(out, experiment.name, saved, format=experiment.format)
    start = time.perf_counter()
    experiment.run(config, out, progress=progress)
    if experiment.figure is not None:
        experiment.figure(out)
    rundir.atomic_write_json(out / "timing.json", {"wall_s": time.perf_counter() - start})
    rundir.mark_complete(out)
    if progress:
        print(
            f"{experiment.name}: done in {time.perf_counter() - start:.1f}s -> {out}",
            file=sys.stderr,
        )
    return out, "ran"
