"""Sales charts: attainment heat-map, monthly trend vs target, rankings, pacing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..sales.columns import Actuals, Ranking
from ..schema import Deal, label
from .base import ACCENT_COLOR, MAIN_COLOR, TEXT_PT, new_ax


def attainment_heatmap(matrix: pd.DataFrame, *, title: str = "目标达成率热力图（%）", ax=None):
    """Units (rows) × periods (columns) of attainment %, from sales.attainment_matrix.
    Red below 100 %, green above; blank where there is no target."""
    import seaborn as sns

    ax = ax or new_ax(figsize=(max(6.0, 0.75 * matrix.shape[1] + 2), max(2.5, 0.45 * len(matrix) + 1.5)))
    data = matrix.astype("float64")
    cols = [str(c)[-2:] + "月" if str(c)[4:5] == "-" else str(c) for c in data.columns]
    sns.heatmap(
        data,
        ax=ax,
        annot=True,
        fmt=".0f",
        cmap="RdYlGn",
        center=100,
        vmin=60,
        vmax=140,
        linewidths=0.5,
        cbar_kws={"label": "达成率（%）"},
        xticklabels=cols,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title)
    return ax


def _money_axis(ax, values, axis: str) -> str:
    """Tick labels of an amount axis in the unit the values' magnitude calls for (as the
    tables and cards choose it: dealresearch.fmt.money_unit); returns the unit."""
    from matplotlib.ticker import FuncFormatter

    unit = fmt.money_unit(values)
    name, div, places = unit
    formatter = FuncFormatter(lambda v, _: f"{v / div:,.{places}f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
    return name


def monthly_trend(
    actuals: pd.DataFrame,
    *,
    targets: pd.Series | None = None,
    metric: str = Actuals.net_amount,
    title: str = "月度净签约金额",
    ax=None,
):
    """Bars of the monthly net amount (sales.actuals(kind="month")) with the monthly
    target as a line when given (Series indexed by "YYYY-MM")."""
    ax = ax or new_ax(figsize=(8.5, 3.8))
    s = actuals.groupby(Actuals.period)[metric].sum().sort_index()
    x = np.arange(len(s))
    ax.bar(x, s.to_numpy(), color=MAIN_COLOR, label="实际")
    if targets is not None and len(targets):
        t = targets.reindex(s.index)
        ax.plot(x, t.to_numpy(), color=ACCENT_COLOR, marker="o", label="目标")
        ax.legend()
    ax.set_xticks(x, [p[2:] for p in s.index], rotation=45, ha="right")
    if "amount" in metric:
        ax.set_ylabel(_money_axis(ax, s.to_numpy(), "y"))
    else:
        ax.set_ylabel("套")
    ax.set_title(title)
    return ax


def ranking_bars(
    ranking: pd.DataFrame,
    *,
    by: str = Deal.sales_rep,
    metric: str = Actuals.net_amount,
    top: int = 15,
    title: str | None = None,
    ax=None,
):
    """Horizontal bars of the top units of a performance.rankings table, attainment %
    written beside each bar when present."""
    r = ranking.sort_values(Ranking.rank).head(top).iloc[::-1]
    ax = ax or new_ax(figsize=(7.5, max(3.0, 0.32 * len(r) + 1)))
    y = np.arange(len(r))
    ax.barh(y, r[metric].to_numpy(), color=MAIN_COLOR)
    ax.set_yticks(y, r[by].astype(str).to_numpy())
    if "amount" in metric:
        ax.set_xlabel(f"净签约金额（{_money_axis(ax, r[metric].to_numpy(), 'x')}）")
    else:
        ax.set_xlabel("净签约套数")
    if Actuals.amount_attainment in r:
        for yi, v, att in zip(y, r[metric].to_numpy(), r[Actuals.amount_attainment].to_numpy(), strict=True):
            if not np.isnan(att):
                ax.text(v, yi, f" {att:.0f}%", va="center", fontsize=TEXT_PT)
    ax.set_title(title or f"{label(by)}排名（前 {min(top, len(r))} 名）")
    return ax


def pacing_bars(pacing: pd.DataFrame, *, title: str = "目标完成进度 vs 时间进度", ax=None):
    """Reached share (bars) against elapsed share (marker) per unit and period, from
    sales.pacing."""
    p = pacing.dropna(subset=[Actuals.reached_share])
    ax = ax or new_ax(figsize=(7.5, max(2.8, 0.5 * len(p) + 1.6)))
    names = (p["unit"].astype(str) + " · " + p[Actuals.period].astype(str)).to_numpy()
    y = np.arange(len(p))
    colors = np.where(p[Actuals.pacing_status] == "落后", ACCENT_COLOR, MAIN_COLOR)
    ax.barh(y, p[Actuals.reached_share].to_numpy() * 100, color=colors, label="完成进度")
    ax.scatter(
        p[Actuals.elapsed_share].to_numpy() * 100, y, color="black", marker="|", s=300, label="时间进度", zorder=3
    )
    ax.set_yticks(y, names, fontsize=12)  # large enough to read on a phone (the chart shrinks to 390 px)
    ax.tick_params(axis="x", labelsize=11)
    ax.set_xlabel("占目标 / 占期间（%）", fontsize=11)
    # the legend sits between the title and the bars: below the axis it ran into the x label
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=11, markerscale=0.5)
    ax.set_title(title, pad=30)
    return ax
