"""Sections of the 成交客户研究报告 notebook: one call per section, each displays itself.

``context(...)`` computes the period comparisons once; the section functions only
display through :mod:`dealresearch.present.base`, so the notebook stays thin.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..periods import Period
from ..plots import profile as pplot
from ..profile import core as pf
from ..sales import performance
from . import base as P

SHIFT_FIELDS = ["purchase_purpose", "awareness_channel", "unit_type", "age_band"]
PROFILE_FIELDS = ["age_band", "purchase_purpose", "awareness_channel", "unit_type",
                  "family_structure", "income_band", "locality", "key_factors"]
SHARE_FIELDS = ["age_band", "purchase_purpose", "awareness_channel", "unit_type"]


@dataclass(frozen=True)
class Context:
    """Inputs and period comparisons shared by the sections of one report."""

    deals: pd.DataFrame
    d: pd.DataFrame
    events: pd.DataFrame
    targets: pd.DataFrame | None
    period: Period
    project: str | None
    scope: dict
    qoq: pf.Comparison
    yoy: pf.Comparison
    fields: list[str]


def context(deals: pd.DataFrame, d: pd.DataFrame, events: pd.DataFrame, targets,
            period: Period, *, project: str | None, scope: dict) -> Context:
    """Compare the customer structure of ``period`` with last quarter and last year."""
    qoq, yoy = (pf.compare(deals, period.label, SHIFT_FIELDS, against=a, **scope)
                for a in ("qoq", "yoy"))
    return Context(deals=deals, d=d, events=events, targets=targets, period=period,
                   project=project, scope=scope, qoq=qoq, yoy=yoy, fields=list(PROFILE_FIELDS))


def summary(ctx: Context) -> None:
    """摘要: sales headline, KPI cards and the significant structure shifts."""
    P.heading("摘要")
    headline, cards = performance.summary(ctx.events, ctx.targets, ctx.period, project=ctx.project)
    P.text(headline)
    P.kpis(cards)
    points = ctx.qoq.highlights(3) + ctx.yoy.highlights(3)
    if points:
        P.bullets(points)
    else:
        P.note("本期客户结构与上季度、上年同期相比没有统计上显著的变化（α = 0.05）。")
    P.small_n(len(ctx.d), what="本期成交客户样本")


def profile(ctx: Context) -> None:
    """客户画像: profile warnings and one share chart per key field."""
    P.heading("客户画像")
    by = "project" if ctx.project is None and ctx.d["project"].nunique() > 1 else None
    prof = pf.profile(ctx.d, ctx.fields, by=by)
    for w in prof.warnings:
        P.warning(w)
    for field in SHARE_FIELDS:
        P.figure(pplot.shares(prof, field=field))


def shifts(ctx: Context) -> None:
    """结构变化：环比与同比 — one shift chart per comparison, then the method note."""
    P.heading("结构变化：环比与同比")
    for cmp in (ctx.qoq, ctx.yoy):
        for w in cmp.warnings:
            P.warning(w)
        P.figure(pplot.shift(cmp, title=f"客户结构较{cmp.base_label}（{cmp.base_period.label_zh}）的变化（红色：显著）"))
    P.note(ctx.qoq.method)
