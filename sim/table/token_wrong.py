"""Wrong answers of the token task by kind, as offsets from the right answer (0 = right):
near (exactly one position wrong), random (uniform over the A^L - 1 wrong answers), shuffled
(another prompt's right answer); their draws and their exact per-position marginals."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sim.types import Array

# Wrong-label kinds (as on the testbed): near = exactly one position wrong, random = a
# uniformly random wrong answer, shuffled = another prompt's right answer.
WRONG_KINDS = ("near", "random", "shuffled")


def rho_random(length: int, alphabet: int) -> float:
    """Per-position right share of a uniformly random wrong answer: (A^(L-1) - 1)/(A^L - 1)."""
    small = float(alphabet) ** -(length - 1)
    return (1.0 - small) / (alphabet - small)


def rho_near(length: int) -> float:
    """Per-position right share of a near miss (exactly one position wrong): (L - 1) / L."""
    return (length - 1) / length


def _first_nonzero_probs(length: int, alphabet: int) -> np.ndarray:
    """P(first wrong position = j) for a uniform wrong answer: (A-1) A^(L-1-j) / (A^L - 1)."""
    j = np.arange(length, dtype=np.float64)
    logw = (length - 1 - j) * np.log(alphabet)
    w = np.exp(logw - logw.max())
    return w / w.sum()


def _near(key, shape: tuple[int, ...], length: int, alphabet: int) -> Array:
    k_pos, k_off = jax.random.split(key)
    pos = jax.random.randint(k_pos, shape, 0, length)
    off = jax.random.randint(k_off, shape, 1, alphabet)
    at = _positions(length, len(shape)) == pos[..., None]
    return jnp.where(at, off[..., None], 0).astype(jnp.int32)


def _positions(length: int, ndim: int) -> Array:
    """0..L-1 shaped [1, ..., 1, L] for comparisons with [*shape, 1] arrays."""
    return jnp.arange(length).reshape((1,) * ndim + (length,))


def _random(key, shape: tuple[int, ...], length: int, alphabet: int) -> Array:
    k_first, k_off, k_rest = jax.random.split(key, 3)
    logits = jnp.log(jnp.asarray(_first_nonzero_probs(length, alphabet), jnp.float32))
    first = jax.random.categorical(k_first, logits, shape=shape)
    off = jax.random.randint(k_off, shape, 1, alphabet)
    rest = jax.random.randint(k_rest, (*shape, length), 0, alphabet)
    pos = _positions(length, len(shape))
    out = jnp.where(pos < first[..., None], 0, rest)
    return jnp.where(pos == first[..., None], off[..., None], out).astype(jnp.int32)


def draw_wrong(
    key, kind: str, answers: Array, fixed_wrong: Array | None, shape: tuple[int, ...], *, alphabet
) -> Array:
    """Fresh wrong answers of `kind` as offsets [P, *shape, L], never all 0.

    near: one uniform position gets a uniform nonzero offset. random: uniform over the A^L - 1
    wrong answers, exactly (the first wrong position j is drawn with its probability
    (A-1) A^(L-1-j) / (A^L - 1), then position j uniform nonzero, later positions uniform).
    shuffled: the right answer of a uniformly random other prompt; where it equals this prompt's
    own, `fixed_wrong` (or, when that is None, a near miss) is used instead.

    Args:
      answers: [P, L] right answers (absolute tokens).
      fixed_wrong: [P, L] each prompt's fixed wrong answer, or None.
      shape: the draws per prompt (e.g. (m,) label slots).
    """
    p, length = answers.shape
    full = (p, *shape)
    if kind == "near":
        return _near(key, full, length, alphabet)
    if kind == "random":
        return _random(key, full, length, alphabet)
    if kind != "shuffled":
        raise ValueError(f"wrong_labels must be one of {list(WRONG_KINDS)}; got {kind!r}")
    k_other, k_near = jax.random.split(key)
    if p < 2:
        raise ValueError("wrong_labels=shuffled needs at least 2 prompts (n_prompts >= 2)")
    r = jax.random.randint(k_other, full, 0, p - 1)
    mine = jnp.arange(p).reshape((p,) + (1,) * len(shape))
    other = r + (r >= mine).astype(r.dtype)  # uniform over the other prompts
    off = jnp.mod(answers[other] - answers.reshape((p,) + (1,) * len(shape) + (length,)), alphabet)
    fallback = (
        _near(k_near, full, length, alphabet)
        if fixed_wrong is None
        else jnp.broadcast_to(fixed_wrong.reshape((p,) + (1,) * len(shape) + (length,)), off.shape)
    )
    same = jnp.all(off == 0, axis=-1, keepdims=True)
    return jnp.where(same, fallback, off).astype(jnp.int32)


def fresh_marginals(
    kind: str, answers: np.ndarray, fixed_wrong: np.ndarray, alphabet: int
) -> np.ndarray:
    """Exact per-position marginals of `draw_wrong` for each prompt [P, L, A] (float64).

    shuffled: from the answers' per-position histogram, less the prompt itself, with the other
    prompts whose whole answer equals this one's replaced by the fixed wrong answer (their
    fallback).
    """
    answers = np.asarray(answers)
    p, length = answers.shape
    out = np.zeros((p, length, alphabet))
    if kind == "near":
        out[..., 0] = rho_near(length)
        out[..., 1:] = 1.0 / (length * (alphabet - 1))
        return out
    if kind == "random":
        rho = rho_random(length, alphabet)
        out[..., 0] = rho
        out[..., 1:] = (1.0 - rho) / (alphabet - 1)
        return out
    hist = np.stack([np.bincount(answers[:, j], minlength=alphabet) for j in range(length)])
    idx = (answers[:, :, None] + np.arange(alphabet)[None, None, :]) % alphabet  # [P, L, A]
    counts = hist[np.arange(length)[None, :, None], idx].astype(np.float64)
    counts[..., 0] -= 1.0  # the prompt itself
    _, inverse, n_same = np.unique(answers, axis=0, return_inverse=True, return_counts=True)
    n_same = n_same[inverse.reshape(-1)] - 1.0  # other prompts with the same whole answer
    counts[..., 0] -= n_same[:, None]
    fixed = np.eye(alphabet)[np.asarray(fixed_wrong)]  # [P, L, A]
    counts += n_same[:, None, None] * fixed
    return counts / (p - 1)
