"""Sales targets: the Excel template, and reading filled-in templates into schema.Target.

The template (``write_targets_template``) has one sheet 目标 with the columns below and a
sheet 填写说明. One row is one target of one unit in one period:

* period: 年度 (required) and at most one of 季度 (1–4) / 月份 (1–12) / 周 (ISO week
  1–53); 年度 alone is a yearly target. 季度 may be given with 月份 when they agree.
* 层级: 集团 / 项目 / 团队 / 个人 (aliases: 公司, 区域公司 → 集团; 小组, 销售组 → 团队;
  置业顾问, 销售员 → 个人); 单位名称: the project, team or rep (blank at 集团 → 集团).
* metrics: 签约套数, 签约金额, optional 回款金额. Amounts in the template are in 万元
  (the header says so); any header unit (元 / 万元 / 亿元) or a value carrying its own
  unit ("120万") is honoured.

Targets drive attainment, so an unusable row is never silently dropped: every problem of
every row is collected and raised at once (file, row number, column, value).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, InputFileError
from ..schema import LEVELS, Column, Target
from . import normalise as N
from .headers import match_headers
from .readers import read_file
from .targets_merge import merge_targets
from .targets_wide import read_wide

TARGET_COLUMNS: tuple[Column, ...] = (
    Column(Target.year, "int", "年度", ("年度", "年份", "年", "目标年度", "year"), required=True),
    Column(Target.quarter, "int", "季度", ("季度", "quarter")),
    Column(Target.month, "int", "月份", ("月份", "月", "month")),
    Column(Target.week, "int", "周", ("周", "周次", "ISO周", "week")),
    Column(Target.level, "text", "层级", ("层级", "目标层级", "级别", "level"), required=True),
    Column(Target.unit, "text", "单位名称", ("单位名称", "名称", "对象", "项目/团队/个人", "unit")),
    Column(
        Target.units_target, "number", "签约套数", ("签约套数", "签约套数目标", "目标套数", "套数", "units_target")
    ),
    Column(
        Target.amount_target,
        "money",
        "签约金额",
        ("签约金额", "签约金额目标", "目标金额", "金额", "amount_target"),
    ),
    Column(Target.collection_target, "money", "回款金额", ("回款金额", "回款", "回款目标", "collection_target")),
)
TEMPLATE_HEADERS: tuple[str, ...] = (
    "年度",
    "季度",
    "月份",
    "周",
    "层级",
    "单位名称",
    "签约套数",
    "签约金额(万元)",
    "回款金额(万元)",
)
LEVEL_ALIASES: dict[str, str] = {
    **{lv: lv for lv in LEVELS},
    "公司": "集团",
    "区域公司": "集团",
    "集团公司": "集团",
    "全集团": "集团",
    "楼盘": "项目",
    "项目部": "项目",
    "小组": "团队",
    "销售组": "团队",
    "销售团队": "团队",
    "组": "团队",
    "置业顾问": "个人",
    "销售员": "个人",
    "业务员": "个人",
    "员工": "个人",
}
OUTPUT_COLUMNS: tuple[str, ...] = tuple(c.name for c in TARGET_COLUMNS)
_CN = str.maketrans("一二三四", "1234")
_MAX_LISTED = 30


# ------------------------------------------------------------------------ raw table
INSTRUCTIONS_SHEET = "填写说明"


def _find_tables(path: Path, aliases=None):
    """The target tables of a file (shared readers; the template's instructions sheet,
    whose examples look like a table, is skipped)."""
    found = read_file(path, columns=TARGET_COLUMNS, aliases=aliases).tables
    tables = [t for t in found if t.sheet != INSTRUCTIONS_SHEET]
    if not tables:
        raise InputFileError(
            f"目标文件 {path.name} 中找不到目标表：需要“年度”“层级”“签约金额”等表头（长表），"
            "或横排的 1月…12月 / 一季度…四季度 列（分解表）。"
        )
    return tables


# --------------------------------------------------------------------------- parsing
def _text(raw: pd.Series) -> pd.Series:
    """Clean text of raw cells (any missing marker — None, NaN, pd.NA — stays missing)."""
    return N.text(raw)[0]


def _period_number(raw: pd.Series, low: int, high: int, strip: str) -> tuple[pd.Series, pd.Series]:
    text = _text(raw)
    text = text.str.translate(_CN).str.replace(strip, "", regex=True)
    num = pd.to_numeric(text, errors="coerce")
    ok = num.notna() & (num == np.floor(num)) & (num >= low) & (num <= high)
    return num.where(ok).astype("Int64"), text.notna() & ~ok


def read_targets(
    paths: str | os.PathLike | Iterable[str | os.PathLike], aliases=None, report: dict | None = None
) -> pd.DataFrame:
    """Read target files (xlsx / csv) into a tidy frame with the columns of schema.Target
    (year, quarter, month, week: Int64; level, unit: str; units_target, amount_target,
    collection_target: float64, amounts in 元): the long template, or a sheet with the
    periods across (``targets_wide``). ``report`` (a dict) receives the warnings (合计
    rows that do not add up) and notes (units, rows skipped).

    Raises InputFileError / MissingColumnsError / DataError listing every problem."""
    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    frames, problems, warnings, notes = [], [], [], []
    for p in map(Path, paths):
        if not p.is_file():
            raise InputFileError(f"找不到目标文件：{p}")
        wide, errs, warns, info = read_wide(p)
        if wide:
            frames += [w.astype({Target.level: "str", Target.unit: "str"})[list(OUTPUT_COLUMNS)] for w in wide]
            problems, warnings, notes = problems + errs, warnings + warns, notes + info
            continue
        for table in _find_tables(p, aliases):
            frame, errs = _read_one(table, aliases)
            frames.append(frame)
            problems += errs
    if report is not None:
        report.update(warnings=warnings, notes=notes)
    if problems:
        more = f"\n……共 {len(problems)} 处问题" if len(problems) > _MAX_LISTED else ""
        raise DataError(
            "目标文件有无法使用的行，请修正后重新导入：\n" + "\n".join(problems[:_MAX_LISTED]) + more
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    out = out.astype({c: "Int64" for c in (Target.year, Target.quarter, Target.month, Target.week)})
    keys = [Target.year, Target.quarter, Target.month, Target.week, Target.level, Target.unit]
    dup = out.duplicated(keys, keep=False)
    if dup.any():
        d = out[dup]
        listed = "；".join(f"{r[Target.year]}年 {r[Target.level]}“{r[Target.unit]}”" for _, r in d.head(10).iterrows())
        raise DataError(
            f"目标重复：同一期间、层级、单位出现 {int(dup.sum())} 行（{listed}）。每个目标只能填写一行。"
        )
    return out


def _read_one(table, aliases=None) -> tuple[pd.DataFrame, list[str]]:
    headers, raw = table.headers, table.frame
    m = match_headers(headers, TARGET_COLUMNS, aliases)
    where = table.file + (f" 工作表“{table.sheet}”" if table.sheet else "")
    m.require(TARGET_COLUMNS, file=table.file, sheet=table.sheet)
    raw_cols = {name: raw[src[0]] for name, src in m.sources.items()}
    idx = raw.index
    errs: list[str] = []
    out = pd.DataFrame(index=idx)

    def bad(mask: pd.Series, label: str, values: pd.Series, why: str) -> None:
        for r in mask[mask].index[:_MAX_LISTED]:
            errs.append(f"  {where} 第 {r} 行，列“{label}”：{values.get(r)!r} {why}")

    empty = pd.Series(None, index=idx, dtype=object)
    year, ybad = _period_number(raw_cols.get(Target.year, empty), 1900, 2200, r"年$")
    bad(ybad | year.isna(), "年度", raw_cols[Target.year], "不是有效年份")
    out[Target.year] = year
    for name, label, hi, strip in (
        (Target.quarter, "季度", 4, r"^(?:\d{4})?\s*(?:Q|q|第)?|季度?$"),
        (Target.month, "月份", 12, r"^(?:\d{4}[-/年])?|月$"),
        (Target.week, "周", 53, r"^(?:\d{4})?\s*(?:W|w|第)?|周$"),
    ):
        val, b = _period_number(raw_cols.get(name, empty), 1, hi, strip)
        bad(b, label, raw_cols.get(name, empty), f"应为 1–{hi} 的整数")
        out[name] = val
    both = out[Target.week].notna() & (out[Target.month].notna() | out[Target.quarter].notna())
    bad(both, "周", raw_cols.get(Target.week, empty), "周目标不能同时填写季度或月份")
    clash = out[Target.month].notna() & out[Target.quarter].notna() & ((out[Target.month] - 1) // 3 + 1 != out[Target.quarter])
    bad(clash.fillna(False).astype(bool), "季度", raw_cols.get(Target.quarter, empty), "与月份不一致")

    level_text = _text(raw_cols[Target.level])
    level = level_text.map(LEVEL_ALIASES)
    bad(level.isna(), "层级", raw_cols[Target.level], f"应为 {'、'.join(LEVELS)} 之一")
    out[Target.level] = level.astype("str")
    unit = _text(raw_cols.get(Target.unit, empty))
    unit = unit.where(~(level == "集团") | unit.notna(), "集团")
    bad(
        unit.isna() & level.notna(),
        "单位名称",
        raw_cols.get(Target.unit, empty),
        "非集团层级必须填写项目、团队或人员名称",
    )
    out[Target.unit] = unit.astype("str")

    for name, label in (
        (Target.units_target, "签约套数"),
        (Target.amount_target, "签约金额"),
        (Target.collection_target, "回款金额"),
    ):
        src = raw_cols.get(name, empty)
        parse = N.number if name == Target.units_target else N.money
        val, b = parse(src, m.scales.get(name, 1.0))
        bad(b | (val < 0).fillna(False).astype(bool), label, src, "不是非负数字")
        out[name] = val.astype("float64")
    none = out[[Target.units_target, Target.amount_target]].isna().all(axis=1)
    bad(none, "签约套数/签约金额", raw_cols.get(Target.amount_target, empty), "至少填写签约套数或签约金额之一")
    return out[list(OUTPUT_COLUMNS)].reset_index(drop=True), errs


# -------------------------------------------------------------------------- template
def ingest_targets(paths, store=None, *, replace_all: bool = False, mapping=None) -> pd.DataFrame:
    """Read target files and merge them into the store's ``targets`` table by (year, level,
    unit, period): rows of the same key are replaced, all other targets stay (another
    project's targets are never dropped by this import). ``replace_all=True`` replaces the
    whole table. Returns the imported targets; ``.attrs["import"]`` says how many rows were
    replaced and kept, with the sheet's warnings (合计 rows that do not add up) and notes."""
    from .generations import writing
    from .mapping import load_mapping
    from .store import file_sha256, read_table, stage

    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    report: dict = {}
    targets = read_targets(paths, load_mapping(mapping, store).aliases_for("targets"), report)
    with writing(store) as gen:  # read, merge and write under the store's one writer lock
        old = None if replace_all else read_table("targets", store)
        merged, replaced = merge_targets(old, targets)
        stage(gen, "targets", merged)
        gen.log(
            {
                "kind": "targets",
                "run_at": pd.Timestamp.now(tz="UTC").isoformat(),
                "inputs": [{"file": str(p), "sha256": file_sha256(p)} for p in paths],
                "rows": len(targets),
                "replaced": replaced,
                "replace_all": replace_all,
            }
        )
    info = {
        "rows": len(targets),
        "replaced": replaced,
        "kept": len(merged) - len(targets),
        "replace_all": replace_all,
        **report,
    }
    targets.attrs["import"] = info
    return targets
