"""The testbed's verifiable task: multi-digit addition with a character vocabulary.

A prompt is `a+b=` with both operands zero-padded to `max_digits` digits (so every prompt has
the same length and sampling needs no ragged prefill); the answer is the sum written least
significant digit first (the order in which a small transformer can compute carries), then the
end token. Difficulty n is the number of digits of both operands. The verifier checks the
final answer's value; a malformed answer (a non-digit before the end token, no end token, no
digit) is wrong.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sim.types import Array

CHARS = "0123456789+=._"
PLUS, EQUALS, EOS, PAD = (CHARS.index(c) for c in "+=._")
VOCAB_SIZE = len(CHARS)
MAX_DIGITS = 8  # int64 sums on the host; keeps the vocabulary and test sets small


class Problems(NamedTuple):
    """A fixed set of addition problems (train prompts, test prompts or the seed set).

    `D` is `max_digits`, Lp = 2D + 2 the prompt length, La = D + 2 the answer length.
    """

    prompts: Array  # [N, Lp] int32 tokens of "a+b="
    answers: Array  # [N, La] int32 the reference answer: reversed sum, EOS, then PAD
    digits: Array  # [N, D + 1] int32 digits of the sum, least significant first
    wrong: Array  # [N, La] int32 a plausible wrong answer (a carry mistake), same format
    difficulty: Array  # [N] int32 number of digits of each operand, 1..D
    a: Array  # [N] int64 first operand (host only, for references and display)
    b: Array  # [N] int64 second operand


def prompt_len(max_digits: int) -> int:
    return 2 * max_digits + 2


def answer_len(max_digits: int) -> int:
    return max_digits + 2


def seq_len(max_digits: int) -> int:
    """Prompt plus answer: the longest sequence the model ever sees."""
    return prompt_len(max_digits) + answer_len(max_digits)


def encode(text: str, length: int | None = None) -> np.ndarray:
    """Characters to tokens, padded with PAD to `length`."""
    tokens = [CHARS.index(c) for c in text]
    if length is not None:
        tokens += [PAD] * (length - len(tokens))
    return np.asarray(tokens, np.int32)


def decode(tokens) -> str:
    return "".join(CHARS[int(t)] for t in np.asarray(tokens).reshape(-1))


def _operand(rng: np.random.Generator, n: np.ndarray) -> np.ndarray:
    """Uniform n-digit numbers (leading digit nonzero; one digit includes 0)."""
    lo = np.where(n == 1, 0, 10 ** (n - 1))
    return rng.integers(lo, 10**n)


def answer_tokens(value: np.ndarray, max_digits: int) -> np.ndarray:
    """Reversed digits of `value` without high-order zeros, EOS, PAD: [N, La]."""
    la = answer_len(max_digits)
    out = np.full((value.shape[0], la), PAD, np.int32)
    for i, v in enumerate(value.tolist()):
        s = str(v)[::-1] + "."
        out[i, : len(s)] = encode(s)
    return out


def carry_mistake(a: np.ndarray, b: np.ndarray, n: np.ndarray, rng) -> np.ndarray:
    """A plausible wrong sum: one carry dropped; with no carry to drop, a spurious one added."""
    wrong = a + b
    for i in range(a.shape[0]):
        carries, c = [], 0
        for j in range(int(n[i])):
            c = (a[i] // 10**j % 10 + b[i] // 10**j % 10 + c) // 10
            if c:
                carries.append(j)
        j = rng.choice(carries) if carries else rng.integers(0, n[i])
        wrong[i] += -(10 ** (j + 1)) if carries else 10 ** (j + 1)
    return wrong


def make_problems(n: int, *, max_digits: int, difficulty_weights, seed: int) -> Problems:
    """Draws `n` problems, difficulty ~ `difficulty_weights` (one weight per 1..max_digits).

    Deterministic in `seed` (a NumPy generator: data are made once, on the host). Easy problems
    repeat between sets (there are only 100 one-digit sums); harder ones almost never do.
    """
    if not 1 <= max_digits <= MAX_DIGITS:
        raise ValueError(f"max_digits must lie in [1, {MAX_DIGITS}]; got {max_digits!r}")
    w = np.asarray(difficulty_weights, np.float64)
    if w.shape != (max_digits,) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(
            f"difficulty_weights must be {max_digits} non-negative weights, not all zero; "
            f"got {difficulty_weights!r}"
        )
    rng = np.random.default_rng(seed)
    difficulty = rng.choice(np.arange(1, max_digits + 1), size=n, p=w / w.sum())
    a, b = _operand(rng, difficulty), _operand(rng, difficulty)
    return problems_from(a, b, difficulty, max_digits, carry_mistake(a, b, difficulty, rng))


def problems_from(a, b, difficulty, max_digits: int, wrong) -> Problems:
    """The encoded problems a + b (n-digit operands), with one wrong sum each."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    total = a + b
    prompts = np.stack(
        [encode(f"{x:0{max_digits}d}+{y:0{max_digits}d}=") for x, y in zip(a, b, strict=True)]
    ).reshape(len(a), prompt_len(max_digits))
    digits = (total[:, None] // 10 ** np.arange(max_digits + 1)) % 10
    return Problems(
        prompts=prompts,
        answers=answer_tokens(total, max_digits),
        digits=digits.astype(np.int32),
        wrong=answer_tokens(np.asarray(wrong, np.int64), max_digits),
        difficulty=np.asarray(difficulty).astype(np.int32),
        a=a,
        b=b,
    )


def uniform_difficulty(max_digits: int) -> tuple[float, ...]:
    return (1.0,) * max_digits


def verify(answers: Array, digits: Array) -> Array:
    """The verifier: is the answer's value the sum? Malformed answers are wrong.

    Args:
      answers: [..., La] int tokens a model produced after "=" (anything after EOS is ignored).
      digits: [..., D + 1] digits of the true sum, least significant first (La = D + 2).

    Returns:
      [...] bool. Correct iff an EOS appears, at least one token precedes it, every token before
      it is a digit, and those digits (least significant first) spell the sum; high-order zeros
      may be written or left out.
    """
    la = answers.shape[-1]
    is_eos = answers == EOS
    length = jnp.argmax(is_eos, axis=-1)  # first EOS; 0 when there is none (caught below)
    pos = jax.lax.broadcasted_iota(length.dtype, answers.shape, answers.ndim - 1)
    before = pos < length[..., None]
    well_formed = (
        jnp.any(is_eos, axis=-1)
        & (length >= 1)
        & jnp.all(jnp.where(before, answers <= 9, True), axis=-1)
    )
    head = answers[..., : la - 1]  # at most D + 1 digits fit before the EOS
    match = jnp.where(before[..., : la - 1], head == digits, digits == 0)
    return well_formed & jnp.all(match, axis=-1)


def answer_mask(answers: Array, *, eos: int = EOS) -> Array:
    """Tokens that count in the loss: the answer up to and including its first EOS. [..., La]"""
    is_eos = (answers == eos).astype(jnp.int32)
    after = jnp.cumsum(is_eos, axis=-1) - is_eos  # EOS tokens strictly before this position
    return after == 0
