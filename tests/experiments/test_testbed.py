"""Runs: the tiny preset end to end, resumption equal to no interruption, option validation."""

from __future__ import annotations

import dataclasses
import math

import jax
import numpy as np
import pytest

from experiments import checkpoint, registry, rundir, tracking
from experiments import testbed_runs as testbed
from experiments.configs import testbed as config_lib
from experiments.driver import execute
from experiments.testbed_runs import make_setup
from sim.lm import run, strategy
from tests.experiments.test_tracking import _read_events as read_events
from theory.stats import ci_summary


def test_tiny_preset_end_to_end(tiny_config, tiny_dir, tiny_setup, monkeypatch):
    seen = []  # rounds in the event file each time the runner finishes a round

    def log_round(step, scalars, original=tracking.log_round):
        original(step, scalars)
        (path,) = (tiny_dir / tracking.TB_DIR).glob("events.out.tfevents.*")
        seen.append([e.step for e in read_events(path)[1:]])

    monkeypatch.setattr(tracking, "log_round", log_round)
    execute(registry.get("testbed"), tiny_config, tiny_dir, progress=False, log="tensorboard")
    # TensorBoard: each round in the file as soon as it finished, one event per round
    assert seen == [list(range(r + 1)) for r in range(tiny_config.rounds + 1)]
    (path,) = (tiny_dir / tracking.TB_DIR).glob("events.out.tfevents.*")
    tags = {v.tag for e in read_events(path)[1:] for v in e.summary.value}
    seed = "/seed0" if tiny_config.seeds > 1 else ""  # as metrics.csv: no seed part with one
    assert {f"{s}/test_accuracy{seed}" for s in tiny_config.strategies} <= tags
    summary = rundir.read_json(tiny_dir / testbed.SUMMARY_FILE)
    metrics = rundir.read_json(tiny_dir / "metrics.json")
    seeds, rounds = tiny_config.seeds, tiny_config.rounds
    assert set(metrics) == set(tiny_config.strategies)
    for per in metrics.values():
        assert np.asarray(per["test_accuracy"]).shape == (seeds, rounds + 1)
        by = np.asarray(per["test_accuracy_by_difficulty"])
        assert by.shape == (seeds, rounds + 1, tiny_config.max_digits)
        # round 0 is the base model in every run
        assert per["test_accuracy"][0][0] == pytest.approx(summary["base_accuracy"])
        assert per["labels_spent"][0][0] == 0
    assert set(summary["final_accuracy"]) == set(tiny_config.strategies)
    assert len(summary["final_accuracy_by_difficulty"]["boosting"]) == tiny_config.max_digits
    assert "boosting - filter-only" in summary["gaps"]
    cfg = rundir.read_json(tiny_dir / "config.json")
    assert cfg["config"]["rounds"] == rounds and "versions" in cfg["environment"]
    assert rundir.is_complete(tiny_dir)
    # the devices its population was sharded over: all of the run's (one in this process)
    timing = rundir.read_json(tiny_dir / "timing.json")
    assert timing["population_devices"] == len(jax.devices()) and timing["wall_s"] > 0
    # problems.json: the three sets as the model reads them, pairwise disjoint as problems
    sets = rundir.read_json(tiny_dir / testbed.PROBLEMS_FILE)
    keys = {
        name: {tuple(sorted(map(int, p.rstrip("=").split("+")))) for p in prompts}
        for name, prompts in sets.items()
    }
    assert len(sets["test"]) == tiny_config.n_test_prompts
    assert not (keys["train"] & keys["test"] or keys["train"] & keys["seed"])
    assert not keys["test"] & keys["seed"]
    # the base model is cached: a second setup loads it instead of training it again
    mtime = (tiny_dir / "base" / "params.msgpack").stat().st_mtime_ns
    again, _ = make_setup(tiny_config, tiny_dir, progress=False)
    assert (tiny_dir / "base" / "params.msgpack").stat().st_mtime_ns == mtime
    for x, y in zip(
        jax.tree.leaves(again.base_params), jax.tree.leaves(tiny_setup.base_params), strict=True
    ):
        np.testing.assert_array_equal(x, y)


@pytest.mark.slow  # 42 s; CI's slow step runs it (and test_kill's testbed case)
def test_resume_equals_no_interruption(tiny_config, tmp_path):
    config = dataclasses.replace(tiny_config, strategies=("filter-only", "boosting"), seeds=2)
    members = testbed.members_of(config)
    base = tmp_path / "base"
    whole = testbed.run_population(
        config, members, tmp_path / "whole", progress=False, base_dir=base
    )
    part = testbed.run_population(
        config, members, tmp_path / "part", progress=False, base_dir=base, stop_after_round=1
    )
    assert part["boosting"]["test_accuracy"].shape == (2, 2)
    # Mark the saved round-1 metrics: a run that really resumes carries the mark forward.
    setup = testbed.make_setup(config, tmp_path, base_dir=base, progress=False)[0]
    like = run.init_run_state(setup, [0] * 4)
    path = tmp_path / "part" / testbed.CHECKPOINT_FILE
    bound = testbed.population_hash(config, members)
    state, extras = checkpoint.load(path, like, config_sha256=bound)
    marked = {k: np.asarray(v) for k, v in extras["metrics"].items()}
    marked["train_examples"] = np.full_like(marked["train_examples"], -7.0)
    checkpoint.save(path, state, config_sha256=bound, metrics=marked)
    resumed = testbed.run_population(
        config, members, tmp_path / "part", progress=False, base_dir=base
    )
    assert np.all(resumed["boosting"]["train_examples"][:, 1] == -7.0)
    for arm in whole:
        whole[arm]["train_examples"][:, :2] = -7.0  # the mark, where it was made
    exact = jax.default_backend() == "cpu"  # accelerators may reduce in another order
    for arm in whole:
        for name in whole[arm]:
            if exact:
                np.testing.assert_array_equal(whole[arm][name], resumed[arm][name])  # NaN == NaN
            else:
                assert whole[arm][name].shape == resumed[arm][name].shape
    a, _ = checkpoint.load(tmp_path / "whole" / testbed.CHECKPOINT_FILE, like, config_sha256=bound)
    b, _ = checkpoint.load(tmp_path / "part" / testbed.CHECKPOINT_FILE, like, config_sha256=bound)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        if exact:
            np.testing.assert_array_equal(x, y)  # parameters, optimizer, keys: bit-identical


def test_resume_refuses_another_config(tiny_config, tiny_dir, tiny_setup):
    exp = registry.get("testbed")
    _, status = execute(exp, tiny_config, tiny_dir, progress=False)  # all done: no work
    assert status == "skipped"
    other = config_lib.replace(tiny_config, beta=0.9)
    with pytest.raises(ValueError, match="different config"):
        execute(exp, other, tiny_dir, progress=False)


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(beta=0.0), r"beta must lie in \(0, 1\]"),
        (dict(gamma=1.0), r"gamma must lie in \[0, 1\)"),
        (dict(alpha=1.5), "alpha"),
        (dict(rounds=0), r"rounds must be an integer in \[1, 100000\]"),
        (dict(samples_per_prompt=2.5), "samples_per_prompt"),
        (dict(max_digits=9), r"max_digits must be an integer in \[2, 8\]"),
        (dict(seed_difficulty=(1.0, 1.0)), "seed_difficulty must be a tuple of 5"),
        (dict(model_size="huge"), "model_size must be one of"),
        (dict(labeler="oracle"), "labeler must be one of"),
        (
            dict(wrong_labels="carry"),
            r"wrong_labels must be one of \['near', 'random', 'shuffled', 'abstain'\]",
        ),
        (dict(wrong_spread=1.5), r"wrong_spread must lie in \[0, 1\]"),
        (dict(wrong_spread=-0.1), r"wrong_spread must lie in \[0, 1\]"),
        (dict(filter_labels="yes"), "filter_labels must be true or false"),
        (dict(strategies=("boosting", "magic")), "strategies must be drawn from"),
        (dict(restart="yes"), "restart must be true or false"),
        (dict(lr=-1.0), r"lr must lie in \(0, inf\)"),
        (dict(lr=float("inf")), r"lr must lie in \(0, inf\); got inf"),
        (dict(temperature=float("nan")), r"temperature must lie in \(0, inf\); got nan"),
        (dict(weight_decay=float("nan")), r"weight_decay must lie in \[0, inf\); got nan"),
        (dict(beta_hard=1.5), "beta_hard must lie in"),
        (dict(gamma_hard=1.0), "gamma_hard must lie in"),
        (dict(no_such_option=1), "unknown option 'no_such_option'"),
    ],
)
def test_bad_options_fail_clearly(changes, match):
    with pytest.raises(ValueError, match=match):
        config_lib.replace(config_lib.preset("default"), **changes)


@pytest.mark.parametrize(
    "name, changes, match",
    [
        ("fig13", dict(rows=("random-consistent", "carry")), "rows must be drawn from"),
        ("fig13", dict(rows=()), "rows must hold at least one value"),
        ("fig13", dict(rows=("near", "near")), "rows must not repeat a value"),
        ("fig13", dict(few_seeds=0), r"few_seeds must be an integer in \[1, 65536\]"),
        ("fig13", dict(few_seeds=6), r"few_seeds must be an integer in \[1, 5\]"),
        (
            "fig8",
            dict(arms=("boosting", "oracle")),
            r"arms must be drawn from \['boosting', 'boosting-checked'\]; got 'oracle'",
        ),
        ("fig8", dict(arms=()), "arms must hold at least one value"),
        ("fig8", dict(betas=(0.0,)), r"betas must list values in \(0, 1\]"),
    ],
)
def test_bad_options_of_the_weak_data_experiments_fail_clearly(name, changes, match):
    cfg = registry.get(name).config("default")
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(cfg, **changes)


def test_a_member_sets_only_its_own_options(tmp_path, tiny_config):
    from experiments.testbed_runs import Member, run_population

    with pytest.raises(ValueError, match="a member may not set 'model_size'"):
        run_population(
            tiny_config, [Member("x", "boosting", 0, (("model_size", "small"),))], tmp_path
        )


def test_presets_are_valid_and_documented():
    assert set(config_lib.PRESETS) == {
        "tiny",
        "default",
        "paper",
        "gpu",
        "large",
        "programs-tiny",
        "programs-default",
        "programs-gpu",
    }
    for name in ("programs-tiny", "programs-default", "programs-gpu"):
        p = config_lib.preset(name)
        assert (p.task, p.filter, p.seed_difficulty[-1]) == ("programs", "task", 0.0)
    # programs-default is the default's round, arms and seeds on the other task
    pd, d = config_lib.preset("programs-default"), config_lib.preset("default")
    same = ("rounds", "samples_per_prompt", "seeds", "strategies", "steps_per_round", "beta")
    assert all(getattr(pd, f) == getattr(d, f) for f in same)
    default = config_lib.preset("default")
    assert (default.rounds, default.samples_per_prompt, default.seeds) == (5, 8, 5)
    # `paper`: the paper's 330 steps of 64 a round; `default` the same passes over the round's
    # prompts at half the size (a CPU's), with the budget in the same proportion.
    paper = config_lib.preset("paper")
    assert (paper.steps_per_round, paper.batch_size, paper.n_train_prompts) == (330, 64, 4096)
    for cfg in (default, paper):
        assert cfg.steps_per_round * cfg.batch_size / cfg.n_train_prompts == pytest.approx(
            5.16, 0.01
        )
        assert cfg.label_budget / cfg.n_train_prompts == 0.5
    assert default.alpha == pytest.approx(1 / 3)
    assert default.seed_difficulty[-1] == 0.0  # the hardest difficulty is never taught
    assert "python -m experiments run testbed" in config_lib.TestbedConfig.__doc__
    with pytest.raises(ValueError, match="preset"):
        config_lib.preset("huge")
    assert dataclasses.is_dataclass(default)


def test_mean_ci_is_the_t_interval():
    x = [0.1, 0.3, 0.2, 0.4, 0.25]
    got = ci_summary(x)
    half = 2.7764451051977987 * np.std(x, ddof=1) / math.sqrt(5)  # t_{0.975, 4}
    assert got["mean"] == pytest.approx(0.25)
    assert got["half_width"] == pytest.approx(half)
    assert math.isnan(ci_summary([0.5])["half_width"])


def test_command_line_assignments_are_typed_and_checked():
    from experiments.configs.sim import override, parse_sets

    base = config_lib.preset("default")

    def assign(items):
        return override(base, parse_sets(items))

    got = assign(
        [
            "beta=0.5",
            "rounds=3",
            "restart=true",
            "strategies=boosting,filter-only",
            "seed_difficulty=1,1,1,0,0",
            "labeler=base",
        ]
    )
    assert (got.beta, got.rounds, got.restart, got.labeler) == (0.5, 3, True, "base")
    assert got.strategies == ("boosting", "filter-only")
    assert got.seed_difficulty == (1.0, 1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="rounds must be an integer"):
        assign(["rounds=three"])
    with pytest.raises(ValueError, match=r"beta must lie in"):
        assign(["beta=2"])
    with pytest.raises(ValueError, match="unknown option 'betta'"):
        assign(["betta=0.5"])
    with pytest.raises(ValueError, match="key=value"):
        assign(["beta"])


def test_strategies_resolve_to_the_simulator_roles():
    from sim.lm import round as round_lib

    def roles(cfg, name):
        p, r = strategy.member(cfg, name)
        names = (
            round_lib.ALLOCATION_NAMES[int(r.allocation)],
            round_lib.MIXTURE_NAMES[int(r.mixture)],
        )
        return p, names

    cfg = config_lib.preset("default")
    p, names = roles(cfg, "do-nothing")
    assert names == ("none", "replace") and (float(p.filter_tpr), float(p.filter_fpr)) == (1, 1)
    p, names = roles(cfg, "boosting")
    assert names == ("focused", "global")
    assert float(p.filter_fpr) == pytest.approx(cfg.gamma)
    assert float(p.alpha) == pytest.approx(1 / 3) and float(p.beta) == pytest.approx(cfg.beta)
    p, names = roles(cfg, "oracle")  # boosting with a perfect labeler, the same budget and focus
    assert names == ("focused", "global") and float(p.beta) == 1.0
    assert float(p.label_budget) == cfg.label_budget
    assert roles(cfg, "filter-only")[1] == ("none", "replace")
    assert roles(cfg, "boosting-uniform")[1] == ("uniform", "global")
    general = config_lib.replace(cfg, filter="general", filter_tpr=0.8, filter_fpr=0.2)
    p, _ = roles(general, "boosting")
    assert (float(p.filter_tpr), float(p.filter_fpr)) == pytest.approx((0.8, 0.2))
    p, _ = roles(config_lib.replace(cfg, filter="perfect"), "filter-only")
    assert float(p.filter_fpr) == 0.0
    with pytest.raises(ValueError, match="filter must be one of"):
        config_lib.replace(cfg, filter="magic")
