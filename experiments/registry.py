"""The experiments `python -m experiments` knows, in the order of `list` and `reproduce`.

A static table: importing it imports every experiment module once, and no module registers
itself (so there is no import cycle through this file).
"""

from __future__ import annotations

from experiments import (
    fig1_strategies,
    fig2_rounds,
    fig3_phase,
    fig4_collapse,
    fig5_focus,
    fig8_testbed_quality,
    fig9_labels,
    fig10_gap,
    fig11_hard,
    fig12_tokens,
    fig13_weak_kinds,
    scale_gap,
    sim_run,
    testbed,
)
from experiments.experiment import Experiment

# By figure number (the testbed draws figures 6 and 7).
TABLE: dict[str, Experiment] = {
    e.name: e
    for e in (
        sim_run.EXPERIMENT,
        fig1_strategies.EXPERIMENT,
        fig2_rounds.EXPERIMENT,
        fig3_phase.EXPERIMENT,
        fig4_collapse.EXPERIMENT,
        fig5_focus.EXPERIMENT,
        testbed.EXPERIMENT,
        fig8_testbed_quality.EXPERIMENT,
        fig9_labels.EXPERIMENT,
        fig10_gap.EXPERIMENT,
        fig11_hard.EXPERIMENT,
        fig12_tokens.EXPERIMENT,
        fig13_weak_kinds.EXPERIMENT,
        scale_gap.EXPERIMENT,
    )
}


def experiments() -> dict[str, Experiment]:
    """All experiments, by name, in figure order."""
    return dict(TABLE)


def reproduced() -> dict[str, Experiment]:
    """The experiments `reproduce` runs and REPORT.md shows: those with a figure and
    `in_report`, by name, in figure order."""
    return {n: e for n, e in TABLE.items() if e.figure is not None and e.in_report}


def get(name: str) -> Experiment:
    if name not in TABLE:
        raise ValueError(f"experiment must be one of {sorted(TABLE)}; got {name!r}")
    return TABLE[name]
