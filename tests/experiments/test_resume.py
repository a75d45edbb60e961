"""Resuming the testbed: a checkpoint is used only when it is intact and of this config, resume
is byte-identical to an uninterrupted run, Ctrl-C is one line; checkpoints keyed by path."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
import pytest

from experiments import checkpoint, registry, rundir
from experiments import testbed_runs as testbed
from experiments.driver import execute

ROOT = Path(__file__).resolve().parents[2]
TB = registry.get("testbed")
RESULTS = ("metrics.json", "metrics.csv", "summary.json")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_config, tiny_dir, tiny_setup):
    """An uninterrupted tiny run, and the same run as left by an interruption after round 1."""
    root = tmp_path_factory.mktemp("resume")
    config = dataclasses.replace(tiny_config, strategies=("boosting",))
    whole = root / "whole"
    rundir.mark_run_dir(whole)
    shutil.copytree(tiny_dir / "base", whole / "base")  # the session's base model: same config
    execute(TB, config, whole, progress=False)
    members = testbed.members_of(config)
    testbed.run_population(
        config, members, root / "r1", progress=False, base_dir=whole / "base", stop_after_round=1
    )
    partial = root / "partial"
    shutil.copytree(whole, partial)
    for path in partial.iterdir():
        if path.name in (*RESULTS, "DONE", "timing.json") or path.suffix in (".png", ".pdf"):
            path.unlink()
    shutil.copy(root / "r1" / testbed.CHECKPOINT_FILE, partial / testbed.CHECKPOINT_FILE)
    return config, whole, partial


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _same_results(a: Path, b: Path) -> None:
    for name in RESULTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_resume_is_byte_identical(runs, tmp_path):
    config, whole, partial = runs
    out = _copy(partial, tmp_path / "run")
    assert execute(TB, config, out, progress=False)[1] == "ran"
    _same_results(whole, out)


@pytest.mark.parametrize("fault", ["bit-flip", "truncate"])
def test_a_damaged_checkpoint_is_discarded(runs, tmp_path, capsys, fault):
    config, whole, partial = runs
    out = _copy(partial, tmp_path / "run")
    path = out / testbed.CHECKPOINT_FILE
    data = bytearray(path.read_bytes())
    if fault == "bit-flip":  # one bit of the last stored value: the file stays valid msgpack
        data[-1] ^= 0x01
    else:
        data = data[: len(data) // 2]
    path.write_bytes(bytes(data))
    assert execute(TB, config, out, progress=False)[1] == "ran"
    err = capsys.readouterr().err
    assert f"{path}: corrupt" in err and "it was discarded" in err
    _same_results(whole, out)  # recomputed from round 0: the uninterrupted run's values


def test_a_checkpoint_of_another_config_is_discarded(runs, tmp_path, capsys):
    """config.json deleted, then a run of fewer rounds: the 2-round checkpoint is not its own."""
    config, whole, _ = runs
    out = _copy(whole, tmp_path / "run")
    (out / "config.json").unlink()
    shorter = dataclasses.replace(config, rounds=1)
    assert execute(TB, shorter, out, progress=False)[1] == "ran"
    err = capsys.readouterr().err
    assert f"{out / testbed.CHECKPOINT_FILE}: written by another config" in err
    metrics = rundir.read_json(out / "metrics.json")
    assert np.asarray(metrics["boosting"]["test_accuracy"]).shape == (1, 2)


def test_an_edited_config_json_does_not_relabel_a_checkpoint(runs, tmp_path, capsys):
    config, _, partial = runs
    out = _copy(partial, tmp_path / "run")
    saved = rundir.read_json(out / "config.json")
    saved["config"]["beta"] = 0.9
    rundir.atomic_write_json(out / "config.json", saved)
    other = dataclasses.replace(config, beta=0.9)
    assert execute(TB, other, out, progress=False)[1] == "ran"
    err = capsys.readouterr().err
    assert "population.msgpack: written by another config" in err and "discarded" in err
    assert rundir.read_json(out / "config.json")["config_sha256"] == rundir.config_hash(
        "testbed", other
    )


def test_a_changed_base_model_is_retrained(runs, tmp_path):
    config, whole, partial = runs
    out = _copy(partial, tmp_path / "run")
    path = out / "base" / testbed.PARAMS_FILE
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    assert execute(TB, config, out, progress=False)[1] == "ran"
    assert path.read_bytes() == (whole / "base" / testbed.PARAMS_FILE).read_bytes()
    _same_results(whole, out)


def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments", "run", "testbed", "--preset", "tiny"]
        + ["--out", str(out), "--quiet"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "config.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # inside the run: data, base model or rounds
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted; rerun the same command to resume"
    assert "Traceback" not in err
    assert not (out / "LOCK").exists() and not (out / "DONE").exists()


class _AB(NamedTuple):
    a: jnp.ndarray
    b: jnp.ndarray


class _BA(NamedTuple):  # the same fields, declared in the other order
    b: jnp.ndarray
    a: jnp.ndarray


def test_checkpoints_are_keyed_by_parameter_path(tmp_path):
    path = tmp_path / "ck.msgpack"
    a, b = jnp.arange(3.0), 10.0 + jnp.arange(3.0)
    checkpoint.save(path, _AB(a=a, b=b), config_sha256="h")
    like = _BA(b=jnp.zeros(3), a=jnp.zeros(3))
    restored, _ = checkpoint.load(path, like, config_sha256="h")
    assert isinstance(restored, _BA)
    np.testing.assert_array_equal(restored.a, a)  # by name, not by position
    np.testing.assert_array_equal(restored.b, b)
    renamed = {"x": jnp.zeros(3), "y": jnp.zeros(3)}  # same shapes, other names
    with pytest.raises(checkpoint.CheckpointError, match=r"lacks \['x'\]"):
        checkpoint.load(path, renamed, config_sha256="h")
    with pytest.raises(checkpoint.CheckpointError, match="written by another config"):
        checkpoint.load(path, like, config_sha256="other")
