"""The processed store: atomic parquet tables, a run manifest, and ``load``.

Layout under the data directory (``config.data_dir(store)``)::

    processed/deals.parquet  status_history.parquet  customers.parquet  surveys.parquet
              targets.parquet  customer_links.parquet  manifest.json
    interim/  rejects_<kind>.parquet  warnings_<kind>.parquet   (raw values: never published)

Every write goes to a temporary file in the same folder and is moved into place with
``os.replace``: a crash mid-write leaves the previous table readable.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__, config
from ..errors import DealResearchError, InputFileError
from .frames import LIST_COLUMNS, as_categorical, to_list_array, without_unused_categories

TABLES = ("deals", "surveys", "customers", "status_history", "targets", "customer_links", "followup_updates")
#: high-cardinality columns: dictionary encoding only costs time there
NO_DICTIONARY = {"customer_key", "referrer_key", "link_key", "deal_id", "survey_id", "source_row", "comment"}
#: nullable dtypes restored on load (parquet drops them when a column has no missing value)
NULLABLE = {
    "age": "Int64",
    "visit_count": "Int64",
    "is_existing_owner": "boolean",
    "followup_needed": "boolean",
    "complaint": "boolean",
}
MANIFEST = "manifest.json"
WRITERS = 2  # tables encoded concurrently by write_many (more: more memory)


def _folder(store=None, folder: str = "processed") -> Path:
    return config.processed_dir(store) if folder == "processed" else config.interim_dir(store)


def _path(name: str, store=None, folder: str = "processed") -> Path:
    return _folder(store, folder) / f"{name}.parquet"


def _atomic_bytes_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Categorical text (ingest's compact frames) is written dictionary-encoded as it is,
    with only the categories in use: the same content gives the same bytes."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if cats:
        frame = frame.assign(
            **{
                c: pd.arrays.ArrowExtensionArray(to_list_array(frame[c]))
                if c in LIST_COLUMNS
                else without_unused_categories(as_categorical(frame[c]))
                for c in cats
            }
        )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in LIST_COLUMNS:
        if name in table.column_names and not pa.types.is_list(table.schema.field(name).type):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.list_(pa.string())))
    return table.replace_schema_metadata(None)


def _write(table: pa.Table, where) -> None:
    dictionary = [n for n in table.column_names if n not in NO_DICTIONARY]
    # min/max statistics of text columns cost a third of the write and serve no reader here
    stats = [f.name for f in table.schema if not _is_text(f.type)]
    # no stored Arrow schema: dictionary columns read back as plain text, not Categoricals
    pq.write_table(
        table,
        where,
        compression="snappy",
        use_dictionary=dictionary,
        write_statistics=stats,
        store_schema=False,
    )


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def write_table(frame: pd.DataFrame, name: str, store=None, folder: str = "processed") -> Path:
    """Atomically write ``frame`` as ``<folder>/<name>.parquet`` (no pandas index)."""
    write_tables({name: frame}, store, folder)
    return _path(name, store, folder)


def write_tables(frames: dict, store=None, folder: str = "processed") -> None:
    """Write several tables atomically as a set (see ``Transaction``)."""
    with transaction(store, folder) as tx:
        tx.write_many(frames)


class Transaction:
    """Tables written to temporary files as soon as they are ready (their memory can go),
    made visible together at ``commit``: the renames run back to back at the end."""

    def __init__(self, store=None, folder: str = "processed"):
        self.base = _folder(store, folder)
        self.staged: list[tuple[str, Path]] = []

    def _stage(self, name: str) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.base)
        os.close(fd)
        self.staged.append((tmp, self.base / f"{name}.parquet"))
        return tmp

    def write(self, name: str, frame: pd.DataFrame) -> None:
        _write(_to_arrow(frame), self._stage(name))

    def write_many(self, frames: dict) -> None:
        """Several tables, encoded concurrently (parquet encoding releases the GIL)."""
        items = [(self._stage(name), frame) for name, frame in frames.items()]

        def stage(item) -> None:
            tmp, frame = item
            _write(_to_arrow(frame), tmp)

        with ThreadPoolExecutor(max_workers=max(1, min(len(items), WRITERS))) as pool:
            list(pool.map(stage, items))  # re-raises the first error

    def commit(self) -> None:
        for tmp, final in self.staged:
            os.replace(tmp, final)
        self.staged = []

    def abort(self) -> None:
        for tmp, _ in self.staged:
            Path(tmp).unlink(missing_ok=True)
        self.staged = []


@contextmanager
def transaction(store=None, folder: str = "processed"):
    """``with transaction(store) as tx: tx.write(name, frame) ...`` — all tables appear at
    the end of the block, or none (an exception leaves the previous tables in place)."""
    tx = Transaction(store, folder)
    try:
        yield tx
        tx.commit()
    finally:
        tx.abort()


def read_table(name: str, store=None, folder: str = "processed") -> pd.DataFrame | None:
    """A stored table, or None when it does not exist yet (list columns as lists)."""
    path = _path(name, store, folder)
    if not path.is_file():
        return None
    table = pq.read_table(path)
    frame = table.to_pandas()
    for col, dtype in NULLABLE.items():
        if col in frame.columns and name != "customers":
            frame[col] = frame[col].astype(dtype)
    for col in LIST_COLUMNS:
        if col in frame.columns:
            frame[col] = pd.Series(table.column(col).to_pylist(), index=frame.index, dtype=object)
    return frame


def load(name: str, store=None, *, missing_ok: bool = False) -> pd.DataFrame | None:
    """Load a processed table: "deals", "surveys", "customers", "status_history", "targets".

    ``store`` is the data directory (default: the project's data/ or $DEALRESEARCH_HOME/data).
    ``missing_ok=True`` returns None for a table not ingested yet (optional inputs such as
    targets or surveys) instead of raising.
    """
    if name not in TABLES:
        raise DealResearchError(f"未知的数据表“{name}”，可选：{'、'.join(TABLES[:5])}")
    frame = read_table(name, store)
    if frame is None and missing_ok:
        return None
    if frame is None:
        raise InputFileError(
            f"数据表“{name}”不存在：{_path(name, store)}。请先运行 dealresearch ingest 导入数据"
            "（或运行 make report 生成并导入示例数据）。"
        )
    return frame


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def append_manifest(entry: dict, store=None) -> Path:
    """Append one run record to processed/manifest.json (atomic rewrite)."""
    path = config.processed_dir(store) / MANIFEST
    runs = []
    if path.is_file():
        try:
            runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
        except (json.JSONDecodeError, AttributeError):
            runs = []
    runs.append({"version": __version__, **entry})
    text = json.dumps({"runs": runs}, ensure_ascii=False, indent=1, default=str)
    _atomic_bytes_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def manifest(store=None) -> list[dict]:
    path = config.processed_dir(store) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8"))["runs"] if path.is_file() else []
