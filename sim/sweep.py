"""Seeds and parameter grids: `vmap` the rollout, `jit` once at this boundary."""

from __future__ import annotations

import functools

import jax

from sim.table import rollout
from sim.types import Params, Strategy, Task


@functools.lru_cache(maxsize=64)
def _compiled(strategy: Strategy, rounds: int, batch_size: int | None):
    def one(task, params, key):
        return rollout(task, params, key=key, strategy=strategy, rounds=rounds)[1]

    over_seeds = jax.vmap(one, in_axes=(None, None, 0))

    def grid(task, params, keys):
        # lax.map over configurations in chunks keeps each chunk's [P, V] tables in cache;
        # inside a chunk, configurations and seeds are vmapped.
        return jax.lax.map(lambda p: over_seeds(task, p, keys), params, batch_size=batch_size)

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
    return _compiled(strategy, rounds, None)[0](task, params, keys)


def sweep(
    task: Task, params: Params, *, keys, strategy: Strategy, rounds: int, batch_size: int | None = 8
) -> dict[str, jax.Array]:
    """Rollouts over a grid of configurations and seeds.

    Args:
      params: every field with a leading axis [G] (see `stack_params`).
      keys: [S] PRNG keys, shared by every configuration (common random numbers).
      batch_size: configurations vmapped together inside the sequential map.

    Returns:
      Metrics, each [G, S, T + 1].
    """
    return _compiled(strategy, rounds, batch_size)[1](task, params, keys)


def stack_params(params_list: list[Params]) -> Params:
    """Stacks Params into one with a leading grid axis."""
    return jax.tree.map(lambda *xs: jax.numpy.stack(xs), *params_list)
