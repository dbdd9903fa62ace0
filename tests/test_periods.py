import pandas as pd
import pytest

from dealresearch.errors import ParameterError
from dealresearch.periods import latest_complete_quarter, parse_period, period_of


@pytest.mark.parametrize(
    "text, start, end, label",
    [
        ("2026Q3", "2026-07-01", "2026-09-30", "2026Q3"),
        ("2026q1", "2026-01-01", "2026-03-31", "2026Q1"),
        ("2026年第三季度", "2026-07-01", "2026-09-30", "2026Q3"),
        ("2026-07", "2026-07-01", "2026-07-31", "2026-07"),
        ("2026年2月", "2026-02-01", "2026-02-28", "2026-02"),
        ("2026", "2026-01-01", "2026-12-31", "2026"),
        ("2026W01", "2025-12-29", "2026-01-04", "2026W01"),
    ],
)
def test_parse_period(text, start, end, label):
    p = parse_period(text)
    assert p.start == pd.Timestamp(start)
    assert p.end == pd.Timestamp(end)
    assert p.label == label
    assert parse_period(p.label) == p


@pytest.mark.parametrize("bad", ["2026Q5", "2026-13", "Q3", "", "2026Q3; import os", "abc"])
def test_malformed_period_is_a_clear_error(bad):
    with pytest.raises(ParameterError, match="无法识别的期间"):
        parse_period(bad)


def test_shifts():
    q = parse_period("2026Q1")
    assert q.previous().label == "2025Q4"
    assert q.year_ago().label == "2025Q1"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert q.shift(5).label == "2027Q2"


def test_contains_and_period_of():
    dates = pd.Series(pd.to_datetime(["2026-06-30", "2026-07-01", "2026-09-30 18:00", None], format="mixed"))
    assert parse_period("2026Q3").contains(dates).tolist() == [False, True, True, False]
    assert period_of(dates).tolist()[:3] == ["2026Q2", "2026Q3", "2026Q3"]
    assert period_of(dates, "week").tolist()[:3] == ["2026W27", "2026W27", "2026W40"]
    assert period_of(dates, "month").tolist()[:2] == ["2026-06", "2026-07"]
    assert all(parse_period(x).contains(dates.iloc[[i]]).iloc[0] for i, x in enumerate(period_of(dates, "week")[:3]))


def test_latest_complete_quarter():
    full = pd.Series(pd.to_datetime(["2025-01-03", "2026-12-31"]))
    assert latest_complete_quarter(full).label == "2026Q4"
    running = pd.Series(pd.to_datetime(["2025-01-03", "2026-05-20", "2026-11-20"]))
    assert latest_complete_quarter(running).label == "2026Q2"  # Q4 is still running, Q3 empty
    assert latest_complete_quarter(running, asof="2027-01-01").label == "2026Q4"
    with pytest.raises(ParameterError):
        latest_complete_quarter(pd.Series([], dtype="datetime64[ns]"))
