"""Notebook presentation helpers: headings, KPI cards, tables, notes — all HTML-escaped.

Report notebooks call these so that what managers read looks the same everywhere and
no customer text can inject markup. Each function displays its output and returns the
HTML string (handy in tests).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from .. import config, fmt
from ..errors import ParameterError
from . import columns

_CSS = """
<style>
details.dr-method{border:1px solid #d8dee4;border-radius:8px;padding:6px 12px;margin:12px 0}details.dr-method>summary{cursor:pointer;font-weight:600;font-size:1.1em;color:#1f3b57}details.dr-method ul{padding-left:1.2em}details.dr-method li{margin:2px 0}
.dr-kpis{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px}
.dr-kpi{flex:1 1 150px;border:1px solid #d8dee4;border-radius:8px;padding:10px 12px;background:#f8fafc}
.dr-kpi .v{font-size:1.45em;font-weight:700;color:#1f3b57}
.dr-kpi .l{color:#57606a;font-size:.9em}
.dr-kpi .d{font-size:.85em}
.dr-up{color:#1a7f37}.dr-down{color:#cf222e}.dr-flat{color:#57606a}
.dr-note{color:#57606a;font-size:.9em;margin:4px 0 10px}
.dr-warn{background:#fff8c5;border-left:4px solid #d4a72c;padding:6px 10px;margin:6px 0 12px}
.dr-table{border-collapse:collapse;font-size:.92em;margin:6px 0}
.dr-table th,.dr-table td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right}
.dr-table th:first-child,.dr-table td:first-child{text-align:left}
.dr-table caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}
.dr-scroll{overflow-x:auto;max-width:100%}
.dr-table th:first-child,.dr-table td:first-child{position:sticky;left:0;z-index:1;background:#fff;box-shadow:inset -1px 0 0 #d8dee4}
.dr-table td.dr-long,.dr-table th.dr-long{white-space:normal;overflow-wrap:anywhere;word-break:break-word;min-width:12em;max-width:36em;text-align:left}
.dr-scroll-hint{display:none;color:#57606a;font-size:.85em}
.dr-wide .dr-scroll-hint{display:block}
@media (max-width:600px){.dr-wide-phone .dr-scroll-hint{display:block}}
.dr-rec{border:1px solid #d8dee4;border-radius:8px;padding:8px 12px;margin:8px 0}
.dr-rec .cat{display:inline-block;background:#e7f0f7;color:#1f3b57;border-radius:4px;padding:0 6px;font-size:.85em}
.dr-rec .ev{color:#57606a;font-size:.88em;margin-top:4px}
</style>
"""
_state = {"css": False}


def _show(markup: str) -> str:
    """Display HTML in the notebook (prefixing the CSS once per kernel)."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return markup
    if not _state["css"]:
        markup = _CSS + markup
        _state["css"] = True
    display(HTML(markup))
    return markup


#: control characters (not tab / newline / CR): invalid in HTML; customer text can carry them
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: cells longer than this (characters of markup) wrap instead of widening the table
LONG_CELL = 40
#: text columns up to this position get a left-align class (``.dr-lN`` rules in the CSS)
LEFT_COLUMNS = 16


def _long(markup: str) -> str:
    """The class attribute of a table cell: long text wraps (see ``.dr-long``)."""
    return " class='dr-long'" if len(markup) > LONG_CELL else ""


def _left_rules(sep: str = "") -> str:
    """CSS aligning the cells of the columns a table names as text (``dr-lN``) to the left."""
    return sep.join(f".dr-l{i} td:nth-child({i}),.dr-l{i} th:nth-child({i}){{text-align:left}}"
                    for i in range(2, LEFT_COLUMNS + 1))


_CSS = _CSS.replace("</style>", _left_rules("\n") + "\n</style>")


def esc(value) -> str:
    """HTML-escape any value as text (control characters dropped)."""
    return html.escape(_CONTROL.sub("", "" if value is None else str(value)), quote=True)


def setup() -> str | None:
    """Theme, CJK font and pandas display options for a report notebook."""
    from ..plots import setup as plots_setup

    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 160)
    _state["css"] = False
    return plots_setup()


def title(text: str, subtitle: str | None = None) -> str:
    sub = f"<p class='dr-note'>{esc(subtitle)}</p>" if subtitle else ""
    return _show(f"<h1>{esc(text)}</h1>{sub}")


def heading(text: str, level: int = 2) -> str:
    level = min(max(int(level), 1), 4)
    return _show(f"<h{level}>{esc(text)}</h{level}>")


def text(s: str) -> str:
    """A paragraph of plain text (escaped; blank lines separate paragraphs)."""
    paras = [p.strip() for p in str(s).split("\n\n") if p.strip()]
    return _show("".join(f"<p>{esc(p)}</p>" for p in paras))


def bullets(items: Iterable[str]) -> str:
    return _show("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def details(summary: str, parts: Sequence[str]) -> str:
    """A block collapsed by default (HTML ``<details>``), e.g. a report's closing 方法与口径
    appendix: ``summary`` is escaped, ``parts`` are markup. Shown; returns the block's markup."""
    markup = f"<details class='dr-method'><summary>{esc(summary)}</summary>{''.join(parts)}</details>"
    _show(markup)
    return markup


def note(s: str) -> str:
    return _show(f"<p class='dr-note'>{esc(s)}</p>")


def warning(s: str) -> str:
    return _show(f"<div class='dr-warn'>⚠ {esc(s)}</div>")


def small_n(n: int, threshold: int = config.MIN_N, what: str = "样本") -> str | None:
    """Warn when n is below the threshold; returns None (shows nothing) otherwise."""
    if n < threshold:
        return warning(f"{what}量 n = {n}，少于 {threshold}，结果仅供参考，不宜据此下结论。")
    return None


def fmt_number(v, kind: str = "int") -> str:
    """Format one number for a sentence or card by the project's number rules
    (:func:`dealresearch.fmt.value`: int, money with its unit, pct, pp, index, float, p …)."""
    return fmt.value(v, kind)


def _delta_html(delta) -> str:
    if delta is None:
        return ""
    if isinstance(delta, str):
        return f"<div class='d dr-flat'>{esc(delta)}</div>"
    if isinstance(delta, float) and math.isnan(delta):
        return "<div class='d dr-flat'>无可比基期</div>"
    cls = "dr-up" if delta > 0 else "dr-down" if delta < 0 else "dr-flat"
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "■"
    return f"<div class='d {cls}'>{arrow} {delta * 100:+.1f}%</div>"


def kpis(cards: Sequence[tuple]) -> str:
    """KPI cards from (label, value_text, delta) tuples; delta is a ratio (0.05 = +5 %),
    a text, or None. A fourth element, if given, is a small caption."""
    parts = []
    for card in cards:
        lab, value = card[0], card[1]
        delta = card[2] if len(card) > 2 else None
        cap = f"<div class='l'>{esc(card[3])}</div>" if len(card) > 3 and card[3] else ""
        parts.append(
            f"<div class='dr-kpi'><div class='l'>{esc(lab)}</div>"
            f"<div class='v'>{esc(value)}</div>{_delta_html(delta)}{cap}</div>"
        )
    return _show(f"<div class='dr-kpis'>{''.join(parts)}</div>")


def _cell(v, fmt: str | None) -> str:
    if isinstance(v, (list, tuple)):
        return esc("、".join(map(str, v)))
    if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
        return esc(fmt_number(v, fmt))
    if isinstance(v, float):
        return "—" if math.isnan(v) else esc(f"{v:,.2f}")
    if v is None or v is pd.NA or v is pd.NaT:
        return "—"
    if isinstance(v, pd.Timestamp):
        return esc(v.strftime("%Y-%m-%d"))
    return esc(v)


#: the content width (CSS px) of a phone page and of a desktop page (report.css)
PHONE_CONTENT_PX, DESKTOP_CONTENT_PX = 366, 1000
#: the cue under a table wider than the screen (its first column stays in place, see report.css)
SCROLL_HINT = "左右滑动查看更多列 →"


def _text_px(text: str, font: float = 14.0) -> float:
    """Rough width in px of ``text`` at the table font (14 px; 13 on a phone): CJK full width, others ~half."""
    return sum(font if ord(ch) > 0x2E7F else 0.54 * font for ch in text)


def _table_width_px(headers: Sequence[str], columns: Sequence[Sequence[str]], caps: Sequence[float | None],
                    font: float = 14.0, pad: float = 20.0) -> float:
    """Estimated natural width of a table: its widest cell per column, a column that wraps
    (long text; text columns on a phone, see report.css) at most its cap."""
    width = 0.0
    for head, cells, cap in zip(headers, columns, caps, strict=True):
        widest = max([_text_px(head, font), *(_text_px(html.unescape(c), font) for c in cells)])
        width += (widest if cap is None else min(widest, cap)) + pad  # + cell padding
    return width


def _check_formats(formats: Mapping[str, str], frame: pd.DataFrame) -> dict[str, str]:
    """``formats`` validated against the table: every key a column of it, every kind known."""
    names = {str(c) for c in frame.columns}
    for key, kind in formats.items():
        if str(key) not in names:
            raise ParameterError(f"表格没有列 {key!r}，不能为它指定显示格式（表格的列：{'、'.join(sorted(names))}）")
        columns.check_kind(kind, str(key))
    return {str(k): v for k, v in formats.items()}


def _column_texts(values: pd.Series, kind: str | None, table_unit) -> tuple[list[str], tuple | None]:
    """Escaped cell markup of one column and its money unit (None unless money)."""
    if kind == "flag":
        return [_cell(v if fmt.is_missing(v) or isinstance(v, str) else "是" if bool(v) else "否", None)
                for v in values], None
    if kind == "text":
        return [_cell(v if isinstance(v, str) or fmt.is_missing(v) else str(v), None) for v in values], None
    texts, unit = fmt.column(values, kind, table_unit)
    return [esc(t) if t is not None else _cell(v, None) for t, v in zip(texts, values, strict=True)], unit


def table_html(df: pd.DataFrame, caption: str | None = None,
               formats: Mapping[str, str] | None = None, index: bool = False,
               max_rows: int = 200) -> str:
    """Escaped HTML table with Chinese column labels and formats (``present.columns``).

    ``formats`` (column → kind) may only name columns of the table and known kinds
    (``columns.KINDS``); anything else is a ParameterError. The table sits in a block that
    scrolls sideways with its first column kept in view; a table wider than the screen gets
    a "左右滑动" cue; long text columns wrap, left aligned."""
    frame = df.reset_index() if index else df
    formats = _check_formats(dict(formats or {}), frame)
    frame = frame.head(max_rows)
    kinds = {c: formats.get(str(c)) or columns.kind(c) for c in frame.columns}
    money = [frame[c] for c in frame.columns if kinds[c] == "money"]
    table_unit = fmt.money_unit(pd.concat(money, ignore_index=True)) if money else None
    headers, cells, long_cols, text_cols = [], [], [], []
    for c in frame.columns:  # number rules (dealresearch.fmt): one money unit for the table, in the headers
        head_text = columns.header(c)
        texts, unit = _column_texts(frame[c], kinds[c], table_unit)
        headers.append(fmt.money_header(head_text, unit) if unit else head_text)
        cells.append(texts)
        long_cols.append(any(len(t) > LONG_CELL for t in texts))
        text_cols.append(kinds[c] in ("text", "flag") or (kinds[c] is None and frame[c].dtype.kind not in "biufc"))
    # text columns read left aligned: a class per column on the table (``dr-l3``: the 3rd), cells stay bare
    left = "".join(f" dr-l{i}" for i, (long_, text_) in enumerate(zip(long_cols, text_cols, strict=True), 1)
                   if 1 < i <= LEFT_COLUMNS and (long_ or text_))
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    rows = ["<tr>" + "".join(f"<td{_long(v)}>{v}</td>" for v in rec) + "</tr>" for rec in zip(*cells, strict=True)]
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    more = (f"<p class='dr-note'>仅显示前 {max_rows} 行，共 {len(df)} 行。</p>"
            if len(df) > max_rows else "")
    desktop = _table_width_px(headers, cells, [36 * 14 if lc else None for lc in long_cols])
    phone = _table_width_px(headers, cells, [0.4 * 390 if i == 0 else 0.7 * 390 if lc else 8 * 13 if tc else None
                                              for i, (lc, tc) in enumerate(zip(long_cols, text_cols, strict=True))],
                            font=13.0, pad=14.0)
    wide = " dr-wide" if desktop > DESKTOP_CONTENT_PX else " dr-wide-phone" if phone > PHONE_CONTENT_PX else ""
    hint = f"<div class='dr-scroll-hint'>{esc(SCROLL_HINT)}</div>" if wide else ""
    return (f"<div class='dr-table-block{wide}'>{hint}<div class='dr-scroll'><table class='dr-table{left}'>{cap}"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></div>{more}")


def table(df: pd.DataFrame, caption: str | None = None,
          formats: Mapping[str, str] | None = None, index: bool = False,
          max_rows: int = 200) -> str:
    """Display a DataFrame as an escaped table. ``formats`` maps a column of ``df`` to a kind
    (``present.columns.KINDS``: int / money / pct / pp / float / price …); a key that is not a
    column or an unknown kind is a ParameterError."""
    return _show(table_html(df, caption, formats, index, max_rows))


#: evidence keys (strategy.Recommendation) shown in Chinese
EVIDENCE_LABELS = {"figure": "指标", "value": "数值", "base": "对照值", "n": "样本量", "n_base": "对照样本量",
                   "period": "期间", "test": "检验", "p_value": "p 值", "reason": "原因"}


def _evidence_value(v, key: str = "") -> str:
    if key == "p_value":
        return fmt.p_value(v)
    if isinstance(v, float):
        return fmt.decimal(v, 3 if abs(v) < 1 else 1)
    return str(v)


def _evidence_text(evidence) -> str:
    if evidence is None:
        return ""
    items = evidence if isinstance(evidence, (list, tuple)) else [evidence]
    parts = []
    for ev in items:
        if isinstance(ev, Mapping):
            parts.append("；".join(f"{EVIDENCE_LABELS.get(k, k)}：{_evidence_value(v, k)}"
                                  for k, v in ev.items() if v is not None and v != ""))
        else:
            parts.append(str(ev))
    return " | ".join(parts)


def recommendations(recs: Sequence) -> str:
    """Recommendation cards: category tag, title, text, and the evidence behind it."""
    if not recs:
        return note("本期没有触发任何建议规则。")
    cards = []
    for r in recs:
        ev = _evidence_text(getattr(r, "evidence", None))
        cards.append(
            f"<div class='dr-rec'><span class='cat'>{esc(getattr(r, 'category', ''))}</span> "
            f"<b>{esc(getattr(r, 'title', ''))}</b><div>{esc(getattr(r, 'text', ''))}</div>"
            f"<div class='ev'>依据：{esc(ev)}</div></div>"
        )
    return _show("".join(cards))


def figure(ax=None) -> None:
    """Show the current matplotlib figure and close it (keeps memory flat in long reports)."""
    import matplotlib.pyplot as plt

    fig = ax.figure if ax is not None else plt.gcf()
    fig.tight_layout()
    try:
        from IPython.display import display

        display(fig)
    finally:
        plt.close(fig)
