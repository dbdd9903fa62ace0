"""Segment charts: value × potential matrix, persona sizes, RFM segments, silhouette by k."""

from __future__ import annotations

import numpy as np

from .base import MAIN_COLOR, TEXT_PT, bar_figsize, label_bars, new_ax


def value_potential_matrix(data, *, title: str = "客户价值 × 潜力矩阵", ax=None):
    """Heatmap of customers per class from a :class:`segments.ValuePotential` (or its
    3 × 3 ``matrix``); each cell shows count and share."""
    import seaborn as sns

    m = getattr(data, "matrix", data)
    total = max(int(m.to_numpy().sum()), 1)
    annot = np.array([[f"{v:,}\n{v / total:.1%}" for v in row] for row in m.to_numpy()])
    ax = ax or new_ax((6, 4.2))
    sns.heatmap(m, annot=annot, fmt="", cmap="Blues", cbar=False, linewidths=1, linecolor="white", ax=ax,
                annot_kws={"fontsize": TEXT_PT + 1})
    ax.set_xlabel("")  # tick labels already read 高/中/低潜力 and 高/中/低价值
    ax.set_ylabel("")
    ax.set_title(f"{title}（n = {total:,}）")
    ax.tick_params(axis="y", rotation=0)
    return ax


def persona_sizes(data, *, title: str = "客户画像规模", ax=None):
    """Horizontal bars of persona shares from a fitted :class:`segments.Personas` (or its
    ``profile_``), labelled with the Chinese persona names."""
    p = getattr(data, "profile_", data)
    ax = ax or new_ax(bar_figsize(len(p)))
    names = p["name"].astype(str).to_numpy()[::-1]
    vals = p["share"].to_numpy()[::-1] * 100
    ax.barh(names, vals, color=MAIN_COLOR)
    ax.set_xlabel("占比（%）")
    ax.set_title(f"{title}（n = {int(p['n'].sum()):,}）")
    ax.set_xlim(0, max(vals.max(), 1))
    label_bars(ax, range(len(vals)), vals,
               [f"{v:.1f}%（{n:,}人）" for v, n in zip(vals, p["n"].to_numpy()[::-1], strict=True)])
    return ax


def rfm_segments(data, *, title: str = "RFM 客户分群", ax=None):
    """Bars of customers per RFM segment from an rfm table (or rfm_summary)."""
    if "segment" in getattr(data, "columns", []):
        counts = data["segment"].value_counts(sort=False)
    else:
        counts = data.set_index("客户分群")["客户数"]
    ax = ax or new_ax(bar_figsize(len(counts)))
    ax.barh([str(i) for i in counts.index][::-1], counts.to_numpy()[::-1], color=MAIN_COLOR)
    ax.set_xlabel("客户数")
    ax.set_title(f"{title}（n = {int(counts.sum()):,}）")
    return ax


def silhouette(data, *, title: str = "画像数 k 的选择（轮廓系数）", ax=None):
    """Silhouette score by k from a fitted :class:`segments.Personas` (k="auto")."""
    s = getattr(data, "silhouette_", data)
    ax = ax or new_ax((6, 3))
    ax.plot(s.index, s.to_numpy(), marker="o", color=MAIN_COLOR)
    if len(s):
        best = s.idxmax()
        ax.scatter([best], [s[best]], s=90, color="#d1495b", zorder=3)
    ax.set_xlabel("画像数 k")
    ax.set_ylabel("轮廓系数")
    ax.set_title(title)
    return ax
