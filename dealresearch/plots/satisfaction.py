"""Satisfaction charts: trend with CIs, driver importance, IPA quadrants, group comparisons.

Each takes the table the matching ``satisfaction`` function returns and draws it with
Chinese labels: ``fn(data, *, ..., ax=None) -> Axes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import ACCENT_COLOR, MAIN_COLOR, TEXT_PT, bar_figsize, label_bars, new_ax, place_labels

_NPS_COLORS = {"detractors": "#d1495b", "passives": "#c9c9c9", "promoters": "#2a9d8f"}
_NPS_LABELS = {"detractors": "贬损者", "passives": "中立者", "promoters": "推荐者"}


def metric_trend(trend: pd.DataFrame, *, metric: str = "nps", title: str | None = None, ax=None):
    """Line of ``metric`` per period with its CI band (columns ``{metric}_ci_low/high``);
    periods flagged ``small_n`` are drawn as hollow markers."""
    ax = ax or new_ax()
    names = {"nps": "NPS", "csi": "满意度指数 CSI", "csat": "满意度 CSAT（%）"}
    x = np.arange(len(trend))
    y = trend[metric].to_numpy(dtype=float)
    ax.plot(x, y, color=MAIN_COLOR, marker="o", label=names.get(metric, metric))
    lo, hi = f"{metric}_ci_low", f"{metric}_ci_high"
    if lo in trend and hi in trend:
        ax.fill_between(
            x,
            trend[lo].to_numpy(dtype=float),
            trend[hi].to_numpy(dtype=float),
            color=MAIN_COLOR,
            alpha=0.15,
            label="95% 置信区间",
        )
    if "small_n" in trend:
        small = trend["small_n"].to_numpy(dtype=bool)
        ax.scatter(
            x[small],
            y[small],
            s=70,
            facecolors="white",
            edgecolors=ACCENT_COLOR,
            zorder=3,
            label="样本量不足",
        )
    for xi, yi in zip(x, y, strict=False):
        if np.isfinite(yi):
            ax.annotate(
                f"{yi:.1f}", (xi, yi), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=TEXT_PT
            )
    ax.set_xticks(x, trend.index.astype(str), rotation=0)
    ax.set_xlabel("季度")
    ax.set_ylabel(names.get(metric, metric))
    ax.set_title(title or f"{names.get(metric, metric)}趋势")
    ax.legend(loc="best")
    return ax


def driver_importance(weights: pd.DataFrame, *, title: str = "满意度驱动因素重要性", ax=None):
    """Horizontal bars of relative weights (``pct``), largest on top."""
    ax = ax or new_ax(bar_figsize(len(weights)))
    s = weights.sort_values("pct")
    labels = s["label"] if "label" in s else s.index.astype(str)
    ax.barh(labels, s["pct"], color=MAIN_COLOR)
    r2 = weights.attrs.get("r2")
    ax.set_xlabel("相对权重（占解释方差的 %）" + (f"，R² = {r2:.2f}" if r2 is not None else ""))
    ax.set_title(title)
    label_bars(ax, range(len(s)), s["pct"].to_numpy(dtype=float), [f"{v:.1f}%" for v in s["pct"]])
    return ax


def _label_lifts(
    ipa: pd.DataFrame, near_x: float = 0.35, near_y: float = 0.06, step: float = 11
) -> list[float]:
    """Vertical offsets (points) that keep labels of nearby drivers from printing on top of
    each other: drivers close on both axes (relative to the data range) are stacked."""
    x, y = ipa["performance"].to_numpy(float), ipa["importance"].to_numpy(float)
    nx = (x - x.min()) / max(x.max() - x.min(), 1e-9)
    ny = (y - y.min()) / max(y.max() - y.min(), 1e-9)
    lifts = [0.0] * len(x)
    order = sorted(range(len(x)), key=lambda k: (ny[k], nx[k]))  # bottom up; ≤ ~10 drivers
    for rank, i in enumerate(order):
        taken = {
            lifts[j] for j in order[:rank] if abs(nx[j] - nx[i]) < near_x and abs(ny[j] - ny[i]) < near_y
        }
        while lifts[i] in taken:
            lifts[i] += step
    return lifts


def ipa_chart(ipa: pd.DataFrame, *, title: str = "重要性—表现分析（IPA）", ax=None):
    """Scatter of performance (x, 0–100) against importance (y, %), cut at the means,
    with the four quadrant names; driver labels never overlap (``base.place_labels``)."""
    ax = ax or new_ax((6.0, 5.2))
    colors = {
        "重点改进区": ACCENT_COLOR,
        "优势保持区": "#2a9d8f",
        "次要改进区": "#e9c46a",
        "过度投入区": "#8d99ae",
    }
    for q, part in ipa.groupby("quadrant"):
        ax.scatter(part["performance"], part["importance"], s=60, color=colors.get(q, MAIN_COLOR), label=q,
                   zorder=3)
    pc, ic = ipa.attrs.get("performance_cut"), ipa.attrs.get("importance_cut")
    pc = ipa["performance"].mean() if pc is None else pc
    ic = ipa["importance"].mean() if ic is None else ic
    ax.axvline(pc, color="grey", ls="--", lw=1)
    ax.axhline(ic, color="grey", ls="--", lw=1)
    xlo, xhi = ipa["performance"].min(), ipa["performance"].max()
    ylo, yhi = ipa["importance"].min(), ipa["importance"].max()
    # room for the labels: more to the right (they start right of their point) and on top
    padx, pady = max((xhi - xlo) * 0.15, 2), max((yhi - ylo) * 0.2, 1)
    ax.set_xlim(xlo - padx, xhi + 1.6 * padx)
    ax.set_ylim(max(ylo - pady, 0), yhi + 1.3 * pady)
    corners = {
        "重点改进区": (0.02, 0.98, "left"),
        "优势保持区": (0.98, 0.98, "right"),
        "次要改进区": (0.02, 0.02, "left"),
        "过度投入区": (0.98, 0.02, "right"),
    }
    for name, (fx, fy, ha) in corners.items():
        ax.text(
            fx,
            fy,
            name,
            transform=ax.transAxes,
            ha=ha,
            va="top" if fy > 0.5 else "bottom",
            fontsize=TEXT_PT,
            color=colors[name],
            fontweight="bold",
        )
    ax.set_xlabel("表现（题项均值，0–100 分）")
    ax.set_ylabel("重要性（相对权重，%）")
    ax.set_title(title)
    names = ipa["label"] if "label" in ipa else pd.Series(ipa.index, index=ipa.index)
    place_labels(ax, ipa["performance"].to_numpy(float), ipa["importance"].to_numpy(float),
                 names.astype(str).tolist(), offset=_label_lifts(ipa) if len(ipa) else None)
    return ax


def group_comparison(table: pd.DataFrame, *, value: str = "mean", title: str | None = None, ax=None):
    """Bars per group of ``value`` ("mean", "csat" or "nps") with CI whiskers where the
    table has them; groups flagged ``small_n`` are hatched."""
    ax = ax or new_ax(bar_figsize(len(table)))
    t = table.sort_values(value)
    names = {"mean": "平均分", "csat": "满意度 CSAT（%）", "nps": "NPS"}
    lo = {"csat": "csat_ci_low", "nps": "ci_low"}.get(value)
    hi = {"csat": "csat_ci_high", "nps": "ci_high"}.get(value)
    err = None
    if lo in t and hi in t:
        err = np.vstack([t[value] - t[lo], t[hi] - t[value]]).clip(min=0)
    bars = ax.barh(t.index.astype(str), t[value], xerr=err, color=MAIN_COLOR, capsize=3)
    if "small_n" in t:
        for bar, small in zip(bars, t["small_n"], strict=False):
            if small:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
    for yi, (v, n) in enumerate(zip(t[value], t["n"], strict=False)):
        ax.text(0, yi, f" n={n}", va="center", fontsize=TEXT_PT, color="white" if v > 0 else "black")
    ax.set_xlabel(
        names.get(value, value) + ("（斜线：样本不足）" if t.get("small_n", pd.Series()).any() else "")
    )
    ax.set_title(title or f"各组{names.get(value, value)}")
    return ax


def nps_composition(table: pd.DataFrame, *, title: str = "推荐者 / 中立者 / 贬损者构成", ax=None):
    """100 % stacked bars of the NPS categories per group (a ``compare(..., metric="nps")`` table)."""
    ax = ax or new_ax(bar_figsize(len(table), extra=1.7))
    t = table.sort_values("nps")
    left = np.zeros(len(t))
    for key in ("detractors", "passives", "promoters"):
        ax.barh(t.index.astype(str), t[key], left=left, color=_NPS_COLORS[key], label=_NPS_LABELS[key])
        left = left + t[key].to_numpy(dtype=float)
    ax.set_xlim(0, 100)
    ax.set_xlabel("占比（%）")
    # the legend sits between the title and the bars, where it cannot cover a bar
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False)
    ax.set_title(title, pad=30)
    return ax
