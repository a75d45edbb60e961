"""Checkpoints: any pytree of arrays plus a dict of extras, as one msgpack file, written atomically.

Leaves are stored in `jax.tree.leaves` order and restored into the structure of a template
(`like`), so NNX `State`s and optax states need no special serialisation.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import numpy as np
from flax import serialization

from experiments.rundir import atomic_write_bytes


def save(path: str | os.PathLike, tree: Any, **extras) -> None:
    """Writes `tree`'s leaves (as NumPy arrays) and `extras` (msgpack-able values)."""
    leaves = {str(i): np.asarray(x) for i, x in enumerate(jax.tree.leaves(tree))}
    atomic_write_bytes(path, serialization.msgpack_serialize({"leaves": leaves, "extras": extras}))


def load(path: str | os.PathLike, like: Any) -> tuple[Any, dict]:
    """Restores a tree with the structure, shapes and dtypes of `like`; returns (tree, extras).

    Raises ValueError if the file's leaves do not fit `like` (a checkpoint of another config).
    """
    with open(path, "rb") as f:
        payload = serialization.msgpack_restore(f.read())
    template, treedef = jax.tree.flatten(like)
    stored = payload["leaves"]
    if len(stored) != len(template):
        raise ValueError(f"{path}: {len(stored)} arrays, expected {len(template)}")
    leaves = []
    for i, t in enumerate(template):
        x = np.asarray(stored[str(i)])
        if x.shape != np.shape(t) or x.dtype != np.asarray(t).dtype:
            raise ValueError(
                f"{path}: array {i} is {x.dtype}{x.shape}, expected {t.dtype}{t.shape}"
            )
        leaves.append(jax.numpy.asarray(x))
    return jax.tree.unflatten(treedef, leaves), payload.get("extras", {})
