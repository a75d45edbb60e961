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
