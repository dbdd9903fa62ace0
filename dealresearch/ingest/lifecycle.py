"""Deal lifecycle: duplicates, status changes, status history, the customer master.

Rules (documented for analysts):
- One row per ``deal_id``. Among rows of the same deal the *latest status* wins, ranked
  认购 < 签约 < 换房 < 退房; ties (the same deal exported twice) keep the earliest row
  (the first by file name, then row: ``merge.canonical``). Fields missing in the winning row are
  filled from the deal's other rows.
- Status history gets one event per (deal, status): 认购 at the subscription date, 签约 at
  the signing date, 退房/换房 at the change date, which is a 退房日期/换房日期/变更日期
  column when the export has one, else the date in the file name (20260331, 2026-03-31,
  2026Q1 → quarter end), else the latest date found in that export. When several files
  show the same event, the earliest date wins (ties: the first file by name), so the
  history does not depend on the order files arrive in.
- Net signings by event date = 签约 − 退房 + 换房 events in the period.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..periods import parse_period
from ..schema import Customer, Deal, History, Status
from . import frames as F
from .normalise import arrow_text, byte_matrix, factorize, take_text

STATUS_RANK = {Status.subscribed: 0, Status.signed: 1, Status.changed: 2, Status.cancelled: 3}
CHANGE_STATUSES = (Status.cancelled, Status.changed)
#: extra deal column (ingest-owned): date of a 退房/换房 change when the export has it
STATUS_DATE = "status_date"
KEY_ACCOUNT_QUANTILE = 0.9


def collapse(
    frame: pd.DataFrame, key: str = Deal.deal_id, codes: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per ``key`` (rules above). Returns ``(rows, merged_away)`` where
    ``merged_away`` marks input rows absorbed into another row (positional). ``codes``:
    the key's integer codes when the caller has them (no second pass over the text)."""
    dup = frame[key].duplicated(keep=False).to_numpy() if codes is None else duplicated_codes(codes)
    merged_away = np.zeros(len(frame), dtype=bool)
    if not dup.any():
        return frame, merged_away
    if not frame.index.is_unique:
        raise ValueError("collapse needs a unique index")
    multi = frame[dup]
    rank = (
        multi[Deal.status].astype("str").map(STATUS_RANK).astype(float).fillna(STATUS_RANK[Status.signed]).to_numpy()
        if Deal.status in multi
        else 0
    )
    pos = np.flatnonzero(dup)
    order = pd.DataFrame({"k": multi[key].to_numpy(), "r": rank, "o": -pos})
    order = order.sort_values(["k", "r", "o"], kind="stable")
    ranked = multi.iloc[order.index.to_numpy()]
    winners = ranked.groupby(key, sort=False).last()  # skips missing values: fills gaps
    winners = winners.reset_index()[frame.columns]
    winner_pos = pos[order.groupby("k", sort=False).tail(1).index.to_numpy()]
    merged_away[pos] = True
    merged_away[winner_pos] = False
    # winners keep the position of their winning row; output in input order
    winners.index = frame.index[winner_pos]
    out = pd.concat([frame[~dup], winners]).sort_index(kind="stable")
    for col in frame.columns:
        if out[col].dtype != frame[col].dtype:
            out[col] = out[col].astype(frame[col].dtype)
    return out, merged_away


def duplicated_codes(codes: np.ndarray) -> np.ndarray:
    """Rows whose (non-negative) integer code occurs more than once."""
    return np.bincount(codes)[codes] > 1 if len(codes) else np.zeros(0, bool)


def date_from_name(name: str) -> pd.Timestamp | None:
    """Export date in a file name: 20260331, 2026-03-31, 2026.03.31, 2026Q1, 2026年1季度."""
    m = re.search(r"(20\d{2})[-_.]?(\d{2})[-_.]?(\d{2})", name)
    if m:
        ts = pd.to_datetime("-".join(m.groups()), errors="coerce")
        if pd.notna(ts):
            return ts
    m = re.search(r"(20\d{2})\s*(?:Q|q|年第?)([1-4])(?:季度)?", name)
    if m:
        return parse_period(f"{m.group(1)}Q{m.group(2)}").end
    return None


EVENT_COLUMNS = [History.deal_id, History.status, History.event_date, History.source_file]


def events(rows: pd.DataFrame, change_date: pd.Series, deal: np.ndarray | None = None) -> pd.DataFrame:
    """Status events of clean deal rows (rules above); ``change_date`` per row; ``deal``:
    integer codes of the deal ids when the caller has them."""
    if deal is None:
        deal = factorize(rows[Deal.deal_id])[0]
    source = F.as_categorical(rows[Deal.source_file])
    status = F.as_categorical(rows[Deal.status]) if Deal.status in rows else None
    names = sorted({Status.subscribed, Status.signed, *(status.cat.categories if status is not None else ())})
    code = {name: i for i, name in enumerate(names)}
    parts = []  # (row positions, status codes, dates)
    for name, date in (
        (Status.subscribed, rows.get(Deal.subscribe_date)),
        (Status.signed, rows.get(Deal.sign_date)),
    ):
        if date is not None:
            at = np.flatnonzero(date.notna().to_numpy())
            parts.append((at, np.full(len(at), code[name]), date.to_numpy()[at]))
    if status is not None:
        at = np.flatnonzero(status.isin(CHANGE_STATUSES).to_numpy(dtype=bool))
        recode = np.array([code[c] for c in status.cat.categories], dtype=np.int64)
        parts.append((at, recode[status.cat.codes.to_numpy()[at]], change_date.to_numpy()[at]))
    at = np.concatenate([p[0] for p in parts]).astype(np.int64)
    codes = np.concatenate([p[1] for p in parts]).astype(np.int64)
    when = np.concatenate([p[2] for p in parts]).astype("datetime64[ns]")
    # one event per (deal, status), the earliest (ties: the first row): only a deal on
    # several rows can repeat one
    repeated = duplicated_codes(deal)[at]
    keep = np.ones(len(at), bool)
    keep[repeated] = _earliest(deal[at[repeated]], codes[repeated], when[repeated], at[repeated])
    at, codes, when = at[keep], codes[keep], when[keep]
    ids = arrow_text(rows[Deal.deal_id]).take(pa.array(at))
    status_dtype = pd.CategoricalDtype(pd.Index(names, dtype="str"))
    return pd.DataFrame(
        {
            History.deal_id: pd.Series(pd.arrays.ArrowStringArray(ids), dtype="str"),
            History.status: pd.Categorical.from_codes(codes, dtype=status_dtype),
            History.event_date: when,
            History.source_file: pd.Categorical.from_codes(source.cat.codes.to_numpy()[at], dtype=source.dtype),
        }
    )


def _earliest(deal: np.ndarray, status: np.ndarray, when: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Mask of the earliest event of each (deal code, status code) pair (missing dates
    last; ties: the first row)."""
    t = when.view(np.int64)
    t = np.where(t == np.iinfo(np.int64).min, np.iinfo(np.int64).max, t)
    order = np.lexsort((row, t, status, deal))
    pair = deal[order] * (int(status.max(initial=0)) + 1) + status[order]
    first = np.r_[True, pair[1:] != pair[:-1]] if len(pair) else np.zeros(0, bool)
    keep = np.zeros(len(deal), bool)
    keep[order[first]] = True
    return keep


def merge_history(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Two event tables as one, one event per (deal, status): the earliest (ties: ``old``)."""
    if old is None or not len(old):
        return new.reset_index(drop=True)[EVENT_COLUMNS]
    out = F.concat([F.like(old, new), new])
    deal, _ = factorize(out[History.deal_id])
    status, _ = factorize(out[History.status].astype("str"))
    when = out[History.event_date].to_numpy().astype("datetime64[ns]")
    keep = _earliest(deal, status, when, np.arange(len(out)))
    return (out if keep.all() else out[keep]).reset_index(drop=True)[EVENT_COLUMNS]


CUSTOMER_COLUMNS = [
    Customer.customer_key,
    Customer.first_deal_date,
    Customer.last_deal_date,
    Customer.n_deals,
    Customer.total_amount,
    Customer.projects,
    Customer.project,
    Customer.phone_masked,
    Customer.do_not_contact,
    Customer.key_account,
    Customer.active,
]


def _segments(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, segment of each row)`` of a sorted key array."""
    return _segments_where(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


_NIBBLE = np.full(256, 255, dtype=np.uint8)
_NIBBLE[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


def _group_by_key(keys: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, starts, segment)``: row positions ordered by key text (stable), where each
    key's rows start, and each ordered row's key number. Customer keys (32 lower-case hex
    characters) are read as two 64-bit integers — same order, no string hashing or sorting;
    other text takes the general path."""
    chars = byte_matrix(arrow_text(keys), 32)
    if chars is not None and len(chars):
        nib = _NIBBLE[chars]
        if nib.max() < 16:
            packed = np.ascontiguousarray((nib[:, 0::2] << 4) | nib[:, 1::2]).view(">u8")
            hi, lo = packed[:, 0].astype(np.uint64), packed[:, 1].astype(np.uint64)
            del nib, packed
            rows = np.lexsort((lo, hi))
            hi, lo = hi[rows], lo[rows]
            starts, seg = _segments_where(np.r_[True, (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])])
            return rows, starts, seg
    codes, uniques = factorize(keys)
    order = pc.array_sort_indices(pa.array(uniques)).to_numpy().astype(np.int64)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ranked = rank[codes]
    rows = np.argsort(ranked, kind="stable")
    starts, seg = _segments(ranked[rows])
    return rows, starts, seg


def _segments_where(new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(new)
    return starts, np.cumsum(new) - 1


def _pick(values: np.ndarray, ok: np.ndarray, tie: np.ndarray, starts, seg) -> np.ndarray:
    """Per segment, the row (position) with the largest ``values`` among ``ok`` rows and,
    among those, the largest ``tie``; −1 where no row is ok. O(n), no sort."""
    v = np.where(ok, values, -np.inf if values.dtype.kind == "f" else np.iinfo(values.dtype).min)
    cand = ok & (v == np.maximum.reduceat(v, starts)[seg])
    t = np.where(cand, tie, np.iinfo(np.int64).min)
    best = cand & (t == np.maximum.reduceat(t, starts)[seg])
    return np.maximum.reduceat(np.where(best, np.arange(len(v)), -1), starts)


def customers(deals: pd.DataFrame) -> pd.DataFrame:
    """The customer master (schema.Customer), one row per customer_key in key order, from all
    stored deals. Amounts and counts exclude cancelled (退房) deals; ``active`` = has a
    live deal; ``key_account`` = top 10 % by amount or more than one live deal; the main
    project has the largest amount (ties: the project seen first); the phone is that of the
    latest deal with one. Integer codes, one sort, segment reductions: no string grouping."""
    cols = [Deal.customer_key, Deal.project, Deal.sign_date, Deal.subscribe_date, Deal.status, Deal.total_price, Deal.phone_masked]
    d = deals[[c for c in cols if c in deals]]  # only the columns used (memory, time)
    keyed = d[Deal.customer_key].notna().to_numpy()
    if not keyed.all():
        d = d[keyed]
    if not len(d):
        return _no_customers()
    live = d[Deal.status].ne(Status.cancelled).fillna(True).to_numpy(dtype=bool) if Deal.status in d else True
    date = d[Deal.sign_date].fillna(d[Deal.subscribe_date]) if Deal.subscribe_date in d else d[Deal.sign_date]
    rows, starts, seg = _group_by_key(d[Deal.customer_key])  # by key, file order within a key
    keys = arrow_text(d[Deal.customer_key]).take(pa.array(rows[starts]))
    when = date.to_numpy().astype("datetime64[ns]").view(np.int64)[rows]
    nat, big = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    first = np.minimum.reduceat(np.where(when == nat, big, when), starts)
    first[first == big] = nat
    amount = np.where(live, d[Deal.total_price].to_numpy(dtype=float, na_value=0.0), 0.0)[rows]
    live_rows = np.broadcast_to(live, len(d))[rows]
    out = pd.DataFrame(
        {
            Customer.customer_key: pd.Series(pd.arrays.ArrowStringArray(keys), dtype="str"),
            Customer.first_deal_date: first.view("datetime64[ns]"),
            Customer.last_deal_date: np.maximum.reduceat(when, starts).view("datetime64[ns]"),
            Customer.n_deals: np.add.reduceat(live_rows.astype(np.int64), starts),
            Customer.total_amount: np.add.reduceat(amount, starts),
        }
    )
    # (customer, project) pairs in customer then project-name order, with their amounts
    project = F.as_categorical(d[Deal.project])  # sorted categories: codes are name ranks
    names = arrow_text(project.cat.categories).cast(pa.string())
    pcode = project.cat.codes.to_numpy().astype(np.int64)[rows]
    seen = np.full(len(names), big)  # first row of each project (ties: the project seen first)
    np.minimum.at(seen, pcode[pcode >= 0], rows[pcode >= 0])
    named = pcode >= 0
    pair = seg[named] * len(names) + pcode[named]
    pair_amount = pd.Series(amount[named]).groupby(pair, sort=True).sum()
    pk, pp = pair_amount.index.to_numpy() // len(names), pair_amount.index.to_numpy() % len(names)
    counts = np.bincount(pk, minlength=len(out))
    offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32))
    out[Customer.projects] = pd.arrays.ArrowExtensionArray(
        pa.ListArray.from_arrays(offsets, names.take(pa.array(pp)))
    )
    has = counts > 0
    main = np.full(len(out), -1, np.int64)
    pstarts, pseg = _segments(pk)
    main[has] = pp[_pick(pair_amount.to_numpy(), np.ones(len(pk), bool), -seen[pp], pstarts, pseg)]
    out[Customer.project] = take_text(names, main)
    if Deal.phone_masked in d:
        ok = d[Deal.phone_masked].notna().to_numpy()[rows]
        latest = _pick(np.where(when == nat, big, when), ok, np.arange(len(rows)), starts, seg)
        phones = arrow_text(d[Deal.phone_masked])
        out[Customer.phone_masked] = take_text(phones, np.where(latest >= 0, rows[np.maximum(latest, 0)], -1))
    else:
        out[Customer.phone_masked] = pd.Series(pd.NA, index=out.index, dtype="str")
    out[Customer.do_not_contact] = False
    threshold = out[Customer.total_amount].quantile(KEY_ACCOUNT_QUANTILE)
    out[Customer.key_account] = ((out[Customer.total_amount] >= threshold) & (out[Customer.total_amount] > 0)) | (
        out[Customer.n_deals] > 1
    )
    out[Customer.active] = out[Customer.n_deals] > 0
    return out[CUSTOMER_COLUMNS]


def _no_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            Customer.customer_key: pd.Series(dtype="str"),
            Customer.first_deal_date: pd.Series(dtype="datetime64[ns]"),
            Customer.last_deal_date: pd.Series(dtype="datetime64[ns]"),
            Customer.n_deals: pd.Series(dtype="int64"),
            Customer.total_amount: pd.Series(dtype="float64"),
            Customer.projects: pd.arrays.ArrowExtensionArray(pa.array([], pa.list_(pa.large_string()))),
            Customer.project: pd.Series(dtype="str"),
            Customer.phone_masked: pd.Series(dtype="str"),
            Customer.do_not_contact: pd.Series(dtype=bool),
            Customer.key_account: pd.Series(dtype=bool),
            Customer.active: pd.Series(dtype=bool),
        }
    )
