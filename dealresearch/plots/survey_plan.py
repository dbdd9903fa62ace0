"""Survey-programme charts: monthly workload of the plan, coverage by project."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import C, S
from .base import ACCENT_COLOR, MAIN_COLOR, new_ax

MONTH = "month"  # survey_plan.MONTH (not imported: keeps plots free of the planner)
REASON = "reason"


def monthly_workload(
    plan: pd.DataFrame, *, capacity: dict | None = None, title: str = "月度调查工作量（人次）", ax=None
):
    """Stacked bars of planned surveys per month by method (survey_plan.plan output);
    必访 share drawn as a line. ``capacity`` {method: int} adds dashed capacity marks."""
    import seaborn as sns

    ax = ax or new_ax(figsize=(8.5, 3.8))
    t = pd.crosstab(plan[MONTH], plan[S.method].astype(str)).reindex(range(1, 13), fill_value=0)
    colors = sns.color_palette(n_colors=max(len(t.columns), 1))
    x = np.arange(1, 13)
    bottom = np.zeros(12)
    for color, method in zip(colors, t.columns, strict=False):
        ax.bar(x, t[method].to_numpy(), bottom=bottom, color=color, label=method)
        bottom += t[method].to_numpy()
    for xi, total in zip(x, bottom, strict=True):
        if total:
            ax.text(xi, total, f"{int(total):,}", ha="center", va="bottom", fontsize=8)
    if REASON in plan.columns and len(plan):
        must = (
            plan[plan[REASON].astype(str) == "必访"].groupby(MONTH).size().reindex(range(1, 13), fill_value=0)
        )
        ax.plot(x, must.to_numpy(), color=ACCENT_COLOR, marker="o", linewidth=1.5, label="其中必访")
    for (method, cap), color in zip((capacity or {}).items(), colors, strict=False):
        if np.ndim(cap) == 0:
            ax.axhline(float(cap), color=color, linestyle="--", linewidth=1, label=f"{method}容量")
    ax.set_xticks(x, [f"{m}月" for m in x])
    ax.set_ylabel("计划调查人次")
    ax.set_xlabel("")
    ax.legend(ncols=6, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.set_ylim(0, max(bottom.max(), 1) * 1.12)
    ax.set_title(title)
    return ax


def coverage_by_project(
    by_project: pd.DataFrame, *, min_share: float = 0.4, title: str = "各项目年度调查覆盖率", ax=None
):
    """Horizontal bars of the share surveyed per project (CoverageResult.by_project), with
    the minimum share as a reference line; projects under the small-n threshold hatched."""
    s = by_project.sort_values("覆盖率")
    ax = ax or new_ax(figsize=(7.5, max(2.5, 0.45 * len(s) + 1.2)))
    y = np.arange(len(s))
    bars = ax.barh(y, s["覆盖率"].to_numpy() * 100, color=MAIN_COLOR)
    small = s["样本不足"].to_numpy(dtype=bool) if "样本不足" in s.columns else np.zeros(len(s), bool)
    for bar, is_small in zip(bars, small, strict=True):
        if is_small:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    for yi, (v, n) in enumerate(zip(s["覆盖率"].to_numpy() * 100, s["客户数"].to_numpy(), strict=True)):
        ax.text(v, yi, f" {v:.1f}%（n={int(n)}）", va="center", fontsize=8)
    ax.axvline(
        min_share * 100, color=ACCENT_COLOR, linestyle="--", linewidth=1.2, label=f"最低要求 {min_share:.0%}"
    )
    ax.set_yticks(y, s[C.project].astype(str))
    ax.set_xlabel("已调查客户占比（%）")
    ax.set_xlim(0, max(100, float(s["覆盖率"].max() * 100 + 15) if len(s) else 100))
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.set_title(title)
    return ax
