"""Bad input fails with a message that names the option and its valid range."""

import jax
import numpy as np
import pytest

import sim
from sim.table.tasks import validate_task


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("beta", 0.0, r"beta must lie in \(0, 1\]"),
        ("beta", 1.5, r"beta must lie in \(0, 1\]"),
        ("beta", float("nan"), r"beta must lie in"),
        ("filter_fpr", -0.1, r"filter_fpr must lie in \[0, 1\]"),
        ("filter_tpr", 1.1, r"filter_tpr must lie in \[0, 1\]"),
        ("alpha", 2.0, r"alpha must lie in \[0, 1\]"),
        ("tau", 0.0, r"tau must lie in \[1e-06, 1e\+06\]"),
        ("theta", 1e30, r"theta must lie in \[0, 50\]"),
        ("lr", float("inf"), r"lr must lie in \(0, 1000\]"),
        ("eta", 0.0, r"eta must lie in \(0, 1\]"),
        ("label_budget", -1.0, r"label_budget must lie in \[0, inf\]"),
        ("delta", 1.0, r"delta must lie in \[0, 1\)"),
    ],
)
def test_make_params_ranges(name, value, message):
    with pytest.raises(ValueError, match=message):
        sim.make_params(**{name: value})


def test_gamma_range():
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\)"):
        sim.filters.noisy(1.0)
    with pytest.raises(ValueError, match=r"gamma must lie in \[0, 1\)"):
        sim.filters.noisy(-0.2)


@pytest.mark.parametrize(
    "kw,message",
    [
        (dict(samples_per_prompt=0), r"samples_per_prompt must be an integer >= 1"),
        (dict(labels_per_prompt=0), r"labels_per_prompt must be an integer >= 1"),
        (dict(allocation="focussed"), r"allocation must be one of .*'focused'"),
        (dict(labeler="oracle"), r"labeler must be one of"),
        (dict(mixture="mix"), r"mixture must be one of"),
        (dict(learner="weak"), r"learner must be one of"),
        (dict(mode="stochastic"), r"mode must be one of \['expected', 'sampled'\]"),
        (dict(restart="yes"), r"restart must be true or false"),
    ],
)
def test_make_strategy_rejects(kw, message):
    with pytest.raises(ValueError, match=message):
        sim.make_strategy(**kw)


def test_task_without_correct_response():
    task = sim.task_from_accuracy([0.5, 0.5], n_responses=4)
    correct = np.asarray(task.correct).copy()
    correct[1] = False
    with pytest.raises(ValueError, match=r"correct_mask: prompt 1 has no correct response"):
        validate_task(task._replace(correct=correct))
    correct[1] = True
    with pytest.raises(ValueError, match=r"every response of prompt 1 is correct"):
        validate_task(task._replace(correct=correct))


@pytest.mark.parametrize(
    "kw,message",
    [
        (dict(n_prompts=0), r"n_prompts must be an integer >= 1"),
        (dict(n_responses=1), r"n_responses must be an integer >= 2"),
        (
            dict(n_correct=8, n_responses=8),
            r"n_correct must be an integer in \[1, n_responses - 1\]",
        ),
        (dict(base_accuracy_mean=1.0), r"base_accuracy_mean must lie in \(0, 1\)"),
        (dict(frac_unsolvable=1.5), r"frac_unsolvable must lie in \[0, 1\]"),
        (dict(wrong_concentration=0.0), r"wrong_concentration must be > 0"),
    ],
)
def test_make_task_rejects(kw, message):
    with pytest.raises(ValueError, match=message):
        sim.make_task(jax.random.key(0), **kw)


def test_base_accuracy_outside_unit_interval():
    with pytest.raises(ValueError, match=r"base_accuracy must lie in \[0, 1\]"):
        sim.task_from_accuracy([0.5, 1.2])


def test_grid_with_mismatched_axes():
    params = sim.make_params()._replace(beta=np.ones(3, np.float32), alpha=np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"grid fields must share one leading axis"):
        sim.table.grid.broadcast_grid(params)
