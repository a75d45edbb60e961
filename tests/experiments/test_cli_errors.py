"""First contact with the command line: one-line errors naming the option, `options`, a fast
`--help`, run directories named by their config."""

import re
import subprocess
import sys

import pytest

from experiments.cli import main


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--host-devices", "abc", "list"], "--host-devices must be 'auto' or an integer"),
        (["--host-devices", "0", "list"], "--host-devices must be 'auto' or an integer"),
        (["--host-devices", "99999999999", "list"], "--host-devices must be"),
        (["run", "sim", "--set", "rounds=inf"], "rounds must be an integer; got 'inf'"),
        (["run", "sim", "--set", "rounds=nan"], "rounds must be an integer"),
        (["run", "sim", "--set", "seed=4294967296"], "seed must be an integer in [0, 4294967295]"),
        (["run", "sim", "--set", "beta=0.3", "beta=0.4"], "--set gives 'beta' twice"),
        (["run", "sim", "--set", "filter_fpr=0.1"], "filter_fpr applies only to filter=general"),
        (["run", "sim", "--set", "theta=1e30"], "theta must lie in"),
        (["reproduce", "--only", ","], "--only names no experiment"),
        (["reproduce", "--only", "sim"], "--only: 'sim' is not part of reproduce"),
        (["reproduce", "--only", "fig99"], "--only: 'fig99' is not an experiment"),
        (["options", "nope"], "experiment must be one of"),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written, but if it were: not in the repo
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err


def test_figure_on_missing_or_empty_directory(tmp_path, capsys):
    assert main(["figure", str(tmp_path / "nothing")]) == 2
    assert "run_dir: " in capsys.readouterr().err
    assert main(["figure", str(tmp_path)]) == 2
    assert "is not a run directory" in capsys.readouterr().err
    (tmp_path / "config.json").write_text('{"experiment": "fig1", "config"')
    assert main(["figure", str(tmp_path)]) == 2
    assert "unreadable" in capsys.readouterr().err
    (tmp_path / "config.json").write_text('{"experiment": "fig1", "config": {}}')
    assert main(["figure", str(tmp_path)]) == 2
    assert "holds no metrics.json" in capsys.readouterr().err


def test_options_lists_every_key(capsys):
    assert main(["options", "sim"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^beta +float, default 0.3, in \(0, 1\]$", out, flags=re.M)
    assert re.search(r"^seed +int, default 0, in \[0, 4294967295\]$", out, flags=re.M)
    assert re.search(
        r"^theta +float \| None, default None, in \[0, 50\], or auto: log\(1 / \(1 - beta\)\)$",
        out,
        flags=re.M,
    )
    assert "the labeler's correct mass" in out and "T, the number of rounds" in out
    assert main(["options", "fig3", "--preset", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "grid" in out and "points per axis" in out and "n_prompts" in out


def test_help_does_not_import_jax():
    code = "import sys, experiments.cli; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_default_run_dir_names_the_config(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "sim", "--preset", "tiny", "--quiet", "--set", "rounds=2"]) == 0
    out = capsys.readouterr().out
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"sim-tiny-[0-9a-f]{8}", run_dir.name)
    assert out.strip().endswith(str(run_dir.relative_to(tmp_path)))
    assert (run_dir / "metrics.csv").exists()
    assert main(["run", "sim", "--preset", "tiny", "--quiet", "--set", "rounds=3"]) == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2  # another config, another directory
