"""The director's cockpit (``reports/index.html``): per period, one row per scope with the
headline KPIs of ``<period>/metrics.json`` (the values the pages showed), each linking to the
report section that shows it; a scope × report matrix of links; a banner for failed reports.

Changes on the previous period and year-on-year growth come from the metrics.json of that
period when it was run; a change is marked (▲/▼) only when the two values' confidence
intervals say it is significant (two-sided z test at 5 %, standard errors from the intervals).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from .. import fmt
from . import metrics_file

GROUP = "集团"
#: the rule of the product spec: at least 40 % of all customers surveyed every year
COVERAGE_RULE = 0.40
#: attainment (percent of target) from which a scope is on target / close to it
ON_TARGET, NEAR_TARGET = 100.0, 90.0
Z_95 = 1.959964

_HEADING = re.compile(r"<h([1-6])\b[^>]*\bid=\"([^\"]+)\"[^>]*>", re.I)
_TOC_END = re.compile(r"</nav>", re.I)


@dataclass(frozen=True)
class Column:
    """One KPI column: its main KPI, a secondary KPI under it, the reports it links to first."""

    key: str
    header: str
    kpi: str
    sub: str | None
    prefer: tuple[str, ...]


COLUMNS = (
    Column("amount", "净签约金额", "net_amount", "amount_attainment", ("sales", "customer_research", "strategy")),
    Column("units", "净签约套数", "net_units", "units_attainment", ("sales", "customer_research", "strategy")),
    Column("yoy", "金额同比", "net_amount_yoy", None, ("sales",)),
    Column("nps", "NPS", "nps", None, ("satisfaction",)),
    Column("csi", "CSI", "csi", None, ("satisfaction",)),
    Column("csat", "CSAT", "csat", None, ("satisfaction",)),
    Column("followups", "待跟进 / 逾期", "followups_open", "followups_overdue", ("satisfaction", "strategy")),
    Column("coverage", "年度调查覆盖率", "survey_coverage", "overdue_customers", ("survey_plan", "strategy")),
)
#: KPIs whose change on the previous period the cockpit shows
CHANGE_KPIS = ("nps", "csi")
#: metrics.json records of the previous period's value that a page computed itself (``nps_previous``)
PREVIOUS_SUFFIX = "_previous"


def _num(v) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def significant_change(cur: dict, prev: dict) -> bool:
    """Whether two period values differ at 5 % (independent samples, SE from each 95 % CI)."""
    ses = []
    for rec in (cur, prev):
        lo, hi = _num(rec.get("ci_low")), _num(rec.get("ci_high"))
        if lo is None or hi is None:
            return False
        ses.append((hi - lo) / (2 * Z_95))
    se = math.hypot(*ses)
    diff = _num(cur.get("value")) - _num(prev.get("value"))
    return se > 0 and abs(diff) / se > Z_95


def attainment_class(value) -> str:
    v = _num(value)
    if v is None:
        return "dr-st-none"
    return "dr-st-good" if v >= ON_TARGET else "dr-st-warn" if v >= NEAR_TARGET else "dr-st-bad"


def coverage_class(value, period) -> str:
    """On the 40 % rule; amber when behind the year's rule but on its pro-rata pace."""
    v = _num(value)
    if v is None:
        return "dr-st-none"
    pace = COVERAGE_RULE * period.end.month / 12
    return "dr-st-good" if v >= COVERAGE_RULE else "dr-st-warn" if v >= pace else "dr-st-bad"


@lru_cache(maxsize=256)
def _page_index(path: str, mtime_ns: int) -> tuple[str, tuple[tuple[int, str], ...]]:
    """(page html after its table of contents, ((position, heading id), …)) of a report page."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", ()
    toc = _TOC_END.search(text, text.find('class="dr-toc"')) if 'class="dr-toc"' in text else None
    body = text[toc.end():] if toc else text
    return body, tuple((m.start(), m.group(2)) for m in _HEADING.finditer(body))


def section_anchor(page: Path, needles: list[str]) -> str | None:
    """Id of the section heading above the first place the page shows one of ``needles``."""
    if not page.is_file():
        return None
    body, heads = _page_index(str(page), page.stat().st_mtime_ns)
    hits = [i for i in (body.find(f">{n}") for n in needles if n) if i >= 0]
    hits += [i for i in (body.find(n) for n in needles if n) if i >= 0] if not hits else []
    if not hits:
        return None
    at = min(hits)
    above = [hid for pos, hid in heads if pos <= at]
    return above[-1] if above else (heads[0][1] if heads else None)


def _pick_page(rec: dict, prefer: tuple[str, ...], scope: str) -> str | None:
    """The page of ``rec`` (all of one scope) made by the first preferred template."""
    pages = list(rec.get("reports") or [])
    for name in prefer:
        for stem in pages:
            if stem == name or (scope != GROUP and stem.startswith(f"{name}_")):
                return stem
    return pages[0] if pages else None


def _link(folder: Path, rec: dict, prefer: tuple[str, ...], scope: str, texts: list[str]) -> str | None:
    stem = _pick_page(rec, prefer, scope)
    if stem is None or not (folder / f"{stem}.html").is_file():
        return None
    anchor = section_anchor(folder / f"{stem}.html", texts)
    href = f"{quote(folder.name)}/{quote(stem)}.html"
    # ids of markdown headings are already percent-encoded by nbconvert: keep their escapes
    return f"{href}#{quote(anchor, safe='%-._~')}" if anchor else href


def _signed_pct(share: float) -> str:
    return f"{share * 100:+.1f}%"


def _value_text(rec: dict) -> str:
    return fmt.value(rec.get("value"), rec.get("kind", "float"))


def shown_text(rec: dict) -> str:
    """The value as the cockpit shows it: the pages' text, with "%" for a percent-unit index."""
    text = _value_text(rec)
    return f"{text}%" if rec.get("unit") == "%" and text[-1:].isdigit() else text


def _item(kpi: str, text: str, href: str | None, cls: str = "", title: str = "") -> dict:
    return {"kpi": kpi, "text": text, "href": href, "cls": cls, "title": title}


def _cell(col: Column, scope: str, folder: Path, period, recs: dict, prev: dict, year_ago: dict) -> dict:
    """One cockpit cell: {label, status, main item, sub items}."""
    mine = recs.get((col.kpi, scope))
    subs: list[dict] = []
    status = ""
    if col.key == "yoy" and mine is None:
        return _yoy_cell(col, scope, folder, recs, year_ago)
    if mine is None:
        return {"key": col.key, "label": col.header, "status": "dr-st-none",
                "main": _item(col.kpi, "—", None, title="本期没有该指标"), "subs": []}
    text = _value_text(mine)
    main = _item(col.kpi, shown_text(mine), _link(folder, mine, col.prefer, scope, [text]))
    if col.key == "yoy":
        main["text"] = _signed_pct(_num(mine.get("value")) or 0.0)
    sub = recs.get((col.sub, scope)) if col.sub else None
    if col.sub in ("amount_attainment", "units_attainment"):
        status = attainment_class(sub.get("value") if sub else None)
        if sub:
            stext = _value_text(sub)
            subs.append(_item(col.sub, stext, _link(folder, sub, col.prefer, scope, [stext]), status, "目标达成率"))
            subs[-1]["prefix"] = "达成 "
    elif col.key == "coverage":
        status = coverage_class(mine.get("value"), period)
        subs.append(_item("coverage_rule", fmt.pct(COVERAGE_RULE), None, "dr-muted"))
        subs[-1]["prefix"] = "年度要求 ≥ "
        if sub:
            stext = _value_text(sub)
            subs.append(_item(col.sub, stext, _link(folder, sub, col.prefer, scope, [stext]), "", sub.get("name", "")))
            subs[-1]["prefix"] = "逾期未调查 "
    elif sub:
        stext = _value_text(sub)
        subs.append(_item(col.sub, stext, _link(folder, sub, col.prefer, scope, [stext])))
        subs[-1]["prefix"] = "逾期 "
    if col.kpi in CHANGE_KPIS:
        subs.extend(_change(col.kpi, mine, prev.get((col.kpi, scope))))
    return {"key": col.key, "label": col.header, "status": status, "main": main, "subs": subs,
            "n": mine.get("n")}


def _change(kpi: str, cur: dict, before: dict | None) -> list[dict]:
    if before is None or _num(before.get("value")) is None or _num(cur.get("value")) is None:
        return [_item(f"{kpi}_change", "上期无数据", None, "dr-muted")]
    diff = _num(cur["value"]) - _num(before["value"])
    text = fmt.value(diff, "index")
    text = text if text.startswith("-") else f"+{text}"
    if significant_change(cur, before):
        arrow, cls, title = ("▲ ", "dr-up", "变化显著") if diff > 0 else ("▼ ", "dr-down", "变化显著")
        return [dict(_item(f"{kpi}_change", text, None, cls, title), prefix=f"{arrow}较上期 ")]
    return [dict(_item(f"{kpi}_change", text, None, "dr-muted", "变化不显著"), prefix="较上期 ", suffix="（不显著）")]


def _yoy_cell(col: Column, scope: str, folder: Path, recs: dict, year_ago: dict) -> dict:
    cur, before = recs.get(("net_amount", scope)), year_ago.get(("net_amount", scope))
    cv, bv = (_num(cur.get("value")) if cur else None), (_num(before.get("value")) if before else None)
    if cv is None or not bv:
        return {"key": col.key, "label": col.header, "status": "dr-st-none",
                "main": _item(col.kpi, "—", None, title="没有上年同期数据"), "subs": []}
    growth = cv / bv - 1
    cls = "dr-up" if growth > 0 else "dr-down" if growth < 0 else ""
    main = _item(col.kpi, _signed_pct(growth), _link(folder, cur, col.prefer, scope, [_signed_pct(growth)]), cls)
    return {"key": col.key, "label": col.header, "status": "", "main": main, "subs": []}


def _records(folder: Path | None) -> dict[tuple[str, str], dict]:
    if folder is None:
        return {}
    return {(r.get("kpi"), r.get("scope")): r for r in metrics_file.read(folder) if r.get("kpi")}


def scopes(recs: dict, reports: list[dict]) -> list[str]:
    """集团 first, then the projects (of the metrics and of the pages), sorted."""
    found = {scope for _, scope in recs} | {r["project"] or GROUP for r in reports}
    return [GROUP] * (GROUP in found) + sorted(found - {GROUP})


def kpi_rows(folder: Path, period, folders: dict[str, Path], reports: list[dict]) -> tuple[list[dict], list[Column]]:
    """Rows (one per scope) of the period's KPI table and the columns it shows (a column no
    scope has a value for is left out)."""
    recs = _records(folder)
    prev = _records(folders.get(period.previous().label))
    for (kpi, scope), rec in recs.items():  # the page's own previous-period values when that run is missing
        if kpi.endswith(PREVIOUS_SUFFIX):
            prev.setdefault((kpi[: -len(PREVIOUS_SUFFIX)], scope), rec)
    year_ago = _records(folders.get(period.year_ago().label))
    rows = []
    for scope in scopes(recs, reports):
        cells = [_cell(c, scope, folder, period, recs, prev, year_ago) for c in COLUMNS]
        rows.append({"scope": scope, "label": "全集团" if scope == GROUP else scope, "cells": cells})
    shown = [i for i, c in enumerate(COLUMNS) if any(r["cells"][i]["main"]["text"] != "—" for r in rows)]
    for r in rows:
        r["cells"] = [r["cells"][i] for i in shown]
    return rows, [COLUMNS[i] for i in shown]


def matrix(reports: list[dict]) -> dict:
    """Scope × report links: {columns: [(name, title)], rows: [{label, cells: [report|None]}]}."""
    cols: dict[str, tuple[int, str]] = {}
    for r in reports:
        cols.setdefault(r["name"], (r["order"], r["title"]))
    names = sorted(cols, key=lambda n: (cols[n][0], n))
    by = {(r["name"], r["project"] or GROUP): r for r in reports}
    scope_list = [GROUP] * any(r["project"] is None for r in reports)
    scope_list += sorted({r["project"] for r in reports if r["project"]})
    rows = [{"label": "全集团" if s == GROUP else s, "cells": [by.get((n, s)) for n in names]} for s in scope_list]
    return {"columns": [(n, cols[n][1]) for n in names], "rows": rows}
