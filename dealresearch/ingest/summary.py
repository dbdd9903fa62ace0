"""Human-readable run summaries and the CLI entry point for ``dealresearch ingest``."""

from __future__ import annotations

import sys

import pandas as pd

FILE_COLUMNS = {
    "file": "文件",
    "sheet": "工作表",
    "rows_read": "读取行数",
    "rows_clean": "有效行数",
    "rows_rejected": "拒绝行数",
    "duplicates_merged": "合并重复",
    "non_data_rows": "非数据行",
}


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
        {"文件": "（全部）", "类型": "未知取值", "原因": f"{fld}：{v}", "行数": n}
        for fld, counts in summary["unknown_values"].items()
        for v, n in list(counts.items())[:10]
    ]
    for item, counts in summary.get("invalid_scores", {}).items():
        rows += [
            {"文件": "（全部）", "类型": "无效评分→缺失", "原因": f"{item}：{lab}", "行数": n}
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
    paths, store=None, kind: str = "deals", progress: bool = True, aliases=None, sheet=None
) -> int:
    """CLI body of ``dealresearch ingest``: prints the summary tables; returns 0 when
    every row was clean, 1 when rows were rejected. Errors propagate as DealResearchError."""
    from pathlib import Path

    from .pipeline import expand_paths, ingest_deals, ingest_surveys

    files, _ = expand_paths(paths)
    large = sum(Path(f).stat().st_size for f in files) > 5_000_000 or len(files) > 3
    fn = {"deals": ingest_deals, "surveys": ingest_surveys}[kind]
    res = fn(paths, store, aliases=aliases, sheet=sheet, progress=_Bar(progress and large))
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
        from .. import config

        where = config.interim_dir(store) / f"rejects_{kind}.parquet"
        print(f"被拒绝的行（含原因与原始值）已写入 {where}（仅供内部核对，勿外发）")
    return 1 if s["rows_rejected"] else 0
