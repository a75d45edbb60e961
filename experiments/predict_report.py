"""`predict`'s tables and files: the rows as CSV and markdown, the run directory it writes, and
the break-evens as fig12 points (see `experiments.predict` for the model)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from experiments import rundir
from experiments.predict import FIG13_ROW, predict

CSV_FILE = "metrics.csv"
MARKDOWN_FILE = "prediction.md"


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


# ---------------------------------------------------------------------------------------------
# Token-level measurements beside C8's predictions (fig13's REPORT.md table)


def next_acceptance(run_dir) -> dict[str, dict[str, str]]:
    """Per row of a fig13 run, for its unchecked arm: the measured share ρ of right digits in the
    wrong labels and the measured β; C8's per-digit accuracy q = β + (1 − β)ρ that the labels
    teach; and the measured share of labelled prompts with an accepted sample in the next round
    (`labelled_next_accepted`, rounds 2..T, mean ± 95% CI over seeds) beside C8's
    1 − (1 − p)^k with p = q^L + γ(1 − q^L) the chance that one of k samples passes the γ-noisy
    verifier, L the labelled prompts' mean answer length: what a learner that fits each label
    completely would see. An abstaining labeler's ρ is undefined (no prediction)."""
    import numpy as np

    from experiments.predict_model import _over_rounds
    from theory.stats import ci_summary

    run_dir = Path(run_dir)
    result = predict(run_dir)
    metrics = rundir.read_json(run_dir / rundir.METRICS_FILE)
    k = int(result["samples_per_prompt"])
    out = {}
    for row, inp in result["inputs"].items():
        member = metrics.get(f"{row}/boosting")
        if member is None:
            continue
        beta, rho, length = (inp[key]["mean"] for key in ("beta", "rho", "L_H"))
        q = None if beta is None or rho is None else beta + (1.0 - beta) * rho
        nxt = ci_summary(_over_rounds(np.asarray(member["labelled_next_accepted"], np.float64)))
        half = nxt["half_width"]
        measured = _fmt(nxt["mean"]) + ("" if half is None else f" ± {_fmt(half)}")
        gamma = float(result["gamma"])
        whole = None if q is None or length is None else q**length
        predicted = None if whole is None else 1.0 - (1.0 - whole - gamma * (1.0 - whole)) ** k
        out[row] = {
            "ρ; q": f"{_fmt(rho)}; {_fmt(q)}",
            "next round accepted: measured / C8": f"{measured} / {_fmt(predicted)}",
        }
    return out
