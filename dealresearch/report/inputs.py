"""What the runner needs from the data store, read with pyarrow directly (no analysis imports)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import config
from ..errors import InputFileError
from ..periods import latest_complete_quarter
from ..schema import D

DEALS_FILE = "deals.parquet"


def deals_path(data_dir=None) -> Path:
    return config.processed_dir(data_dir) / DEALS_FILE


def _read_column(data_dir, column: str):
    import pyarrow.parquet as pq

    path = deals_path(data_dir)
    if not path.is_file():
        raise InputFileError(f"找不到成交数据 {path}：请先导入数据（dealresearch ingest 或 make report）。")
    try:
        return pq.read_table(path, columns=[column]).column(column)
    except (KeyError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) for a missing column
        raise InputFileError(f"成交数据 {path} 缺少列“{column}”。") from exc


def latest_period(data_dir=None) -> str:
    """Label of the last complete quarter holding signed deals, e.g. "2026Q4"."""
    dates = _read_column(data_dir, D.sign_date).to_pandas()
    return latest_complete_quarter(dates).label


def list_projects(data_dir=None) -> list[str]:
    """Distinct project names in the deals store, sorted."""
    import pyarrow.compute as pc

    values = pc.unique(_read_column(data_dir, D.project)).to_pylist()
    return sorted(str(v) for v in values if v is not None and str(v).strip())


def sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def input_hashes(data_dir=None) -> dict[str, str]:
    """sha256 of every file in the processed store (relative path → hex digest)."""
    root = config.processed_dir(data_dir)
    if not root.is_dir():
        return {}
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    return {p.relative_to(root).as_posix(): sha256(p) for p in files}
