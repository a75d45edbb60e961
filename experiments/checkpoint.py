"""Checkpoints: any pytree of arrays plus a dict of extras, as one file written atomically, bound
to the config that made it and carrying its own checksum.

Layout: `MAGIC`, the sha256 of the body (32 bytes), then the body: msgpack of
{"config_sha256", "leaves": {path: array}, "extras"}. Leaves are keyed by their path in the tree
(`jax.tree_util.keystr`), so a restore matches arrays by name, not by position: a module whose
fields are reordered restores correctly, one whose names changed is refused. NNX `State`s and
optax states need no special serialisation.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
from flax import serialization

from experiments.errors import OptionError
from experiments.rundir import atomic_write_bytes

MAGIC = b"escaping-collapse checkpoint 2\n"


class CheckpointError(OptionError):
    """A checkpoint that cannot be used: corrupt, truncated, of another config or structure.
    The message names the file and why."""


def _leaves(tree: Any) -> list[tuple[str, Any]]:
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(jax.tree_util.keystr(path), x) for path, x in flat]


def save(path: str | os.PathLike, tree: Any, *, config_sha256: str, **extras) -> None:
    """Writes `tree`'s leaves (as NumPy arrays, keyed by path), `extras` (msgpack-able values)
    and `config_sha256` (`rundir.config_hash` of what made the tree)."""
    leaves = {name: np.asarray(x) for name, x in _leaves(tree)}
    body = serialization.msgpack_serialize(
        {"config_sha256": config_sha256, "leaves": leaves, "extras": extras}
    )
    atomic_write_bytes(path, MAGIC + hashlib.sha256(body).digest() + body)


def read_payload(path: str | os.PathLike) -> dict:
    """The verified body of a checkpoint: {"config_sha256", "leaves", "extras"}.

    Raises CheckpointError (naming `path`) if it cannot be read, has another header, or its
    checksum does not match (truncated or edited).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read it ({err.strerror or err})") from None
    head = len(MAGIC)
    if not data.startswith(MAGIC):
        raise CheckpointError(f"{path}: not a checkpoint of this version (unknown header)")
    digest, body = data[head : head + 32], data[head + 32 :]
    if hashlib.sha256(body).digest() != digest:
        raise CheckpointError(f"{path}: corrupt (its checksum does not match: truncated or edited)")
    try:
        payload = serialization.msgpack_restore(body)
    except Exception as err:  # msgpack raises several types; the checksum passed, so rare
        raise CheckpointError(f"{path}: corrupt ({err})") from None
    return payload


def load(path: str | os.PathLike, like: Any, *, config_sha256: str) -> tuple[Any, dict]:
    """Restores a tree with the structure, shapes and dtypes of `like`; returns (tree, extras).

    Raises CheckpointError (naming `path`) if the file is truncated or changed (its checksum),
    was written for another config (`config_sha256`), or its arrays do not fit `like`.
    """
    payload = read_payload(path)
    if payload.get("config_sha256") != config_sha256:
        raise CheckpointError(f"{path}: written by another config (its config hash differs)")
    template, treedef = jax.tree.flatten(like)
    names = [name for name, _ in _leaves(like)]
    stored = payload["leaves"]
    missing = [n for n in names if n not in stored]
    extra = [n for n in stored if n not in set(names)]
    if missing or extra:
        what = f"lacks {missing[0]}" if missing else f"holds {extra[0]}, unknown here"
        raise CheckpointError(
            f"{path}: {len(stored)} arrays that do not match the {len(names)} expected ({what})"
        )
    leaves = []
    for name, t in zip(names, template, strict=True):
        x = np.asarray(stored[name])
        if x.shape != np.shape(t) or x.dtype != np.asarray(t).dtype:
            raise CheckpointError(
                f"{path}: array {name} is {x.dtype}{x.shape}, expected "
                f"{np.asarray(t).dtype}{np.shape(t)}"
            )
        leaves.append(jax.numpy.asarray(x))
    return jax.tree.unflatten(treedef, leaves), payload.get("extras", {})


def restore(path: str | os.PathLike, like: Any, *, config_sha256: str) -> tuple[Any, dict] | None:
    """`load`, or None when there is nothing usable: no file, or one that `load` refuses, which
    is deleted after one line on stderr naming it and why (the caller starts afresh)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return load(path, like, config_sha256=config_sha256)
    except CheckpointError as err:
        print(f"{err}; it was discarded, starting afresh", file=sys.stderr)
        path.unlink(missing_ok=True)
        return None
