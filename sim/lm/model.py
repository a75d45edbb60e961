"""A small decoder-only transformer (Flax NNX) with a fixed-size KV cache, and its sizes.

The module is stateful NNX; everything outside this file uses it functionally: `nnx.split`
gives a hashable `GraphDef` (a static argument of every jitted function) and a `State` of
parameters (a pytree that optax updates), and `apply` merges them inside the trace.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from sim.lm.task import VOCAB_SIZE
from sim.types import Array

SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(d_model=64, n_layers=2, n_heads=4, d_mlp=256),  # ~0.1 M parameters
    "small": dict(d_model=128, n_layers=4, n_heads=4, d_mlp=512),  # ~0.8 M
    "base": dict(d_model=256, n_layers=6, n_heads=8, d_mlp=1024),  # ~4.7 M
}


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Shape of the transformer; `max_len` is the longest sequence (prompt + answer)."""

    max_len: int
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    d_mlp: int = 256
    vocab_size: int = VOCAB_SIZE

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_heads")

    @classmethod
    def of_size(cls, size: str, *, max_len: int, vocab_size: int = VOCAB_SIZE) -> ModelConfig:
        if size not in SIZES:
            raise ValueError(f"model_size must be one of {sorted(SIZES)}; got {size!r}")
        return cls(max_len=max_len, vocab_size=vocab_size, **SIZES[size])


class Cache(NamedTuple):
    """Keys and values of every layer at every position written so far (fixed size).

    Heads before positions: the decode step's attention is then a plain batched matmul.
    """

    k: Array  # [layers, B, heads, max_len, d_head]
    v: Array  # [layers, B, heads, max_len, d_head]


def init_cache(config: ModelConfig, batch: int, dtype=jnp.float32) -> Cache:
    d_head = config.d_model // config.n_heads
    shape = (config.n_layers, batch, config.n_heads, config.max_len, d_head)
    return Cache(k=jnp.zeros(shape, dtype), v=jnp.zeros(shape, dtype))


class Attention(nnx.Module):
    """Causal multi-head self-attention that can read and write a KV cache."""

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs):
        d = config.d_model
        self.n_heads = config.n_heads
        self.qkv = nnx.Linear(d, 3 * d, use_bias=False, rngs=rngs)
        self.out = nnx.Linear(d, d, use_bias=False, rngs=rngs)

    def __call__(self, x: Array, *, cache: Cache | None = None, layer: int = 0, start=0):
        """x [B, T, d] at positions start..start+T-1.

        Without a cache the keys are x's own (T of them, start must be 0). With one, x's keys and
        values are written into layer `layer` at `start` (in place of the whole stacked cache,
        which XLA can do without a copy inside the decode loop) and each query attends to every
        cached position <= its own; unwritten slots lie in every query's future, so the causal
        mask hides them.

        Returns:
          (output [B, T, d], the updated cache or None).
        """
        b, t, d = x.shape
        h = self.n_heads
        qkv = self.qkv(x).reshape(b, t, 3, h, d // h).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv  # each [B, H, T, Dh]
        if cache is not None:
            at = (layer, 0, 0, start, 0)
            cache = Cache(
                k=jax.lax.dynamic_update_slice(cache.k, k[None].astype(cache.k.dtype), at),
                v=jax.lax.dynamic_update_slice(cache.v, v[None].astype(cache.v.dtype), at),
            )
            k, v = cache.k[layer], cache.v[layer]
        q_pos = start + jnp.arange(t)
        k_pos = jnp.arange(k.shape[2])
        scores = jnp.einsum("bhtd,bhsd->bhts", q, k) / math.sqrt(d // h)
        visible = k_pos[None, :] <= q_pos[:, None]  # [T, S]
        scores = jnp.where(visible, scores, jnp.finfo(scores.dtype).min)
        y = jnp.einsum("bhts,bhsd->bthd", jax.nn.softmax(scores, axis=-1), v)
        return self.out(y.reshape(b, t, d)), cache


class Block(nnx.Module):
    """Pre-LayerNorm transformer block."""

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs):
        d = config.d_model
        self.ln1 = nnx.LayerNorm(d, rngs=rngs)
        self.attn = Attention(config, rngs=rngs)
        self.ln2 = nnx.LayerNorm(d, rngs=rngs)
        self.fc = nnx.Linear(d, config.d_mlp, rngs=rngs)
        self.proj = nnx.Linear(config.d_mlp, d, rngs=rngs)

    def __call__(self, x: Array, *, cache: Cache | None = None, layer: int = 0, start=0):
        y, cache = self.attn(self.ln1(x), cache=cache, layer=layer, start=start)
        x = x + y
        x = x + self.proj(jax.nn.gelu(self.fc(self.ln2(x))))
        return x, cache


class Transformer(nnx.Module):
    """Decoder-only language model with learned absolute position embeddings.

    Absolute positions are a choice: with them, a digit column the model never saw used does
    not inherit what other columns learned, so the hardest prompts stay unsolved by the base
    model (the regime of C2) instead of being solved by length generalisation.
    """

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs):
        self.config = config
        self.embed = nnx.Embed(config.vocab_size, config.d_model, rngs=rngs)
        self.pos = nnx.Embed(config.max_len, config.d_model, rngs=rngs)
        self.blocks = nnx.List([Block(config, rngs=rngs) for _ in range(config.n_layers)])
        self.ln_f = nnx.LayerNorm(config.d_model, rngs=rngs)
        self.head = nnx.Linear(config.d_model, config.vocab_size, use_bias=False, rngs=rngs)

    def __call__(self, tokens: Array, *, cache: Cache | None = None, start=0):
        """Next-token logits.

        Args:
          tokens: [B, T] int tokens at positions start..start+T-1.
          cache: a `Cache` to read and extend, or None for a plain causal pass (start = 0).
          start: position of tokens[:, 0] (traced; only meaningful with a cache).

        Returns:
          (logits [B, T, vocab], the extended cache or None).
        """
        t = tokens.shape[1]
        positions = start + jnp.arange(t)
        x = self.embed(tokens) + self.pos(positions)[None]
        # A Python loop over a few layers is unrolled at trace time (as in nanoGPT); nnx.scan
        # over stacked layers would only pay off for deep models.
        for i, block in enumerate(self.blocks):
            x, cache = block(x, cache=cache, layer=i, start=start)
        return self.head(self.ln_f(x)), cache


def init_model(config: ModelConfig, *, key) -> tuple[nnx.GraphDef, nnx.State]:
    """Builds the model and splits it into (static graph, parameter pytree)."""
    model = Transformer(config, rngs=nnx.Rngs(params=key))
    return nnx.split(model)


def apply(graphdef: nnx.GraphDef, params: nnx.State, tokens: Array, *, cache=None, start=0):
    """The functional forward pass: `Transformer.__call__` on merged (graphdef, params)."""
    return nnx.merge(graphdef, params)(tokens, cache=cache, start=start)


def count_params(params: nnx.State) -> int:
    return sum(x.size for x in jax.tree.leaves(params))


def forward_flops_per_token(config: ModelConfig, context: int) -> float:
    """Matmul FLOPs of one token's forward pass (2 per multiply-add), attending to `context`."""
    d, f = config.d_model, config.d_mlp
    per_layer = 2 * (3 * d * d + d * d + 2 * d * f) + 2 * 2 * context * d
    return config.n_layers * per_layer + 2 * d * config.vocab_size
