"""The statistics of repeated runs: Student's t and the interval of a mean."""

import pytest

from dae.statistics import mean_and_interval, percent, t_975


def test_t_quantiles_are_student_t():
    assert (t_975(1), t_975(4), t_975(9), t_975(30)) == (12.706, 2.776, 2.262, 2.042)
    scipy = pytest.importorskip("scipy.stats")
    for df in (31, 40, 60, 120, 1000):
        assert t_975(df) == pytest.approx(scipy.t.ppf(0.975, df), abs=2e-4)
    with pytest.raises(ValueError):
        t_975(0)


def test_one_run_gives_no_interval():
    assert mean_and_interval([0.2]) == (1, 0.2, None, None)
    n, mean, sd, half = mean_and_interval([0.1, 0.3])
    assert (n, sd, half) == (2, pytest.approx(0.1414, abs=1e-4), pytest.approx(12.706 * 0.1))


def test_percent_reports_the_spread_and_the_interval():
    assert percent((1, 0.0121, None, None)) == ("1.21", "n = 1: no interval")
    assert percent(mean_and_interval([0.01, 0.02])) == ("1.50 ± 0.71", "-4.85 – 7.85")
