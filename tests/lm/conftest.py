"""Shared fixtures of the testbed tests: the tiny preset's data and base model, built once."""

from __future__ import annotations

import pytest

from sim.lm import config as config_lib
from sim.lm.base import make_setup


@pytest.fixture(scope="session")
def tiny_config():
    return config_lib.preset("tiny")


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tiny")


@pytest.fixture(scope="session")
def tiny_setup(tiny_config, tiny_dir):
    return make_setup(tiny_config, tiny_dir, progress=False)
