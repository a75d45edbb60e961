"""Seeds and parameter grids: `vmap` the rollout, `jit` once at this boundary, shard over devices.

A grid of G configurations is split over all devices with `jax.shard_map` (one process, many
devices: GPUs, or CPU cores exposed as host devices with
`XLA_FLAGS=--xla_force_host_platform_device_count=N`); each device runs its share with a
sequential `lax.map` whose chunks are vmapped. Several hosts: start every process with
`jax.distributed.initialize()` first; `jax.devices()` then lists all hosts' devices, the same
call shards over them and gathers the metrics back to every process (docs/distributed.md).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import AxisType, PartitionSpec

from sim.table import tokens
from sim.table.rollout import rollout
from sim.types import Params, Strategy, Task

_AXIS = "configs"


@functools.lru_cache(maxsize=64)
def _compiled(strategy: Strategy, rounds: int, batch_size: int | None, n_devices: int):
    # The token task (`sim.table.tokens`) has its own rollout; everything else is shared.
    run = tokens.rollout if isinstance(strategy, tokens.TokenStrategy) else rollout

    def one(task, params, key):
        return run(task, params, key=key, strategy=strategy, rounds=rounds)[1]

    over_seeds = jax.vmap(one, in_axes=(None, None, 0))

    def grid(task, params, keys):
        # lax.map over configurations in chunks keeps each chunk's [P, V] tables in cache;
        # inside a chunk, configurations and seeds are vmapped.
        return jax.lax.map(lambda p: over_seeds(task, p, keys), params, batch_size=batch_size)

    if n_devices > 1:
        mesh = jax.make_mesh(
            (n_devices,), (_AXIS,), (AxisType.Auto,), devices=jax.devices()[:n_devices]
        )
        grid = jax.shard_map(
            grid,
            mesh=mesh,
            in_specs=(PartitionSpec(), PartitionSpec(_AXIS), PartitionSpec()),
            out_specs=PartitionSpec(_AXIS),
            check_vma=False,  # the rollout is written for one device; every shard is independent
        )
    return jax.jit(over_seeds), jax.jit(grid)


def simulate(
    task: Task, params: Params, *, keys, strategy: Strategy, rounds: int
) -> dict[str, jax.Array]:
    """Rollouts of one configuration over seeds.

    Args:
      keys: [S] PRNG keys, one per seed (the task is shared).

    Returns:
      Metrics, each [S, T + 1].
    """
    return _compiled(strategy, rounds, None, 1)[0](task, params, keys)


def sweep(
    task: Task,
    params: Params,
    *,
    keys,
    strategy: Strategy,
    rounds: int,
    batch_size: int | None = 1,
    devices: int | None = None,
) -> dict[str, jax.Array]:
    """Rollouts over a grid of configurations and seeds, sharded over devices.

    Args:
      params: fields with a leading grid axis [G] (or [G, P] for a per-prompt filter);
        scalar fields are shared by every configuration.
      keys: [S] PRNG keys, shared by every configuration (common random numbers).
      batch_size: configurations vmapped together inside each device's sequential map.
      devices: how many devices to shard the grid over (default: all of `jax.devices()`, every
        process's under `jax.distributed`). The grid is padded to a multiple of it; results do
        not depend on it.

    Returns:
      Metrics, each [G, S, T + 1]. Across processes (`jax.distributed`), every process calls
      `sweep` with the same arguments and gets all G configurations' metrics, on its own device.
    """
    params = broadcast_grid(params)
    n_configs = params.beta.shape[0]
    n_devices = len(jax.devices()) if devices is None else devices
    if not 1 <= n_devices <= len(jax.devices()):
        raise ValueError(f"devices must lie in [1, {len(jax.devices())}]; got {devices}")
    n_devices = min(n_devices, n_configs)
    pad = -n_configs % n_devices
    if pad:  # repeat the last configuration; its copies are dropped below
        params = jax.tree.map(lambda v: jnp.concatenate([v, jnp.repeat(v[-1:], pad, 0)]), params)
    out = _compiled(strategy, rounds, batch_size, n_devices)[1](task, params, keys)
    if jax.process_count() > 1:  # shards live in other processes: gather all on every host
        gathered = multihost_utils.process_allgather(out, tiled=True)
        return {k: jnp.asarray(v[:n_configs]) for k, v in gathered.items()}
    return {k: v[:n_configs] for k, v in out.items()}


def broadcast_grid(params: Params) -> Params:
    """Gives every scalar field the grid axis [G] of the others."""
    sizes = {jnp.shape(v)[0] for v in params if jnp.ndim(v) >= 1}
    if len(sizes) > 1:
        raise ValueError(
            f"params: grid fields must share one leading axis [G]; got sizes {sorted(sizes)}"
        )
    g = sizes.pop() if sizes else 1
    return Params(*(v if jnp.ndim(v) >= 1 else jnp.broadcast_to(v, (g,)) for v in params))


def grid_params(base: Params, **axes) -> tuple[Params, tuple[int, ...]]:
    """The outer product of value lists, flattened: grid_params(p, beta=[...], filter_fpr=[...]).

    Returns the Params with a leading axis [G = prod of lengths] and the grid's shape, so
    results reshape with `.reshape(shape + rest)`.
    """
    names = list(axes)
    values = [np.asarray(axes[n], dtype=np.float64) for n in names]
    mesh = np.meshgrid(*values, indexing="ij")
    shape = mesh[0].shape if mesh else ()
    replaced = {
        n: jnp.asarray(m.ravel(), dtype=base.beta.dtype) for n, m in zip(names, mesh, strict=True)
    }
    return broadcast_grid(base._replace(**replaced)), shape
