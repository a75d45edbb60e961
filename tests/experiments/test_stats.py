"""Student-t intervals against published quantiles and a coverage check."""

import numpy as np
import pytest

from theory.stats import mean_ci, t975, t_central_mass

# t_{0.975, df} from standard tables (6 decimals).
TABLE = {
    1: 12.706205,
    2: 4.302653,
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


def test_central_mass_limits():
    assert t_central_mass(0.0, 3) == 0.0
    assert t_central_mass(1e9, 7) == pytest.approx(1.0)
    assert t_central_mass(1.959964, 10**6) == pytest.approx(0.95, abs=1e-5)  # the normal limit
    with pytest.raises(ValueError, match="df must be an integer >= 1"):
        t975(0)


def test_interval_covers_the_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, size=(20000, 5))
    mean, half = mean_ci(x, axis=1)
    coverage = np.mean(np.abs(mean - 1.0) <= half)
    assert abs(coverage - 0.95) < 4 * np.sqrt(0.95 * 0.05 / 20000)
