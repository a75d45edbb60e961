"""Strict JAX settings and a deterministic hypothesis profile for every test."""

import os

import jax
import pytest
from hypothesis import HealthCheck, settings

from experiments.configs import testbed as config_lib
from experiments.testbed_runs import make_setup

# Tests leave the user's compilation cache alone (`experiments.compile_cache`).
os.environ.setdefault("ESCAPING_COLLAPSE_NO_COMPILE_CACHE", "1")

# Implicit rank broadcasting and dtype promotion are bugs in this code base: make them errors.
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")

# Deterministic by default; HYPOTHESIS_PROFILE=ci runs more examples.
_common = dict(
    derandomize=True,
    deadline=None,
    print_blob=True,
    # x64 is a context held for the whole test, the same for every example.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("dev", max_examples=12, **_common)
settings.register_profile("ci", max_examples=60, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def x64():
    """Float64 inside the test: closed forms are compared to float tolerance."""
    with jax.enable_x64(True):
        yield


# The testbed's tiny preset: its data and base model, built once per session.


@pytest.fixture(scope="session")
def tiny_config():
    return config_lib.preset("tiny")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    from experiments import rundir

    out = tmp_path_factory.mktemp("tiny")
    rundir.mark_run_dir(out)  # a run directory: the testbed runs there after `tiny_setup`
    return out


@pytest.fixture(scope="session")
def tiny_setup(tiny_config, tiny_dir):
    return make_setup(tiny_config, tiny_dir, progress=False)[0]


# Experiments' tiny presets run through the command line, once per session: the figure tests
# and the layout test read the same run directories.


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    from experiments.cli import main

    root = tmp_path_factory.mktemp("tiny_runs")

    def run(name: str):
        out = root / name
        if not (out / "DONE").exists():
            assert main(["run", name, "--preset", "tiny", "--out", str(out), "--quiet"]) == 0
        return out

    return run
