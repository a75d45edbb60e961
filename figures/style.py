"""Shared look of the figures and an atomic PNG + PDF save."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "base": "0.45",
    "do-nothing": "#7f7f7f",
    "filter-only": "#1f77b4",
    "weak-only": "#9467bd",
    "boosting": "#d62728",
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


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 3.6):
    plt.rcParams.update({"font.size": 9, "axes.grid": True, "grid.alpha": 0.3})
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols, height * nrows),
        squeeze=False,
        constrained_layout=True,
    )
    return fig, axes


def save(fig, path_stem: str | os.PathLike) -> list[Path]:
    """Writes `<stem>.png` and `<stem>.pdf` atomically (temp file, then rename)."""
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
