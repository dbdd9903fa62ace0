"""Profile charts: shares by category (optionally by group) and period-on-period shifts."""

from __future__ import annotations

import numpy as np

from ..derive import label
from .base import ACCENT_COLOR, ROW_HEIGHT, bar_figsize, bar_shares, new_ax


def shares(data, *, field: str, title: str | None = None, ax=None, top: int | None = None):
    """Shares of one field from a :class:`profile.Profile` (or its tidy ``table``).

    Ungrouped: horizontal bars in %. Grouped (profile ``by``): one bar per group and
    category, side by side. ``top`` keeps the largest categories.
    """
    table = getattr(data, "table", data)
    t = table[table["field"] == field]
    if t.empty:
        raise ValueError(f"no rows for field {field!r}")
    title = title if title is not None else f"{t['field_label'].iloc[0]}分布"
    if "group" not in t or t["group"].nunique() <= 1:
        s = t.set_index("category")["share"]
        if top:
            s = s.sort_values(ascending=False).head(top)
        n = int(t["n"].iloc[0])
        return bar_shares(s, title=f"{title}（n = {n:,}）", ax=ax)
    w = t.pivot_table(index="category", columns="group", values="share", sort=False, observed=True)
    if top:
        w = w.loc[w.mean(axis=1).sort_values(ascending=False).index[:top]]
    ax = ax or new_ax((6, max(3.0, 1.6 + ROW_HEIGHT * len(w) * max(1, w.shape[1] / 2))))
    y = np.arange(len(w))
    h = 0.8 / w.shape[1]
    n_by = t.drop_duplicates("group").set_index("group")["n"]
    for i, g in enumerate(w.columns):
        ax.barh(
            y + i * h - 0.4 + h / 2, w[g].to_numpy() * 100, height=h, label=f"{g}（n = {int(n_by[g]):,}）"
        )
    ax.set_yticks(y, [str(c) for c in w.index])
    ax.invert_yaxis()
    ax.set_xlabel("占比（%）")
    ax.set_title(title)
    ax.legend(loc="best")
    return ax


def shift(data, *, field: str | None = None, title: str | None = None, ax=None, top: int = 12):
    """Diverging bars of share changes (percentage points) from a :class:`profile.Comparison`;
    significant changes in the accent colour."""
    t = getattr(data, "table", data)
    if field is not None:
        t = t[t["field"] == field]
    t = t.dropna(subset=["diff"])
    t = t.reindex(t["diff"].abs().sort_values(ascending=False).index).head(top).iloc[::-1]
    names = (t["category"] if field else t["field_label"] + "·" + t["category"]).astype(str)
    ax = ax or new_ax(bar_figsize(len(t)))
    colors = [ACCENT_COLOR if s else "#9aa5b1" for s in t["significant"]]
    ax.barh(names, t["diff"].to_numpy() * 100, color=colors)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel("占比变化（百分点）")
    base = getattr(data, "base_label", "基期")
    ax.set_title(title or f"{label(field) if field else '客户结构'}较{base}变化（红色：显著）")
    return ax


def trend(data, *, categories=None, title: str | None = None, ax=None, top: int = 6):
    """Share of each category per period from :func:`profile.trend` (tidy: period,
    category, share, n); ``categories`` picks lines, else the ``top`` largest overall."""
    t = getattr(data, "table", data)
    if categories is None:
        categories = (
            t.groupby("category", observed=True)["count"].sum().sort_values(ascending=False).index[:top]
        )
    ax = ax or new_ax()
    for cat in categories:
        g = t[t["category"] == cat]
        ax.plot(g["period"].astype(str), g["share"].to_numpy() * 100, marker="o", label=str(cat))
    ax.set_ylabel("占比（%）")
    label_ = t["field_label"].iloc[0] if len(t) else ""
    ax.set_title(title if title is not None else f"{label_}占比趋势")
    ax.legend(ncols=2)
    ax.tick_params(axis="x", rotation=30)
    return ax
