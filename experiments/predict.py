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

from pathlib import Path

import numpy as np

from experiments import rundir
from experiments.errors import OptionError
from experiments.fig8_testbed_quality import member_arm
from experiments.predict_model import (
    _over_rounds,
    _round1,
    break_evens,
    compare_accuracy,
    difficulty_lengths,
    fig8_members,
    fit_tau,
    margins,
    measured_break_even,
    overlap,
    pooled_accuracy,
    sign_text,
    signs_agree,
)
from experiments.predict_model import interval as _interval
from theory.stats import ci_summary

EXPERIMENTS = ("fig13", "fig8")
PROBLEMS_FILE = "problems.json"
SUMMARY_FILE = "summary.json"
ARMS = ("boosting", "boosting-checked")
FIG13_ROW = "random-consistent"  # the row of a fig13 run drawn in fig12 (the testbed default)


# ---------------------------------------------------------------------------------------------
# Reading a run


def _read(run_dir: Path, name: str):
    path = run_dir / name
    if not path.is_file():
        raise OptionError(f"run_dir: {run_dir} holds no {name}; is it a finished testbed run?")
    return rundir.read_json(path)


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
        members = fig8_members(run_dir, cfg, metrics)
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
    return member_arm(point["arm"], point["beta"], point["alpha"])
