"""Property tests: each claim over random beta, gamma, c, d, alpha and tasks (hypothesis).

Shapes are fixed (P = 24 prompts, V = 6 responses, k = 4) and only values vary, so each
strategy compiles once for the whole property. Expected mode, float64.
"""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import sim
from theory import closed_forms as cf

P, V, K, T = 24, 6, 4, 12

accuracies = arrays(np.float64, (P,), elements=st.floats(0.0, 1.0))
positive_accuracies = arrays(np.float64, (P,), elements=st.floats(0.02, 0.98))
prob = st.floats(0.0, 1.0)


def _simulate(a0, rounds=T, **kw):
    roles = {k: kw.pop(k) for k in ("allocation", "labeler", "mixture", "filter_labels") if k in kw}
    strategy = sim.make_strategy(
        mode="expected", samples_per_prompt=K, labels_per_prompt=K, **roles
    )
    task = sim.task_from_accuracy(a0, n_responses=V, dtype=jnp.float64)
    params = sim.make_params(dtype=jnp.float64, **kw)
    out = sim.simulate(
        task, params, keys=jax.random.split(jax.random.key(0), 1), strategy=strategy, rounds=rounds
    )
    return {k: np.asarray(v[0]) for k, v in out.items()}


def _mean(x):
    return np.asarray(x).mean(axis=-1)


T_COL = np.arange(T + 1)[:, None]


@given(a0=accuracies)
def test_c1_property(x64, a0):
    m = _simulate(a0, allocation="none", mixture="replace", filter_tpr=1.0, filter_fpr=1.0)
    np.testing.assert_allclose(m["mean_accuracy"], a0.mean(), atol=1e-12)
    np.testing.assert_allclose(m["entropy"], m["entropy"][0], atol=1e-12)


@given(a0=accuracies, c=st.floats(0.05, 1.0), d=st.floats(0.01, 1.0))
def test_c2_property(x64, a0, c, d):
    m = _simulate(a0, allocation="none", mixture="replace", filter_tpr=c, filter_fpr=d)
    expected = _mean(cf.c2_filter_only_accuracy(a0, c, d, T_COL))
    np.testing.assert_allclose(m["mean_accuracy"], expected, atol=1e-9)
    assert m["mean_accuracy"][-1] <= float(cf.c2_accuracy_ceiling(a0)) + 1e-9


@given(a0=accuracies, c=prob, d=prob, b=st.floats(0.01, 1.0))
def test_c3_property(x64, a0, c, d, b):
    m = _simulate(a0, allocation="rejected", mixture="replace", filter_tpr=c, filter_fpr=d, beta=b)
    np.testing.assert_allclose(
        m["mean_accuracy"], _mean(cf.c3_accuracy(a0, c, d, b, T_COL)), atol=1e-9
    )


@given(a0=accuracies, gamma=st.floats(0.0, 0.95), b=st.floats(0.01, 1.0))
def test_c3_bound_property(x64, a0, gamma, b):
    m = _simulate(
        a0, allocation="rejected", mixture="replace", filter_tpr=1.0, filter_fpr=gamma, beta=b
    )
    bound = np.asarray(cf.c3_error_bound(1 - a0, gamma, b, T_COL)).max(axis=1)
    assert np.all(m["max_error"] <= bound + 1e-12)


@given(a0=accuracies, c=st.floats(0.0, 0.99), d=st.floats(0.0, 0.99), b=st.floats(0.01, 0.99))
def test_c4_property(x64, a0, c, d, b):
    # The distance to the floor e* shrinks by rho each round, from every start.
    m = _simulate(a0, allocation="rejected", mixture="replace", filter_tpr=c, filter_fpr=d, beta=b)
    e_star = float(cf.c4_error_floor(c, d, b))
    rho = float(cf.c3_rate(c, d, b))
    gap = m["mean_error"] - e_star
    np.testing.assert_allclose(gap, gap[0] * rho ** np.arange(T + 1), atol=1e-9)


@given(u0=st.floats(0.05, 1.0), beta=st.floats(0.05, 0.9))
def test_c5_property(x64, u0, beta):
    a0 = np.where(np.arange(P) < round((1 - u0) * P), 1.0, 0.0)
    u0 = 1 - a0.mean()
    t = np.arange(T + 1)
    common = dict(
        labeler="adversarial",
        mixture="replace",
        filter_labels=True,
        filter_tpr=1.0,
        filter_fpr=0.0,
        beta=beta,
    )
    focused = _simulate(a0, allocation="hard", **common)
    uniform = _simulate(a0, allocation="uniform", **common)
    assert np.all(
        1 - focused["solved_fraction"] <= np.asarray(cf.c5_focused_unsolved(u0, beta, t)) + 1e-9
    )
    np.testing.assert_allclose(
        1 - uniform["solved_fraction"],
        np.asarray(cf.c5_uniform_unsolved(u0, beta, t)),
        atol=1.0 / P,
    )


@given(a0=accuracies, alpha=prob, b=prob)
def test_c6_property(x64, a0, alpha, b):
    b = max(b, 1e-3)
    m = _simulate(
        a0,
        allocation="uniform",
        mixture="global",
        filter_tpr=1.0,
        filter_fpr=1.0,
        alpha=alpha,
        beta=b,
    )
    np.testing.assert_allclose(
        m["mean_accuracy"], _mean(cf.c6_weak_only_accuracy(a0, alpha, b, T_COL)), atol=1e-9
    )


@given(
    a0=positive_accuracies,
    c=st.floats(0.5, 1.0),
    d=st.floats(0.02, 0.45),
    delta=st.floats(0.01, 0.3),
)
def test_c7_property(x64, a0, c, d, delta):
    # Each prompt is solved (error <= delta) exactly in the round C7 says.
    m = _simulate(
        a0, rounds=T, allocation="none", mixture="replace", filter_tpr=c, filter_fpr=d, delta=delta
    )
    rounds = np.asarray(cf.c7_rounds_to_delta(a0, delta, c, d))
    expected = [(rounds <= t).mean() for t in range(T + 1)]
    np.testing.assert_allclose(m["solved_fraction"], expected, atol=1e-12)
