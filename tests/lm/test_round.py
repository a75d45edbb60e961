"""The round's curation (filter, allocation, labels, mixture weights) against NumPy references,
and the determinism of a whole round."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sim.lm import round as round_lib
from sim.lm import run, task
from sim.lm.strategy import member, static_strategy
from sim.lm.task_impls import device_problems
from sim.types import make_params

D = 3
P, K, M = 40, 6, 3


@pytest.fixture(scope="module")
def problems():
    return device_problems(
        task.make_problems(P, max_digits=D, difficulty_weights=(1, 1, 1), seed=5)
    )


def _samples(problems, right_prob: np.ndarray, seed=0):
    """[P, K, La] answers, sample j of prompt x right iff u < right_prob[x]."""
    rng = np.random.default_rng(seed)
    right = rng.random((P, K)) < right_prob[:, None]
    ans = np.where(
        right[..., None],
        np.asarray(problems.answers)[:, None],
        np.asarray(problems.wrong)[:, 0, 0][:, None],
    )
    return jnp.asarray(ans), right


def _strategy(allocation="focused", mixture="global", labeler="stochastic", **kw):
    """(static strategy, traced roles) of one member."""
    strategy = round_lib.LMStrategy(samples_per_prompt=K, labels_per_prompt=M)
    roles = round_lib.Roles(
        allocation=jnp.asarray(round_lib.ALLOCATION_NAMES.index(allocation), jnp.int32),
        mixture=jnp.asarray(round_lib.MIXTURE_NAMES.index(mixture), jnp.int32),
        labeler=jnp.asarray(round_lib.LABELER_NAMES.index(labeler), jnp.int32),
        **kw,
    )
    return strategy, roles


def _curate(problems, samples, params, strategy, key=0, pool=None):
    """(training data, boosting weights, metrics) of one member's curation."""
    return _curate_all(problems, samples, params, strategy, key=key, pool=pool)[:3]


def _curate_all(problems, samples, params, strategy, key=0, pool=None, **kw):
    strategy, roles = strategy
    return round_lib.curate(
        samples,
        problems,
        params,
        roles,
        jnp.ones((P,)),
        jnp.zeros((P, M, task.answer_len(D)), jnp.int32) if pool is None else pool,
        key=jax.random.key(key),
        strategy=strategy,
        **kw,
    )


def test_perfect_filter_focused_labels_and_global_weights(problems):
    right_prob = np.where(np.arange(P) < 25, 0.5, 0.0)  # prompts 25.. are never solved
    samples, right = _samples(problems, right_prob)
    alpha, budget = 0.25, 12  # 12 labels = 4 prompts of m = 3, fewer than the hard set
    params = make_params(beta=0.5, alpha=alpha, label_budget=budget, filter_tpr=1.0, filter_fpr=0.0)
    data, _, metrics = _curate(problems, samples, params, _strategy("focused"))

    w = np.asarray(data.weights)
    w_samples, w_labels = w[: P * K].reshape(P, K), w[P * K :].reshape(P, M)
    np.testing.assert_array_equal(w_samples > 0, right)  # perfect filter keeps exactly the right
    hard = ~right.any(axis=1)
    labelled = (w_labels > 0).any(axis=1)
    assert labelled.sum() == budget // M and np.all(hard[labelled])  # labels only on P-
    assert np.all((w_labels > 0).sum(axis=1)[labelled] == M)
    n_s, n_l = right.sum(), budget
    np.testing.assert_allclose(w_samples[right], (1 - alpha) / n_s, rtol=1e-6)
    np.testing.assert_allclose(w_labels[w_labels > 0], alpha / n_l, rtol=1e-6)
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(metrics["hard_fraction"], hard.mean())
    np.testing.assert_allclose(metrics["pass_at_k"], right.any(axis=1).mean())
    np.testing.assert_allclose(metrics["false_positive_rate"], 0.0)
    assert float(metrics["labels_round"]) == budget
    # the training sequences are prompt + answer
    seq = np.asarray(data.tokens).reshape(-1, task.seq_len(D))[: P * K].reshape(P, K, -1)
    np.testing.assert_array_equal(seq[:, 0, : task.prompt_len(D)], problems.prompts)
    np.testing.assert_array_equal(seq[..., task.prompt_len(D) :], samples)


def test_no_filter_keeps_everything_and_replace_weights_are_equal(problems):
    samples, _ = _samples(problems, np.full(P, 0.3))
    params = make_params(filter_tpr=1.0, filter_fpr=1.0, label_budget=0)
    data, _, metrics = _curate(problems, samples, params, _strategy("none", "replace"))
    w = np.asarray(data.weights)
    assert np.all(w[: P * K] == 1.0) and np.all(w[P * K :] == 0.0)
    assert float(metrics["acceptance_rate"]) == 1.0 and float(metrics["labels_round"]) == 0


def test_noisy_filter_and_weak_labels_have_their_rates(problems):
    """gamma and beta realised within 5 standard errors over many prompts' worth of draws."""
    samples, right = _samples(problems, np.full(P, 0.2))
    gamma, beta = 0.3, 0.4
    params = make_params(beta=beta, filter_fpr=gamma, label_budget=P * M)
    fprs, betas = [], []
    for key in range(30):
        _, _, metrics = _curate(problems, samples, params, _strategy("uniform"), key=key)
        fprs.append(float(metrics["false_positive_rate"]))
        betas.append(float(metrics["label_correct_rate"]))
        if key == 0:
            traces = round_lib.curate._cache_size()
    assert round_lib.curate._cache_size() == traces  # new keys, same trace
    n_wrong, n_labels = (~right).sum() * 30, P * M * 30
    assert abs(np.mean(fprs) - gamma) < 5 * np.sqrt(gamma * (1 - gamma) / n_wrong)
    assert abs(np.mean(betas) - beta) < 5 * np.sqrt(beta * (1 - beta) / n_labels)


def test_uniform_allocation_ignores_the_hard_set(problems):
    right_prob = np.where(np.arange(P) < 30, 1.0, 0.0)
    samples, _ = _samples(problems, right_prob)
    params = make_params(filter_fpr=0.0, label_budget=5 * M)
    chosen = []
    for key in range(20):
        data, _, _ = _curate(problems, samples, params, _strategy("uniform"), key=key)
        labelled = np.asarray(data.weights)[P * K :].reshape(P, M).any(axis=1)
        assert labelled.sum() == 5
        chosen.append(labelled)
    # over 20 rounds the solved prompts 0..29 get labels too (focused would never label them)
    assert np.any(np.asarray(chosen)[:, :30])


def _population(setup, names, seeds):
    per = [member(setup.config, n) for n in names]
    stack = lambda xs: jax.tree.map(lambda *x: jnp.stack(x), *xs)  # noqa: E731
    params, roles = stack([p for p, _ in per]), stack([r for _, r in per])
    return static_strategy(setup.config), params, roles, run.init_run_state(setup, seeds)


def test_round_is_deterministic(tiny_setup):
    strategy, params, roles, state = _population(tiny_setup, ["boosting"], [3])
    a_state, a = run.run_round(tiny_setup, strategy, params, roles, state)
    b_state, b = run.run_round(tiny_setup, strategy, params, roles, state)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    for x, y in zip(jax.tree.leaves(a_state), jax.tree.leaves(b_state), strict=True):
        np.testing.assert_array_equal(x, y)
    # and a different seed gives a different round
    _, c = run.run_round(tiny_setup, strategy, params, roles, run.init_run_state(tiny_setup, [4]))
    assert c["train_loss"] != a["train_loss"]


def test_population_round_equals_members_run_alone(tiny_setup):
    """One round of a population of N members equals N rounds of one member each (same keys),
    up to the order of float reductions in the batched programs."""
    names, seeds = ["filter-only", "boosting", "oracle", "weak-only"], [0, 1, 1, 2]
    strategy, params, roles, state = _population(tiny_setup, names, seeds)
    pop_state, pop = run.run_round(tiny_setup, strategy, params, roles, state)
    for i, (name, seed) in enumerate(zip(names, seeds, strict=True)):
        _, p1, r1, s1 = _population(tiny_setup, [name], [seed])
        one_state, one = run.run_round(tiny_setup, strategy, p1, r1, s1)
        for key in ("labels_round", "hard_fraction", "pass_at_k", "sample_accuracy"):
            np.testing.assert_allclose(pop[key][i], one[key][0], err_msg=key)
        np.testing.assert_allclose(pop["train_loss"][i], one["train_loss"][0], rtol=2e-3)
        np.testing.assert_allclose(pop["test_accuracy"][i], one["test_accuracy"][0], atol=0.02)
        for x, y in zip(
            jax.tree.leaves(pop_state.train.params),
            jax.tree.leaves(one_state.train.params),
            strict=True,
        ):
            np.testing.assert_allclose(x[i], y[0], rtol=2e-2, atol=2e-3)


def test_base_model_labeler_returns_its_pool(problems):
    samples, right = _samples(problems, np.where(np.arange(P) < 20, 1.0, 0.0))
    pool = jnp.asarray(np.random.default_rng(1).integers(0, 13, (P, M, task.answer_len(D))))
    strategy = _strategy("focused", labeler="base")
    params = make_params(filter_fpr=0.0, label_budget=P * M)
    data, _, _ = _curate(problems, samples, params, strategy, pool=pool)
    seq = np.asarray(data.tokens)[P * K :].reshape(P, M, -1)
    np.testing.assert_array_equal(seq[..., task.prompt_len(D) :], pool)
    labelled = np.asarray(data.weights)[P * K :].reshape(P, M).any(axis=1)
    np.testing.assert_array_equal(labelled, ~right.any(axis=1))


@pytest.mark.parametrize("restart", [False, True])
def test_restart_starts_each_round_from_the_base_model(tiny_setup, restart):
    config = dataclasses.replace(tiny_setup.config, restart=restart)
    setup = dataclasses.replace(tiny_setup, config=config)
    strategy, params, roles, state = _population(setup, ["filter-only"], [0])
    for _ in range(2):
        state, _ = run.run_round(setup, strategy, params, roles, state)
    # a restarted round trains a fresh optimizer from the base weights; a continued one goes on
    assert int(state.train.step[0]) == config.steps_per_round * (1 if restart else 2)


@pytest.mark.parametrize("gamma", [0.3, 0.6])
def test_hard_set_is_no_accepted_sample_with_a_coin_per_sample(problems, gamma):
    """All samples wrong, gamma-noisy filter: a prompt is hard (P-) when none of its k samples
    is accepted, and each sample gets its own filter coin, so P(hard) = (1 - gamma)^k. Defining
    P- as "no correct sample" would give 1; one coin per prompt would give 1 - gamma."""
    samples, _ = _samples(problems, np.zeros(P))
    params = make_params(beta=0.3, filter_tpr=1.0, filter_fpr=gamma, label_budget=P * M)
    strategy = _strategy("focused")
    hard = [
        float(_curate(problems, samples, params, strategy, key=k)[2]["hard_fraction"])
        for k in range(25)
    ]
    want = (1 - gamma) ** K
    n = P * len(hard)
    assert abs(np.mean(hard) - want) <= 5 * np.sqrt(want * (1 - want) / n) + 1e-9


def test_labeler_and_filter_quality_vary_with_digits(problems):
    """beta_hard / gamma_hard on the testbed: b falls linearly from beta on 1-digit sums to
    beta_hard on the hardest; d moves from gamma to gamma_hard (D = 3 here: 1, 2, 3 digits)."""
    samples, right = _samples(problems, np.zeros(P))  # every sample wrong
    params = make_params(
        beta=0.9, beta_hard=0.1, filter_fpr=0.0, gamma_hard=0.6, label_budget=P * M
    )
    strategy = dataclasses.replace(_strategy("uniform")[0], n_difficulties=D)
    roles = _strategy("uniform")[1]
    digits = np.asarray(problems.difficulty)
    right_labels, given, accepted = np.zeros(D), np.zeros(D), np.zeros(D)
    for key in range(40):
        data, _, _ = _curate(problems, samples, params, (strategy, roles), key=key)
        tokens = np.asarray(data.tokens)[P * K :].reshape(P, M, -1)[..., task.prompt_len(D) :]
        ok = np.asarray(task.verify(jnp.asarray(tokens), problems.reference[:, None]))
        w = np.asarray(data.weights)
        for n in range(1, D + 1):
            right_labels[n - 1] += ok[digits == n].sum()
            given[n - 1] += ok[digits == n].size
            accepted[n - 1] += (w[: P * K].reshape(P, K)[digits == n] > 0).sum()
    want_b = np.array([0.9, 0.5, 0.1])
    want_d = np.array([0.0, 0.3, 0.6])
    n_samples = np.array([(digits == n).sum() * K * 40 for n in range(1, D + 1)])
    got_b, got_d = right_labels / given, accepted / n_samples
    assert np.all(np.abs(got_b - want_b) < 5 * np.sqrt(want_b * (1 - want_b) / given) + 1e-9)
    assert np.all(np.abs(got_d - want_d) < 5 * np.sqrt(want_d * (1 - want_d) / n_samples) + 1e-9)
