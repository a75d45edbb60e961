"""Fitting: a weighted next-token loss on answers, AdamW, and a jitted chunk of training steps.

Each training example has a weight (the mixture's per-example weight, e.g. alpha / |L| for a
weak label); a minibatch's loss is the weighted mean of its examples' answer NLLs, so weights
act as weights: zero-weight examples do not move the parameters, and scaling all weights by a
constant changes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from sim.lm.model import apply
from sim.lm.task import EOS, answer_mask
from sim.types import Array


@dataclasses.dataclass(frozen=True)
class OptConfig:
    """AdamW with linear warm-up, then constant (`decay_steps=0`) or cosine decay to 10%."""

    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 0
    decay_steps: int = 0
    b1: float = 0.9
    b2: float = 0.98
    clip_norm: float = 1.0


def make_tx(opt: OptConfig) -> optax.GradientTransformation:
    if opt.decay_steps:
        schedule = optax.warmup_cosine_decay_schedule(
            0.0, opt.lr, max(opt.warmup_steps, 1), opt.decay_steps, end_value=0.1 * opt.lr
        )
    elif opt.warmup_steps:
        schedule = optax.linear_schedule(0.0, opt.lr, opt.warmup_steps)
    else:
        schedule = opt.lr
    return optax.chain(
        optax.clip_by_global_norm(opt.clip_norm),
        optax.adamw(schedule, b1=opt.b1, b2=opt.b2, weight_decay=opt.weight_decay),
    )


class TrainState(NamedTuple):
    """Parameters and optimizer state: everything a checkpoint needs to continue training."""

    params: nnx.State  # the transformer's parameters
    opt_state: optax.OptState  # AdamW moments and step count
    step: Array  # [] int32, steps taken with this optimizer


class TrainData(NamedTuple):
    """A training set of full sequences with per-example weights (weight 0 = not in the set)."""

    tokens: Array  # [N, max_len] int32 prompt followed by answer
    weights: Array  # [N] float32 per-example mixture weight, >= 0


def init_train_state(params: nnx.State, opt: OptConfig) -> TrainState:
    return TrainState(
        params=params, opt_state=make_tx(opt).init(params), step=jnp.zeros((), jnp.int32)
    )


def example_losses(graphdef, params, tokens: Array, *, prompt_len: int, eos: int = EOS) -> Array:
    """Per-example NLL of the answer (up to and including its EOS) given the prompt.

    Args:
      tokens: [B, max_len] prompt (prompt_len tokens) then answer.

    Returns:
      [B] summed cross-entropy over answer tokens.
    """
    logits, _ = apply(graphdef, params, tokens[:, :-1])
    logits = logits[:, prompt_len - 1 :]  # the positions that predict answer tokens
    answers = tokens[:, prompt_len:]
    nll = optax.softmax_cross_entropy_with_integer_labels(logits, answers)
    return jnp.sum(jnp.where(answer_mask(answers, eos=eos), nll, 0.0), axis=-1)


def weighted_loss(
    graphdef, params, tokens: Array, weights: Array, *, prompt_len: int, eos: int = EOS
) -> Array:
    """sum_i w_i l_i / sum_i w_i over the batch (0 when every weight is 0)."""
    losses = example_losses(graphdef, params, tokens, prompt_len=prompt_len, eos=eos)
    return jnp.sum(weights * losses) / jnp.maximum(jnp.sum(weights), 1e-30)


def train_step(
    graphdef,
    opt: OptConfig,
    state: TrainState,
    tokens: Array,
    weights: Array,
    *,
    prompt_len: int,
    eos: int = EOS,
) -> tuple[TrainState, Array]:
    """One AdamW step on the weighted loss of a batch ([B, max_len] tokens, [B] weights)."""
    loss, grads = jax.value_and_grad(weighted_loss, argnums=1)(
        graphdef, state.params, tokens, weights, prompt_len=prompt_len, eos=eos
    )
    # optax's bias correction raises a float to its int32 step count: fine under JAX's standard
    # promotion, an error under the strict one the tests use for this code base.
    with jax.numpy_dtype_promotion("standard"):
        updates, opt_state = make_tx(opt).update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    return TrainState(params=params, opt_state=opt_state, step=state.step + 1), loss


@functools.partial(
    jax.jit, static_argnames=("graphdef", "opt", "n_steps", "batch_size", "prompt_len", "eos")
)
def train_chunk(
    graphdef,
    opt: OptConfig,
    state: TrainState,
    data: TrainData,
    *,
    key,
    n_steps: int,
    batch_size: int,
    prompt_len: int,
    eos: int = EOS,
) -> tuple[TrainState, Array]:
    """`n_steps` steps, each on `batch_size` examples drawn uniformly (with replacement) from
    those of positive weight, loss weighted by their weights.

    The data keep a fixed shape whatever the round produced (weight 0 pads), so one compilation
    serves every round, strategy and seed.

    Returns:
      The new state and the loss of every step [n_steps].
    """
    valid = data.weights > 0
    order = jnp.argsort(~valid, stable=True)  # examples in the set first
    n_valid = jnp.maximum(jnp.sum(valid), 1)

    def body(state, k):
        idx = order[jax.random.randint(k, (batch_size,), 0, n_valid)]
        return train_step(
            graphdef,
            opt,
            state,
            data.tokens[idx],
            data.weights[idx],
            prompt_len=prompt_len,
            eos=eos,
        )

    return jax.lax.scan(body, state, jax.random.split(key, n_steps))
