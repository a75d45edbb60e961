"""Smoke runs say so: a `tiny` run's figures and REPORT.md carry the mark, other presets' do
not; `run` prints its result table and its run directory; `run sim` draws a figure."""

from __future__ import annotations

import json

import pytest
from matplotlib.figure import Figure

from experiments import registry
from experiments.cli import main
from experiments.reproduce import write_report
from figures.style import smoke_mark

MARK = "numbers mean nothing"


@pytest.fixture
def titles(monkeypatch):
    """The title of every figure saved (once per figure, not per format)."""
    seen = {}
    original = Figure.savefig

    def savefig(self, *args, **kwargs):
        seen[id(self)] = self.get_suptitle()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return seen


def test_run_sim_draws_a_marked_figure_and_prints_its_directory(tmp_path, capsys, titles):
    out = tmp_path / "sim"
    assert main(["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    assert (out / "sim.png").stat().st_size > 10_000 and (out / "sim.pdf").exists()
    assert str(out) in capsys.readouterr().out
    (title,) = titles.values()
    assert title.startswith(smoke_mark("tiny")) and MARK in smoke_mark("tiny")
    # The same run directory recorded under another preset: its figure is not marked.
    config = json.loads((out / "config.json").read_text())
    assert config["preset"] == "tiny"
    (out / "config.json").write_text(json.dumps({**config, "preset": "default"}))
    titles.clear()
    assert main(["figure", str(out)]) == 0
    (title,) = titles.values()
    assert MARK not in title and title.startswith("boosting")


def test_run_prints_its_table_and_the_report_is_marked(tmp_path, capsys):
    out = tmp_path / "fig10"
    assert main(["run", "fig10", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    rows = registry.get("fig10").report(out)
    header = next(i for i, line in enumerate(printed) if line.startswith("| never solved"))
    for row, line in zip(rows, printed[header + 2 :], strict=False):
        assert [c.strip() for c in line.strip("|").split("|")] == list(row.values())
    assert any(smoke_mark("tiny") in line for line in printed)
    assert printed[-1] == f"fig10: ran -> {out}"
    tiny = write_report(tmp_path, "tiny", ["fig10"]).read_text()
    assert tiny.count(smoke_mark("tiny")) >= 2  # at the top and under the table
    assert MARK not in write_report(tmp_path, "default", ["fig10"]).read_text()
