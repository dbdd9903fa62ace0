"""Ingest runs: files → clean tables → the processed store, with a reconciling summary.

``rows_read == rows_clean + rows_rejected + duplicates_merged + non_data_rows`` holds for
the run and for every file. ``data`` holds this run's clean rows; the store holds the
merge of every run (see ``lifecycle`` for the deal rules).

Memory (a million-row export stays within about three times the file size): CSV files
are read in chunks, the next one parsed on a background thread while the current one is
normalised; inside ingest, text is held as Categoricals (``frames``) and customer keys as
integer codes (``identity.KeySpace``); each store table is written as soon as it is
complete (``store.transaction``) and freed memory is handed back between steps
(``memory.release``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, MissingColumnsError, ParameterError
from ..schema import DEAL_COLUMNS, DEAL_STORE_COLUMNS, SURVEY_COLUMNS, SURVEY_ITEMS, Column, D, S
from . import frames as F
from . import lifecycle as L
from . import store as st
from .headers import resolve_aliases
from .identity import ID_VALID, REF_VALID, deal_identity, person_fields, survey_identity
from .memory import release
from .normalise import factorize, scrub_text
from .prefetch import prefetched
from .prepare import prepare, raw_records
from .privacy import Pseudonymiser, secret
from .readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    NON_DATA_REASONS,
    SURVEY_ITEM_COLUMNS,
    read_file,
)
from .summary import SCORE_FLAGS, SURVEY_SCALES, build_summary
from .validate import deal_rules, issue_frames, survey_rules

# ---- ingest-owned schema additions (ask the lead to move them into schema.py) ----
EXTRA_DEAL_COLUMNS = (
    Column(
        L.STATUS_DATE,
        "date",
        "状态变更日期",
        ("退房日期", "换房日期", "变更日期", "状态变更日期", "状态日期", "status_date"),
    ),
)
EXTRA_PERSONAL_ALIASES = {  # surveys accept every phone / ID alias deals accept
    c.name: c.aliases for c in DEAL_COLUMNS if c.name in (D.phone, D.id_number, D.customer_code)
}

SURVEY_STORE_COLUMNS = (
    S.survey_id,
    S.customer_key,
    S.survey_date,
    S.method,
    S.project,
    S.surveyor,
    S.comment,
    S.followup_needed,
    S.complaint,
    *(i.name for i in SURVEY_ITEMS),
    D.phone_masked,
    S.source_file,
    S.source_row,
)
DEAL_SPEC = DEAL_COLUMNS + EXTRA_DEAL_COLUMNS
SURVEY_SPEC = (
    tuple(
        replace(c, aliases=tuple(dict.fromkeys(c.aliases + EXTRA_PERSONAL_ALIASES.get(c.name, ()))))
        for c in SURVEY_COLUMNS
    )
    + SURVEY_ITEM_COLUMNS
)
CHUNK_ROWS = 125_000  # CSV rows normalised at a time (bounds memory on large exports)
SUMMARY_INPUTS = ("source_file", D.deal_id, D.status)  # what build_summary reads of a batch
REJECT_COLUMNS = ["source_file", "sheet", "source_row", "record_id", "field", "reason", "all_reasons", "raw"]


@dataclass
class IngestResult:
    """``data`` (this run's clean rows), ``rejects`` (with reasons and raw values),
    ``summary`` (counts; see module doc), ``warnings`` (rows kept, fields flagged).

    ``data`` is built on first access from the run's compact frame (text held as
    Categoricals while ingesting): a CLI run over a million rows never pays for it."""

    compact: pd.DataFrame = field(repr=False)
    rejects: pd.DataFrame
    summary: dict
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    _data: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def data(self) -> pd.DataFrame:
        if self._data is None:
            self._data = F.expand(self.compact).reset_index(drop=True)
        return self._data

    def __iter__(self):
        return iter((self.data, self.rejects, self.summary))

    def table(self) -> pd.DataFrame:
        from .summary import summary_table

        return summary_table(self.summary)


def expand_paths(paths) -> tuple[list[Path], bool]:
    """Files to read; a directory expands to its Excel/CSV files (sorted)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    out, from_dir = [], False
    for p in map(Path, paths):
        if p.is_dir():
            from_dir = True
            out += sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in EXCEL_SUFFIXES + CSV_SUFFIXES and not f.name.startswith(("~$", "."))
            )
        elif not p.exists():
            raise InputFileError(f"找不到输入文件：{p}")
        else:
            out.append(p)
    if not out:
        raise InputFileError(f"没有可导入的文件：{'、'.join(map(str, paths))}")
    return out, from_dir


def ingest_deals(
    paths, store=None, *, aliases=None, sheet=None, progress: Callable | None = None
) -> IngestResult:
    """Ingest CRM deal exports (xlsx/xls/csv; files or folders) into the store."""
    return _run("deals", paths, store, aliases, sheet, progress)


def ingest_surveys(
    paths, store=None, *, aliases=None, sheet=None, progress: Callable | None = None
) -> IngestResult:
    """Ingest satisfaction-survey files into the store (joined to customers by key)."""
    return _run("surveys", paths, store, aliases, sheet, progress)


def _run(kind, paths, store, aliases, sheet, progress) -> IngestResult:
    t0 = time.perf_counter()
    files, from_dir = expand_paths(paths)
    aliases = resolve_aliases(aliases)
    spec = DEAL_SPEC if kind == "deals" else SURVEY_SPEC
    unknown_names = sorted(set(aliases or {}) - {c.name for c in spec})
    if unknown_names:
        raise ParameterError(
            f"别名配置中有未知的列名：{'、'.join(unknown_names)}（可用：{'、'.join(c.name for c in spec)}）"
        )
    today = pd.Timestamp.today().normalize()
    hasher = ThreadPoolExecutor(max_workers=1)  # input checksums for the manifest, alongside
    checksums = hasher.submit(lambda: [st.file_sha256(f) for f in files])
    hasher.shutdown(wait=False)
    kept, rejects, warnings, per_file, skipped, unknown = [], [], [], [], [], {}
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path.name)
        read = read_file(path, sheet, spec, chunk_rows=CHUNK_ROWS)
        skipped += [{"file": path.name, "sheet": s, "reason": r} for s, r in read.skipped]
        missing: list[MissingColumnsError] = []
        n_tables = 0
        for raw in prefetched(read.tables):
            n_tables += 1
            try:
                done = _process_table(kind, raw, path, spec, aliases, today)
            except MissingColumnsError as e:
                # another kind of table (a survey sheet in a deal workbook...): skipped and
                # said so, unless the file named explicitly holds no usable table at all
                missing.append(e)
                first = " ".join(line.strip() for line in str(e).splitlines()[:2])
                skipped.append({"file": path.name, "sheet": raw.sheet, "reason": f"已跳过：{first}"})
                continue
            frame, rej, warn, entry, table_unknown = done
            release()
            kept.append(frame)
            rejects += [rej] if len(rej) else []
            warnings.append(warn)
            per_file.append(entry)
            for fld, counts in table_unknown.items():
                unknown.setdefault(fld, Counter()).update(counts)
        if missing and len(missing) == n_tables and not from_dir:
            raise missing[0]
        del read
    if progress:
        progress(len(files), len(files), "写入数据")
    t_read = time.perf_counter()
    if not kept:
        raise InputFileError(
            f"没有找到可导入的{'成交' if kind == 'deals' else '调查'}数据表：{'、'.join(f.name for f in files)}"
        )
    finish = _finish_deals if kind == "deals" else _finish_surveys
    data, merged_away, store_stats, counted = finish(kept, store)  # empties ``kept``
    rejects_df = (
        pd.concat(rejects, ignore_index=True)[REJECT_COLUMNS]
        if rejects
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    warnings_df = pd.concat(warnings, ignore_index=True)
    _write_interim(kind, rejects_df, warnings_df, files, store)
    summary = build_summary(
        kind, per_file, counted, merged_away, data, rejects_df, warnings_df, skipped, unknown
    )
    summary["store"] = store_stats
    summary["timings"] = {
        "read_normalise_s": round(t_read - t0, 3),
        "total_s": round(time.perf_counter() - t0, 3),
    }
    st.append_manifest(
        {
            "run_at": pd.Timestamp.now(tz="UTC").isoformat(),
            "kind": kind,
            "inputs": [
                {"file": str(f), "sha256": sha, "bytes": f.stat().st_size}
                for f, sha in zip(files, checksums.result(), strict=True)
            ],
            "counts": {
                k: summary[k]
                for k in (
                    "rows_read",
                    "rows_clean",
                    "rows_rejected",
                    "duplicates_merged",
                    "non_data_rows",
                    "warnings",
                )
            },
            "timings": summary["timings"],
        },
        store,
    )
    return IngestResult(data, rejects_df, summary, warnings_df)


def _process_table(kind, raw, path: Path, spec, aliases, today):
    """One raw table → (kept clean rows, rejects, warnings, per-file counts, unknown values)."""
    p = prepare(raw, spec, aliases, SURVEY_SCALES)
    (deal_rules if kind == "deals" else survey_rules)(p, today)
    rej, warn, rejected = issue_frames(p)
    if len(rej):
        rej["raw"] = raw_records(raw, rej.index.to_numpy())
    frame = p.frame.assign(**{ID_VALID: p.extra.get("id_number__valid", False)})
    if kind == "deals":
        frame = frame.assign(**{REF_VALID: p.extra.get("referrer_id_number__valid", False)})
    else:
        flags = {
            f"_{k}": np.asarray(v, dtype=bool)
            for k, v in p.extra.items()
            if k.split("__")[0] in SURVEY_SCALES and k.split("__")[1] in SCORE_FLAGS
        }
        frame = frame.assign(**flags)
    entry = {
        "file": raw.file,
        "sheet": raw.sheet,
        "rows_read": raw.rows_read,
        "rows_rejected": int(rejected.sum()),
        "non_data_rows": sum(raw.non_data.values()),
        **{f"non_data:{NON_DATA_REASONS[k]}": v for k, v in raw.non_data.items()},
        "encoding": raw.encoding,
    }
    # release the raw cells (memory); a zero-row slice would keep their Arrow buffers alive
    raw.frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in raw.frame.dtypes.items()})
    frame = frame[~rejected]
    if kind == "deals":
        person = p.extra.get("id_number__person")
        frame = person_fields(frame, None if person is None else person[~rejected])
    return frame, rej, warn, entry, p.unknown


def _fill_change_dates(batch: pd.DataFrame) -> pd.DataFrame:
    """退房/换房 without a change-date column: the date in the file name, else the latest
    date in that export (see ``lifecycle``)."""
    missing = batch[L.STATUS_DATE].isna()
    if not missing.any():
        return batch
    cols = [D.sign_date, D.subscribe_date, L.STATUS_DATE]
    latest = batch.groupby("source_file", sort=False)[cols].max().max(axis=1)
    named = pd.Series({f: L.date_from_name(Path(f).stem) for f in latest.index}, dtype="datetime64[ns]")
    export = named.fillna(latest).astype("datetime64[ns]")
    return batch.assign(**{L.STATUS_DATE: batch[L.STATUS_DATE].fillna(batch["source_file"].map(export))})


def _stored_links(store) -> pd.DataFrame | None:
    """The store's link table (phone / code key → customer key), None before the first run."""
    return st.read_table("customer_links", store)


def _batch(kept: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's clean rows as one frame (``kept`` emptied: no second reference keeps the
    personal columns alive) and the columns ``build_summary`` counts."""
    batch = F.concat(kept, consume=True)
    kept.clear()
    release()
    return batch, batch[[c for c in batch.columns if c in SUMMARY_INPUTS or c.startswith("_")]]


def _finish_deals(kept: list[pd.DataFrame], store):
    """Identity, lifecycle and the store for the run's clean deal rows. Each table is
    written (not yet visible) as soon as it is complete and its memory released; all of
    them appear together at the end."""
    batch, counted = _batch(kept)
    batch = _fill_change_dates(batch)
    with st.transaction(store) as tx:
        batch, space, links = deal_identity(batch, Pseudonymiser(secret(store)), _stored_links(store))
        tx.write("customer_links", space.link_table(links))
        del space, links
        release()
        deal = factorize(batch[D.deal_id])[0]  # once, for events, duplicates and the summary
        counted = counted.assign(_deal=deal)
        new_events = L.events(batch, batch[L.STATUS_DATE], deal)
        tx.write("status_history", L.merge_history(st.read_table("status_history", store), new_events))
        del new_events
        deals, merged_away = L.collapse(batch, codes=deal)
        data = deals[list(DEAL_STORE_COLUMNS)]
        del batch, deals, deal
        release()
        old = st.read_table("deals", store)
        combined = data if old is None else L.collapse(F.concat([F.like(old, data), data]))[0]
        stats = {
            "deals_before": 0 if old is None else len(old),
            "deals_after": len(combined),
            "deals_new": len(combined) - (0 if old is None else len(old)),
        }
        del old
        tx.write("customers", L.customers(combined))
        release()
        tx.write("deals", combined.reset_index(drop=True))
    return data, merged_away, stats, counted


def _finish_surveys(kept: list[pd.DataFrame], store):
    batch, counted = _batch(kept)
    batch = survey_identity(batch, Pseudonymiser(secret(store)), _stored_links(store))
    merged_away = batch[S.survey_id].duplicated(keep="first").to_numpy()
    data = batch[~merged_away][list(SURVEY_STORE_COLUMNS)]
    data = data.assign(**{S.comment: scrub_text(data[S.comment])})  # phones / IDs typed into comments
    old = st.read_table("surveys", store)
    combined = (
        data if old is None else F.concat([F.like(old, data), data]).drop_duplicates(S.survey_id, keep="last")
    )
    stats = {
        "surveys_before": 0 if old is None else len(old),
        "surveys_after": len(combined),
        "without_customer_key": int(data[S.customer_key].isna().sum()),
    }
    customers = st.read_table("customers", store)
    if customers is not None:
        stats["matched_to_customers"] = int(data[S.customer_key].isin(customers[S.customer_key]).sum())
    st.write_tables({"surveys": combined.reset_index(drop=True)}, store)
    return data, merged_away, stats, counted


def _write_interim(kind, rejects, warnings, files, store) -> None:
    names = {f.name for f in files}
    out = {}
    for label, new in (("rejects", rejects), ("warnings", warnings)):
        old = st.read_table(f"{label}_{kind}", store, folder="interim")
        if old is not None:
            new = pd.concat([old[~old["source_file"].isin(names)], new], ignore_index=True)
        out[f"{label}_{kind}"] = new.astype({"source_row": "int64"}) if len(new) else new
    st.write_tables(out, store, folder="interim")
