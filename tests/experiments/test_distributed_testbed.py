"""The testbed over 2 processes (`jax.distributed`, one CPU device each) gives the numbers of one
process, and a run stopped by the 2 processes resumes in one process (slow)."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

_TIMEOUT = 600
_SET = ["--preset", "tiny", "--set", "rounds=2", "steps_per_round=4", "base_steps=20"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _command(out, *args):
    return [
        sys.executable,
        "-m",
        "experiments.distributed_testbed",
        *_SET,
        "--out",
        str(out),
        *args,
    ]


def _env():  # one CPU device per process, whatever the caller's XLA_FLAGS ask for
    return dict(os.environ, XLA_FLAGS="", JAX_PLATFORMS="cpu")


@pytest.mark.slow  # three tiny testbed runs, about 2 minutes on 2 shared cores
def test_two_processes_equal_one_and_resume(tmp_path):
    two, one = tmp_path / "two", tmp_path / "one"
    coordinator = f"localhost:{_free_port()}"
    procs = [
        subprocess.Popen(
            _command(two, "--process-id", str(i), "--num-processes", "2", "--stop-after-round", "1")
            + ["--coordinator", coordinator],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=_TIMEOUT)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, log in zip(procs, logs, strict=True):
        assert p.returncode == 0, log
        assert "2 global devices (1 local)" in log, log
    # round 1 by two processes, written by process 0 alone; no metrics yet
    assert (two / "population.msgpack").is_file() and not (two / "metrics.json").exists()
    # resumed in one process from the two processes' checkpoint; and one process throughout
    for out in (two, one):
        subprocess.run(_command(out), check=True, env=_env(), timeout=_TIMEOUT)
    a = json.loads((two / "metrics.json").read_text())
    b = json.loads((one / "metrics.json").read_text())
    assert set(a) == set(b) == {"filter-only", "boosting", "boosting-checked"}
    for arm in b:
        for name in b[arm]:
            x, y = (np.asarray(m[arm][name], dtype=float) for m in (a, b))
            assert x.shape == y.shape == x.shape[:1] + (3,) + x.shape[2:], (arm, name)
            # the order of float reductions only (tests/lm/test_shard.py)
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=f"{arm} {name}")
    timing = json.loads((two / "timing.json").read_text())
    assert timing["population_devices"] == 1  # the resumed part ran in one process
