"""Fuzzing --set: every value gives a valid config or an OptionError naming the option."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments import registry
from experiments.configs.coerce import override, parse_sets
from experiments.errors import OptionError

# Every experiment of the command line: the simulator's and the testbed's configs.
NAMES = tuple(registry.experiments())
TRICKY = [
    "inf",
    "-inf",
    "nan",
    "NaN",
    "-1",
    "0",
    "1",
    "2",
    "1e20",
    "-1e20",
    "1e308",
    "1e400",
    "abc",
    "",
    " ",
    "0.5",
    "1.5",
    "-0.5",
    "3.0",
    "1e-30",
    "5e-324",
    "0.9999999999999999",
    "4294967296",
    "4294967295",
    "18446744073709551616",
    "9" * 40,
    "٣",
    "β",
    "0x10",
    "1_000",
    "true",
    "none",
    "null",
    "auto",
    "0.1,0.2",
    "0.1,,nan",
    "boosting",
    "gamma",
    "general",
    "a=b",
    "1,2,3",
    "ｉｎｆ",
]


def _keys(config) -> list[str]:
    keys = [f.name for f in dataclasses.fields(config) if f.name != "base"]
    if hasattr(config, "base"):
        keys += [f.name for f in dataclasses.fields(config.base)]
    return keys


values = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)
COUNTS = {"tried": 0, "valid": 0, "error": 0}


def check(name: str, key: str, value: str) -> None:
    config = registry.get(name).config("tiny")
    COUNTS["tried"] += 1
    try:
        override(config, parse_sets([f"{key}={value}"]))
    except OptionError as err:
        assert key in str(err) or "--set" in str(err), (key, value, str(err))
        COUNTS["error"] += 1
    else:
        COUNTS["valid"] += 1


@pytest.mark.parametrize("name", NAMES)
def test_tricky_values(name):
    for key in _keys(registry.get(name).config("tiny")):
        for value in TRICKY:
            check(name, key, value)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_random_values(name, data):
    keys = _keys(registry.get(name).config("tiny"))
    key = data.draw(st.sampled_from(keys))
    check(name, key, data.draw(values))


def test_key_twice_is_an_error():
    with pytest.raises(OptionError, match="'beta' twice"):
        parse_sets(["beta=0.3", "beta=0.4"])


@pytest.mark.parametrize(
    "sets,message",
    [
        (["filter=gamma", "filter_fpr=0.1"], r"filter_fpr applies only to filter=general.*gamma"),
        (["filter=general", "gamma=0.1"], r"gamma applies only to filter=gamma.*filter_fpr"),
        (["rounds=inf"], "rounds must be an integer"),
        (["rounds=1e20"], "rounds must be an integer"),
        (["rounds=1000000"], r"rounds must be an integer in \[1, 100000\]"),
        (["seed=4294967296"], r"seed must be an integer in \[0, 4294967295\]"),
        (["seed=-1"], r"seed must be an integer in \[0, 4294967295\]"),
        (["seed=4294967295", "seeds=2"], r"seed \+ seeds - 1 must be <= 2\*\*32 - 1"),
        (["theta=1e30"], r"theta must lie in \[0, 50\]"),
        (
            ["base_accuracy_concentration=inf"],
            r"base_accuracy_concentration must lie in \(0, 1e\+06\]",
        ),
    ],
)
def test_sim_option_errors(sets, message):
    with pytest.raises(OptionError, match=message):
        override(registry.get("sim").config("tiny"), parse_sets(sets))


def test_none_is_a_filter_not_unset():
    config = override(registry.get("sim").config("tiny"), parse_sets(["filter=none"]))
    assert config.filter == "none"
    assert override(config, {"filter": "auto"}).filter is None


def test_counts_reported():
    """Runs last in this module: the tally of the fuzzing above (printed with -s)."""
    print(f"\nfuzz: {COUNTS}")
    assert COUNTS["tried"] == COUNTS["valid"] + COUNTS["error"]
