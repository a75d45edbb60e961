"""The learner role: fit p_{t+1} to the round's training distribution.

Every learner has the signature

    learner_fn(target, state, task, params, *, key, restart, sgd_steps) -> probs  # [P, V]

with `target` [P, V] the mixture's unnormalised training distribution. A prompt with no
training mass keeps p_t, or returns to p_0 when `restart` is set.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from sim.types import Array, Params, SimState, Task


def _fallback(state: SimState, task: Task, restart: bool) -> Array:
    return task.base_probs if restart else state.probs


def strong(
    target: Array,
    state: SimState,
    task: Task,
    params: Params,
    *,
    key,
    restart: bool,
    sgd_steps: int,
) -> Array:
    """p_{t+1}(.|x) is exactly the training distribution's conditional (the strong learner)."""
    del params, key, sgd_steps
    mass = jnp.sum(target, axis=-1, keepdims=True)
    fit = target / jnp.maximum(mass, 1e-30)
    return jnp.where(mass > 0, fit, _fallback(state, task, restart))


def partial(
    target: Array,
    state: SimState,
    task: Task,
    params: Params,
    *,
    key,
    restart: bool,
    sgd_steps: int,
) -> Array:
    """p_{t+1} = (1 - eta) p_t + eta * fit: a learner that moves only part of the way."""
    fit = strong(target, state, task, params, key=key, restart=restart, sgd_steps=sgd_steps)
    start = _fallback(state, task, restart)
    return (1.0 - params.eta) * start + params.eta * fit


# Logits of zero-probability responses start here, so gradient steps can still raise them.
_LOGIT_FLOOR = -30.0


def logit_sgd(
    target: Array,
    state: SimState,
    task: Task,
    params: Params,
    *,
    key,
    restart: bool,
    sgd_steps: int,
) -> Array:
    """A few gradient steps of weighted cross-entropy on per-prompt logits (like fine-tuning).

    Loss = sum_x w(x) CE(target(.|x), softmax(z_x)) with w(x) the prompt's share of the training
    mass times P, so a prompt with average data has weight 1 and learning rates do not depend on
    the number of prompts. Its gradient in z_x is w(x) (softmax(z_x) - target(.|x)).
    """
    del key
    start = _fallback(state, task, restart)
    z0 = jnp.maximum(jnp.log(jnp.maximum(start, 1e-38)), _LOGIT_FLOOR)
    mass = jnp.sum(target, axis=-1, keepdims=True)
    cond = target / jnp.maximum(mass, 1e-30)
    weight = mass / jnp.maximum(jnp.mean(mass), 1e-30)

    def step(_, z):
        return z - params.lr * weight * (jax.nn.softmax(z, axis=-1) - cond)

    z = jax.lax.fori_loop(0, sgd_steps, step, z0)
    return jax.nn.softmax(z, axis=-1)


LEARNERS = {"strong": strong, "partial": partial, "sgd": logit_sgd}
