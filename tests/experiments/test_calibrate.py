"""`python -m experiments calibrate`: the Beta fit through the command line, eta, bad input."""

import json

import jax
import numpy as np
import pytest

from experiments.calibrate import beta_quantiles, fit_eta
from experiments.cli import main
from theory import calibration as cal


def test_calibrate_recovers_a_known_beta(tmp_path, capsys):
    a, b = 0.35, 0.6
    with jax.enable_x64(True):
        p1, p8 = (float(cal.pass_at_k(a, b, k)) for k in (1, 8))
    out = tmp_path / "cal"
    argv = ["calibrate", "--pass-at-k", f"1:{p1!r},8:{p8!r}", "--k", "4", "--rounds", "2"]
    argv += ["--prompts", "200"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    m = json.loads((out / "calibration.json").read_text())
    assert m["beta_a"] == pytest.approx(a, abs=1e-4) and m["beta_b"] == pytest.approx(b, abs=1e-4)
    *_, fit, last = capsys.readouterr().out.strip().splitlines()
    assert fit.startswith("beta_a=") and " beta_b=" in fit and " eta=" in fit
    assert last == f"calibrate: ran -> {out}"
    assert (out / "calibration.png").exists()
    for name in ("filter-only", "boosting", "boosting-uniform"):
        s = m["strategies"][name]
        assert len(s["pass_at_1"]) == 3 and s["pass_at_1"][0] == pytest.approx(a / (a + b), 2e-3)
        np.testing.assert_allclose(np.sum(s["histogram"], axis=1), 1.0, atol=1e-5)


def test_fit_eta_is_the_mean_of_one_sampled_round():
    a0 = beta_quantiles(0.3, 0.4, 500)
    assert np.mean(a0) == pytest.approx(0.3 / 0.7, abs=2e-3)
    eta = fit_eta(a0, 5, 0.5)
    gain = np.mean((1 - a0) * (1 - (1 - a0) ** 5))
    assert np.mean(a0) + eta * gain == pytest.approx(0.5)
    with pytest.raises(ValueError, match="--after"):
        fit_eta(a0, 5, 0.99)


@pytest.mark.parametrize(
    "extra,option",
    [
        (["--pass-at-k", "1:0.5,10:0.4"], "pass-at-k"),  # not increasing
        (["--pass-at-k", "1:0.5,10:1.2"], "pass-at-k"),  # outside (0, 1)
        (["--pass-at-k", "1:0.5;10:0.6"], "pass-at-k"),  # malformed
        (["--pass-at-k", "1:0.4,10:0.7", "--beta-hard", "1.5"], "beta_hard"),
        (["--pass-at-k", "1:0.4,10:0.7", "--gamma-hard", "1"], "gamma_hard"),
        (["--pass-at-k", "1:0.4,10:0.7", "--after", "1:0.99"], "--after"),
        (["--counts", "/nonexistent.json"], "--counts"),
    ],
)
def test_bad_input_names_the_option(tmp_path, capsys, extra, option):
    assert main(["calibrate", *extra, "--rounds", "1", "--out", str(tmp_path), "--quiet"]) == 2
    assert option in capsys.readouterr().err


def _counts(tmp_path, text):
    path = tmp_path / "counts.json"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "extra, message",
    [
        # each pair is possible for some Beta, the three together for none
        (["--pass-at-k", "1:0.2,2:0.25,10:0.85"], "no Beta(a, b) reproduces 1:0.2,2:0.25,10:0.85"),
        (["--pass-at-k", "1:0.3,1:0.4,8:0.7"], "gives k = 1 twice (0.3 and 0.4)"),
        (["--pass-at-k", "1:0.3,8:0.7", "--counts", "c.json"], "two sources for one fit"),
    ],
)
def test_contradictory_pass_at_k_is_refused(tmp_path, capsys, extra, message):
    argv = ["calibrate", *extra, "--rounds", "1", "--out", str(tmp_path / "o"), "--quiet"]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"samples_per_prompt": 4, "per_prompt": {"a": 1, "b": 2.5}}', "got 2.5"),
        ('{"samples_per_prompt": 4, "per_prompt": {"a": 1, "b": true}}', "got True"),
        ('{"samples_per_prompt": 4.5, "per_prompt": {"a": 1}}', "samples_per_prompt must be"),
        ('{"samples_per_prompt": 4, "per_prompt": {"a": 1, "a": 3}}', "'a' appears twice"),
    ],
)
def test_malformed_counts_are_refused(tmp_path, capsys, text, message):
    argv = ["calibrate", "--counts", _counts(tmp_path, text), "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "counts.json" in err


def test_whole_number_counts_are_accepted(tmp_path):
    from experiments.calibrate import load_counts

    j, n = load_counts(_counts(tmp_path, '{"samples_per_prompt": 4.0, "per_prompt": {"a": 3}}'))
    assert n == 4 and j.tolist() == [3.0]


def test_calibrate_follows_run_directory_rules(tmp_path, capsys):
    out = tmp_path / "cal"
    base = ["calibrate", "--k", "4", "--rounds", "1", "--prompts", "50", "--seeds", "1"]
    base += ["--out", str(out), "--quiet"]
    assert main([*base, "--pass-at-k", "1:0.4,8:0.8"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"calibrate: ran -> {out}"
    assert main([*base, "--pass-at-k", "1:0.4,8:0.8"]) == 0  # same inputs: reused
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"calibrate: skipped -> {out}"
    first = (out / "calibration.json").read_bytes()
    assert main([*base, "--pass-at-k", "1:0.3,8:0.8"]) == 2  # other inputs: refused
    assert "holds a run of a different config" in capsys.readouterr().err
    assert (out / "calibration.json").read_bytes() == first
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    argv = [*base, "--pass-at-k", "1:0.4,8:0.8", "--force"]
    assert main([a if a != str(out) else str(mine) for a in argv]) == 2
    assert "is not a run directory" in capsys.readouterr().err


@pytest.mark.slow  # about 20 s: two calibrations
def test_reproduce_verifies_the_calibration(tmp_path, capsys, monkeypatch):
    from experiments import reproduce

    sizes = dict(prompts=50, seeds=1, rounds=1)
    monkeypatch.setitem(reproduce.CALIBRATION_SIZES, "tiny", sizes)
    argv = ["reproduce", "--preset", "tiny", "--only", "calibration", "--out", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 0
    path = tmp_path / "calibration" / "calibration.json"
    good = json.loads(path.read_text())
    edited = dict(good, beta_a=123.0)
    path.write_text(json.dumps(edited))
    assert main(argv) == 0
    assert "calibration.json (changed since the run finished); recomputing" in (
        capsys.readouterr().err
    )
    assert json.loads(path.read_text())["beta_a"] == good["beta_a"]
    report = (tmp_path / "REPORT.md").read_text()
    assert f"a = {good['beta_a']:.4g}" in report and "a = 123" not in report
