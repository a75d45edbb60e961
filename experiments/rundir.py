"""Run directories: atomic writes, the resolved config with versions and its hash, metrics,
checksums of a finished run, the marker that makes a directory a run directory, and a lock
against two writers (docs/robustness.md)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from experiments.errors import OptionError
from experiments.jsonio import (  # noqa: F401 (re-exported: rundir is their public home)
    _jsonable,
    atomic_write_bytes,
    atomic_write_json,
    canonical_json,
    read_json,
)
from experiments.lock import LOCK_FILE, locked  # noqa: F401 (re-exported)

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
DONE_FILE = "DONE"
# Written first into every directory the tool makes: only such a directory is reused, resumed
# or cleared by --force (a folder of someone's files is never touched).
MARKER_FILE = "RUNDIR"
MARKER = {"tool": "escaping-collapse", "kind": "run directory"}
# What runs write (besides the files DONE records): `clear` deletes these and nothing else.
RUN_FILES = frozenset(
    {
        CONFIG_FILE,
        METRICS_FILE,
        DONE_FILE,
        MARKER_FILE,
        "metrics.csv",
        "timing.json",
        "summary.json",
        "problems.json",
        "population.msgpack",
        "params.msgpack",
        "task.npz",
        "calibration.json",
        "tb",
        "wandb",
    }
)
# Not results: markers, the lock, temp files, and figures (redrawn whenever a run is reused).
_UNCHECKED_SUFFIXES = (".png", ".pdf", ".svg", ".tmp")
_UNCHECKED_NAMES = (DONE_FILE, LOCK_FILE, MARKER_FILE)


def config_hash(experiment: str, config: Any) -> str:
    """sha256 of the canonical JSON of (experiment, resolved config): what a checkpoint or a
    cached result is bound to."""
    text = canonical_json({"experiment": experiment, "config": config})
    return hashlib.sha256(text.encode()).hexdigest()


def load(run_dir: str | os.PathLike) -> tuple[Any, dict]:
    """(metrics.json, the resolved config of config.json) of a run directory: what the figure
    functions are handed."""
    run_dir = Path(run_dir)
    return read_json(run_dir / METRICS_FILE), read_json(run_dir / CONFIG_FILE)["config"]


def environment() -> dict[str, Any]:
    """Versions and device: what a reader needs to trust or repeat a run."""
    import jax

    versions = {"python": sys.version.split()[0]}
    for name in ("jax", "jaxlib", "flax", "optax", "numpy", "matplotlib"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "?")
        except ImportError:  # pragma: no cover - every one is a dependency
            versions[name] = None
    devices = jax.devices()
    return {
        "versions": versions,
        "platform": platform.platform(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in devices],
        "device_kind": devices[0].device_kind if devices else None,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_config(run_dir: str | os.PathLike, experiment: str, config: Any, **extra) -> None:
    """config.json: the experiment's name, resolved config and its hash (`config_hash`),
    seed(s), versions and device. Marks the directory as a run directory first."""
    mark_run_dir(run_dir)
    atomic_write_json(
        Path(run_dir) / CONFIG_FILE,
        {
            "experiment": experiment,
            "config": config,
            "config_sha256": config_hash(experiment, config),
            **extra,
            "environment": environment(),
        },
    )


def mark_run_dir(run_dir: str | os.PathLike) -> None:
    """Writes the marker (`MARKER_FILE`) that makes `run_dir` a run directory."""
    path = Path(run_dir) / MARKER_FILE
    if not path.is_file():
        atomic_write_json(path, MARKER)


def is_run_dir(run_dir: str | os.PathLike) -> bool:
    """Whether `run_dir` holds the marker of a directory this tool made."""
    try:
        return read_json(Path(run_dir) / MARKER_FILE) == MARKER
    except (OSError, ValueError):
        return False


def check_usable(run_dir: str | os.PathLike, option: str = "--out") -> None:
    """Raises OptionError unless `run_dir` is new, empty (a LOCK aside) or a run directory."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        return
    if not run_dir.is_dir():
        raise OptionError(f"{option}: {run_dir} is a file, not a run directory")
    if is_run_dir(run_dir):
        return
    others = sorted(p.name for p in run_dir.iterdir() if p.name != LOCK_FILE)
    if others:
        shown = ", ".join(others[:4]) + (", ..." if len(others) > 4 else "")
        raise OptionError(
            f"{option}: {run_dir} is not a run directory (it holds {shown} but no "
            f"{MARKER_FILE}); nothing there is reused or deleted: choose a new or empty directory"
        )


def clear(run_dir: str | os.PathLike) -> list[str]:
    """Deletes what runs write in a run directory: the files DONE records, `RUN_FILES`, figures,
    temp files and nested run directories (the testbed's base/). Keeps the LOCK and anything
    else; returns the names kept. Refuses a directory without the marker."""
    run_dir = Path(run_dir)
    if not is_run_dir(run_dir):
        raise OptionError(f"{run_dir} is not a run directory (no {MARKER_FILE}); not clearing it")
    try:
        recorded = set(read_json(run_dir / DONE_FILE)["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        recorded = set()
    tops = {name.split("/")[0] for name in recorded}
    kept = []
    for child in sorted(run_dir.iterdir()):
        name = child.name
        ours = (
            name in RUN_FILES
            or name in tops
            or name.endswith(_UNCHECKED_SUFFIXES)
            or (child.is_dir() and not child.is_symlink() and is_run_dir(child))
        )
        if name == LOCK_FILE or name == MARKER_FILE or not ours:
            if name not in (LOCK_FILE, MARKER_FILE):
                kept.append(name)
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return kept


def config_matches(run_dir: str | os.PathLike, experiment: str, config: Any) -> bool:
    """Whether `run_dir` holds a run of exactly this experiment and config."""
    path = Path(run_dir) / CONFIG_FILE
    try:
        saved = read_json(path)
    except (OSError, ValueError):  # missing or unreadable: not this run
        return False
    return saved.get("experiment") == experiment and saved.get("config") == _jsonable(config)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(run_dir: str | os.PathLike) -> dict[str, str]:
    """sha256 of every result file under `run_dir`, by path relative to it."""
    run_dir = Path(run_dir)
    out = {}
    for path in sorted(run_dir.rglob("*")):
        name = path.name
        if not path.is_file() or name in _UNCHECKED_NAMES or name.startswith("."):
            continue
        if name.endswith(_UNCHECKED_SUFFIXES):
            continue
        out[path.relative_to(run_dir).as_posix()] = _sha256(path)
    return out


def mismatches(run_dir: str | os.PathLike) -> list[str]:
    """The result files of a finished run that are missing or differ from DONE's checksums.

    A DONE that cannot be read (empty, truncated, or an older layout without checksums)
    vouches for nothing: ["DONE (unreadable: ...)"].
    """
    run_dir = Path(run_dir)
    try:
        recorded = read_json(run_dir / DONE_FILE)["sha256"]
        if not isinstance(recorded, dict) or not all(isinstance(v, str) for v in recorded.values()):
            raise TypeError("no checksums")
    except FileNotFoundError:
        return [f"{DONE_FILE} (missing)"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{DONE_FILE} (unreadable: no checksums to verify the results against)"]
    problems = []
    for name, digest in recorded.items():
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name} (missing)")
        elif _sha256(path) != digest:
            problems.append(f"{name} (changed since the run finished)")
    return problems


def is_complete(run_dir: str | os.PathLike) -> bool:
    """DONE is there, readable, and every file it records is unchanged."""
    return (Path(run_dir) / DONE_FILE).is_file() and not mismatches(run_dir)


def mark_complete(run_dir: str | os.PathLike) -> None:
    """DONE: when the run finished, and the sha256 of every result file."""
    done = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S"), "sha256": checksums(run_dir)}
    atomic_write_bytes(Path(run_dir) / DONE_FILE, (json.dumps(done, indent=1) + "\n").encode())


jsonable = _jsonable  # the JSON form of a value (tuples as lists, NaN as null): to compare
