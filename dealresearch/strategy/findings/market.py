"""Market findings: channel and purpose shifts, unit-type demand vs mix, price bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...metrics.kpis import CURRENT_STATUSES
from ...schema import Deal
from .core import Z_TEST, Context, FindingColumns, Insufficient, _rows


# ------------------------------------------------------------------ profile shifts
def _shift(ctx: Context, field_name: str, name: str, figure: str) -> pd.DataFrame:
    from ... import profile

    # the customer-research report's base: deals signed in the period whose current status
    # is 签约 or 换房 (a 退房 is no longer a customer), so both pages show one share
    filters = {"status": list(CURRENT_STATUSES)} | ({} if ctx.project is None else {"project": ctx.project})
    cmp = profile.compare(
        ctx.deals, ctx.period, [field_name], against=ctx.against, min_n=ctx.min_n, **filters
    )
    if cmp.n_now < ctx.min_n or cmp.n_base < ctx.min_n:
        raise Insufficient(
            f"{figure}：本期 n = {cmp.n_now}、基期（{cmp.base_period.label}）n = {cmp.n_base}，"
            f"少于 {ctx.min_n}，无法判断占比变化"
        )
    t = cmp.table
    return _rows(
        **{
            FindingColumns.finding: name,
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: t["category"].to_numpy(),
            FindingColumns.figure: [f"{figure}“{c}”占比" for c in t["category"]],
            FindingColumns.value: t["share_now"].to_numpy(),
            FindingColumns.base: t["share_base"].to_numpy(),
            FindingColumns.delta: t["diff"].to_numpy(),
            FindingColumns.n: t["n_now"].to_numpy(),
            FindingColumns.n_base: t["n_base"].to_numpy(),
            FindingColumns.period: ctx.period.label,
            FindingColumns.base_period: cmp.base_period.label,
            FindingColumns.test: Z_TEST,
            FindingColumns.p_value: t["p_value"].to_numpy(),
            FindingColumns.unit: "share",
            FindingColumns.source: "profile.compare",
        }
    )


def channel_shift(ctx: Context) -> pd.DataFrame:
    return _shift(ctx, Deal.awareness_channel, "channel_shift", "认知途径")


def purpose_shift(ctx: Context) -> pd.DataFrame:
    return _shift(ctx, Deal.purchase_purpose, "purpose_shift", "购房目的")


# ------------------------------------------------------------- product: mix & price
def _z_one_sample(p: np.ndarray, p0: np.ndarray, n: np.ndarray) -> np.ndarray:
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p - p0) / np.sqrt(p0 * (1 - p0) / n)
    z = np.where((p0 > 0) & (p0 < 1) & (n > 0), z, np.nan)
    return 2 * stats.norm.sf(np.abs(z))


def unit_type_mix(ctx: Context) -> pd.DataFrame:
    """Unit-type demand this period vs the project's mix. The mix is the supply table
    (units per project × unit type) when given, else the project's deals signed before
    the period (all earlier periods), as a proxy for what the project offers."""
    from ...stats import two_proportion_z

    d = ctx.project_deals
    d = d[d[Deal.unit_type].notna() & d[Deal.sign_date].notna()]
    cur_all = d[ctx.period.contains(d[Deal.sign_date])]
    before = d[d[Deal.sign_date] < ctx.period.start]
    frames, short = [], []
    for proj, cur in cur_all.groupby(Deal.project, sort=True):
        n = len(cur)
        now = cur[Deal.unit_type].value_counts()
        if ctx.supply is not None and len(ctx.supply) and proj in set(ctx.supply[Deal.project]):
            sup = ctx.supply[ctx.supply[Deal.project] == proj].groupby(Deal.unit_type)["units"].sum()
            n_ref, ref_label, test = int(sup.sum()), "供货结构", "单样本比例z检验（对照供货结构）"
        else:
            sup = before.loc[before[Deal.project] == proj, Deal.unit_type].value_counts()
            n_ref, ref_label, test = int(sup.sum()), f"{ctx.period.label}之前累计成交结构", Z_TEST
        if n < ctx.min_n or n_ref < ctx.min_n:
            short.append(f"{proj}（本期 n = {n}，对照 n = {n_ref}）")
            continue
        cats = now.index.union(sup.index)
        x, ref = now.reindex(cats, fill_value=0).to_numpy(), sup.reindex(cats, fill_value=0).to_numpy()
        share, ref_share = x / n, ref / n_ref
        if test == Z_TEST:
            _, p = two_proportion_z(x, n, ref, n_ref)
        else:
            p = _z_one_sample(share, ref_share, np.full(len(cats), n))
        frames.append(
            _rows(
                **{
                    FindingColumns.finding: "unit_type_mix",
                    FindingColumns.project: proj,
                    FindingColumns.subject: cats.astype(str),
                    FindingColumns.figure: [f"{proj}“{c}”成交占比（对照{ref_label}）" for c in cats],
                    FindingColumns.value: share,
                    FindingColumns.base: ref_share,
                    FindingColumns.delta: share - ref_share,
                    FindingColumns.n: n,
                    FindingColumns.n_base: n_ref,
                    FindingColumns.period: ctx.period.label,
                    FindingColumns.base_period: ref_label,
                    FindingColumns.test: test,
                    FindingColumns.p_value: p,
                    FindingColumns.unit: "share",
                    FindingColumns.source: "成交户型结构",
                }
            )
        )
    if not frames:
        raise Insufficient(
            "户型结构：" + ("、".join(short) or "本期没有带户型的成交") + f"，样本量少于 {ctx.min_n}"
        )
    return pd.concat(frames, ignore_index=True)


def price_band(ctx: Context) -> pd.DataFrame:
    """Largest total-price band share of each project in the period (bands of
    derive.TOTAL_PRICE_EDGES, as profile uses them)."""
    from ... import profile
    from ...derive import Derived

    d = ctx.project_deals
    d = d[d[Deal.sign_date].notna() & ctx.period.contains(d[Deal.sign_date]) & d[Deal.total_price].notna()]
    frames, short = [], []
    for proj, part in d.groupby(Deal.project, sort=True):
        if len(part) < ctx.min_n:
            short.append(f"{proj}（n = {len(part)}）")
            continue
        tab = profile.profile(part, [Derived.total_price_band]).table
        top = tab.sort_values(["share", "category"], ascending=[False, True]).iloc[0]
        frames.append(
            _rows(
                **{
                    FindingColumns.finding: "price_band",
                    FindingColumns.project: [proj],
                    FindingColumns.subject: [top["category"]],
                    FindingColumns.figure: [f"{proj}最大总价段“{top['category']}”成交占比"],
                    FindingColumns.value: [top["share"]],
                    FindingColumns.n: [int(top["n"])],
                    FindingColumns.period: ctx.period.label,
                    FindingColumns.test: "描述统计（总价段分布）",
                    FindingColumns.tag: [f"共 {int((tab['count'] > 0).sum())} 个有成交的总价段"],
                    FindingColumns.unit: "share",
                    FindingColumns.source: "profile.profile",
                }
            )
        )
    if not frames:
        raise Insufficient("总价段：" + ("、".join(short) or "本期没有成交") + f"，样本量少于 {ctx.min_n}")
    return pd.concat(frames, ignore_index=True)
