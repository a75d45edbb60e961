"""Closed forms of theory/ against their own recursions, iterated step by step in float64."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory import closed_forms as cf

unit = st.floats(0.0, 1.0)
open_unit = st.floats(0.01, 0.99)


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_c1_transition_matrix_moments(x64, k):
    m = np.asarray(cf.c1_transition_matrix(k))
    grid = np.arange(k + 1) / k
    np.testing.assert_allclose(m.sum(1), 1.0, atol=1e-12)
    # Martingale: E[a_{t+1} | a_t = i/k] = i/k.
    np.testing.assert_allclose(m @ grid, grid, atol=1e-12)
    # Heterozygosity: E[a'(1 - a') | a] = a(1 - a)(1 - 1/k).
    np.testing.assert_allclose(m @ (grid * (1 - grid)), grid * (1 - grid) * (1 - 1 / k), atol=1e-12)
    # Absorption: after many steps the mass sits at 0 and 1, at 1 with probability a_0.
    limit = np.linalg.matrix_power(m, 400)
    np.testing.assert_allclose(
        limit[:, -1], np.asarray(cf.c1_fixation_probability(grid)), atol=1e-6
    )
    np.testing.assert_allclose(limit[:, 0] + limit[:, -1], 1.0, atol=1e-6)
    law = np.zeros(k + 1)
    law[k // 2] = 1.0
    for t in range(1, 6):
        law = law @ m
        a = grid[k // 2]
        assert law @ (grid * (1 - grid)) == pytest.approx(
            float(cf.c1_heterozygosity(a, k, t)), abs=1e-12
        )


@given(a0=unit, c=st.floats(0.05, 1.0), d=st.floats(0.0, 1.0), t=st.integers(0, 30))
def test_c2_matches_recursion(x64, a0, c, d, t):
    a = a0
    for _ in range(t):
        den = c * a + d * (1 - a)
        a = c * a / den if den > 0 else a
    assert float(cf.c2_filter_only_accuracy(a0, c, d, t)) == pytest.approx(a, abs=1e-9)
    if a0 == 0:
        assert float(cf.c2_filter_only_accuracy(a0, c, d, t)) == 0.0


@given(
    a0=unit,
    c=st.floats(0.0, 1.0),
    d=st.floats(0.0, 1.0),
    b=st.floats(0.01, 1.0),
    t=st.integers(0, 40),
)
def test_c3_closed_form_matches_recursion(x64, a0, c, d, b, t):
    a = a0
    for _ in range(t):
        a = float(cf.c3_step(a, c, d, b))
    assert float(cf.c3_accuracy(a0, c, d, b, t)) == pytest.approx(a, abs=1e-9)
    # With c = 1 the error form is exact and sits under the exponential bound for d <= gamma.
    e = 1.0 - a0
    for _ in range(t):
        e = e - (1 - d) * b * e  # e_{t+1} = e_t (1 - (1 - d) b)
    assert float(cf.c3_error(1 - a0, d, b, t)) == pytest.approx(e, abs=1e-12)
    assert float(cf.c3_error(1 - a0, d, b, t)) <= float(cf.c3_error_bound(1 - a0, d, b, t)) + 1e-15


@given(
    e0=st.floats(0.01, 1.0),
    eps=st.floats(1e-6, 0.5),
    gamma=st.floats(0.0, 0.95),
    beta=st.floats(0.01, 1.0),
)
def test_c3_rounds_to_epsilon_suffice(x64, e0, eps, gamma, beta):
    t = np.ceil(float(cf.c3_rounds_to_epsilon(e0, eps, gamma, beta)))
    assert float(cf.c3_error(e0, gamma, beta, t)) <= eps * (1 + 1e-9)
    exact = float(cf.c3_rounds_to_epsilon_exact(e0, eps, gamma, beta))
    assert exact <= t
    assert float(cf.c3_error(e0, gamma, beta, exact)) <= eps * (1 + 1e-9)
    if exact >= 1:
        assert float(cf.c3_error(e0, gamma, beta, exact - 1)) > eps


@given(c=st.floats(0.0, 0.99), d=st.floats(0.0, 0.99), b=st.floats(0.01, 1.0))
def test_c4_floor_is_fixed_point(x64, c, d, b):
    a_star = float(cf.c3_fixed_point(c, d, b))
    assert float(cf.c3_step(a_star, c, d, b)) == pytest.approx(a_star, abs=1e-12)
    assert float(cf.c4_error_floor(c, d, b)) == pytest.approx(1 - a_star, abs=1e-12)
    assert float(cf.c3_fixed_point(1.0, d, b)) == pytest.approx(1.0)
    if b < 1:
        assert 1 - a_star > 0 or c == 1.0


@given(u0=st.floats(0.01, 1.0), beta=st.floats(0.01, 0.99), t=st.integers(0, 30))
def test_c5_forms(x64, u0, beta, t):
    theta = float(cf.c5_theta(beta))
    assert float(cf.c5_focused_unsolved(u0, beta, t)) == pytest.approx(u0 * np.exp(-theta * t))
    # Uniform: the recursion U <- min(U, 1 - beta) from U_0.
    u = u0
    for _ in range(t):
        u = min(u, 1 - beta)
    assert float(cf.c5_uniform_unsolved(u0, beta, t)) == pytest.approx(u)
    assert theta >= beta  # log(1/(1-beta)) >= beta, so ln(U0/eps)/theta <= ln(U0/eps)/beta


@given(a0=unit, alpha=st.floats(0.0, 1.0), b=unit, t=st.integers(0, 40))
def test_c6_matches_recursion(x64, a0, alpha, b, t):
    a = a0
    for _ in range(t):
        a = (1 - alpha) * a + alpha * b
    assert float(cf.c6_weak_only_accuracy(a0, alpha, b, t)) == pytest.approx(a, abs=1e-12)


@given(
    a=st.floats(0.001, 0.99),
    delta=st.floats(0.001, 0.5),
    c=st.floats(0.5, 1.0),
    d=st.floats(0.01, 0.45),
)
def test_c7_rounds_formula(x64, a, delta, c, d):
    n = int(cf.c7_rounds_to_delta(a, delta, c, d))
    assert float(1 - cf.c2_filter_only_accuracy(a, c, d, n)) <= delta * (1 + 1e-9)
    if n >= 1:
        assert float(1 - cf.c2_filter_only_accuracy(a, c, d, n - 1)) > delta


def test_theory_is_float64_capable(x64):
    out = cf.c3_error(jnp.asarray(1.0), 0.0, 0.5, 60)
    assert out.dtype == jnp.float64
    assert float(out) == pytest.approx(0.5**60, rel=1e-12)
