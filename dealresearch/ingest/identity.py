"""Customer identity for clean rows: derived person fields and keyed pseudonyms.

Key resolution (deals and surveys alike): a valid ID number gives the customer key;
otherwise the phone, then the CRM customer code, then a malformed ID number, each resolved
through the link table (phone/code keys learned from rows carrying an ID as well) or
standing for the customer itself. Personal columns are dropped here.
"""

from __future__ import annotations

import pandas as pd

from ..schema import D
from .idcard import derive
from .normalise import mask_phone
from .privacy import Pseudonymiser, learn_links, resolve

PERSONAL = (D.customer_name, D.phone, D.id_number, D.customer_code, D.referrer_phone, D.referrer_id_number)
ID_VALID = "_id_valid"
REF_VALID = "_ref_valid"


def link_keys(frame: pd.DataFrame, p: Pseudonymiser) -> dict[str, pd.Series]:
    valid = frame[ID_VALID].to_numpy(dtype=bool)
    ids = frame[D.id_number]
    return {
        "id": p.keys(ids.where(valid), "id"),
        "phone": p.keys(frame[D.phone], "phone"),
        "code": p.keys(frame[D.customer_code], "code"),
        "bad_id": p.keys(ids.where(~valid), "id"),
    }


def _customer_keys(k: dict[str, pd.Series], links: pd.Series | None, *also_wanted: pd.Series) -> pd.Series:
    """Customer key per row from ``link_keys`` output: learns only the links these rows
    need (their phone / code keys without an ID, and ``also_wanted`` keys), then resolves."""
    no_id = k["id"].isna().to_numpy()
    wanted = pd.concat([k["phone"][no_id], k["code"][no_id], *also_wanted]).dropna()
    known = learn_links(k["id"], k["phone"], k["code"], links=links, only=wanted)
    return resolve(k["id"], k["phone"], k["code"], k["bad_id"], links=known)


def deal_identity(
    frame: pd.DataFrame, p: Pseudonymiser, links: pd.Series | None
) -> tuple[pd.DataFrame, pd.Series]:
    """Add customer_key, referrer_key, phone_masked and ID-derived fields; drop personal
    columns. Returns ``(frame, links)`` with the links learned from these rows."""
    k = link_keys(frame, p)
    ref_valid = frame[REF_VALID].to_numpy(dtype=bool)
    ref_id, ref_phone = (
        p.keys(frame[D.referrer_id_number].where(ref_valid), "id"),
        p.keys(frame[D.referrer_phone], "phone"),
    )
    key = _customer_keys(k, links, ref_phone)
    links = learn_links(key, k["phone"], k["code"], links=links)
    ref = resolve(ref_id, ref_phone, links=links)
    at = frame[D.sign_date].fillna(frame[D.subscribe_date])
    person = derive(frame[D.id_number], frame[ID_VALID], at)
    out = frame.assign(
        customer_key=key,
        referrer_key=ref,
        phone_masked=mask_phone(frame[D.phone]),
        birth_date=person["birth_date"].fillna(frame[D.birth_date]),
        age=person["age"].fillna(frame[D.age]).astype("Int64"),
        gender=person["gender"].fillna(frame[D.gender]).astype("str"),
        origin_province=person["origin_province"],
    )
    # age from a given birth date when there is no valid ID and no age column value
    given = out[D.age].isna() & out[D.birth_date].notna() & at.notna()
    if given.any():
        years = (at - out[D.birth_date]).dt.days // 365.2425
        out[D.age] = out[D.age].mask(given, years.astype("Int64"))
    return out.drop(columns=[c for c in PERSONAL if c in out.columns]), links


def survey_identity(frame: pd.DataFrame, p: Pseudonymiser, links: pd.Series | None) -> pd.DataFrame:
    """Add customer_key and phone_masked (resolved as for deals); drop personal columns."""
    key = _customer_keys(link_keys(frame, p), links)
    out = frame.assign(customer_key=key, phone_masked=mask_phone(frame[D.phone]))
    return out.drop(columns=[c for c in PERSONAL if c in out.columns])
