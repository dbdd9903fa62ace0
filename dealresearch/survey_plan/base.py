"""The customer base of a survey year: who counts, from deals or a customer master.

See :mod:`dealresearch.survey_plan.cycle` for the definitions (base fixed on 1 January, opt-outs
kept in the base as their own category).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import DataError, MissingColumnsError, ParameterError
from ..schema import Customer, Deal, Status

# ---- columns added by this module (not in schema.py; listed in the report) ----------
VALUE_CLASS = "value_class"
LAST_SURVEY = "last_survey_date"
JOIN_YEAR = "join_year"
REF_YEAR = "reference_year"
MUST = "must"
REACHABLE = "reachable"
DONE = "surveyed_in_year"

CANCELLED = Status.cancelled
UNKNOWN_PROJECT = "未注明"
NO_METHOD = "未记录"


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by key) aligned to ``keys`` (``Series.map`` fails on empty mappers)."""
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(), index=keys.index, name=values.name)


def year_start(year: int) -> pd.Timestamp:
    return pd.Timestamp(int(year), 1, 1)


# ---------------------------------------------------------------------- customer base
def customer_base(
    deals: pd.DataFrame | None,
    year: int,
    *,
    lookback_years: int = 3,
    customers: pd.DataFrame | None = None,
    opt_outs: Iterable[str] | pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The customers counted in ``year`` (one row per ``customer_key``, schema ``C`` columns).

    With ``deals``: customers with a deal (sign date, else subscription date) in the
    ``lookback_years`` years before ``year`` that is not 退房; a customer whose every deal
    in the window was cancelled is not counted. ``customers`` (a master with ``C`` columns)
    then only enriches: ``key_account``, ``do_not_contact``, ``phone_masked``.
    Without ``deals`` (B2B firms without a deal table) the master alone defines the base:
    rows with ``active`` not False, ``last_deal_date`` (if given) inside the window and
    ``first_deal_date`` (if given) before 1 January of ``year``.
    ``opt_outs`` (keys) are flagged ``do_not_contact``; they stay in the base.
    """
    if lookback_years < 1:
        raise ParameterError(f"回溯年数 lookback_years={lookback_years} 无效：至少为 1 年。")
    start, window_start = year_start(year), year_start(year - lookback_years)
    if deals is not None:
        base = _base_from_deals(deals, start, window_start)
        if customers is not None:
            base = _enrich(base, customers)
    elif customers is not None:
        base = _base_from_master(customers, start, window_start)
    else:
        raise ParameterError("确定客户基数需要成交明细（deals）或客户主数据（customers）之一。")
    base[Customer.key_account] = base[Customer.key_account].fillna(False).astype(bool)
    base[Customer.do_not_contact] = base[Customer.do_not_contact].fillna(False).astype(bool)
    if opt_outs is not None:
        base[Customer.do_not_contact] = base[Customer.do_not_contact] | base[Customer.customer_key].isin(_keys(opt_outs))
    return base.sort_values(Customer.customer_key, ignore_index=True)


def _keys(opt_outs) -> pd.Index:
    if isinstance(opt_outs, pd.DataFrame):
        if Customer.customer_key not in opt_outs.columns:
            raise MissingColumnsError(f"拒访名单缺少列“{Customer.customer_key}”（客户编码）。")
        opt_outs = opt_outs[Customer.customer_key]
    return pd.Index(pd.Series(list(opt_outs) if not isinstance(opt_outs, pd.Series) else opt_outs).dropna())


def _base_from_deals(deals: pd.DataFrame, start, window_start) -> pd.DataFrame:
    missing = [c for c in (Deal.customer_key,) if c not in deals.columns]
    if missing or (Deal.sign_date not in deals.columns and Deal.subscribe_date not in deals.columns):
        raise MissingColumnsError("成交明细缺少客户编码（customer_key）或签约/认购日期列，无法确定客户基数。")
    date = pd.to_datetime(deals[Deal.sign_date]) if Deal.sign_date in deals.columns else None
    if Deal.subscribe_date in deals.columns:
        sub = pd.to_datetime(deals[Deal.subscribe_date])
        date = sub if date is None else date.fillna(sub)
    n = len(deals)
    d = pd.DataFrame(
        {
            Customer.customer_key: deals[Deal.customer_key],
            "date": date,
            Customer.project: deals[Deal.project]
            if Deal.project in deals.columns
            else pd.Series(pd.NA, index=deals.index),
            "amount": pd.to_numeric(deals[Deal.total_price], errors="coerce")
            if Deal.total_price in deals.columns
            else np.zeros(n),
            "live": deals[Deal.status].ne(CANCELLED).fillna(True).astype(bool)
            if Deal.status in deals.columns
            else np.ones(n, bool),
            Customer.phone_masked: deals[Deal.phone_masked]
            if Deal.phone_masked in deals.columns
            else pd.Series(pd.NA, index=deals.index, dtype="str"),
        }
    )
    d = d[d[Customer.customer_key].notna() & d["date"].notna()]
    first = d.groupby(Customer.customer_key)["date"].min()
    w = d[(d["date"] >= window_start) & (d["date"] < start) & d["live"]]
    g = w.groupby(Customer.customer_key)
    base = pd.DataFrame(
        {
            Customer.total_amount: g["amount"].sum(min_count=1),
            Customer.n_deals: g.size(),
            Customer.last_deal_date: g["date"].max(),
        }
    )
    base[Customer.first_deal_date] = first.reindex(base.index)
    proj = w.assign(**{Customer.project: w[Customer.project].fillna(UNKNOWN_PROJECT)})
    proj = proj.groupby([Customer.customer_key, Customer.project], as_index=False)["amount"].sum()
    proj = proj.sort_values([Customer.customer_key, "amount"], ascending=[True, False]).drop_duplicates(
        Customer.customer_key
    )
    base[Customer.project] = proj.set_index(Customer.customer_key)[Customer.project].reindex(base.index)
    phones = w[w[Customer.phone_masked].notna()].sort_values("date").drop_duplicates(Customer.customer_key, keep="last")
    base[Customer.phone_masked] = phones.set_index(Customer.customer_key)[Customer.phone_masked].reindex(base.index)
    base[Customer.key_account] = False
    base[Customer.do_not_contact] = False
    return base.rename_axis(Customer.customer_key).reset_index()


def unique_master(customers: pd.DataFrame, check_unique: bool = True) -> pd.DataFrame:
    if Customer.customer_key not in customers.columns:
        raise MissingColumnsError(f"客户主数据缺少列“{Customer.customer_key}”（客户编码）。")
    key = customers[Customer.customer_key]
    m = customers[key.notna()] if key.hasnans else customers
    dup = m[Customer.customer_key].duplicated() if check_unique else pd.Series(False, index=m.index)
    if dup.any():
        raise DataError(
            f"客户主数据中有 {int(dup.sum())} 个客户编码重复（例如 {m.loc[dup, Customer.customer_key].iloc[0]}），"
            "每个客户只能出现一行。"
        )
    return m


def _enrich(base: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    m = unique_master(customers).set_index(Customer.customer_key)
    keys = base[Customer.customer_key]
    for col in (Customer.key_account, Customer.do_not_contact):
        if col in m.columns:
            base[col] = lookup(keys, m[col].astype("boolean")).astype("boolean").fillna(False).astype(bool)
    if Customer.phone_masked in m.columns:
        base[Customer.phone_masked] = base[Customer.phone_masked].fillna(lookup(keys, m[Customer.phone_masked]))
    return base


def _base_from_master(customers: pd.DataFrame, start, window_start) -> pd.DataFrame:
    m = unique_master(customers)
    keep = pd.Series(True, index=m.index)
    if Customer.active in m.columns:
        keep &= m[Customer.active].astype("boolean").fillna(True).astype(bool)
    if Customer.last_deal_date in m.columns:
        keep &= pd.to_datetime(m[Customer.last_deal_date]).ge(window_start).fillna(True).astype(bool)
    if Customer.first_deal_date in m.columns:
        keep &= pd.to_datetime(m[Customer.first_deal_date]).lt(start).fillna(True).astype(bool)
    base = m[keep].copy()
    for col, default in (
        (Customer.project, UNKNOWN_PROJECT),
        (Customer.total_amount, np.nan),
        (Customer.first_deal_date, pd.NaT),
        (Customer.key_account, False),
        (Customer.do_not_contact, False),
    ):
        if col not in base.columns:
            base[col] = default
    return base.reset_index(drop=True)
