"""The command line: run directories, presets, --set, resume/skip, clear errors."""

import json

import numpy as np
import pytest

from experiments import rundir
from experiments.cli import main


def _read(path):
    return json.loads(path.read_text())


def test_list_and_claims(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "sim" in out and "fig1" in out
    assert main(["claims"]) == 0
    out = capsys.readouterr().out
    assert "C1" in out and "C7" in out and "test_c3_expected_closed_form" in out


def test_run_sim_writes_a_self_describing_run(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "run",
        "sim",
        "--preset",
        "tiny",
        "--set",
        "strategy=boosting",
        "mixture=replace",
        "mode=expected",
        "beta=0.3",
        "gamma=0.2",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    config = _read(out / "config.json")
    assert config["experiment"] == "sim"
    cfg = config["config"]
    assert (cfg["strategy"], cfg["mixture"], cfg["beta"], cfg["gamma"]) == (
        "boosting",
        "replace",
        0.3,
        0.2,
    )
    assert cfg["allocation"] == "focused" and cfg["filter"] == "gamma"  # resolved from preset
    assert config["environment"]["versions"]["jax"]
    assert config["environment"]["devices"]
    metrics = _read(out / "metrics.json")
    for name in ("mean_accuracy", "greedy_accuracy", "labels_spent", "entropy"):
        assert len(metrics[name]) == cfg["rounds"] + 1  # one seed: no seed axis
    assert metrics["mean_accuracy"][-1] > metrics["mean_accuracy"][0]
    assert (out / "DONE").exists()
    # Same config again: skipped, not recomputed.
    assert main(argv) == 0
    assert "skipped" in capsys.readouterr().out
    # A different config into the same directory is refused ...
    other = ["beta=0.5" if a == "beta=0.3" else a for a in argv]
    assert main(other) == 2
    assert "different config" in capsys.readouterr().err
    # ... unless forced.
    assert main(other + ["--force"]) == 0
    assert _read(out / "config.json")["config"]["beta"] == 0.5


def test_seeds_axis(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "sim",
                "--preset",
                "tiny",
                "--set",
                "mode=sampled",
                "--seeds",
                "3",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    acc = np.asarray(_read(out / "metrics.json")["mean_accuracy"])
    assert acc.shape == (3, 6)
    assert not np.allclose(acc[0], acc[1])  # different seeds, different rollouts


@pytest.mark.parametrize(
    "sets,message",
    [
        (["beta=0"], "beta must lie in (0, 1]"),
        (["gamma=1"], "gamma must lie in [0, 1)"),
        (["samples_per_prompt=0"], "samples_per_prompt must be an integer in [1, 65536]"),
        (["strategy=magic"], "strategy must be one of"),
        (["colour=red"], "unknown option 'colour'"),
        (["rounds=two"], "rounds must be an integer"),
        (["filter_labels=maybe"], "filter_labels must be true or false"),
        (["beta"], "--set expects key=value"),
    ],
)
def test_bad_options_fail_clearly(tmp_path, capsys, sets, message):
    assert (
        main(
            [
                "run",
                "sim",
                "--preset",
                "tiny",
                "--set",
                *sets,
                "--out",
                str(tmp_path / "x"),
                "--quiet",
            ]
        )
        == 2
    )
    assert message in capsys.readouterr().err


def test_unknown_experiment_and_preset(tmp_path, capsys):
    assert main(["run", "nope", "--out", str(tmp_path)]) == 2
    assert "experiment must be one of" in capsys.readouterr().err
    assert main(["run", "sim", "--preset", "huge", "--out", str(tmp_path)]) == 2
    assert "preset must be one of" in capsys.readouterr().err


@pytest.mark.slow
def test_fig1_tiny_end_to_end(tmp_path):
    out = tmp_path / "fig1"
    assert main(["run", "fig1", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    assert (out / "fig1.png").stat().st_size > 10_000
    assert (out / "fig1.pdf").exists()
    m = _read(out / "metrics.json")
    arm = "boosting mixture=replace"
    assert m["claim"][arm] == "C3"
    np.testing.assert_allclose(m["expected"][arm]["mean_error"], m["theory"][arm], rtol=1e-4)
    # Redraw from the run directory alone.
    (out / "fig1.png").unlink()
    assert main(["figure", str(out)]) == 0
    assert (out / "fig1.png").exists()


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    rundir.atomic_write_json(target, {"a": 1})

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(rundir.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        rundir.atomic_write_json(target, {"a": 2})
    assert _read(target) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.slow
def test_testbed_tiny_through_the_command_line(tmp_path, capsys):
    out = tmp_path / "testbed"
    argv = ["run", "testbed", "--preset", "tiny", "--set", "rounds=1", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    printed = capsys.readouterr().out  # the Table 1 analogue, marked, then the directory
    assert "| arm " in printed and "| boosting " in printed and "numbers mean nothing" in printed
    assert printed.rstrip().endswith(f"testbed: ran -> {out}")
    for name in ("fig6.png", "fig7.png", "summary.json", "metrics.json", "DONE"):
        assert (out / name).exists(), name
    summary = _read(out / "summary.json")
    assert set(summary["final_accuracy"]) == {"filter-only", "boosting", "boosting-checked"}
    assert 0.0 <= summary["base_accuracy"] <= 1.0
    # Again: complete, so skipped; --resume is accepted.
    assert main([*argv, "--quiet", "--resume"]) == 0
    assert "skipped" in capsys.readouterr().out


def test_run_sim_saves_its_task(tmp_path):
    import jax.numpy as jnp
    import numpy as np

    from experiments.configs.sim import PRESETS
    from experiments.sim_run import load_task

    out = tmp_path / "run"
    assert main(["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
    with np.load(out / "task.npz") as z:
        assert z["correct"].dtype == np.bool_ and z["correct"].shape == (64, 8)
        assert z["base_probs"].dtype.kind == "f" and z["base_probs"].shape == (64, 8)
        expected = PRESETS["tiny"].make_task()
        np.testing.assert_array_equal(z["correct"], np.asarray(expected.correct))
        np.testing.assert_array_equal(z["base_probs"], np.asarray(expected.base_probs))
    task = load_task(out / "task.npz")
    assert jnp.asarray(task.prompt_weights).shape == (64,)


def test_run_sim_hard_options(tmp_path, capsys):
    out = tmp_path / "run"
    sets = ["beta=0.6", "beta_hard=0", "gamma_hard=0.5", "strategy=boosting", "mixture=replace"]
    argv = ["run", "sim", "--preset", "tiny", "--set", *sets, "--out", str(out), "--quiet"]
    assert main(argv) == 0
    cfg = _read(out / "config.json")["config"]
    assert (cfg["beta_hard"], cfg["gamma_hard"]) == (0.0, 0.5)
    for option, value in (("beta_hard", "1.5"), ("gamma_hard", "1"), ("beta_hard", "x")):
        argv = ["run", "sim", "--preset", "tiny", "--set", f"{option}={value}"]
        assert main([*argv, "--out", str(tmp_path / "bad"), "--quiet"]) == 2
        assert option in capsys.readouterr().err
