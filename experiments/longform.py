"""metrics.csv: a run's metrics.json in long form, one number a row, and `load` to read it.

Columns: experiment, arm, seed, round, metric, value. `metric` is the key of a per-round array,
`arm` the path of dict keys above it ('/'-joined, '' at the top; further leading axes as
`[i]`), `seed` the index along a leading seed axis (an axis as long as the config's `seeds`,
when there are more than one) else '', `round` the index along the last axis ('' for a scalar).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

CSV_FILE = "metrics.csv"
COLUMNS = ("experiment", "arm", "seed", "round", "metric", "value")


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], np.ndarray]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (str(key),))
        return
    if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for i, value in enumerate(node):  # a list of records: each is an arm
            yield from _leaves(value, path + (str(i),))
        return
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return
    try:
        array = np.asarray(node, dtype=np.float64)  # null (NaN or inf in JSON) -> NaN
    except (TypeError, ValueError):  # strings or ragged lists: not a metric
        return
    if path:
        yield path, array


def rows(metrics: Any, experiment: str, seeds: int | None) -> Iterator[tuple]:
    """The long-form rows of `metrics`, in the order of COLUMNS."""
    for path, array in _leaves(metrics, ()):
        arm, metric = "/".join(path[:-1]), path[-1]
        if array.ndim == 0:
            yield experiment, arm, "", "", metric, array.item()
            continue
        seed_axis = array.ndim >= 2 and seeds is not None and seeds > 1 and array.shape[0] == seeds
        for index in np.ndindex(array.shape):
            seed = index[0] if seed_axis else ""
            middle = index[1 if seed_axis else 0 : -1]
            name = arm + (f"[{','.join(map(str, middle))}]" if middle else "")
            yield experiment, name, seed, index[-1], metric, array[index]


def _seeds(config: dict) -> int | None:
    for part in (config, config.get("base") or {}):
        if isinstance(part, dict) and isinstance(part.get("seeds"), int):
            return part["seeds"]
    return None


def to_csv(metrics: Any, experiment: str, config: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows(metrics, experiment, _seeds(config)):
        value = row[-1]
        writer.writerow(row[:-1] + ("" if np.isnan(value) else repr(float(value)),))
    return buffer.getvalue()


def load(run_dir: str | os.PathLike):
    """metrics.csv of a run directory: a pandas DataFrame when pandas is installed, else a dict
    of NumPy arrays by column (seed, round and value as floats, NaN where empty)."""
    path = Path(run_dir) / CSV_FILE
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        empty = {c: [""] for c in ("seed", "round", "value")}
        text = {c: str for c in ("experiment", "arm", "metric")}
        return pd.read_csv(path, dtype=text, keep_default_na=False, na_values=empty)
    with open(path, newline="") as f:
        records = list(csv.DictReader(f))
    out = {}
    for column in COLUMNS:
        values = [r[column] for r in records]
        if column in ("seed", "round", "value"):
            out[column] = np.asarray([float(v) if v else np.nan for v in values])
        else:
            out[column] = np.asarray(values, dtype=str)
    return out
