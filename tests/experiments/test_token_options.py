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
