"""The fixed parts of a testbed config: the data sets and the base model.

The paper's base model is a fixed pre-trained model and seeds vary only the rounds; here the
base model is trained from scratch on a seed set of easy sums (`seed_difficulty`), once per
config (the experiments layer caches it on disk).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from sim.lm import data, task, train
from sim.lm.model import ModelConfig, init_model
from sim.lm.round import RoundProblems

# The config fields the base model depends on (the cache key); round options are not among them.
BASE_FIELDS = (
    "max_digits",
    "data_seed",
    "n_train_prompts",  # the sets are disjoint: the seed set depends on the others' sizes
    "n_test_prompts",
    "seed_difficulty",
    "n_seed_examples",
    "model_size",
    "base_steps",
    "base_lr",
    "base_seed",
    "batch_size",
    "weight_decay",  # the base model's optimizer uses it too (`base_opt`)
)
BASE_WARMUP = 100
# The testbed's config: any object with the fields of `experiments.configs.testbed.TestbedConfig`
# (the backend reads them; it does not import the application layer).
TestbedConfig = Any


@dataclasses.dataclass(frozen=True)
class Setup:
    """What every run of a config shares: data, the model's graph, the base model and its score.

    Not a pytree: a plain holder the run loop reads from.
    """

    config: TestbedConfig
    model_config: ModelConfig
    graphdef: nnx.GraphDef
    base_params: nnx.State
    train: RoundProblems  # the round's training prompts
    test: RoundProblems  # held-out prompts
    base_metrics: dict  # the base model's held-out accuracy (round 0 of every run)


def device_problems(p: task.Problems, wrong_bank: np.ndarray | None = None) -> RoundProblems:
    """The device arrays of a set; `wrong_bank` [N, K, W, La] (`sim.lm.data.wrong_bank`), or
    the set's one stored wrong answer as a bank of one kind and one slot."""
    bank = np.asarray(p.wrong)[:, None, None] if wrong_bank is None else wrong_bank
    return RoundProblems(
        prompts=jnp.asarray(p.prompts),
        answers=jnp.asarray(p.answers),
        digits=jnp.asarray(p.digits),
        wrong=jnp.asarray(bank),
        difficulty=jnp.asarray(p.difficulty),
    )


def train_problems(config: TestbedConfig, p: task.Problems) -> RoundProblems:
    """The training prompts with their wrong-answer bank: every kind, one consistent answer
    and a fresh one for each label a prompt can get in the run (1 + m T slots)."""
    kind = config.wrong_labels if config.wrong_labels in data.WRONG_KINDS else "random"
    bank = data.wrong_bank(
        p,
        size=1 + config.labels_per_prompt * config.rounds,
        kind=kind,
        seed=config.data_seed,
    )
    return device_problems(p, bank)


def make_data(config: TestbedConfig) -> dict[str, task.Problems]:
    """The seed set (base model), training prompts and held-out test prompts, pairwise
    disjoint as problems (`sim.lm.data`), fixed by `data_seed`."""
    uniform = task.uniform_difficulty(config.max_digits)
    return data.make_sets(
        {
            "seed": config.n_seed_examples,
            "train": config.n_train_prompts,
            "test": config.n_test_prompts,
        },
        {"seed": config.seed_difficulty, "train": uniform, "test": uniform},
        max_digits=config.max_digits,
        # the stored wrong answer (slot 0 of the bank); "abstain" stores random ones, never used
        wrong_labels=config.wrong_labels if config.wrong_labels in data.WRONG_KINDS else "random",
        seed=config.data_seed,
    )


def base_config(config: TestbedConfig) -> dict:
    return {name: getattr(config, name) for name in BASE_FIELDS}


def base_opt(config: TestbedConfig) -> train.OptConfig:
    return train.OptConfig(
        lr=config.base_lr,
        weight_decay=config.weight_decay,
        warmup_steps=min(BASE_WARMUP, config.base_steps // 10),
        decay_steps=config.base_steps,
    )


def chunk_size(n_steps: int, at_most: int = 50) -> int:
    """The largest divisor of n_steps not above `at_most`: equal chunks, one compilation."""
    return max(d for d in range(1, min(n_steps, at_most) + 1) if n_steps % d == 0)


def train_base(
    config: TestbedConfig,
    seed_set: task.Problems,
    *,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[nnx.GraphDef, nnx.State, np.ndarray]:
    """Trains the base model from scratch on the seed set (uniform weights, cosine schedule).

    Returns:
      (graphdef, params, training loss per step [base_steps]).
    """
    model_config = ModelConfig.of_size(config.model_size, max_len=task.seq_len(config.max_digits))
    key_init, key_train = jax.random.split(jax.random.key(config.base_seed))
    graphdef, params = init_model(model_config, key=key_init)
    opt = base_opt(config)
    state = train.init_train_state(params, opt)
    data = train.TrainData(
        tokens=jnp.concatenate([seed_set.prompts, seed_set.answers], axis=1),
        weights=jnp.ones((seed_set.prompts.shape[0],), jnp.float32),
    )
    size = chunk_size(config.base_steps)
    losses = []
    for i in range(config.base_steps // size):
        state, loss = train.train_chunk(
            graphdef,
            opt,
            state,
            data,
            key=jax.random.fold_in(key_train, i),
            n_steps=size,
            batch_size=config.batch_size,
            prompt_len=task.prompt_len(config.max_digits),
        )
        losses.append(np.asarray(loss))
        if on_step is not None:
            on_step((i + 1) * size, float(loss[-1]))
    return graphdef, state.params, np.concatenate(losses)
