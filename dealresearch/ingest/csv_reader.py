"""CSV / TSV / TXT exports → raw tables: encoding and delimiter sniffed, streamed in
Arrow blocks, the header located in the first rows."""



from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputFileError
from .raw import HEAD_ROWS, RawTable, _finish, fallback_header, locate_header

CSV_BLOCK_BYTES = 1 << 20  # pyarrow streaming block (rows arrive in batches of about this size)


# --------------------------------------------------------------------------------- csv
def _utf8_or_error(raw: bytes, name: str) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFileError(f"无法识别文件编码：{name} 在第 {e.start} 字节处不是有效的 UTF-8") from e


def _head_rows(text: str) -> tuple[str, list[list[str]]]:
    lines = text.splitlines()[: HEAD_ROWS + 2]
    sample = "\n".join(lines)
    best = (",", 0)
    for d in (",", "\t", ";", "|"):
        width = max((len(r) for r in csv.reader(io.StringIO(sample), delimiter=d)), default=0)
        if width > best[1]:
            best = (d, width)
    return best[0], list(csv.reader(io.StringIO(sample), delimiter=best[0]))


def _read_csv(p: Path, index, min_hits: int, chunk_rows: int | None = None) -> Iterator[RawTable]:
    """Locate the header (first decoding the head), then stream the rows with pyarrow;
    ragged files (rows of different lengths, empty lines) fall back to Python's csv."""
    with open(p, "rb") as fh:
        head_bytes = fh.read(1 << 16)
    bom = head_bytes.startswith(codecs.BOM_UTF8)
    encoding = "utf-8-sig" if bom else "utf-8"
    body = None  # UTF-8 files are streamed from disk by pyarrow (which validates UTF-8)
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(
            head_bytes[3:] if bom else head_bytes, final=False
        )
    except UnicodeDecodeError:
        encoding = "gb18030"
    if encoding == "gb18030":
        try:
            body = p.read_bytes().decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as e:
            raise InputFileError(
                f"无法识别文件编码：{p.name} 在第 {e.start} 字节处无法按 UTF-8 或 GBK/GB18030 解码"
                "（请在 Excel 中另存为“CSV UTF-8”后重试）"
            ) from e
        head = body[: 1 << 16].decode("utf-8", errors="ignore")
    delimiter, rows = _head_rows(head)
    # a CSV holds one table: settle for a weaker header so a missing-column error can explain
    found = locate_header(rows, index, min_hits) or locate_header(rows, index, 1) or fallback_header(rows)
    if found is None:
        raise InputFileError(f"{p.name} 中找不到表头行（前 {HEAD_ROWS} 行中没有可识别的列名）")
    first, last, headers = found
    return _csv_chunks(p, body, bom, encoding, delimiter, last, headers, chunk_rows or (1 << 62))


def _csv_chunks(p, body, bom, encoding, delimiter, last, headers, chunk_rows) -> Iterator[RawTable]:
    names = [f"c{i}" for i in range(len(headers))]
    consumed, pending, n = 0, [], 0

    def table(frame: pd.DataFrame) -> RawTable:
        frame.index = np.arange(last + 2 + consumed, last + 2 + consumed + len(frame))
        return _finish(p, None, headers, frame, last + 1, encoding)

    try:
        reader = pacsv.open_csv(
            pa.BufferReader(body) if body is not None else str(p),
            read_options=pacsv.ReadOptions(
                skip_rows=last + 1, column_names=names, block_size=CSV_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},  # what pandas keeps: no copy
                null_values=["", " ", "  ", "\t"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            pending.append(batch)
            n += batch.num_rows
            if n >= chunk_rows:
                yield table(_drain(pending))
                consumed, n = consumed + n, 0
        if pending or consumed == 0:
            yield table(_drain(pending, pa.schema([(c, pa.large_string()) for c in names])))
    except pa.ArrowInvalid as e:
        if body is None:
            body = p.read_bytes()[3 if bom else 0 :]
        if "utf8" in str(e).lower():
            _utf8_or_error(body, p.name)
        # rows already yielded are skipped; the rest is parsed by Python's csv module
        yield table(_read_csv_slow(body, delimiter, last + 1 + consumed, len(headers)))


def _drain(batches: list, schema=None) -> pd.DataFrame:
    """The batches as one frame; the list is emptied so the suspended reader holds no
    second reference while the consumer works on (and releases) the chunk."""
    table = pa.Table.from_batches(batches, schema=schema)
    batches.clear()
    return table.to_pandas()


def _read_csv_slow(body: bytes, delimiter: str, skip: int, width: int) -> pd.DataFrame:
    """Ragged CSV (rows of different lengths, empty lines): Python csv, padded/truncated."""
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter)
    rows = [(r + [None] * width)[:width] if len(r) != width else r for i, r in enumerate(reader) if i >= skip]
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str")
    return frame.replace({"": None})
