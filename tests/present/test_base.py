import pandas as pd

from dealresearch.errors import DealResearchError
from dealresearch.present import base as P


def test_table_escapes_customer_text_and_uses_chinese_labels():
    out = P.table_html(pd.DataFrame({"comment": ["<script>alert(1)</script> & 好"], "total_price": [1.5e6]}),
                       formats={"total_price": "money"})
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    # one money unit per column, named in the header (dealresearch.fmt)
    assert "意见和建议" in out and "<td>150.0</td>" in out and "（万元）</th>" in out


def test_kpis_show_direction_and_missing_base():
    out = P.kpis([("成交套数", "1,234", 0.052), ("金额", "3 亿", float("nan")), ("均价", "1", -0.1)])
    assert "▲ +5.2%" in out and "无可比基期" in out and "▼ -10.0%" in out


def test_small_n_threshold():
    assert P.small_n(29) is not None and "29" in P.small_n(29)
    assert P.small_n(30) is None


def test_recommendation_cards_show_evidence():
    class R:
        category, title, text = "销售策略", "加大<网络>投放", "网络渠道占比上升"
        evidence = [{"figure": "网络占比(%)", "value": 29.2, "n": 780, "p_value": 0.00061}]

    out = P.recommendations([R()])
    assert "&lt;网络&gt;" in out and "样本量：780" in out and "依据" in out
    assert "指标：网络占比(%)" in out and "p 值：&lt;0.001" in out  # p-values: 3 decimals or <0.001


def test_errors_share_one_base():
    from dealresearch import errors

    for name in ("InputFileError", "MissingColumnsError", "DataError", "ParameterError", "CapacityError"):
        assert issubclass(getattr(errors, name), DealResearchError)


def test_formats_for_a_column_the_table_does_not_have_is_an_error():
    import pytest

    from dealresearch.errors import ParameterError

    df = pd.DataFrame({"客户数": [3, 4], "占比": [0.25, 0.75]})
    with pytest.raises(ParameterError, match="覆盖率"):
        P.table_html(df, formats={"客户数": "int", "覆盖率": "pct"})
    with pytest.raises(ParameterError, match="percent"):
        P.table_html(df, formats={"占比": "percent"})
    # an index shown as a column may be formatted by its name
    out = P.table_html(df.set_index("客户数"), index=True, formats={"客户数": "int", "占比": "pct"})
    assert "<td>25.0%</td>" in out


def test_wide_tables_keep_the_key_column_and_show_a_scroll_cue():
    narrow = P.table_html(pd.DataFrame({"项目": ["甲"], "客户数": [3]}))
    assert "dr-scroll-hint" not in narrow and "dr-wide" not in narrow
    wide_cols = {f"很长的指标名称第{i}列": [1234567] for i in range(8)}
    phone = P.table_html(pd.DataFrame({"项目": ["星汇中心"], **dict(list(wide_cols.items())[:3])}))
    assert "dr-table-block dr-wide-phone" in phone and P.SCROLL_HINT in phone
    desktop = P.table_html(pd.DataFrame({"项目": ["星汇中心"], **wide_cols, **{f"另{i}": [1] for i in range(9)}}))
    assert "dr-table-block dr-wide'" in desktop
    # sentences in a text column wrap on a phone (report.css): no cue for them
    advice = P.table_html(pd.DataFrame({"客户类别": ["高价值·高潜力"], "建议": ["专属顾问一对一维护，优先邀约新品与老带新活动。"]}))
    assert "dr-scroll-hint" not in advice and "dr-l2" in advice
    # the sticky first column and the cue are styled by the page sheet and the notebook CSS
    from importlib.resources import files

    css = (files("dealresearch") / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    for rules in (css, P._CSS):
        assert "position: sticky" in rules.replace("position:sticky", "position: sticky")
        assert ".dr-wide .dr-scroll-hint" in rules


def test_long_text_columns_wrap_left_aligned_and_flags_read_yes_no():
    advice = "优先回访本季度投诉过的高价值客户，并由项目经理当面说明整改进度与时间表" * 2
    df = pd.DataFrame({"客户分群": ["高价值", "沉睡"], "客户数": [12, 40], "建议": [advice, "短句"],
                       "小样本": [True, False]})
    out = P.table_html(df, formats={"小样本": "flag"})
    assert out.count("class='dr-long'") == 1 and "<td>短句</td>" in out  # the long cell wraps
    # text columns (3rd 建议, 4th 小样本) are named on the table and aligned left; numbers stay right
    assert "<table class='dr-table dr-l3 dr-l4'>" in out and "<td>12</td>" in out
    assert "<td>是</td>" in out and "<td>否</td>" in out
    from importlib.resources import files

    css = (files("dealresearch") / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    assert ".dr-table.dr-l3 td:nth-child(3)" in css and ".dr-l3 td:nth-child(3)" in P._CSS
