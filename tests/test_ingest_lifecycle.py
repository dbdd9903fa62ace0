"""Deal lifecycle helpers: export dates from file names, collapsing repeated deal rows."""

import pandas as pd
import pytest

from dealresearch.ingest.lifecycle import collapse, date_from_name
from dealresearch.schema import Deal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("成交明细_20260331", "2026-03-31"),
        ("deals-2025.12.01", "2025-12-01"),
        ("成交2026Q1", "2026-03-31"),
        ("成交2025年第4季度", "2025-12-31"),
        ("export_2026q2", "2026-06-30"),
    ],
)
def test_export_date_is_read_from_the_file_name(name, expected):
    assert date_from_name(name) == pd.Timestamp(expected)


def test_file_name_without_a_date_gives_none():
    assert date_from_name("成交明细") is None


def test_collapse_keeps_the_highest_status_and_fills_gaps():
    frame = pd.DataFrame(
        {
            Deal.deal_id: ["A", "B", "A"],
            Deal.status: ["认购", "签约", "签约"],
            Deal.total_price: [None, 2.0, 1.0],
            Deal.project: ["P", "Q", None],
        }
    )
    out, merged_away = collapse(frame)
    assert merged_away.tolist() == [True, False, False]
    assert out[Deal.deal_id].tolist() == ["B", "A"]
    a = out[out[Deal.deal_id] == "A"].iloc[0]
    assert a[Deal.status] == "签约" and a[Deal.total_price] == 1.0 and a[Deal.project] == "P"


def test_collapse_refuses_a_non_unique_index_when_rows_repeat():
    frame = pd.DataFrame({Deal.deal_id: ["A", "A"], Deal.status: ["签约", "签约"]}, index=[0, 0])
    with pytest.raises(ValueError, match="unique index"):
        collapse(frame)
