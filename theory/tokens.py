"""Claim C8: weak labels at the level of tokens (docs/framework.md §9), closed forms in NumPy.

One prompt's answer has L tokens; the model is a product of per-position categoricals with
per-token accuracy a_l (the probability of the right token at position l), so the whole answer is
right with probability A = prod_l a_l and E = 1 - A is its error. The verifier checks whole
answers and is gamma-noisy (c = 1, d = gamma). A beta-weak labeler's label is right as a whole
with probability beta; a wrong label has position l right with probability rho_l, so a label has
position l right with probability q_l = beta + (1 - beta) rho_l. The *factored* learner fits each
position's marginal of the training data (expected mode); the *strong* learner fits whole answers
and obeys C3 whatever rho is.

Float64 NumPy throughout. Token-level arrays (a, q, rho) have positions on the last axis,
[..., L]; answer-level ones (beta, gamma, kept, alpha) have the leading shape [...] or are
scalars. Labels may be filtered ("checked") before training: `kept` is then the share of labels
that survive and q the per-token accuracy of the survivors (`checked_labels`). Bad input raises
ValueError naming the argument and its range.
"""

from __future__ import annotations

import numpy as np

_BISECTIONS = 200  # halvings of [0, 1]: the bracket ends below float64 spacing everywhere


# ---------------------------------------------------------------------------------------------
# Input checks


def _unit(name: str, x, *, lo_open: bool = False) -> np.ndarray:
    """x as float64, checked to lie in [0, 1] (or (0, 1] with lo_open)."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x) | (x > 1.0) | ((x <= 0.0) if lo_open else (x < 0.0))
    if np.any(bad):
        interval = "(0, 1]" if lo_open else "[0, 1]"
        raise ValueError(f"{name} must lie in {interval}; got {x[bad].ravel()[0]!r}")
    return x


def _count(name: str, x, *, lo: float) -> float:
    """A scalar count (k, labels per prompt, a budget) at least `lo`; inf allowed for budgets."""
    v = float(x)
    if not (v >= lo) or (np.isinf(v) and name != "label_budget"):
        raise ValueError(f"{name} must be a number >= {lo:g}; got {x!r}")
    if name in ("k", "labels_per_prompt", "rounds") and v != int(v):
        raise ValueError(f"{name} must be an integer >= {lo:g}; got {x!r}")
    return v


def _positions(name: str, a) -> np.ndarray:
    a = _unit(name, a)
    if a.ndim < 1 or a.shape[-1] < 1:
        raise ValueError(f"{name} must have a last axis of positions (length L >= 1)")
    return a


def _whole_error(a: np.ndarray) -> np.ndarray:
    """E = 1 - prod_l a_l over the last axis, accurate when A is close to 1."""
    with np.errstate(divide="ignore"):
        return -np.expm1(np.sum(np.log(a), axis=-1))


def _safe_div(num, den):
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


# ---------------------------------------------------------------------------------------------
# Labels


def _per_token(answer_level: np.ndarray, token_level: np.ndarray) -> np.ndarray:
    """An answer-level array [...] lined up with a token-level one [..., L] (a 0-d token-level
    array means every position alike, and nothing is added)."""
    return answer_level if token_level.ndim == 0 else np.expand_dims(answer_level, -1)


def label_token_accuracy(beta, rho):
    """C8: per-token correctness of a beta-weak label, q_l = beta + (1 - beta) rho_l.

    Args:
      beta: whole-answer correctness of a label. [] or [...]
      rho: share of a wrong label's tokens that are right. [..., L], or [] for all positions
    Returns:
      q, the shape of rho (with beta's leading axes).
    """
    beta, rho = _unit("beta", beta), _unit("rho", rho)
    b = _per_token(beta, rho)
    return b + (1.0 - b) * rho


def checked_labels(beta, rho, gamma):
    """C8: labels passed through the gamma-noisy verifier (the paper's Boosting (A)).

    A right label always passes, a wrong one with probability gamma, so the kept share is
    kappa = beta + gamma (1 - beta) and the kept labels' per-token accuracy is

        q_l = (beta + gamma (1 - beta) rho_l) / kappa.

    gamma = 0 (or a labeler that abstains when it would be wrong) gives q = 1. Where nothing is
    kept (beta = gamma = 0) q is NaN; the update functions give those labels no weight.

    Args:
      beta, gamma: answer-level. [] or [...]
      rho: token-level. [..., L] or []
    Returns:
      (kappa [...], q [..., L]).
    """
    beta, rho, gamma = _unit("beta", beta), _unit("rho", rho), _unit("gamma", gamma)
    kept = beta + gamma * (1.0 - beta)
    b, g, k = (_per_token(x, rho) for x in (beta, gamma, kept))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(k > 0, (b + g * (1.0 - b) * rho) / np.where(k > 0, k, 1.0), np.nan)
    return kept, q


def whole_answer(a):
    """C8: whole-answer accuracy A = prod_l a_l of a factored model (product over the last axis)."""
    return np.prod(_positions("a", a), axis=-1)


def accepted_token_accuracy(a, gamma):
    """C8: per-token accuracy s_l of the samples a gamma-noisy verifier accepts,

        s_l = (A + gamma (a_l - A)) / (A + gamma (1 - A)),   1 - s_l = gamma eps_l / (A + gamma E).

    NaN where nothing is accepted (A = 0 and gamma = 0). [..., L]
    """
    a, gamma = _positions("a", a), _unit("gamma", gamma)
    e = _whole_error(a)[..., None]
    g = np.expand_dims(gamma, -1)
    acc = (1.0 - e) + g * e
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acc > 0, 1.0 - g * (1.0 - a) / np.where(acc > 0, acc, 1.0), np.nan)


# ---------------------------------------------------------------------------------------------
# The replace mixture (one prompt): exact update, threshold, rate, fixed point


def replace_update(a, q, gamma, *, kept=1.0):
    """C8: one round of the replace mixture with the factored learner, exactly.

    Accepted right samples carry mass A, accepted wrong ones gamma (1 - A) (per-token accuracy
    (a_l - A) / (1 - A)), and each rejected sample is replaced by one label, of which a share
    `kept` survives with per-token accuracy q_l. With kept = 1:

        a_l' = A + gamma (a_l - A) + (1 - A)(1 - gamma) q_l,
        eps_l' = gamma eps_l + (1 - gamma)(1 - q_l) E          (eps = 1 - a, E = 1 - A);

    in general

        eps_l' = [gamma eps_l + (1 - gamma) kept (1 - q_l) E] / [1 - (1 - gamma)(1 - kept) E].

    A prompt with no training data (gamma = 0, kept = 0, A = 0) keeps a.

    Args:
      a: per-token accuracies. [..., L]
      q: per-token accuracy of the (kept) labels. [..., L] or broadcastable
      gamma: the verifier's false-positive rate. [] or [...]
      kept: share of labels kept (1 unchecked; `checked_labels` otherwise). [] or [...]
    Returns:
      a'. [..., L]
    """
    a, gamma, kept = _positions("a", a), _unit("gamma", gamma), _unit("kept", kept)
    g, kp = np.expand_dims(gamma, -1), np.expand_dims(kept, -1)
    q = np.asarray(q, dtype=np.float64)
    wrong_tokens = np.where(kp > 0, kp * (1.0 - np.where(kp > 0, q, 0.0)), 0.0)
    _unit("q", np.where(kp > 0, q, 0.0))
    e = _whole_error(a)[..., None]
    den = 1.0 - (1.0 - g) * (1.0 - kp) * e
    eps = g * (1.0 - a) + (1.0 - g) * wrong_tokens * e
    return np.where(den > 0, 1.0 - _safe_div(eps, den), a)


def wrong_tokens_per_label(q, *, kept=1.0):
    """C8: n_w = kept * sum_l (1 - q_l), the expected number of wrong tokens one label slot puts
    into the training data (unchecked: (1 - beta) sum_l (1 - rho_l)). [...]"""
    q, kept = _positions("q", q), _unit("kept", kept)
    return kept * np.sum(1.0 - q, axis=-1)


def converges_to_one(q, *, kept=1.0):
    """C8: True where a = 1 attracts every start at a geometric rate under `replace_update`:

        n_w = kept * sum_l (1 - q_l) < 1   (and gamma < 1; gamma = 1 freezes every a).

    Unchecked labels: (1 - beta) sum_l (1 - rho_l) < 1, for uniform positions q > 1 - 1/L. At
    n_w = 1 exactly (and kept = 1) a -> 1 still, but only like 1/t; for n_w > 1 every start
    other than a = 1 goes to the interior point of `fixed_point`. [...] bool
    """
    return wrong_tokens_per_label(q, kept=kept) < 1.0


def threshold_q(L):
    """C8: the per-token label accuracy above which a = 1 is reached, uniform positions,
    unchecked labels: q > 1 - 1/L (L = 1: q > 0, C3's "any beta > 0")."""
    L = np.asarray(L)
    if np.any(L < 1) or np.any(L != np.floor(L)):
        raise ValueError(f"L must be an integer >= 1; got {L!r}")
    return 1.0 - 1.0 / L.astype(np.float64)


def contraction_rate(q, gamma, *, kept=1.0):
    """C8: the Perron root of the update linearised at a = 1,

        eps' = M eps,  M = gamma I + (1 - gamma) kept (1 - q) 1^T,
        lambda = gamma + (1 - gamma) kept sum_l (1 - q_l);

    M's other L - 1 eigenvalues are gamma. With kept = 1 the exact map satisfies
    eps' <= M eps componentwise (1 - A <= sum_l eps_l), so eps_t <= M^t eps_0 from every start.
    L = 1, q = beta gives C3's rate 1 - (1 - gamma) beta. [...]"""
    gamma = _unit("gamma", gamma)
    return gamma + (1.0 - gamma) * wrong_tokens_per_label(q, kept=kept)


def interior_error(q, *, kept=1.0):
    """C8: the whole-answer error E* of the interior fixed point of `replace_update` (gamma < 1).

    Fixed points satisfy eps_l = kept (1 - q_l) E / (1 - (1 - kept) E), hence the scalar equation

        E = 1 - prod_l (1 - kept (1 - q_l) E / (1 - (1 - kept) E)),

    solved by bisection on (0, 1]. With kept = 1 the right side is concave in E, so E* > 0 exists
    and is unique exactly when n_w > 1; where n_w <= 1 this returns 0 (the point a = 1). [...]
    """
    q, kept = _positions("q", q), _unit("kept", kept)
    u = np.expand_dims(kept, -1) * (1.0 - q)  # [..., L]
    w = 1.0 - kept
    n_w = np.sum(u, axis=-1)
    shape = n_w.shape

    def excess(e):  # right side minus E; > 0 below E*, < 0 above it
        t = e / (1.0 - w * e)
        with np.errstate(divide="ignore"):
            log_keep = np.sum(np.log1p(-np.minimum(u * t[..., None], 1.0)), axis=-1)
        return -np.expm1(log_keep) - e

    lo, hi = np.zeros(shape), np.ones(shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        up = excess(mid) > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return np.where(n_w > 1.0, 0.5 * (lo + hi), 0.0)


def fixed_point_positions(q, *, kept=1.0):
    """C8: per-token accuracies a*_l = 1 - kept (1 - q_l) E* / (1 - (1 - kept) E*) of the
    attracting point of `replace_update` (ones where `converges_to_one`). Independent of gamma
    (gamma < 1): the filter sets the speed, not the limit. [..., L]"""
    q, kept = _positions("q", q), _unit("kept", kept)
    e = interior_error(q, kept=kept)[..., None]
    kp = np.expand_dims(kept, -1)
    return 1.0 - kp * (1.0 - q) * e / (1.0 - (1.0 - kp) * e)


def fixed_point(q, gamma, L, *, kept=1.0, a0=0.0):
    """C8: the per-token accuracy reached from a_0 with every position alike (uniform positions).

    kept = 1: the interior point solves 1 + a + ... + a^(L-1) = 1 / (1 - q) (from
    a - a^L = q (1 - a^L)), which has a root in (0, 1) exactly when q < 1 - 1/L; every start
    a_0 < 1 goes there monotonically, and a_0 = 1 stays. For q >= 1 - 1/L the limit is 1.
    Degenerate cases: gamma = 1, or L = 1 with kept (1 - q) = 1, leave a_0 unchanged.
    The whole answer is fixed_point ** L.

    Args:
      q: per-token accuracy of (kept) labels. []
      gamma: false-positive rate (only gamma = 1 matters: nothing moves). []
      L: answer length. []
      kept: share of labels kept (checked labels). []
      a0: the starting per-token accuracy. []
    Returns:
      a*, broadcast over the arguments.
    """
    q, gamma, kept, a0 = (
        _unit(n, v) for n, v in (("q", q), ("gamma", gamma), ("kept", kept), ("a0", a0))
    )
    L = np.asarray(L)
    threshold_q(L)  # validates L
    q, gamma, kept, a0, L = np.broadcast_arrays(q, gamma, kept, a0, L)
    n_w = kept * L * (1.0 - q)
    # Uniform positions: the scalar equation with L equal factors.
    u = kept * (1.0 - q)
    w = 1.0 - kept
    lo, hi = np.zeros(q.shape), np.ones(q.shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        t = mid / (1.0 - w * mid)
        with np.errstate(divide="ignore"):
            up = -np.expm1(L * np.log1p(-np.minimum(u * t, 1.0))) - mid > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    e = 0.5 * (lo + hi)
    interior = 1.0 - u * e / (1.0 - w * e)
    frozen = (gamma == 1.0) | ((L == 1) & (n_w == 1.0))
    out = np.where(n_w > 1.0, interior, 1.0)
    out = np.where(a0 == 1.0, 1.0, out)
    return np.where(frozen, a0, out)


def iterate(update, a0, rounds: int, **kwargs):
    """Applies `update(a, **kwargs)` `rounds` times. Returns the trajectory [rounds + 1, ...]."""
    rounds = int(_count("rounds", rounds, lo=0))
    traj = [np.asarray(a0, dtype=np.float64)]
    for _ in range(rounds):
        traj.append(update(traj[-1], **kwargs))
    return np.stack(traj)


# ---------------------------------------------------------------------------------------------
# The global mixture with focused allocation (the paper's Algorithm 2, the testbed's form)

MIXTURES = ("global", "replace")


def _training(a, q, gamma, alpha, *, k, labels_per_prompt, label_budget, kept, mixture):
    """Per prompt, the training mass and its mass on wrong tokens, as the simulator's expected
    mode builds them (sim.allocate.focused / rejected, sim.mixtures.global_ / replace).

    Returns:
      mass [P], wrong [P, L]: the factored fit has per-token error wrong / mass.
    """
    if mixture not in MIXTURES:
        raise ValueError(f"mixture must be one of {list(MIXTURES)}; got {mixture!r}")
    a = _positions("a", a)
    if a.ndim != 2:
        raise ValueError(f"a must be [P, L] (prompts, positions); got shape {a.shape}")
    gamma, kept, alpha = _unit("gamma", gamma), _unit("kept", kept), _unit("alpha", alpha)
    if np.ndim(alpha):
        raise ValueError("alpha must be a scalar: one mixture for the whole population")
    k = _count("k", k, lo=1)
    m = _count("labels_per_prompt", labels_per_prompt, lo=1)
    budget = _count("label_budget", label_budget, lo=0)
    n_prompts = a.shape[0]
    gamma, kept = np.broadcast_to(gamma, (n_prompts,)), np.broadcast_to(kept, (n_prompts,))
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), a.shape)
    q = np.where(kept[:, None] > 0, q, 0.0)  # labels that are never kept carry no weight
    _unit("q", q)
    e = _whole_error(a)
    acc = (1.0 - e) + gamma * e  # accepted mass per sample
    rejected = (1.0 - gamma) * e
    if mixture == "replace":  # one label per rejected sample, thinned to the budget
        total = np.sum(k * rejected)
        share = min(1.0, budget / total) if total > 0 else 0.0
        t_s, t_l = k * acc, k * rejected * share * kept
    else:  # hard set: no sample accepted among k, m labels each, global weights
        hard = rejected**k
        n_hard = np.sum(hard)
        share = min(1.0, (budget / m) / n_hard) if n_hard > 0 else 0.0
        n_acc, n_lab = k * acc, m * hard * share * kept
        big_s, big_l = np.sum(n_acc), np.sum(n_lab)
        w_s = _safe_div(1.0 - alpha if big_l > 0 else 1.0, big_s)
        w_l = _safe_div(alpha if big_s > 0 else 1.0, big_l)
        t_s, t_l = w_s * n_acc, w_l * n_lab
    # Accepted samples carry mass t_s with per-token error gamma eps / acc.
    wrong = _safe_div(t_s * gamma, acc)[:, None] * (1.0 - a) + t_l[:, None] * (1.0 - q)
    return t_s + t_l, wrong


def population_update(
    a,
    q,
    gamma,
    alpha,
    *,
    k,
    labels_per_prompt=1,
    label_budget=np.inf,
    kept=1.0,
    mixture="global",
):
    """C8: one expected-mode round of a population of prompts, factored learner, exactly.

    Global mixture (1 - alpha) S + alpha L with focused allocation on the hard set: prompt x
    draws k samples, n_acc(x) = k (A + gamma E) are accepted, it is hard (no sample accepted)
    with probability h(x) = ((1 - gamma) E)^k and then gets m labels (all prompts scaled by one
    share when the hard set needs more than the budget), kept with probability `kept`. Each
    accepted sample weighs (1 - alpha) / N_S, each kept label alpha / N_L (a part that is empty
    drops out), so the fitted per-token accuracy is

        a_l'(x) = (w_s s_l(x) + w_l q_l(x)) / (w_s + w_l),
        w_s = (1 - alpha) n_acc(x) / N_S,   w_l = alpha m h(x) kept / N_L,

    with s_l of `accepted_token_accuracy`. mixture="replace" gives `replace_update` per prompt
    (labels thinned to the budget). A prompt with no data keeps a (the learner continues).

    Args:
      a: per-token accuracies. [P, L]
      q: per-token accuracy of kept labels. [P, L] or broadcastable
      gamma, kept: per prompt or shared. [P] or []
      alpha: weight of weak data (global mixture only). []
      k: samples per prompt; labels_per_prompt: m; label_budget: labels per round.
    Returns:
      a'. [P, L]
    """
    mass, wrong = _training(
        a,
        q,
        gamma,
        alpha,
        k=k,
        labels_per_prompt=labels_per_prompt,
        label_budget=label_budget,
        kept=kept,
        mixture=mixture,
    )
    a = np.asarray(a, dtype=np.float64)
    return np.where(mass[:, None] > 0, 1.0 - _safe_div(wrong, mass[:, None]), a)


def global_update(a, q, gamma, alpha, *, k, kept=1.0):
    """C8: `population_update` (global mixture, focused) when every prompt is alike.

    Assumes: P identical prompts (any P), expected mode, the hard-set allocation with a positive
    budget and any m, the factored learner. Then N_S and N_L are P times one prompt's counts,
    so the weights are 1 - alpha and alpha whatever k, m and the budget:

        a_l' = (1 - alpha) s_l + alpha q_l     while labels are given (h kept > 0),
        a_l' = s_l                             once h = 0 (A = 1 or gamma = 1),
        a_l' = q_l                             when nothing is accepted (A = 0, gamma = 0).

    So a = 1 is a fixed point, but as A -> 1 the labels keep weight alpha and pull the fit to
    (1 - alpha) + alpha q_l: unless q = 1 the population settles below 1 (the expected-mode
    artefact of normalising a vanishing label set; `sim.mixtures.global_`). k enters only
    through h = ((1 - gamma) E)^k, i.e. whether labels exist at all.

    Args:
      a: [..., L]; q: [..., L] or broadcastable; gamma, kept: [...] or []; alpha: [...] or [].
    """
    a, gamma, kept, alpha = (
        _unit(n, v) for n, v in (("a", a), ("gamma", gamma), ("kept", kept), ("alpha", alpha))
    )
    _positions("a", a)
    k = _count("k", k, lo=1)
    g, kp, al = (np.expand_dims(x, -1) for x in (gamma, kept, alpha))
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), np.broadcast_shapes(np.shape(q), a.shape))
    q = np.where(kp > 0, q, 0.0)
    _unit("q", q)
    e = _whole_error(a)[..., None]
    acc = (1.0 - e) + g * e
    has_l = ((1.0 - g) * e) ** k * kp > 0
    has_s = acc > 0
    t_s = np.where(has_s, np.where(has_l, 1.0 - al, 1.0), 0.0)
    t_l = np.where(has_l, np.where(has_s, al, 1.0), 0.0)
    wrong = _safe_div(t_s * g, acc) * (1.0 - a) + t_l * (1.0 - q)
    mass = t_s + t_l
    return np.where(mass > 0, 1.0 - _safe_div(wrong, mass), a)


def pooled_update(
    a,
    q,
    gamma,
    alpha=0.0,
    *,
    classes,
    tau=1.0,
    k,
    labels_per_prompt=1,
    label_budget=np.inf,
    kept=1.0,
    mixture="global",
):
    """C8: sharing across the prompts of a class: the model is (1 - tau) (each prompt's own fit)
    + tau (its class's pooled fit), per position, in coordinates relative to each prompt's right
    token (so accuracies pool directly). The pooled fit is data-weighted:

        a_l'(class) = 1 - sum_{x in class} wrong_l(x) / sum_{x in class} mass(x),

    with mass(x) = w_s(x) + w_l(x) and wrong_l(x) = w_s(x) (1 - s_l(x)) + w_l(x) (1 - q_l(x)) of
    `population_update`. At tau = 1 every prompt of a class has one accuracy after a round, and
    the class then evolves like a single prompt fed the class's pooled data. A class with no
    data, or a prompt with none at tau < 1, keeps its accuracies for that part.

    Args:
      a: [P, L]; q: [P, L] or broadcastable; gamma, kept: [P] or []; alpha: [].
      classes: class index of each prompt. [P] ints
      tau: sharing weight in [0, 1].
      Other arguments as `population_update`.
    Returns:
      a'. [P, L]
    """
    tau = _unit("tau", tau)
    classes = np.asarray(classes)
    a = _positions("a", a)
    if classes.shape != a.shape[:1] or not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(f"classes must be integers of shape {a.shape[:1]}; got {classes!r}")
    mass, wrong = _training(
        a,
        q,
        gamma,
        alpha,
        k=k,
        labels_per_prompt=labels_per_prompt,
        label_budget=label_budget,
        kept=kept,
        mixture=mixture,
    )
    own = np.where(mass[:, None] > 0, 1.0 - _safe_div(wrong, mass[:, None]), a)
    _, inverse = np.unique(classes, return_inverse=True)
    n_classes = inverse.max() + 1
    class_mass = np.zeros(n_classes)
    class_wrong = np.zeros((n_classes, a.shape[1]))
    np.add.at(class_mass, inverse, mass)
    np.add.at(class_wrong, inverse, wrong)
    pooled_mass = class_mass[inverse][:, None]
    pooled = np.where(pooled_mass > 0, 1.0 - _safe_div(class_wrong[inverse], pooled_mass), a)
    return (1.0 - tau) * own + tau * pooled


# ---------------------------------------------------------------------------------------------
# Break-even label quality on a hard prompt


def break_even_beta(s, rho):
    """C8: the beta above which labels raise a position's accuracy where the fit would otherwise
    reach s (s_l of the accepted samples; a_l itself on a prompt with no accepted sample):
    q_l > s_l  <=>  beta > beta* = (s_l - rho_l) / (1 - rho_l), 0 where s_l <= rho_l.

    Uniform positions: q > s also means q^L > s^L, so the whole answer breaks even at the same
    beta (`break_even_beta_whole` for unequal positions). [broadcast of s, rho]
    """
    s, rho = _unit("s", s), _unit("rho", rho)
    return np.clip(_safe_div(s - rho, 1.0 - rho), 0.0, 1.0)


def break_even_beta_checked(s, rho, gamma):
    """C8: the same for labels checked by the gamma-noisy verifier (`checked_labels`):
    q_checked > s  <=>  beta > gamma (s - rho) / ((1 - s) + gamma (s - rho)); 0 where s <= rho
    or gamma = 0 (checked labels are then always right), 1 where s = 1 < 1 + gamma (1 - rho).
    Never above `break_even_beta`. [broadcast of s, rho, gamma]"""
    s, rho, gamma = _unit("s", s), _unit("rho", rho), _unit("gamma", gamma)
    num = gamma * (s - rho)
    return np.clip(_safe_div(num, (1.0 - s) + num), 0.0, 1.0) * (num > 0)


def break_even_beta_whole(s, rho):
    """C8: the smallest beta at which labels alone give a whole answer at least as likely as
    the fit without them: prod_l (beta + (1 - beta) rho_l) = prod_l s_l, by bisection (the left
    side increases with beta). 0 where prod rho >= prod s. [...] from s, rho [..., L]"""
    s, rho = _positions("s", s), _positions("rho", rho)
    s, rho = np.broadcast_arrays(s, rho)
    target = np.prod(s, axis=-1)
    lo, hi = np.zeros(target.shape), np.ones(target.shape)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        low = np.prod(mid[..., None] + (1.0 - mid[..., None]) * rho, axis=-1) < target
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.where(np.prod(rho, axis=-1) >= target, 0.0, 0.5 * (lo + hi))
