"""`predict`: C8's prediction of a testbed run, against the closed forms worked by hand on small
hand-made run directories (fig13 and fig8 layouts), its agreement rule, its files and errors."""

import json
import math

import numpy as np
import pytest

from experiments import predict, rundir
from experiments.cli import main
from experiments.errors import OptionError

GAMMA, K = 0.1, 4
# Two difficulties: 1-digit sums of 1 and 2 digits, 2-digit sums of 2 and 3 digits.
TRAIN = ["1+2=", "5+7=", "12+34=", "56+78="]
W, LENGTHS = np.array([0.5, 0.5]), np.array([1.5, 2.5])
A_N = np.array([0.9, 0.5])  # per-digit accuracy by difficulty in round 1
A_H = np.array([0.40, 0.46, 0.43])  # per seed, on the labelled prompts
NAN = float("nan")


def _rounds(first, later, seeds=3, rounds=2):
    """[seeds, T + 1] with round 0 NaN, round 1 `first`, later rounds `later`."""
    x = np.full((seeds, rounds + 1), NAN)
    x[:, 1] = first
    x[:, 2:] = np.asarray(later, float)[:, None] if np.ndim(later) else later
    return x


def _member(rho, beta=0.3):
    by = np.full((3, 3, 2), NAN)
    by[:, 1:] = A_N
    return {
        "labelled_digit_accuracy": _rounds(A_H, 0.2),
        "wrong_label_digit_share": _rounds(rho, rho),
        "label_correct_rate": _rounds(beta, beta),
        "digit_accuracy_by_difficulty": by,
        "labelled_next_accepted": _rounds(NAN, np.array([0.58, 0.60, 0.62])),
    }


def _base():
    return {
        "max_digits": 2,
        "gamma": GAMMA,
        "filter": "gamma",
        "filter_fpr": GAMMA,
        "samples_per_prompt": K,
        "alpha": 1 / 3,
        "beta": 0.3,
        "seeds": 3,
        "wrong_labels": "random",
    }


def _write(path, experiment, metrics, summary=None):
    rundir.write_config(path, experiment, {"base": _base()})
    rundir.atomic_write_json(path / "metrics.json", metrics)
    rundir.atomic_write_json(path / "problems.json", {"train": TRAIN, "test": [], "seed": []})
    if summary is not None:
        rundir.atomic_write_json(path / "summary.json", summary)
    return path


def _gap(values):
    from theory.stats import ci_summary

    return ci_summary(values)


def fig13_dir(path):
    metrics = {
        "random-consistent/boosting": _member(0.1),
        "random-consistent/boosting-checked": _member(0.1),
        "near/boosting": _member(0.8),
    }
    summary = {
        "rows": [
            {
                "row": "random-consistent",
                "boosting": {"gap_to_filter_only": _gap([-0.06, -0.05, -0.07])},
                "boosting-checked": {"gap_to_filter_only": _gap([-0.03, -0.02, -0.04])},
            },
            {
                "row": "near",
                "boosting": {"gap_to_filter_only": _gap([0.05, 0.04, 0.06])},
            },
        ]
    }
    return _write(path, "fig13", metrics, summary)


def fig8_dir(path, measured_beta=0.6):
    betas, fo = [0.3, 1.0], [0.5, 0.52, 0.51]
    points = [
        {"arm": arm, "beta": b, "alpha": 1 / 3, "final": [f + (b - 0.6) for f in fo]}
        for arm in ("boosting", "boosting-checked")
        for b in betas
    ]
    members = {"filter-only": _member(0.1)}
    members |= {
        f"{p['arm']}_beta{p['beta']:.4g}_alpha{1 / 3:.4g}": _member(0.1, p["beta"]) for p in points
    }
    record = {
        "beta": measured_beta,
        "low": 0.5,
        "high": 0.7,
        "always_above": False,
        "always_below": False,
    }
    metrics = {
        "betas": betas,
        "base_alpha": 1 / 3,
        "filter_only": fo,
        "points": points,
        "break_even": {"boosting": record, "boosting-checked": dict(record, low=None)},
        "members": members,
    }
    return _write(path, "fig8", metrics)


def _s_pool():
    """C8's pooled accuracy of accepted samples, worked here from the definitions."""
    whole = A_N**LENGTHS
    acc = whole + GAMMA * (1 - whole)
    s = 1 - GAMMA * (1 - A_N) / acc
    mass = W * K * acc * LENGTHS
    return float(np.sum(mass * s) / np.sum(mass))


def _rows(result, quantity, row, arm):
    [r] = [x for x in result["rows"] if (x["quantity"], x["row"], x["arm"]) == (quantity, row, arm)]
    return r


@pytest.mark.parametrize("tau", [None, 0.5])
def test_fig13_break_evens_and_signs_are_c8(tmp_path, tau):
    result = predict.predict(fig13_dir(tmp_path / "run"), tau=tau)
    s = (1 - (tau or 0.0)) * A_H + (tau or 0.0) * _s_pool()
    rho = 0.1
    unchecked = _rows(result, "break-even beta", "random-consistent", "boosting")["predicted"]
    checked = _rows(result, "break-even beta", "random-consistent", "boosting-checked")["predicted"]
    assert unchecked["mean"] == pytest.approx(np.mean((s - rho) / (1 - rho)), abs=1e-12)
    want_c = GAMMA * (s - rho) / ((1 - s) + GAMMA * (s - rho))
    assert checked["mean"] == pytest.approx(np.mean(want_c), abs=1e-12)
    # unchecked labels at beta = 0.3: q = 0.37 < s, the gap is negative, as measured
    gap = _rows(result, "gap sign", "random-consistent", "boosting")
    assert gap["predicted"]["mean"] == pytest.approx(np.mean(0.3 + 0.7 * rho - s), abs=1e-12)
    assert gap["predicted"]["sign"] == "−" and gap["agree"] is True
    # checked labels: q_c = (beta + gamma (1 - beta) rho) / kappa > s, measured negative
    kappa = 0.3 + GAMMA * 0.7
    gap_c = _rows(result, "gap sign", "random-consistent", "boosting-checked")
    want = (0.3 + GAMMA * 0.7 * rho) / kappa - s
    assert gap_c["predicted"]["mean"] == pytest.approx(np.mean(want), abs=1e-12)
    assert gap_c["predicted"]["sign"] == "+" and gap_c["agree"] is False
    near = _rows(result, "gap sign", "near", "boosting")
    assert near["predicted"]["sign"] == "+" and near["agree"] is True
    assert result["fit"]["value"] == (tau or 0.0) and result["fit"]["fitted_on"] is None
    lh = result["inputs"]["near"]["L_H"]["mean"]
    hard = W * ((1 - GAMMA) * (1 - A_N**LENGTHS)) ** K
    assert lh == pytest.approx(np.sum(hard * LENGTHS) / np.sum(hard))


def test_fig8_fits_tau_on_the_unchecked_arm_only(tmp_path):
    result = predict.predict(fig8_dir(tmp_path / "run"))
    rho, s_pool = 0.1, _s_pool()
    tau = (rho + 0.6 * (1 - rho) - A_H.mean()) / (s_pool - A_H.mean())
    assert result["fit"]["value"] == pytest.approx(tau)
    assert result["fit"]["fitted_on"].startswith("boosting (unchecked)")
    s = (1 - tau) * A_H + tau * s_pool
    unchecked = _rows(result, "break-even beta", "random", "boosting")
    assert unchecked["predicted"]["mean"] == pytest.approx(0.6) and unchecked["note"]
    checked = _rows(result, "break-even beta", "random", "boosting-checked")
    want = GAMMA * (s - rho) / ((1 - s) + GAMMA * (s - rho))
    assert checked["predicted"]["mean"] == pytest.approx(np.mean(want))
    assert checked["measured"]["ci_low"] == 0.0  # a missing end: 0
    assert checked["agree"] is True  # predicted about 0.1 lies in the measured [0, 0.7]
    # gap rows: one per arm and beta, measured paired with filter-only
    gaps = [r for r in result["rows"] if r["quantity"] == "gap sign"]
    assert len(gaps) == 4
    low = [r for r in gaps if r["beta"] == 0.3 and r["arm"] == "boosting"][0]
    assert low["measured"]["mean"] == pytest.approx(-0.3) and low["predicted"]["sign"] == "−"
    assert result["agree"]["of"] == 5  # the fitted row is not counted


def test_agreement_rule():
    assert predict.overlap(0.1, 0.3, 0.25, 0.5) and not predict.overlap(0.1, 0.2, 0.25, 0.5)
    assert predict.signs_agree({"ci_low": -0.2, "ci_high": 0.1}, {"ci_low": 0.05, "ci_high": 0.1})
    assert not predict.signs_agree(
        {"ci_low": 0.1, "ci_high": 0.2}, {"ci_low": -0.1, "ci_high": -0.05}
    )
    assert predict.sign_text(0.1, 0.2) == "+" and predict.sign_text(-0.1, 0.2) == "±"
    rec = predict.measured_break_even({"beta": None, "always_above": True}, [0.2, 0.6])
    assert (rec["ci_low"], rec["ci_high"]) == (0.0, 0.2)


def test_cli_writes_its_own_run_directory(tmp_path, capsys):
    run = fig13_dir(tmp_path / "run")
    before = sorted(p.name for p in run.iterdir())
    out = tmp_path / "pred"
    assert main(["predict", str(run), "--out", str(out)]) == 0
    assert "| gap sign | random-consistent | boosting |" in capsys.readouterr().out
    assert sorted(p.name for p in run.iterdir()) == before  # the run is only read
    m = json.loads((out / "metrics.json").read_text())
    assert m["experiment"] == "fig13" and rundir.is_complete(out)
    assert (out / "metrics.csv").read_text().startswith("quantity,row,arm,beta")
    assert "disagree" in (out / "prediction.md").read_text()
    assert main(["predict", str(run), "--out", str(out), "--tau", "0.3"]) == 0  # rewritten
    assert json.loads((out / "metrics.json").read_text())["fit"]["value"] == 0.3


def test_bad_inputs_name_the_option(tmp_path, capsys):
    run = fig13_dir(tmp_path / "run")
    assert main(["predict", str(run), "--tau", "1.5", "--out", str(tmp_path / "p")]) == 2
    assert "tau must lie in [0, 1]" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "nothing")]) == 2
    assert "run_dir" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    rundir.write_config(tmp_path / "other", "fig1", {})
    with pytest.raises(OptionError, match=r"predict reads \['fig13', 'fig8'\]"):
        predict.predict(tmp_path / "other")
    assert not math.isnan(predict.fit_tau(0.5, 0.4, 0.4, 0.1))  # no spread: tau = 0


def test_next_acceptance_beside_c8(tmp_path):
    """fig13's token columns: measured rho and q = beta + (1 - beta) rho; the measured share of
    labelled prompts accepted next round beside 1 - (1 - p)^k, p = q^L + gamma (1 - q^L), with L
    the hard-weighted answer length worked here by hand."""
    from experiments.predict_report import next_acceptance

    out = next_acceptance(fig13_dir(tmp_path / "f13"))
    whole = A_N**LENGTHS
    hard = W * ((1 - GAMMA) * (1 - whole)) ** K
    length = float(np.sum(hard * LENGTHS) / np.sum(hard))
    for row, rho in (("random-consistent", 0.1), ("near", 0.8)):
        q = 0.3 + 0.7 * rho
        p = q**length + GAMMA * (1 - q**length)
        cells = out[row]
        assert cells["ρ; q"] == f"{rho:.3f}; {q:.3f}"
        measured, predicted = cells["next round accepted: measured / C8"].split(" / ")
        assert measured.startswith("0.600 ± ")
        assert predicted == f"{1 - (1 - p) ** K:.3f}"
