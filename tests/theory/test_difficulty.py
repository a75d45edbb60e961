"""Difficulty-dependent quality (theory/difficulty.py) against per-prompt recursions in NumPy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory import closed_forms as cf
from theory import difficulty as df

P = 8  # prompts per random task: values vary inside property tests, shapes do not
HORIZON = 6000  # rounds the brute force iterates; rho <= 0.995 below, so 0.995^6000 ~ 1e-13
seeds = st.integers(0, 2**32 - 1)


def _task(seed, *, c_is_one):
    """A random task: a0, b, d, c per prompt (rates kept <= 0.995 so the horizon suffices)."""
    rng = np.random.default_rng(seed)
    a0 = rng.uniform(0.0, 1.0, P)
    a0[0] = 0.0  # a never-solved prompt
    b = rng.uniform(0.05, 1.0, P)
    d = rng.uniform(0.0, 0.9, P)
    c = np.ones(P) if c_is_one else rng.uniform(0.5, 1.0, P)
    w = rng.uniform(0.1, 1.0, P)
    return a0, b, d, c, w


def _errors(a0, b, d, c, horizon):
    """Plain NumPy loop of a_{t+1} = c a + (1 - c a - d (1 - a)) b per prompt: e_t. [T+1, P]"""
    a = a0.copy()
    out = [1.0 - a]
    for _ in range(horizon):
        a = c * a + (1.0 - c * a - d * (1.0 - a)) * b
        out.append(1.0 - a)
    return np.asarray(out)


@given(
    a0=st.floats(0.0, 1.0),
    beta=st.floats(0.0, 1.0),
    beta_hard=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 1.0),
    gamma_hard=st.floats(0.0, 1.0),
)
def test_quality_interpolates_between_hard_and_nominal(x64, a0, beta, beta_hard, gamma, gamma_hard):
    b, d = df.quality(a0, beta, beta_hard, gamma, gamma_hard)
    assert float(b) == pytest.approx((1 - a0) * beta_hard + a0 * beta, abs=1e-12)
    assert float(d) == pytest.approx((1 - a0) * gamma_hard + a0 * gamma, abs=1e-12)
    b_ends, d_ends = df.quality(jnp.asarray([0.0, 1.0]), beta, beta_hard, gamma, gamma_hard)
    np.testing.assert_allclose(b_ends, [beta_hard, beta], atol=1e-12)
    np.testing.assert_allclose(d_ends, [gamma_hard, gamma], atol=1e-12)


@pytest.mark.parametrize("c_is_one", [True, False])
@given(seed=seeds, t=st.integers(0, 60))
def test_error_matches_per_prompt_recursion(x64, c_is_one, seed, t):
    a0, b, d, c, _ = _task(seed, c_is_one=c_is_one)
    ref = _errors(a0, b, d, c, t)[t]
    got = df.error(a0, b, d, t, c=c)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    if c_is_one:  # C3: the exact error form of closed_forms, prompt by prompt
        np.testing.assert_allclose(got, cf.c3_error(1 - a0, d, b, t), rtol=1e-12)
    else:  # C4: the floor is the recursion's limit
        floor = df.error_floor(b, d, c=c)
        np.testing.assert_allclose(_errors(a0, b, d, c, HORIZON)[-1], floor, atol=1e-9)


def test_rate_one_prompts_stay_put(x64):
    # b = 0 (beta_hard = 0 on a0 = 0), or d = 1 with c = 1: rho = 1 and nothing moves (C2).
    a0, b, d = (
        jnp.asarray([0.0, 0.3, 0.6]),
        jnp.asarray([0.0, 0.0, 0.5]),
        jnp.asarray([0.2, 0.2, 1.0]),
    )
    np.testing.assert_allclose(df.rate(b, d), 1.0)
    np.testing.assert_allclose(df.error(a0, b, d, 50), 1 - a0)
    # With c < 1 and b = 0 the filter only drops correct answers: a_t = c^t a_0, e* = 1 (C4).
    np.testing.assert_allclose(df.error(a0, b, d, 50, c=0.9)[:2], 1 - a0[:2] * 0.9**50)
    assert np.all(np.isnan(np.asarray(df.error_floor(b, d))))


@pytest.mark.parametrize("c_is_one", [True, False])
@given(seed=seeds)
def test_mean_error_is_the_weighted_mixture(x64, c_is_one, seed):
    a0, b, d, c, w = _task(seed, c_is_one=c_is_one)
    ref = _errors(a0, b, d, c, 40) @ (w / w.sum())
    ts = jnp.arange(41)
    np.testing.assert_allclose(df.mean_error(a0, b, d, ts, c=c, prompt_weights=w), ref, rtol=1e-9)
    assert float(df.mean_error(a0, b, d, 7, c=c, prompt_weights=w)) == pytest.approx(ref[7])
    uniform = _errors(a0, b, d, c, 5).mean(axis=1)
    np.testing.assert_allclose(df.mean_error(a0, b, d, ts[:6], c=c), uniform, rtol=1e-9)


@given(seed=seeds)
def test_mean_error_is_a_mixture_of_geometric_rates(x64, seed):
    """c = 1: E_t falls, sits between E_0 min rho^t and E_0 max rho^t, and is log-convex (a
    mixture of exponentials: the slowest rate takes over, E_{t+1}/E_t rises to max rho)."""
    a0, b, d, _, w = _task(seed, c_is_one=True)
    a0 = np.clip(a0, 0.0, 0.9)  # every prompt starts with some error
    ts = jnp.arange(200)
    e = np.asarray(df.mean_error(a0, b, d, ts, prompt_weights=w))
    rho = np.asarray(df.rate(b, d))
    assert np.all(np.diff(e) <= 1e-15)
    assert np.all(e >= e[0] * rho.min() ** np.arange(200) * (1 - 1e-9))
    assert np.all(e <= e[0] * rho.max() ** np.arange(200) * (1 + 1e-9))
    assert np.all(e[1:-1] ** 2 <= e[:-2] * e[2:] * (1 + 1e-9))
    ratio = e[1:] / e[:-1]
    assert np.all(np.diff(ratio) >= -1e-12) and ratio[-1] <= rho.max() + 1e-12


def _bad_from(e, delta):
    """bad[t, x]: prompt x has e_t' > delta for some t' in [t, horizon] (not good for good)."""
    return np.maximum.accumulate((e > delta)[::-1], axis=0)[::-1]


def _first_good_for_good(e, delta):
    """Per prompt: the first t from which e_t <= delta through the horizon, inf if none. [P]"""
    bad = _bad_from(e, delta)
    good = ~bad
    return np.where(good[-1], np.argmax(good, axis=0), np.inf)


@pytest.mark.parametrize("c_is_one", [True, False])
@given(seed=seeds, delta=st.floats(1e-4, 0.5))
def test_rounds_to_delta_matches_brute_force(x64, c_is_one, seed, delta):
    a0, b, d, c, _ = _task(seed, c_is_one=c_is_one)
    got = np.asarray(df.rounds_to_delta(a0, b, d, delta, c=c))
    ref = _first_good_for_good(_errors(a0, b, d, c, HORIZON), delta)
    np.testing.assert_array_equal(got, ref)
    if c_is_one:  # C3: as closed_forms counts it (where e_0 > delta; it has no special cases)
        exact = np.asarray(cf.c3_rounds_to_epsilon_exact(1 - a0, delta, d, b))
        np.testing.assert_array_equal(got[1 - a0 > delta], exact[1 - a0 > delta])


def test_rounds_to_delta_special_cases(x64):
    delta = 0.1
    # Already within delta; rho = 0 (b = 1, d = 0) takes exactly one round; rho = 1 never.
    a0 = jnp.asarray([0.95, 0.2, 0.2, 0.0])
    b = jnp.asarray([0.5, 1.0, 0.0, 0.0])
    d = jnp.asarray([0.5, 0.0, 0.3, 0.0])
    np.testing.assert_array_equal(df.rounds_to_delta(a0, b, d, delta), [0, 1, np.inf, np.inf])
    # C4: a floor above delta loses even a prompt that starts within it.
    assert float(df.rounds_to_delta(0.99, 0.5, 0.0, delta, c=0.5)) == np.inf
    # e_t = 0.5^(t+1) hits 1/8 exactly at t = 2 (dyadic, so the tie is exact in floats).
    assert float(df.rounds_to_delta(0.5, 0.5, 0.0, 0.125)) == 2.0


@pytest.mark.parametrize("c_is_one", [True, False])
@given(seed=seeds, eps=st.floats(0.0, 0.99), delta=st.floats(1e-3, 0.5))
def test_rounds_to_eps_delta_matches_brute_force(x64, c_is_one, seed, eps, delta):
    a0, b, d, c, w = _task(seed, c_is_one=c_is_one)
    e = _errors(a0, b, d, c, HORIZON)
    share = _bad_from(e, delta) @ (w / w.sum())  # mass not within delta for good, per t
    if c_is_one:  # errors only fall: "for good" is "now"
        np.testing.assert_allclose(share, (e > delta) @ (w / w.sum()))
    ok = share <= eps + 1e-12
    ref = float(np.argmax(ok)) if ok[-1] else np.inf
    got = float(df.rounds_to_eps_delta(a0, b, d, eps, delta, c=c, prompt_weights=w))
    assert got == ref


def test_eps_delta_is_governed_by_the_worst_prompts(x64):
    """Seven easy prompts and one never solved by the base model (a0 = 0), uniform weights."""
    a0 = jnp.asarray([0.9] * (P - 1) + [0.0])
    delta = 1e-3
    b, d = df.quality(a0, 0.5, 0.05, 0.1, 0.3)
    t_x = np.asarray(df.rounds_to_delta(a0, b, d, delta))
    easy, hard = t_x[0], t_x[-1]
    assert easy < hard
    # eps = 1/8 may leave the hard prompt behind (its mass is exactly eps) ...
    assert float(df.rounds_to_eps_delta(a0, b, d, 1 / P, delta)) == easy
    # ... anything less waits for the hardest prompt.
    assert float(df.rounds_to_eps_delta(a0, b, d, 0.99 / P, delta)) == hard
    # beta_hard = 0: the labeler never helps the a0 = 0 prompt, so it is never solved (C2).
    b0, d0 = df.quality(a0, 0.5, 0.0, 0.1, 0.3)
    assert float(df.rounds_to_eps_delta(a0, b0, d0, 0.99 / P, delta)) == np.inf
    assert float(df.rounds_to_eps_delta(a0, b0, d0, 1 / P, delta)) == easy
    # Its weight in D is what counts: a tenth as heavy, it fits under eps = 0.05.
    w = jnp.asarray([1.0] * (P - 1) + [0.1])
    assert float(df.rounds_to_eps_delta(a0, b0, d0, 0.05, delta, prompt_weights=w)) == easy
    # The mean error, by contrast, is held up by its mass for all time.
    assert float(df.rounds_to_mean_error(a0, b0, d0, 0.99 / P)) == np.inf
    assert float(df.rounds_to_mean_error(a0, b0, d0, 1.01 / P)) < np.inf


@pytest.mark.parametrize("c_is_one", [True, False])
@given(seed=seeds, eps=st.floats(1e-3, 0.6))
def test_rounds_to_mean_error_matches_brute_force(x64, c_is_one, seed, eps):
    a0, b, d, c, w = _task(seed, c_is_one=c_is_one)
    t_max = 400
    mean = _errors(a0, b, d, c, t_max) @ (w / w.sum())
    ok = mean <= eps
    ref = float(np.argmax(ok)) if ok.any() else np.inf
    got = df.rounds_to_mean_error(a0, b, d, eps, c=c, prompt_weights=w, t_max=t_max)
    assert float(got) == ref


def test_jit_traces_once(x64):
    traces = []

    def f(a0, b, d, eps, delta):
        traces.append(1)
        return df.rounds_to_eps_delta(a0, b, d, eps, delta)

    jf = jax.jit(f)
    for seed in range(4):
        a0, b, d, _, _ = _task(seed, c_is_one=True)
        got = float(jf(jnp.asarray(a0), jnp.asarray(b), jnp.asarray(d), 0.2, 0.01))
        assert got == float(df.rounds_to_eps_delta(a0, b, d, 0.2, 0.01))
    assert len(traces) == 1
