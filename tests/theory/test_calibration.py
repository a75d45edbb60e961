"""Beta calibration (theory/calibration.py) against quadrature, Monte Carlo and brute force."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory import calibration as cal

shape = st.floats(0.1, 5.0)  # a, b of Beta(a, b)
seeds = st.integers(0, 2**32 - 1)


def _beta_mean(a, b, log_g, h=1 / 32, tau_max=7.0):
    """E[g(p)] under Beta(a, b) by tanh-sinh quadrature, no gamma function involved.

    p = sigmoid(pi sinh(tau)) maps tau in R onto (0, 1) with doubly exponential decay at both
    ends, so p^(a-1) (1-p)^(b-1) dp = p^a (1-p)^b pi cosh(tau) dtau is smooth even for a, b < 1;
    the trapezoid rule in tau then converges like exp(-1/h): ~1e-12 here. The density's own
    sum is the normaliser. log_g(log p, log(1 - p)) -> log g.
    """
    tau = np.arange(-tau_max, tau_max + h / 2, h)
    y = np.pi * np.sinh(tau)
    log_p, log_q = -np.logaddexp(0.0, -y), -np.logaddexp(0.0, y)
    base = a * log_p + b * log_q + np.log(np.pi * np.cosh(tau))
    weight = np.exp(base - base.max())
    return float(np.sum(weight * np.exp(log_g(log_p, log_q))) / np.sum(weight))


def _log_comb(n, j):
    return math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)


# ---------------------------------------------------------------------------------------------
# The model


@given(a=shape, b=shape, k=st.integers(1, 64))
def test_pass_at_k_matches_quadrature_and_product(x64, a, b, k):
    none = _beta_mean(a, b, lambda lp, lq: k * lq)  # E[(1 - p)^k]
    product = math.prod((b + i) / (a + b + i) for i in range(k))  # B(a, b+k)/B(a, b), term by term
    assert float(cal.no_success_share(a, b, k)) == pytest.approx(none, rel=1e-9)
    assert float(cal.no_success_share(a, b, k)) == pytest.approx(product, rel=1e-12)
    assert float(cal.pass_at_k(a, b, k)) == pytest.approx(1 - product, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("a, b, k", [(0.3, 2.0, 8), (2.0, 0.5, 1), (1.0, 1.0, 32)])
def test_no_success_share_monte_carlo(x64, a, b, k):
    """Prompts p ~ Beta(a, b), k Bernoulli(p) samples each: the share with none correct lies
    within 5 standard errors of B(a, b + k) / B(a, b) (200,000 prompts, seed 0)."""
    rng = np.random.default_rng(0)
    n = 200_000
    none = np.mean(rng.binomial(k, rng.beta(a, b, n)) == 0)
    want = float(cal.no_success_share(a, b, k))
    assert abs(none - want) <= 5 * math.sqrt(want * (1 - want) / n)


@given(a=shape, b=shape)
def test_beta_binomial_pmf_matches_quadrature(x64, a, b):
    n = 12
    pmf = np.asarray(cal.beta_binomial_pmf(a, b, n))
    ref = [
        _beta_mean(a, b, lambda lp, lq, j=j: _log_comb(n, j) + j * lp + (n - j) * lq)
        for j in range(n + 1)
    ]
    np.testing.assert_allclose(pmf, ref, rtol=1e-9, atol=1e-15)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert pmf @ np.arange(n + 1) == pytest.approx(n * a / (a + b), rel=1e-12)
    assert pmf[0] == pytest.approx(float(cal.no_success_share(a, b, n)), rel=1e-12)


def test_beta_binomial_pmf_monte_carlo(x64):
    """Share of prompts with j of n correct, simulated (200,000 prompts, seed 1): every bin
    within 5 binomial standard errors of the pmf."""
    a, b, n, count = 0.6, 1.7, 10, 200_000
    rng = np.random.default_rng(1)
    freq = np.bincount(rng.binomial(n, rng.beta(a, b, count)), minlength=n + 1) / count
    pmf = np.asarray(cal.beta_binomial_pmf(a, b, n))
    assert np.all(np.abs(freq - pmf) <= 5 * np.sqrt(pmf * (1 - pmf) / count))


# ---------------------------------------------------------------------------------------------
# Fitting to pass@k

pairs = st.sampled_from([(1, 2), (1, 8), (2, 16), (4, 5), (3, 64)])


@given(a=shape, b=shape, ks=pairs)
def test_fit_beta_recovers_a_beta_from_two_values(x64, a, b, ks):
    pk = {k: float(cal.pass_at_k(a, b, k)) for k in ks}
    fa, fb = cal.fit_beta(pk)
    assert fa == pytest.approx(a, rel=1e-4) and fb == pytest.approx(b, rel=1e-4)


@given(a=shape, b=shape)
def test_fit_beta_recovers_a_beta_from_many_values(x64, a, b):
    pk = {k: float(cal.pass_at_k(a, b, k)) for k in (1, 2, 4, 8, 16, 32)}
    fa, fb = cal.fit_beta(pk)
    assert fa == pytest.approx(a, rel=1e-4) and fb == pytest.approx(b, rel=1e-4)


def _logit_cost(a, b, pk):
    """sum_k [logit pass@k(a, b) - logit observed_k]^2, pass@k by the product formula."""
    logit = lambda p: math.log(p) - math.log1p(-p)  # noqa: E731
    model = {k: 1 - math.prod((b + i) / (a + b + i) for i in range(k)) for k in pk}
    return sum((logit(model[k]) - logit(v)) ** 2 for k, v in pk.items())


@given(a=shape, b=shape, seed=seeds)
def test_fit_beta_least_squares_is_a_minimum(x64, a, b, seed):
    """Noisy pass@k (logits jittered by up to 0.05): the fit's logit cost is no larger than at
    the truth, nor anywhere on a grid of +-5% around the fit."""
    rng = np.random.default_rng(seed)
    ks = (1, 2, 4, 8, 16)
    exact = np.asarray([float(cal.pass_at_k(a, b, k)) for k in ks])
    noisy = 1 / (1 + np.exp(-(np.log(exact / (1 - exact)) + rng.uniform(-0.05, 0.05, len(ks)))))
    noisy = np.maximum.accumulate(noisy + 1e-9 * np.arange(len(ks)))  # keep them increasing
    pk = dict(zip(ks, noisy.tolist(), strict=True))
    fa, fb = cal.fit_beta(pk)
    best = _logit_cost(fa, fb, pk)
    assert best <= _logit_cost(a, b, pk) + 1e-12
    for da, db in itertools.product(np.linspace(0.95, 1.05, 5), repeat=2):
        assert best <= _logit_cost(fa * da, fb * db, pk) + 1e-12


@pytest.mark.parametrize(
    "pk, match",
    [
        ({1: 0.3}, "at least two"),
        ({}, "at least two"),
        ({0: 0.1, 2: 0.3}, "k must be an integer >= 1"),
        ({1.5: 0.1, 2: 0.3}, "k must be an integer >= 1"),
        ({1: 0.0, 2: 0.3}, r"pass_at_k\[1\] must lie in \(0, 1\)"),
        ({1: 0.3, 2: 1.0}, r"pass_at_k\[2\] must lie in \(0, 1\)"),
        ({1: -0.2, 2: 0.3}, r"pass_at_k\[1\] must lie in \(0, 1\)"),
        ({1: 0.3, 4: 0.3}, "increase strictly with k"),
        ({4: 0.3, 1: 0.5}, "increase strictly with k"),
        ({1: 0.3, 2: 0.55}, "no Beta"),  # above 1 - 0.7^2 = 0.51: more than a point mass gives
        ({1: 0.3, 2: 0.4, 4: 0.39}, "increase strictly with k"),
    ],
)
def test_fit_beta_bad_input(pk, match):
    with pytest.raises(ValueError, match=match):
        cal.fit_beta(pk)


def test_fit_beta_bad_weights():
    with pytest.raises(ValueError, match="weights"):
        cal.fit_beta({1: 0.3, 2: 0.4, 4: 0.5}, weights={1: 1.0, 2: 1.0})
    with pytest.raises(ValueError, match="weights"):
        cal.fit_beta({1: 0.3, 2: 0.4, 4: 0.5}, weights={1: 1.0, 2: 1.0, 4: 0.0})


# ---------------------------------------------------------------------------------------------
# Fitting to counts


def test_empirical_pass_at_k_is_the_subset_probability(x64):
    """One prompt, j of n correct: the estimator is the share of k-subsets of its n samples
    holding a correct one (brute-force enumeration)."""
    n = 7
    for j, k in itertools.product(range(n + 1), range(1, n + 1)):
        samples = [1] * j + [0] * (n - j)
        subsets = list(itertools.combinations(samples, k))
        want = sum(any(s) for s in subsets) / len(subsets)
        got = cal.empirical_pass_at_k([j], n, [k])
        assert got[k] == pytest.approx(want, abs=1e-12)


@given(a=shape, b=shape)
def test_fits_recover_the_population_exactly(x64, a, b):
    """Counts in their expected proportions (prompt weights = the beta-binomial pmf): the
    unbiased pass@k is exact, and so are the moment and the maximum-likelihood fits."""
    n = 16
    j = np.arange(n + 1)
    pmf = np.asarray(cal.beta_binomial_pmf(a, b, n))
    pk = cal.empirical_pass_at_k(j, n, [1, 4, 16], prompt_weights=pmf)
    for k, v in pk.items():
        assert v == pytest.approx(float(cal.pass_at_k(a, b, k)), rel=1e-9)
    for fit in (cal.fit_beta_moments, cal.fit_beta_ml):
        fa, fb = fit(j, n, prompt_weights=pmf)
        assert fa == pytest.approx(a, rel=1e-6) and fb == pytest.approx(b, rel=1e-6)


def _observed_information(a, b, j, n):
    """Minus the Hessian of the log-likelihood in (log a, log b), by central differences."""
    h = 1e-4

    def ll(u, v):
        return cal.beta_binomial_loglik(math.exp(u), math.exp(v), j, n)

    u, v = math.log(a), math.log(b)
    huu = (ll(u + h, v) - 2 * ll(u, v) + ll(u - h, v)) / h**2
    hvv = (ll(u, v + h) - 2 * ll(u, v) + ll(u, v - h)) / h**2
    huv = (ll(u + h, v + h) - ll(u + h, v - h) - ll(u - h, v + h) + ll(u - h, v - h)) / (4 * h * h)
    return -np.asarray([[huu, huv], [huv, hvv]])


@pytest.mark.parametrize("a, b, n", [(0.7, 1.5, 16), (0.2, 3.0, 8), (4.0, 0.4, 10)])
def test_fit_beta_ml_recovers_simulated_counts(x64, a, b, n):
    """20,000 prompts p ~ Beta(a, b), n samples each (seed 2): the ML fit lies within 4
    standard errors of the truth in log a and log b (errors from the observed information),
    and the moment fit within 10%."""
    rng = np.random.default_rng(2)
    j = rng.binomial(n, rng.beta(a, b, 20_000))
    fa, fb = cal.fit_beta_ml(j, n)
    se = np.sqrt(np.diag(np.linalg.inv(_observed_information(fa, fb, j, n))))
    assert np.all(np.abs(np.log([fa / a, fb / b])) <= 4 * se), (fa, fb, se)
    ma, mb = cal.fit_beta_moments(j, n)
    assert ma == pytest.approx(a, rel=0.1) and mb == pytest.approx(b, rel=0.1)


@given(seed=seeds)
def test_fit_beta_ml_maximises_the_likelihood(x64, seed):
    """Few prompts with different n: the fit beats every point of a 21 x 21 grid over
    log a, log b in [-2.5, 2.5] and the likelihood is flat there (central differences)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(3, 12, 40)
    j = rng.binomial(n, rng.beta(0.8, 1.2, 40))
    j[0], j[1] = 0, n[1]  # at least one success and one failure
    fa, fb = cal.fit_beta_ml(j, n)
    best = cal.beta_binomial_loglik(fa, fb, j, n)
    for u, v in itertools.product(np.linspace(-2.5, 2.5, 21), repeat=2):
        assert best >= cal.beta_binomial_loglik(math.exp(u), math.exp(v), j, n) - 1e-9
    h = 1e-6
    for du, dv in ((h, 0), (0, h)):
        up = cal.beta_binomial_loglik(fa * math.exp(du), fb * math.exp(dv), j, n)
        down = cal.beta_binomial_loglik(fa * math.exp(-du), fb * math.exp(-dv), j, n)
        if max(fa, fb) < math.exp(19):  # an interior optimum (no edge from underdispersion)
            assert abs(up - down) / (2 * h) <= 1e-4


@given(a=shape, b=shape)
def test_beta_binomial_loglik_is_the_log_pmf(x64, a, b):
    n = 9
    j = np.asarray([0, 3, 3, 9, 5])
    pmf = np.asarray(cal.beta_binomial_pmf(a, b, n))
    assert cal.beta_binomial_loglik(a, b, j, n) == pytest.approx(np.sum(np.log(pmf[j])), rel=1e-10)
    w = np.asarray([0.5, 1.0, 2.0, 0.0, 1.5])
    got = cal.beta_binomial_loglik(a, b, j, n, prompt_weights=w)
    assert got == pytest.approx(np.sum(w * np.log(pmf[j])), rel=1e-10)


@pytest.mark.parametrize(
    "successes, trials, weights, match",
    [
        ([0, 3, 11], 10, None, r"successes must be integers in \[0, trials\]"),
        ([0, -1, 2], 10, None, r"successes must be integers in \[0, trials\]"),
        ([0, 1.5, 2], 10, None, r"successes must be integers in \[0, trials\]"),
        ([0, 1, 2], 0, None, "trials must be integers >= 1"),
        ([0, 1, 2], [3, 4, 2.5], None, "trials must be integers >= 1"),
        ([0, 0, 0], 10, None, "at least one success and one failure"),
        ([10, 10], 10, None, "at least one success and one failure"),
        ([[1, 2]], 10, None, "successes must be a non-empty 1-D array"),
        ([1, 2], 10, [1.0, -1.0], "prompt_weights"),
        ([1, 2], 10, [1.0], "prompt_weights"),
    ],
)
def test_count_fits_bad_input(successes, trials, weights, match):
    for fit in (cal.fit_beta_moments, cal.fit_beta_ml):
        with pytest.raises(ValueError, match=match):
            fit(successes, trials, prompt_weights=weights)
    with pytest.raises(ValueError, match=match):
        cal.beta_binomial_loglik(1.0, 1.0, successes, trials, prompt_weights=weights)


def test_count_fits_bad_options():
    with pytest.raises(ValueError, match="ks"):
        cal.empirical_pass_at_k([1, 2], 4, [5])
    with pytest.raises(ValueError, match="trials: the moment fit needs"):
        cal.fit_beta_moments([0, 1], 1)


# ---------------------------------------------------------------------------------------------
# Per-prompt accuracy


@given(a=shape, b=shape)
def test_prompt_accuracy_raw_and_posterior(x64, a, b):
    n = 10
    j = np.arange(n + 1)
    raw = np.asarray(cal.prompt_accuracy(j, n, prior=None))
    np.testing.assert_allclose(raw, j / n)
    post = np.asarray(cal.prompt_accuracy(j, n, prior=(a, b)))
    # E[p | j of n] = E[p^(j+1) (1-p)^(n-j)] / E[p^j (1-p)^(n-j)] under the Beta prior.
    ref = [
        _beta_mean(a, b, lambda lp, lq, j=j: (j + 1) * lp + (n - j) * lq)
        / _beta_mean(a, b, lambda lp, lq, j=j: j * lp + (n - j) * lq)
        for j in range(n + 1)
    ]
    np.testing.assert_allclose(post, ref, rtol=1e-8)
    assert post[0] > 0 and post[-1] < 1  # never-solved prompts keep a positive accuracy
    pmf = np.asarray(cal.beta_binomial_pmf(a, b, n))
    assert pmf @ post == pytest.approx(a / (a + b), rel=1e-10)  # back to the prior mean
    assert pmf @ raw == pytest.approx(a / (a + b), rel=1e-10)  # raw is unbiased too


def test_prompt_accuracy_needs_an_explicit_prior():
    with pytest.raises(TypeError):
        cal.prompt_accuracy([0, 1], 2)  # the choice decides how many prompts C2 blocks
