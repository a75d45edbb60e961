"""Progress through rich: the bar's fields, plain lines in a log, silence when quiet."""

from __future__ import annotations

from experiments import progress as progress_lib
from experiments.cli import main
from experiments.progress import Progress


def test_bar_shows_done_total_eta_and_note(capsys):
    with Progress(4, "demo", unit="arm") as bar:
        bar.log("a kept line")
        bar.advance("first")
        bar.update(4, "last note")
    err = capsys.readouterr().err
    assert "a kept line" in err
    assert "demo" in err and "4/4" in err and "arms" in err and "ETA" in err
    assert "last note" in err


def test_a_log_file_gets_plain_lines_with_eta(capsys, monkeypatch):
    monkeypatch.setattr(progress_lib, "LOG_EVERY_S", 0.0)
    bar = Progress(10, "rounds", unit="step")
    bar.update(5, "round 1/2")
    bar.close()
    err = capsys.readouterr().err
    assert "rounds: 5/10 steps, elapsed 0:00:00, ETA 0:00:00 round 1/2" in err


def test_a_bar_left_open_by_an_error_is_closed():
    bar = Progress(3, "left open")
    assert bar in progress_lib._LIVE
    progress_lib.close_all()
    assert not progress_lib._LIVE and bar._bar is None


def test_quiet_prints_nothing(capsys):
    bar = Progress(3, "quiet", enabled=False)
    bar.advance("x")
    bar.log("never shown")
    bar.close()
    assert capsys.readouterr().err == ""
    assert bar.done == 1


def test_a_simulation_experiment_shows_its_bar(tmp_path, capsys):
    assert main(["run", "sim", "--preset", "tiny", "--out", str(tmp_path / "f")]) == 0
    err = capsys.readouterr().err
    assert "1/1 simulations" in err and "final mean accuracy" in err
