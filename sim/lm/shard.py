"""The population's member axis over a 1-D device mesh: pad, place on devices, gather back.

A population of N members runs on a mesh of D devices (`jax.devices()`, every process's under
`jax.distributed`): its per-member arrays are padded to a multiple of D by repeating the last
member, and placed with `NamedSharding(mesh, PartitionSpec("members"))`, so each device holds
N_pad / D members; what every member shares (the base model, the problem sets) is replicated.
The stages of a round are the same jitted programs as on one device; XLA partitions them along
the member axis (members never exchange data, so no stage communicates). Results come back to
the host whole (`to_host`, an all-gather across processes) and callers drop the padding.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "members"


def member_mesh(devices: int | None = None) -> Mesh:
    """A 1-D mesh named "members" over the first `devices` of `jax.devices()` (default: all)."""
    available = len(jax.devices())
    n = available if devices is None else devices
    if not isinstance(n, int | np.integer) or not 1 <= n <= available:
        raise ValueError(f"devices must be an integer in [1, {available}]; got {devices!r}")
    return Mesh(np.asarray(jax.devices()[:n]), (AXIS,))


def padded_size(n_members: int, n_devices: int) -> int:
    """The population's size rounded up to a multiple of the device count."""
    return n_members + (-n_members % n_devices)


def pad(tree: Any, size: int) -> Any:
    """Host arrays with a leading member axis [N], padded to [size] by repeating the last."""

    def one(x):
        x = np.asarray(x)
        extra = size - x.shape[0]
        if extra < 0:
            raise ValueError(f"cannot pad {x.shape[0]} members down to {size}")
        return np.concatenate([x, np.repeat(x[-1:], extra, axis=0)]) if extra else x

    return jax.tree.map(one, tree)


def _put(x, sharding: NamedSharding) -> jax.Array:
    x = np.asarray(x)
    # Every process holds the whole host array and places only its own devices' blocks.
    return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def place(tree: Any, mesh: Mesh) -> Any:
    """Host arrays [N_pad, ...] (N_pad a multiple of the mesh size) sharded over members."""
    sharding = NamedSharding(mesh, PartitionSpec(AXIS))
    for x in jax.tree.leaves(tree):
        if np.shape(x)[0] % mesh.size:
            raise ValueError(f"{np.shape(x)[0]} members do not split over {mesh.size} devices")
    return jax.tree.map(lambda x: _put(x, sharding), tree)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Arrays every member reads (the base model, the problem sets), a copy on every device."""
    sharding = NamedSharding(mesh, PartitionSpec())
    return jax.tree.map(lambda x: _put(to_host(x), sharding), tree)


def to_host(x) -> np.ndarray:
    """A whole array on the host: its shards gathered from every process when they are spread
    over processes (then every process must call this, in the same order)."""
    if isinstance(x, jax.Array) and not x.is_fully_addressable:
        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(x)
