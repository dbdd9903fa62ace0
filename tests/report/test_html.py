"""Nothing but content on the page, fixed at the root: the exporter never shows a cell's value."""

import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook, new_output

from dealresearch import profile as pf
from dealresearch.report.html import reader_notebook


def test_a_cells_value_never_reaches_the_page():
    """Finding 1: the HTML string a ``P.*`` call returns was shown as the cell result."""
    cell = new_code_cell("P.table(df)")
    shown = "<div class='dr-scroll'><table class='dr-table'>…</table></div>"
    cell.outputs = [
        new_output("display_data", data={"text/html": shown, "text/plain": "<IPython.core.display.HTML object>"}),
        new_output("execute_result", data={"text/plain": repr(shown)}, execution_count=3),
        new_output("execute_result", data={"text/plain": "nan"}, execution_count=4),
        new_output("execute_result", data={"text/html": "<table><th>field_label</th></table>",
                                           "text/plain": "  field_label"}, execution_count=5),
        new_output("display_data", data={"text/plain": "Timestamp('2026-09-30 00:00:00')"}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480>"}),
    ]
    out = reader_notebook(new_notebook(cells=[cell])).cells[0].outputs
    assert [(o.output_type, sorted(o.data)) for o in out] == [
        ("display_data", ["text/html"]),
        ("display_data", ["image/png"]),
    ]
    assert out[0].data["text/html"] == shown


def test_the_source_and_repeat_table_has_chinese_headers():
    """Finding 1: a table headed ``field_label | category | count | share | n``."""
    d = pd.DataFrame({"repeat_buyer": ["是", "否", "否", "否"], "customer_key": list("abcd")})
    t = pf.profile(d, ["repeat_buyer"]).long_table()
    assert list(t.columns) == ["字段", "类别", "人数", "占比", "有效样本"]
    assert t.set_index("类别").loc["否", "人数"] == 3 and t.set_index("类别").loc["否", "占比"] == 0.75
    grouped = pf.profile(d.assign(project=["P1", "P1", "P2", "P2"]), ["repeat_buyer"], by="project").long_table()
    assert list(grouped.columns) == ["字段", "项目", "类别", "人数", "占比", "有效样本"]


def test_the_rules_table_shows_no_identifiers():
    import re

    from dealresearch import strategy

    t = strategy.rules_table()
    text = " ".join(t.astype(str).to_numpy().ravel())
    assert not re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text)
    assert not re.search(r"\b(value|delta|p_value|n|base)\b\s*[<>=≥≤]", text)
    assert "变化 ≥ 0.03；p 值 < 0.05；样本量 ≥ 30" in set(t["条件"])
