"""Input layouts before header matching: survey-platform downloads and deal exports
without a contract number (``adapt_table``); co-buyers of a deal (``co_buyer_columns``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import Deal, Status
from . import keyring
from . import lifecycle as L
from .dealkeys import derive_deal_ids
from .platforms import adapt
from .privacy import Pseudonymiser

CO_BUYERS = Deal.co_buyers
CO_BUYER_KEYS = Deal.co_buyer_keys


def adapt_table(kind: str, raw, spec, aliases, mapping):
    """``(table, note)``: the table as ``prepare`` should read it and what was done to it
    (``note`` keys: ``renamed``, ``platform``, ``deal_key``)."""
    note: dict = {"headers": list(raw.headers)}
    if kind == "surveys":
        found = adapt(raw, mapping)
        if found is not None:
            note["renamed"] = found.renamed
            note["platform"] = {
                "platform": found.platform,
                "title": found.title,
                "prefix": found.prefix,
                "converted": sum(found.converted.values()),
                "missing_markers": sum(found.missing_markers.values()),
            }
            return found.raw, note
        return raw, note
    raw, how = derive_deal_ids(raw, spec, aliases)
    if how:
        note["deal_key"] = how
    return raw, note


def unknown_change_dates(frame: pd.DataFrame, file: str, kept: np.ndarray) -> dict:
    """退房/换房 rows (``kept`` ones) of a prepared deal table without a change date: dated
    by the file name (``status_date_from_name``: rows and date) or unknown
    (``status_date_unknown``)."""
    if Deal.status not in frame or L.STATUS_DATE not in frame:
        return {}
    change = frame[Deal.status].isin([Status.cancelled, Status.changed]).fillna(False).to_numpy(dtype=bool)
    n = int((change & frame[L.STATUS_DATE].isna().to_numpy() & kept).sum())
    if not n:
        return {}
    named = L.date_from_name(Path(file).stem)
    if named is not None:
        return {"status_date_from_name": {"rows": n, "date": f"{named:%Y-%m-%d}"}}
    return {"status_date_unknown": n}


def co_buyer_columns(p, store=None) -> dict[str, pd.Series]:
    """Co-buyers of each deal: their count (from the name, phone and ID cells, "甲;乙")
    and their keyed pseudonyms (ID numbers, else phones; a list per deal), so that co-buyers
    are counted and identifiable without their personal data."""
    index = p.frame.index
    count = pd.Series(np.asarray(p.extra.get(CO_BUYERS, np.zeros(len(index))), dtype=np.int64), index=index)
    keys = pd.Series(None, index=index, dtype=object)
    for fld, kind in ((Deal.id_number, "id"), (Deal.phone, "phone")):
        others = p.extra.get(f"{fld}__others")
        if others is None:
            continue
        tokens = others.str.upper().str.replace(r"[\s\-]", "", regex=True) if kind == "id" else (
            others.str.replace(r"[^0-9|]", "", regex=True))
        flat = tokens.dropna().str.split("|").explode()
        flat = flat[flat.str.len() > 0]
        if not len(flat):
            continue
        uniq = pd.unique(flat.to_numpy(dtype=object))
        hashed = Pseudonymiser(keyring.secret(store)).hash_texts(pa.array(list(uniq), pa.large_string()), kind).to_pylist()
        lookup = dict(zip(uniq, hashed, strict=True))
        lists = flat.map(lookup).groupby(level=0).agg(list).reindex(index)
        keys = keys.where(keys.notna(), lists)
    return {CO_BUYERS: count.astype("Int64"), CO_BUYER_KEYS: keys}
