"""The filter role: acceptance probabilities (c on correct, d on incorrect responses)."""

from __future__ import annotations

import jax.numpy as jnp

from sim.types import Array, Params, Task, check_range, filter_fpr


def acceptance(correct: Array, tpr: Array, fpr: Array) -> Array:
    """Probability that the (c, d) filter accepts a response: c if it is correct, else d.

    Args:
      correct: bool array of any shape [..., N] (a table [P, V] or samples [P, k]).
      tpr, fpr: scalars or per-prompt [P] (broadcast over the last axis).
    """
    tpr, fpr = jnp.asarray(tpr), jnp.asarray(fpr)
    tpr = tpr[..., None] if tpr.ndim >= 1 else tpr
    fpr = fpr[..., None] if fpr.ndim >= 1 else fpr
    return jnp.where(correct, tpr, fpr)


def cd_filter(task: Task, params: Params) -> Array:
    """Acceptance probability of every (prompt, response): c if correct, d otherwise.

    Covers every filter of framework §3 through (c, d): perfect (1, 0), gamma-noisy (1, gamma),
    general (c, d), none (1, 1); `params.filter_tpr` / `filter_fpr` of shape [P] give a
    per-prompt filter, and `params.gamma_hard` a false-positive rate d(x) that depends on the
    base accuracy (framework §8, `sim.types.filter_fpr`).

    Returns:
      [P, V] acceptance probabilities.
    """
    accept = acceptance(task.correct, params.filter_tpr, filter_fpr(task, params))
    return accept.astype(task.base_probs.dtype)


# Named filters, as (filter_tpr, filter_fpr) pairs for `make_params`.


def perfect() -> dict:
    """Accepts exactly the correct responses (c = 1, d = 0)."""
    return dict(filter_tpr=1.0, filter_fpr=0.0)


def noisy(gamma: float) -> dict:
    """The gamma-noisy filter: every correct response, and a wrong one with probability gamma."""
    check_range("gamma", gamma)
    return dict(filter_tpr=1.0, filter_fpr=gamma)


def general(tpr, fpr) -> dict:
    """A filter accepting correct responses with probability tpr and wrong ones with fpr."""
    check_range("filter_tpr", tpr)
    check_range("filter_fpr", fpr)
    return dict(filter_tpr=tpr, filter_fpr=fpr)


def none() -> dict:
    """No curation: every sample is accepted (c = d = 1)."""
    return dict(filter_tpr=1.0, filter_fpr=1.0)


NAMED = {"perfect": perfect, "gamma": noisy, "general": general, "none": none}


def resolve(name: str, *, gamma=0.0, filter_tpr=1.0, filter_fpr=0.0) -> tuple[float, float]:
    """(c, d) of the filter called `name`, the one place a filter name becomes its rates.

    `gamma` is read by the gamma-noisy filter only, (`filter_tpr`, `filter_fpr`) by the general
    one; the others have fixed rates. Raises ValueError naming a bad name or value.
    """
    if name not in NAMED:
        raise ValueError(f"filter must be one of {sorted(NAMED)}; got {name!r}")
    if name == "gamma":
        rates = noisy(gamma)
    elif name == "general":
        rates = general(filter_tpr, filter_fpr)
    else:
        rates = NAMED[name]()
    return rates["filter_tpr"], rates["filter_fpr"]
