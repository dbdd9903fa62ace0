"""The processed store: parquet tables in generations, a run manifest, and ``load``.

Tables of the current generation (see ``generations`` for the layout, the lock and the
atomic switch)::

    processed/<gen>/deals.parquet  status_history.parquet  customers.parquet  surveys.parquet
                    targets.parquet  customer_links.parquet  manifest.json  (+ internal tables)
    interim/<gen>/  rejects_<kind>.parquet  warnings_<kind>.parquet   (raw values: never published)

Writers build a whole new generation (``generations.writing`` + ``stage``) that becomes
visible at once; ``write_table(s)`` is a one-table commit of its own.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DealResearchError, InputFileError
from . import generations as G
from .frames import LIST_COLUMNS, as_categorical, to_list_array, without_unused_categories

TABLES = (
    "deals", "surveys", "customers", "status_history", "targets", "customer_links", "followup_updates", "name_keys",
    "survey_choices",
)
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
WRITERS = 2  # tables encoded concurrently by write_many (more: more memory)


def _folder(store=None, folder: str = "processed") -> Path:
    return G.folder(store, folder)


def table_path(name: str, store=None, folder: str = "processed") -> Path:
    """The file of table ``name`` in the store's current generation."""
    return _folder(store, folder) / f"{name}.parquet"


_path = table_path


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
    """Write ``frame`` as table ``name`` in a new generation of the store (its own commit)."""
    write_tables({name: frame}, store, folder)
    return _path(name, store, folder)


def write_tables(frames: dict, store=None, folder: str = "processed", *, entry: dict | None = None) -> None:
    """Write several tables (and optionally a manifest entry) as one commit."""
    with G.writing(store) as gen:
        stage_many(gen, frames, folder)
        if entry is not None:
            gen.log(entry)


def update_table(name: str, change, store=None, *, entry: dict | None = None) -> pd.DataFrame:
    """Read-modify-write one table under the writer lock: ``change(current or None)`` gives
    the new table (one commit; nothing lost to a concurrent writer)."""
    with G.writing(store) as gen:
        new = change(read_table(name, store))
        stage(gen, name, new)
        if entry is not None:
            gen.log(entry)
    return new


def stage(gen: G.Staging, name: str, frame: pd.DataFrame, folder: str = "processed") -> None:
    """Write one table into the generation being built (visible at its commit)."""
    _write(_to_arrow(frame), gen.path(name, folder))


def stage_many(gen: G.Staging, frames: dict, folder: str = "processed") -> None:
    """Several tables, encoded concurrently (parquet encoding releases the GIL)."""
    items = list(frames.items())

    def one(item) -> None:
        stage(gen, item[0], item[1], folder)

    with ThreadPoolExecutor(max_workers=max(1, min(len(items), WRITERS))) as pool:
        list(pool.map(one, items))  # re-raises the first error


def read_table(name: str, store=None, folder: str = "processed") -> pd.DataFrame | None:
    """A stored table of the current generation, or None when it does not exist yet (list
    columns as lists). A file that cannot be read is a ``StoreCorruptError`` naming it."""
    path = _path(name, store, folder)
    if not path.is_file():
        return None
    return read_file(path, name)


def read_file(path: Path, name: str) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise G.StoreCorruptError(
            f"数据表“{name}”的文件已损坏，无法读取：{path}（{type(exc).__name__}）。"
            "请从备份恢复该文件，或删除数据目录后重新导入全部原始文件。"
        ) from exc
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
    if frame is not None:
        internal = [c for c in frame.columns if c.startswith("_")]  # identity bookkeeping
        frame = frame.drop(columns=internal) if internal else frame
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
    """Record one run in the manifest (its own commit; ingest runs log inside theirs)."""
    with G.writing(store) as gen:
        gen.log(entry)
    return G.folder(store) / G.MANIFEST


def manifest(store=None) -> list[dict]:
    """The runs recorded in the current generation's manifest."""
    return G.read_manifest(G.folder(store))
