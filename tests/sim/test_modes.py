"""The sampled mode's primitives follow the exact multinomial and binomial laws.

Each test draws many independent rounds (vmap over keys) and compares them with the law: the
mean and variance of every cell by z-tests at 5 standard errors, and, on small cases, the whole
distribution of count vectors by a chi-square goodness of fit (p-value above 1e-4). The keys are
fixed, so the tests are deterministic; the tolerances say how far a correct sampler may stray.
"""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from sim import modes

N_SAMPLES = 20_000
Z = 5.0  # standard errors allowed on a mean or a variance
P_MIN = 1e-4  # smallest goodness-of-fit p-value accepted

PROBS = np.array(
    [
        [0.5, 0.0, 0.3, 0.2],
        [0.0, 0.0, 1.0, 0.0],
        [0.05, 0.05, 0.1, 0.8],
        [0.25, 0.25, 0.25, 0.25],
    ],
    np.float32,
)
KEEP = np.array(
    [
        [1.0, 1.0, 0.5, 0.0],
        [1.0, 1.0, 0.25, 1.0],
        [0.9, 0.1, 0.5, 0.3],
        [0.0, 0.0, 0.0, 0.0],
    ],
    np.float32,
)
N = np.array([8.0, 5.0, 3.0, 0.0], np.float32)
MAX_N = 8


def _keys(seed: int, n: int = N_SAMPLES):
    return jax.random.split(jax.random.key(seed), n)


@jax.jit
def _draws(keys, probs, n, keep):
    return jax.vmap(lambda k: modes.SAMPLED.draw(k, probs, n, keep, max_n=MAX_N))(keys)


@jax.jit
def _thins(keys, counts, keep):
    return jax.vmap(lambda k: modes.SAMPLED.thin(k, counts, keep, max_n=MAX_N))(keys)


def _assert_moments(x: np.ndarray, mean: np.ndarray, var: np.ndarray):
    """Per cell: sample mean and variance of x [S, ...] within Z standard errors of the law."""
    x = np.asarray(x, np.float64)
    s = x.shape[0]
    got_mean = x.mean(0)
    se_mean = np.sqrt(var / s)
    np.testing.assert_array_less(np.abs(got_mean - mean), Z * se_mean + 1e-12)
    dev2 = (x - got_mean) ** 2
    got_var = dev2.mean(0) * s / (s - 1)
    se_var = np.sqrt(dev2.var(0) / s)
    np.testing.assert_array_less(np.abs(got_var - var), Z * se_var + 1e-12)


def _compositions(n: int, parts: int):
    """Every vector of `parts` non-negative integers summing to n."""
    for bars in itertools.combinations(range(n + parts - 1), parts - 1):
        edges = (-1, *bars, n + parts - 1)
        yield tuple(edges[i + 1] - edges[i] - 1 for i in range(parts))


def _multinomial_pmf(counts, n: int, p: np.ndarray) -> float:
    coef = math.factorial(n) / math.prod(math.factorial(c) for c in counts)
    return coef * math.prod(q**c for q, c in zip(p, counts, strict=True))


def _assert_fits(observed: np.ndarray, law: dict[tuple, float]):
    """Chi-square goodness of fit of observed outcome rows [S, d] to a pmf over outcomes."""
    outcomes = list(law)
    index = {o: i for i, o in enumerate(outcomes)}
    freq = np.zeros(len(outcomes))
    for row in map(tuple, np.asarray(observed).astype(int)):
        assert row in index, f"outcome {row} has probability 0 under the law"
        freq[index[row]] += 1
    pmf = np.array([law[o] for o in outcomes])
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6), "the law does not cover every outcome"
    expected = pmf / pmf.sum() * observed.shape[0]  # float32 probabilities sum to 1 +- eps
    # Pool the rare outcomes so that every chi-square cell expects at least 5.
    rare = expected < 5
    freq = np.append(freq[~rare], freq[rare].sum())
    expected = np.append(expected[~rare], expected[rare].sum())
    if expected[-1] == 0:
        freq, expected = freq[:-1], expected[:-1]
    p_value = stats.chisquare(freq, expected).pvalue
    assert p_value > P_MIN, f"chi-square p-value {p_value:.2e}"


def test_draw_is_multinomial_with_binomial_keeps():
    drawn, kept = map(np.asarray, _draws(_keys(0), PROBS, N, KEEP))
    assert drawn.shape == kept.shape == (N_SAMPLES, *PROBS.shape)
    np.testing.assert_array_equal(drawn.sum(-1), np.broadcast_to(N, drawn.shape[:2]))
    assert np.all((0 <= kept) & (kept <= drawn))
    assert not np.any(drawn[:, PROBS == 0]), "a zero-probability response was drawn"
    p = PROBS.astype(np.float64)
    pq = p * KEEP
    n = N[:, None].astype(np.float64)
    _assert_moments(drawn, n * p, n * p * (1 - p))
    # Marginally a kept count is Binomial(n, p q): each draw lands on y and is kept w.p. p q.
    _assert_moments(kept, n * pq, n * pq * (1 - pq))
    # The covariance of two cells of one prompt is -n p_y p_z.
    cov = np.mean((drawn[:, 0, 0] - 4.0) * (drawn[:, 0, 2] - 2.4))
    se = np.std((drawn[:, 0, 0] - 4.0) * (drawn[:, 0, 2] - 2.4)) / np.sqrt(N_SAMPLES)
    assert abs(cov - (-8 * 0.5 * 0.3)) < Z * se


def test_draw_joint_law_of_kept_and_rejected_counts():
    # Per draw the outcome is (response, kept?): 2V categories with probabilities p q and
    # p (1 - q); the vector of their counts is Multinomial(n, .). Fit its whole distribution.
    probs = np.array([[0.2, 0.5, 0.3]], np.float32)
    keep = np.array([[0.5, 0.9, 0.2]], np.float32)
    n = 3
    drawn, kept = map(np.asarray, _draws(_keys(1), probs, np.array([n], np.float32), keep))
    observed = np.concatenate([kept[:, 0], drawn[:, 0] - kept[:, 0]], axis=-1)  # [S, 2V]
    p = np.concatenate([probs[0] * keep[0], probs[0] * (1 - keep[0])]).astype(np.float64)
    law = {c: _multinomial_pmf(c, n, p) for c in _compositions(n, p.size)}
    _assert_fits(observed, law)


def test_draw_with_fewer_draws_than_max_n():
    # n < max_n: the inactive slots draw nothing; the counts are Multinomial(n, p).
    probs = np.array([[0.1, 0.6, 0.3]], np.float32)
    n = 2
    drawn, _ = _draws(_keys(2), probs, np.array([n], np.float32), np.ones_like(probs))
    law = {c: _multinomial_pmf(c, n, probs[0].astype(np.float64)) for c in _compositions(n, 3)}
    _assert_fits(np.asarray(drawn)[:, 0], law)


COUNTS = np.array(
    [
        [2.0, 0.0, 3.0, 1.0],
        [0.0, 0.0, 0.0, 4.0],
        [0.0, 0.0, 0.0, 0.0],
        [8.0, 0.0, 0.0, 0.0],
    ],
    np.float32,
)


def test_thin_is_binomial_per_cell():
    keep = np.array(
        [
            [0.3, 1.0, 0.5, 0.9],
            [1.0, 1.0, 0.25, 0.6],
            [0.5, 0.5, 0.5, 0.5],
            [0.7, 0.0, 1.0, 1.0],
        ],
        np.float32,
    )
    kept = np.asarray(_thins(_keys(3), COUNTS, keep))
    assert kept.shape == (N_SAMPLES, *COUNTS.shape)
    assert np.all((0 <= kept) & (kept <= COUNTS)) and np.all(kept == np.round(kept))
    c, q = COUNTS.astype(np.float64), keep.astype(np.float64)
    _assert_moments(kept, c * q, c * q * (1 - q))
    # Whole distribution of a prompt's kept counts: independent binomials per cell.
    law = {}
    for a, b, d in itertools.product(range(3), range(4), range(2)):
        law[(a, 0, b, d)] = (
            stats.binom.pmf(a, 2, q[0, 0])
            * stats.binom.pmf(b, 3, q[0, 2])
            * stats.binom.pmf(d, 1, q[0, 3])
        )
    _assert_fits(kept[:, 0], law)
    law = {(a, 0, 0, 0): stats.binom.pmf(a, 8, q[3, 0]) for a in range(9)}
    _assert_fits(kept[:, 3], law)


def test_thin_keeps_everything_or_nothing():
    ones = _thins(_keys(4, 8), COUNTS, np.ones_like(COUNTS))
    zeros = _thins(_keys(4, 8), COUNTS, np.zeros_like(COUNTS))
    np.testing.assert_array_equal(np.asarray(ones), np.broadcast_to(COUNTS, ones.shape))
    np.testing.assert_array_equal(np.asarray(zeros), 0.0)


def test_uniform_pair_is_two_independent_uniforms():
    u, v = map(np.asarray, modes._uniform_pair(jax.random.key(5), (200, 500), jnp.float32))
    assert u.dtype == v.dtype == np.float32 and u.shape == v.shape == (200, 500)
    assert u.min() >= 0.0 and u.max() < 1.0 and v.min() >= 0.0 and v.max() < 1.0
    # Joint 10 x 10 histogram: uniform on the square, hence independent uniform marginals.
    hist, _, _ = np.histogram2d(u.ravel(), v.ravel(), bins=10, range=[[0, 1], [0, 1]])
    assert stats.chisquare(hist.ravel()).pvalue > P_MIN
    assert abs(np.corrcoef(u.ravel(), v.ravel())[0, 1]) < Z / np.sqrt(u.size)


@pytest.mark.parametrize("impl", ["rbg", "unsafe_rbg"])
def test_uniform_pair_other_key_implementations(impl):
    u, v = modes._uniform_pair(jax.random.key(6, impl=impl), (1000,), jnp.float32)
    assert u.shape == v.shape == (1000,) and not np.array_equal(np.asarray(u), np.asarray(v))


def test_draw_in_float64(x64):
    probs = jnp.asarray(PROBS, jnp.float64)
    drawn, kept = _draws(
        _keys(7, 2000), probs, jnp.asarray(N, jnp.float64), jnp.asarray(KEEP, jnp.float64)
    )
    assert drawn.dtype == kept.dtype == jnp.float64
    np.testing.assert_array_equal(np.asarray(drawn).sum(-1), np.broadcast_to(N, (2000, 4)))


def test_vmap_over_keys_equals_a_loop():
    keys = _keys(8, 3)
    drawn, kept = _draws(keys, PROBS, N, KEEP)
    thinned = _thins(keys, COUNTS, KEEP)
    draw = jax.jit(lambda key: modes.SAMPLED.draw(key, PROBS, N, KEEP, max_n=MAX_N))
    thin = jax.jit(lambda key: modes.SAMPLED.thin(key, COUNTS, KEEP, max_n=MAX_N))
    for i, key in enumerate(keys):
        d, k = draw(key)
        np.testing.assert_array_equal(np.asarray(drawn[i]), np.asarray(d))
        np.testing.assert_array_equal(np.asarray(kept[i]), np.asarray(k))
        np.testing.assert_array_equal(np.asarray(thinned[i]), np.asarray(thin(key)))


def test_select_takes_the_rounded_total_by_gumbel_rank():
    inclusion = jnp.asarray([0.5, 0.0, 1.0, 0.5, 0.5, 0.0, 0.5, 1.0], jnp.float32)
    keys = _keys(9, 4000)
    chosen = np.asarray(jax.jit(jax.vmap(modes.SAMPLED.select, in_axes=(0, None)))(keys, inclusion))
    assert set(np.unique(chosen)) <= {0.0, 1.0}
    np.testing.assert_array_equal(chosen.sum(-1), 4.0)
    assert not chosen[:, np.asarray(inclusion) == 0].any()
    # The selection is the top-N of the Gumbel priorities (the old double-argsort rank).
    for key, row in zip(keys[:50], chosen[:50], strict=True):
        g = jax.random.gumbel(key, inclusion.shape, dtype=inclusion.dtype)
        priority = jnp.where(inclusion > 0, jnp.log(jnp.maximum(inclusion, 1e-30)) + g, -jnp.inf)
        rank = np.asarray(jnp.argsort(jnp.argsort(-priority)))
        np.testing.assert_array_equal(row, ((rank < 4) & (np.asarray(inclusion) > 0)) * 1.0)
