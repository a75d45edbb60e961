"""Config and presets of `testbed`: addition's tiny, default, paper and gpu (alias large), and
the programs task's programs-tiny, programs-default and programs-gpu (docs/tasks.md). The config
itself, `TestbedConfig`, is declared in `experiments.configs.testbed_options`."""

from __future__ import annotations

import dataclasses

from experiments.configs.testbed_options import (  # noqa: F401 (the config's home)
    POSITIVE,
    STEPS,
    TestbedConfig,
    replace,
    validate,
)
from sim.lm.strategy import STRATEGIES

PRESETS: dict[str, TestbedConfig] = {
    # Smoke run for tests: a few seconds of base training, 2 rounds, 2 strategies, 1 seed.
    "tiny": TestbedConfig(
        max_digits=3,
        seed_difficulty=(0.6, 0.4, 0.0),
        n_train_prompts=64,
        n_test_prompts=64,
        n_seed_examples=256,
        base_steps=100,
        rounds=2,
        samples_per_prompt=4,
        label_budget=32,
        labels_per_prompt=2,
        steps_per_round=10,
        batch_size=16,
        strategies=("filter-only", "boosting", "boosting-checked"),
        seeds=1,
        sample_chunk=256,
    ),
    # The paper's Table 1 analogue (framework §6): 5 rounds, k = 8, alpha = 1/3, 5 seeds, one
    # pass a round; sized for a 2-core CPU.
    "default": TestbedConfig(),
    # The same at the paper's per-round size: 330 steps of 64 over 4096 prompts (twice the work).
    "paper": TestbedConfig(
        n_train_prompts=4096, label_budget=2048, steps_per_round=330, sample_chunk=4096
    ),
    # Larger model and data for an accelerator: 6-digit sums, the `base` model, 16384 prompts,
    # every strategy, 8 seeds (README: 2 seeds x 2 arms took 114 s on one H200).
    "gpu": TestbedConfig(
        max_digits=6,
        seed_difficulty=(0.4, 0.3, 0.17, 0.1, 0.03, 0.0),
        n_train_prompts=16384,
        n_test_prompts=4096,
        n_seed_examples=20000,
        model_size="base",
        base_steps=6000,
        base_lr=5e-4,
        label_budget=8192,
        steps_per_round=400,
        batch_size=256,
        lr=1e-4,
        strategies=STRATEGIES,
        seeds=8,
        # per member: a population of 56 decodes 56 x 1024 sequences at once (~90 GiB by
        # experiments.memory's estimate, within one 141 GiB H200; 8192 would need ~600 GiB)
        sample_chunk=1024,
    ),
}


# The programs task (docs/tasks.md). Graded as addition is: the base model solves most 1-op
# programs, some 2- and 3-op ones (more within k samples), never a 4-op one (the seed set holds
# none). 4 visible examples: the filter's realised false-positive rate is about 0.12 on the base
# model's samples (README). A larger seed set and longer pre-training than addition's: telling
# a function from its examples needs more data than adding digits.
_PROGRAMS = dict(
    task="programs",
    filter="task",
    max_program_len=4,
    visible_examples=4,
    seed_difficulty=(0.35, 0.35, 0.3, 0.0),
)
# The tiny smoke run: programs of 1..4 ops, a few seconds of pre-training; numbers mean nothing.
PRESETS["programs-tiny"] = dataclasses.replace(PRESETS["tiny"], **_PROGRAMS)
# Table 1 of the programs task on 2 CPU cores: the addition default's round, arms and seeds.
PRESETS["programs-default"] = dataclasses.replace(
    PRESETS["default"], **_PROGRAMS, n_seed_examples=8000, base_steps=3000
)
# For an accelerator: 5-op programs (none in the seed set), the `base` model, the gpu preset's
# round, arms and seeds (not yet measured: no accelerator run so far).
PRESETS["programs-gpu"] = dataclasses.replace(
    PRESETS["gpu"],
    **{**_PROGRAMS, "max_program_len": 5, "seed_difficulty": (0.3, 0.3, 0.25, 0.15, 0.0)},
    n_seed_examples=40000,
    base_steps=8000,
)


def preset(name: str) -> TestbedConfig:
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {list(PRESETS)}; got {name!r}")
    return PRESETS[name]


# The command line's presets: `large` is the accelerator preset.
PRESETS["large"] = PRESETS["gpu"]
