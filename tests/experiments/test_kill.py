"""`kill -9` at any point of `run` or `reproduce`, then a rerun: the same results as an
uninterrupted run, no temporary files left, the stale lock taken over. One test per
experiment (slow: each kills a real process)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments import registry, rundir
from experiments.cli import main

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["sim"] + list(registry.reproduced())
# Where in the run the kill lands, as a share of the uninterrupted run's wall time after the
# run directory appears: spread over the experiments so that early, middle and late kills
# (before, during and after the results are written) are all exercised.
SHARES = (0.05, 0.35, 0.65, 0.95)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert main(["reproduce", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    assert main(["run", "sim", "--preset", "tiny", "--out", str(out / "sim"), "--quiet"]) == 0
    return out


def _same_devices_env() -> dict:
    """The environment with this process's CPU device count forced: the testbed shards its
    population over every device, and a different count changes the last float digits, so the
    killed and rerun processes must see as many devices as the in-process reference did."""
    import jax

    flag = "--xla_force_host_platform_device_count"
    flags = re.sub(rf"{flag}=\d+", "", os.environ.get("XLA_FLAGS", ""))
    count = f"{flag}={jax.local_device_count()}"
    return dict(os.environ, PYTHONPATH=str(ROOT), XLA_FLAGS=f"{flags} {count}".strip())


def _start(argv):
    env = _same_devices_env()
    return subprocess.Popen(
        [sys.executable, "-m", "experiments", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _kill_when(proc, started: Path, delay: float, timeout: float = 300.0) -> None:
    """Waits for `started` to exist (the run is under way), then `delay` s, then SIGKILL."""
    deadline = time.monotonic() + timeout
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()


def _finish(argv) -> None:
    proc = _start(argv)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()[-2000:]


def _wall(run_dir: Path) -> float:
    return float(rundir.read_json(run_dir / "timing.json")["wall_s"])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_kill_9_then_rerun_equals_an_uninterrupted_run(name, reference, tmp_path):
    ref = reference / name
    out = tmp_path / name
    argv = ["run", name, "--preset", "tiny", "--out", str(out), "--quiet"]
    share = SHARES[NAMES.index(name) % len(SHARES)]
    _kill_when(_start(argv), out / rundir.CONFIG_FILE, share * _wall(ref))
    _finish(argv)
    assert rundir.is_complete(out)
    assert (out / rundir.METRICS_FILE).read_bytes() == (ref / rundir.METRICS_FILE).read_bytes()
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"
    assert not (out / "LOCK").exists()


@pytest.mark.slow
def test_kill_9_during_reproduce_then_rerun(reference, tmp_path):
    out = tmp_path / "rep"
    argv = ["reproduce", "--preset", "tiny", "--out", str(out), "--quiet"]
    # twice: in the simulation experiments, then in the testbed
    _kill_when(_start(argv), out / "fig2" / rundir.CONFIG_FILE, 0.5)
    _kill_when(
        _start(argv), out / "testbed" / rundir.CONFIG_FILE, 0.5 * _wall(reference / "testbed")
    )
    _finish(argv)
    for name in NAMES[1:]:
        got = (out / name / rundir.METRICS_FILE).read_bytes()
        assert got == (reference / name / rundir.METRICS_FILE).read_bytes(), name
    assert not list(out.rglob("*.tmp"))
