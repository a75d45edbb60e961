"""Run directories: atomic writes, the resolved config with versions, metrics, progress,
checksums of a finished run, and a lock against two writers."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from experiments.errors import OptionError

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
DONE_FILE = "DONE"
LOCK_FILE = "LOCK"
# Not results: markers, the lock, temp files, and figures (redrawn whenever a run is reused).
_UNCHECKED_SUFFIXES = (".png", ".pdf", ".svg", ".tmp")


def _jsonable(x: Any) -> Any:
    """Numbers, arrays and dataclasses as JSON values; NaN and inf become null."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: _jsonable(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # numpy or jax array
        return _jsonable(np.asarray(x).tolist())
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Writes a temp file beside `path`, then renames it: a reader never sees half a file."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are for sharing
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):  # read-only, full, or missing permissions: name the path
            raise OptionError(f"cannot write {path}: {err.strerror or err}") from err
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    text = json.dumps(_jsonable(obj), indent=1, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())


def read_json(path: str | os.PathLike) -> Any:
    with open(path) as f:
        return json.load(f)


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
    """config.json: the experiment's name, resolved config, seed(s), versions and device."""
    atomic_write_json(
        Path(run_dir) / CONFIG_FILE,
        {"experiment": experiment, "config": config, **extra, "environment": environment()},
    )


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
        if not path.is_file() or name in (DONE_FILE, LOCK_FILE) or name.startswith("."):
            continue
        if name.endswith(_UNCHECKED_SUFFIXES):
            continue
        out[path.relative_to(run_dir).as_posix()] = _sha256(path)
    return out


def mismatches(run_dir: str | os.PathLike) -> list[str]:
    """The result files of a finished run that are missing or differ from DONE's checksums.

    A DONE of an older layout (a timestamp, no checksums) has nothing to compare: [].
    """
    run_dir = Path(run_dir)
    try:
        recorded = read_json(run_dir / DONE_FILE)["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    problems = []
    for name, digest in recorded.items():
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name} (missing)")
        elif _sha256(path) != digest:
            problems.append(f"{name} (changed since the run finished)")
    return problems


def is_complete(run_dir: str | os.PathLike) -> bool:
    """DONE is there and every file it records is unchanged."""
    return (Path(run_dir) / DONE_FILE).exists() and not mismatches(run_dir)


def mark_complete(run_dir: str | os.PathLike) -> None:
    """DONE: when the run finished, and the sha256 of every result file."""
    done = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S"), "sha256": checksums(run_dir)}
    atomic_write_bytes(Path(run_dir) / DONE_FILE, (json.dumps(done, indent=1) + "\n").encode())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


@contextlib.contextmanager
def locked(run_dir: str | os.PathLike):
    """Holds `run_dir/LOCK` (the owner's pid) while a run writes the directory.

    Raises OptionError while another live process holds it; a lock whose process is gone
    (a crashed run) is taken over.
    """
    path = Path(run_dir) / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OptionError(f"cannot write {path.parent}: {err.strerror or err}") from err
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner = int(path.read_text().strip() or -1)
            except (OSError, ValueError):
                owner = -1
            if owner > 0 and _alive(owner):
                raise OptionError(
                    f"{path.parent} is being written by process {owner} (lock {path}); wait for "
                    "it, or choose another --out"
                ) from None
            path.unlink(missing_ok=True)  # stale: its process is gone
            continue
        except OSError as err:
            raise OptionError(f"cannot write {path}: {err.strerror or err}") from err
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        break
    else:  # pragma: no cover - three races lost in a row
        raise OptionError(f"cannot take the lock {path}")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


jsonable = _jsonable  # the JSON form of a value (tuples as lists, NaN as null): to compare
