"""A sweep over 2 processes (`jax.distributed`, one CPU device each) gives the numbers of one."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

_TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _command(out, *args):
    return [sys.executable, "-m", "experiments.distributed_sweep", "--out", str(out), *args]


def _env():
    # One CPU device per process, whatever the caller's XLA_FLAGS ask for.
    return dict(os.environ, XLA_FLAGS="", JAX_PLATFORMS="cpu")


@pytest.mark.slow
def test_two_process_sweep_equals_one_process(tmp_path):
    one_path, two_path = tmp_path / "one.npz", tmp_path / "two.npz"
    coordinator = f"localhost:{_free_port()}"
    procs = [
        subprocess.Popen(
            _command(
                two_path,
                *("--process-id", str(i), "--num-processes", "2"),
                *("--coordinator", coordinator),
            ),
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
    subprocess.run(_command(one_path), check=True, env=_env(), timeout=_TIMEOUT)

    one, two = np.load(one_path), np.load(two_path)
    assert set(one) == set(two)
    assert {name.split("_")[0] for name in one} == {"expected", "sampled"}
    for name in one:
        assert one[name].shape == (6, 4, 11), name
        np.testing.assert_allclose(two[name], one[name], rtol=1e-6, atol=1e-7, err_msg=name)
    # The seeds differ in sampled mode, so the processes really ran different keys alike.
    assert np.ptp(one["sampled_mean_accuracy"][:, :, -1], axis=1).max() > 0
