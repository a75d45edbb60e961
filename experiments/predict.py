"""`predict`: the token-level theory (claim C8, `theory.tokens`) predicts a testbed run from the
run's own measurements.

Reads a finished testbed run directory, `fig13` (kinds of wrong label, unchecked `boosting` and
checked `boosting-checked`) or `fig8` (a beta sweep of both arms), and predicts per seed

- the break-even beta of unchecked labels, beta* = (s - rho) / (1 - rho), and of checked labels,
  beta*_c = gamma (s - rho) / ((1 - s) + gamma (s - rho)) (`theory.tokens.break_even_beta`,
  `break_even_beta_checked`);
- the sign of each arm's gap boosting - filter-only: the sign of the margin q - s, with
  q = beta + (1 - beta) rho the labels' per-digit correctness (unchecked) or the per-digit
  correctness of the labels the verifier keeps (checked, `theory.tokens.checked_labels`).

s is the per-digit accuracy the labels compete with. Alone, a labelled (hard) prompt has no
accepted sample, so labels raise it iff q > a_H, the model's own per-digit accuracy there
(C8's break-even on a hard prompt). A network shares what it learns across prompts; C8's
sharing model (`theory.tokens.pooled_update`, weight tau) puts the comparison between that and
the pooled accuracy of the training data, whose accepted samples dominate it:

    s(tau) = (1 - tau) a_H + tau s_pool.

tau is the ONE free parameter. On a fig8 run it is fitted on the unchecked arm only (the tau at
which the predicted unchecked break-even equals the measured one); the checked arm and every gap
sign are then out of sample. On a fig13 run (no break-even measured) tau = 0 unless given
(`--tau`, e.g. the value fitted on a fig8 run of the same preset). The size of a gap is not
predicted: C8's learner fits its data to completion each round, the testbed takes a fixed number
of optimiser steps, and a scale between the two would be a second free parameter.

Measured inputs, per seed (round 1 is the base model's samples, the same for every arm and
beta of a seed):
- a_H: `labelled_digit_accuracy` in round 1 (per-digit accuracy on the prompts given labels);
- rho: `wrong_label_digit_share`, mean over rounds (per row: each kind of wrong label);
- beta: `label_correct_rate`, mean over rounds (the base labeler's is whatever it measures);
- a_n: `digit_accuracy_by_difficulty` in round 1, with each difficulty's share of training
  prompts and mean answer length L_n (digits of the sum) from the run's problems.json:
  s_pool = sum_n w_n n_acc,n L_n s_n / sum_n w_n n_acc,n L_n, with s_n C8's per-token accuracy
  of accepted samples (`accepted_token_accuracy`) at a_n on L_n positions, n_acc,n =
  k (A_n + gamma (1 - A_n)), A_n = a_n^L_n; the testbed answer length shown in fig12 is the
  hard-weighted mean L_H = sum_n w_n h_n L_n / sum_n w_n h_n, h_n = ((1 - gamma)(1 - A_n))^k.
gamma, k and alpha come from config.json.

Intervals: the prediction is made per seed and summarised as mean and 95% t-interval over seeds
(`theory.stats.ci_summary`). Agreement rule: a break-even agrees when the predicted interval and
the measured one overlap; a gap sign agrees when the predicted margin's interval and the
measured gap's interval contain a value of the same sign (an interval that contains 0 contains
every sign). A measured break-even interval end that does not exist (the band never crosses 0
within the betas run) is taken as 0 (low end) or 1 (high end).

Command: `python -m experiments predict RUN_DIR [--tau T] [--out DIR]` writes metrics.json (the
whole result), metrics.csv (the table) and prediction.md (the markdown table) into a run
directory of its own (default runs/predict-NAME), never into RUN_DIR.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.errors import OptionError
from theory import tokens as c8
from theory.stats import ci_summary

EXPERIMENTS = ("fig13", "fig8")
PROBLEMS_FILE = "problems.json"
SUMMARY_FILE = "summary.json"
CSV_FILE = "metrics.csv"
MARKDOWN_FILE = "prediction.md"
ARMS = ("boosting", "boosting-checked")
FIG13_ROW = "random-consistent"  # the row of a fig13 run drawn in fig12 (the testbed default)
# Per-member round metrics the prediction reads (fig8 keeps them in metrics.json `members`).
MEMBER_METRICS = (
    "labelled_digit_accuracy",
    "wrong_label_digit_share",
    "label_correct_rate",
    "digit_accuracy_by_difficulty",
)


# ---------------------------------------------------------------------------------------------
# Reading a run


def _read(run_dir: Path, name: str):
    path = run_dir / name
    if not path.is_file():
        raise OptionError(f"run_dir: {run_dir} holds no {name}; is it a finished testbed run?")
    return rundir.read_json(path)


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
    from flax import serialization

    from experiments.checkpoint import MAGIC
    from experiments.testbed_runs import CHECKPOINT_FILE

    data = (run_dir / CHECKPOINT_FILE).read_bytes()
    body = data[len(MAGIC) + 32 :]
    if not data.startswith(MAGIC) or hashlib.sha256(body).digest() != data[len(MAGIC) :][:32]:
        raise OptionError(f"run_dir: {run_dir / CHECKPOINT_FILE} is corrupt or of another version")
    stored = serialization.msgpack_restore(body)["extras"]["metrics"]
    out = {}
    for k in MEMBER_METRICS:
        x = np.asarray(stored[k], np.float64)
        if x.shape[0] != len(names):
            raise OptionError(
                f"run_dir: {CHECKPOINT_FILE} holds {x.shape[0]} members, not {len(names)}"
            )
        out[k] = x
    return out


def _fig8_members(run_dir: Path, cfg: dict, metrics: dict) -> dict[str, dict[str, np.ndarray]]:
    """{member arm: {metric: [seeds, T + 1, ...]}} of a fig8 run: from metrics.json's `members`
    when it has them, else from its population checkpoint (members in fig8's order)."""
    if "members" in metrics:
        return {
            a: {k: np.asarray(v, np.float64) for k, v in m.items()}
            for a, m in metrics["members"].items()
        }
    from experiments.fig8_testbed_quality import _arm

    seeds = int(cfg["base"]["seeds"])
    points = [(p["arm"], p["beta"], p["alpha"]) for p in metrics["points"]]
    arms = ["filter-only"] + [_arm(*p) for p in points]
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


def _interval(summary: dict) -> dict:
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


# ---------------------------------------------------------------------------------------------
# Prediction


def _inputs(members: dict, gamma: float, k: int, w, lengths) -> dict[str, np.ndarray]:
    """Per seed inputs of one set of members (one row of fig13, or every boosting member of a
    fig8 run, stacked along a leading member axis)."""
    a_h = np.nanmean(np.stack([_round1(m["labelled_digit_accuracy"]) for m in members]), axis=0)
    rho = (
        np.nanmean(np.stack([_over_rounds(m["wrong_label_digit_share"]) for m in members]), 0)
        if any(
            np.any(np.isfinite(np.asarray(m["wrong_label_digit_share"], np.float64)))
            for m in members
        )
        else np.full(a_h.shape, np.nan)
    )
    a_n = np.nanmean(
        np.stack(
            [np.asarray(m["digit_accuracy_by_difficulty"], np.float64)[:, 1] for m in members]
        ),
        axis=0,
    )
    s_pool, l_hard = pooled_accuracy(a_n, w, lengths, gamma, k)
    return {"a_H": a_h, "rho": rho, "s_pool": s_pool, "L_H": l_hard}


def _row(quantity, row, arm, beta, predicted, measured, *, agree, note="") -> dict:
    return {
        "quantity": quantity,
        "row": row,
        "arm": arm,
        "beta": beta,
        "predicted": predicted,
        "measured": measured,
        "agree": agree,
        "note": note,
    }


def _gap_rows(row, beta_label, inp, beta_measured, gamma, tau, measured_gaps, note="") -> list:
    s = compare_accuracy(inp["a_H"], inp["s_pool"], tau)
    out = []
    for arm, margin in zip(ARMS, margins(beta_measured, inp["rho"], gamma, s), strict=True):
        if arm not in measured_gaps:
            continue
        pred = _interval(ci_summary(margin))
        pred["sign"] = sign_text(pred["ci_low"], pred["ci_high"])
        meas = dict(measured_gaps[arm])
        meas["sign"] = sign_text(meas["ci_low"], meas["ci_high"])
        out.append(
            _row(
                "gap sign",
                row,
                arm,
                beta_label,
                pred,
                meas,
                agree=signs_agree(pred, meas),
                note=note,
            )
        )
    return out


def _break_even_rows(row, inp, gamma, tau, measured: dict, fitted_arm=None) -> list:
    s = compare_accuracy(inp["a_H"], inp["s_pool"], tau)
    out = []
    for arm, be in zip(ARMS, break_evens(inp["rho"], gamma, s), strict=True):
        pred = _interval(ci_summary(be))
        for end in ("ci_low", "ci_high"):  # a break-even beta lies in [0, 1]
            pred[end] = float(np.clip(pred[end], 0.0, 1.0))
        meas = measured.get(arm)
        agree = (
            None
            if meas is None
            else overlap(pred["ci_low"], pred["ci_high"], meas["ci_low"], meas["ci_high"])
        )
        note = "fitted (tau)" if arm == fitted_arm else ""
        out.append(_row("break-even beta", row, arm, None, pred, meas, agree=agree, note=note))
    return out


def _summary_inputs(inp: dict) -> dict:
    return {k: _interval(ci_summary(v)) for k, v in inp.items()}


def predict(run_dir, *, tau: float | None = None) -> dict:
    """The prediction of a fig13 or fig8 run directory (module doc). Returns a JSON-able dict
    with `rows` (one per predicted quantity) and the inputs, fit and rule used."""
    run_dir = Path(run_dir)
    saved = _read(run_dir, rundir.CONFIG_FILE)
    name = saved.get("experiment")
    if name not in EXPERIMENTS:
        raise OptionError(
            f"run_dir: {run_dir} is a run of {name!r}; predict reads {list(EXPERIMENTS)}"
        )
    if tau is not None and not 0.0 <= tau <= 1.0:
        raise OptionError(f"tau must lie in [0, 1]; got {tau!r}")
    cfg = saved["config"]
    base = cfg["base"]
    gamma, k = float(base["gamma"]), int(base["samples_per_prompt"])
    if base.get("filter", "gamma") != "gamma":
        gamma = float(base["filter_fpr"])
    metrics = _read(run_dir, rundir.METRICS_FILE)
    problems = _read(run_dir, PROBLEMS_FILE)
    w, lengths = difficulty_lengths(problems["train"], int(base["max_digits"]))
    result = {
        "experiment": name,
        "run_dir": str(run_dir),
        "gamma": gamma,
        "samples_per_prompt": k,
        "alpha": base["alpha"],
        "agreement": "break-even: predicted and measured 95% intervals overlap; gap sign: the "
        "predicted margin q - s and the measured gap have intervals holding a value of the "
        "same sign (an interval holding 0 holds every sign)",
        "model": "s(tau) = (1 - tau) a_H + tau s_pool; unchecked beta* = (s - rho)/(1 - rho), "
        "checked gamma (s - rho)/((1 - s) + gamma (s - rho)); gap sign = sign(q - s)",
    }
    rows: list[dict] = []
    if name == "fig13":
        summary = _read(run_dir, SUMMARY_FILE)
        tau_used = 0.0 if tau is None else tau
        inputs = {}
        for entry in summary["rows"]:
            row = entry["row"]
            arms = [a for a in ARMS if f"{row}/{a}" in metrics]
            members = [metrics[f"{row}/{a}"] for a in arms]
            inp = _inputs(members[:1], gamma, k, w, lengths)
            beta_m = _over_rounds(members[0]["label_correct_rate"])
            inputs[row] = _summary_inputs({**inp, "beta": beta_m})
            gaps = {a: _interval(entry[a]["gap_to_filter_only"]) for a in ARMS if a in entry}
            rows += _break_even_rows(row, inp, gamma, tau_used, {})
            rows += _gap_rows(row, base["beta"], inp, beta_m, gamma, tau_used, gaps)
        result["fit"] = {
            "parameter": "tau",
            "value": tau_used,
            "fitted_on": None,
            "why": "given (--tau)"
            if tau is not None
            else "not fitted: a fig13 run measures no "
            "break-even (tau = 0: each labelled prompt alone)",
        }
    else:
        fo = np.asarray(metrics["filter_only"], np.float64)
        members = _fig8_members(run_dir, cfg, metrics)
        alpha = float(metrics["base_alpha"])
        boosted = [m for a, m in members.items() if a != "filter-only"]
        inp = _inputs(boosted, gamma, k, w, lengths)
        kind = base.get("wrong_labels", "random")
        measured = {
            arm: measured_break_even(metrics["break_even"][arm], metrics["betas"])
            for arm in ARMS
            if arm in metrics["break_even"]
        }
        if tau is not None:
            tau_used, fit = tau, {"fitted_on": None, "why": "given (--tau)"}
        elif measured.get("boosting", {}).get("mean") is not None:
            mean = {key: float(np.nanmean(v)) for key, v in inp.items()}
            tau_used = fit_tau(
                measured["boosting"]["mean"], mean["a_H"], mean["s_pool"], mean["rho"]
            )
            fit = {
                "fitted_on": "boosting (unchecked) break-even beta",
                "why": "the tau at which the predicted unchecked break-even equals the measured "
                "one (seed-mean inputs); the checked arm and the gap signs are out of sample",
            }
        else:
            tau_used, fit = (
                0.0,
                {
                    "fitted_on": None,
                    "why": "not fitted: the unchecked arm's "
                    "gap never crosses 0 within the betas run",
                },
            )
        result["fit"] = {"parameter": "tau", "value": tau_used, **fit}
        fitted_arm = "boosting" if fit["fitted_on"] else None
        rows += _break_even_rows(kind, inp, gamma, tau_used, measured, fitted_arm)
        for p in metrics["points"]:
            if p["alpha"] != alpha:
                continue
            gap = _interval(ci_summary(np.asarray(p["final"], np.float64) - fo))
            arm_members = members[_arm_name(p)]
            beta_m = _over_rounds(arm_members["label_correct_rate"])
            rows += _gap_rows(kind, p["beta"], inp, beta_m, gamma, tau_used, {p["arm"]: gap})
        inputs = {kind: _summary_inputs(inp)}
    result["inputs"] = inputs
    result["rows"] = rows
    counted = [r for r in rows if r["agree"] is not None and not r["note"]]
    result["agree"] = {"agree": sum(r["agree"] for r in counted), "of": len(counted)}
    return result


def _arm_name(point: dict) -> str:
    from experiments.fig8_testbed_quality import _arm

    return _arm(point["arm"], point["beta"], point["alpha"])


# ---------------------------------------------------------------------------------------------
# Tables


def _fmt(x, digits: int = 3) -> str:
    return (
        "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}f}"
    )


def _cell(rec: dict | None, signed: bool = False) -> str:
    if rec is None:
        return "—"
    fmt = (lambda v: "—" if v is None else f"{v:+.3f}") if signed else _fmt  # noqa: E731
    text = f"{fmt(rec.get('mean'))} [{fmt(rec['ci_low'])}, {fmt(rec['ci_high'])}]"
    return f"{rec['sign']} {text}" if "sign" in rec else text


def table_rows(result: dict) -> list[dict]:
    """One flat record per row: the CSV's and the markdown table's."""
    out = []
    for r in result["rows"]:
        signed = r["quantity"] == "gap sign"
        agree = "n/a" if r["agree"] is None else ("agree" if r["agree"] else "disagree")
        out.append(
            {
                "quantity": r["quantity"],
                "row": r["row"],
                "arm": r["arm"],
                "beta": "" if r["beta"] is None else f"{r['beta']:.3g}",
                "predicted (95% CI)": _cell(r["predicted"], signed),
                "measured (95% CI)": _cell(r["measured"], signed),
                "agree": agree + (f" ({r['note']})" if r["note"] else ""),
            }
        )
    return out


def markdown(result: dict) -> str:
    rows = table_rows(result)
    head = list(rows[0]) if rows else ["quantity"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    fit = result["fit"]
    lines.append("")
    lines.append(
        f"tau = {fit['value']:.3f} ({fit['why']}). Gap signs: predicted margin q − s per digit; "
        f"measured final accuracy boosting − filter-only. {result['agreement']}. "
        f"Agree: {result['agree']['agree']} of {result['agree']['of']} rows not fitted."
    )
    return "\n".join(lines)


def csv_text(result: dict) -> str:
    rows = table_rows(result)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["quantity"])
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write(result: dict, out) -> Path:
    """Writes the prediction into its own run directory `out` (metrics.json, metrics.csv,
    prediction.md, config.json, DONE) under the run-directory rules."""
    out = Path(out)
    rundir.check_usable(out, "--out")
    with rundir.locked(out):
        if rundir.is_run_dir(out):
            rundir.clear(out)
        rundir.write_config(
            out,
            "predict",
            {"run_dir": str(Path(result["run_dir"]).resolve()), "tau": result["fit"]["value"]},
        )
        rundir.atomic_write_json(out / rundir.METRICS_FILE, result)
        rundir.atomic_write_bytes(out / CSV_FILE, csv_text(result).encode())
        rundir.atomic_write_bytes(out / MARKDOWN_FILE, (markdown(result) + "\n").encode())
        rundir.mark_complete(out)
    return out


# ---------------------------------------------------------------------------------------------
# For fig12: break-evens as points


def fig12_points(run_dir) -> list[dict]:
    """A testbed run's break-evens as fig12 points {"label", "length", "beta", "lo", "hi",
    "source"}: predicted ones (source "predicted") and, for fig8, measured ones ("measured");
    of a fig13 run only its `FIG13_ROW` row. A measured break-even with no crossing is drawn
    at the middle of its interval."""
    result = predict(run_dir)
    name = Path(run_dir).name
    kinds = list(result["inputs"])
    if result["experiment"] == "fig13":  # the testbed's default wrong labels only
        kinds = [FIG13_ROW if FIG13_ROW in kinds else kinds[0]]
    points = []
    for r in result["rows"]:
        if r["quantity"] != "break-even beta" or r["row"] not in kinds:
            continue
        length = result["inputs"][r["row"]]["L_H"]["mean"]
        short = "checked" if r["arm"] == "boosting-checked" else "unchecked"
        tag = f"{name} {short}"
        p = r["predicted"]
        points.append(
            {
                "label": f"{tag}: C8",
                "length": length,
                "beta": p["mean"],
                "lo": p["ci_low"],
                "hi": p["ci_high"],
                "source": "predicted",
            }
        )
        m = r["measured"]
        if m is not None:
            beta = m["mean"] if m["mean"] is not None else 0.5 * (m["ci_low"] + m["ci_high"])
            points.append(
                {
                    "label": f"{tag}: measured",
                    "length": length,
                    "beta": beta,
                    "lo": m["ci_low"],
                    "hi": m["ci_high"],
                    "source": "measured",
                }
            )
    return points
