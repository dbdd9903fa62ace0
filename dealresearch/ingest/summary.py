"""Human-readable run summaries and the CLI entry point for ``dealresearch ingest``."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pandas as pd

from ..errors import DataError
from ..schema import SURVEY_ITEMS, D, label

SCORE_FLAGS = {"non_numeric": "非数字", "out_of_range": "超出量表范围", "blank": "空白"}
SURVEY_SCALES = {i.name: i.scale for i in SURVEY_ITEMS}
FILE_COLUMNS = {
    "file": "文件",
    "sheet": "工作表",
    "rows_read": "读取行数",
    "rows_clean": "有效行数",
    "rows_rejected": "拒绝行数",
    "duplicates_merged": "合并重复",
    "non_data_rows": "非数据行",
}


def build_summary(kind, per_file, batch, merged_away, data, rejects, warnings, skipped, unknown) -> dict:
    """The run summary (see ``ingest.pipeline``); raises DataError if it does not reconcile."""
    merged_by_file = Counter(batch["source_file"][merged_away].tolist()) if len(batch) else Counter()
    files = pd.DataFrame(per_file)
    files["sheet"] = files["sheet"].fillna("")
    counts = [c for c in files.columns if c not in ("file", "sheet", "encoding")]
    files[counts] = files[counts].fillna(0).astype(int)
    agg = {c: "sum" for c in counts} | {"encoding": "first"}
    files = files.groupby(["file", "sheet"], sort=False, as_index=False).agg(agg)  # CSV chunks → one row
    # merged duplicates are attributed to the file of the row absorbed
    first_of_file = ~files.duplicated("file")
    files["duplicates_merged"] = np.where(
        first_of_file, files["file"].map(merged_by_file).fillna(0), 0
    ).astype(int)
    files["rows_clean"] = (
        files["rows_read"] - files["rows_rejected"] - files["non_data_rows"] - files["duplicates_merged"]
    )
    non_data = {}
    for col in [c for c in files.columns if c.startswith("non_data:")]:
        non_data[col.split(":", 1)[1]] = int(files[col].sum())
    totals = {
        k: int(files[k].sum()) for k in ("rows_read", "rows_rejected", "non_data_rows", "duplicates_merged")
    }
    totals["rows_clean"] = len(data)
    summary = {
        "kind": kind,
        **totals,
        "exact_duplicates": int(merged_away.sum()) if kind == "surveys" else None,
        "non_data": non_data,
        "rejects_by_reason": dict(Counter(rejects["reason"].tolist())),
        "warnings": len(warnings),
        "warnings_by_reason": dict(Counter(warnings["reason"].tolist())),
        "unknown_values": {k: dict(v.most_common()) for k, v in unknown.items()},
        "files": files.to_dict("records"),
        "rejects_by_file": rejects.groupby(["source_file", "reason"]).size().to_dict()
        if len(rejects)
        else {},
        "warnings_by_file": warnings.groupby(["source_file", "reason"]).size().to_dict()
        if len(warnings)
        else {},
        "skipped": skipped,
    }
    if kind == "surveys":
        # per item, over the stored (deduplicated) rows: answers set missing, by cause
        clean = batch[~merged_away]
        summary["invalid_scores"] = {}
        for item in SURVEY_SCALES:
            counts = {
                lab: int(clean[f"_{item}__{k}"].sum())
                for k, lab in SCORE_FLAGS.items()
                if f"_{item}__{k}" in clean
            }
            if any(counts.values()):
                summary["invalid_scores"][item] = {lab: n for lab, n in counts.items() if n}
    else:
        deal = batch["_deal"] if "_deal" in batch else batch[D.deal_id]  # integer codes when given
        deal_groups = deal[merged_away | deal.duplicated(keep=False).to_numpy()]
        pairs = pd.DataFrame(
            {"d": deal_groups, "s": batch[D.status][deal_groups.index].astype("str").fillna("")}
        ).drop_duplicates()
        summary["status_updates"] = int(len(pairs) - deal_groups.nunique())
        summary["exact_duplicates"] = int(merged_away.sum()) - summary["status_updates"]
    accounted = (
        summary["rows_clean"]
        + summary["rows_rejected"]
        + summary["duplicates_merged"]
        + summary["non_data_rows"]
    )
    if (
        summary["rows_read"] != accounted
    ):  # an internal invariant: never publish a run that does not reconcile
        raise DataError(
            f"导入行数无法对账：读取 {summary['rows_read']} 行，但有效+拒绝+合并+非数据 = {accounted} 行"
        )
    return summary


def summary_table(summary: dict) -> pd.DataFrame:
    """Per file / sheet counts, with a 合计 row (the columns reconcile)."""
    files = pd.DataFrame(summary["files"])
    files = files[[c for c in FILE_COLUMNS if c in files.columns]].copy()
    files["sheet"] = files["sheet"].fillna("")
    total = {"file": "合计", "sheet": ""} | {
        k: summary[k] for k in FILE_COLUMNS if k not in ("file", "sheet")
    }
    files = pd.concat([files, pd.DataFrame([total])], ignore_index=True)
    return files.rename(columns=FILE_COLUMNS)


def reason_table(summary: dict) -> pd.DataFrame:
    """Per file and reason: rejects, warnings, non-data rows, unknown vocabulary values."""
    rows = [
        {"文件": f, "类型": "拒绝", "原因": r, "行数": n} for (f, r), n in summary["rejects_by_file"].items()
    ]
    rows += [
        {"文件": f, "类型": "警告", "原因": r, "行数": n} for (f, r), n in summary["warnings_by_file"].items()
    ]
    for rec in summary["files"]:
        rows += [
            {"文件": rec["file"], "类型": "非数据行", "原因": k.split(":", 1)[1], "行数": int(v)}
            for k, v in rec.items()
            if k.startswith("non_data:") and v
        ]
    rows += [
        {"文件": "（全部）", "类型": "未知取值", "原因": f"{label(fld)}：{v}", "行数": n}
        for fld, counts in summary["unknown_values"].items()
        for v, n in list(counts.items())[:10]
    ]
    for item, counts in summary.get("invalid_scores", {}).items():
        rows += [
            {"文件": "（全部）", "类型": "无效评分→缺失", "原因": f"{label(item)}：{lab}", "行数": n}
            for lab, n in counts.items()
        ]
    rows += [
        {"文件": s["file"], "类型": "跳过", "原因": f"{s['sheet']}：{s['reason']}"[:80], "行数": 0}
        for s in summary["skipped"]
    ]
    return pd.DataFrame(rows, columns=["文件", "类型", "原因", "行数"])


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
    from pathlib import Path

    from .pipeline import expand_paths, ingest_deals, ingest_surveys

    if kind == "targets":
        from .targets import ingest_targets_command

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
        from .store import table_path

        where = table_path(f"rejects_{kind}", store, "interim")
        print(f"被拒绝的行（含原因与原始值）已写入 {where}（仅供内部核对，勿外发）")
    _print_quality(s)
    if quality_page:
        from .quality import write_page

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
