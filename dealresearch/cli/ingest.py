"""``dealresearch ingest`` and ``dealresearch targets-template``: run the import, print
the summary tables and data-quality notes, return the exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from ..fieldwork.targets_template import write_targets_template
from ..ingest.pipeline import expand_paths, ingest_deals, ingest_surveys
from ..ingest.quality import targets_summary
from ..ingest.store import table_path
from ..ingest.summary import reason_table, summary_table
from ..ingest.targets import ingest_targets
from ..report.quality_page import write_page
from ..schema import LEVELS, Target, label


class _Bar:
    """A one-line progress bar on stderr (only drawn for large inputs)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def ingest_command(
    paths, store=None, kind: str = "deals", progress: bool = True, aliases=None, sheet=None, wait: bool = True,
    mapping=None, replace_targets: bool = False, quality_page: bool = True,
) -> int:
    """CLI body of ``dealresearch ingest``: prints the summary tables (and the data-quality
    notes and mapping snippet), writes the run's data-quality page; returns 0 when every
    row was clean, 1 when rows were rejected. Errors propagate as DealResearchError."""
    if kind == "targets":
        return ingest_targets_command(paths, store, mapping=mapping, replace_all=replace_targets)
    files, _ = expand_paths(paths)
    large = sum(Path(f).stat().st_size for f in files) > 5_000_000 or len(files) > 3
    fn = {"deals": ingest_deals, "surveys": ingest_surveys}[kind]
    res = fn(paths, store, aliases=aliases, sheet=sheet, progress=_Bar(progress and large), wait=wait,
             notify=lambda text: print(text, file=sys.stderr, flush=True), mapping=mapping)
    s = res.summary
    with pd.option_context(
        "display.max_rows", 200, "display.width", 160, "display.unicode.east_asian_width", True
    ):
        print(summary_table(s).to_string(index=False))
        reasons = reason_table(s)
        if len(reasons):
            print()
            print(reasons.to_string(index=False))
    print(
        f"\n读取 {s['rows_read']} 行 = 有效 {s['rows_clean']} + 拒绝 {s['rows_rejected']} + 合并重复 "
        f"{s['duplicates_merged']} + 非数据行 {s['non_data_rows']}；警告 {s['warnings']} 条。"
    )
    if s["rows_rejected"]:
        where = table_path(f"rejects_{kind}", store, "interim")
        print(f"被拒绝的行（含原因与原始值）已写入 {where}（仅供内部核对，勿外发）")
    _print_quality(s)
    if quality_page:
        print(f"数据质量页：{write_page(s, store=store)}")
    return 1 if s["rows_rejected"] else 0


def _print_quality(s: dict) -> None:
    """The data-quality notes of a run: ignored columns, lost values, keys, match rate,
    unknown change dates and the mapping snippet to paste."""
    ignored = [f"{c['header']}（{c['file']}）" for c in s.get("columns", []) if c["status"] == "忽略"]
    if ignored:
        print(f"未导入的列 {len(ignored)} 个：{'、'.join(ignored[:30])}")
    for fld, info in s.get("lost_values", {}).items():
        print(f"{label(fld)}：{info['rows']} 个取值无法识别，已置空（例：{'、'.join(info['examples'])}）")
    for f, how in s.get("deal_keys", {}).items():
        print(f"{f}：{how}")
    for f, info in s.get("status_date_from_name", {}).items():
        print(f"{f}：{info['rows']} 条退房/换房记录没有变更日期，按文件名中的日期 {info['date']} 记录。")
    if s.get("status_date_unknown"):
        print(f"注意：{s['status_date_unknown']} 条退房/换房记录没有变更日期，日期记为未知（未用导出日期填充）。")
    match = s.get("match")
    if match and match.get("rate") is not None:
        print(f"调查关联到成交客户：{match['matched']}/{match['surveys']}（{match['rate']:.1%}）")
    if match and match.get("warning"):
        print(f"警告：{match['warning']}")
    if s.get("mapping_snippet"):
        where = s.get("mapping_file") or "项目目录下的 dealresearch.toml（或 --mapping 指定的文件）"
        print(f"\n有未识别的表头或取值。核对猜测后可把下面的片段粘贴到 {where}：\n{s['mapping_snippet']}")


def ingest_targets_command(
    paths, store=None, *, mapping=None, replace_all: bool = False, quality_page: bool = True
) -> int:
    """CLI hook for ``dealresearch ingest --kind targets PATH...``: imports the targets,
    prints a short summary, writes the data-quality page and returns the exit code (0).
    Problems raise DataError / InputFileError listing every bad row (the CLI prints them
    and exits non-zero)."""
    paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    targets = ingest_targets(paths, store, mapping=mapping, replace_all=replace_all)
    info = targets.attrs["import"]
    by_level = targets.groupby(Target.level).size().reindex(list(LEVELS)).dropna().astype(int)
    parts = "，".join(f"{lv} {n} 行" for lv, n in by_level.items())
    print(f"已导入销售目标 {len(targets)} 行（{parts}）。")
    if replace_all:
        print("已按 --replace-targets 替换库中全部目标。")
    else:
        print(f"按 年度×层级×单位×期间 合并：替换同键目标 {info['replaced']} 行，保留其他目标 {info['kept']} 行。")
    for note in info.get("notes", []):
        print(f"  {note}")
    for w in info.get("warnings", []):
        print(f"警告：{w}")
    if quality_page:
        print(f"数据质量页：{write_page(targets_summary(targets, info, paths), store=store)}")
    return 0


def targets_template_command(out: str | os.PathLike) -> Path:
    """CLI hook for ``dealresearch targets-template OUT``: writes the template, returns
    its path (a directory gets 销售目标模板.xlsx inside)."""
    out = Path(out)
    if out.is_dir() or (not out.suffix and not out.exists()):
        out = out / "销售目标模板.xlsx"
    return write_targets_template(out)
