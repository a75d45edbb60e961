"""Runs an experiment into its run directory: lock, config check, resume/skip (checksums),
figure, metrics.csv, DONE marker."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

from experiments import longform, memory, rundir, tracking
from experiments import progress as progress_lib
from experiments.errors import OptionError
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


def default_run_dir(name: str, preset: str, config) -> Path:
    """runs/NAME-PRESET-HASH: HASH, 8 hex digits of the resolved config, tells configs apart."""
    text = json.dumps(rundir._jsonable(resolved(config)), sort_keys=True)
    return Path("runs") / f"{name}-{preset}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _clear(out: Path, why: str) -> None:
    """Deletes what runs wrote in `out` (`rundir.clear`), saying what it kept."""
    kept = rundir.clear(out)
    print(f"{out}: {why}; cleared the run's files", file=sys.stderr)
    if kept:
        print(f"{out}: kept {', '.join(kept)} (not written by a run)", file=sys.stderr)


# Presets that only check that every step runs: their figures and REPORT.md say so.
SMOKE_PRESETS = ("tiny",)


def smoke_preset(run_dir: Path) -> str | None:
    """The preset of a run directory if it is a smoke preset (config.json's `preset`)."""
    try:
        preset = rundir.read_json(Path(run_dir) / rundir.CONFIG_FILE).get("preset")
    except (OSError, ValueError):
        return None
    return preset if preset in SMOKE_PRESETS else None


def draw_figure(experiment: Experiment, run_dir: Path) -> list[Path]:
    """The experiment's figure of `run_dir`, marked as a smoke run where it is one."""
    from figures import style

    preset = smoke_preset(run_dir)
    with style.marked(style.smoke_mark(preset) if preset else None):
        return experiment.figure(Path(run_dir))


def _draw(experiment: Experiment, out: Path) -> None:
    try:
        draw_figure(experiment, out)
    except OSError as err:  # figures/ imports theory only: name the path here
        raise OptionError(f"cannot write {err.filename or out}: {err.strerror or err}") from err


def write_csv(out: Path, name: str) -> None:
    """metrics.csv beside metrics.json (long form; see `experiments.longform`)."""
    if not (out / rundir.METRICS_FILE).is_file():
        return
    config = rundir.read_json(out / rundir.CONFIG_FILE)["config"]
    metrics = rundir.read_json(out / rundir.METRICS_FILE)
    text = longform.to_csv(metrics, name, config)
    rundir.atomic_write_bytes(out / longform.CSV_FILE, text.encode())


def execute(
    experiment: Experiment,
    config,
    out_dir: str | Path,
    *,
    force: bool = False,
    progress: bool = True,
    log: str | None = None,
    preset: str | None = None,
) -> tuple[Path, str]:
    """Runs `experiment` with `config` into `out_dir`.

    A complete run of the same config is skipped (its figure is redrawn); an incomplete one is
    continued (experiments that checkpoint pick up where they stopped), and so is a complete one
    whose files no longer match DONE's checksums (reported on stderr); a directory holding a
    different config is an error unless `force`, which deletes the files a run writes there
    (`rundir.clear`). Only a new or empty directory or a run directory (`rundir.MARKER_FILE`) is
    used at all. A second process writing the same directory is refused (`rundir.locked`).
    `log` ("tensorboard" | "wandb") also writes the per-round metrics there
    (`experiments.tracking`: rounds as they finish where the runner reports them, the rest when
    the run ends); a skipped run writes them when its directory has none yet.
    `preset`, the name the config came from, is written to config.json (a smoke preset's
    figures are marked as such).
    Returns (run directory, "skipped" | "ran").
    """
    out = Path(out_dir)
    saved = resolved(config)
    tracking.check_backend(log)
    rundir.check_usable(out)  # before the lock: a foreign folder gets no LOCK either
    with rundir.locked(out):
        rundir.check_usable(out)
        had_log = log is not None and tracking.has_log(log, out)
        with tracking.active(log, out, experiment.name) as tracker:
            run_dir, status = _execute(
                experiment, config, saved, out, force=force, progress=progress, preset=preset
            )
            if tracker is not None and (status == "ran" or not had_log):
                tracker.finish(tracking.rows_of(out))
    return run_dir, status


def _execute(experiment, config, saved, out: Path, *, force: bool, progress: bool, preset=None):
    bad = rundir.mismatches(out) if (out / rundir.DONE_FILE).is_file() else []
    if bad:  # never reuse results that are not what the run wrote
        print(f"{experiment.name}: {out}: {'; '.join(bad)}; recomputing the run", file=sys.stderr)
        (out / rundir.DONE_FILE).unlink()
        if any(b.startswith(rundir.CONFIG_FILE + " ") for b in bad):
            (out / rundir.CONFIG_FILE).unlink(missing_ok=True)  # rewritten below
    if (out / rundir.CONFIG_FILE).exists() and not rundir.config_matches(
        out, experiment.name, saved
    ):
        if not force:
            raise OptionError(
                f"{out} holds a run of a different config (see {out / rundir.CONFIG_FILE}); "
                "choose another --out or pass --force to overwrite it"
            )
        _clear(out, "--force: it held a run of another config")
    if rundir.config_matches(out, experiment.name, saved) and _format(out) != experiment.format:
        # Same config, results written by an older layout: recompute them.
        _clear(out, "written in an older format; rerunning")
    if rundir.is_complete(out) and rundir.config_matches(out, experiment.name, saved):
        if not (out / longform.CSV_FILE).exists():
            write_csv(out, experiment.name)  # a run from before metrics.csv
        if experiment.figure is not None:
            _draw(experiment, out)  # cheap, and picks up changes to the plotting code
        return out, "skipped"
    sized = memory.estimate(config)
    if sized is not None:  # before any work: a run that cannot fit fails now, naming sizes
        memory.check(experiment.name, sized[0], sized[1], reduce=sized[2])
    out.mkdir(parents=True, exist_ok=True)
    extra = {} if preset is None else {"preset": preset}
    # and the run-directory marker
    rundir.write_config(out, experiment.name, saved, format=experiment.format, **extra)
    start = time.perf_counter()
    try:
        experiment.run(config, out, progress=progress)
    finally:
        progress_lib.close_all()  # a run that raised leaves no bar drawing over its error
    write_csv(out, experiment.name)
    if experiment.figure is not None:
        _draw(experiment, out)
    timing = {"wall_s": time.perf_counter() - start}
    if memory.is_population(config):  # a testbed population: the devices it was sharded over
        timing["population_devices"] = memory.population_devices()
    rundir.atomic_write_json(out / "timing.json", timing)
    rundir.mark_complete(out)
    if progress:
        print(
            f"{experiment.name}: done in {time.perf_counter() - start:.1f}s -> {out}",
            file=sys.stderr,
        )
    return out, "ran"
