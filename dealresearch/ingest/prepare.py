"""One raw table → canonical columns, normalised by kind, with issues recorded.

Shared by deal and survey ingest: header matching, per-kind normalisers, the
"unparseable → missing + warning" rule for optional fields, and the issue log from which
rejects and warnings are built.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Column
from . import frames as F
from . import normalise as N
from . import vocab as V
from .headers import HeaderMatch, match_headers
from .idcard import id_numbers
from .raw import RawTable

KIND_DTYPE = {
    "id": "str",
    "text": "category",  # low-cardinality text: pandas Categorical (memory: a code per row)
    "category": "category",
    "date": N.DATE_DTYPE,
    "money": "float64",
    "area": "float64",
    "number": "float64",
    "int": "Int64",
    "bool": "boolean",
    "list": object,
    "phone": "str",
    "idno": "str",
    "score": "float64",
}
META = ("source_file", "sheet", "source_row")
PARALLEL_ROWS = 50_000  # tables this large normalise columns on several threads
WORKERS = min(4, os.cpu_count() or 1)
REJECT = "reject"
WARN = "warning"


@dataclass
class Issues:
    """Row-level problems of one table: (field, reason, positional mask, severity)."""

    entries: list[tuple[str, str, np.ndarray, str]] = field(default_factory=list)

    def add(self, fld: str, reason: str, mask, severity: str = WARN) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.entries.append((fld, reason, mask, severity))

    def reject_mask(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for _, _, m, sev in self.entries:
            if sev == REJECT:
                out |= m
        return out


@dataclass
class Prepared:
    raw: RawTable
    match: HeaderMatch
    frame: pd.DataFrame  # canonical columns + META, positional index
    issues: Issues
    unknown: dict[str, dict[str, int]]
    extra: dict[str, pd.Series] = field(default_factory=dict)  # e.g. ID validity flags
    lost: dict[str, dict] = field(default_factory=dict)  # column → {"rows": n, "examples": [...]}


def empty(kind: str, n: int, index) -> pd.Series:
    dtype = KIND_DTYPE.get(kind, "str")
    if dtype == "category":
        return pd.Series(F.constant_category(None, n), index=index)
    if dtype is object:
        return pd.Series([None] * n, index=index, dtype=object)
    return pd.Series(pd.NA if dtype in ("Int64", "boolean") else None, index=index, dtype=dtype)


def prepare(
    raw: RawTable,
    columns: tuple[Column, ...],
    aliases=None,
    scales: dict | None = None,
    values: dict | None = None,
    kind: str = "deals",
) -> Prepared:
    """Match headers (raising MissingColumnsError with a mapping snippet), then
    normalise every known column. ``values``: the mapping file's synonyms per field."""
    m = match_headers(list(raw.frame.columns), columns, aliases)
    if m.missing(columns):
        from .mapping import header_samples, snippet

        hint = snippet(kind, header_samples(raw.frame, m.unmatched), columns, taken=m.sources)
        m.require(columns, file=raw.file, sheet=raw.sheet, snippet=hint)
    n = len(raw.frame)
    src = raw.frame.reset_index(drop=True)
    issues, unknown, extra = Issues(), {}, {}
    out: dict[str, pd.Series] = {}
    jobs = []
    co_buyers = np.ones(n, dtype=np.int64)
    for col in columns:
        labels = m.sources.get(col.name)
        if col.kind == "name":  # personal names are never read into the pipeline: only counted
            if labels:
                co_buyers = np.maximum(co_buyers, _party_counts(src[labels[0]]))
            continue
        if not labels:
            out[col.name] = empty(col.kind, n, src.index)
            continue
        if col.kind in ("phone", "idno"):
            cell, others = _first_party(src, labels, col.kind)
            if others is not None:
                extra[f"{col.name}__others"] = others
                co_buyers = np.maximum(co_buyers, 1 + others.str.count(r"\|").fillna(-1).to_numpy() + others.notna())
        else:
            cell = src[labels[0]]
            for other in labels[1:]:
                cell = cell.where(cell.notna(), src[other])
        out[col.name] = None  # keeps the column order
        jobs.append((col, cell, m.scales.get(col.name, 1.0)))
    extra["co_buyers"] = co_buyers - 1

    def run(job):
        col, cell, scale = job
        own_extra, own_unknown = {}, {}
        values_, bad = _normalise(col, cell, scale, scales, own_extra, own_unknown, values)
        return values_, bad, own_extra, own_unknown

    # Arrow kernels release the GIL: large tables normalise their columns in parallel
    if n >= PARALLEL_ROWS and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(run, jobs))
    else:
        results = [run(job) for job in jobs]
    lost: dict[str, dict] = {}
    for (col, cell, _), (values_, bad, own_extra, own_unknown) in zip(jobs, results, strict=True):
        out[col.name] = values_
        extra.update(own_extra)
        unknown.update(own_unknown)
        if bad is not None and not col.required:
            issues.add(col.name, f"{col.label}无法识别，已置空", bad)
        elif bad is not None:
            extra[f"{col.name}__invalid"] = bad
        gone = own_extra.get(f"{col.name}__non_numeric", None if col.required else bad)  # required: rejected
        if gone is not None and np.asarray(gone, dtype=bool).any():
            lost[col.name] = {"rows": int(np.asarray(gone, dtype=bool).sum()), "examples": _examples(cell, gone)}
        if col.kind in ("phone", "idno", "date", "money") or col.required:
            extra[f"{col.name}__raw"] = cell
    frame = pd.DataFrame(out, index=src.index)
    blank = frame.isna().all(axis=1).to_numpy()  # e.g. cells holding only spaces
    if blank.any():
        raw.non_data["blank"] = raw.non_data.get("blank", 0) + int(blank.sum())
        keep = ~blank
        frame = frame[keep].reset_index(drop=True)
        src = src[keep].reset_index(drop=True)
        raw.frame = raw.frame[keep]
        extra = {k: _keep(v, keep) for k, v in extra.items()}
        issues.entries = [(f, r, m[keep], s) for f, r, m, s in issues.entries if m[keep].any()]
    frame["source_file"] = F.constant_category(raw.file, len(frame))
    frame["sheet"] = F.constant_category("" if raw.sheet is None else raw.sheet, len(frame))
    frame["source_row"] = raw.source_rows.astype("int64")
    return Prepared(raw, m, frame, issues, unknown, extra, lost)


_PARTY_SEPARATORS = r"\s*[;；、/，,]\s*"


def _arrow(cell: pd.Series) -> pa.Array | pa.ChunkedArray:
    if isinstance(cell.array, pd.arrays.ArrowStringArray):
        return cell.array.__arrow_array__()
    return pa.array(cell.astype("str").array, pa.large_string())


def _party_counts(cell: pd.Series) -> np.ndarray:
    """Buyers named in each cell ("甲;乙" → 2; blank → 1): one Arrow pass (a separator
    followed by another name counts)."""
    if isinstance(cell.dtype, pd.CategoricalDtype):
        per_category = _party_counts(pd.Series(cell.cat.categories, dtype="str"))
        codes = cell.cat.codes.to_numpy()
        return np.where(codes >= 0, per_category[np.maximum(codes, 0)] if len(per_category) else 1, 1)
    text = pc.utf8_trim(_arrow(cell), " ;；、/，,")
    n = pc.count_substring_regex(text, "[;；、/，,]+[^;；、/，,\\s]").fill_null(0)
    return n.to_numpy(zero_copy_only=False).astype(np.int64) + 1


def _first_party(src: pd.Series, labels: list[str], kind: str) -> tuple[pd.Series, pd.Series | None]:
    """A phone / ID column that may list co-buyers ("甲;乙") and may come from several
    headers: ``(first buyer's value, the co-buyers' values joined by "|" or None)``.
    Phones prefer a mobile over a landline across the headers (a landline is kept when
    there is no mobile)."""
    firsts, rest = [], None
    for label in labels:
        cell = src[label]
        if len(labels) == 1 and not _has_separator(cell):
            return cell, None  # the usual case: one column, one buyer (no copy)
        cell = cell.astype("str")
        if _has_separator(cell):
            parts = cell.str.strip(" ;；、/，,").str.extract(r"^([^;；、/，,]*?)\s*[;；、/，,]\s*(.*)$")
            first = parts[0].where(parts[0].notna(), cell).astype("str")
            if rest is None:
                rest = parts[1].str.replace(_PARTY_SEPARATORS, "|", regex=True).replace("", None).astype("str")
            cell = first
        firsts.append(cell)
    if kind == "phone" and len(firsts) > 1:
        digits = [f.str.replace(r"^\+?86|[^0-9]", "", regex=True) for f in firsts]
        mobile = [d.str.match(r"^1[3-9][0-9]{9}$").fillna(False).astype(bool) for d in digits]
        cell = firsts[0].where(mobile[0])
        for f, mob in zip(firsts[1:], mobile[1:], strict=True):
            cell = cell.where(cell.notna(), f.where(mob))
        for f in firsts:
            cell = cell.where(cell.notna(), f)
    else:
        cell = firsts[0]
        for f in firsts[1:]:
            cell = cell.where(cell.notna(), f)
    if rest is None or not rest.notna().any():
        return cell, None
    return cell, rest


def _has_separator(cell: pd.Series) -> bool:
    """Whether any cell lists several values (a phone or ID number longer than one)."""
    if isinstance(cell.dtype, pd.CategoricalDtype):
        cell = pd.Series(cell.cat.categories, dtype="str")
    arr = _arrow(cell)
    long = pc.greater(pc.utf8_length(arr), 18).fill_null(False)  # +86 138-0013-8000 is 17
    if not pc.any(long).as_py():
        return False
    return bool(pc.any(pc.match_substring_regex(pc.filter(arr, long), "[;；、/，,]")).as_py())


def _examples(cell: pd.Series, mask, k: int = 3) -> list[str]:
    picked = cell[np.asarray(mask, dtype=bool)].dropna()
    return [str(v)[:40] for v in pd.unique(picked.head(1000))[:k]]


def _keep(v, keep: np.ndarray):
    if isinstance(v, pd.Series | pd.DataFrame):
        return v[keep].reset_index(drop=True)
    return np.asarray(v)[keep]


def _normalise(col: Column, cell: pd.Series, scale: float, scales, extra, unknown, synonyms=None):
    kind = col.kind
    syn = (synonyms or {}).get(col.name)
    if kind in ("id", "text"):
        return N.text(cell, categorical=kind == "text")[0], None
    if kind == "category":
        values, unk = V.categorical(cell, col.vocab, syn)
        if unk.any():
            unknown[col.name] = V.unknown_counts(values, unk)
        return values, None
    if kind == "list":
        values, tokens = V.multi(cell, col.vocab, syn)
        counts = V.unknown_token_counts(tokens)
        if counts:
            unknown[col.name] = counts
        return values, None
    if kind == "date":
        return N.dates(cell)
    if kind == "money":
        return N.money(cell, scale)
    if kind == "area":
        return N.area(cell)
    if kind == "number":
        return N.number(cell, scale)
    if kind == "int":
        return N.integer(cell)
    if kind == "bool":
        return N.boolean(cell)
    if kind == "phone":
        return N.phones(cell)
    if kind == "idno":
        number, valid, wrong, garbage, person = id_numbers(cell, person=True)
        extra[f"{col.name}__person"] = person  # birth date, gender, province of valid numbers
        extra[f"{col.name}__valid"] = valid
        extra[f"{col.name}__wrong_check"] = wrong
        return number, garbage
    if kind == "score":
        lo, hi = (scales or {}).get(col.name, (1, 5))
        values, non_numeric = N.number(cell)
        out_of_range = values.notna() & ((values < lo) | (values > hi))
        extra[f"{col.name}__non_numeric"] = non_numeric
        extra[f"{col.name}__out_of_range"] = out_of_range
        extra[f"{col.name}__blank"] = (values.isna() & ~non_numeric).to_numpy()
        return values.where(~out_of_range), None
    raise ValueError(f"unknown column kind {kind!r}")


def raw_records(raw: RawTable, positions: np.ndarray) -> list[str]:
    """Raw rows (header → value) as JSON text, for the rejects file."""
    import json

    sub = raw.frame.iloc[positions]
    return [
        json.dumps(
            {k: N._cell_str(v) for k, v in rec.items() if v is not None and v == v}, ensure_ascii=False
        )
        for rec in sub.to_dict("records")
    ]
