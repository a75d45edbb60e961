"""Student-t intervals against published quantiles, a coverage check, and NaN entries."""

import math

import numpy as np
import pytest

from theory.stats import ci_summary, mean_ci, t975

# t_{0.975, df} from standard tables (6 decimals).
TABLE = {
    1: 12.706205,
    2: 4.302653,
    3: 3.182446,
    4: 2.776445,
    5: 2.570582,
    9: 2.262157,
    29: 2.045230,
    60: 2.000298,
    120: 1.979930,
}


@pytest.mark.parametrize("df,value", TABLE.items())
def test_t975_matches_tables(df, value):
    assert t975(df) == pytest.approx(value, abs=2e-6)


def test_t975_limits_and_errors():
    assert t975(10**7) == pytest.approx(1.959964, abs=1e-5)  # the normal limit
    np.testing.assert_allclose(t975(np.asarray([1, 9])), [TABLE[1], TABLE[9]], atol=2e-6)
    for bad in (0, 2.5, -1):
        with pytest.raises(ValueError, match="df must be an integer >= 1"):
            t975(bad)


def test_interval_covers_the_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, size=(20000, 5))
    mean, half = mean_ci(x, axis=1)
    coverage = np.mean(np.abs(mean - 1.0) <= half)
    assert abs(coverage - 0.95) < 4 * np.sqrt(0.95 * 0.05 / 20000)


def _reference(values):
    """Mean and t half-width of the values that exist, by a plain loop."""
    v = [x for x in values if not math.isnan(x)]
    n = len(v)
    mean = sum(v) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1))
    return mean, TABLE[n - 1] * sd / math.sqrt(n), n


def test_nan_entries_are_not_counted():
    rows = [
        [0.2, np.nan, 0.5, 0.9, np.nan, 0.4],  # n = 4
        [0.1, 0.3, 0.2, np.nan, 0.6, 0.8],  # n = 5
        [0.7, 0.1, np.nan, np.nan, np.nan, 0.3],  # n = 3
    ]
    x = np.asarray(rows)
    mean, half = mean_ci(x, axis=1)
    mean_t, half_t = mean_ci(x.T, axis=0)  # the axis is honoured
    for i, row in enumerate(rows):
        ref_mean, ref_half, n = _reference(row)
        assert mean[i] == pytest.approx(ref_mean, rel=1e-12)
        assert half[i] == pytest.approx(ref_half, rel=1e-6)
        assert (mean_t[i], half_t[i]) == (mean[i], half[i])
        s = ci_summary(row)
        assert s["n"] == n and s["mean"] == pytest.approx(ref_mean, rel=1e-12)
        assert s["half_width"] == pytest.approx(ref_half, rel=1e-6)
        assert len(s["values"]) == len(row)  # seed i stays at position i


def test_one_or_no_value_has_no_interval():
    mean, half = mean_ci(np.asarray([[np.nan, 0.3], [np.nan, np.nan]]), axis=1)
    assert mean[0] == 0.3 and half[0] == 0.0
    assert np.isnan(mean[1]) and np.isnan(half[1])
    s = ci_summary([np.nan, 0.3])
    assert s["n"] == 1 and s["mean"] == 0.3 and math.isnan(s["half_width"])
