"""Every option of every experiment is declared once, and the declaration is what is enforced.

For each experiment and each `--set` key: a value just inside the listed range is accepted and
one just outside is refused with the listed range in the message; each listed choice is
accepted and an unlisted one refused with every choice in the message. A value that the
declaration allows may still be refused by a check across options (e.g. k <= n, a token-only
key on the table task), but never with the key's own listed range or choices.
"""

import dataclasses
import math
import re
from pathlib import Path

import pytest

from experiments import options, registry
from experiments.cli import main
from experiments.configs import spec
from experiments.configs.coerce import override
from experiments.errors import OptionError

NAMES = tuple(registry.experiments())
DOCS = Path(__file__).resolve().parents[2] / "docs" / "options.md"
TALLY = {"accepted": 0, "refused across options": 0, "refused as declared": 0}
ACCEPTED: dict[tuple[str, str], int] = {}  # (config class, key) -> allowed values accepted
SELF_REFUSED: set[tuple[str, str]] = set()  # allowed values refused by a check on the key itself


def _keys(config) -> list[tuple[str, object, type]]:
    """(key, the object holding it, its class) for every --set key of `config`."""
    out = [(name, config, type(config)) for name in spec.specs(type(config))]
    base = getattr(config, "base", None)
    if dataclasses.is_dataclass(base):
        out += [(name, base, type(base)) for name in spec.specs(type(base))]
    return out


def _step(x: float) -> float:
    return 1e-6 * max(1.0, abs(x))


def _text(value, kind) -> str:
    if kind is int:
        return str(int(value))
    return repr(float(value))


def _probes(rng, kind) -> tuple[list, list]:
    """(values just inside, values just outside) the range, at both ends."""
    inside, outside = [], []
    one = 1 if kind is int else None
    for end, sign, is_open in ((rng.lo, 1, rng.lo_open), (rng.hi, -1, rng.hi_open)):
        if math.isinf(end):
            (outside if is_open else inside).append(end)
            continue
        delta = one or _step(end)
        inside.append(end + sign * delta if is_open else end)
        outside.append(end if is_open else end - sign * delta)
    return inside, outside


def _as_set(holder, name: str, kind, many: bool, value, at_end: bool) -> str:
    """The --set text giving `value` to option `name`: for a tuple option, the preset's tuple with
    its first (or, `at_end`, its last) value replaced."""
    if not many:
        return value if isinstance(value, str) else _text(value, kind)
    values = list(getattr(holder, name))
    values[-1 if at_end else 0] = value
    return ",".join(v if isinstance(v, str) else _text(v, kind) for v in values)


def _try(config, key: str, raw: str) -> str | None:
    """None if `key=raw` is accepted, else the error message up to the value it got. A key that
    "applies only to" another option's value (filter_tpr: filter=general) is tried with it."""
    for _ in range(2):
        try:
            override(config, {key: raw})
        except OptionError as err:
            message = str(err).split("; got ")[0]
            needs = re.search(rf"^{key} applies only to (\w+)=(\w+)", message)
            if needs is None:
                return message
            try:
                config = override(config, {needs[1]: needs[2]})
            except OptionError:  # the experiment fixes that option (fig2's filter=gamma)
                return message
        else:
            return None
    return message


def _accepted(config, key: str, raw: str, declared: list[str]) -> None:
    """`key=raw` is accepted, or refused by a check across options (not by its declaration)."""
    message = _try(config, key, raw)
    if message is None:
        TALLY["accepted"] += 1
        owner = type(config) if key in spec.specs(type(config)) else type(config.base)
        ACCEPTED[owner.__name__, key] = ACCEPTED.get((owner.__name__, key), 0) + 1
        return
    if message.startswith(f"{key} "):  # a check on the key itself must involve another option
        others = {k for k, _, _ in _keys(config)} - {key} | {"base"}
        assert any(re.search(rf"\b{k}\b", message) for k in others), (key, raw, message)
        owner = type(config) if key in spec.specs(type(config)) else type(config.base)
        SELF_REFUSED.add((owner.__name__, key))
    assert not (f"{key} must" in message and all(d in message for d in declared)), (
        key,
        raw,
        message,
    )
    TALLY["refused across options"] += 1


def _refused(config, key: str, raw: str, declared: list[str]) -> None:
    message = _try(config, key, raw)
    assert message is not None, (key, raw)
    assert key in message and all(d in message for d in declared), (key, raw, message)
    TALLY["refused as declared"] += 1


@pytest.mark.parametrize("name", NAMES)
def test_every_key_is_declared_and_enforced(name):
    config = registry.get(name).config("tiny")
    for cls in {type(config), type(getattr(config, "base", None))} - {type(None)}:
        assert spec.undeclared(cls) == [], cls  # every field but `base` is a declared option
    for key, holder, cls in _keys(config):
        declared = spec.specs(cls)[key]
        kind, optional, many = spec.kind_of(cls, key)
        assert declared.doc.strip(), (name, key)
        assert spec.valid(cls, key) != "any", (name, key)
        if optional:  # unset: no declared check applies (a check across options may)
            message = _try(config, key, "auto")
            TALLY["accepted" if message is None else "refused across options"] += 1
        if declared.range is not None:
            listed = str(declared.range)
            inside, outside = _probes(declared.range, kind)
            for i, v in enumerate(inside):
                _accepted(config, key, _as_set(holder, key, kind, many, v, i == 1), [listed])
            for i, v in enumerate(outside):
                _refused(config, key, _as_set(holder, key, kind, many, v, i == 1), [listed])
        elif declared.choices is not None:
            quoted = [repr(c) for c in declared.choices]
            for choice in declared.choices:  # for a tuple option: a list of one value
                _accepted(config, key, choice, quoted)
            _refused(config, key, "nosuch", quoted)
        elif kind is bool:
            for raw in ("true", "false"):
                _accepted(config, key, raw, ["true or false"])
            _refused(config, key, "maybe", ["true or false"])
        else:
            assert declared.form, (name, key)  # free-form: how it is written is stated


def test_tally():
    """Runs after the probes above (printed with -s): every key of every config class accepts
    some value its declaration allows in at least one experiment, unless only checks naming
    another option refused it (max_digits: seed_difficulty must hold max_digits weights). A key
    refused everywhere by its own check would hide a second, undeclared range."""
    print(f"\noption probes: {TALLY}")
    assert TALLY["refused as declared"] > 0 and TALLY["accepted"] > TALLY["refused across options"]
    for name in NAMES:
        config = registry.get(name).config("tiny")
        for key, _, cls in _keys(config):
            if spec.kind_of(cls, key)[0] is not str or spec.specs(cls)[key].choices:
                seen = ACCEPTED.get((cls.__name__, key), 0) > 0
                assert seen or (cls.__name__, key) not in SELF_REFUSED, (cls.__name__, key)


def test_docs_match_the_declarations():
    assert DOCS.read_text() == options.markdown(), (
        "docs/options.md is stale: python -m experiments.options > docs/options.md"
    )


def test_options_table_lists_every_key_with_its_meaning(capsys):
    assert main(["options", "testbed", "--preset", "gpu"]) == 0
    out = capsys.readouterr().out
    config = registry.get("testbed").config("gpu")
    for key, declared in spec.specs(type(config)).items():
        assert f"\n{key} " in out and declared.doc in out, key
    assert "max_digits          int, default 6, in [2, 8]" in out
    assert "strategies" in out and "each once" in out


def test_bad_preset_fails_before_any_output(capsys):
    assert main(["options", "testbed", "--preset", "nosuch"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "preset must be one of" in captured.err and "'paper'" in captured.err


def test_run_help_names_the_experiments_presets_and_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "testbed", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "tiny | default | paper | gpu | programs-tiny | programs-default | programs-gpu" in out
    assert "seed_difficulty" in out and "sample_chunk" in out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "run NAME --help" in capsys.readouterr().out
