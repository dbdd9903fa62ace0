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
from ..schema import DEAL_COLUMNS, SURVEY_COLUMNS, Column, Deal
from . import frames as F
from . import generations as G
from . import keyring
from . import lifecycle as L
from . import quality as Q
from . import store as st
from .commit import (
    _finish_deals,
    _finish_surveys,
    _write_interim,
)
from .dealkeys import KEY_COLUMNS
from .headers import resolve_aliases
from .identity import ID_VALID, REF_VALID, person_fields
from .layouts import adapt_table, co_buyer_columns, unknown_change_dates
from .mapping import load_mapping
from .memory import release
from .platforms import META_HEADERS, PLATFORM_COLUMNS, choice_answers
from .prefetch import prefetched
from .prepare import prepare, raw_records
from .raw import CSV_SUFFIXES, EXCEL_SUFFIXES, NON_DATA_REASONS, SURVEY_ITEM_COLUMNS
from .readers import read_file
from .summary import SCORE_FLAGS, SURVEY_SCALES, build_summary
from .textpii import raw_names
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
    c.name: c.aliases for c in DEAL_COLUMNS if c.name in (Deal.phone, Deal.id_number, Deal.customer_code)
}

DEAL_SPEC = DEAL_COLUMNS + EXTRA_DEAL_COLUMNS + KEY_COLUMNS
SURVEY_SPEC = (
    tuple(
        replace(c, aliases=tuple(dict.fromkeys(c.aliases + EXTRA_PERSONAL_ALIASES.get(c.name, ()))))
        for c in SURVEY_COLUMNS
    )
    + SURVEY_ITEM_COLUMNS
    + PLATFORM_COLUMNS
)
CHUNK_ROWS = 125_000  # CSV rows normalised at a time (bounds memory on large exports)
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
    paths,
    store=None,
    *,
    aliases=None,
    sheet=None,
    progress: Callable | None = None,
    mapping=None,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
) -> IngestResult:
    """Ingest CRM deal exports (xlsx/xls/csv; files or folders) into the store.
    ``mapping``: a mapping file (TOML path, dict or ``mapping.Mapping``); default the
    project's ``dealresearch.toml`` when it exists (see ``ingest.mapping``)."""
    return _run("deals", paths, store, aliases, sheet, progress, mapping, wait, notify)


def ingest_surveys(
    paths,
    store=None,
    *,
    aliases=None,
    sheet=None,
    progress: Callable | None = None,
    mapping=None,
    wait: bool = True,
    notify: Callable[[str], None] | None = None,
) -> IngestResult:
    """Ingest satisfaction-survey files into the store (joined to customers by key);
    问卷星 / 腾讯问卷 downloads are recognised (``ingest.platforms``)."""
    return _run("surveys", paths, store, aliases, sheet, progress, mapping, wait, notify)


def _run(kind, paths, store, aliases, sheet, progress, mapping=None, wait=True, notify=None) -> IngestResult:
    """One ingest run. The store's writer lock is taken only to merge and commit (reading
    and normalising files runs alongside another writer); ``wait=False`` fails at once
    when another run holds it."""
    t0 = time.perf_counter()
    files, from_dir = expand_paths(paths)
    mapping = load_mapping(mapping, store)
    aliases = mapping.aliases_for(kind, resolve_aliases(aliases))
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
    quality = []  # per table: columns mapped / ignored, values lost, layout notes
    extra_headers = META_HEADERS if kind == "surveys" else ()
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path.name)
        read = read_file(path, sheet, spec, chunk_rows=CHUNK_ROWS, aliases=aliases, extra_headers=extra_headers)
        skipped += [{"file": path.name, "sheet": s, "reason": r} for s, r in read.skipped]
        missing: list[MissingColumnsError] = []
        n_tables = 0
        for raw in prefetched(read.tables):
            n_tables += 1
            try:
                done = _process_table(kind, raw, path, spec, aliases, today, mapping, store)
            except MissingColumnsError as e:
                # another kind of table (a survey sheet in a deal workbook...): skipped and
                # said so, unless the file named explicitly holds no usable table at all
                missing.append(e)
                first = " ".join(line.strip() for line in str(e).splitlines()[:2])
                skipped.append({"file": path.name, "sheet": raw.sheet, "reason": f"已跳过：{first}"})
                continue
            frame, rej, warn, entry, table_unknown, table_quality = done
            quality.append(table_quality)
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
        why = "；".join(f"{x['file']} {x['sheet'] or ''}：{x['reason']}" for x in skipped[:10])
        raise InputFileError(
            f"没有找到可导入的{'成交' if kind == 'deals' else '调查'}数据表：{'、'.join(f.name for f in files)}"
            + (f"（{why}）" if why else "")
        )
    rejects_df = (
        pd.concat(rejects, ignore_index=True)[REJECT_COLUMNS]
        if rejects
        else pd.DataFrame(columns=REJECT_COLUMNS)
    )
    warnings_df = pd.concat(warnings, ignore_index=True)
    finish = _finish_deals if kind == "deals" else _finish_surveys
    kept = [f for _, f in sorted(zip([e["file"] for e in per_file], kept, strict=True), key=lambda t: t[0])]
    names = sorted({f.name for f in files})
    with G.writing(store, wait=wait, notify=notify) as gen:  # one writer; all of it or nothing
        key = keyring.store_secret(store, gen)
        more = {"choices": [t.pop("choices", None) for t in quality]} if kind == "surveys" else {}
        data, merged_away, store_stats, counted = finish(kept, store, gen, names, key, **more)  # empties ``kept``
        _write_interim(kind, rejects_df, warnings_df, names, gen)
        summary = build_summary(
            kind, per_file, counted, merged_away, data, rejects_df, warnings_df, skipped, unknown
        )
        summary["store"] = store_stats
        summary["timings"] = {
            "read_normalise_s": round(t_read - t0, 3),
            "total_s": round(time.perf_counter() - t0, 3),
        }
        gen.log(_manifest_entry(kind, files, checksums.result(), summary))
    _quality(summary, kind, quality, spec, mapping)
    return IngestResult(data, rejects_df, summary, warnings_df)


def _quality(summary: dict, kind: str, quality: list[dict], spec, mapping) -> None:
    """The run's data-quality sections (``ingest.quality``): columns, lost values, keys,
    platforms, unknown change dates, the survey match rate, the mapping snippet."""
    Q.finish(summary, kind, quality, spec, mapping, {c.name: c.vocab for c in spec if c.vocab})
    summary["status_date_unknown"] = sum(t.get("status_date_unknown", 0) for t in quality)
    summary["status_date_from_name"] = {
        t["file"]: t["status_date_from_name"] for t in quality if t.get("status_date_from_name")
    }
    if kind == "surveys":
        Q.match_rate(summary, mapping.match_rate_warning)


def _process_table(kind, raw, path: Path, spec, aliases, today, mapping=None, store=None):
    """One raw table → (kept clean rows, rejects, warnings, per-file counts, unknown values,
    data-quality facts)."""
    mapping = load_mapping(mapping, store) if mapping is None else mapping
    choices = choice_answers(raw) if kind == "surveys" else None  # multi-choice answers, long
    raw, note = adapt_table(kind, raw, spec, aliases, mapping)  # platform downloads, keys
    if choices is not None:
        note["choices"] = choices  # to ``_finish_surveys`` (popped in ``_run``)
    p = prepare(raw, spec, aliases, SURVEY_SCALES, mapping.values, kind)
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
    names = raw_names(raw, p)  # customer names: learned as keyed hashes by textpii, then dropped
    if names is not None:
        frame = frame.assign(**{Deal.customer_name: names})
    if kind == "deals":
        frame = frame.assign(**co_buyer_columns(p, store))
        note.update(unknown_change_dates(p.frame, raw.file, ~rejected))
    table_quality = Q.collect_table(raw, p, note.pop("renamed", None), note)
    # release the raw cells (memory); a zero-row slice would keep their Arrow buffers alive
    raw.frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in raw.frame.dtypes.items()})
    frame = frame[~rejected]
    if kind == "deals":
        person = p.extra.get("id_number__person")
        frame = person_fields(frame, None if person is None else person[~rejected])
    return frame, rej, warn, entry, p.unknown, table_quality


def _manifest_entry(kind, files, checksums, summary) -> dict:
    counts = ("rows_read", "rows_clean", "rows_rejected", "duplicates_merged", "non_data_rows", "warnings")
    return {
        "run_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "kind": kind,
        "inputs": [
            {"file": str(f), "sha256": sha, "bytes": f.stat().st_size}
            for f, sha in zip(files, checksums, strict=True)
        ],
        "counts": {k: summary[k] for k in counts},
        "timings": summary["timings"],
    }


