"""A grid sharded over 8 CPU host devices gives the numbers of one device."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

_SCRIPT = textwrap.dedent("""
    import sys
    import jax, numpy as np
    import sim
    assert len(jax.devices()) == int(sys.argv[2]), jax.devices()
    task = sim.make_task(jax.random.key(0), n_prompts=64, n_responses=8)
    base = sim.make_params(filter_tpr=1.0, label_budget=200.0)
    # 13 configurations: not a multiple of 8, so padding is exercised too.
    params, _ = sim.grid_params(base, beta=np.linspace(0.1, 0.9, 13))
    out = {}
    for mode in ("expected", "sampled"):
        strategy = sim.make_strategy(allocation="focused", mixture="global", mode=mode)
        m = sim.sweep(task, params, keys=jax.random.split(jax.random.key(1), 2),
                      strategy=strategy, rounds=4, batch_size=2)
        out.update({f"{mode}_{k}": np.asarray(v) for k, v in m.items()})
    np.savez(sys.argv[1], **out)
""")


def _run(tmp_path, n_devices):
    path = tmp_path / f"out{n_devices}.npz"
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n_devices}")
    subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path), str(n_devices)], check=True, env=env, timeout=300
    )
    return np.load(path)


@pytest.mark.slow  # 29 s in a subprocess with 8 host devices; CI's slow step runs it
def test_sharded_sweep_equals_one_device(tmp_path):
    one, eight = _run(tmp_path, 1), _run(tmp_path, 8)
    assert set(one) == set(eight)
    for name in one:
        assert one[name].shape[:2] == (13, 2), name
        np.testing.assert_allclose(eight[name], one[name], rtol=1e-6, atol=1e-7, err_msg=name)
