"""`predict`'s inputs (a run's problems and per-member round metrics), its model and agreement
rule as functions of per-seed arrays (the module doc of `experiments.predict` states them)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from experiments.errors import OptionError
from experiments.fig8_testbed_quality import MEMBER_METRICS, member_arm
from theory import tokens as c8

# ---------------------------------------------------------------------------------------------
# Inputs


def difficulty_lengths(prompts: list[str], n_difficulties: int) -> tuple[np.ndarray, np.ndarray]:
    """Each difficulty's share of the prompts w_n and mean answer length L_n (digits of the sum)
    from prompt strings "a+b=" (difficulty = digits of the operands). [D], [D]"""
    counts, digits = np.zeros(n_difficulties), np.zeros(n_difficulties)
    for text in prompts:
        a, b = (int(x) for x in text.rstrip("=").split("+"))
        n = max(len(str(a)), len(str(b)))
        counts[n - 1] += 1
        digits[n - 1] += len(str(a + b))
    with np.errstate(invalid="ignore"):
        return counts / counts.sum(), np.where(counts > 0, digits / np.maximum(counts, 1), np.nan)


def _population_rounds(run_dir: Path, names: list[str]) -> dict[str, np.ndarray]:
    """Per-member round metrics [members, T + 1, ...] from the population checkpoint (runs that
    did not store them in metrics.json); `names` the members' arms in population order."""
    from experiments import checkpoint
    from experiments.testbed_runs import CHECKPOINT_FILE

    try:
        payload = checkpoint.read_payload(run_dir / CHECKPOINT_FILE)
    except checkpoint.CheckpointError as err:
        raise OptionError(f"run_dir: {err}") from None
    stored = payload["extras"]["metrics"]
    out = {}
    for k in MEMBER_METRICS:
        x = np.asarray(stored[k], np.float64)
        if x.shape[0] != len(names):
            raise OptionError(
                f"run_dir: {CHECKPOINT_FILE} holds {x.shape[0]} members, not {len(names)}"
            )
        out[k] = x
    return out


def fig8_members(run_dir: Path, cfg: dict, metrics: dict) -> dict[str, dict[str, np.ndarray]]:
    """{member arm: {metric: [seeds, T + 1, ...]}} of a fig8 run: from metrics.json's `members`
    when it has them, else from its population checkpoint (members in fig8's order)."""
    if "members" in metrics:
        return {
            a: {k: np.asarray(v, np.float64) for k, v in m.items()}
            for a, m in metrics["members"].items()
        }
    seeds = int(cfg["base"]["seeds"])
    points = [(p["arm"], p["beta"], p["alpha"]) for p in metrics["points"]]
    arms = ["filter-only"] + [member_arm(*p) for p in points]
    names = [a for a in arms for _ in range(seeds)]
    stacked = _population_rounds(run_dir, names)
    return {
        a: {k: v[i * seeds : (i + 1) * seeds] for k, v in stacked.items()}
        for i, a in enumerate(arms)
    }


# ---------------------------------------------------------------------------------------------
# The model


def _round1(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, np.float64)[:, 1]


def _over_rounds(x: np.ndarray) -> np.ndarray:
    """Per seed, the mean over rounds 1..T, NaN where every round is NaN. [seeds]"""
    x = np.asarray(x, np.float64)[:, 1:]
    n = np.sum(~np.isnan(x), axis=1)
    return np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)


def pooled_accuracy(a_n, w, lengths, gamma: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """C8's pooled per-digit accuracy of the accepted samples, s_pool, and the hard-weighted
    answer length L_H, from per-difficulty per-digit accuracies a_n [..., D] (module doc)."""
    a_n = np.asarray(a_n, np.float64)
    ok = (w > 0) & np.isfinite(lengths)
    a = np.where(ok & np.isfinite(a_n), np.clip(a_n, 0.0, 1.0), 0.0)
    L = np.where(ok, lengths, 1.0)
    whole = a**L
    n_acc = k * (whole + gamma * (1.0 - whole))
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(n_acc > 0, 1.0 - gamma * (1.0 - a) / np.where(n_acc > 0, n_acc / k, 1.0), 0.0)
        mass = np.where(ok, w * n_acc * L, 0.0)
        s_pool = np.sum(mass * s, axis=-1) / np.sum(mass, axis=-1)
        hard = np.where(ok, w * ((1.0 - gamma) * (1.0 - whole)) ** k, 0.0)
        l_hard = np.sum(hard * L, axis=-1) / np.sum(hard, axis=-1)
    return s_pool, l_hard


def compare_accuracy(a_h, s_pool, tau: float):
    """s(tau) = (1 - tau) a_H + tau s_pool: the per-digit accuracy labels must beat."""
    return (1.0 - tau) * np.asarray(a_h) + tau * np.asarray(s_pool)


def margins(beta, rho, gamma: float, s):
    """Per seed, (unchecked margin q - s, checked margin q_c - s); rho NaN (no wrong label
    ever given, e.g. an abstaining labeler) means every label is right (q = 1)."""
    beta, rho, s = (np.asarray(x, np.float64) for x in (beta, rho, s))
    none = np.isnan(rho)
    r = np.where(none, 0.0, rho)
    q = np.where(none, 1.0, c8.label_token_accuracy(np.clip(beta, 0, 1), r))
    _, qc = c8.checked_labels(np.clip(beta, 0, 1), r, gamma)
    qc = np.where(none, 1.0, qc)
    return q - s, qc - s


def break_evens(rho, gamma: float, s):
    """Per seed, (unchecked, checked) break-even beta; 0 where no wrong label is ever given."""
    rho, s = np.asarray(rho, np.float64), np.clip(np.asarray(s, np.float64), 0.0, 1.0)
    none = np.isnan(rho)
    r = np.where(none, 0.0, rho)
    return (
        np.where(none, 0.0, c8.break_even_beta(s, r)),
        np.where(none, 0.0, c8.break_even_beta_checked(s, r, gamma)),
    )


def fit_tau(break_even: float, a_h: float, s_pool: float, rho: float) -> float:
    """The tau at which the unchecked break-even (s(tau) - rho) / (1 - rho) equals the measured
    one, clipped to [0, 1]: s_target = rho + beta* (1 - rho)."""
    target = rho + break_even * (1.0 - rho)
    if not np.isfinite(s_pool - a_h) or s_pool == a_h:
        return 0.0
    return float(np.clip((target - a_h) / (s_pool - a_h), 0.0, 1.0))


# ---------------------------------------------------------------------------------------------
# Agreement


def _signs(low: float, high: float) -> set[int]:
    """The signs of the values in [low, high] (a missing end: every sign)."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return {-1, 0, 1}
    out = set()
    if low < 0:
        out.add(-1)
    if low <= 0 <= high:
        out.add(0)
    if high > 0:
        out.add(1)
    return out


def sign_text(low, high) -> str:
    s = _signs(low, high)
    return "+" if s == {1} else "−" if s == {-1} else "±"


def signs_agree(pred: dict, measured: dict) -> bool:
    return bool(
        _signs(pred["ci_low"], pred["ci_high"]) & _signs(measured["ci_low"], measured["ci_high"])
    )


def overlap(a_low, a_high, b_low, b_high) -> bool:
    vals = [a_low, a_high, b_low, b_high]
    if any(v is None or not math.isfinite(v) for v in vals):
        return True  # an interval of unknown width excludes nothing
    return a_low <= b_high and b_low <= a_high


def interval(summary: dict) -> dict:
    """A `ci_summary` record with a single value's missing interval read as that value."""
    out = {k: summary[k] for k in ("mean", "ci_low", "ci_high", "n")}
    if summary["n"] == 1:
        out["ci_low"] = out["ci_high"] = summary["mean"]
    return out


def measured_break_even(record: dict, betas) -> dict:
    """fig8's `break_even` record as an interval: a missing end is 0 (low) or 1 (high); an arm
    above filter-only at every beta breaks even below the smallest beta, one below it at every
    beta above the largest (or never)."""
    beta, low, high = record.get("beta"), record.get("low"), record.get("high")
    if beta is None and record.get("always_above"):
        return {"mean": None, "ci_low": 0.0, "ci_high": float(min(betas))}
    if beta is None and record.get("always_below"):
        return {"mean": None, "ci_low": float(max(betas)), "ci_high": 1.0}
    return {
        "mean": beta,
        "ci_low": 0.0 if low is None else low,
        "ci_high": 1.0 if high is None else high,
    }
