"""Banner tables as an Excel workbook for analysts: a 目录 (contents) sheet listing the
tables, then one sheet per table laid out as on the page (bases in bold, letters in their
own column beside each value), written through the injection-safe :mod:`.xlsx`."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from ..banner import BannerTable
from ..present.banner_render import SMALL_MARK, _var_label, method_note
from . import xlsx


def to_excel(tables: BannerTable | Sequence[BannerTable], path: str | os.PathLike, *,
             make_parents: bool = False) -> None:
    """One sheet per table plus a 目录 sheet; bases bold, letters beside the values."""
    tables = [tables] if isinstance(tables, BannerTable) else list(tables)
    with xlsx.workbook(path, make_parents=make_parents) as xw:
        book = xw.book
        bold = book.add_format({"bold": True})
        title_fmt = book.add_format({"bold": True, "font_size": 12})
        pct = book.add_format({"num_format": "0.0"})
        mean_fmt = book.add_format({"num_format": "0.00"})
        letter_fmt = book.add_format({"font_color": "#0b63c5", "bold": True})
        base_fmt = book.add_format({"bold": True, "num_format": "#,##0"})
        toc = book.add_worksheet("目录")
        xlsx.write_row(toc, 0, 0, ["序号", "工作表", "表", "加权", "说明"], bold)
        for i, tb in enumerate(tables, start=1):
            sheet = f"表{i}"
            xlsx.write_row(toc, i, 0, [i, sheet, tb.title, "是" if tb.weighted else "否", method_note(tb)])
            _sheet(book.add_worksheet(sheet), tb, title_fmt, bold, base_fmt, pct, mean_fmt, letter_fmt)
        toc.set_column(2, 2, 36)
        toc.set_column(4, 4, 80)


def _sheet(ws, tb: BannerTable, title_fmt, bold, base_fmt, pct, mean_fmt, letter_fmt) -> None:
    cols = tb.columns
    xlsx.write(ws, 0, 0, tb.title, title_fmt)
    xlsx.write(ws, 1, 0, method_note(tb))
    # each banner column takes two spreadsheet columns: the value, then its letters
    for j, (var, col, lt) in enumerate(zip(cols["variable"], cols["column"], cols["letter"], strict=True)):
        c = 1 + 2 * j
        xlsx.write(ws, 3, c, _var_label(var), bold)
        xlsx.write(ws, 4, c, col, bold)
        xlsx.write(ws, 4, c + 1, f"({lt})" if lt else "", letter_fmt)
        base = int(cols["base"].iloc[j])
        xlsx.write(ws, 5, c, base, base_fmt)
        xlsx.write(ws, 5, c + 1, SMALL_MARK if cols["small_base"].iloc[j] else "", bold)
    xlsx.write(ws, 5, 0, "基数（未加权）" if tb.weighted else "基数", bold)
    r = 6
    if tb.weighted:
        xlsx.write(ws, r, 0, "有效样本量")
        for j, e in enumerate(cols["effective_base"]):
            xlsx.write(ws, r, 1 + 2 * j, round(float(e), 1))
        r += 1
    for row, g in tb.cells.groupby("row", sort=False):
        xlsx.write(ws, r, 0, row)
        for j, (k, v, h) in enumerate(zip(g["kind"], g["value"], g["higher_than"], strict=True)):
            xlsx.write(ws, r, 1 + 2 * j, None if pd.isna(v) else float(v), mean_fmt if k == "mean" else pct)
            xlsx.write(ws, r, 2 + 2 * j, h or None, letter_fmt)
        r += 1
    xlsx.write(ws, r + 1, 0, "数值为列百分比（%）；均值行为平均分。")
    ws.set_column(0, 0, 22)
    ws.freeze_panes(6, 1)


__all__ = ["to_excel"]
