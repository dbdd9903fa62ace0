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
