"""One declaration per option: `opt(default, range=..., choices=..., doc=...)` on a config's
dataclass field, and the check, listing and docs that read it.

Each `--set` key of an experiment is a field of its config dataclass declared with `opt`: its
type is the annotation, its default the preset's value, and the metadata gives its range (numbers)
or choices (strings), what None means where None is allowed, and a one-line meaning. `check`
validates a config against these declarations (each config's `__post_init__` calls it first,
then checks what involves several options, e.g. n_correct < n_responses); `describe` lists them
for `python -m experiments options`, `run NAME --help` and docs/options.md.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any

import numpy as np

from experiments.errors import OptionError
from sim.types import Range

KEY = "option"  # the metadata key of a declared field


def integers(lo: int, hi: int) -> Range:
    """The whole numbers in [lo, hi]."""
    return Range(lo, hi, integer=True)


# Bounds shared by the simulator's and the testbed's options: beyond them a run would not fit in
# memory or time. A PRNG key holds a uint32 seed: seed, seed + 1, ... must stay below 2**32.
MAX_SEED = 2**32 - 1
SEED = integers(0, MAX_SEED)
ROUNDS = integers(1, 100_000)
SEEDS = integers(1, 65_536)
PER_PROMPT = integers(1, 2**16)
PROMPTS = integers(1, 2**24)


@dataclasses.dataclass(frozen=True)
class Spec:
    """What an option accepts and means. For a tuple option, range and choices bound each value.

    Attributes:
      doc: one line: what the option means.
      range: numbers: the valid values.
      choices: strings: the valid values, in the order they are listed.
      unset: where None is allowed: what it means (written `auto` on the command line).
      form: free-form values (neither range nor choices): how they are written.
      min_len: tuples: the fewest values.
      distinct: tuples: no value may repeat.
    """

    doc: str
    range: Range | None = None
    choices: tuple[str, ...] | None = None
    unset: str = ""
    form: str = ""
    min_len: int = 1
    distinct: bool = False


def opt(
    default: Any,
    *,
    doc: str,
    range: Range | None = None,  # noqa: A002 (the option's range, as the docs name it)
    choices=None,
    unset: str = "",
    form: str = "",
    min_len: int = 1,
    distinct: bool = False,
) -> Any:
    """A dataclass field holding `default` and the option's declaration (`Spec`)."""
    spec = Spec(
        doc=doc,
        range=range,
        choices=None if choices is None else tuple(choices),
        unset=unset,
        form=form,
        min_len=min_len,
        distinct=distinct,
    )
    return dataclasses.field(default=default, metadata={KEY: spec})


@functools.cache
def hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def specs(cls) -> dict[str, Spec]:
    """Field name -> its declaration, for every declared field of `cls`, in field order."""
    return {f.name: f.metadata[KEY] for f in dataclasses.fields(cls) if KEY in f.metadata}


def _parts(annotation) -> tuple[Any, bool, bool]:
    """(scalar type, optional, tuple) of a field's annotation."""
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        optional = type(None) in args
        annotation = next(a for a in args if a is not type(None))
    if typing.get_origin(annotation) is tuple:
        return typing.get_args(annotation)[0], optional, True
    return annotation, optional, False


def kind_of(cls, name: str) -> tuple[Any, bool, bool]:
    """(scalar type, None allowed, a tuple of them) of option `name` of `cls`."""
    return _parts(hints(cls)[name])


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _check_value(name: str, value, kind, spec: Spec, many: bool) -> None:
    """One value of option `name` against its type and declaration (OptionError naming both)."""
    values = "list values" if many else "be"
    if kind is bool:
        if not isinstance(value, bool):
            raise OptionError(f"{name} must be true or false; got {value!r}")
    elif kind is int:
        if not _is_int(value) or (spec.range is not None and not spec.range.contains(value)):
            within = f" in {spec.range}" if spec.range is not None else ""
            what = "list integers" if many else "be an integer"
            raise OptionError(f"{name} must {what}{within}; got {value!r}")
    elif kind is float:
        if not _is_number(value) or (spec.range is not None and not spec.range.contains(value)):
            if spec.range is None:
                raise OptionError(f"{name} must {values} that are numbers; got {value!r}")
            what = "list values in" if many else "lie in"
            raise OptionError(f"{name} must {what} {spec.range}; got {value!r}")
    elif kind is str:
        if not isinstance(value, str):
            raise OptionError(f"{name} must {values} that are strings; got {value!r}")
        if spec.choices is not None and value not in spec.choices:
            what = "be drawn from" if many else "be one of"
            raise OptionError(f"{name} must {what} {list(spec.choices)}; got {value!r}")


def check(config) -> None:
    """Raises OptionError naming the first declared option of `config` that its type, range or
    choices refuse (the message gives the valid ones)."""
    cls = type(config)
    for name, spec in specs(cls).items():
        value = getattr(config, name)
        kind, optional, many = _parts(hints(cls)[name])
        if value is None:
            if optional:
                continue
            raise OptionError(f"{name} must be set; got None")
        if not many:
            _check_value(name, value, kind, spec, many=False)
            continue
        if not isinstance(value, tuple):
            raise OptionError(f"{name} must be a tuple of values; got {value!r}")
        if len(value) < spec.min_len:
            need = "at least one value" if spec.min_len == 1 else f"at least {spec.min_len} values"
            raise OptionError(f"{name} must hold {need}; got {value!r}")
        for v in value:
            _check_value(name, v, kind, spec, many=True)
        if spec.distinct and len(set(value)) != len(value):
            raise OptionError(f"{name} must not repeat a value; got {value!r}")


def _type_name(annotation) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def valid(cls, name: str) -> str:
    """How the valid values of option `name` of `cls` are written: `(0, 1]`, `a | b`, ..."""
    spec = specs(cls)[name]
    kind, optional, many = _parts(hints(cls)[name])
    if spec.range is not None:
        text = str(spec.range)
    elif spec.choices is not None:
        text = " | ".join(spec.choices)
    elif kind is bool:
        text = "true | false"
    else:
        text = spec.form or "any"
    if many:  # a comma-separated list: the range or choices bound each value
        text += ", each once" if spec.distinct else ", each"
        if spec.min_len > 1:
            text += f" (at least {spec.min_len} values)"
    if optional:
        text += f", or auto: {spec.unset}" if spec.unset else ", or auto"
    return text


def describe(config) -> list[dict[str, str]]:
    """One row per `--set` key of `config`: its own options, then its base config's (with the
    values this config gives them)."""
    rows = []
    parts = [config] + (
        [config.base] if dataclasses.is_dataclass(getattr(config, "base", None)) else []
    )
    for part in parts:
        cls = type(part)
        for name, spec in specs(cls).items():
            rows.append(
                dict(
                    key=name,
                    type=_type_name(hints(cls)[name]).replace("typing.", ""),
                    default=repr(getattr(part, name)),
                    range=valid(cls, name),
                    meaning=spec.doc,
                )
            )
    return rows


def undeclared(cls) -> list[str]:
    """Fields of `cls` that are neither declared options nor a nested `base` config."""
    return [f.name for f in dataclasses.fields(cls) if KEY not in f.metadata and f.name != "base"]


def range_of(cls, name: str) -> Range:
    """The declared range of option `name` of `cls` (for an option that sweeps another's values)."""
    found = specs(cls)[name].range
    assert found is not None, name
    return found
