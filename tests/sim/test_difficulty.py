"""Difficulty-dependent quality (framework §8): beta_hard, gamma_hard in the shared roles.

The simulator against theory.difficulty's per-prompt C3/C4 closed forms (expected mode,
float64), its mean-error mixture, and a confidence interval over seeds (sampled mode, z = 5).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.types import filter_fpr, labeler_mass
from theory import difficulty

Z = 5.0
BOOSTING_REPLACE = dict(allocation="rejected", mixture="replace", labeler="stochastic")
P, V, K = 40, 6, 4
A0 = np.concatenate([[0.0, 0.0, 1.0], np.random.default_rng(0).uniform(0, 1, P - 3)])


@functools.cache
def _rollouts(mode, rounds, k):
    """One jitted rollout per (mode, rounds, k): task and params are traced, so the property
    test compiles once."""
    strategy = sim.make_strategy(
        mode=mode, samples_per_prompt=k, labels_per_prompt=k, **BOOSTING_REPLACE
    )

    def one(task, params, key):
        state, metrics = sim.rollout(task, params, key=key, strategy=strategy, rounds=rounds)
        return jnp.sum(jnp.where(task.correct, state.probs, 0.0), axis=-1), metrics

    return jax.jit(jax.vmap(one, in_axes=(None, None, 0)))


def _run(task, params, *, mode="expected", rounds=10, seeds=1, key=0, k=K):
    keys = jax.random.split(jax.random.key(key), seeds)
    accuracy, metrics = _rollouts(mode, rounds, k)(task, params, keys)
    return np.asarray(accuracy), {n: np.asarray(v) for n, v in metrics.items()}


def _theory(a0, beta, beta_hard, gamma, gamma_hard, t, c=1.0):
    b, d = difficulty.quality(a0, beta, beta_hard, gamma, gamma_hard)
    return np.asarray(difficulty.error(a0, b, d, t, c=c)), np.asarray(
        difficulty.mean_error(a0, b, d, np.arange(t + 1), c=c)
    )


@pytest.mark.parametrize(
    "c,beta,beta_hard,gamma,gamma_hard",
    [
        (1.0, 0.5, 0.1, 0.1, 0.4),
        (1.0, 0.2, 0.6, 0.3, 0.0),  # the labeler better on hard prompts
        (1.0, 0.4, 0.0, 0.2, 0.2),
        (0.8, 0.5, 0.2, 0.1, 0.5),  # C4 per prompt
    ],
)
def test_expected_matches_per_prompt_closed_form(x64, c, beta, beta_hard, gamma, gamma_hard):
    task = sim.task_from_accuracy(A0, n_responses=V, dtype=jnp.float64)
    params = sim.make_params(
        beta=beta,
        beta_hard=beta_hard,
        filter_tpr=c,
        filter_fpr=gamma,
        gamma_hard=gamma_hard,
        dtype=jnp.float64,
    )
    acc, m = _run(task, params, rounds=12)
    e_t, mean_e = _theory(A0, beta, beta_hard, gamma, gamma_hard, 12, c=c)
    np.testing.assert_allclose(1.0 - acc[0], e_t, atol=1e-12)
    np.testing.assert_allclose(m["mean_error"][0], mean_e, atol=1e-12)


def test_roles_see_the_per_prompt_quality(x64):
    task = sim.task_from_accuracy(A0, n_responses=V, dtype=jnp.float64)
    params = sim.make_params(
        beta=0.7, beta_hard=0.1, filter_fpr=0.05, gamma_hard=0.6, dtype=jnp.float64
    )
    b, d = difficulty.quality(A0, 0.7, 0.1, 0.05, 0.6)
    np.testing.assert_allclose(labeler_mass(task, params), b, rtol=1e-6)
    np.testing.assert_allclose(filter_fpr(task, params), d, rtol=1e-6)
    table = sim.labelers.stochastic_table(task, params)
    np.testing.assert_allclose(np.where(task.correct, table, 0.0).sum(1), b, rtol=1e-6)
    accept = sim.filters.cd_filter(task, params)
    np.testing.assert_allclose(accept[:, -1], d, rtol=1e-6)  # the last response is wrong


def test_unset_is_todays_behaviour_bit_for_bit():
    task = sim.task_from_accuracy(A0, n_responses=V)
    nominal = sim.make_params(beta=0.3, filter_fpr=0.2)
    same = sim.make_params(beta=0.3, filter_fpr=0.2, beta_hard=0.3, gamma_hard=0.2)
    assert np.isnan(nominal.beta_hard) and np.isnan(nominal.gamma_hard)
    for mode in ("expected", "sampled"):
        a, _ = _run(task, nominal, mode=mode, rounds=4)
        b, _ = _run(task, same, mode=mode, rounds=4)
        np.testing.assert_array_equal(a, b)


def test_grid_over_beta_keeps_unset_hard_values(x64):
    # NaN means "the same as beta": a grid over beta must not freeze beta_hard at the base value.
    task = sim.task_from_accuracy(A0, n_responses=V, dtype=jnp.float64)
    base = sim.make_params(filter_fpr=0.2, dtype=jnp.float64)
    params, _ = sim.grid_params(base, beta=[0.1, 0.5])
    strategy = sim.make_strategy(samples_per_prompt=K, labels_per_prompt=K, **BOOSTING_REPLACE)
    out = sim.sweep(
        task, params, keys=jax.random.split(jax.random.key(0), 1), strategy=strategy, rounds=6
    )
    for i, beta in enumerate([0.1, 0.5]):
        _, mean_e = _theory(A0, beta, beta, 0.2, 0.2, 6)
        np.testing.assert_allclose(np.asarray(out["mean_error"])[i, 0], mean_e, atol=1e-12)


def test_sampled_mean_within_interval():
    n, seeds, rounds = 512, 16, 6
    a0 = np.random.default_rng(3).uniform(0, 1, n)
    task = sim.task_from_accuracy(a0, n_responses=V)
    params = sim.make_params(beta=0.6, beta_hard=0.1, filter_fpr=0.1, gamma_hard=0.4)
    _, m = _run(task, params, mode="sampled", rounds=rounds, seeds=seeds, key=5)
    per_seed = m["mean_error"]  # [S, T + 1]
    sem = per_seed.std(0, ddof=1) / np.sqrt(seeds)
    _, theory = _theory(a0, 0.6, 0.1, 0.1, 0.4, rounds)
    assert np.all(np.abs(per_seed.mean(0) - theory)[1:] <= Z * sem[1:])


def test_beta_hard_zero_leaves_never_solved_prompts_unsolved():
    a0 = np.where(np.arange(64) < 16, 0.0, np.linspace(0.05, 0.9, 64))
    task = sim.task_from_accuracy(a0, n_responses=V)
    params = sim.make_params(beta=0.8, beta_hard=0.0, filter_fpr=0.2)
    for mode in ("expected", "sampled"):
        acc, _ = _run(task, params, mode=mode, rounds=15, seeds=2)
        assert np.all(acc[:, :16] == 0.0)
        assert np.all(acc[:, 16:].mean(1) > 0.9)


@given(
    beta=st.floats(0.05, 1.0),
    beta_hard=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 0.95),
    gamma_hard=st.floats(0.0, 0.95),
    c=st.sampled_from([1.0, 0.9]),
)
def test_property_random_profiles(x64, beta, beta_hard, gamma, gamma_hard, c):
    task = sim.task_from_accuracy(A0, n_responses=V, dtype=jnp.float64)
    params = sim.make_params(
        beta=beta,
        beta_hard=beta_hard,
        filter_tpr=c,
        filter_fpr=gamma,
        gamma_hard=gamma_hard,
        dtype=jnp.float64,
    )
    acc, m = _run(task, params, rounds=8)
    e_t, mean_e = _theory(A0, beta, beta_hard, gamma, gamma_hard, 8, c=c)
    np.testing.assert_allclose(1.0 - acc[0], e_t, atol=1e-10)
    np.testing.assert_allclose(m["mean_error"][0], mean_e, atol=1e-10)
    # C3 (c = 1): no prompt gets worse, and a_0 = 0 stays at 0 exactly when b(x) = 0 there.
    if c == 1.0:
        assert np.all(1.0 - acc[0] <= 1.0 - A0 + 1e-12)


@pytest.mark.parametrize(
    "option,value",
    [("beta_hard", -0.1), ("beta_hard", 1.5), ("gamma_hard", 1.0), ("gamma_hard", -1)],
)
def test_bad_values_name_the_option(option, value):
    with pytest.raises(ValueError, match=option):
        sim.make_params(**{option: value})
