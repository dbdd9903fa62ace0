"""Human-readable run summaries and the CLI entry point for ``dealresearch ingest``."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..errors import DataError
from ..schema import SURVEY_ITEMS, Deal, label

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
        deal = batch["_deal"] if "_deal" in batch else batch[Deal.deal_id]  # integer codes when given
        deal_groups = deal[merged_away | deal.duplicated(keep=False).to_numpy()]
        pairs = pd.DataFrame(
            {"d": deal_groups, "s": batch[Deal.status][deal_groups.index].astype("str").fillna("")}
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
