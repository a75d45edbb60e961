"""The token task (`sim.table.tokens`): L = 1 is the table backend; expected mode is claim C8's
closed form (`theory.tokens`: per-token update, checked labels, the global mixture with alpha,
fixed points, the threshold crossed both ways); sampled mode has its mean (z-intervals over
seeds); sharing; wrong-label kinds."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim import labelers
from sim.table import tokens
from sim.table.token_task import (
    draw_wrong,
    make_token_task,
    rho_near,
    rho_random,
    token_task,
)
from theory import tokens as c8

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


# Every preset in both modes; the default suite runs boosting in expected mode (each case
# compiles three rollouts), the rest is `slow`.
L1_DEFAULT = {("boosting", "expected")}
L1_CASES = [
    pytest.param(
        preset,
        mode,
        marks=() if (preset, mode) in L1_DEFAULT else pytest.mark.slow,
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


def _rho(task, spread):
    """The wrong labels' per-position right share of each prompt: [P, L]."""
    fixed_right = np.asarray(task.fixed_wrong == 0, np.float64)
    return (1 - spread) * fixed_right + spread * np.asarray(task.fresh[..., 0], np.float64)


def _accuracy(state) -> np.ndarray:
    """Per-position accuracy of a token model: [P, L]."""
    return (
        np.asarray(state.wrong[..., 0], np.float64) + np.asarray(state.right, np.float64)[:, None]
    )


def _filter_only(a, *, gamma):
    s = c8.accepted_token_accuracy(a, gamma)
    return np.where(np.isnan(s), a, s)


ARMS = ("replace", "global", "checked-replace", "checked-global", "filter-only")


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("arm", ARMS)
# every example compiles a rollout: one per arm by default, five under HYPOTHESIS_PROFILE=ci
@settings(max_examples=max(1, settings.default.max_examples // 12))
@given(
    length=st.integers(2, 4),
    alphabet=st.integers(3, 6),
    kind=st.sampled_from(["near", "random"]),
    beta=st.floats(0.1, 0.9),
    gamma=st.floats(0.05, 0.8),
    spread=st.floats(0.0, 1.0),
    alpha=st.floats(0.1, 0.9),
)
def test_expected_rounds_are_c8(arm, length, alphabet, kind, beta, gamma, spread, alpha):
    """Two expected rounds of the factored learner against `theory.tokens` iterated: the replace
    mixture (`replace_update`, a label per rejected sample), the global mixture with focused
    allocation and weight alpha (`population_update`, m labels per hard prompt, a budget that
    binds), labels checked by the verifier (`checked_labels`), and filter-only
    (`accepted_token_accuracy`); rho of each position from the kind and its spread."""
    task = make_token_task(
        jax.random.key(1),
        n_prompts=12,
        answer_length=length,
        alphabet=alphabet,
        wrong_labels=kind,
        frac_unsolvable=0.25,
        dtype=jnp.float64,
    )
    k, m, budget = 4, 2, 6.0
    params = sim.make_params(
        beta=beta,
        filter_fpr=gamma,
        wrong_spread=spread,
        alpha=alpha,
        label_budget=budget,
        dtype=jnp.float64,
    )
    mixture = arm.removeprefix("checked-") if arm != "filter-only" else "replace"
    strategy = tokens.make_token_strategy(
        learner="factored",
        allocation="none" if arm == "filter-only" else "focused",
        mixture=mixture,
        wrong_labels=kind,
        samples_per_prompt=k,
        labels_per_prompt=m,
        filter_labels=arm.startswith("checked"),
    )
    got = _accuracy(_state_after(task, params, strategy, jax.random.key(0), rounds=2))
    a0, rho = _accuracy(task), _rho(task, spread)
    if arm.startswith("checked"):
        kept, q = c8.checked_labels(beta, rho, gamma)
    else:
        kept, q = 1.0, c8.label_token_accuracy(beta, rho)
    if arm == "filter-only":
        want = c8.iterate(_filter_only, a0, 2, gamma=gamma)
    elif mixture == "replace":
        # the budget thins every prompt's label slots alike: a share of the slots stays empty
        want = [a0]
        for _ in range(2):
            rejected = np.sum(k * (1 - gamma) * (1 - np.prod(want[-1], -1)))
            thin = min(1.0, budget / rejected) if rejected > 0 else 0.0
            want.append(c8.replace_update(want[-1], q, gamma, kept=kept * thin))
    else:
        want = c8.iterate(
            c8.population_update,
            a0,
            2,
            q=q,
            gamma=gamma,
            alpha=alpha,
            k=k,
            labels_per_prompt=m,
            label_budget=budget,
            kept=kept,
        )
    np.testing.assert_allclose(got, want[-1], atol=1e-9)


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
    return task, np.asarray(jnp.sum(state.wrong[..., 0, :], -1)), _accuracy(state)


def test_threshold_crossed_both_ways():
    """Random wrong labels, fresh every time: q = beta + (1 - beta) rho on every position;
    boosting reaches a perfect model iff q > 1 - 1/L (`threshold_q`), else it settles at the
    interior fixed point (`fixed_point`: per token, and its L-th power for whole answers)."""
    rho = rho_random(5, 10)
    beta_c = (c8.threshold_q(5) - rho) / (1 - rho)  # q = 1 - 1/L
    above, below = beta_c + 0.05, beta_c - 0.15
    for beta, converges in ((above, True), (below, False)):
        q = np.full(5, c8.label_token_accuracy(beta, rho))
        assert bool(c8.converges_to_one(q)) is converges
    _, err, _ = _factored_run(above, 0.97, 300)
    assert np.max(err) < 1e-4
    _, err, acc = _factored_run(below, 0.97, 300)
    q = c8.label_token_accuracy(below, rho)
    a_star = c8.fixed_point(q, 0.2, 5)
    assert 0.3 < a_star < c8.threshold_q(5)
    np.testing.assert_allclose(acc, a_star, rtol=2e-4)
    np.testing.assert_allclose(err, 1 - a_star**5, rtol=2e-3)


def test_fixed_point_with_unequal_positions():
    """Each prompt's one fixed wrong answer, spread half the time: positions where it is right
    get a larger q_l. The simulation settles at `fixed_point_positions` (C8's interior point
    of the scalar equation 1 - E = prod_l (1 - (1 - q_l) E))."""
    task, err, acc = _factored_run(0.2, 0.97, 300, spread=0.5)
    q = c8.label_token_accuracy(0.2, _rho(task, 0.5))
    assert np.all(~c8.converges_to_one(q))
    np.testing.assert_allclose(acc, c8.fixed_point_positions(q), atol=2e-4)
    np.testing.assert_allclose(err, c8.interior_error(q), rtol=2e-3)


@pytest.mark.parametrize("learner", [pytest.param("strong", marks=pytest.mark.slow), "factored"])
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
    keys = jax.random.split(jax.random.key(7), 256)
    states = jax.jit(jax.vmap(lambda k: _state_after(task, params, strategy, k)))(keys)
    samples = np.asarray(tokens.marginals(states.right, states.wrong), np.float64)  # [S, P, L, A]
    mean, se = samples.mean(0), samples.std(0, ddof=1) / np.sqrt(len(keys))
    # 4.5 standard errors, plus a floor for rare offsets never drawn in these seeds
    assert np.all(np.abs(mean - want) < 4.5 * se + 2e-3), np.max(np.abs(mean - want) - 4.5 * se)
    if learner == "strong":  # the whole-answer right mass is linear too
        right = np.asarray(states.right, np.float64)
        zr = np.abs(right.mean(0) - np.asarray(exp_state.right))
        assert np.all(zr < 4.5 * np.maximum(right.std(0, ddof=1) / np.sqrt(len(keys)), 1e-6))


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


@pytest.mark.slow
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
        mode=mode,
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
