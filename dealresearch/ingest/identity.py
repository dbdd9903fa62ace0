"""Customer identity for clean rows: derived person fields and keyed pseudonyms.

Key resolution (deals and surveys alike): a valid ID number gives the customer key;
otherwise the phone, then the CRM customer code, then a malformed ID number, each resolved
through the link table (phone/code keys learned from rows carrying an ID as well; earlier
links win, the store's first) or standing for the customer itself. Personal columns are
dropped here.

The work runs on integer codes into one array of key texts (``KeySpace``): each distinct
value is hashed once, and key text per row exists only in the final columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Deal
from . import frames as F
from . import links as M
from .idcard import age_at, derive
from .normalise import arrow_text, mask_phone, take_text
from .privacy import Pseudonymiser

PERSONAL = (Deal.customer_name, Deal.phone, Deal.id_number, Deal.customer_code, Deal.referrer_phone, Deal.referrer_id_number)
ID_VALID = "_id_valid"
REF_VALID = "_ref_valid"
LINK_COLUMNS = M.LINK_COLUMNS
VIA, REF_VIA = M.VIA, M.REF_VIA


def _pieces(column: pd.Series) -> list[pa.Array]:
    """A text column as Arrow chunks (a Categorical: its categories)."""
    if F.is_categorical(column):
        return [arrow_text(column.cat.categories)]
    if isinstance(column.array, pd.arrays.ArrowStringArray):  # its chunks as they are: no copy
        return [c.cast(pa.large_string()) for c in column.array.__arrow_array__().chunks]
    return [arrow_text(column)]


def _encode(p: Pseudonymiser, kind: str, columns: list[pd.Series]) -> tuple[list[np.ndarray], pa.Array]:
    """Codes (−1 = missing) of several columns in one space of ``kind`` keys, and the
    key of each code: one dictionary encoding over all of them, each distinct value
    hashed once."""
    pieces = [_pieces(c) for c in columns]
    chunks = [c for group in pieces for c in group]
    enc = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
    index = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) for c in enc.chunks]
    index = np.concatenate(index) if index else np.zeros(0, np.int64)
    out, start = [], 0
    for column, group in zip(columns, pieces, strict=True):
        size = sum(len(c) for c in group)
        codes, start = index[start : start + size], start + size
        if F.is_categorical(column):  # codes of the categories → codes of the rows
            rows = column.cat.codes.to_numpy()
            codes = (
                np.where(rows >= 0, codes[np.maximum(rows, 0)], -1) if len(codes) else np.full(len(rows), -1)
            )
        out.append(codes)
    dictionary = enc.chunks[0].dictionary if enc.num_chunks else pa.array([], pa.large_string())
    return out, p.hash_texts(dictionary, kind)


@dataclass
class KeySpace:
    """Key codes per role (``id``, ``bad_id``, ``phone``, ``code``, ``ref_id``,
    ``ref_phone``: int64 per row, −1 = none) and the stored links, as codes into ``texts``."""

    texts: pa.Array
    codes: dict[str, np.ndarray]
    stored: tuple[np.ndarray, np.ndarray]

    @classmethod
    def build(cls, frame: pd.DataFrame, p: Pseudonymiser, stored: pd.DataFrame | None) -> KeySpace:
        valid = frame[ID_VALID].to_numpy(dtype=bool)
        refs = Deal.referrer_id_number in frame and REF_VALID in frame
        ids = [frame[Deal.id_number]]
        phones = [frame[Deal.phone]]
        if refs:
            ids.append(frame[Deal.referrer_id_number])
            phones.append(frame[Deal.referrer_phone])
        (c_id, *c_ref_id), t_id = _encode(p, "id", ids)
        (c_phone, *c_ref_phone), t_phone = _encode(p, "phone", phones)
        (c_code,), t_code = _encode(p, "code", [frame[Deal.customer_code]])
        at_phone, at_code = len(t_id), len(t_id) + len(t_phone)
        codes = {
            "id": np.where(valid, c_id, -1),
            "bad_id": np.where(valid, -1, c_id),
            "phone": np.where(c_phone >= 0, c_phone + at_phone, -1),
            "code": np.where(c_code >= 0, c_code + at_code, -1),
        }
        if refs:
            ref_valid = frame[REF_VALID].to_numpy(dtype=bool)
            codes["ref_id"] = np.where(ref_valid, c_ref_id[0], -1)
            codes["ref_phone"] = np.where(c_ref_phone[0] >= 0, c_ref_phone[0] + at_phone, -1)
        texts = pa.concat_arrays([t_id, t_phone, t_code])
        return cls(texts, codes, (np.zeros(0, np.int64), np.zeros(0, np.int64))).attach(stored)

    def attach(self, stored: pd.DataFrame | None) -> KeySpace:
        """This space with ``stored`` (a link table, first row of a link key wins) as its
        stored links: texts already here get their code, the others new codes."""
        if stored is None or not len(stored):
            return KeySpace(self.texts, self.codes, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        old = pa.concat_arrays([arrow_text(stored[c]) for c in LINK_COLUMNS])
        found = pc.index_in(old, value_set=self.texts)
        missing = pc.is_null(found).to_numpy(zero_copy_only=False)
        new = old.filter(pa.array(missing)).dictionary_encode()
        at = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        at[missing] = len(self.texts) + new.indices.to_numpy(zero_copy_only=False)
        texts = pa.concat_arrays([self.texts, new.dictionary])
        return KeySpace(texts, self.codes, (at[: len(stored)], at[len(stored) :]))

    def row_links(self, key: np.ndarray, roles=("phone", "code")) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Links learned from these rows alone: ``(link codes, key codes, row positions)``,
        each row's ``roles`` keys → ``key``, the first row of a link key winning."""
        links, keys, rows = [], [], []
        for role in roles:
            ok = (key >= 0) & (self.codes[role] >= 0)
            links.append(self.codes[role][ok])
            keys.append(key[ok])
            rows.append(np.flatnonzero(ok))
        links, keys, rows = np.concatenate(links), np.concatenate(keys), np.concatenate(rows)
        order = np.argsort(rows, kind="stable")  # row order first, then role order
        links, keys, rows = links[order], keys[order], rows[order]
        first = ~pd.Index(links).duplicated(keep="first")
        return links[first], keys[first], rows[first]

    def via(self, primary: str = "id", roles=("phone", "code", "bad_id")) -> np.ndarray:
        """Per row without a ``primary`` key: the code of the key it is resolved through (the
        first of ``roles`` present); −1 for rows keyed by their own ``primary``."""
        out = np.full(len(self.codes[primary]), -1, dtype=np.int64)
        for role in roles:
            lk = self.codes[role]
            need = (out < 0) & (self.codes[primary] < 0) & (lk >= 0)
            out[need] = lk[need]
        return out

    def learn(self, key: np.ndarray, roles=("phone", "code"), stored: bool = True):
        """Links ``(link codes, key codes)``: the stored ones first, then each row's
        ``roles`` keys → ``key``; the first link of a key wins."""
        links, keys = [self.stored[0]] if stored else [], [self.stored[1]] if stored else []
        for role in roles:
            ok = (key >= 0) & (self.codes[role] >= 0)
            links.append(self.codes[role][ok])
            keys.append(key[ok])
        links, keys = np.concatenate(links), np.concatenate(keys)
        first = ~pd.Index(links).duplicated(keep="first")
        return links[first], keys[first]

    def resolve(self, primary: np.ndarray, roles, links) -> np.ndarray:
        """Per row: ``primary``, else the first of ``roles`` present, through ``links``
        (or standing for itself)."""
        lookup = np.full(len(self.texts), -1, dtype=np.int64)
        lookup[links[0]] = links[1]
        out = primary.copy()
        for role in roles:
            lk = self.codes[role]
            need = (out < 0) & (lk >= 0)
            via = lookup[lk[need]]
            out[need] = np.where(via >= 0, via, lk[need])
        return out

    def customer_keys(self) -> np.ndarray:
        """Customer key codes per row (module rules)."""
        known = self.learn(self.codes["id"])
        return self.resolve(self.codes["id"], ("phone", "code", "bad_id"), known)

    def strings(self, codes: np.ndarray, index=None) -> pd.Series:
        return take_text(self.texts, codes, index)

    def link_table(self, links) -> pd.DataFrame:
        return pd.DataFrame({c: self.strings(codes) for c, codes in zip(LINK_COLUMNS, links, strict=True)})


def customer_keys(frame: pd.DataFrame, p: Pseudonymiser, stored_links: pd.DataFrame | None) -> pd.Series:
    """The customer key per row of ``frame`` (id_number, phone, customer_code, ID_VALID)."""
    space = KeySpace.build(frame, p, M.best(stored_links))
    return space.strings(space.customer_keys(), frame.index)


def deal_identity(frame: pd.DataFrame, p: Pseudonymiser, stored_links: pd.DataFrame | None):
    """Add customer_key, referrer_key, phone_masked and the keys rows are resolved through
    (``VIA``, ``REF_VIA``); drop personal columns (the ID-derived fields come from
    ``person_fields`` first). ``stored_links``: the store's link table without the files
    being re-ingested. Returns ``(frame, links)``: the link table to store (``merge``)."""
    space = KeySpace.build(frame, p, None)
    source = frame[[Deal.source_file, Deal.source_row]].reset_index(drop=True)
    if stored_links is None or not len(stored_links):
        space, key, ref, links = _resolve_fresh(space, source)
    else:
        space, key, ref, links = _resolve_with_store(space, source, stored_links)
    out = frame.assign(
        customer_key=space.strings(key, frame.index),
        referrer_key=space.strings(ref, frame.index),
        phone_masked=mask_phone(frame[Deal.phone]),
        **{
            VIA: space.strings(space.via(), frame.index),
            REF_VIA: space.strings(space.via("ref_id", ("ref_phone",)), frame.index),
        },
    )
    return out.drop(columns=[c for c in PERSONAL if c in out.columns]), links


def link_rows(space: KeySpace, source: pd.DataFrame):
    """``table((link codes, key codes, row positions), by_id)``: those links as link-table rows
    with the row that taught each (its file and row)."""

    def table(found, by_id) -> pd.DataFrame:  # by_id: one flag, or one per link
        links, keys, rows = found
        out = pd.DataFrame({"link_key": space.strings(links), "customer_key": space.strings(keys)})
        src = source.iloc[rows].reset_index(drop=True)
        return out.assign(by_id=by_id, source_file=F.as_categorical(src[Deal.source_file]), source_row=src[Deal.source_row])

    return table


def _resolve_with_store(space: KeySpace, source: pd.DataFrame, stored_links: pd.DataFrame):
    """Keys per row and the link table, merging the run's links with the store's (``links``
    module: canonically first link per key)."""
    known = M.merge_links(M.by_id(stored_links), link_rows(space, source)(space.row_links(space.codes["id"]), True))
    space = space.attach(known)
    table = link_rows(space, source)  # the codes now reach the store's keys too
    key = space.resolve(space.codes["id"], ("phone", "code", "bad_id"), space.stored)
    valid = space.codes["id"] >= 0
    derived = table(space.row_links(np.where(valid, -1, key)), False)  # from rows without an ID
    links = M.link_table(known, M.remap(M.derived(stored_links), known), derived)
    space = space.attach(M.best(links))
    ref = space.resolve(space.codes["ref_id"], ("ref_phone",), space.stored)
    return space, key, ref, links


def _resolve_fresh(space: KeySpace, source: pd.DataFrame):
    """``_resolve_with_store`` for a store without links (the first ingest), on integer
    codes only: the rows are in canonical order, so the first link of a key is canonical."""
    lk, kk, rows = space.row_links(space.codes["id"])
    key = space.resolve(space.codes["id"], ("phone", "code", "bad_id"), (lk, kk))
    valid = space.codes["id"] >= 0
    dl, dk, drows = space.row_links(np.where(valid, -1, key))
    # every link: per key the canonically first row (file name, then row), an ID link before
    # a derived one of the same row — what ``links.best`` picks on text
    file = F.as_categorical(source[Deal.source_file]).cat.codes.to_numpy()  # sorted: name ranks
    row = source[Deal.source_row].to_numpy(dtype=np.int64, na_value=-1)
    at = np.r_[rows, drows]
    order = np.lexsort((np.r_[np.zeros(len(lk)), np.ones(len(dl))], row[at], file[at]))
    every, keys = np.r_[lk, dl][order], np.r_[kk, dk][order]
    first = ~pd.Index(every).duplicated(keep="first")
    ref = space.resolve(space.codes["ref_id"], ("ref_phone",), (every[first], keys[first]))
    del every, keys, order
    by_id = np.r_[np.ones(len(lk), bool), np.zeros(len(dl), bool)]  # the ID links, then the others
    links = link_rows(space, source)((np.r_[lk, dl], np.r_[kk, dk], np.r_[rows, drows]), by_id)
    return space, key, ref, links


def person_fields(frame: pd.DataFrame, person: pd.DataFrame | None = None) -> pd.DataFrame:
    """Birth date, age at signing, gender and province of origin from valid ID numbers;
    the export's own columns fill the gaps. ``person``: birth_date, gender and
    origin_province already read from the numbers (``idcard.id_numbers(person=True)``,
    aligned with ``frame``). Run per chunk of clean deal rows (before ``deal_identity``
    drops the ID numbers): its temporaries stay chunk-sized."""
    at = frame[Deal.sign_date].fillna(frame[Deal.subscribe_date])
    if person is None:
        person = derive(frame[Deal.id_number], frame[ID_VALID], at)
    else:
        person = person.set_axis(frame.index).assign(
            age=age_at(person["birth_date"].set_axis(frame.index), at)
        )
    out = frame.assign(
        birth_date=person["birth_date"].fillna(frame[Deal.birth_date]),
        age=person["age"].fillna(frame[Deal.age]).astype("Int64"),
        gender=F.coalesce(person["gender"], frame[Deal.gender]),
        origin_province=person["origin_province"],
    )
    # age from a given birth date when there is no valid ID and no age column value
    given = out[Deal.age].isna() & out[Deal.birth_date].notna() & at.notna()
    if given.any():
        years = (at - out[Deal.birth_date]).dt.days // 365.2425
        out[Deal.age] = out[Deal.age].mask(given, years.astype("Int64"))
    return out


def survey_identity(frame: pd.DataFrame, p: Pseudonymiser, stored_links: pd.DataFrame | None) -> pd.DataFrame:
    """Add customer_key, phone_masked and ``VIA`` (resolved as for deals through every
    stored link); drop personal columns."""
    space = KeySpace.build(frame, p, M.best(stored_links))
    out = frame.assign(
        customer_key=space.strings(space.customer_keys(), frame.index),
        phone_masked=mask_phone(frame[Deal.phone]),
        **{VIA: space.strings(space.via(), frame.index)},
    )
    return out.drop(columns=[c for c in PERSONAL if c in out.columns])
