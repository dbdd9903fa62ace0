"""Sections of the 客户细分 notebook: one call per section, each displays itself.

The notebook fits the value × potential classes, the personas and the RFM groups once
(:mod:`dealresearch.segments.classes`); the functions here only display those result objects
through :mod:`dealresearch.present.base`, so the notebook stays thin.
"""

from __future__ import annotations

from ..plots import segments as splots
from ..segments.classes import Personas, ValuePotential
from . import base as P


def value_potential(vp: ValuePotential) -> None:
    """客户价值 × 潜力分类: rules, warnings, matrix chart and class summary table."""
    P.heading("客户价值 × 潜力分类")
    P.text("分类规则")
    P.bullets(vp.rules)
    for w in vp.warnings:
        P.warning(w)
    P.figure(splots.value_potential_matrix(vp))
    P.table(vp.class_summary(), caption="各类客户规模、成交金额与维护建议",
            formats={"客户数": "int", "成交金额": "money", "平均潜力分": "float", "客户占比": "pct", "金额占比": "pct"})


def personas(personas: Personas) -> None:
    """客户画像: method note, size chart and one card per persona."""
    P.heading("客户画像")
    P.note(personas.method_text())
    P.figure(splots.persona_sizes(personas))
    for card in personas.cards():
        P.heading(f"画像{card['persona'] + 1}：{card['name']}", 3)
        P.text(f"{card['n']:,} 位客户，占 {card['share']:.1%}")
        P.bullets(card["traits"])
        if card["small_n"]:
            P.small_n(card["n"], what="该画像客户")


def persona_comparison(personas: Personas) -> None:
    """画像对比: profile table and, when computed, the silhouette chart."""
    P.heading("画像对比", 3)
    P.table(personas.profile_table(), caption="各画像的规模与典型特征（括号内为该特征在画像中的占比）",
            formats={"客户数": "int", "占比": "pct", "年龄中位数": "age", "面积中位数(㎡)": "float", "总价中位数(万元)": "float"})
    if len(personas.silhouette_):
        P.figure(splots.silhouette(personas))
