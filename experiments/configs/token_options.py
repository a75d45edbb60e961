"""The token task's options of `SimConfig` (task=tokens): checks and the objects they build."""

from __future__ import annotations

import jax

from experiments.errors import OptionError
from sim.table.token_task import make_token_task
from sim.table.tokens import make_token_strategy


def check(cfg, max_cells: int) -> None:
    """Ranges that involve several options of a token config (OptionError naming them)."""
    if cfg.n_classes > cfg.n_prompts:
        raise OptionError(
            f"n_classes must be an integer in [1, n_prompts] = [1, {cfg.n_prompts}]; "
            f"got {cfg.n_classes}"
        )
    if cfg.wrong_labels == "shuffled" and cfg.n_prompts < 2:
        raise OptionError("wrong_labels=shuffled needs n_prompts >= 2")
    cells = cfg.n_prompts * cfg.answer_length * cfg.alphabet
    if cells > max_cells:
        raise OptionError(
            "n_prompts * answer_length * alphabet must be <= 2**28 (one [P, L, A] "
            f"array); got {cfg.n_prompts} * {cfg.answer_length} * {cfg.alphabet}"
        )


def make_task(cfg, dtype):
    """The config's `TokenTask` (`sim.table.token_task.make_token_task`)."""
    return make_token_task(
        jax.random.key(cfg.task_seed),
        n_prompts=cfg.n_prompts,
        answer_length=cfg.answer_length,
        alphabet=cfg.alphabet,
        base_accuracy_mean=cfg.base_accuracy_mean,
        base_accuracy_concentration=cfg.base_accuracy_concentration,
        frac_unsolvable=cfg.frac_unsolvable,
        wrong_concentration=cfg.wrong_concentration,
        wrong_labels=cfg.wrong_labels,
        n_classes=cfg.n_classes,
        share=cfg.share,
        dtype=dtype,
    )


def make_strategy(cfg):
    """The resolved config's `TokenStrategy`."""
    return make_token_strategy(
        learner=cfg.learner,
        wrong_labels=cfg.wrong_labels,
        allocation=cfg.allocation,
        labeler=cfg.labeler,
        mixture=cfg.mixture,
        mode=cfg.mode,
        samples_per_prompt=cfg.samples_per_prompt,
        labels_per_prompt=cfg.labels_per_prompt,
        filter_labels=cfg.filter_labels,
        restart=cfg.restart,
    )
