"""Round metrics and named filters against values worked out by hand."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from sim import filters
from sim.metrics import greedy_correct, state_metrics
from sim.types import Task, make_params


def test_greedy_accuracy_splits_ties():
    """Probabilities [.5, .5] with one correct answer: greedy decoding is right half the time."""
    probs = jnp.asarray([[0.5, 0.5], [0.7, 0.3], [0.2, 0.8]])
    correct = jnp.asarray([[True, False], [True, False], [True, False]])
    np.testing.assert_allclose(greedy_correct(probs, correct), [0.5, 1.0, 0.0])


@pytest.mark.parametrize("v", [2, 5, 16])
def test_entropy_is_in_nats(v):
    """Uniform over V responses has entropy log V (nats, not bits)."""
    probs = jnp.full((3, v), 1.0 / v)
    correct = jnp.zeros((3, v), bool).at[:, 0].set(True)
    task = Task(correct=correct, base_probs=probs, prompt_weights=jnp.full((3,), 1.0 / 3))
    got = state_metrics(probs, task, make_params())["entropy"]
    np.testing.assert_allclose(got, np.log(v), rtol=1e-6)


@pytest.mark.parametrize("gamma", [0.0, 0.1, 0.45])
def test_gamma_filter_keeps_every_correct_answer(gamma):
    """The gamma-noisy filter is (c, d) = (1, gamma): never c = 1 - gamma."""
    assert filters.resolve("gamma", gamma=gamma) == (1.0, gamma)
    assert filters.noisy(gamma) == {"filter_tpr": 1.0, "filter_fpr": gamma}
    assert filters.resolve("general", filter_tpr=0.7, filter_fpr=0.2) == (0.7, 0.2)
    assert filters.resolve("perfect") == (1.0, 0.0)
    assert filters.resolve("none") == (1.0, 1.0)
    with pytest.raises(ValueError, match="filter must be one of"):
        filters.resolve("magic")
