"""Target sheets as people type them: periods across, units in a title row.

Read when a file has no long-template header (年度 / 层级 / 签约金额):

* a header row with at least three period columns: 1月 … 12月 (一月, 2027年1月) or quarters
  (Q1, 一季度, 第1季度); a 全年合计 / 合计 column is checked against the months, not imported;
* the year from the header ("2027年1月"), else the title rows, the sheet name or the file
  name; 万元 / 亿元 / 元 from a "单位：万元" row, a header bracket or the 指标 text;
* rows per 项目 / 团队 / 置业顾问: a 类别 / 层级 column, or section rows holding only the level,
  or a name column headed 项目 / 团队 / 置业顾问; an 指标 column (签约金额 / 签约套数 / 回款)
  when one row per metric;
* 合计 / 小计 rows are not targets: each is checked against the sum of the rows of its
  level (a mismatch is a warning naming the row); blank rows and 备注 / 说明 rows are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import Target
from .headers import UNIT_SCALES

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}
_MONTH = re.compile(r"^(?:(\d{4})\s*年\s*)?(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月(?:份)?(?:目标)?$")
_QUARTER = re.compile(r"^(?:(\d{4})\s*年\s*)?(?:Q([1-4])|第?([1-4一二三四])\s*季度?)(?:目标)?$", re.I)
_YEAR = re.compile(r"(20\d{2})\s*年")
_UNIT = re.compile(r"单位\s*[:：]?\s*(亿元|万元|元)")
_TOTAL = re.compile(r"合\s*计|小\s*计|总\s*计")
_NOTE = re.compile(r"^\s*(备注|说明|注[:：]|注：|填表说明)")
LEVEL_HEADERS = ("类别", "层级", "类型", "级别", "维度", "目标层级")
NAME_HEADERS = ("名称", "单位名称", "对象", "项目/团队/个人", "项目名称", "团队名称", "姓名")
LEVEL_WORDS = {"项目": "项目", "楼盘": "项目", "团队": "团队", "小组": "团队", "销售组": "团队",
               "置业顾问": "个人", "个人": "个人", "销售员": "个人", "集团": "集团", "公司": "集团"}
HEAD_ROWS = 30


def _s(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def grids(path: Path) -> list[tuple[str | None, list[list]]]:
    """Every sheet of ``path`` as rows of cells (CSV: one grid)."""
    if path.suffix.lower() in (".csv", ".txt"):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        return [(None, list(csv.reader(io.StringIO(text))))]
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return [(n, wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names]


def _period(cell: str) -> tuple[str, int, int | None] | None:
    """("month" | "quarter", number, year or None) of a period header."""
    c = re.sub(r"[(（][^)）]*[)）]$", "", re.sub(r"\s+", "", cell))  # "1月(万元)": the unit goes
    m = _MONTH.match(c)
    if m:
        n = int(m.group(2)) if m.group(2).isdigit() else _CN_NUM.get(m.group(2), 0)
        return ("month", n, int(m.group(1)) if m.group(1) else None) if 1 <= n <= 12 else None
    m = _QUARTER.match(c)
    if m:
        q = m.group(2) or m.group(3)
        n = int(q) if q.isdigit() else _CN_NUM[q]
        return "quarter", n, int(m.group(1)) if m.group(1) else None
    return None


def find_header(rows: list[list]) -> int | None:
    """The first row among the top ones naming at least three periods."""
    for i, r in enumerate(rows[:HEAD_ROWS]):
        if sum(_period(_s(c)) is not None for c in r) >= 3:
            return i
    return None


def _metric(text: str) -> str | None:
    if "回款" in text:
        return Target.collection_target
    if "套" in text or "数量" in text:
        return Target.units_target
    if "金额" in text or "额" in text or "元" in text or "业绩" in text:
        return Target.amount_target
    return None


def _unit_of(text: str) -> str | None:
    m = _UNIT.search(text) or re.search(r"[(（]\s*(亿元|万元|元)\s*[)）]", text)
    return m.group(1) if m else None


def read_wide(path: Path) -> tuple[list[pd.DataFrame], list[str], list[str], list[str]]:
    """``(frames, problems, warnings, notes)`` of every wide target sheet in ``path``."""
    frames, problems, warnings, notes = [], [], [], []
    for sheet, rows in grids(path):
        h = find_header(rows)
        if h is None:
            continue
        where = path.name + (f" 工作表“{sheet}”" if sheet else "")
        frame, p, w, n = _read_sheet(rows, h, where, f"{sheet or ''} {path.stem}")
        frames.append(frame)
        problems += p
        warnings += w
        notes += n
    return frames, problems, warnings, notes


def _read_sheet(rows, h: int, where: str, names: str):
    header = [_s(c) for c in rows[h]]
    above = " ".join(_s(c) for r in rows[:h] for c in r)
    problems, warnings, notes = [], [], []
    periods = {j: _period(c) for j, c in enumerate(header) if _period(c)}
    years = {p[2] for p in periods.values() if p[2]}
    m = _YEAR.search(above) or re.search(r"(?<!\d)(20\d{2})(?!\d)", names)
    year = years.pop() if len(years) == 1 else (int(m.group(1)) if m else None)
    if year is None:
        problems.append(f"  {where}：找不到目标年度（请在标题中写明，如“2027年销售目标”）")
    unit = _unit_of(above) or _unit_of(" ".join(header))
    notes.append(f"{where}：金额单位{unit}" if unit else f"{where}：未注明金额单位，按元读取")
    first_period = min(periods)
    label_cols = list(range(first_period))

    def find(words) -> int | None:
        for j in label_cols:
            if any(header[j] == w or header[j].startswith(w) for w in words):
                return j
        return None

    level_col, ind_col = find(LEVEL_HEADERS), next((j for j in label_cols if "指标" in header[j]), None)
    name_col = find(NAME_HEADERS)
    if name_col is None:
        rest = [j for j in label_cols if j not in (level_col, ind_col)]
        name_col = rest[0] if rest else None
    fixed_level = LEVEL_WORDS.get(header[name_col]) if name_col is not None and level_col is None else None
    total_col = next((j for j, c in enumerate(header) if j > first_period and _TOTAL.search(c) or "全年" in c), None)
    records, totals, section = [], [], fixed_level
    for i in range(h + 1, len(rows)):
        r = [_s(c) for c in rows[i]] + [""] * len(header)
        rowno = i + 1
        labels = [r[j] for j in label_cols]
        values = {j: r[j] for j in periods}
        if not any(labels) and not any(values.values()):
            continue
        if any(_NOTE.match(x) for x in labels if x):
            notes.append(f"{where} 第 {rowno} 行：备注行，未导入")
            continue
        if any(_TOTAL.search(x) for x in labels if x):
            totals.append((rowno, labels, r))
            continue
        if not any(values.values()):
            word = next((x for x in labels if x), "")
            if word in LEVEL_WORDS:  # a section row: the level of the rows below
                section = LEVEL_WORDS[word]
                continue
        level_text = r[level_col] if level_col is not None else ""
        level = LEVEL_WORDS.get(level_text, section) if level_text else section
        name = r[name_col] if name_col is not None else ""
        if level is None:
            problems.append(f"  {where} 第 {rowno} 行：无法确定层级（{level_text or '空'}），应为 项目/团队/置业顾问")
            continue
        if not name and level != "集团":
            problems.append(f"  {where} 第 {rowno} 行：缺少项目、团队或人员名称")
            continue
        ind = r[ind_col] if ind_col is not None else "签约金额"
        metric = _metric(ind)
        if metric is None:
            problems.append(f"  {where} 第 {rowno} 行，列“{header[ind_col]}”：{ind!r} 不是可识别的指标（签约金额/签约套数/回款）")
            continue
        row_scale = 1.0 if metric == Target.units_target else UNIT_SCALES.get(_unit_of(ind) or unit or "", 1.0)
        nums = {}
        for j, v in values.items():
            num = pd.to_numeric(v.replace(",", ""), errors="coerce") if v else np.nan
            if v and pd.isna(num):
                problems.append(f"  {where} 第 {rowno} 行，列“{header[j]}”：{v!r} 不是数字")
            nums[j] = float(num) if not pd.isna(num) else np.nan
        if total_col is not None and r[total_col]:
            tot = pd.to_numeric(r[total_col].replace(",", ""), errors="coerce")
            month_sum = np.nansum(list(nums.values()))
            if not pd.isna(tot) and abs(tot - month_sum) > 0.005 * max(abs(tot), 1):
                warnings.append(f"{where} 第 {rowno} 行“{name}”：{header[total_col]} {tot:g} 与各期之和 {month_sum:g} 不符")
        for j, x in nums.items():
            if pd.isna(x):
                continue
            kind, n, _ = periods[j]
            records.append({
                Target.year: year, Target.quarter: n if kind == "quarter" else None, Target.month: n if kind == "month" else None,
                Target.week: None, Target.level: level, Target.unit: name or "集团", "metric": metric, "value": x * row_scale,
                "raw": x, "row": rowno,
            })
    long = pd.DataFrame(records)
    for rowno, labels, r in totals:
        text = next((x for x in labels if _TOTAL.search(x)), "")
        lvl = next((LEVEL_WORDS[w] for w in LEVEL_WORDS if w in text), None)
        ind = r[ind_col] if ind_col is not None else "签约金额"
        metric = _metric(ind) or Target.amount_target
        if not len(long):
            continue
        part = long[(long["metric"] == metric) & ((long[Target.level] == lvl) if lvl else (long[Target.level] == long[Target.level].iloc[0]))]
        for j, (kind, n, _) in periods.items():
            v = pd.to_numeric(r[j].replace(",", ""), errors="coerce") if r[j] else np.nan
            if pd.isna(v):
                continue
            col = Target.month if kind == "month" else Target.quarter
            expect = part.loc[part[col] == n, "raw"].sum()
            if abs(v - expect) > 0.005 * max(abs(expect), 1):
                warnings.append(f"{where} 第 {rowno} 行“{text}”，列“{header[j]}”：合计 {v:g} 与各行之和 {expect:g} 不符")
        notes.append(f"{where} 第 {rowno} 行：合计行，已核对，未导入")
    if not len(long):
        return pd.DataFrame(columns=[Target.year, Target.quarter, Target.month, Target.week, Target.level, Target.unit]), problems, warnings, notes
    keys = [Target.year, Target.quarter, Target.month, Target.week, Target.level, Target.unit]
    for c in (Target.quarter, Target.month, Target.week):
        long[c] = long[c].astype("Int64")
    wide = long.groupby([*keys, "metric"], dropna=False, sort=False)["value"].sum().unstack("metric")
    wide = wide.reset_index()
    wide.columns.name = None
    for c in (Target.units_target, Target.amount_target, Target.collection_target):
        if c not in wide:
            wide[c] = np.nan
    return wide, problems, warnings, notes
