"""Progress of long work on stderr, drawn by `rich` (a dependency of flax): a bar with
done/total, elapsed time, ETA and a note, and log lines above it.

Every run longer than a few seconds shows one: the testbed (base model, then round and step),
each simulation experiment (its arms or sweeps), `reproduce` (its experiments) and
`calibrate`. `enabled=False` (the command line's `--quiet`) prints nothing. On a terminal the
bar redraws in place; when stderr is not a terminal (a log file, CI) rich draws only the final
state, so a plain line with the same fields is written at most every `LOG_EVERY_S` seconds.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as _Rich,
)

LOG_EVERY_S = 30.0
_LIVE: set = set()  # bars drawing now (closed by `close_all` when a run stops with an error)


def _clock(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "-:--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """One task's progress bar: `update(done, note)` or `advance(note)`, `log(line)`, `close()`.

    Also a context manager (closes on exit). `total` counts `unit`s (steps, arms, sweeps).
    """

    def __init__(self, total: int, label: str, *, enabled: bool = True, unit: str = "step"):
        self.total, self.label, self.enabled, self.unit = max(int(total), 1), label, enabled, unit
        self.done = 0
        self._bar = None
        self._start = self._logged = time.perf_counter()
        if enabled:
            console = Console(file=sys.stderr)
            self._plain = not console.is_terminal
            self._bar = _Rich(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit + "s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[note]}"),
                console=console,
                refresh_per_second=4,
            )
            self._task = self._bar.add_task(label, total=self.total, note="")
            self._bar.start()
            _LIVE.add(self)

    def update(self, done: int, note: str = "") -> None:
        self.done = int(done)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, note=note)
            now = time.perf_counter()
            if self._plain and now - self._logged >= LOG_EVERY_S:
                self._logged = now
                self.log(self.line(note, now))

    def line(self, note: str = "", now: float | None = None) -> str:
        """The bar's fields as plain text: label, done/total, elapsed, ETA, note."""
        elapsed = (time.perf_counter() if now is None else now) - self._start
        eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        return (
            f"{self.label}: {self.done}/{self.total} {self.unit}s, elapsed {_clock(elapsed)}, "
            f"ETA {_clock(eta)} {note}"
        ).rstrip()

    def advance(self, note: str = "", by: int = 1) -> None:
        self.update(self.done + by, note)

    def log(self, message: str) -> None:
        """A line above the bar (a result worth keeping in the log), when enabled."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        _LIVE.discard(self)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def close_all() -> None:
    """Stops every bar still drawing (a run that raised before closing its own)."""
    for bar in list(_LIVE):
        bar.close()
