"""One set of number rules (dealresearch.fmt) and their use in present tables."""

import numpy as np
import pandas as pd
import pytest

from dealresearch import fmt
from dealresearch.present import base as P


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_is_a_dash_and_never_significant(missing):
    for kind in fmt.KINDS:
        assert fmt.value(missing, kind) == "—"
    assert fmt.p_value(missing) == "—"
    assert fmt.significant(missing, 0.05) is False


def test_p_values_three_decimals_or_below_a_thousandth():
    assert fmt.p_value(0.0004) == "<0.001"
    assert fmt.p_value(0.001) == "0.001"
    assert fmt.p_value(0.0304) == "0.030"
    assert fmt.p_value(1.0) == "1.000"
    assert fmt.significant(0.049, 0.05) and not fmt.significant(0.05, 0.05)
    mask = fmt.significant_mask(pd.Series([0.01, np.nan, 0.2, None], dtype="float64"), 0.05)
    assert mask.tolist() == [True, False, False, False]


def test_counts_rates_and_indices():
    assert fmt.count(2.0) == "2" and fmt.count(1234.4) == "1,234"
    assert fmt.pct(0.1234) == "12.3%" and fmt.pp(-0.012) == "-1.2 个百分点"
    assert fmt.index(14.58) == "14.6" and fmt.index(-99.0) == "-99.0"
    assert fmt.value("已格式化", "pct") == "已格式化"  # text passes through, never "—"


def test_money_unit_is_chosen_once_per_column_from_its_magnitude():
    col = pd.Series([9.0e7, 1.74e8, 0.0, np.nan])
    texts, unit = fmt.column(col, "money")
    assert unit[0] == "亿元"
    assert texts == ["0.90", "1.74", "0.00", "—"]
    assert fmt.money_header("金额(元)", unit) == "金额（亿元）"
    small, unit2 = fmt.column(pd.Series([1.5e6, 2.0e5]), "money")
    assert unit2[0] == "万元" and small == ["150.0", "20.0"]
    assert fmt.money_unit([350.0, 10.0])[0] == "元"
    assert fmt.money(1.74e8) == "1.74 亿元" and fmt.money(9.0e7) == "9,000.0 万元"


def test_integer_valued_float_columns_print_as_integers():
    texts, _ = fmt.column(pd.Series([2.0, 3.0, np.nan]), None)
    assert texts == ["2", "3", "—"]
    texts, _ = fmt.column(pd.Series([3.875, 4.0]), None)
    assert texts == ["3.88", "4.00"]  # a rating-scale mean: 2 decimals
    texts, _ = fmt.column(pd.Series([70.78, -104.6, 7.1]), None)
    assert texts == ["70.8", "-104.6", "7.1"]  # indices, NPS differences, rates in %: 1 decimal


def test_present_table_applies_the_rules_and_puts_the_unit_in_the_header():
    df = pd.DataFrame(
        {
            "项目": ["甲", "乙", "丙"],
            "金额(元)": [9.0e7, 1.74e8, 0.0],
            "p 值": [0.0002, np.nan, 0.03],
            "NPS": [14.58, -99.0, np.nan],
            "人数": [2.0, 3.0, 4.0],
        }
    )
    out = P.table_html(df, formats={"金额(元)": "money"})
    assert "<th>金额（亿元）</th>" in out and "万元" not in out
    assert "<td>0.90</td>" in out and "<td>1.74</td>" in out and "<td>0.00</td>" in out
    assert "<td>&lt;0.001</td>" in out and "<td>0.030</td>" in out
    assert "<td>14.6</td>" in out and "<td>-99.0</td>" in out and "14.58" not in out
    assert "<td>2</td>" in out and "2.00" not in out
    assert out.count("<td>—</td>") == 2  # the missing p and the missing NPS
    assert "nan" not in out.lower()  # the test data held NaN: the page shows none


def test_a_chi_square_that_was_not_computed_is_never_significant():
    """Finding 5: 关注因素·地段 read 卡方 "—", p "<0.001", 显著 "否" in strategy_星汇中心."""
    from types import SimpleNamespace

    from dealresearch.strategy.topics import topic_tests

    tests = pd.DataFrame({"field_label": ["关注因素", "关注因素"], "choice": ["地段", "价格"],
                          "chi2": [np.nan, 12.5], "p_value": [np.nan, 0.0004], "cramers_v": [np.nan, 0.2],
                          "n": [40, 40], "significant": [False, True]})
    out = topic_tests(SimpleNamespace(tests=tests)).set_index("选项")
    assert out.loc["地段", "p 值"] == "—" and out.loc["地段", "显著"] == "未检验"
    assert out.loc["价格", "p 值"] == "<0.001" and out.loc["价格", "显著"] == "是"
    html_out = P.table_html(out.reset_index())
    assert "nan" not in html_out.lower()


def test_profile_sentences_never_call_a_missing_p_small():
    from dealresearch.present import customer_research as profile

    assert profile._p_text(float("nan")) == "p 未计算"
    assert profile._p_text(0.0004) == "p < 0.001" and profile._p_text(0.0304) == "p = 0.030"


def test_one_money_unit_for_a_whole_table():
    df = pd.DataFrame({"签约金额(元)": [1.74e8, 2.1e8], "退房金额(元)": [2.0e6, 0.0]})
    out = P.table_html(df, formats={"签约金额(元)": "money", "退房金额(元)": "money"})
    assert "<th>签约金额（亿元）</th>" in out and "<th>退房金额（亿元）</th>" in out
    assert "<td>0.02</td>" in out and "万元" not in out
