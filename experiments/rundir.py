"""Run directories: atomic writes, the resolved config with versions, metrics, progress."""

from __future__ import annotations

import dataclasses
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

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
DONE_FILE = "DONE"


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
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
    if not path.exists():
        return False
    saved = read_json(path)
    return saved.get("experiment") == experiment and saved.get("config") == _jsonable(config)


def is_complete(run_dir: str | os.PathLike) -> bool:
    return (Path(run_dir) / DONE_FILE).exists()


def mark_complete(run_dir: str | os.PathLike) -> None:
    atomic_write_bytes(Path(run_dir) / DONE_FILE, time.strftime("%Y-%m-%dT%H:%M:%S\n").encode())


class Progress:
    """A one-line progress display with rate and ETA, on stderr (quiet when `enabled=False`)."""

    def __init__(self, total: int, label: str, *, enabled: bool = True, unit: str = "step"):
        self.total, self.label, self.enabled, self.unit = max(total, 1), label, enabled, unit
        self.start = time.perf_counter()
        self.done = 0

    def update(self, done: int, note: str = "") -> None:
        self.done = done
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / done * (self.total - done) if done else float("nan")
        msg = (
            f"\r{self.label}: {self.unit} {done}/{self.total} "
            f"[{elapsed:5.1f}s elapsed, ETA {eta:5.1f}s] {note}"
        )
        sys.stderr.write(msg.ljust(100)[:160])
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


jsonable = _jsonable  # the JSON form of a value (tuples as lists, NaN as null): to compare
