"""Shared look of the figures and an atomic PNG + PDF save."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

# The README shows every figure at full column width (~800 px): text must stay readable when a
# figure of W inches is scaled down to that, so the smallest text ("small": legends, notes) is
# at least 8 pt per 10 inches of width.
SMALL_PT_PER_10IN = 8.0
_SMALL = 0.833  # matplotlib's "small" relative to font.size

COLORS = {
    "base": "0.45",
    "do-nothing": "#7f7f7f",
    "filter-only": "#1f77b4",
    "weak-only": "#9467bd",
    "boosting": "#d62728",
    "boosting-checked": "#e377c2",
    "boosting-uniform": "#ff7f0e",
    "boosting-weights": "#8c564b",
    "accumulate": "#2ca02c",
    "oracle": "#17becf",
}


def color(name: str) -> str:
    return COLORS.get(name.split()[0], "black")


def sequential(n: int, cmap: str = "viridis") -> list:
    """`n` colours along a sequential colormap (ordered parameters: beta, gamma, k, budgets),
    stopping short of its pale end so every curve stays visible on white."""
    colormap = plt.get_cmap(cmap)
    return [colormap(x) for x in np.linspace(0.0, 0.85, n)] if n > 1 else [colormap(0.0)]


def font_size(total_width: float) -> float:
    """The base font size (pt) of a figure `total_width` inches wide: its "small" text (legends,
    notes, tick labels) is at least SMALL_PT_PER_10IN pt per 10 inches, and never below 8 pt."""
    return max(8.0, SMALL_PT_PER_10IN * max(total_width, 10.0) / 10.0) / _SMALL


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 3.6):
    plt.rcParams.update(
        {
            "font.size": font_size(width * ncols),
            "axes.titlesize": "medium",
            "figure.titlesize": "medium",
            "axes.labelsize": "medium",
            "legend.fontsize": "small",
            "xtick.labelsize": "small",
            "ytick.labelsize": "small",
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols, height * nrows),
        squeeze=False,
        constrained_layout=True,
    )
    return fig, axes


class _PlainLogFormatter(ticker.LogFormatter):
    """Log-axis tick labels as plain numbers (6, 20, 0.3), not 6×10⁰; the choice of which minor
    ticks get a label is matplotlib's. Outside [1e-3, 1e5) it falls back to 10ⁿ."""

    def __call__(self, x, pos=None):
        if not super().__call__(x, pos):
            return ""
        if 1e-3 <= abs(x) < 1e5:
            return f"{x:.6g}"
        exponent = int(np.floor(np.log10(abs(x)) + 1e-9))
        mantissa = x / 10.0**exponent
        head = "" if np.isclose(mantissa, 1.0) else f"{mantissa:.3g}\\times"
        return f"${head}10^{{{exponent}}}$"


def plain_log_ticks(ax) -> None:
    """Plain-number tick labels on whichever of `ax`'s axes are logarithmic."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False))
            axis.set_minor_formatter(
                _PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5))
            )


def legend_below(ax, **kwargs):
    """The axes' legend under its x label (constrained layout makes the room), off the data."""
    lines = ax.get_xlabel().count("\n") + 1
    drop = (1.6 + 1.4 * lines) * plt.rcParams["font.size"] / 72.0  # inches: ticks, x label
    return ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.transAxes + ScaledTranslation(0.0, -drop, ax.figure.dpi_scale_trans),
        **kwargs,
    )


def label_line_ends(ax, items, *, gap: float = 0.06, dx_points: float = 6.0) -> None:
    """Writes labels at the right ends of lines, pushed apart vertically so none overlap.

    `items`: (x, y, text, color) in data coordinates. Call it after the axes' scales and limits
    are final (it freezes the y limits). `gap`: the least distance between two labels, as a
    fraction of the axes' height; lines ending closer than half of it share one label."""
    if not items:
        return
    ax.set_ylim(ax.get_ylim())  # freeze: labels are placed in axes fractions of these limits
    to_axes = ax.transScale + ax.transLimits
    placed = sorted(
        ((to_axes.transform((x, y))[1], x, text, c) for x, y, text, c in items if np.isfinite(y)),
        key=lambda row: row[0],
    )
    # Lines that end at the same height (within half a gap) share one label, "C1, C6": pushed
    # apart, the second label would sit beside some other line.
    merged = []
    for row in placed:
        if merged and row[0] - merged[-1][0] < gap / 2 and row[2] not in merged[-1][2]:
            y, x, text, c = merged[-1]
            merged[-1] = (y, x, f"{text}, {row[2]}", c)
        else:
            merged.append(row)
    placed = merged
    ys = [row[0] for row in placed]
    for i in range(1, len(ys)):  # push up ...
        ys[i] = max(ys[i], ys[i - 1] + gap)
    overshoot = ys[-1] - (1.0 - gap / 2) if ys else 0.0
    if overshoot > 0:  # ... then back down if the top one left the axes
        ys[-1] -= overshoot
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    offset = ScaledTranslation(dx_points / 72.0, 0.0, ax.figure.dpi_scale_trans)
    for y_frac, (_, x, text, c) in zip(ys, placed, strict=True):
        x_frac = to_axes.transform((x, 1.0))[0]
        ax.text(
            x_frac,
            y_frac,
            text,
            color=c,
            fontsize="small",
            va="center",
            ha="left",
            transform=ax.transAxes + offset,
            clip_on=False,
        )


SMOKE_COLOR = "#c00000"
_MARKS: list[str] = []


def smoke_mark(preset: str) -> str:
    return f"SMOKE RUN (preset {preset}): numbers mean nothing"


@contextlib.contextmanager
def marked(text: str | None):
    """Every figure saved inside the block carries `text` (None: nothing) as the first line of
    its title, and the title turns red: a smoke run's figures say so wherever they are shown.
    The title is where the layout keeps room, so the mark never covers the data."""
    _MARKS.append(text)
    try:
        yield
    finally:
        _MARKS.pop()


def _stamp(fig, text: str) -> None:
    title = fig._suptitle  # the figure's title artist (None until suptitle is called)
    if title is not None and title.get_text():
        title.set_text(f"{text}\n{title.get_text()}")
        title.set_color(SMOKE_COLOR)
    else:
        fig.suptitle(text, color=SMOKE_COLOR)


def save(fig, path_stem: str | os.PathLike) -> list[Path]:
    """Writes `<stem>.png` and `<stem>.pdf` atomically (temp file, then rename), with the mark
    of an enclosing `marked` block."""
    if _MARKS and _MARKS[-1]:
        _stamp(fig, _MARKS[-1])
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in ("png", "pdf"):
        final = stem.with_suffix(f".{ext}")
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=f".{ext}")
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=150, format=ext)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; figures are for sharing
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(final)
    plt.close(fig)
    return written
