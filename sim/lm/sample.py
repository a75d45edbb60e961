"""Batched decoding: temperature sampling or greedy, with a fixed-size KV cache or without one.

`generate` is jitted once per (graph, shapes, greedy, use_cache); the temperature is traced, so
changing it does not retrace. The decode loop is a `lax.scan` over answer positions.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from flax import nnx

from sim.lm.model import apply, init_cache
from sim.lm.task import EOS, PAD
from sim.types import Array


def _pick(logits: Array, key, temperature, greedy: bool) -> Array:
    if greedy:
        return jnp.argmax(logits, axis=-1).astype(jnp.int32)
    return jax.random.categorical(key, logits / temperature, axis=-1).astype(jnp.int32)


def _decode_cached(graphdef, params, prompts, keys, temperature, greedy, repeats=1):
    """Prefills each distinct prompt once, then decodes `repeats` continuations of it: the
    cache and the last logits are repeated row by row, the layout of `jnp.repeat(prompts,
    repeats, axis=0)`, so sampling k answers per prompt costs one prefill, not k."""
    config = nnx.merge(graphdef, params).config
    b, lp = prompts.shape
    cache = init_cache(config, b)
    logits, cache = apply(graphdef, params, prompts, cache=cache, start=0)
    if repeats > 1:
        cache = jax.tree.map(lambda x: jnp.repeat(x, repeats, axis=1), cache)
        logits = jnp.repeat(logits[:, -1:], repeats, axis=0)

    def step(carry, inputs):
        cache, last = carry
        pos, key = inputs
        tok = _pick(last, key, temperature, greedy)
        logits, cache = apply(graphdef, params, tok[:, None], cache=cache, start=pos)
        return (cache, logits[:, 0]), (tok, last)

    positions = lp + jnp.arange(keys.shape[0])
    _, (tokens, step_logits) = jax.lax.scan(step, (cache, logits[:, -1]), (positions, keys))
    return tokens.T, jnp.moveaxis(step_logits, 0, 1)


def _decode_full(graphdef, params, prompts, keys, temperature, greedy, repeats=1):
    """The reference: every step recomputes the whole (fixed-length) sequence, no cache."""
    prompts = jnp.repeat(prompts, repeats, axis=0)
    b, lp = prompts.shape
    la = keys.shape[0]
    buf = jnp.concatenate([prompts, jnp.full((b, la), PAD, prompts.dtype)], axis=1)

    def step(buf, inputs):
        i, key = inputs
        logits, _ = apply(graphdef, params, buf[:, :-1])
        last = jax.lax.dynamic_index_in_dim(logits, lp - 1 + i, axis=1, keepdims=False)
        tok = _pick(last, key, temperature, greedy)
        buf = jax.lax.dynamic_update_index_in_dim(buf, tok.astype(buf.dtype), lp + i, axis=1)
        return buf, (tok, last)

    _, (tokens, step_logits) = jax.lax.scan(step, buf, (jnp.arange(la), keys))
    return tokens.T, jnp.moveaxis(step_logits, 0, 1)


@functools.partial(
    jax.jit, static_argnames=("graphdef", "answer_len", "greedy", "use_cache", "repeats")
)
def generate_with_logits(
    graphdef: nnx.GraphDef,
    params: nnx.State,
    prompts: Array,
    *,
    key,
    temperature=1.0,
    answer_len: int,
    greedy: bool = False,
    use_cache: bool = True,
    repeats: int = 1,
) -> tuple[Array, Array]:
    """Decodes `answer_len` tokens after each prompt, `repeats` times per prompt.

    Args:
      prompts: [B, Lp] int32, all the same length (no ragged prefill).
      key: PRNG key; position i uses the i-th of `answer_len` keys (unused when greedy).
      temperature: traced scalar > 0 (ignored when greedy).
      repeats: continuations per prompt; the result equals decoding
        `jnp.repeat(prompts, repeats, axis=0)` (same draws), with one prefill per prompt.

    Returns:
      (tokens [B * repeats, answer_len] int32 exactly as decoded, the logits each was drawn
      from [B * repeats, answer_len, vocab]), rows in the order of `jnp.repeat`.
    """
    keys = jax.random.split(key, answer_len)
    decode = _decode_cached if use_cache else _decode_full
    return decode(graphdef, params, prompts, keys, jnp.asarray(temperature), greedy, repeats)


def clean(tokens: Array, *, eos: int = EOS, pad: int = PAD) -> Array:
    """Everything after the first EOS becomes PAD (the answer a verifier and a learner see)."""
    is_eos = (tokens == eos).astype(jnp.int32)
    after = (jnp.cumsum(is_eos, axis=-1) - is_eos) > 0
    return jnp.where(after, pad, tokens)


def generate(
    graphdef: nnx.GraphDef,
    params: nnx.State,
    prompts,
    *,
    key,
    temperature=1.0,
    answer_len: int,
    greedy: bool = False,
    use_cache: bool = True,
    chunk: int = 4096,
    repeats: int = 1,
    eos: int = EOS,
    pad: int = PAD,
) -> Array:
    """`generate_with_logits` in fixed-size chunks (bounded memory, one compilation), cleaned.

    A chunk holds `max(1, chunk // repeats)` prompts, i.e. about `chunk` sequences. The last
    chunk is padded to full size so every call has the same shape; chunk i uses
    `fold_in(key, i)`, so the draws depend on `chunk` but not on anything else. When `chunk`
    is a multiple of `repeats`, `generate(p, repeats=k)` draws what `generate(jnp.repeat(p, k,
    axis=0))` draws (up to the prefill's float rounding), at one prefill per prompt.

    Returns:
      [B * repeats, answer_len] int32 answers, PAD after the first EOS (the task's tokens
      `eos` and `pad`; by default addition's).
    """
    prompts = jnp.asarray(prompts, jnp.int32)
    n = prompts.shape[0]
    size = min(max(1, chunk // repeats), n)
    out = []
    for i, lo in enumerate(range(0, n, size)):
        part = prompts[lo : lo + size]
        n_fill = size - part.shape[0]  # the last chunk is filled up to `size` rows
        if n_fill:
            part = jnp.concatenate([part, jnp.repeat(part[-1:], n_fill, axis=0)])
        tokens, _ = generate_with_logits(
            graphdef,
            params,
            part,
            key=jax.random.fold_in(key, i),
            temperature=temperature,
            answer_len=answer_len,
            greedy=greedy,
            use_cache=use_cache,
            repeats=repeats,
        )
        out.append(tokens[: (size - n_fill) * repeats])
    return clean(jnp.concatenate(out) if len(out) > 1 else out[0], eos=eos, pad=pad)
