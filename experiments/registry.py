"""The experiments `python -m experiments` knows: name, presets, how to run, which figure."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class Experiment:
    """An experiment: configs by preset, a run function, and the figure it draws.

    `run(config, run_dir, progress=...)` writes `metrics.json` (and anything else) into
    `run_dir`; `figure(run_dir)` and `report(run_dir)` read only the run directory.
    """

    name: str
    summary: str
    presets: Mapping[str, Any]  # "tiny" | "default" | "large" -> config
    run: Callable[..., None]
    figure: Callable[[Path], list[Path]] | None = None
    claims: tuple[str, ...] = ()
    # report(run_dir) -> rows (dicts with the same keys) of key numbers for REPORT.md
    report: Callable[[Path], list[dict]] | None = None
    # Bump when the layout of what `run` writes changes: a complete run of the same config but
    # another format is recomputed rather than read by code that no longer understands it.
    format: int = 1

    def config(self, preset: str):
        if preset not in self.presets:
            raise ValueError(
                f"preset must be one of {sorted(self.presets)} for {self.name}; got {preset!r}"
            )
        return self.presets[preset]


_REGISTRY: dict[str, Experiment] = {}

# The order of `list` and `reproduce`: by figure number (the testbed draws figures 6 and 7).
ORDER = ("sim", "fig1", "fig2", "fig3", "fig4", "fig5", "testbed", "fig8", "fig9", "fig10")


def register(experiment: Experiment) -> Experiment:
    _REGISTRY[experiment.name] = experiment
    return experiment


def experiments() -> dict[str, Experiment]:
    """All experiments, importing their modules on first use."""
    from experiments import (  # noqa: F401  (each module registers itself)
        fig1_strategies,
        fig2_rounds,
        fig3_phase,
        fig4_collapse,
        fig5_focus,
        fig8_testbed_quality,
        fig9_labels,
        fig10_gap,
        sim_run,
        testbed,
    )

    rank = {name: i for i, name in enumerate(ORDER)}
    return dict(sorted(_REGISTRY.items(), key=lambda item: rank.get(item[0], len(rank))))


def get(name: str) -> Experiment:
    table = experiments()
    if name not in table:
        raise ValueError(f"experiment must be one of {sorted(table)}; got {name!r}")
    return table[name]
