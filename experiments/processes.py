"""Runs over several processes (`jax.distributed`): process 0 alone touches the run directory,
and sends the other processes what they read."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import jax
import numpy as np
from jax.experimental import multihost_utils


@contextlib.contextmanager
def read_on_all(path: Path):
    """`path` as process 0 has it, on every process (None where process 0 has no such file):
    process 0 sends the file's bytes and the others read a temporary copy, so only process 0
    touches the run directory. Every process must enter this together. One process: `path`."""
    if jax.process_count() == 1:
        yield path if path.is_file() else None
        return
    source = jax.process_index() == 0
    blob = np.frombuffer(path.read_bytes(), np.uint8) if source and path.is_file() else None
    size = int(multihost_utils.broadcast_one_to_all(np.int32(-1 if blob is None else blob.size)))
    if size < 0:
        yield None
        return
    blob = multihost_utils.broadcast_one_to_all(blob if source else np.zeros(size, np.uint8))
    if source:
        yield path
        return
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        copy.write_bytes(np.asarray(blob, np.uint8).tobytes())
        yield copy
