"""task=tokens on the command line: its options, their errors, its memory estimate."""

import pytest

from experiments import memory
from experiments.configs.coerce import override, parse_sets
from experiments.configs.sim import SimConfig
from experiments.errors import OptionError
from tests.experiments.test_memory import _xla_bytes


@pytest.mark.parametrize(
    "sets,message",
    [
        (["answer_length=0"], r"answer_length must be an integer in \[1, 64\]"),
        (["answer_length=65"], r"answer_length must be an integer in \[1, 64\]"),
        (["alphabet=1"], r"alphabet must be an integer in \[2, 1024\]"),
        (["alphabet=1025"], r"alphabet must be an integer in \[2, 1024\]"),
        (["share=-0.1"], r"share must lie in \[0, 1\]"),
        (["share=nan"], r"share"),
        (["learner=sgd"], r"learner must be one of \['factored', 'strong'\]"),
        (["labeler=base"], r"labeler must be one of \['adversarial', 'stochastic'\]"),
        (["wrong_labels=far"], r"wrong_labels must be one of \['near', 'random', 'shuffled'\]"),
        (["n_classes=65"], r"n_classes must be an integer in \[1, n_prompts\] = \[1, 64\]"),
        (["n_responses=4"], r"n_responses applies only to task=table"),
    ],
)
def test_token_options_name_their_range(sets, message):
    tiny = SimConfig(n_prompts=64, rounds=2)
    with pytest.raises((OptionError, ValueError), match=message):
        override(tiny, parse_sets(["task=tokens", *sets]))


def test_bad_task_and_token_keys_on_the_table_task():
    with pytest.raises(
        (OptionError, ValueError), match=r"task must be one of \['table', 'tokens'\]"
    ):
        override(SimConfig(), parse_sets(["task=seq"]))
    with pytest.raises(OptionError, match=r"alphabet applies only to task=tokens"):
        override(SimConfig(), parse_sets(["alphabet=4"]))
    with pytest.raises((OptionError, ValueError), match=r"learner must be one of"):
        override(SimConfig(), parse_sets(["learner=factored"]))


def test_token_memory_counts_p_l_a():
    small = SimConfig(task="tokens", n_prompts=1024, answer_length=2, alphabet=10)
    big = SimConfig(task="tokens", n_prompts=1024, answer_length=8, alphabet=40)
    assert memory.sim_bytes(big)[0] > 10 * memory.sim_bytes(small)[0]
    assert "answer_length x alphabet" in memory.sim_bytes(big)[1]


def test_token_estimate_covers_what_xla_allocates():
    import sim

    cfg = SimConfig(
        task="tokens",
        n_prompts=1024,
        answer_length=5,
        alphabet=16,
        seeds=2,
        rounds=2,
        mode="sampled",
    )
    task_ = cfg.make_task()

    def rollout(keys):
        return sim.sweep(
            task_,
            sim.grid_params(cfg.make_params(), beta=[cfg.beta])[0],
            keys=keys,
            strategy=cfg.make_strategy(),
            rounds=cfg.rounds,
        )

    xla = _xla_bytes(rollout, cfg.keys())
    need, _ = memory.sim_bytes(cfg)
    assert xla <= need <= 50 * xla, (xla, need)


def test_token_run_records_token_accuracy(tmp_path, capsys):
    """`run sim --set task=tokens`: metrics.json has token_accuracy beside mean_accuracy, and
    round 0's is the base model's mean per-position accuracy (from the task itself)."""
    import json

    import numpy as np

    from experiments.cli import main

    sets = ["task=tokens", "answer_length=3", "alphabet=4", "n_prompts=16", "rounds=2"]
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "sim",
                "--preset",
                "tiny",
                "--seeds",
                "1",
                "--quiet",
                "--out",
                str(out),
                "--set",
                *sets,
            ]
        )
        == 0
    )
    m = json.loads((out / "metrics.json").read_text())
    assert np.shape(m["token_accuracy"]) == np.shape(m["mean_accuracy"])
    cfg = override(SimConfig(), parse_sets([*sets, "seeds=1"]))
    task = cfg.make_task()
    per_position = np.asarray(task.wrong[..., 0]) + np.asarray(task.right)[:, None]
    want = float(np.sum(np.asarray(task.prompt_weights) * per_position.mean(-1)))
    assert np.ravel(m["token_accuracy"])[0] == pytest.approx(want, abs=1e-6)
    # a factored model's token accuracy is at least its whole-answer accuracy
    assert np.all(np.asarray(m["token_accuracy"]) >= np.asarray(m["mean_accuracy"]) - 1e-6)
    capsys.readouterr()
    assert main(["options", "sim"]) == 0
    table = capsys.readouterr().out
    for key, rng in (("answer_length", "[1, 64]"), ("alphabet", "[2, 1024]"), ("share", "[0, 1]")):
        [line] = [x for x in table.splitlines() if x.startswith(key + " ")]
        assert rng in line, line
