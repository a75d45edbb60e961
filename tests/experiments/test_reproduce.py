"""`reproduce --preset tiny` end to end: every figure, REPORT.md, skip and resume (slow: about
two minutes; CI's slow step runs it)."""

import json

import pytest

from experiments import registry, rundir
from experiments.cli import main
from experiments.driver import execute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    assert main(["reproduce", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    return out


def _with_figures():
    return list(registry.reproduced().values())


def test_every_figure_and_the_report(reproduced):
    report = (reproduced / "REPORT.md").read_text()
    for exp in _with_figures():
        run_dir = reproduced / exp.name
        assert rundir.is_complete(run_dir), exp.name
        pngs = sorted(run_dir.glob("*.png"))
        assert pngs, exp.name
        for png in pngs:
            assert png.with_suffix(".pdf").exists()
            assert f"({exp.name}/{png.name})" in report
        assert f"python -m experiments run {exp.name} --preset tiny" in report
        assert "(not run yet" not in report
    for fig in ("fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10"):
        assert list(reproduced.glob(f"*/{fig}.png")), fig


def test_the_report_holds_the_calibration(reproduced):
    """REPORT.md's calibration section: the fit of the shipped Gemma numbers, as calibrate
    wrote it, and a Beta whose pass@k are the observed ones (theory.calibration)."""
    from theory import calibration as cal

    report = (reproduced / "REPORT.md").read_text()
    r = json.loads((reproduced / "calibration" / "calibration.json").read_text())
    assert "## calibration" in report and "(calibration/calibration.png)" in report
    assert f"Beta(a = {r['beta_a']:.4g}, b = {r['beta_b']:.4g})" in report
    assert (reproduced / "calibration" / "calibration.png").exists()
    for k, v in {1: 0.4236, 10: 0.706}.items():  # data/real_models.json, TPT's base model
        assert abs(float(cal.pass_at_k(r["beta_a"], r["beta_b"], k)) - v) < 1e-4
    for name in ("filter-only", "boosting", "boosting-uniform"):
        assert f"| {name} | pass@1 | {r['strategies'][name]['pass_at_1'][0]:.3f} |" in report
    assert "python -m experiments calibrate --pass-at-k 1:0.4236,10:0.706" in report


def test_rerun_skips_complete_runs_and_resumes_the_rest(reproduced, capsys):
    metrics = {e.name: (reproduced / e.name / "metrics.json") for e in _with_figures()}
    before = {name: path.stat().st_mtime_ns for name, path in metrics.items()}
    # "Interrupt" fig2: its results and DONE are gone, its config stays.
    (reproduced / "fig2" / "DONE").unlink()
    (reproduced / "fig2" / "metrics.json").unlink()
    assert main(["reproduce", "--preset", "tiny", "--out", str(reproduced), "--quiet"]) == 0
    for name, path in metrics.items():
        if name == "fig2":
            assert path.exists() and rundir.is_complete(path.parent)
        else:
            assert path.stat().st_mtime_ns == before[name], f"{name} was recomputed"
    assert not list(reproduced.rglob("*.tmp")), "a temporary file was left behind"


def test_a_different_config_is_never_silently_reused(reproduced):
    exp = registry.get("fig1")
    other = exp.config("default")
    with pytest.raises(ValueError, match="different config"):
        execute(exp, other, reproduced / "fig1", progress=False)


def test_an_older_results_format_is_recomputed(reproduced, monkeypatch):
    run_dir = reproduced / "fig10"
    saved = json.loads((run_dir / "config.json").read_text())
    saved["format"] = 0
    (run_dir / "config.json").write_text(json.dumps(saved))
    exp = registry.get("fig10")
    _, status = execute(exp, exp.config("tiny"), run_dir, progress=False)
    assert status == "ran"
    assert json.loads((run_dir / "config.json").read_text())["format"] == exp.format
