"""Faults: checksums of a finished run, the lock against two writers, unwritable paths."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from experiments import compile_cache, driver, longform, registry, rundir
from experiments.errors import OptionError

SIM = registry.get("sim")


def _run(out, capsys=None):
    return driver.execute(SIM, SIM.config("tiny"), out, progress=False)


def test_done_records_checksums(tmp_path):
    out = tmp_path / "run"
    assert _run(out)[1] == "ran"
    done = json.loads((out / "DONE").read_text())
    assert set(done["sha256"]) >= {"config.json", "metrics.json", "metrics.csv", "timing.json"}
    assert rundir.is_complete(out) and not rundir.mismatches(out)
    assert _run(out)[1] == "skipped"


def test_truncated_metrics_is_reported_and_recomputed(tmp_path, capsys):
    out = tmp_path / "run"
    _run(out)
    good = (out / "metrics.json").read_text()
    (out / "metrics.json").write_text(good[: len(good) // 2])
    assert not rundir.is_complete(out)
    assert _run(out)[1] == "ran"
    assert "metrics.json (changed since the run finished); recomputing" in capsys.readouterr().err
    assert (out / "metrics.json").read_text() == good and rundir.is_complete(out)


def test_missing_result_is_recomputed(tmp_path):
    out = tmp_path / "run"
    _run(out)
    (out / "metrics.csv").unlink()
    assert rundir.mismatches(out) == ["metrics.csv (missing)"]
    assert _run(out)[1] == "ran"


def test_old_done_without_checksums_is_still_complete(tmp_path):
    out = tmp_path / "run"
    _run(out)
    (out / "DONE").write_text("2025-01-01T00:00:00\n")
    assert rundir.is_complete(out) and _run(out)[1] == "skipped"


def test_lock_held_by_a_live_process_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "LOCK").write_text(f"{os.getppid()}\n")  # our parent: alive
    with pytest.raises(OptionError, match=rf"being written by process {os.getppid()}"):
        _run(out)
    assert (out / "LOCK").exists()  # not ours to remove


def test_stale_lock_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "run"
    out.mkdir()
    (out / "LOCK").write_text(f"{dead.pid}\n")
    assert _run(out)[1] == "ran"
    assert not (out / "LOCK").exists()  # released after the run


def test_lock_is_exclusive_while_held(tmp_path):
    with rundir.locked(tmp_path) as path:
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(OptionError, match="being written by process"):
            with rundir.locked(tmp_path):
                pass
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OptionError, match=rf"cannot write {ro}"):
            rundir.atomic_write_json(ro / "metrics.json", {"a": 1})
    finally:
        ro.chmod(0o700)


def test_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rundir.os, "replace", full)
    with pytest.raises(OptionError, match=r"cannot write .*metrics.json: No space left on device"):
        rundir.atomic_write_json(tmp_path / "metrics.json", {"a": 1})
    assert not list(tmp_path.iterdir())  # no temp file left behind


def test_metrics_csv_long_form(tmp_path):
    metrics = {"a": {"b": [[1.0, 2.0], [3.0, None]]}, "c": [5.0, 6.0], "s": 7, "names": ["x"]}
    text = longform.to_csv(metrics, "e", {"seeds": 2})
    lines = text.splitlines()
    assert lines[0] == "experiment,arm,seed,round,metric,value"
    assert "e,a,0,1,b,2.0" in lines and "e,a,1,1,b," in lines  # null -> empty
    assert "e,,,0,c,5.0" in lines and "e,,,,s,7.0" in lines
    assert not any(",names," in line for line in lines)
    (tmp_path / "metrics.csv").write_text(text)
    import experiments

    table = experiments.load(tmp_path)
    values = np.asarray(table["value"], dtype=float)
    assert len(values) == 7 and np.isnan(values).sum() == 1


def test_load_without_pandas(tmp_path, monkeypatch):
    (tmp_path / "metrics.csv").write_text(longform.to_csv({"c": [5.0, 6.0]}, "e", {}))
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    table = longform.load(tmp_path)
    assert isinstance(table, dict) and list(table["round"]) == [0.0, 1.0]
    assert list(table["metric"]) == ["c", "c"] and np.isnan(table["seed"]).all()


def test_compile_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compile_cache.cache_dir() == tmp_path / "escaping-collapse" / "jax"
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    assert compile_cache.cache_dir() == tmp_path / "mine"
    assert compile_cache.enable(off=True) is None
