"""Every input read once and checked once: repeated flags and names, and the checks that guard
what a run is made of (the oracle, the problem sets, the memory estimate, the Beta fit)."""

from __future__ import annotations

import dataclasses
import math
import types

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize
import scipy.special

from experiments import memory, registry, rundir
from experiments.cli import _config, main
from experiments.configs import fig8 as fig8_config
from experiments.configs import testbed as config_lib
from experiments.configs.coerce import override
from experiments.configs.fig1 import Fig1Config
from experiments.errors import OptionError
from sim.lm import data
from sim.lm.round import candidate_task
from sim.lm.strategy import member
from sim.types import labeler_mass
from theory import calibration as cal

SIM = registry.get("sim")


def test_repeated_set_flags_are_merged(tmp_path):
    out = tmp_path / "run"
    argv = ["run", "sim", "--preset", "tiny", "--out", str(out), "--quiet"]
    assert main([*argv, "--set", "rounds=3", "--set", "seeds=2"]) == 0
    saved = rundir.read_json(out / "config.json")["config"]
    assert saved["rounds"] == 3 and saved["seeds"] == 2


@pytest.mark.parametrize(
    "sets, seeds, match",
    [
        (["rounds=3", "rounds=4"], None, "'rounds' twice"),  # across two flags
        (["seeds=2"], 3, "--seeds 3 and --set seeds=2"),
    ],
)
def test_a_key_given_twice_is_refused(sets, seeds, match):
    with pytest.raises(OptionError, match=match):
        _config(SIM, "tiny", sets, seeds)


def test_an_option_given_twice_is_refused(tmp_path, capsys):
    argv = ["run", "sim", "--preset", "tiny", "--preset", "default", "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "--preset: given twice ('tiny' and 'default')" in capsys.readouterr().err


def test_repeated_strategies_are_refused():
    tb = config_lib.preset("tiny")
    with pytest.raises(OptionError, match="strategies must not repeat a name; got boosting twice"):
        override(tb, {"strategies": "boosting,filter-only,boosting"})
    with pytest.raises(ValueError, match="strategies must not repeat"):
        dataclasses.replace(tb, strategies=("boosting", "boosting"))
    with pytest.raises(ValueError, match="arms must not repeat"):
        Fig1Config(arms=("boosting", "boosting"))
    assert override(tb, {"seed_difficulty": "1,1,0"}).seed_difficulty == (1.0, 1.0, 0.0)


def test_the_oracle_is_perfect_even_with_beta_hard():
    config = config_lib.replace(config_lib.preset("tiny"), beta_hard=0.0, beta=0.5)
    d = config.max_digits
    problems = types.SimpleNamespace(
        answers=jnp.zeros((d, 4), jnp.int32), difficulty=jnp.arange(1, d + 1, dtype=jnp.int32)
    )
    task = candidate_task(problems, d)
    oracle, _ = member(config, "oracle")
    np.testing.assert_array_equal(np.asarray(labeler_mass(task, oracle)), np.ones(d))
    boosting, _ = member(config, "boosting")  # the weak labeler: beta on the easiest, 0 hardest
    np.testing.assert_allclose(np.asarray(labeler_mass(task, boosting)), [0.5, 0.25, 0.0])


@pytest.mark.parametrize("n", [1, 2])
def test_problem_enumeration_covers_every_problem(n):
    lo, hi = (0, 10) if n == 1 else (10, 100)
    every = {(a, b) for a in range(lo, hi) for b in range(a, hi)}  # doubles such as 3+3 too
    pairs = data._enumerate(n)
    assert len(pairs) == data.n_problems(n) == len(every)
    assert {tuple(map(int, p)) for p in pairs} == every
    # Sets that ask for more than exist share out every problem, disjointly.
    counts = {s: np.eye(2, dtype=int)[n - 1] * 40 for s in data.SETS}
    drawn = data.draw_pairs(counts, 2, np.random.default_rng(0))
    seen = [{(min(a, b), max(a, b)) for a, b in drawn[s].tolist()} for s in data.SETS]
    if n == 1:  # 55 problems for 120 asks: each appears, in exactly one set
        assert set().union(*seen) == every
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])


def test_fig8_memory_estimate_counts_seeds():
    tiny = fig8_config.PRESETS["tiny"]
    need = {}
    for seeds in (1, 2, 4):
        cfg = dataclasses.replace(tiny, base=dataclasses.replace(tiny.base, seeds=seeds))
        need[seeds] = memory.estimate(cfg)[0]
        per, _ = memory.testbed_bytes(cfg.base, 1)
        assert need[seeds] == pytest.approx(len(cfg.points()) * seeds * per, rel=1e-6)
    assert need[4] > need[2] > need[1]


def _objective(theta, ks, obs, w):
    """sum_k w_k (logit pass@k - logit obs_k)^2, pass@k = 1 - B(a, b + k) / B(a, b) (SciPy)."""
    a, b = np.exp(theta)
    total = 0.0
    for k, o, wk in zip(ks, obs, w, strict=True):
        q = math.exp(scipy.special.betaln(a, b + k) - scipy.special.betaln(a, b))
        total += wk * (math.log1p(-q) - math.log(q) - (math.log(o) - math.log1p(-o))) ** 2
    return total


def test_fit_beta_weights_enter_the_objective_once():
    observed = {1: 0.30, 4: 0.40, 16: 0.80, 64: 0.85}  # far from any Beta: weights matter
    weights = {1: 10.0, 4: 1.0, 16: 3.0, 64: 0.2}
    ks, obs, w = list(observed), list(observed.values()), [weights[k] for k in observed]
    a, b = cal.fit_beta(observed, weights=weights)
    ref = scipy.optimize.minimize(
        _objective,
        np.log([a, b]) + 0.3,
        args=(ks, obs, w),
        method="Nelder-Mead",
        options=dict(xatol=1e-10, fatol=1e-14, maxiter=4000),
    )
    np.testing.assert_allclose([a, b], np.exp(ref.x), rtol=1e-4)
    squared = scipy.optimize.minimize(  # the weights applied twice would land here instead
        _objective,
        np.log([a, b]),
        args=(ks, obs, np.square(w)),
        method="Nelder-Mead",
        options=dict(xatol=1e-10, fatol=1e-14, maxiter=4000),
    )
    assert not np.allclose([a, b], np.exp(squared.x), rtol=1e-2)
