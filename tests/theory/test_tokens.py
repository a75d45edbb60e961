"""C8 closed forms against a brute-force enumeration of all V^L answers, and against C3 at L = 1.

The reference builds the joint distribution of a product model over every answer, filters it
with the gamma-noisy whole-answer verifier, draws labels from an explicit labeler distribution
over whole answers (near misses, random wrong answers, arbitrary wrong distributions), and fits
the factored learner by counting per-position marginals (the strong learner: the whole-answer
table). Nothing in it uses the closed forms.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory import closed_forms as cf
from theory import tokens as tk

# ---------------------------------------------------------------------------------------------
# The brute-force reference


def _answers(L, V):
    return np.array(list(itertools.product(range(V), repeat=L)))  # [V^L, L]


def _joint(p, ys):
    """Probability of each answer under the product model p [L, V]."""
    return np.prod(p[np.arange(p.shape[0]), ys], axis=-1)


def _wrong_dist(kind, ys, right, rng):
    """A wrong label's distribution over answers (zero on the right answer)."""
    wrong = ~np.all(ys == right, axis=-1)
    if kind == "near":  # exactly one position changed
        w = (np.sum(ys != right, axis=-1) == 1).astype(float)
    elif kind == "random":  # uniform over wrong answers
        w = wrong.astype(float)
    else:  # an arbitrary distribution over wrong answers
        w = rng.dirichlet(np.ones(len(ys))) * wrong
    return w / w.sum()


def _labeler(beta, kind, ys, right, rng):
    """(labeler distribution W over answers, rho_l of its wrong part)."""
    wrong = _wrong_dist(kind, ys, right, rng)
    w = beta * np.all(ys == right, axis=-1) + (1.0 - beta) * wrong
    rho = np.array([np.sum(wrong * (ys[:, j] == right[j])) for j in range(ys.shape[1])])
    return w, rho


def _marginals(target, ys, L, V):
    """Per-position marginals of an (unnormalised) answer distribution. [L, V]"""
    out = np.zeros((L, V))
    for j in range(L):
        np.add.at(out[j], ys[:, j], target)
    return out / target.sum()


def _round(p, right, w, gamma, *, check, ys):
    """One replace-mixture round: (target over answers, accepted, kept labels, rejected)."""
    is_right = np.all(ys == right, axis=-1)
    keep = np.where(is_right, 1.0, gamma)
    probs = _joint(p, ys)
    accepted = probs * keep
    rejected = np.sum(probs * (1.0 - keep))
    labels = w * (keep if check else 1.0)
    return accepted, labels, rejected


def _random_model(rng, L, V, right):
    p = rng.dirichlet(np.ones(V), size=L)
    return p, p[np.arange(L), right]


# ---------------------------------------------------------------------------------------------
# Replace mixture, factored learner: exact against the enumeration


@given(
    L=st.integers(1, 3),
    V=st.integers(2, 3),
    beta=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 1.0),
    kind=st.sampled_from(["near", "random", "arbitrary"]),
    check=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_replace_update_matches_enumeration(L, V, beta, gamma, kind, check, seed):
    rng = np.random.default_rng(seed)
    ys = _answers(L, V)
    right = rng.integers(0, V, size=L)
    p, a = _random_model(rng, L, V, right)
    w, rho = _labeler(beta, kind, ys, right, rng)
    if check:
        kept, q = tk.checked_labels(beta, rho, gamma)
    else:
        kept, q = 1.0, tk.label_token_accuracy(beta, rho)
    for _ in range(3):  # the factored fit is again a product model: iterate
        accepted, labels, rejected = _round(p, right, w, gamma, check=check, ys=ys)
        target = accepted + rejected * labels
        if target.sum() == 0:
            return
        p = _marginals(target, ys, L, V)
        a_next = p[np.arange(L), right]
        np.testing.assert_allclose(tk.replace_update(a, q, gamma, kept=kept), a_next, atol=1e-12)
        a = a_next


@given(
    L=st.integers(2, 3),
    beta=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 0.95),
    kind=st.sampled_from(["near", "random", "arbitrary"]),
    seed=st.integers(0, 2**16),
)
def test_strong_learner_is_c3_whatever_rho(x64, L, beta, gamma, kind, seed):
    """Fitting whole answers, the whole-answer accuracy follows C3 (b = beta), not q."""
    rng = np.random.default_rng(seed)
    V = 3
    ys = _answers(L, V)
    right = rng.integers(0, V, size=L)
    p, _ = _random_model(rng, L, V, right)
    w, _ = _labeler(beta, kind, ys, right, rng)
    model = _joint(p, ys)
    is_right = np.all(ys == right, axis=-1)
    a = model[is_right].sum()
    for _ in range(4):
        keep = np.where(is_right, 1.0, gamma)
        target = model * keep + np.sum(model * (1 - keep)) * w
        model = target / target.sum()
        expected = float(cf.c3_step(a, 1.0, gamma, beta))
        assert abs(model[is_right].sum() - expected) < 1e-12
        a = expected


def test_l1_is_c3(x64):
    """L = 1 (a wrong label's only token is wrong, rho = 0): C3's closed form and rate."""
    beta, gamma, a0 = np.array([0.05, 0.3, 0.9]), np.array([0.0, 0.4, 0.8]), 0.2
    traj = tk.iterate(tk.replace_update, np.full((3, 1), a0), 25, q=beta[:, None], gamma=gamma)
    closed = np.array(cf.c3_accuracy(a0, 1.0, gamma, beta, np.arange(26)[:, None]))
    np.testing.assert_allclose(traj[..., 0], closed, atol=1e-12)
    rate = tk.contraction_rate(beta[:, None], gamma)
    np.testing.assert_allclose(rate, np.array(cf.c3_rate(1.0, gamma, beta)), atol=1e-15)
    assert np.all(tk.converges_to_one(beta[:, None])) and tk.threshold_q(1) == 0.0


# ---------------------------------------------------------------------------------------------
# Threshold, rate and fixed points


def test_issue_numbers_and_uniform_fixed_point_equation():
    """L = 5, q = 0.37: per token 0.375, whole answer 0.007; 1 + a + ... + a^4 = 1 / (1 - q)."""
    a = tk.fixed_point(0.37, 0.3, 5)
    assert round(float(a), 3) == 0.375 and round(float(a) ** 5, 3) == 0.007
    assert abs(sum(a**j for j in range(5)) - 1 / 0.63) < 1e-12
    traj = tk.iterate(tk.replace_update, np.zeros(5), 400, q=np.full(5, 0.37), gamma=0.3)
    np.testing.assert_allclose(traj[-1], a, atol=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.7])
def test_threshold_crossed_both_ways(gamma):
    L, qc = 5, tk.threshold_q(5)
    assert qc == pytest.approx(0.8)
    above, below = np.full(L, qc + 0.02), np.full(L, qc - 0.02)
    assert tk.converges_to_one(above) and not tk.converges_to_one(below)
    # Just above: the error goes to 0 at the rate lambda = gamma + (1 - gamma) L (1 - q).
    traj = tk.iterate(tk.replace_update, np.zeros(L), 1500, q=above, gamma=gamma)
    err = 1.0 - traj[:, 0]
    lam = tk.contraction_rate(above, gamma)
    assert lam == pytest.approx(gamma + (1 - gamma) * L * 0.18)
    assert err[-1] < 1e-14  # float64's spacing below 1
    tail = np.flatnonzero((err > 1e-12) & (err < 1e-5))  # asymptotic, above round-off
    slope = np.polyfit(tail, np.log(err[tail]), 1)[0]
    assert slope == pytest.approx(np.log(lam), rel=2e-3)
    # Just below: stuck at the interior point, from 0 and from just under 1 (1 repels).
    a_star = tk.fixed_point(below[0], gamma, L)
    assert 0.9 < a_star < 0.999
    for a0 in (0.0, 1.0 - 1e-9):
        traj = tk.iterate(tk.replace_update, np.full(L, a0), 3000, q=below, gamma=gamma)
        np.testing.assert_allclose(traj[-1], a_star, atol=1e-10)
    np.testing.assert_allclose(tk.replace_update(np.ones(L), below, gamma), 1.0)  # still fixed


def test_exact_threshold_converges_like_one_over_t():
    """q = 1 - 1/L exactly: eps_t ~ 2 / ((1 - gamma)(L - 1) t), not geometric."""
    L, gamma = 4, 0.5
    traj = tk.iterate(tk.replace_update, np.zeros(L), 4000, q=np.full(L, 0.75), gamma=gamma)
    err = 1.0 - traj[:, 0]
    assert np.all(np.diff(err[1:]) < 0)
    t = np.array([1000, 4000])
    np.testing.assert_allclose(t * err[t], 2 / ((1 - gamma) * (L - 1)), rtol=0.02)


@given(
    L=st.integers(1, 6),
    beta=st.floats(0.0, 1.0),
    rho=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    gamma=st.floats(0.0, 0.9),
    check=st.booleans(),
)
def test_limit_is_the_fixed_point(L, beta, rho, gamma, check):
    """From a_0 = 0 the iteration reaches `fixed_point_positions` (a substitution root), and 1
    exactly when `converges_to_one`; unequal positions, checked or not."""
    rho = np.array(rho[:L])
    kept, q = (
        tk.checked_labels(beta, rho, gamma) if check else (1.0, tk.label_token_accuracy(beta, rho))
    )
    if np.all(np.isnan(q)):
        return
    n_w = tk.wrong_tokens_per_label(q, kept=kept)
    if abs(n_w - 1.0) < 0.05 or tk.contraction_rate(q, gamma, kept=kept) > 0.999 and n_w < 1:
        return  # too slow to settle within the test's rounds
    a_star = tk.fixed_point_positions(q, kept=kept)
    np.testing.assert_allclose(tk.replace_update(a_star, q, gamma, kept=kept), a_star, atol=1e-12)
    traj = tk.iterate(tk.replace_update, np.zeros(L), 3000, q=q, gamma=gamma, kept=kept)
    np.testing.assert_allclose(traj[-1], a_star, atol=1e-8)
    assert np.all(a_star == 1.0) == bool(tk.converges_to_one(q, kept=kept))
    if np.allclose(q, q[0]):
        assert tk.fixed_point(q[0], gamma, L, kept=kept) == pytest.approx(a_star[0], abs=1e-12)


def test_one_slip_near_miss_converges_for_any_beta_random_needs_more():
    L, V, gamma = 5, 10, 0.2
    near = np.full(L, (L - 1) / L)  # one wrong token per wrong label
    rand = np.full(L, (V ** (L - 1) - 1) / (V**L - 1))  # uniformly random wrong answer
    for beta in (0.01, 0.3):
        q = tk.label_token_accuracy(beta, near)
        assert tk.converges_to_one(q)
        assert tk.contraction_rate(q, gamma) == pytest.approx(float(cf.c3_rate(1.0, gamma, beta)))
    beta_c = 1 - 1 / (L * (1 - rand[0]))  # the random kind's threshold
    assert not tk.converges_to_one(tk.label_token_accuracy(beta_c - 1e-3, rand))
    assert tk.converges_to_one(tk.label_token_accuracy(beta_c + 1e-3, rand))
    # Checking the labels: gamma (1 - beta) sum (1 - rho) < 1 instead.
    kept, q = tk.checked_labels(0.3, rand, gamma)
    assert tk.wrong_tokens_per_label(q, kept=kept) == pytest.approx(gamma * 0.7 * L * (1 - rand[0]))
    assert tk.converges_to_one(q, kept=kept)


# ---------------------------------------------------------------------------------------------
# Global mixture, focused allocation, sharing: exact against the enumeration


def _population_reference(ps, rights, ws, gamma, alpha, k, m, budget, check, ys, L, V):
    """One expected-mode round of the global mixture with hard-set allocation: marginal fits
    and their targets, from whole-answer counts (as sim.allocate.focused, sim.mixtures.global_)."""
    acc, lab, hard = [], [], []
    for p, right, w in zip(ps, rights, ws, strict=True):
        accepted, labels, rejected = _round(p, right, w, gamma, check=check, ys=ys)
        acc.append(k * accepted)
        lab.append(labels)
        hard.append(rejected**k)
    hard = np.array(hard)
    share = min(1.0, (budget / m) / hard.sum()) if hard.sum() > 0 else 0.0
    lab = [m * h * share * x for h, x in zip(hard, lab, strict=True)]
    n_s, n_l = sum(x.sum() for x in acc), sum(x.sum() for x in lab)
    w_s = ((1 - alpha) if n_l > 0 else 1.0) / n_s if n_s > 0 else 0.0
    w_l = (alpha if n_s > 0 else 1.0) / n_l if n_l > 0 else 0.0
    return [w_s * x + w_l * y for x, y in zip(acc, lab, strict=True)]


def _offset_marginals(target, ys, right, L, V):
    """Marginals in coordinates relative to the right token (offset 0 = right), unnormalised."""
    out = np.zeros((L, V))
    for j in range(L):
        np.add.at(out[j], (ys[:, j] - right[j]) % V, target)
    return out


@given(
    L=st.integers(1, 3),
    beta=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 1.0),
    alpha=st.floats(0.0, 1.0),
    k=st.integers(1, 8),
    m=st.integers(1, 4),
    budget=st.sampled_from([0.0, 1.0, 3.0, np.inf]),
    tau=st.floats(0.0, 1.0),
    kind=st.sampled_from(["near", "random", "arbitrary"]),
    check=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_population_and_pooled_match_enumeration(
    L, beta, gamma, alpha, k, m, budget, tau, kind, check, seed
):
    rng = np.random.default_rng(seed)
    V, P = 3, 4
    ys = _answers(L, V)
    rights = rng.integers(0, V, size=(P, L))
    models = [_random_model(rng, L, V, r) for r in rights]
    ps, a = [x[0] for x in models], np.array([x[1] for x in models])
    labelers = [_labeler(beta, kind, ys, r, rng) for r in rights]
    ws, rho = [x[0] for x in labelers], np.array([x[1] for x in labelers])
    kept, q = (
        tk.checked_labels(beta, rho, gamma) if check else (1.0, tk.label_token_accuracy(beta, rho))
    )
    targets = _population_reference(ps, rights, ws, gamma, alpha, k, m, budget, check, ys, L, V)
    offs = [_offset_marginals(t, ys, r, L, V) for t, r in zip(targets, rights, strict=True)]
    mass = np.array([t.sum() for t in targets])
    own = np.array([o[:, 0] / s if s > 0 else a_x for o, s, a_x in zip(offs, mass, a, strict=True)])
    kw = dict(k=k, labels_per_prompt=m, label_budget=budget, kept=kept)
    np.testing.assert_allclose(tk.population_update(a, q, gamma, alpha, **kw), own, atol=1e-12)
    classes = np.array([0, 1, 0, 0])
    pooled = own.copy()
    members = classes == 0
    if mass[members].sum() > 0:
        pooled[members] = (
            sum(o[:, 0] for o, c in zip(offs, members, strict=True) if c) / mass[members].sum()
        )
    if mass[1] > 0:
        pooled[1] = offs[1][:, 0] / mass[1]
    expected = (1 - tau) * own + tau * pooled
    got = tk.pooled_update(a, q, gamma, alpha, classes=classes, tau=tau, **kw)
    np.testing.assert_allclose(got, expected, atol=1e-12)


@given(
    beta=st.floats(0.0, 1.0),
    rho=st.floats(0.0, 1.0),
    gamma=st.floats(0.0, 1.0),
    alpha=st.floats(0.0, 1.0),
    k=st.integers(1, 8),
    a=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    check=st.booleans(),
)
def test_global_update_is_the_homogeneous_population(beta, rho, gamma, alpha, k, a, check):
    a = np.array(a)
    kept, q = (
        tk.checked_labels(beta, np.full(3, rho), gamma)
        if check
        else (1.0, tk.label_token_accuracy(beta, np.full(3, rho)))
    )
    rows = np.tile(a, (5, 1))
    pop = tk.population_update(rows, q, gamma, alpha, k=k, labels_per_prompt=2, kept=kept)
    np.testing.assert_allclose(
        tk.global_update(a, q, gamma, alpha, k=k, kept=kept), pop[0], atol=1e-12
    )
    # With labels and accepted samples both present: (1 - alpha) s + alpha q.
    s = tk.accepted_token_accuracy(a, gamma)
    if 0 < tk.whole_answer(a) < 1 and 0 < gamma < 1 and kept > 0:
        np.testing.assert_allclose(pop[0], (1 - alpha) * s + alpha * q, atol=1e-12)


def test_pooling_at_tau_one_makes_one_table_per_class():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.95, size=(6, 3))
    classes = np.array([0, 0, 0, 1, 1, 2])
    q = tk.label_token_accuracy(0.3, np.full(3, 0.1))
    kw = dict(classes=classes, k=4, labels_per_prompt=2)
    new = tk.pooled_update(a, q, 0.2, 1 / 3, tau=1.0, **kw)
    for c in range(3):
        assert np.allclose(new[classes == c], new[classes == c][0])
    # Afterwards the class moves as one prompt: pooling changes nothing within a class.
    again = tk.pooled_update(new, q, 0.2, 1 / 3, tau=1.0, **kw)
    own = tk.population_update(new, q, 0.2, 1 / 3, k=4, labels_per_prompt=2)
    np.testing.assert_allclose(again, own, atol=1e-12)
    # tau = 0: each prompt alone.
    np.testing.assert_allclose(
        tk.pooled_update(a, q, 0.2, 1 / 3, tau=0.0, **kw),
        tk.population_update(a, q, 0.2, 1 / 3, k=4, labels_per_prompt=2),
    )


def test_wrong_labels_on_hard_prompts_lower_easy_prompts_when_shared():
    """Labels land on the hard prompt only; shared (tau = 1), the easy prompt's accuracy falls
    below its filter-only value when q is below the class's accepted-sample accuracy."""
    a = np.array([[0.95] * 5, [0.3] * 5])  # an easy and a hard prompt of one class
    q = tk.label_token_accuracy(0.3, np.full(5, 0.1))
    kw = dict(classes=np.array([0, 0]), tau=1.0, k=8, labels_per_prompt=8)
    filter_only = tk.pooled_update(a, q, 0.1, 0.0, **kw)
    boosted = tk.pooled_update(a, q, 0.1, 1 / 3, **kw)
    assert boosted[0, 0] < filter_only[0, 0]
    alone = tk.population_update(a, q, 0.1, 1 / 3, k=8, labels_per_prompt=8)
    alone_drop = tk.population_update(a, q, 0.1, 0.0, k=8)[0, 0] - alone[0, 0]
    assert 0 <= alone_drop < 1e-3 * (filter_only[0, 0] - boosted[0, 0])  # alone: barely moved


# ---------------------------------------------------------------------------------------------
# Break-even beta


@given(
    a=st.lists(st.floats(0.01, 0.99), min_size=4, max_size=4),
    rho=st.floats(0.0, 0.9),
    gamma=st.floats(0.05, 0.95),
    alpha=st.floats(0.05, 1.0),
    check=st.booleans(),
)
def test_break_even_beta_sets_the_sign_of_the_labels_effect(a, rho, gamma, alpha, check):
    """Per position, labels raise the homogeneous global fit above filter-only (alpha = 0)
    exactly when beta exceeds the break-even (unchecked or checked)."""
    a = np.array(a)
    s = tk.accepted_token_accuracy(a, gamma)
    rho_v = np.full(4, rho)
    star = tk.break_even_beta_checked(s, rho, gamma) if check else tk.break_even_beta(s, rho)
    for j in range(4):
        for beta in (star[j] - 0.01, star[j] + 0.01):
            if not 0.0 <= beta <= 1.0:
                continue
            if check:
                kept, q = tk.checked_labels(beta, rho_v, gamma)
            else:
                kept, q = 1.0, tk.label_token_accuracy(beta, rho_v)
            gain = tk.global_update(a, q, gamma, alpha, k=8, kept=kept)[j] - s[j]
            assert np.sign(gain) == np.sign(beta - star[j])
    assert np.all(tk.break_even_beta_checked(s, rho, gamma) <= tk.break_even_beta(s, rho) + 1e-15)


def test_break_even_beta_whole():
    s, rho = np.array([0.9, 0.5, 0.7]), np.array([0.1, 0.2, 0.0])
    b = tk.break_even_beta_whole(s, rho)
    assert np.prod(tk.label_token_accuracy(b, rho)) == pytest.approx(np.prod(s), abs=1e-12)
    uniform = tk.break_even_beta_whole(np.full(5, 0.64), np.full(5, 0.1))
    assert uniform == pytest.approx(tk.break_even_beta(0.64, 0.1), abs=1e-12)
    assert uniform == pytest.approx(0.6, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Input checks


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: tk.label_token_accuracy(1.5, 0.1), "beta"),
        (lambda: tk.label_token_accuracy(0.3, -0.1), "rho"),
        (lambda: tk.checked_labels(0.3, 0.1, 2.0), "gamma"),
        (lambda: tk.replace_update(np.full(3, 0.5), 0.5, 0.2, kept=-1.0), "kept"),
        (lambda: tk.replace_update(np.full(3, 0.5), 1.2, 0.2), "q"),
        (lambda: tk.fixed_point(0.5, 0.2, 0), "L"),
        (lambda: tk.global_update(np.full(3, 0.5), 0.5, 0.2, 0.3, k=0), "k"),
        (
            lambda: tk.population_update(np.full((2, 3), 0.5), 0.5, 0.2, 0.3, k=2, mixture="x"),
            "mixture",
        ),
        (
            lambda: tk.pooled_update(np.full((2, 3), 0.5), 0.5, 0.2, classes=[0, 1], tau=2.0, k=2),
            "tau",
        ),
        (
            lambda: tk.pooled_update(np.full((2, 3), 0.5), 0.5, 0.2, classes=[0.5, 1], k=2),
            "classes",
        ),
        (lambda: tk.whole_answer(np.nan), "a"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
