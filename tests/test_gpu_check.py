"""scripts/gpu_check.sh --smoke: the accelerator check's whole path at tiny sizes on the CPU."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_smoke(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--smoke", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = (tmp_path / "steps.txt").read_text()
    assert "rc=0" in steps and "rc=1" not in steps and "rc=124" not in steps, steps
    report = (tmp_path / "REPORT.md").read_text()
    for name in ("fig13", "fig8", "scale", "testbed_paper"):
        assert f"## {name} (" in report, report
    assert "population_speedup=" in (tmp_path / "bench_lm.log").read_text()
    assert "speedup_vs_numpy=" in (tmp_path / "bench_sim.log").read_text()
