"""The fixed parts of a testbed config: the data sets and the base model.

The paper's base model is a fixed pre-trained model and seeds vary only the rounds; here the
base model is trained from scratch on a seed set of easy problems (`seed_difficulty`), once per
config (the experiments layer caches it on disk). The task is the config's `task`
(`sim.lm.tasks`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from sim.lm import tasks, train
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

    @property
    def task(self) -> tasks.LMTask:
        return lm_task(self.config)


def lm_task(config: TestbedConfig) -> tasks.LMTask:
    """The config's task (`sim.lm.tasks`)."""
    return tasks.get_task(config.task)


def model_config(config: TestbedConfig) -> ModelConfig:
    """The transformer of a config: its size, the task's sequence length and vocabulary."""
    task = lm_task(config)
    return ModelConfig.of_size(
        config.model_size, max_len=tasks.seq_len(task, config), vocab_size=task.vocab_size
    )


def test_problems(config: TestbedConfig, p) -> RoundProblems:
    """The held-out prompts' device arrays (their wrong-answer bank is never read)."""
    return lm_task(config).round_problems(config, p, None)


def train_problems(config: TestbedConfig, p) -> RoundProblems:
    """The training prompts with their wrong-answer bank: every kind, one consistent answer
    and a fresh one for each label a prompt can get in the run (1 + m T slots)."""
    return lm_task(config).round_problems(config, p, 1 + config.labels_per_prompt * config.rounds)


def make_data(config: TestbedConfig) -> dict:
    """The seed set (base model), training prompts and held-out test prompts, pairwise
    disjoint as problems (the task's `make_sets`), fixed by `data_seed`."""
    return lm_task(config).make_sets(config)


def base_config(config: TestbedConfig) -> dict:
    """What the base model depends on: `BASE_FIELDS`, and for a task other than the default
    its name and its own fields (so the default task's cache key is what it always was)."""
    out = {name: getattr(config, name) for name in BASE_FIELDS}
    if config.task != tasks.DEFAULT:
        out["task"] = config.task
        out.update({name: getattr(config, name) for name in lm_task(config).base_fields})
    return out


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
    seed_set,
    *,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[nnx.GraphDef, nnx.State, np.ndarray]:
    """Trains the base model from scratch on the seed set (uniform weights, cosine schedule).

    Returns:
      (graphdef, params, training loss per step [base_steps]).
    """
    task = lm_task(config)
    key_init, key_train = jax.random.split(jax.random.key(config.base_seed))
    graphdef, params = init_model(model_config(config), key=key_init)
    opt = base_opt(config)
    state = train.init_train_state(params, opt)
    data = train.TrainData(
        tokens=jnp.concatenate(
            [jnp.asarray(seed_set.prompts), jnp.asarray(seed_set.answers)], axis=1
        ),
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
            prompt_len=task.prompt_len(config),
            eos=task.eos,
        )
        losses.append(np.asarray(loss))
        if on_step is not None:
            on_step((i + 1) * size, float(loss[-1]))
    return graphdef, state.params, np.concatenate(losses)
