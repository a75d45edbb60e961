"""The testbed's tasks by name: the registry the config's `task` option reads (`TASKS`,
`register_task`, `get_task`). The protocol and the helpers live in `sim.lm.task_kit` (re-exported
here); `addition` and `programs` (`sim.lm.task_impls`) are registered on import."""

from __future__ import annotations

from sim.lm.task_impls import Addition, Programs
from sim.lm.task_kit import (  # noqa: F401  (re-exported)
    PROTOCOL_MEMBERS,
    LMTask,
    RoundProblems,
    counts,
    no_filter,
    round_problems_from,
    seq_len,
    set_sizes,
)

TASKS: dict[str, LMTask] = {}
DEFAULT = "addition"  # the config's default `task`


def register_task(task: LMTask) -> LMTask:
    """Adds `task` to `TASKS` under `task.name` (the config's `task` then accepts the name)."""
    if not isinstance(task, LMTask):
        missing = [n for n in PROTOCOL_MEMBERS if not hasattr(task, n)]
        raise TypeError(f"{task!r} is not an LMTask: it lacks {missing}")
    TASKS[task.name] = task
    return task


def get_task(name: str) -> LMTask:
    """The registered task `name` (ValueError naming the option and the valid names)."""
    _load_builtin()
    if name not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)}; got {name!r}")
    return TASKS[name]


def task_names() -> list[str]:
    _load_builtin()
    return list(TASKS)


def _load_builtin() -> None:
    """Kept for callers: the built-in tasks are registered when this module is imported."""


ADDITION = register_task(Addition())
PROGRAMS = register_task(Programs())
