"""The population's member axis over devices (`sim.lm.shard`): padding, placement, the memory
estimate per device; and, in subprocesses with 1, 3 and 8 CPU host devices (slow), the testbed's
per-member results against one device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

from experiments import memory
from experiments.configs import testbed as config_lib
from sim.lm import shard


@pytest.mark.parametrize(
    ("members", "devices", "size"), [(3, 8, 8), (4, 3, 6), (8, 4, 8), (1, 1, 1)]
)
def test_padded_size_is_the_next_multiple(members, devices, size):
    assert shard.padded_size(members, devices) == size


def test_pad_repeats_the_last_member():
    tree = {"a": np.arange(6).reshape(3, 2), "b": np.array([True, False, True])}
    out = shard.pad(tree, 5)
    np.testing.assert_array_equal(out["a"], [[0, 1], [2, 3], [4, 5], [4, 5], [4, 5]])
    np.testing.assert_array_equal(out["b"], [True, False, True, True, True])
    with pytest.raises(ValueError, match="cannot pad 3 members down to 2"):
        shard.pad(tree, 2)


@pytest.mark.parametrize("devices", [0, len(jax.devices()) + 1, 1.5])
def test_member_mesh_names_the_valid_range(devices):
    with pytest.raises(ValueError, match=r"devices must be an integer in \[1, "):
        shard.member_mesh(devices)


def test_place_and_gather_round_trip():
    mesh = shard.member_mesh()
    x = np.arange(2 * len(jax.devices()) * 3, dtype=np.float32).reshape(-1, 3)
    placed = shard.place(x, mesh)
    assert placed.sharding.spec == jax.sharding.PartitionSpec(shard.AXIS)
    np.testing.assert_array_equal(shard.to_host(placed), x)
    np.testing.assert_array_equal(shard.to_host(shard.replicate(x, mesh)), x)


def test_memory_estimate_is_per_device():
    cfg = config_lib.preset("tiny")
    one = memory.testbed_bytes(cfg, 1)[0]
    # ceil(members / devices) members per device: the population is padded
    for members, devices, share in [(8, 4, 2), (5, 4, 2), (3, 8, 1), (9, 1, 9)]:
        need, detail = memory.testbed_bytes(cfg, members, devices)
        assert need == pytest.approx(share * one, rel=1e-9, abs=1), (members, devices)
        assert f"{share} members" in detail


_SCRIPT = textwrap.dedent("""
    import dataclasses, json, sys
    from pathlib import Path
    import jax, numpy as np
    from experiments import rundir
    from experiments import testbed_runs as tb
    from experiments.configs import testbed as config_lib
    from sim.lm import run as lm_run, shard

    out, n_devices = Path(sys.argv[1]), int(sys.argv[2])
    assert len(jax.devices()) == n_devices, jax.devices()
    # The tiny preset's arms, and a member whose weak labels come from the base model (its pool
    # is decoded for that member alone): 4 members.
    cfg = dataclasses.replace(
        config_lib.preset("tiny"), rounds=2, steps_per_round=4, base_steps=20)
    members = tb.members_of(cfg)
    members.append(tb.Member("base-labeler", "boosting", 0, (("labeler", "base"),)))
    base = out / "base"
    specs = []
    original = tb.run_round
    def run_round(*args, mesh=None, **kwargs):
        state, metrics = original(*args, mesh=mesh, **kwargs)
        if mesh is not None:
            leaves = jax.tree.leaves(state.train.params)
            specs.append((mesh.size, {str(x.sharding.spec) for x in leaves}))
        return state, metrics
    tb.run_round = run_round

    def save(name, metrics):
        flat = {f"{a}/{k}": v for a, per in metrics.items() for k, v in per.items()}
        np.savez(out / f"{name}.npz", **flat)

    save("all", tb.run_population(cfg, members, out / "all", progress=False, base_dir=base))
    if n_devices > 1:
        save("three", tb.run_population(
            cfg, members, out / "three", progress=False, base_dir=base, devices=3))
        tb.run_population(cfg, members, out / "resumed", progress=False, base_dir=base,
                          stop_after_round=1)
        save("resumed", tb.run_population(
            cfg, members, out / "resumed", progress=False, base_dir=base))
    else:  # metrics.json of one device against a plain loop of the round (no sharding code)
        tb.run_testbed(cfg, out / "testbed", progress=False, base_dir=base)
        setup, _ = tb.make_setup(cfg, out / "ref", progress=False, base_dir=base)
        plain = tb.members_of(cfg)
        per = [tb.member(cfg, m.strategy) for m in plain]
        params, roles = tb._stack([p for p, _ in per]), tb._stack([r for _, r in per])
        state = lm_run.init_run_state(setup, [m.seed for m in plain])
        first = lm_run.initial_metrics(setup)
        history = [{k: np.stack([v] * len(plain)) for k, v in first.items()}]
        for _ in range(cfg.rounds):
            state, metrics = lm_run.run_round(
                setup, tb.static_strategy(cfg), params, roles, state)
            history.append(metrics)
        stacked = {k: np.stack([h[k] for h in history], axis=1) for k in history[0]}
        ref = {m.arm: {k: v[[i]] for k, v in stacked.items()} for i, m in enumerate(plain)}
        rundir.atomic_write_json(out / "reference.json", ref)
    (out / "specs.json").write_text(json.dumps([[n, sorted(s)] for n, s in specs]))
""")


def _run(tmp_path, n_devices):
    out = tmp_path / f"d{n_devices}"
    out.mkdir()
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_devices}")
    env["JAX_PLATFORMS"] = "cpu"
    subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(out), str(n_devices)], check=True, env=env, timeout=600
    )
    return out


# Per-member results on N devices equal one device's up to the order of float reductions:
# XLA compiles each device's share of members at a different batch size. Measured: at most
# 1e-6 absolute on training losses of about 4.7, sampled answers and accuracies identical.
RTOL, ATOL = 1e-5, 1e-6


def _assert_close(got, want, what):
    assert set(got) == set(want), what
    for name in want:
        assert got[name].shape == want[name].shape, (what, name)
        np.testing.assert_allclose(
            got[name], want[name], rtol=RTOL, atol=ATOL, err_msg=f"{what} {name}"
        )


@pytest.mark.slow  # two subprocesses of the tiny testbed: 2 minutes on 2 shared cores
def test_sharded_population_equals_one_device(tmp_path):
    one, eight = _run(tmp_path, 1), _run(tmp_path, 8)
    # one device: exactly the plain loop, byte for byte in metrics.json
    assert (one / "testbed" / "metrics.json").read_bytes() == (one / "reference.json").read_bytes()
    ref = dict(np.load(one / "all.npz"))
    assert {k.split("/")[0] for k in ref} == {
        "filter-only",
        "boosting",
        "boosting-checked",
        "base-labeler",
    }
    # 4 members on 8 devices (fewer members than devices), on 3 (not a multiple: padded to 6),
    # and a run stopped after round 1 and resumed on 8 devices
    _assert_close(dict(np.load(eight / "all.npz")), ref, "8 devices")
    _assert_close(dict(np.load(eight / "three.npz")), ref, "3 devices")
    resumed, whole = np.load(eight / "resumed.npz"), np.load(eight / "all.npz")
    for name in whole:  # the same devices: a resumed run is the uninterrupted one, bit for bit
        np.testing.assert_array_equal(resumed[name], whole[name], err_msg=name)
    # the members really were spread: each round's new parameters sharded over "members"
    specs = json.loads((eight / "specs.json").read_text())
    assert {n for n, _ in specs} == {8, 3}
    spec = str(jax.sharding.PartitionSpec(shard.AXIS))
    assert len(specs) == 2 + 2 + 1 + 1 and all(s == [spec] for _, s in specs), specs
