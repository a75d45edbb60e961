"""JSON in run directories: values made JSON (NaN as null), atomic writes, reads that name the
file they could not parse, one canonical text per value."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from experiments.errors import OptionError


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
    """The JSON value in `path`; a file that is not JSON is an OptionError naming it (a missing
    file stays an OSError, which names it too)."""
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode())
    except (ValueError, UnicodeDecodeError) as err:
        why = f"{err.msg} at line {err.lineno}" if isinstance(err, json.JSONDecodeError) else err
        raise OptionError(f"{path} is not valid JSON ({why}); it may be truncated") from None


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, tuples as lists, NaN as null."""
    return json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
