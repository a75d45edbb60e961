"""The label role: weak labelers that answer a prompt correctly only a beta share of the time.

Every labeler has the signature

    label_fn(n_labels, state, task, params, keep, *, key, mode, max_labels) -> (given, kept)

with `n_labels` [P] from the allocation and `keep` [P, V] the probability that a label passes
the filter (all ones when labels are not filtered). `given` [P, V] counts the labels the labeler
returned (their number is what the budget pays for), `kept` the ones that passed.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from sim.types import Array, Mode, Params, SimState, Task, labeler_mass


def plausible_wrong(task: Task) -> Array:
    """The most plausible wrong answer of each prompt: the base model's favourite mistake. [P]"""
    return jnp.argmax(jnp.where(task.correct, -jnp.inf, task.base_probs), axis=-1)


def _uniform_on(mask: Array) -> Array:
    mask = mask.astype(jnp.float32)
    return mask / jnp.maximum(jnp.sum(mask, axis=-1, keepdims=True), 1.0)


def stochastic_table(task: Task, params: Params) -> Array:
    """W(.|x) of the stochastic beta-weak labeler: correct mass b(x), spread over G(x).

    b(x) = beta, or beta_hard + (beta - beta_hard) a_0(x) when `beta_hard` is set (framework §8,
    `sim.types.labeler_mass`). The wrong mass 1 - b(x) goes to the plausible wrong answer,
    except a `wrong_spread` share of it spread evenly over all wrong answers. [P, V]
    """
    dtype = task.base_probs.dtype
    right = _uniform_on(task.correct).astype(dtype)
    spread = _uniform_on(~task.correct).astype(dtype)
    one = jax.nn.one_hot(plausible_wrong(task), task.n_responses, dtype=dtype)
    wrong = (1.0 - params.wrong_spread) * one + params.wrong_spread * spread
    b = labeler_mass(task, params)[:, None]
    return b * right + (1.0 - b) * wrong


def stochastic(
    n_labels: Array,
    state: SimState,
    task: Task,
    params: Params,
    keep: Array,
    *,
    key,
    mode: Mode,
    max_labels: int,
):
    """Stochastic beta-weak labeler: each label is correct with probability b(x) (C3, C4, C6)."""
    del state
    return mode.draw(key, stochastic_table(task, params), n_labels, keep, max_n=max_labels)


def base_model(
    n_labels: Array,
    state: SimState,
    task: Task,
    params: Params,
    keep: Array,
    *,
    key,
    mode: Mode,
    max_labels: int,
):
    """Samples of the base model p_0, as in the paper's experiments (b(x) = a_0(x))."""
    del state, params
    return mode.draw(key, task.base_probs, n_labels, keep, max_n=max_labels)


def adversarial(
    n_labels: Array,
    state: SimState,
    task: Task,
    params: Params,
    keep: Array,
    *,
    key,
    mode: Mode,
    max_labels: int,
):
    """The adversarial distributional labeler of C5: deterministic, correct on exactly a beta
    share of the mass it is asked about, and spending that share where it helps least.
    (`beta_hard` is not read: the adversary already chooses where it is right.)

    The query distribution is Q(x) ~ D(x) n_labels(x). Prompts are taken in order of decreasing
    current accuracy (solved ones first; ties by index) and answered correctly until a beta share
    of Q's mass is covered (in sampled mode rounded up to whole labels, so at least beta). A
    correct label is the first correct response; a wrong one is the plausible wrong answer
    (`wrong_spread` is not used: the answers stay whole counts).
    """
    dtype = task.base_probs.dtype
    accuracy = jnp.sum(jnp.where(task.correct, state.probs, 0.0), axis=-1)
    mass = task.prompt_weights * n_labels  # [P]
    order = jnp.argsort(-accuracy, stable=True)
    mass_sorted = mass[order]
    before = jnp.cumsum(mass_sorted) - mass_sorted
    correct_mass = jnp.clip(params.beta * jnp.sum(mass) - before, 0.0, mass_sorted)
    w_sorted = task.prompt_weights[order]
    units_sorted = mode.units(correct_mass / jnp.maximum(w_sorted, 1e-30))
    units = jnp.zeros_like(n_labels).at[order].set(units_sorted)
    units = jnp.minimum(units, n_labels)
    first_right = jax.nn.one_hot(jnp.argmax(task.correct, axis=-1), task.n_responses, dtype=dtype)
    wrong = jax.nn.one_hot(plausible_wrong(task), task.n_responses, dtype=dtype)
    given = units[:, None] * first_right + (n_labels - units)[:, None] * wrong
    return given, mode.thin(key, given, keep, max_n=max_labels)


LABELERS = {"stochastic": stochastic, "base": base_model, "adversarial": adversarial}
