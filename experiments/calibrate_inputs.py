"""`calibrate`'s inputs, each read once and checked once: pass@k values, per-prompt counts, and
whether a Beta model can produce the pass@k given."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import numpy as np

from theory import calibration as cal


def parse_pass_at_k(text: str, option: str = "--pass-at-k") -> dict[int, float]:
    """'1:0.42,10:0.71' -> {1: 0.42, 10: 0.71}; a ValueError naming `option` otherwise (also
    for a k given twice: which value was meant is not ours to guess)."""
    out: dict[int, float] = {}
    for item in (i.strip() for i in text.split(",") if i.strip()):
        try:
            k, v = item.split(":")
            k, v = int(k), float(v)
        except ValueError:
            raise ValueError(
                f"{option} expects K:V pairs like 1:0.42,10:0.71; got {item!r}"
            ) from None
        if k in out:
            raise ValueError(f"{option} gives k = {k} twice ({out[k]:g} and {v:g}); give it once")
        out[k] = v
    try:
        cal._check_pass_at_k(out) if option == "--pass-at-k" else None
    except ValueError as err:
        raise ValueError(f"{option}: {err}") from None
    return out


def _no_repeats(pairs):
    """json.loads's object hook: a key given twice is an error, not a silent last-wins."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice ({out[key]!r} and {value!r})")
        out[key] = value
    return out


def _count(name: str, value) -> int:
    """A whole number from JSON: an int, or a float with no fractional part; never a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if not math.isfinite(value) or value != math.floor(value):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    return int(value)


def load_counts(path: str | Path) -> tuple[np.ndarray, int]:
    """--counts FILE: JSON with `samples_per_prompt` n and `per_prompt` {id: correct count}.

    Each count is a whole number in [0, n] (not a bool, not fractional), and no key repeats."""
    try:
        data = json.loads(Path(path).read_text(), object_pairs_hook=_no_repeats)
        n = _count("samples_per_prompt", data["samples_per_prompt"])
        per = data["per_prompt"]
        j = np.asarray([_count(f"per_prompt[{i!r}]", v) for i, v in per.items()], np.float64)
    except (OSError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(
            f"--counts: {path} must be JSON with samples_per_prompt and per_prompt "
            f"{{id: correct count}}; {err}"
        ) from None
    if n < 1 or j.size == 0 or np.any((j < 0) | (j > n)):
        raise ValueError(f"--counts: {path}: counts must lie in [0, samples_per_prompt = {n}]")
    return j, n


def check_fit(observed: dict[int, float], a: float, b: float, tolerance: float) -> None:
    """Refuses a Beta fit that misses an observed pass@k by more than `tolerance` (absolute):
    no Beta(a, b) produces such values (with three or more, each pair may be possible while
    the set is not), and predictions from the nearest one would be about another model."""
    with jax.enable_x64(True):
        fitted = {k: float(cal.pass_at_k(a, b, k)) for k in observed}
    worst = max(observed, key=lambda k: abs(fitted[k] - observed[k]))
    if abs(fitted[worst] - observed[worst]) > tolerance:
        given = ",".join(f"{k}:{v:g}" for k, v in observed.items())
        best = ", ".join(f"pass@{k} = {fitted[k]:.4f}" for k in observed)
        raise ValueError(
            f"--pass-at-k: no Beta(a, b) reproduces {given}: the closest, Beta({a:.4g}, {b:.4g}),"
            f" gives {best} (off by {abs(fitted[worst] - observed[worst]):.3g} at k = {worst}, "
            f"more than --tolerance {tolerance:g})"
        )
