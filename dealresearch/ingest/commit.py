"""The end of an ingest run: a run's batches merged with the store's rows into the new
generation (deals, status history, customers, links, surveys, choices), and its rejects
and warnings written beside them."""


from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..schema import DEAL_STORE_COLUMNS, SURVEY_ITEMS, Deal, Survey
from . import choices as SC
from . import contacts
from . import frames as F
from . import lifecycle as L
from . import merge as M
from . import store as st
from .identity import deal_identity, survey_identity
from .links import REF_VIA, VIA, best, reresolve, without_files
from .memory import release
from .normalise import factorize
from .platforms import RESPONSE_SECONDS
from .privacy import Pseudonymiser
from .textpii import NAME_TABLE, protect, remask

SURVEY_STORE_COLUMNS = (
    Survey.survey_id,
    Survey.customer_key,
    Survey.survey_date,
    Survey.method,
    Survey.project,
    Survey.surveyor,
    Survey.comment,
    Survey.followup_needed,
    Survey.complaint,
    *(i.name for i in SURVEY_ITEMS),
    RESPONSE_SECONDS,
    Deal.phone_masked,
    Survey.source_file,
    Survey.source_row,
)


SUMMARY_INPUTS = ("source_file", Deal.deal_id, Deal.status)  # what build_summary reads of a batch


def _fill_change_dates(batch: pd.DataFrame) -> pd.DataFrame:
    """退房/换房 dates come from a column that carries them (退房日期, 变更日期...); a change
    row without one takes the date another row of the same deal and status gives, else
    the date in its file name (20260630, 2026Q2 → quarter end; said in the summary), else
    it stays unknown (counted in the summary's ``status_date_unknown``) — never the latest
    date of the export or the day of the run."""
    missing = batch[L.STATUS_DATE].isna().to_numpy()
    change = batch[Deal.status].isin(L.CHANGE_STATUSES).fillna(False).to_numpy(dtype=bool)
    if not (change & missing).any():
        return batch
    dates = batch[L.STATUS_DATE]
    dated = change & ~missing
    if dated.any():
        key = batch[Deal.deal_id].astype("str") + "|" + batch[Deal.status].astype("str")
        known = dates[dated].groupby(key[dated].to_numpy()).min()
        dates = dates.fillna(key.map(known).where(pd.Series(change, index=batch.index)))
    files = batch["source_file"].astype("str")
    named = pd.Series({f: L.date_from_name(Path(f).stem) for f in files.unique()}, dtype="datetime64[ns]")
    dates = dates.fillna(files.map(named).where(pd.Series(change, index=batch.index)))
    return batch.assign(**{L.STATUS_DATE: dates.astype("datetime64[ns]")})


def _batch(kept: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's clean rows as one frame (``kept`` emptied: no second reference keeps the
    personal columns alive) and the columns ``build_summary`` counts."""
    batch = F.concat(kept, consume=True)
    kept.clear()
    release()
    return batch, batch[[c for c in batch.columns if c in SUMMARY_INPUTS or c.startswith("_")]]


DEAL_ROW_COLUMNS = [*DEAL_STORE_COLUMNS, VIA, REF_VIA]


def _finish_deals(kept: list[pd.DataFrame], store, gen, names: list[str], key: bytes):
    """Identity, lifecycle and the store's new generation for the run's clean deal rows
    (``merge`` for the rules that make the store independent of the order of files)."""
    batch, counted = _batch(kept)
    batch = _fill_change_dates(batch)
    person_names = batch.pop(Deal.customer_name) if Deal.customer_name in batch.columns else None
    stored_links = without_files(st.read_table("customer_links", store), names)
    phones = batch.get(Deal.phone)  # callable phones: to the encrypted contacts store only
    batch, links = deal_identity(batch, Pseudonymiser(key), stored_links)
    contacts.stage(gen, "deals", batch, person_names, phones, names)
    del phones
    st.stage(gen, "customer_links", links)
    survey_links = best(links) if st.table_path("surveys", store).is_file() else None
    del stored_links  # the link table is kept only as far as the surveys need it (memory)
    deal = factorize(batch[Deal.deal_id])[0]  # once, for duplicates and the summary
    counted = counted.assign(_deal=deal)
    rows, name_keys = protect(batch[DEAL_ROW_COLUMNS], person_names, store)  # PII typed into text
    st.stage(gen, NAME_TABLE, name_keys)
    del batch
    release()
    run_deals, merged_away = L.collapse(rows, codes=deal)
    data = run_deals[list(DEAL_STORE_COLUMNS)].reset_index(drop=True)
    old = st.read_table("deals", store)
    old_rows = st.read_table(M.ROWS, store)
    legacy = st.read_table(M.LEGACY_EVENTS, store)
    if old is not None and old_rows is None:  # a store written before rows were kept
        legacy = st.read_table("status_history", store)
        st.stage(gen, M.LEGACY_EVENTS, legacy)
    all_rows = M.store_rows(old, old_rows, M.canonical(rows), names, links)
    n_old = 0 if old is None else len(old)
    del rows, run_deals, links, old_rows, old
    release()
    deals, multi, history = M.deals_and_history(all_rows, legacy)
    del all_rows
    st.stage(gen, "status_history", history)
    st.stage(gen, M.ROWS, multi)
    del history, multi
    release()
    st.stage(gen, "customers", L.customers(deals))
    st.stage(gen, "deals", deals)
    surveys = st.read_table("surveys", store)
    if surveys is not None:  # surveys resolved through a phone or code follow the links
        surveys = remask(surveys, name_keys, store)  # names learned now leave stored comments too
        answers = SC.remasked(st.read_table(SC.TABLE, store), name_keys, store)
        if answers is not None:  # ... and stored multi-choice option texts
            st.stage(gen, SC.TABLE, answers)
        st.stage(gen, "surveys", reresolve(surveys, survey_links, Survey.customer_key, VIA))
    stats = {
        "deals_before": n_old,
        "deals_after": len(deals),
        "deals_new": len(deals) - n_old,
    }
    return data, merged_away, stats, counted


def _finish_surveys(kept: list[pd.DataFrame], store, gen, names: list[str], key: bytes, choices=None):
    batch, counted = _batch(kept)
    person_names = batch.pop(Deal.customer_name) if Deal.customer_name in batch.columns else None
    links = st.read_table("customer_links", store)
    phones = batch.get(Deal.phone)  # callable phones: to the encrypted contacts store only
    batch = survey_identity(batch, Pseudonymiser(key), links)
    contacts.stage(gen, "surveys", batch, person_names, phones, names)
    del phones
    merged_away = batch[Survey.survey_id].duplicated(keep="first").to_numpy()
    rows = batch[~merged_away][[*SURVEY_STORE_COLUMNS, VIA]]
    rows, name_keys = protect(rows, person_names, store)  # phones / IDs / names typed into any text column
    st.stage(gen, NAME_TABLE, name_keys)
    data = rows[list(SURVEY_STORE_COLUMNS)].reset_index(drop=True)
    old = M.without_files(st.read_table("surveys", store), names)
    combined = M.canonical(rows if old is None or not len(old) else F.concat([F.like(old, rows), rows]))
    combined = combined[~combined[Survey.survey_id].duplicated(keep="first").to_numpy()].reset_index(drop=True)
    stats = {
        "surveys_before": 0 if old is None else len(old),
        "surveys_after": len(combined),
        "without_customer_key": int(data[Survey.customer_key].isna().sum()),
    }
    customers = st.read_table("customers", store)
    if customers is not None:
        stats["matched_to_customers"] = int(data[Survey.customer_key].isin(customers[Survey.customer_key]).sum())
    st.stage(gen, "surveys", combined)
    answers = SC.merged(st.read_table(SC.TABLE, store), SC.run_table(choices, data, name_keys, store), names,
                        data[Survey.survey_id])  # multi-choice answers: the same generation
    if answers is not None:
        st.stage(gen, SC.TABLE, answers)
    return data, merged_away, stats, counted


def _write_interim(kind, rejects, warnings, names, gen) -> None:
    """Rejects and warnings of the run, replacing those of the same files, in the same
    generation as the tables (a crash loses neither without the other)."""
    out = {}
    for label, new in (("rejects", rejects), ("warnings", warnings)):
        old = st.read_table(f"{label}_{kind}", gen.store, folder="interim")
        if old is not None:
            new = pd.concat([old[~old["source_file"].isin(names)], new], ignore_index=True)
        out[f"{label}_{kind}"] = new.astype({"source_row": "int64"}) if len(new) else new
    st.stage_many(gen, out, folder="interim")
