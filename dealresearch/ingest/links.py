"""The link table: which customer a phone or CRM-code key stands for, order-independent.

Each link (``link_key`` → ``customer_key``) remembers the row that taught it
(``source_file``, ``source_row``) and whether that row carried a valid ID number
(``by_id``). For each link key and kind the link of the *canonically first* row wins — the
first by file name, then row — so the table depends on the set of ingested files, not on
the order they arrived in. ID links resolve rows without an ID number; the other links
(learned from rows that were themselves resolved) resolve surveys and referrers.

Rows not keyed by their own ID number carry the key they were resolved through
(``VIA``): when a later file teaches a better link, ``reresolve`` moves them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LINK_COLUMNS = ["link_key", "customer_key"]
TABLE_COLUMNS = [*LINK_COLUMNS, "by_id", "source_file", "source_row"]
VIA, REF_VIA = "_via", "_ref_via"


def _complete(table: pd.DataFrame | None) -> pd.DataFrame:
    """A link table with every column (a store written before sources were kept: its links
    count as ID links from before any file, as they did then)."""
    if table is None:
        return pd.DataFrame(
            {
                "link_key": pd.Series(dtype="str"),
                "customer_key": pd.Series(dtype="str"),
                "by_id": pd.Series(dtype=bool),
                "source_file": pd.Series(dtype="str"),
                "source_row": pd.Series(dtype="int64"),
            }
        )
    fill = {"by_id": True, "source_file": "", "source_row": -1}
    missing = {c: v for c, v in fill.items() if c not in table.columns}
    return table.assign(**missing)[TABLE_COLUMNS] if missing else table[TABLE_COLUMNS]


def without_files(table: pd.DataFrame | None, names) -> pd.DataFrame | None:
    """The links not learned from ``names`` (files being ingested again)."""
    if table is None:
        return None
    table = _complete(table)
    return table[~table["source_file"].isin(list(names))].reset_index(drop=True)


def by_id(table: pd.DataFrame | None) -> pd.DataFrame:
    t = _complete(table)
    return t[t["by_id"].astype(bool)]


def derived(table: pd.DataFrame | None) -> pd.DataFrame:
    t = _complete(table)
    return t[~t["by_id"].astype(bool)]


def _canonical_first(table: pd.DataFrame) -> pd.DataFrame:
    order = table.sort_values(["source_file", "source_row"], kind="stable")
    return order[~order["link_key"].duplicated(keep="first")]


def merge_links(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """One link per key: the canonically first of ``old`` and ``new`` (``new`` is already one
    per key, in canonical order)."""
    old, new = _complete(old), _complete(new)
    if not len(old):
        return new.reset_index(drop=True)
    return _canonical_first(pd.concat([old, new], ignore_index=True)).reset_index(drop=True)


def remap(table: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """``table`` with customer keys that are themselves linked (a stand-in phone key that an
    ID row now links) replaced by what they link to."""
    if not len(table) or not len(known):
        return table
    to = pd.Series(known["customer_key"].to_numpy(), index=known["link_key"].to_numpy())
    mapped = table["customer_key"].map(to)
    return table.assign(customer_key=mapped.fillna(table["customer_key"]).astype("str"))


def link_table(known: pd.DataFrame, old_derived: pd.DataFrame, new_derived: pd.DataFrame) -> pd.DataFrame:
    """The table to store: the ID links, then the other links (one per key each)."""
    rest = merge_links(old_derived, new_derived)
    if not len(rest):
        return known.reset_index(drop=True)
    return pd.concat([known, rest], ignore_index=True)


def best(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per link key the canonically first link of either kind (``LINK_COLUMNS`` first)."""
    if table is None:
        return None
    table = _complete(table)
    if table["by_id"].astype(bool).all():
        return table
    return _canonical_first(table).reset_index(drop=True)


def reresolve(frame: pd.DataFrame, links: pd.DataFrame | None, key: str, via: str) -> pd.DataFrame:
    """Rows resolved through a key (``via``) take what ``links`` now say it stands for, or
    the key itself."""
    if via not in frame.columns or links is None:
        return frame
    through = frame[via]
    has = through.notna().to_numpy()
    if not has.any():
        return frame
    to = pd.Series(links["customer_key"].to_numpy(), index=links["link_key"].to_numpy())
    to = to[~to.index.duplicated(keep="first")]
    new = through[has].map(to)
    new = new.fillna(through[has]).astype("str")
    values = frame[key].astype("str").to_numpy(copy=True)
    values[np.flatnonzero(has)] = new.to_numpy()
    return frame.assign(**{key: pd.Series(values, index=frame.index, dtype="str")})
