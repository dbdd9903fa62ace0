"""A run's rows merged into the store, so that the store depends on the *set* of files.

Rules (documented for analysts):
- A file is known by its name (``source_file``). Ingesting a file again replaces every row
  that came from it: a corrected re-export keeps its name; a different export needs a
  different name.
- The store's deal rows are taken in canonical order — by file name, then row — whatever
  order the files arrived in. A deal seen on one row is that row (``deals``); the rows of
  deals seen on several rows are kept too (``deal_rows``), so that a later file is merged
  with the rows themselves, never with an earlier merge of them.
- ``deals`` is ``lifecycle.collapse`` of all rows; ``status_history`` is
  ``lifecycle.events`` of all rows (plus the events of a store written before rows were
  kept, ``legacy_events``); rows resolved through a phone or code key follow the current
  links (``links.reresolve``).

Ingesting files one after another, in any order, therefore gives the store that
ingesting them all at once gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import Deal
from . import frames as F
from . import lifecycle as L
from .links import REF_VIA, VIA, best, by_id, reresolve
from .normalise import factorize

ROWS = "deal_rows"
LEGACY_EVENTS = "legacy_events"
INTERNAL = (ROWS, LEGACY_EVENTS)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by (source_file, source_row), stable; a frame already in that order as it is."""
    if len(frame) < 2:
        return frame.reset_index(drop=True)
    names = F.as_categorical(frame[Deal.source_file])  # sorted categories: codes are name ranks
    file = names.cat.codes.to_numpy().astype(np.int64)
    row = frame[Deal.source_row].to_numpy(dtype=np.int64, na_value=-1)
    step = np.diff(file)
    if (step > 0).all() or ((step >= 0).all() and (np.diff(row)[step == 0] >= 0).all()):
        return frame.reset_index(drop=True)
    order = np.lexsort((row, file))
    return frame.iloc[order].reset_index(drop=True)


def without_files(frame: pd.DataFrame | None, names) -> pd.DataFrame | None:
    if frame is None:
        return None
    keep = ~frame[Deal.source_file].astype("str").isin(list(names)).to_numpy()
    return frame if keep.all() else frame[keep]


def store_rows(old_deals, old_rows, new_rows: pd.DataFrame, names, links: pd.DataFrame) -> pd.DataFrame:
    """Every deal row of the store after this run, canonical, keys following ``links``."""
    if old_deals is None or not len(old_deals):
        rows = new_rows
    else:
        single = old_deals
        if old_rows is not None and len(old_rows):
            single = old_deals[~old_deals[Deal.deal_id].isin(old_rows[Deal.deal_id]).to_numpy()]
        parts = [without_files(single, names), without_files(old_rows, names), new_rows]
        parts = [F.like(_with_columns(p, new_rows), new_rows) for p in parts if p is not None and len(p)]
        rows = F.concat(parts) if len(parts) > 1 else parts[0]
        rows = reresolve(rows, by_id(links), Deal.customer_key, VIA)
        rows = reresolve(rows, best(links), Deal.referrer_key, REF_VIA)
    return canonical(rows)


def _with_columns(frame: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``model``'s columns in its order (missing ones empty)."""
    missing = [c for c in model.columns if c not in frame.columns]
    if missing:
        frame = frame.assign(**{c: pd.Series(pd.NA, index=frame.index, dtype=model[c].dtype) for c in missing})
    return frame[list(model.columns)]


def deals_and_history(rows: pd.DataFrame, legacy_events: pd.DataFrame | None):
    """``(deals, deal_rows, status_history)`` from every deal row of the store."""
    codes = factorize(rows[Deal.deal_id])[0]
    history = L.events(rows, rows[L.STATUS_DATE], codes)
    if legacy_events is not None and len(legacy_events):
        history = L.merge_history(legacy_events, history)
    deals, _ = L.collapse(rows, codes=codes)
    multi = rows[L.duplicated_codes(codes)]
    return deals.reset_index(drop=True), multi.reset_index(drop=True), history
