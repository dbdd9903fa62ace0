"""The one column registry (issue #14.3): name → Chinese label → display kind."""

from __future__ import annotations

import pandas as pd
import pytest

from dealresearch import schema
from dealresearch.errors import ParameterError
from dealresearch.present import base as P
from dealresearch.present import columns


def test_schema_labels_are_registered():
    assert columns.label(schema.Deal.total_price) == schema.label(schema.Deal.total_price)
    assert columns.label(schema.Survey.comment) == "意见和建议"
    assert columns.info(schema.Deal.project).source == "schema"


def test_unknown_name_or_kind_is_an_error_naming_it():
    with pytest.raises(ParameterError, match="no_such_column"):
        columns.label("no_such_column")
    with pytest.raises(ParameterError, match="percent"):
        columns.check_kind("percent", "share")
    assert columns.header("客户数") == "客户数"  # reader-facing names pass through as headers


def test_area_mappings_are_read(monkeypatch):
    """An area's COLUMNS mapping adds labels and kinds; a bad kind in it is an error."""
    planted = {"planted_amount": ("植入金额(元)", "money"), "planted_flag": ("植入标记", "flag")}
    monkeypatch.setattr(columns, "_area_mapping", lambda area: planted if area == "profile" else {})
    columns.registry.cache_clear()
    try:
        assert columns.label("planted_amount") == "植入金额(元)" and columns.kind("planted_amount") == "money"
        out = P.table_html(pd.DataFrame({"planted_amount": [1.5e6, 2.5e6], "planted_flag": [True, False]}))
        assert "<th>植入金额（万元）</th>" in out and "<td>150.0</td>" in out  # the registered kind applies
        assert "<td>是</td>" in out and "planted" not in out
        monkeypatch.setattr(columns, "_area_mapping", lambda area: {"bad": ("坏", "percent")})
        columns.registry.cache_clear()
        with pytest.raises(ParameterError, match="percent"):
            columns.registry()
    finally:
        columns.registry.cache_clear()


def test_real_area_mappings_use_known_kinds():
    reg = columns.registry()
    areas = {info.source for info in reg.values()} - {"schema"}
    assert "sales" in areas  # dealresearch.sales.COLUMNS is read
    assert all(info.kind is None or info.kind in columns.KINDS for info in reg.values())
    assert columns.kind("net_amount") == "money" and columns.header("net_amount") == "净签约金额(元)"
