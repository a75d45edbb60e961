"""Faults: checksums of a finished run, the lock against two writers, unwritable paths."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from experiments import compile_cache, driver, longform, registry, rundir
from experiments.cli import main
from experiments.errors import OptionError

ROOT = Path(__file__).resolve().parents[2]
_ENV = dict(os.environ, PYTHONPATH=str(ROOT))

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


@pytest.mark.parametrize("done", ["", "2025-01-01T00:00:00\n", '{"sha256": {"metrics.js', "[]"])
def test_unreadable_done_is_not_complete(tmp_path, capsys, done):
    out = tmp_path / "run"
    _run(out)
    good = (out / "metrics.json").read_text()
    (out / "metrics.json").write_text(good[: len(good) // 2])  # truncated beside it
    (out / "DONE").write_text(done)
    assert not rundir.is_complete(out)
    assert _run(out)[1] == "ran"
    assert "DONE (unreadable" in capsys.readouterr().err
    assert (out / "metrics.json").read_text() == good and rundir.is_complete(out)


def test_read_json_names_its_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"a": [1, 2')
    with pytest.raises(OptionError, match=rf"{path} is not valid JSON"):
        rundir.read_json(path)


def test_force_refuses_a_folder_that_is_not_a_run_directory(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"experiment": "sim", "config": {}}')
    (out / "notes.txt").write_text("my notes")
    for force in (False, True):
        with pytest.raises(OptionError, match="is not a run directory"):
            driver.execute(SIM, SIM.config("tiny"), out, force=force, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "notes.txt"]  # no LOCK
    assert main(["run", "sim", "--preset", "tiny", "--out", str(out), "--force"]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_force_deletes_only_what_a_run_writes(tmp_path, capsys):
    out = tmp_path / "run"
    _run(out)
    (out / "notes.txt").write_text("my notes")
    other = SIM.config("tiny").__class__(**{**vars(SIM.config("tiny")), "seeds": 3})
    with pytest.raises(OptionError, match="different config"):
        driver.execute(SIM, other, out, progress=False)
    assert driver.execute(SIM, other, out, force=True, progress=False)[1] == "ran"
    assert (out / "notes.txt").read_text() == "my notes"
    assert "kept notes.txt" in capsys.readouterr().err
    assert rundir.read_json(out / "config.json")["config"]["seeds"] == 3


def _hold_lock(run_dir):
    """A process that holds the lock of `run_dir` until killed; returns it once it holds it."""
    code = (
        "import sys, time\nfrom experiments import rundir\n"
        "with rundir.locked(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(run_dir)], stdout=subprocess.PIPE, env=_ENV, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_lock_held_by_a_live_process_is_refused(tmp_path):
    out = tmp_path / "run"
    owner = _hold_lock(out)
    try:
        with pytest.raises(OptionError, match=rf"being written by process {owner.pid}"):
            _run(out)
        assert (out / "LOCK").exists()  # not ours to remove
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
    assert _run(out)[1] == "ran"  # the kernel released the dead owner's lock


def test_stale_lock_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "run"
    out.mkdir()
    (out / "LOCK").write_text(f"{dead.pid}\n")
    assert _run(out)[1] == "ran"
    assert not (out / "LOCK").exists()  # released after the run


def test_a_pid_in_lock_without_its_lock_is_taken_over(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "LOCK").write_text(f"{os.getppid()}\n")  # alive, but holds no lock on the file
    assert _run(out)[1] == "ran"


def test_lock_is_exclusive_while_held(tmp_path):
    with rundir.locked(tmp_path) as path:
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(OptionError, match="being written by process"):
            with rundir.locked(tmp_path):
                pass
    assert not path.exists()


def test_lock_that_is_a_directory_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "LOCK").mkdir(parents=True)
    with pytest.raises(OptionError, match="LOCK is a directory, not a lock file; delete it"):
        with rundir.locked(out):
            pass
    assert main(["run", "sim", "--preset", "tiny", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a directory" in err


_RACER = """
import os, sys, time
from pathlib import Path
from experiments import rundir
from experiments.errors import OptionError
root, me, n, trials = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for t in range(trials):
    d = root / str(t)
    (d / "ready" / me).touch()
    while len(os.listdir(d / "ready")) < n:  # all racers start together
        time.sleep(0.0005)
    try:
        with rundir.locked(d):
            try:
                fd = os.open(d / "inside", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                (d / f"double-{me}").touch()
                continue
            time.sleep(0.003)
            os.close(fd)
            os.unlink(d / "inside")
            (d / f"held-{me}").touch()
    except OptionError:
        pass
"""


def _race(root, trials: int, n: int = 6) -> tuple[int, int]:
    """`n` processes race into `rundir.locked` on each of `trials` directories, a third fresh,
    a third with an empty LOCK, a third with a dead process's LOCK. (trials with two holders at
    once, trials where someone held it)"""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for t in range(trials):
        (root / str(t) / "ready").mkdir(parents=True)
        if t % 3 == 1:
            (root / str(t) / "LOCK").write_text("")
        elif t % 3 == 2:
            (root / str(t) / "LOCK").write_text(f"{dead.pid}\n")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(root), str(i), str(n), str(trials)], env=_ENV
        )
        for i in range(n)
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0
    doubles = sum(any((root / str(t)).glob("double-*")) for t in range(trials))
    held = sum(any((root / str(t)).glob("held-*")) for t in range(trials))
    return doubles, held


def test_lock_race_of_six_processes(tmp_path):
    doubles, held = _race(tmp_path, trials=30)
    assert doubles == 0 and held == 30


@pytest.mark.slow
def test_lock_race_of_six_processes_long(tmp_path):
    doubles, held = _race(tmp_path, trials=600)
    assert doubles == 0 and held == 600


def test_checksums_cover_nested_files(tmp_path):
    rundir.mark_run_dir(tmp_path)
    rundir.atomic_write_json(tmp_path / "metrics.json", {"a": 1})
    rundir.atomic_write_bytes(tmp_path / "base" / "params.msgpack", b"\x00" * 64)
    rundir.mark_complete(tmp_path)
    assert "base/params.msgpack" in rundir.read_json(tmp_path / "DONE")["sha256"]
    (tmp_path / "base" / "params.msgpack").write_bytes(b"\x00" * 63 + b"\x01")
    assert rundir.mismatches(tmp_path) == ["base/params.msgpack (changed since the run finished)"]


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
