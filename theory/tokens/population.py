"""C8: populations of prompts: the global mixture with focused allocation, sharing."""

from __future__ import annotations

import numpy as np

from theory.tokens.labels import _count, _positions, _safe_div, _unit, _whole_error

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
