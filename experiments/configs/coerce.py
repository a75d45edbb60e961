"""`key=value` overrides of frozen dataclass configs: parsing, type coercion, clear errors."""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any

import numpy as np

from experiments.errors import OptionError

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
# Words for "unset" (the preset's or derived default). Not "none": it is a filter and an
# allocation of its own.
_NONE = {"null", "auto", "default"}
_NONE_NUMERIC = _NONE | {"none"}  # a number has no option named "none"
MAX_INT = 2**32  # no whole-number option needs more; each config bounds its own further


def _integer(name: str, raw: Any) -> int:
    """A whole number from an int, an integral float or a string ('8', '1e3'); never inf/NaN."""
    bad = OptionError(f"{name} must be an integer; got {raw!r}")
    if isinstance(raw, bool):
        raise bad
    if isinstance(raw, (int, np.integer)):
        value = int(raw)
    else:
        try:
            value = int(str(raw).strip())  # exact, also for ints too large for a float
        except ValueError:
            try:
                number = float(str(raw).strip())
            except ValueError:
                raise bad from None
            if not math.isfinite(number) or number != math.floor(number):
                raise bad from None
            value = int(number)
    if abs(value) > MAX_INT:
        raise OptionError(f"{name} must be an integer of magnitude <= 2**32; got {raw!r}")
    return value


def _number(name: str, raw: Any) -> float:
    """A float; NaN is never a valid option (inf is, where the option's range allows it)."""
    try:
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(f"{name} must be a number; got {raw!r}") from None
    if math.isnan(value):
        raise OptionError(f"{name} must be a number, not NaN; got {raw!r}")
    return value


@functools.cache
def _hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _coerce(cls, name: str, raw: Any, annotation) -> Any:
    """Turns a command-line string (or a value) into the field's declared type."""
    if isinstance(annotation, str):
        annotation = _hints(cls)[name]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        unset = _NONE if inner[0] is str else _NONE_NUMERIC
        if isinstance(raw, str) and raw.strip().lower() in unset and type(None) in args:
            return None
        if raw is None and type(None) in args:
            return None
        return _coerce(cls, name, raw, inner[0])
    if origin is tuple:
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        items = [i.strip() for i in items if not isinstance(i, str) or i.strip()]
        values = tuple(_coerce(cls, name, i, args[0]) for i in items)
        if args[0] is str and len(set(values)) != len(values):  # names: each runs once
            twice = sorted({v for v in values if values.count(v) > 1})
            raise OptionError(f"{name} must not repeat a name; got {', '.join(twice)} twice")
        return values
    if annotation is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise OptionError(f"{name} must be true or false; got {raw!r}")
    if annotation is int:
        return _integer(name, raw)
    if annotation is float:
        return _number(name, raw)
    if annotation is str:
        return str(raw).strip()
    return raw


def parse_sets(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """['a=1', 'b=x'] -> {'a': '1', 'b': 'x'}; a pair without '=', or a key twice, is an error."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise OptionError(f"--set expects key=value; got {pair!r}")
        key, value = pair.split("=", 1)
        key = key.strip()
        if key in out:
            raise OptionError(f"--set gives {key!r} twice ({out[key]!r} and {value.strip()!r})")
        out[key] = value.strip()
    return out


def override(config, values: dict[str, Any]):
    """Returns `config` with `values` applied, each coerced to its field's type.

    Raises OptionError for an unknown key (listing the valid ones), an ill-typed value, or a
    value the config's own `__post_init__` rejects (its message names the option; when it names
    none of `values`, they are prefixed).
    """
    fields = {f.name: f for f in dataclasses.fields(config)}
    updates = {}
    nested: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in fields and "base" in fields and _has_field(config.base, key):
            nested[key] = raw  # an experiment's own keys first, then its base simulation's
            continue
        if key not in fields:
            valid = set(fields) - {"base"}
            if "base" in fields:
                valid |= {f.name for f in dataclasses.fields(config.base)}
            raise OptionError(
                f"unknown option {key!r} for {type(config).__name__}; valid options: "
                + ", ".join(sorted(valid))
            )
        updates[key] = _coerce(type(config), key, raw, fields[key].type)
    if nested:
        updates["base"] = override(updates.get("base", config.base), nested)
    try:
        new = dataclasses.replace(config, **updates)
        if hasattr(new, "check_set"):
            new.check_set(set(values))
    except ValueError as err:  # the config's own checks, also of an option derived from these
        message = str(err)
        if not any(key in message for key in values):
            message = "--set " + " ".join(f"{k}={v}" for k, v in values.items()) + ": " + message
        raise OptionError(message) from None
    return new


def _has_field(obj, key: str) -> bool:
    return dataclasses.is_dataclass(obj) and key in {f.name for f in dataclasses.fields(obj)}
