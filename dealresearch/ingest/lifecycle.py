"""Deal lifecycle: duplicates, status changes, status history, the customer master.

Rules (documented for analysts):
- One row per ``deal_id``. Among rows of the same deal the *latest status* wins, ranked
  认购 < 签约 < 换房 < 退房; ties (the same deal exported twice) keep the earliest row
  (the store before a new file, then file order). Fields missing in the winning row are
  filled from the deal's other rows.
- Status history gets one event per (deal, status): 认购 at the subscription date, 签约 at
  the signing date, 退房/换房 at the change date, which is a 退房日期/换房日期/变更日期
  column when the export has one, else the date in the file name (20260331, 2026-03-31,
  2026Q1 → quarter end), else the latest date found in that export. The first time an
  event is seen wins (re-ingesting never moves it).
- Net signings by event date = 签约 − 退房 + 换房 events in the period.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..periods import parse_period
from ..schema import C, D, H, Status
from .normalise import factorize

STATUS_RANK = {Status.subscribed: 0, Status.signed: 1, Status.changed: 2, Status.cancelled: 3}
CHANGE_STATUSES = (Status.cancelled, Status.changed)
#: extra deal column (ingest-owned): date of a 退房/换房 change when the export has it
STATUS_DATE = "status_date"
KEY_ACCOUNT_QUANTILE = 0.9


def collapse(frame: pd.DataFrame, key: str = D.deal_id) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per ``key`` (rules above). Returns ``(rows, merged_away)`` where
    ``merged_away`` marks input rows absorbed into another row (positional)."""
    dup = frame[key].duplicated(keep=False).to_numpy()
    merged_away = np.zeros(len(frame), dtype=bool)
    if not dup.any():
        return frame, merged_away
    if not frame.index.is_unique:
        raise ValueError("collapse needs a unique index")
    multi = frame[dup]
    rank = multi[D.status].map(STATUS_RANK).fillna(STATUS_RANK["签约"]).to_numpy() if D.status in multi else 0
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


def events(rows: pd.DataFrame, change_date: pd.Series) -> pd.DataFrame:
    """Status events of clean deal rows (rules above); ``change_date`` per row."""
    parts = []
    for status, date in (("认购", rows.get(D.subscribe_date)), ("签约", rows.get(D.sign_date))):
        if date is not None:
            ok = date.notna()
            parts.append(
                pd.DataFrame(
                    {
                        H.deal_id: rows[D.deal_id][ok],
                        H.status: status,
                        H.event_date: date[ok],
                        H.source_file: rows[D.source_file][ok],
                    }
                )
            )
    if D.status in rows:
        chg = rows[D.status].isin(CHANGE_STATUSES).fillna(False).to_numpy(dtype=bool)
        parts.append(
            pd.DataFrame(
                {
                    H.deal_id: rows[D.deal_id][chg],
                    H.status: rows[D.status][chg],
                    H.event_date: change_date[chg],
                    H.source_file: rows[D.source_file][chg],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out[H.status] = out[H.status].astype("str")
    return _first_sightings(out)


def _first_sightings(events: pd.DataFrame) -> pd.DataFrame:
    """One event per (deal, status), the first one; no copy when there is nothing to drop."""
    dup = events.duplicated([H.deal_id, H.status], keep="first").to_numpy()
    return events[~dup] if dup.any() else events


def merge_history(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    out = new if old is None else pd.concat([old, new], ignore_index=True)
    # first sighting wins, in arrival order: re-ingesting adds nothing and moves nothing
    out = _first_sightings(out)
    return out.reset_index(drop=True)[[H.deal_id, H.status, H.event_date, H.source_file]]


def _lists_by_key(keys: np.ndarray, values: pa.Array) -> pd.Series:
    """Sorted keys with one value each → Series (indexed by distinct key) of Arrow lists of
    the values of each key, built from offsets (no Python list per key)."""
    if len(keys) == 0:
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array([], pa.list_(pa.string()))))
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    offsets = pa.array(np.r_[starts, len(keys)].astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, values)
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=keys[starts])


def _last_per_key(k: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions (into ``order``'s source) of the last row of each key in sorted ``k``."""
    ks = k[order]
    return order[np.r_[ks[1:] != ks[:-1], True]] if len(ks) else order


def customers(deals: pd.DataFrame) -> pd.DataFrame:
    """The customer master (schema.C), one row per customer_key, from all stored deals.
    Amounts and counts exclude cancelled (退房) deals; ``active`` = has a live deal;
    ``key_account`` = top 10 % by amount or more than one live deal."""
    cols = [D.customer_key, D.project, D.sign_date, D.subscribe_date, D.status, D.total_price, D.phone_masked]
    d = deals[[c for c in cols if c in deals]]  # filter only the columns used (memory, time)
    d = d[d[D.customer_key].notna().to_numpy()]
    live = (
        d[D.status].ne(Status.cancelled).fillna(True).to_numpy(dtype=bool) if D.status in d else np.ones(len(d), bool)
    )
    date = d[D.sign_date].fillna(d[D.subscribe_date]) if D.subscribe_date in d else d[D.sign_date]
    codes, keys = factorize(d[D.customer_key])  # group on integer codes, not strings
    pcodes, pnames = factorize(d[D.project])
    keys = pa.array(keys)
    order = pc.array_sort_indices(keys).to_numpy().astype(np.int64)  # sorted by key (Arrow: fast)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    k = rank[codes]
    base = pd.DataFrame(
        {
            "k": k,
            "p": pcodes,
            "date": date.to_numpy(),
            "amt": d[D.total_price].where(live, 0.0).to_numpy(),
            "live": live,
        }
    )
    g = base.groupby("k", sort=True)
    out = pd.DataFrame(
        {
            C.first_deal_date: g["date"].min(),
            C.last_deal_date: g["date"].max(),
            C.n_deals: g["live"].sum().astype("int64"),
            C.total_amount: g["amt"].sum(),
        }
    )
    pnames = np.asarray(pnames, dtype=object)
    width = len(pnames) + 1  # one integer per (customer, project): a single-key groupby
    by_project = base["amt"].groupby(base["k"].to_numpy() * width + (base["p"].to_numpy() + 1)).sum()
    pair = by_project.index.to_numpy()
    bk, bp, bamt = pair // width, pair % width - 1, by_project.to_numpy()
    # main project: largest amount, ties → first project code (stable sorts throughout)
    main = _last_per_key(bk, np.lexsort((np.arange(len(bk))[::-1], bamt, bk)))
    name_rank = np.empty(len(pnames), dtype=np.int64)
    name_rank[np.argsort(pnames, kind="stable")] = np.arange(len(pnames))
    named = np.lexsort((name_rank[bp], bk))  # projects of a customer in name order
    projects = pa.array(pnames[bp[named]].tolist() if len(named) else [], pa.string())
    out[C.projects] = _lists_by_key(bk[named], projects).reindex(out.index)
    out[C.project] = pd.Series(pnames[bp[main]], index=bk[main], dtype="str").reindex(out.index)
    if D.phone_masked in d:
        phone = d[D.phone_masked]
        has = phone.notna().to_numpy()
        when = date.to_numpy().view("int64")
        when = np.where(date.isna().to_numpy(), np.iinfo(np.int64).max, when)  # missing date: last
        rows = np.flatnonzero(has)
        latest = rows[_last_per_key(k[rows], np.lexsort((when[rows], k[rows])))]
        out[C.phone_masked] = pd.Series(phone.array[latest], index=k[latest], dtype="str").reindex(out.index)
    else:
        out[C.phone_masked] = pd.Series(dtype="str", index=out.index)
    out[C.do_not_contact] = False
    threshold = out[C.total_amount].quantile(KEY_ACCOUNT_QUANTILE) if len(out) else 0.0
    out[C.key_account] = ((out[C.total_amount] >= threshold) & (out[C.total_amount] > 0)) | (
        out[C.n_deals] > 1
    )
    out[C.active] = out[C.n_deals] > 0
    sorted_keys = keys.take(pa.array(order[out.index.to_numpy()]))
    out.insert(
        0, C.customer_key, pd.Series(pd.arrays.ArrowStringArray(sorted_keys), index=out.index, dtype="str")
    )
    return out.reset_index(drop=True)[
        [
            C.customer_key,
            C.first_deal_date,
            C.last_deal_date,
            C.n_deals,
            C.total_amount,
            C.projects,
            C.project,
            C.phone_masked,
            C.do_not_contact,
            C.key_account,
            C.active,
        ]
    ]
