"""Banner tables for readers: HTML for the reports (the Excel workbook is
:mod:`dealresearch.fieldwork.banner_excel`).

HTML: one table per banner — a header row per banner variable (colspan), the column
names with their letters, the unweighted base row (bold; a small base marked ※), then
each row's value with the letters of the columns it is significantly higher than beside
it. Every text goes through :func:`dealresearch.present.base.esc`.
"""

from __future__ import annotations

import pandas as pd

from ..banner import TOTAL, BannerTable
from . import base as P

SMALL_MARK = "※"
_CSS = (
    "<style>.dr-banner td .lt{color:#0b63c5;font-weight:700;font-size:.8em;margin-left:3px}"
    ".dr-banner tr.base td{font-weight:700;color:#1f3b57}.dr-banner td.small{color:#8c959f}"
    ".dr-banner th{text-align:center}</style>"
)


def _fmt(kind: str, value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.2f}" if kind == "mean" else f"{value:.1f}%"


def method_note(tb: BannerTable, unweighted_reason: str | None = None) -> str:
    """The sentence saying how the letters were found and whether the table is weighted."""
    adj = "，按 Bonferroni 校正" if tb.adjust == "bonferroni" else "，未做多重比较校正"
    w = (
        "本表已加权：百分比与均值为加权结果，检验使用各列的有效样本量（Kish）；基数为未加权人数。"
        if tb.weighted
        else f"本表未加权{f'（{unweighted_reason}）' if unweighted_reason else ''}；基数为人数。"
    )
    multi = "多选题：各选项占比之和可超过 100%。" if tb.multi else ""
    return (
        f"字母表示该格显著高于所标字母对应的列（同一分组变量内两两比较：比例用合并方差的双比例 z 检验，"
        f"均值用 Welch t 检验，双侧 α = {tb.alpha:g}{adj}）。{SMALL_MARK} 基数少于 {tb.min_base} 的列"
        f"不参与检验。{w}{multi}{''.join(tb.notes)}"
    )


def html(tb: BannerTable, caption: str | None = None) -> str:
    """The table as escaped HTML (a string; see :func:`show` to display it)."""
    cols = tb.columns
    esc = P.esc
    groups = cols.groupby("variable", sort=False).size()
    head1 = "<th></th>" + "".join(
        f"<th colspan='{n}'>{esc(_var_label(v))}</th>" for v, n in groups.items()
    )
    head2 = "<th></th>" + "".join(
        f"<th>{esc(c)}{f' <span class=lt>({esc(lt)})</span>' if lt else ''}</th>"
        for c, lt in zip(cols["column"], cols["letter"], strict=True)
    )
    base_cells = "".join(
        f"<td{' class=small' if s else ''}>{b:,}{SMALL_MARK if s else ''}</td>"
        for b, s in zip(cols["base"], cols["small_base"], strict=True)
    )
    rows = [f"<tr class='base'><td>基数{'（未加权）' if tb.weighted else ''}</td>{base_cells}</tr>"]
    if tb.weighted:
        eff = "".join(f"<td>{e:,.0f}</td>" for e in cols["effective_base"])
        rows.append(f"<tr><td>有效样本量</td>{eff}</tr>")
    for row, g in tb.cells.groupby("row", sort=False):
        tds = "".join(
            f"<td{' class=small' if s else ''}>{esc(_fmt(k, v))}"
            f"{f'<span class=lt>{esc(h)}</span>' if h else ''}</td>"
            for k, v, h, s in zip(g["kind"], g["value"], g["higher_than"], g["small_base"], strict=True)
        )
        rows.append(f"<tr><td>{esc(row)}</td>{tds}</tr>")
    cap = f"<caption>{esc(caption or tb.title)}</caption>"
    return (
        f"{_CSS}<div class='dr-scroll'><table class='dr-table dr-banner'>{cap}"
        f"<thead><tr>{head1}</tr><tr>{head2}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _var_label(var: str) -> str:
    from ..derive import label

    return TOTAL if var == TOTAL else label(var)


def show(tb: BannerTable, caption: str | None = None, note: bool = True,
         unweighted_reason: str | None = None) -> str:
    """Display the table (and, with ``note``, how to read its letters) in a notebook."""
    markup = html(tb, caption)
    if note:
        markup += f"<p class='dr-note'>{P.esc(method_note(tb, unweighted_reason))}</p>"
    return P._show(markup)  # present's one display path (CSS once per kernel)


# -------------------------------------------------------------------------- Excel

__all__ = ["html", "method_note", "show"]
