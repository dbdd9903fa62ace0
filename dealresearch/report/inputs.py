"""What the runner needs from the data store, read with pyarrow directly (no analysis imports)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import config
from ..errors import DataError, InputFileError
from ..periods import latest_complete_quarter
from ..schema import Deal, Survey

DEALS_FILE = "deals.parquet"


def deals_path(data_dir=None) -> Path:
    return config.store_folder(data_dir) / DEALS_FILE


def _read_column(data_dir, column: str):
    import pyarrow.parquet as pq

    path = deals_path(data_dir)
    if not path.is_file():
        raise InputFileError(f"找不到成交数据 {path}：请先导入数据（dealresearch ingest 或 make report）。")
    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError) as exc:  # not a parquet file any more (pyarrow: ArrowInvalid)
        raise InputFileError(f"成交数据文件已损坏，无法读取：{path}。请从备份恢复，或重新导入原始文件。") from exc
    if column not in schema.names:
        raise InputFileError(f"成交数据 {path} 缺少列“{column}”。")
    return pq.read_table(path, columns=[column]).column(column)


SURVEYS_FILE = "surveys.parquet"


def period_rows(data_dir, period) -> dict[str, int]:
    """Deals signed and surveys made in ``period`` (a ``Period``), read as date columns only."""
    import pyarrow.parquet as pq

    folder = deals_path(data_dir).parent
    counts = {}
    for name, file, column in (("deals", DEALS_FILE, Deal.sign_date), ("surveys", SURVEYS_FILE, Survey.survey_date)):
        path = folder / file
        try:
            dates = pq.read_table(path, columns=[column]).column(column).to_pandas()
        except (OSError, KeyError, ValueError):  # absent or without the column: nothing there
            counts[name] = 0
            continue
        counts[name] = int(period.contains(dates).sum())
    return counts


def check_period_has_data(data_dir, period) -> None:
    """DataError when ``period`` holds neither a signed deal nor a survey: a report of zeros
    would look like a real quarter."""
    if any(period_rows(data_dir, period).values()):
        return
    dates = _read_column(data_dir, Deal.sign_date).to_pandas().dropna()
    span = (
        f"成交数据的签约日期范围为 {dates.min():%Y-%m-%d} 至 {dates.max():%Y-%m-%d}"
        if len(dates)
        else "成交数据为空"
    )
    raise DataError(
        f"{period.label_zh}（{period.label}）没有任何成交或调查数据（{span}），未生成报告。请换一个期间，"
        "或先导入该期间的数据。"
    )


def latest_period(data_dir=None) -> str:
    """Label of the last complete quarter holding signed deals, e.g. "2026Q4"."""
    dates = _read_column(data_dir, Deal.sign_date).to_pandas()
    return latest_complete_quarter(dates).label


def list_projects(data_dir=None) -> list[str]:
    """Distinct project names in the deals store, sorted."""
    import pyarrow.compute as pc

    values = pc.unique(_read_column(data_dir, Deal.project)).to_pylist()
    return sorted(str(v) for v in values if v is not None and str(v).strip())


def sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def input_hashes(data_dir=None) -> dict[str, str]:
    """sha256 of every file of the store's current generation (relative path → hex digest)."""
    root = config.store_folder(data_dir)
    if not root.is_dir():
        return {}
    files = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != "CURRENT")
    return {p.relative_to(root).as_posix(): sha256(p) for p in files}
