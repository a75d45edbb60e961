"""The token task (`sim.table.tokens`): L = 1 is the table backend, expected mode is C8's closed
form, sampled mode has its mean, the threshold sum(1 - q_l) < 1, sharing, wrong-label kinds."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim import labelers
from sim.table import token_reference as ref
from sim.table import tokens
from sim.table.token_task import (
    draw_wrong,
    make_token_task,
    rho_near,
    rho_random,
    token_task,
)

COMMON = (
    "mean_accuracy",
    "mean_error",
    "max_error",
    "greedy_accuracy",
    "solved_fraction",
    "entropy",
    "support_size",
    "acceptance_rate",
    "hard_fraction",
    "labels_round",
    "labels_spent",
    "label_correct_rate",
)


def _dyadic_table(p: int, v: int, seed: int) -> np.ndarray:
    """Base model rows in multiples of 1/64 (exact in float32): [P, V], offset 0 right."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(64, rng.dirichlet(np.ones(v)), size=p).astype(np.float64)
    counts[0, :] = 0.0
    counts[0, 1] = 64.0  # a prompt the base model never solves
    return counts / 64.0


@pytest.fixture(scope="module")
def l1_pair():
    probs = _dyadic_table(24, 6, 0)
    table = sim.validate_task(
        sim.Task(
            correct=jnp.asarray(np.arange(6)[None, :] == np.zeros((24, 1), int)),
            base_probs=jnp.asarray(probs, jnp.float32),
            prompt_weights=jnp.full((24,), 1.0 / 24, jnp.float32),
        )
    )
    wrong = np.asarray(labelers.plausible_wrong(table))[:, None]
    tok = token_task(probs[:, None, :], key=jax.random.key(0), fixed_wrong=wrong)
    return table, tok


# Every preset in both modes; the default suite runs expected mode and sampled boosting (each
# case compiles three rollouts), the rest is `slow`.
L1_CASES = [
    pytest.param(
        preset,
        mode,
        marks=() if mode == "expected" or preset == "boosting" else pytest.mark.slow,
        id=f"{preset}-{mode}",
    )
    for preset in sorted(sim.PRESETS)
    for mode in ("expected", "sampled")
]


@pytest.mark.parametrize("preset,mode", L1_CASES)
def test_length_one_is_the_table_backend(l1_pair, preset, mode):
    table, tok = l1_pair
    roles = sim.PRESETS[preset]
    c, d = sim.filters.resolve(roles["filter"], gamma=0.25)
    params = sim.make_params(beta=0.4, filter_tpr=c, filter_fpr=d, label_budget=24 * 8 / 2)
    keys = jax.random.split(jax.random.key(3), 2)
    kw = dict(allocation=roles["allocation"], mixture=roles["mixture"], mode=mode)
    want = sim.simulate(table, params, keys=keys, strategy=sim.make_strategy(**kw), rounds=4)
    for learner in ("strong", "factored"):
        got = sim.simulate(
            tok,
            params,
            keys=keys,
            strategy=tokens.make_token_strategy(learner=learner, **kw),
            rounds=4,
        )
        for name in COMMON:
            np.testing.assert_allclose(
                got[name], want[name], rtol=2e-4, atol=2e-5, err_msg=f"{learner} {name}"
            )
        np.testing.assert_allclose(got["token_accuracy"], want["mean_accuracy"], atol=2e-5)


def _one_round(task, params, strategy, keys):
    return sim.simulate(task, params, keys=keys, strategy=strategy, rounds=1)


_rollout = jax.jit(tokens.rollout, static_argnames=("strategy", "rounds"))


def _state_after(task, params, strategy, key, rounds=1):
    return _rollout(task, params, key=key, strategy=strategy, rounds=rounds)[0]


def _q(task, beta, spread):
    """The labels' per-position right share of each prompt: [P, L]."""
    fixed_right = np.asarray(task.fixed_wrong == 0, np.float64)
    rho = (1 - spread) * fixed_right + spread * np.asarray(task.fresh[..., 0], np.float64)
    return ref.token_accuracy_of_labels(beta, rho)


@pytest.mark.usefixtures("x64")
@given(
    beta=st.floats(0.05, 1.0),
    gamma=st.floats(0.0, 0.95),
    spread=st.floats(0.0, 1.0),
)
def test_expected_update_is_the_closed_form(beta, gamma, spread):
    task = make_token_task(
        jax.random.key(1),
        n_prompts=16,
        answer_length=4,
        alphabet=5,
        wrong_labels="near",
        dtype=jnp.float64,
    )
    params = sim.make_params(beta=beta, filter_fpr=gamma, wrong_spread=spread, dtype=jnp.float64)
    strategy = tokens.make_token_strategy(
        learner="factored", allocation="focused", mixture="replace", wrong_labels="near"
    )
    state = _state_after(task, params, strategy, jax.random.key(0), rounds=3)
    a0 = np.asarray(task.wrong[..., 0] + task.right[:, None])  # per-position base accuracy
    want = ref.rollout(a0, _q(task, beta, spread), gamma, 3)[-1]
    got = np.asarray(state.wrong[..., 0] + state.right[:, None])
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_filter_only_is_the_closed_form(x64):
    task = make_token_task(
        jax.random.key(2), n_prompts=32, answer_length=3, alphabet=4, dtype=jnp.float64
    )
    params = sim.make_params(beta=0.5, filter_fpr=0.3, dtype=jnp.float64)
    strategy = tokens.make_token_strategy(learner="factored", allocation="none", mixture="replace")
    state = _state_after(task, params, strategy, jax.random.key(0), rounds=4)
    a0 = np.asarray(task.wrong[..., 0] + task.right[:, None])
    want = ref.rollout(a0, 0.0, 0.3, 4, labels=False)[-1]
    np.testing.assert_allclose(
        np.asarray(state.wrong[..., 0] + state.right[:, None]), want, atol=1e-10
    )


@pytest.mark.parametrize("learner", ["strong", "factored"])
def test_sampled_round_mean_is_expected(learner):
    """Replace mixture, one label per rejected sample: the fit is linear in the counts, so one
    sampled round's per-position accuracy has the expected round's mean (z-interval)."""
    task = make_token_task(
        jax.random.key(4),
        n_prompts=8,
        answer_length=3,
        alphabet=4,
        frac_unsolvable=0.0,
        base_accuracy_mean=0.5,
        wrong_labels="random",
    )
    params = sim.make_params(beta=0.4, filter_fpr=0.2, wrong_spread=0.5)
    kw = dict(learner=learner, allocation="focused", mixture="replace", wrong_labels="random")
    exp_state = _state_after(task, params, tokens.make_token_strategy(**kw), jax.random.key(0))
    want = np.asarray(tokens.marginals(exp_state.right, exp_state.wrong))  # [P, L, A]
    strategy = tokens.make_token_strategy(mode="sampled", **kw)
    keys = jax.random.split(jax.random.key(7), 400)
    states = jax.jit(jax.vmap(lambda k: _state_after(task, params, strategy, k)))(keys)
    samples = np.asarray(tokens.marginals(states.right, states.wrong), np.float64)  # [S, P, L, A]
    mean, se = samples.mean(0), samples.std(0, ddof=1) / np.sqrt(len(keys))
    # 4.5 standard errors, plus a floor for rare offsets never drawn in these seeds
    assert np.all(np.abs(mean - want) < 4.5 * se + 2e-3), np.max(np.abs(mean - want) - 4.5 * se)
    if learner == "strong":  # the whole-answer right mass is linear too
        right = np.asarray(states.right, np.float64)
        zr = np.abs(right.mean(0) - np.asarray(exp_state.right))
        assert np.all(zr < 4.5 * np.maximum(right.std(0, ddof=1) / np.sqrt(len(keys)), 1e-6))


def _factored_run(beta, a_start, rounds, *, spread=1.0, kind="random", length=5, alphabet=10):
    base = np.zeros((4, length, alphabet))
    base[..., 0] = a_start
    base[..., 1:] = (1.0 - a_start) / (alphabet - 1)
    task = token_task(base, key=jax.random.key(0), wrong_labels=kind)
    params = sim.make_params(beta=beta, filter_fpr=0.2, wrong_spread=spread)
    strategy = tokens.make_token_strategy(
        learner="factored", allocation="focused", mixture="replace", wrong_labels=kind
    )
    state = _state_after(task, params, strategy, jax.random.key(0), rounds=rounds)
    return task, np.asarray(jnp.sum(state.wrong[..., 0, :], -1))


def test_threshold_crossed_both_ways():
    """Random wrong labels, fresh every time: q = beta + (1 - beta) rho on every position;
    boosting reaches a perfect model iff L (1 - q) < 1 (C8), else an interior fixed point."""
    rho = rho_random(5, 10)
    above, below = 0.9, 0.6
    for beta, converges in ((above, True), (below, False)):
        q = np.full(5, ref.token_accuracy_of_labels(beta, rho))
        assert bool(ref.converges_to_one(q)) is converges
    _, err = _factored_run(above, 0.97, 300)
    assert np.max(err) < 1e-4
    _, err = _factored_run(below, 0.97, 300)
    q = np.full(5, ref.token_accuracy_of_labels(below, rho))
    fixed = ref.rollout(np.full(5, 0.97), q, 0.2, 2000)[-1]
    assert np.max(err) > 0.5
    np.testing.assert_allclose(err, 1 - np.prod(fixed), rtol=1e-3)


def test_share_zero_is_prompts_alone():
    task = make_token_task(
        jax.random.key(5),
        n_prompts=6,
        answer_length=3,
        alphabet=4,
        wrong_labels="near",
        n_classes=2,
        share=0.0,
    )
    params = sim.make_params(beta=0.5, filter_fpr=0.2, wrong_spread=0.3)
    strategy = tokens.make_token_strategy(
        learner="factored", allocation="focused", mixture="replace", wrong_labels="near"
    )

    def run(t):
        return _state_after(t, params, strategy, jax.random.key(0), rounds=3)

    together = run(task)
    for x in range(6):
        alone = task._replace(
            right=task.right[x : x + 1],
            wrong=task.wrong[x : x + 1],
            prompt_weights=jnp.ones((1,), jnp.float32),
            answers=task.answers[x : x + 1],
            fixed_wrong=task.fixed_wrong[x : x + 1],
            fresh=task.fresh[x : x + 1],
            classes=jnp.ones((1, 1), jnp.float32),
        )
        got = run(alone)
        np.testing.assert_allclose(got.wrong[0], together.wrong[x], atol=1e-6)
        np.testing.assert_allclose(got.right[0], together.right[x], atol=1e-6)


@pytest.mark.parametrize("learner", ["strong", "factored"])
def test_share_one_is_one_table_per_class(learner):
    kw = dict(n_prompts=8, answer_length=3, alphabet=4, wrong_labels="random", n_classes=2)
    alone = make_token_task(jax.random.key(6), share=0.0, **kw)
    shared = make_token_task(jax.random.key(6), share=1.0, **kw)
    params = sim.make_params(beta=0.5, filter_fpr=0.2)
    strategy = tokens.make_token_strategy(
        learner=learner, allocation="focused", mixture="replace", wrong_labels="random"
    )
    s0 = _state_after(alone, params, strategy, jax.random.key(0))
    s1 = _state_after(shared, params, strategy, jax.random.key(0))
    cls = np.argmax(np.asarray(shared.classes), axis=-1)
    m0 = np.asarray(tokens.marginals(s0.right, s0.wrong))
    m1 = np.asarray(tokens.marginals(s1.right, s1.wrong))
    for c in range(2):
        members = cls == c
        # every prompt's data total is k (replace, a label per rejected sample): the
        # data-weighted pool is the plain mean of the prompts' own fits
        np.testing.assert_allclose(
            m1[members], np.broadcast_to(m0[members].mean(0), m1[members].shape), atol=1e-6
        )
        if learner == "strong":
            np.testing.assert_allclose(s1.right[members], np.mean(s0.right[members]), atol=1e-6)
    assert not np.allclose(m1[cls == 0][0], m1[cls == 1][0])


def test_near_rho_is_exact():
    length, alphabet = 5, 7
    answers = jnp.zeros((50, length), jnp.int32)
    d = np.asarray(draw_wrong(jax.random.key(0), "near", answers, None, (40,), alphabet=alphabet))
    assert np.all(np.sum(d == 0, axis=-1) == length - 1)
    assert rho_near(length) == (length - 1) / length


@pytest.mark.parametrize("kind", ["random", "shuffled"])
def test_rho_of_random_and_shuffled(kind):
    """The measured share of right tokens in fresh wrong answers lies in a 4.5-sigma interval
    around its definition: (A^(L-1) - 1)/(A^L - 1) (random), the other prompts' answers
    (shuffled, `fresh` marginals)."""
    length, alphabet = 3, 3
    task = make_token_task(
        jax.random.key(8),
        n_prompts=20,
        answer_length=length,
        alphabet=alphabet,
        wrong_labels=kind,
    )
    d = np.asarray(
        draw_wrong(
            jax.random.key(1), kind, task.answers, task.fixed_wrong, (5000,), alphabet=alphabet
        )
    )
    assert not np.any(np.all(d == 0, axis=-1))
    measured = np.mean(d == 0, axis=1)  # [P, L]
    want = np.asarray(task.fresh[..., 0], np.float64)
    if kind == "random":
        np.testing.assert_allclose(want, (alphabet ** (length - 1) - 1) / (alphabet**length - 1))
    se = np.sqrt(want * (1 - want) / d.shape[1])
    assert np.all(np.abs(measured - want) < 4.5 * se + 1e-9)


@pytest.mark.parametrize("mode", ["expected", "sampled"])
def test_rows_sum_to_the_wrong_mass(mode):
    """Every position of the wrong part sums to 1 - a(x) after rounds with spread labels."""
    task = make_token_task(
        jax.random.key(9),
        n_prompts=64,
        answer_length=4,
        alphabet=10,
        base_accuracy_mean=0.1,
        frac_unsolvable=0.5,
        wrong_labels="near",
    )
    spread = 0.4
    params = sim.make_params(beta=0.3, filter_fpr=0.0, wrong_spread=spread)
    strategy = tokens.make_token_strategy(
        mode="sampled",
        learner="strong",
        allocation="focused",
        mixture="replace",
        wrong_labels="near",
    )
    state = _state_after(task, params, strategy, jax.random.key(2))
    assert np.all(np.isfinite(np.asarray(state.wrong)))
    np.testing.assert_allclose(
        np.sum(np.asarray(state.wrong), -1),
        np.broadcast_to(1 - np.asarray(state.right)[:, None], (64, 4)),
        atol=1e-6,
    )


def test_token_learners_reject_others():
    with pytest.raises(ValueError, match="learner must be one of"):
        tokens.make_token_strategy(learner="sgd")
    with pytest.raises(ValueError, match="wrong_labels must be one of"):
        tokens.make_token_strategy(wrong_labels="far")
    with pytest.raises(ValueError, match="labeler must be one of"):
        tokens.make_token_strategy(labeler="base")
    with pytest.raises(ValueError, match=r"answer_length must be an integer in \[1, 64\]"):
        make_token_task(jax.random.key(0), answer_length=65)
    with pytest.raises(ValueError, match=r"alphabet must be an integer in \[2, 1024\]"):
        make_token_task(jax.random.key(0), alphabet=1)
    with pytest.raises(ValueError, match=r"share must lie in \[0, 1\]"):
        make_token_task(jax.random.key(0), share=1.5)
