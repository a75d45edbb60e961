"""The simulator reproduces claims C1-C7: expected mode to float tolerance, sampled mode within
confidence intervals over prompts and seeds.

Statistical checks use z = 5 (two-sided false-failure probability ~6e-7 per comparison) and a
fixed PRNG key, so each test is deterministic; the bound says how unlikely it is that a correct
simulator trips it for a fresh key.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sim
from theory import closed_forms as cf

Z = 5.0


_ROLES = (
    "allocation",
    "labeler",
    "mixture",
    "learner",
    "filter_labels",
    "samples_per_prompt",
    "labels_per_prompt",
    "restart",
)


def _setup(task, mode, kw):
    """Splits keyword options into the strategy's roles and the params."""
    roles = {k: kw.pop(k) for k in _ROLES if k in kw}
    return sim.make_strategy(mode=mode, **roles), sim.make_params(dtype=task.base_probs.dtype, **kw)


def _run(task, *, mode="expected", rounds=10, seeds=1, key=0, **kw):
    strategy, params = _setup(task, mode, kw)
    keys = jax.random.split(jax.random.key(key), seeds)
    out = sim.simulate(task, params, keys=keys, strategy=strategy, rounds=rounds)
    return {k: np.asarray(v) for k, v in out.items()}


def _final_probs(task, *, mode="expected", rounds=10, key=0, **kw):
    strategy, params = _setup(task, mode, kw)
    state, metrics = jax.jit(
        lambda t, p, k: sim.rollout(t, p, key=k, strategy=strategy, rounds=rounds)
    )(task, params, jax.random.key(key))
    return np.asarray(state.probs), {k: np.asarray(v) for k, v in metrics.items()}


def _accuracy(task, probs):
    return np.where(np.asarray(task.correct), probs, 0.0).sum(1)


DO_NOTHING = dict(allocation="none", mixture="replace", filter_tpr=1.0, filter_fpr=1.0)
FILTER_ONLY = dict(allocation="none", mixture="replace")
BOOSTING_REPLACE = dict(allocation="rejected", mixture="replace", labeler="stochastic")


# --- C1 ---------------------------------------------------------------------------------------


def test_c1_expected_is_neutral(x64):
    task = sim.make_task(jax.random.key(1), n_prompts=64, n_responses=8, dtype=jnp.float64)
    probs, m = _final_probs(task, rounds=12, **DO_NOTHING)
    np.testing.assert_allclose(probs, np.asarray(task.base_probs), atol=1e-14)
    np.testing.assert_allclose(m["mean_accuracy"], m["mean_accuracy"][0], atol=1e-14)


def test_c1_sampled_heterozygosity_and_law():
    # 4000 independent prompts with a_0 = 0.25, k = 4: a Wright-Fisher chain per prompt.
    k, a0, n, t_max = 4, 0.25, 4000, 6
    task = sim.task_from_accuracy(np.full(n, a0), n_responses=4)
    strategy = sim.make_strategy(
        mode="sampled", samples_per_prompt=k, allocation="none", mixture="replace"
    )
    params = sim.make_params(filter_tpr=1.0, filter_fpr=1.0)
    correct = np.asarray(task.correct)
    state = sim.init_state(task)
    step = jax.jit(lambda s, key: sim.round_step(s, task, params, key=key, strategy=strategy))
    law = np.zeros(k + 1)
    law[1] = 1.0  # a_0 = 1/4
    matrix = np.asarray(cf.c1_transition_matrix(k))
    for t, key in enumerate(jax.random.split(jax.random.key(7), t_max), start=1):
        state, _ = step(state, key)
        a = np.where(correct, np.asarray(state.probs), 0.0).sum(1)
        law = law @ matrix
        # Mean (martingale) and heterozygosity against C1, with a z-interval over prompts.
        assert abs(a.mean() - a0) <= Z * a.std() / np.sqrt(n) + 1e-9
        het = a * (1 - a)
        expected = float(cf.c1_heterozygosity(a0, k, t))
        assert abs(het.mean() - expected) <= Z * het.std() / np.sqrt(n)
        # The whole law of a_t against the exact transition-matrix power, cell by cell.
        freq = np.bincount(np.rint(a * k).astype(int), minlength=k + 1) / n
        assert np.all(np.abs(freq - law) <= Z * np.sqrt(law * (1 - law) / n) + 1e-12)


def test_c1_fixation_and_entropy():
    k, n, rounds = 2, 2000, 60
    a0 = np.full(n, 0.3)
    task = sim.task_from_accuracy(a0, n_responses=6)
    m = _run(task, mode="sampled", rounds=rounds, samples_per_prompt=k, key=3, **DO_NOTHING)
    # (1 - 1/2)^60 ~ 1e-18: every prompt is absorbed, at 1 with probability a_0.
    assert m["solved_fraction"][0, -1] == pytest.approx(m["mean_accuracy"][0, -1])
    p_hat = m["mean_accuracy"][0, -1]
    assert abs(p_hat - 0.3) <= Z * np.sqrt(0.3 * 0.7 / n)
    assert m["entropy"][0, 0] > 1.0
    assert m["entropy"][0, -1] == pytest.approx(0.0, abs=1e-6)
    assert m["support_size"][0, -1] == pytest.approx(1.0)


# --- C2 ---------------------------------------------------------------------------------------


def test_c2_expected_odds(x64):
    a0 = np.linspace(0.0, 0.95, 40)
    task = sim.task_from_accuracy(a0, n_responses=5, dtype=jnp.float64)
    probs, m = _final_probs(task, rounds=7, filter_tpr=0.9, filter_fpr=0.3, **FILTER_ONLY)
    np.testing.assert_allclose(
        _accuracy(task, probs), cf.c2_filter_only_accuracy(a0, 0.9, 0.3, 7), atol=1e-12
    )
    expected_mean = [float(np.mean(cf.c2_filter_only_accuracy(a0, 0.9, 0.3, t))) for t in range(8)]
    np.testing.assert_allclose(m["mean_accuracy"], expected_mean, atol=1e-12)
    # The plateau: prompts at a_0 = 0 stay at 0, so the limit is D{a_0 > 0}.
    probs, _ = _final_probs(task, rounds=200, filter_tpr=0.9, filter_fpr=0.3, **FILTER_ONLY)
    assert _accuracy(task, probs).mean() == pytest.approx(
        float(cf.c2_accuracy_ceiling(a0)), abs=1e-9
    )


def test_c2_sampled_never_solves_zero_and_loses():
    n = 2000
    a0 = np.where(np.arange(n) < n // 2, 0.0, 0.1)
    task = sim.task_from_accuracy(a0, n_responses=6)
    probs, _ = _final_probs(
        task,
        mode="sampled",
        rounds=30,
        samples_per_prompt=4,
        key=5,
        filter_tpr=1.0,
        filter_fpr=0.5,
        **FILTER_ONLY,
    )
    acc = _accuracy(task, probs)
    assert np.all(acc[: n // 2] == 0.0)  # never solved
    # A prompt with a_0 = 0.1 and k = 4 draws no correct sample with probability 0.9^4 = 0.66
    # in round 1 and then trains on accepted wrong answers only: lost for good. The chance that
    # fewer than 400 of 1000 are lost is < 1e-40.
    lost = np.sum(acc[n // 2 :] == 0.0)
    assert lost >= 400


# --- C3 / C4 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "c,d,b", [(1.0, 0.2, 0.3), (1.0, 0.0, 0.1), (0.8, 0.3, 0.5), (0.95, 0.6, 0.2)]
)
def test_c3_expected_closed_form(x64, c, d, b):
    a0 = np.random.default_rng(0).uniform(0, 1, 50)
    a0[:5] = 0.0
    task = sim.task_from_accuracy(a0, n_responses=8, dtype=jnp.float64)
    probs, m = _final_probs(task, rounds=15, filter_tpr=c, filter_fpr=d, beta=b, **BOOSTING_REPLACE)
    np.testing.assert_allclose(_accuracy(task, probs), cf.c3_accuracy(a0, c, d, b, 15), atol=1e-12)
    t = np.arange(16)[:, None]
    np.testing.assert_allclose(
        m["mean_accuracy"], cf.c3_accuracy(a0, c, d, b, t).mean(1), atol=1e-12
    )
    if c == 1.0:  # every prompt, the worst included, is under the exponential bound
        bound = cf.c3_error_bound(1 - a0, d, b, t).max(1)
        assert np.all(m["max_error"] <= bound + 1e-12)


def test_c3_rate_slope(x64):
    # Fit the slope of log(mean error) against t: it is log(1 - (1 - d) b), inside the band
    # set by the bound's rate -(1 - gamma) beta.
    a0 = np.random.default_rng(1).uniform(0, 0.5, 64)
    task = sim.task_from_accuracy(a0, n_responses=8, dtype=jnp.float64)
    for d, b in [(0.2, 0.3), (0.5, 0.1), (0.0, 0.6)]:
        m = _run(task, rounds=20, filter_tpr=1.0, filter_fpr=d, beta=b, **BOOSTING_REPLACE)
        slope = np.polyfit(np.arange(21), np.log(m["mean_error"][0]), 1)[0]
        assert slope == pytest.approx(np.log(1 - (1 - d) * b), abs=1e-9)
        assert slope <= -(1 - d) * b


def test_c3_sampled_mean():
    # The map is affine, so sampled mode has the closed form as its exact mean.
    n, seeds, rounds = 512, 16, 8
    a0 = np.random.default_rng(2).uniform(0, 1, n)
    task = sim.task_from_accuracy(a0, n_responses=8)
    for c, d, b in [(1.0, 0.2, 0.3), (0.8, 0.3, 0.5)]:
        m = _run(
            task,
            mode="sampled",
            rounds=rounds,
            seeds=seeds,
            key=11,
            filter_tpr=c,
            filter_fpr=d,
            beta=b,
            **BOOSTING_REPLACE,
        )
        per_seed = m["mean_accuracy"]  # [S, T+1], each a mean over n prompts
        mean = per_seed.mean(0)
        sem = per_seed.std(0, ddof=1) / np.sqrt(seeds)
        theory = cf.c3_accuracy(a0, c, d, b, np.arange(rounds + 1)[:, None]).mean(1)
        assert np.all(np.abs(mean - theory)[1:] <= Z * sem[1:])


@pytest.mark.parametrize("c,d,b", [(0.9, 0.2, 0.3), (0.7, 0.0, 0.5), (0.99, 0.5, 0.1)])
def test_c4_expected_floor(x64, c, d, b):
    task = sim.task_from_accuracy(np.linspace(0, 1, 20), n_responses=6, dtype=jnp.float64)
    m = _run(task, rounds=400, filter_tpr=c, filter_fpr=d, beta=b, **BOOSTING_REPLACE)
    assert m["mean_error"][0, -1] == pytest.approx(float(cf.c4_error_floor(c, d, b)), abs=1e-9)
    assert m["mean_error"][0, -1] > 0


# --- C5 ---------------------------------------------------------------------------------------


def _c5_task(n, u0, dtype=jnp.float32):
    return sim.task_from_accuracy(
        np.where(np.arange(n) < round((1 - u0) * n), 1.0, 0.0), n_responses=6, dtype=dtype
    )


C5_ROLES = dict(
    labeler="adversarial", mixture="replace", filter_labels=True, filter_tpr=1.0, filter_fpr=0.0
)


@pytest.mark.parametrize("mode", ["expected", "sampled"])
def test_c5_focused_bound_and_uniform_stall(mode):
    n, u0, rounds = 500, 0.9, 12
    task = _c5_task(n, u0)
    t = np.arange(rounds + 1)
    for beta in (0.1, 0.3, 0.6):
        focused = _run(task, mode=mode, rounds=rounds, allocation="hard", beta=beta, **C5_ROLES)
        uniform = _run(task, mode=mode, rounds=rounds, allocation="uniform", beta=beta, **C5_ROLES)
        u_focused = 1 - focused["solved_fraction"][0]
        u_uniform = 1 - uniform["solved_fraction"][0]
        assert np.all(u_focused <= cf.c5_focused_unsolved(u0, beta, t) + 1e-6)
        # ... and not much below it: the adversary gives exactly a beta share (one prompt's
        # worth of rounding per round).
        assert np.all(u_focused >= cf.c5_focused_unsolved(u0, beta, t) - t / n - 1e-6)
        np.testing.assert_allclose(u_uniform, cf.c5_uniform_unsolved(u0, beta, t), atol=1.5 / n)


def test_c5_sampled():
    # Random tasks in sampled mode: the focused bound holds for every round and every seed.
    n, rounds = 300, 10
    for u0, beta, key in [(1.0, 0.2, 0), (0.7, 0.45, 1)]:
        task = _c5_task(n, u0)
        m = _run(
            task,
            mode="sampled",
            rounds=rounds,
            seeds=4,
            key=key,
            allocation="hard",
            beta=beta,
            **C5_ROLES,
        )
        bound = np.asarray(cf.c5_focused_unsolved(u0, beta, np.arange(rounds + 1)))
        assert np.all(1 - m["solved_fraction"] <= bound + 1e-6)
        t_eps = int(np.ceil(float(cf.c5_rounds_to_epsilon(u0, 0.05, beta))))
        if t_eps <= rounds:
            assert np.all(1 - m["solved_fraction"][:, t_eps] <= 0.05 + 1e-6)


# --- C6 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha,b", [(1 / 3, 0.3), (0.1, 0.8), (0.9, 0.05)])
def test_c6_expected(x64, alpha, b):
    a0 = np.random.default_rng(3).uniform(0, 1, 30)
    task = sim.task_from_accuracy(a0, n_responses=6, dtype=jnp.float64)
    probs, m = _final_probs(
        task,
        rounds=25,
        allocation="uniform",
        mixture="global",
        filter_tpr=1.0,
        filter_fpr=1.0,
        alpha=alpha,
        beta=b,
    )
    np.testing.assert_allclose(
        _accuracy(task, probs), cf.c6_weak_only_accuracy(a0, alpha, b, 25), atol=1e-12
    )
    # The limit is the labeler's quality, whatever a_0.
    assert abs(m["mean_accuracy"][-1] - b) <= abs(a0.mean() - b) * (1 - alpha) ** 25 + 1e-12


# --- C7 ---------------------------------------------------------------------------------------


def test_c7_rounds_to_delta(x64):
    a0 = np.linspace(0.01, 0.9, 30)
    task = sim.task_from_accuracy(a0, n_responses=5, dtype=jnp.float64)
    c, d, delta = 1.0, 0.25, 0.05
    correct = np.asarray(task.correct)
    strategy = sim.make_strategy(allocation="none", mixture="replace")
    params = sim.make_params(filter_tpr=c, filter_fpr=d, dtype=jnp.float64)
    state = sim.init_state(task)
    first = np.full(a0.shape, -1)
    for t in range(0, 40):
        err = np.where(correct, 0.0, np.asarray(state.probs)).sum(1)
        first = np.where((first < 0) & (err <= delta), t, first)
        state, _ = sim.round_step(state, task, params, key=jax.random.key(t), strategy=strategy)
    np.testing.assert_array_equal(first, cf.c7_rounds_to_delta(a0, delta, c, d))


def test_c7_eps_delta_with_perfect_filter(x64):
    # gamma -> 0: amplification takes one round, so the (eps, delta) criterion is reached
    # exactly when C5's unsolved mass falls under eps. With gamma > 0 the adversary spends its
    # correct answers on half-solved prompts that still reject samples, and the C5 + C7
    # estimate is no bound (docs/framework.md says "about"); figure 5 shows both.
    n, u0, eps = 400, 1.0, 0.05
    task = _c5_task(n, u0, dtype=jnp.float64)
    for beta in (0.15, 0.4):
        m = _run(task, rounds=30, allocation="rejected", beta=beta, delta=0.05, **C5_ROLES)
        reached = int(np.argmax(1 - m["solved_fraction"][0] <= eps))
        assert reached <= int(np.ceil(float(cf.c5_rounds_to_epsilon(u0, eps, beta)) - 1e-9))
        # Not sooner than the bound allows, given one prompt of rounding per round.
        t = np.arange(31)
        assert reached >= int(np.argmax(cf.c5_focused_unsolved(u0, beta, t) - t / n <= eps))
