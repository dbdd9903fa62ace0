"""Survey-programme charts: monthly workload of the plan, coverage by project."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import Customer, Survey
from .base import ACCENT_COLOR, FIG_WIDTH, MAIN_COLOR, TEXT_PT, bar_figsize, new_ax

MONTH = "month"  # survey_plan.MONTH (not imported: keeps plots free of the planner)
REASON = "reason"


def monthly_workload(
    plan: pd.DataFrame, *, capacity: dict | None = None, title: str = "月度调查工作量（人次）", ax=None
):
    """Stacked bars of planned surveys per month by method (survey_plan.plan output);
    必访 drawn as a line. ``capacity`` {method: int} adds dashed capacity marks.

    The month totals sit in a row of their own above the plot area (as the top axis' tick
    labels), so they can never lie on a bar, on the 必访 line or on each other; the legend
    sits below the month labels."""
    import seaborn as sns

    ax = ax or new_ax(figsize=(FIG_WIDTH, 4.2))
    t = pd.crosstab(plan[MONTH], plan[Survey.method].astype(str)).reindex(range(1, 13), fill_value=0)
    colors = sns.color_palette(n_colors=max(len(t.columns), 1))
    x = np.arange(1, 13)
    bottom = np.zeros(12)
    for color, method in zip(colors, t.columns, strict=False):
        ax.bar(x, t[method].to_numpy(), bottom=bottom, color=color, label=method)
        bottom += t[method].to_numpy()
    if REASON in plan.columns and len(plan):
        must = (
            plan[plan[REASON].astype(str) == "必访"].groupby(MONTH).size().reindex(range(1, 13), fill_value=0)
        )
        ax.plot(x, must.to_numpy(), color=ACCENT_COLOR, marker="o", linewidth=1.5, label="其中必访")
    for (method, cap), color in zip((capacity or {}).items(), colors, strict=False):
        if np.ndim(cap) == 0:
            ax.axhline(float(cap), color=color, linestyle="--", linewidth=1, label=f"{method}容量")
    ax.set_xlim(0.4, 12.6)
    ax.set_xticks(x, [f"{m}月" for m in x])
    totals = ax.secondary_xaxis("top")
    totals.set_xticks(x, _month_totals(bottom))
    totals.tick_params(length=0, labelsize=TEXT_PT, colors="#1f2933")
    totals.set_xlabel("当月合计（人次）", fontsize=TEXT_PT, color="#57606a")
    ax.set_ylabel("计划调查人次")
    ax.set_xlabel("")
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(ncols=min(len(handles), 4) or 1, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.09))
    ax.set_ylim(0, max(bottom.max(), 1) * 1.08)
    ax.set_title(title)
    return ax


def _month_totals(totals: np.ndarray) -> list[str]:
    """Month totals short enough for twelve side by side on a phone (万 from 10,000 up)."""
    if totals.max(initial=0) >= 10_000:
        return [f"{v / 10_000:.1f}万" for v in totals]
    return [f"{int(v):,}" for v in totals]


def coverage_by_project(
    by_project: pd.DataFrame, *, min_share: float = 0.4, title: str = "各项目年度调查覆盖率", ax=None
):
    """Horizontal bars of the share surveyed per project (CoverageResult.by_project), with
    the minimum share as a reference line (named in the axis label, no legend to collide
    with it); projects under the small-n threshold hatched."""
    s = by_project.sort_values("覆盖率")
    ax = ax or new_ax(figsize=bar_figsize(len(s), extra=1.6))
    y = np.arange(len(s))
    values = s["覆盖率"].to_numpy() * 100
    bars = ax.barh(y, values, color=MAIN_COLOR)
    small = s["样本不足"].to_numpy(dtype=bool) if "样本不足" in s.columns else np.zeros(len(s), bool)
    for bar, is_small in zip(bars, small, strict=True):
        if is_small:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.axvline(min_share * 100, color=ACCENT_COLOR, linestyle="--", linewidth=1.2)
    ax.set_yticks(y, s[Customer.project].astype(str))
    ax.set_xlabel(f"已调查客户占比（%；红色虚线 = 最低要求 {min_share:.0%}）")
    ax.set_xlim(0, 100)
    ax.set_title(title)
    # the values in a column right of the plot area: never on a bar end, on the rule line or on each other
    right = ax.get_yaxis_transform()  # x in axes fraction, y in data
    for yi, v, n in zip(y, values, s["客户数"].to_numpy(), strict=True):
        ax.text(1.02, yi, f"{v:.1f}%（n={int(n):,}）", transform=right, ha="left", va="center",
                fontsize=TEXT_PT, color="#1f2933", clip_on=False)
    return ax
