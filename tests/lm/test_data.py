"""The testbed's problem sets (disjoint as problems) and its kinds of wrong label."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.lm import data, task
from sim.lm import round as round_lib
from sim.lm.task_impls import device_problems
from sim.types import make_params


@given(
    seed=st.integers(0, 2**31 - 1),
    n_seed=st.integers(1, 400),
    n_train=st.integers(1, 400),
    n_test=st.integers(1, 400),
    max_digits=st.integers(2, 4),
)
def test_sets_are_pairwise_disjoint_as_problems(seed, n_seed, n_train, n_test, max_digits):
    """a+b and b+a are one problem: no problem is in two sets, whatever the sizes and seed
    (1-digit sums have only 55 problems, so small difficulties are split between the sets)."""
    w = (1.0,) * max_digits
    sets = data.make_sets(
        {"seed": n_seed, "train": n_train, "test": n_test},
        {"seed": (3.0,) + w[1:], "train": w, "test": w},
        max_digits=max_digits,
        wrong_labels="random",
        seed=seed,
    )
    keys = {s: data.problem_keys(p) for s, p in sets.items()}
    assert not keys["seed"] & keys["train"]
    assert not keys["seed"] & keys["test"]
    assert not keys["train"] & keys["test"]
    for s, n in (("seed", n_seed), ("train", n_train), ("test", n_test)):
        p = sets[s]
        assert p.prompts.shape[0] == n
        digits = np.array([len(str(int(x))) for x in np.maximum(p.a, p.b)])
        np.testing.assert_array_equal(digits, p.difficulty)  # n-digit operands
        # the prompt strings are what the model reads
        for text, a, b in zip(data.prompt_strings(p), p.a, p.b, strict=True):
            assert text == f"{a:0{max_digits}d}+{b:0{max_digits}d}="


def test_sets_do_not_depend_on_the_kind_of_wrong_label():
    kw = dict(max_digits=3, seed=4)
    sizes, w = (
        {"seed": 50, "train": 80, "test": 80},
        {s: (1, 1, 1) for s in ("seed", "train", "test")},
    )
    a = data.make_sets(sizes, w, wrong_labels="near", **kw)
    b = data.make_sets(sizes, w, wrong_labels="shuffled", **kw)
    for s in sizes:
        np.testing.assert_array_equal(a[s].prompts, b[s].prompts)


def _value(tokens) -> int | None:
    text = task.decode(tokens).split(".")[0]
    return int(text[::-1]) if text.isdigit() else None


@pytest.mark.parametrize("kind", data.WRONG_KINDS)
def test_each_wrong_kind_is_always_wrong_and_has_its_form(kind):
    sizes = {"seed": 10, "train": 600, "test": 10}
    w = {s: (1, 1, 1, 1) for s in sizes}
    p = data.make_sets(sizes, w, max_digits=4, wrong_labels=kind, seed=1)["train"]
    total = p.a + p.b
    wrong = np.array([_value(t) for t in p.wrong])
    assert np.all(wrong != total)
    assert not np.any(np.asarray(task.verify(jnp.asarray(p.wrong), jnp.asarray(p.digits))))
    if kind == "near":  # one carry slip: differs by a power of ten, in one digit position
        diff = np.abs(wrong - total)
        assert np.all(np.isin(diff, 10 ** np.arange(1, 6)))
    elif kind == "random":  # as many digits as the sum, and far from it on average
        assert all(len(str(x)) == len(str(t)) for x, t in zip(wrong, total, strict=True))
        assert np.mean(np.isin(np.abs(wrong - total), 10 ** np.arange(0, 6))) < 0.2
    else:  # another problem's right answer, of the same difficulty
        for x, n in zip(wrong, p.difficulty, strict=True):
            assert x in set(total[p.difficulty == n].tolist())


def test_oracle_labels_are_always_right():
    sizes = {"seed": 10, "train": 64, "test": 10}
    sets = data.make_sets(
        sizes, {s: (1, 1, 1) for s in sizes}, max_digits=3, wrong_labels="near", seed=2
    )
    problems = device_problems(sets["train"])
    k, m, la = 4, 3, task.answer_len(3)
    samples = jnp.broadcast_to(problems.wrong[:, 0, 0][:, None], (64, k, la))  # every sample wrong
    strategy = round_lib.LMStrategy(samples_per_prompt=k, labels_per_prompt=m)
    roles = round_lib.Roles(allocation=jnp.asarray(1, jnp.int32), mixture=jnp.asarray(1, jnp.int32))
    params = make_params(beta=1.0, filter_fpr=0.0, label_budget=64 * m)
    for key in range(5):
        _, _, metrics, _ = round_lib.curate(
            samples,
            problems,
            params,
            roles,
            jnp.ones((64,)),
            jnp.zeros((64, m, la), jnp.int32),
            key=jax.random.key(key),
            strategy=strategy,
        )
        assert float(metrics["labels_round"]) == 64 * m
        assert float(metrics["label_correct_rate"]) == 1.0


def test_label_slots_follow_the_counts():
    given = jnp.asarray([[2.0, 1.0], [0.0, 3.0], [0.0, 0.0], [1.0, 0.0]])
    kept = jnp.asarray([[1.0, 1.0], [0.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    idx, g, k = round_lib.label_slots(given, kept, 3)
    np.testing.assert_array_equal(idx, [[0, 0, 1], [1, 1, 1], [1, 1, 1], [0, 1, 1]])
    np.testing.assert_array_equal(g, [[1, 1, 1], [1, 1, 1], [0, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(k, [[1, 0, 1], [1, 1, 0], [0, 0, 0], [0, 0, 0]])
