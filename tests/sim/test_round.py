"""Invariants of the round and the rollout: jit, vmap, tracing, keys, the simplex."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sim
from sim.table import grid as grid_mod

TASK = sim.make_task(jax.random.key(0), n_prompts=48, n_responses=10, n_correct=2)
PARAMS = sim.make_params(beta=0.4, filter_tpr=0.9, filter_fpr=0.2, label_budget=150.0, eta=0.5)


def _strategy(**kw):
    kw.setdefault("mode", "sampled")
    return sim.make_strategy(samples_per_prompt=4, labels_per_prompt=3, **kw)


ROLLOUT = jax.jit(sim.rollout, static_argnames=("strategy", "rounds"))


def _rollout(strategy, key=0, params=PARAMS, rounds=4):
    return ROLLOUT(TASK, params, key=jax.random.key(key), strategy=strategy, rounds=rounds)


def _tree_equal(a, b):
    leaves_a, leaves_b = jax.tree.leaves(a), jax.tree.leaves(b)
    return len(leaves_a) == len(leaves_b) and all(
        np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True)
        for x, y in zip(leaves_a, leaves_b, strict=True)
    )


@pytest.mark.parametrize("labeler", ["stochastic", "adversarial"])
def test_jit_equals_no_jit(labeler):
    strategy = _strategy(labeler=labeler, allocation="hard", mixture="global", filter_labels=True)
    jitted = _rollout(strategy, key=0)
    with jax.disable_jit():
        eager = sim.rollout(TASK, PARAMS, key=jax.random.key(0), strategy=strategy, rounds=4)
    np.testing.assert_allclose(np.asarray(jitted[0].probs), np.asarray(eager[0].probs), atol=1e-6)
    for name in jitted[1]:
        np.testing.assert_allclose(
            np.asarray(jitted[1][name]), np.asarray(eager[1][name]), atol=1e-5, equal_nan=True
        )


def test_vmap_equals_python_loop():
    strategy = _strategy(allocation="uniform", mixture="replace")
    keys = jax.random.split(jax.random.key(3), 3)
    batched = sim.simulate(TASK, PARAMS, keys=keys, strategy=strategy, rounds=4)
    for i, key in enumerate(keys):
        _, single = ROLLOUT(TASK, PARAMS, key=key, strategy=strategy, rounds=4)
        for name in single:
            np.testing.assert_allclose(
                np.asarray(batched[name][i]), np.asarray(single[name]), atol=1e-6, equal_nan=True
            )


def test_grid_equals_one_config_at_a_time():
    strategy = _strategy(allocation="focused", mixture="global", mode="expected")
    grid, shape = grid_mod.grid_params(PARAMS, beta=[0.2, 0.5, 0.8], filter_fpr=[0.0, 0.3])
    keys = jax.random.split(jax.random.key(0), 2)
    out = sim.sweep(TASK, grid, keys=keys, strategy=strategy, rounds=3, batch_size=2)
    assert shape == (3, 2) and out["mean_accuracy"].shape == (6, 2, 4)
    for i, (b, d) in enumerate(itertools.product([0.2, 0.5, 0.8], [0.0, 0.3])):
        one = sim.simulate(
            TASK,
            PARAMS._replace(beta=jnp.float32(b), filter_fpr=jnp.float32(d)),
            keys=keys,
            strategy=strategy,
            rounds=3,
        )
        np.testing.assert_allclose(out["mean_accuracy"][i], one["mean_accuracy"], atol=1e-6)


def test_rollout_traces_once():
    traces = []
    strategy = _strategy(allocation="hard", mixture="global")

    @jax.jit
    def run(params, key):
        traces.append(1)  # runs only while tracing
        return sim.rollout(TASK, params, key=key, strategy=strategy, rounds=3)[1]["mean_accuracy"]

    for beta, key in [(0.2, 0), (0.5, 1), (0.9, 2)]:
        run(PARAMS._replace(beta=jnp.float32(beta)), jax.random.key(key))
    assert len(traces) == 1
    # The sweep boundary too: new values, same shapes -> the cached executable is reused.
    grid_mod._compiled.cache_clear()
    keys = jax.random.split(jax.random.key(0), 2)
    for beta in (0.3, 0.7):
        sim.simulate(
            TASK, PARAMS._replace(beta=jnp.float32(beta)), keys=keys, strategy=strategy, rounds=2
        )
    fn = grid_mod._compiled(strategy, 2, None, 1)[0]
    assert fn._cache_size() == 1


def test_same_key_same_result_other_key_differs():
    strategy = _strategy(allocation="hard", mixture="global")
    a = _rollout(strategy, key=5)
    b = _rollout(strategy, key=5)
    c = _rollout(strategy, key=6)
    assert _tree_equal(a, b)
    assert not np.array_equal(np.asarray(a[0].probs), np.asarray(c[0].probs))


ROLES = list(
    itertools.product(
        ["expected", "sampled"],
        ["hard", "rejected", "uniform", "boost_weights", "soft"],
        ["stochastic", "adversarial", "base"],
        ["replace", "global", "accumulate"],
        ["strong", "partial", "sgd"],
    )
)


@pytest.mark.parametrize(
    "mode,allocation,labeler,mixture,learner",
    # a covering subset: every value of every role appears
    [ROLES[i] for i in range(0, len(ROLES), 23)],
)
def test_probabilities_stay_on_the_simplex(mode, allocation, labeler, mixture, learner):
    strategy = _strategy(
        mode=mode,
        allocation=allocation,
        labeler=labeler,
        mixture=mixture,
        learner=learner,
        filter_labels=labeler == "adversarial",
    )
    state, m = _rollout(strategy, key=1, rounds=5)
    probs = np.asarray(state.probs)
    assert np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    assert np.all((m["mean_accuracy"] >= -1e-6) & (m["mean_accuracy"] <= 1 + 1e-6))
    spent = np.asarray(m["labels_spent"])
    assert np.all(np.diff(spent) >= 0)
    assert np.all(np.asarray(m["labels_round"]) <= float(PARAMS.label_budget) + 3 + 1e-3)


def test_labels_respect_the_budget_in_sampled_mode():
    strategy = _strategy(allocation="hard", mixture="global")
    params = PARAMS._replace(label_budget=jnp.float32(9.0))  # 3 prompts x 3 labels
    _, m = _rollout(strategy, params=params, rounds=6)
    assert np.all(np.asarray(m["labels_round"])[1:] <= 9.0)
    assert np.asarray(m["labels_round"])[1] == 9.0  # the hard set is larger than 3 prompts


def test_record_keeps_only_the_named_metrics_with_the_same_values():
    full = _strategy(allocation="hard", mixture="global", mode="expected")
    some = _strategy(
        allocation="hard",
        mixture="global",
        mode="expected",
        record=("mean_accuracy", "labels_spent"),
    )
    _, m_full = _rollout(full)
    _, m_some = _rollout(some)
    assert set(m_some) == {"mean_accuracy", "labels_spent"}
    for name in m_some:
        np.testing.assert_array_equal(np.asarray(m_some[name]), np.asarray(m_full[name]))
    with pytest.raises(ValueError, match="record must be one of"):
        _strategy(record=("accuracy",))
