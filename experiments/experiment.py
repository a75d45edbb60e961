"""An experiment of the command line: configs by preset, how to run it, which figure it draws."""

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
    # Part of `reproduce` and REPORT.md (the paper's figures); `sim`, a single simulation of any
    # option, draws its own figure but is not one of them.
    in_report: bool = True

    def config(self, preset: str):
        if preset not in self.presets:
            raise ValueError(
                f"preset must be one of {sorted(self.presets)} for {self.name}; got {preset!r}"
            )
        return self.presets[preset]
