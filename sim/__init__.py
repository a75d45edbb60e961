"""The round (generate, filter, allocate, label, fit) and its finite-vocabulary backend."""

from sim.modes import EXPECTED, MODES, SAMPLED
from sim.strategies import PRESETS
from sim.table.grid import grid_params, simulate, sweep
from sim.table.rollout import init_state, rollout, round_step
from sim.table.strategy import make_strategy
from sim.table.tasks import base_accuracy, make_task, task_from_accuracy, validate_task
from sim.types import Params, PromptStats, SimState, Strategy, Task, make_params

__all__ = [
    "EXPECTED",
    "MODES",
    "PRESETS",
    "SAMPLED",
    "Params",
    "PromptStats",
    "SimState",
    "Strategy",
    "Task",
    "base_accuracy",
    "grid_params",
    "init_state",
    "make_params",
    "make_strategy",
    "make_task",
    "rollout",
    "round_step",
    "simulate",
    "sweep",
    "task_from_accuracy",
    "validate_task",
]
