"""A tiny program language over characters: one-letter ops on digits (integers mod 10), in JAX.

A program is 1..max_len op letters applied left to right to a digit, ended by EOS (`dq.`
doubles, then squares: 7 -> 4 -> 6). Tokens after the EOS are ignored, like an answer's tail in
the addition task. The vocabulary also holds the digits and separators of the prompts
(`sim.lm.programs`), so one character table serves prompt and answer.

Why mod 10 rather than mod 100: wrong programs agree with the right one on a shown input far
more often (a one-op mutant passes one random example with probability 0.1-0.2, against
0.01-0.07 mod 100), so the examples-shown filter has a false-positive rate worth studying, and
the hidden tests can cover the whole domain.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sim.types import Array

MODULUS = 10  # values are digits; ops wrap around
MAX_LEN = 6  # longest program `enumerate_functions` builds (90k functions of length 6: seconds)

# (letter, meaning, function); written so that Python ints, NumPy and JAX arrays all work.
OPS = (
    ("a", "+1", lambda x: x + 1),
    ("b", "+3", lambda x: x + 3),
    ("s", "-1", lambda x: x - 1),
    ("d", "*2", lambda x: 2 * x),
    ("t", "*3", lambda x: 3 * x),
    ("n", "neg", lambda x: -x),
    ("q", "square", lambda x: x * x),
    ("h", "//2", lambda x: x // 2),
    ("g", "//3", lambda x: x // 3),
    ("m", "%7", lambda x: x % 7),
)
N_OPS = len(OPS)
OP_CHARS = "".join(c for c, _, _ in OPS)
CHARS = "0123456789" + OP_CHARS + ">,|._"
OP0 = CHARS.index(OP_CHARS[0])  # op i is token OP0 + i
ARROW, COMMA, BAR, EOS, PAD = (CHARS.index(c) for c in ">,|._")
VOCAB_SIZE = len(CHARS)
ERROR = -1  # the output of a malformed program, on every input


def encode(text: str, length: int | None = None) -> np.ndarray:
    """Characters to tokens, padded with PAD to `length`."""
    tokens = [CHARS.index(c) for c in text]
    if length is not None:
        if len(tokens) > length:
            raise ValueError(f"{text!r} has more than {length} characters")
        tokens += [PAD] * (length - len(tokens))
    return np.asarray(tokens, np.int32)


def decode(tokens) -> str:
    return "".join(CHARS[int(t)] for t in np.asarray(tokens).reshape(-1))


def program_tokens(text: str, max_len: int) -> np.ndarray:
    """Op letters to an answer: the ops, EOS, PAD up to max_len + 1 tokens. [max_len + 1]"""
    return encode(text + CHARS[EOS], max_len + 1)


def program_length(programs: Array) -> Array:
    """Number of tokens before the first EOS (0 when there is none). [...]"""
    return jnp.argmax(jnp.asarray(programs) == EOS, axis=-1)


def is_valid(programs: Array, *, max_len: int | None = None) -> Array:
    """Well formed: an EOS, 1..max_len tokens before it (max_len defaults to L - 1), all ops.

    Args:
      programs: [..., L] int tokens.

    Returns:
      [...] bool.
    """
    programs = jnp.asarray(programs)
    limit = programs.shape[-1] - 1 if max_len is None else max_len
    length = program_length(programs)
    pos = jax.lax.broadcasted_iota(length.dtype, programs.shape, programs.ndim - 1)
    is_op = (programs >= OP0) & (programs < OP0 + N_OPS)
    return (
        jnp.any(programs == EOS, axis=-1)
        & (length >= 1)
        & (length <= limit)
        & jnp.all(is_op | (pos >= length[..., None]), axis=-1)
    )


@functools.partial(jax.jit, static_argnames="max_len")
def run(programs: Array, inputs: Array, *, max_len: int | None = None) -> tuple[Array, Array]:
    """Runs each program on its inputs: a scan over program positions, a select over ops.

    Args:
      programs: [..., L] int tokens (op letters, EOS, then anything).
      inputs: [..., K] ints, taken mod 10. The leading dims broadcast against the programs'
        and the ranks must match (e.g. [N, k, L] programs with [N, 1, K] inputs).
      max_len: the longest valid program; defaults to L - 1 (an EOS must fit).

    Returns:
      (outputs [..., K] int32 in [0, 10), or ERROR everywhere for a malformed program;
      valid [...] bool, see `is_valid`). Never raises on bad tokens; integers only, so no NaN.
    """
    programs = jnp.asarray(programs, jnp.int32)
    inputs = jnp.asarray(inputs, jnp.int32)
    valid = is_valid(programs, max_len=max_len)
    length = program_length(programs)
    shape = jnp.broadcast_shapes(programs.shape[:-1] + (1,), inputs.shape)
    ops = jnp.clip(programs - OP0, 0, N_OPS - 1)  # garbage tokens run as op 0, then masked
    pos = jax.lax.broadcasted_iota(length.dtype, programs.shape, programs.ndim - 1)
    active = pos < length[..., None]  # [..., L]

    def step(x, column):
        op, on = column  # [...], [...]
        cases = [jnp.mod(fn(x), MODULUS) for _, _, fn in OPS]
        y = jax.lax.select_n(jnp.broadcast_to(op[..., None], shape), *cases)
        return jnp.where(on[..., None], y, x), None

    x0 = jnp.broadcast_to(jnp.mod(inputs, MODULUS), shape)
    x, _ = jax.lax.scan(step, x0, (jnp.moveaxis(ops, -1, 0), jnp.moveaxis(active, -1, 0)))
    return jnp.where(valid[..., None], x, ERROR), valid


class Functions(NamedTuple):
    """Every function of the digits that some program of 1..max_len ops computes, once each.

    A function's canonical program is its shortest one, the first in op order among those;
    its difficulty is that length. The identity (the empty program) is left out: "output the
    input" is not a problem, although programs like `as` compute it.
    """

    text: tuple[str, ...]  # [F] canonical programs, by length then op order
    tables: np.ndarray  # [F, 10] int32 the function's value on every input (read-only)
    length: np.ndarray  # [F] int32 canonical length = difficulty


@functools.lru_cache(maxsize=8)
def enumerate_functions(max_len: int) -> Functions:
    """All functions of programs with 1..max_len ops, breadth first on the host (NumPy).

    The canonical program of a length-n function is a canonical length-(n - 1) program plus one
    op (a shorter or earlier prefix would give a shorter or earlier program), so extending only
    the previous level's canonical programs, in order, finds every function exactly once.
    """
    if not 1 <= max_len <= MAX_LEN:
        raise ValueError(f"max_len must lie in [1, {MAX_LEN}]; got {max_len!r}")
    identity = np.arange(MODULUS, dtype=np.int32)
    seen = {identity.tobytes()}
    level = [("", identity)]
    text, tables, lengths = [], [], []
    for n in range(1, max_len + 1):
        nxt = []
        for prefix, table in level:
            for c, _, fn in OPS:
                out = np.mod(fn(table), MODULUS).astype(np.int32)
                if out.tobytes() not in seen:
                    seen.add(out.tobytes())
                    nxt.append((prefix + c, out))
        text += [t for t, _ in nxt]
        tables += [t for _, t in nxt]
        lengths += [n] * len(nxt)
        level = nxt
    tables = np.stack(tables)
    lengths = np.asarray(lengths, np.int32)
    tables.setflags(write=False)
    lengths.setflags(write=False)
    return Functions(text=tuple(text), tables=tables, length=lengths)


def count_functions(max_len: int) -> np.ndarray:
    """Distinct hidden functions per difficulty 1..max_len. [max_len] int"""
    return np.bincount(enumerate_functions(max_len).length, minlength=max_len + 1)[1:]
