"""Memory estimated up front: a run that cannot fit fails at once with a clear error, and the
estimates are not below what XLA itself allocates for the compiled programs."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import pytest

from experiments import memory
from experiments.cli import main
from experiments.configs.sim import SimConfig
from experiments.configs.testbed import PRESETS
from sim.lm import model, sample, task


def test_a_simulation_too_large_fails_before_any_work(tmp_path, capsys):
    out = tmp_path / "big"
    argv = ["run", "sim", "--set", "n_prompts=16777216", "n_responses=16", "seeds=4096"]
    assert main(argv + ["--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: sim: this run needs about") and "GiB" in err
    assert "seeds x n_prompts x n_responses = 4096 x 16777216 x 16" in err
    assert "Reduce seeds, n_prompts or n_responses" in err
    assert not (out / "metrics.json").exists()


def test_a_testbed_population_too_large_fails_naming_its_sizes(tmp_path, capsys):
    argv = ["run", "testbed", "--preset", "tiny", "--set", "seeds=20000", "sample_chunk=65536"]
    assert main(argv + ["--out", str(tmp_path / "tb"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "testbed: this run needs about" in err and "60000 members" in err  # 3 arms x 20000 seeds
    assert "Reduce seeds, strategies, sample_chunk" in err


def test_check_uses_the_available_memory_it_is_given():
    memory.check("x", 10, "d", reduce="r", available=10)  # fits exactly
    with pytest.raises(memory.OptionError, match=r"x: this run needs about .* Reduce r\."):
        memory.check("x", 11 * memory.GIB, "d", reduce="r", available=memory.GIB)


def test_the_presets_fit_the_machines_they_are_for():
    """default on a laptop (< 8 GiB), paper on this project's 24 GiB CI machine."""
    for name, limit in (("tiny", 1), ("default", 8), ("paper", 20)):
        need, _ = memory.testbed_bytes(PRESETS[name], len(PRESETS[name].strategies) * 5)
        assert need < limit * memory.GIB, name
    assert memory.sim_bytes(SimConfig())[0] < memory.GIB


def _xla_bytes(fn, *args) -> int:
    m = jax.jit(fn).lower(*args).compile().memory_analysis()
    return m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes


def test_testbed_estimate_covers_what_xla_allocates_for_a_population_decode():
    """XLA's own accounting of the vmapped decode of a population (the testbed's peak stage)
    against the estimate: not below it, and not wildly above (a useful estimate)."""
    cfg = dataclasses.replace(PRESETS["tiny"], sample_chunk=512, max_digits=3)
    n = 4
    mc = model.ModelConfig.of_size(cfg.model_size, max_len=task.seq_len(cfg.max_digits))
    graphdef, params = model.init_model(mc, key=jax.random.key(0))
    stacked = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *x.shape)), params)
    prompts = jnp.zeros((cfg.sample_chunk, task.prompt_len(cfg.max_digits)), jnp.int32)

    def decode(p):
        return sample.generate_with_logits(
            graphdef, p, prompts, key=jax.random.key(0), answer_len=task.answer_len(3)
        )

    xla = _xla_bytes(jax.vmap(decode), stacked)
    need, _ = memory.testbed_bytes(cfg, n)
    assert xla <= need <= 50 * xla, (xla, need)


def test_sim_estimate_covers_what_xla_allocates_for_a_rollout():
    import sim
    from experiments.sim_run import simulate_config  # noqa: F401 - the path `run sim` takes

    cfg = SimConfig(n_prompts=4096, n_responses=64, seeds=4, rounds=3, mode="sampled")
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
