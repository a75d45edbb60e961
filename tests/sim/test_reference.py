"""The JAX simulator against the independent NumPy reference, expected mode, float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sim
from sim.table.reference import reference_rollout

KW = dict(beta=0.4, alpha=0.3, tau=0.2, eta=0.4, lr=0.7, wrong_spread=0.3)

# Every value of every role appears at least once; learners beyond "strong" with a few partners.
CASES = [
    ("hard", "stochastic", "global", "strong", False, False),
    ("hard", "adversarial", "replace", "strong", True, False),
    ("rejected", "stochastic", "replace", "strong", False, False),
    ("rejected", "base", "accumulate", "partial", False, True),
    ("uniform", "stochastic", "global", "sgd", False, False),
    ("uniform", "adversarial", "accumulate", "strong", True, True),
    ("boost_weights", "base", "global", "strong", True, False),
    ("boost_weights", "stochastic", "replace", "partial", False, False),
    ("soft", "adversarial", "global", "sgd", False, False),
    ("soft", "stochastic", "accumulate", "strong", False, False),
    ("none", "stochastic", "replace", "strong", False, False),
]


@pytest.mark.parametrize("allocation,labeler,mixture,learner,filter_labels,restart", CASES)
def test_matches_numpy_reference(
    x64, allocation, labeler, mixture, learner, filter_labels, restart
):
    task = sim.make_task(
        jax.random.key(3), n_prompts=40, n_responses=10, n_correct=2, dtype=jnp.float64
    )
    c = np.linspace(0.8, 1.0, 40)  # a per-prompt filter
    d = 0.15
    strategy = sim.make_strategy(
        allocation=allocation,
        labeler=labeler,
        mixture=mixture,
        learner=learner,
        filter_labels=filter_labels,
        restart=restart,
        samples_per_prompt=8,
        labels_per_prompt=4,
    )
    params = sim.make_params(
        filter_tpr=c, filter_fpr=d, label_budget=100.0, dtype=jnp.float64, **KW
    )
    state, m = jax.jit(lambda t, p, k: sim.rollout(t, p, key=k, strategy=strategy, rounds=6))(
        task, params, jax.random.key(0)
    )
    ref = reference_rollout(
        task.correct,
        task.base_probs,
        task.prompt_weights,
        rounds=6,
        k=8,
        m=4,
        c=c,
        d=d,
        budget=100.0,
        allocation=allocation,
        labeler=labeler,
        mixture=mixture,
        learner=learner,
        filter_labels=filter_labels,
        restart=restart,
        **KW,
    )
    np.testing.assert_allclose(np.asarray(state.probs), ref["probs"], atol=1e-8)
    np.testing.assert_allclose(np.asarray(m["mean_accuracy"]), ref["mean_accuracy"], atol=1e-8)
    np.testing.assert_allclose(
        np.asarray(m["labels_spent"]), ref["labels_spent"], rtol=1e-9, atol=1e-9
    )


def test_the_reference_is_not_trivially_equal():
    # Guard against a reference that agrees because nothing happens: the cases above move.
    task = sim.make_task(jax.random.key(3), n_prompts=40, n_responses=10, n_correct=2)
    ref = reference_rollout(
        task.correct,
        task.base_probs,
        task.prompt_weights,
        rounds=6,
        k=8,
        m=4,
        c=1.0,
        d=0.15,
        budget=100.0,
        allocation="hard",
        labeler="stochastic",
        mixture="global",
        **KW,
    )
    assert abs(ref["mean_accuracy"][-1] - ref["mean_accuracy"][0]) > 0.05
    assert ref["labels_spent"][-1] > 0
