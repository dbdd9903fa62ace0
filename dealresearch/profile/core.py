"""Scope selection and profile tables: shares with n, crosstabs with tests, QoQ/YoY shifts.

Typical use (one research objective = one scope + a few fields)::

    from dealresearch import profile as pf
    d = pf.scope(deals, period="2026Q3", project="滨江壹号", status="签约")
    res = pf.profile(d, ["age_band", "purchase_purpose", "key_factors"], by="unit_type")
    res.wide("purchase_purpose")          # category × group shares, for display
    res.tests                             # chi-square, Cramér's V, small-cell / small-n flags
    cmp = pf.compare(deals, "2026Q3", ["awareness_channel"], against="yoy")
    cmp.highlights()                      # Chinese sentences for the summary

Numeric fields are banded (age → schema.AGE_BANDS, area / total price → fixed bands in
``derive``, other numbers → quantile bands). Multi-choice fields (key_factors) are
counted per choice as shares of respondents, so their shares add up to more than 100 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import config, fmt
from ..derive import DERIVED_FROM, DERIVED_LABELS, X, derive, field_categories, label
from ..errors import ParameterError
from ..periods import Period, parse_period, period_of
from ..schema import D
from ..stats import chi_square, count_table, two_proportion_z

__all__ = ["scope", "profile", "compare", "trend", "Profile", "Comparison", "derive", "X", "label"]

_BAND_OF = {v: k for k, v in DERIVED_FROM.items()}  # age → age_band ...


# ------------------------------------------------------------------------- scope
def _as_list(v) -> list:
    if v is None:
        return []
    if isinstance(v, (str, Period)) or not isinstance(v, Iterable):
        return [v]
    return list(v)


def scope(
    deals: pd.DataFrame,
    period=None,
    project=None,
    status=None,
    unit_type=None,
    *,
    date_col: str = D.sign_date,
    until=None,
    add_derived: bool = True,
    **filters,
) -> pd.DataFrame:
    """The deals of one research scope, with derived fields added first.

    ``period``: "2026Q3", "2026", "2026-07", "2026W14" or a list of them (union), tested on
    ``date_col`` (signing date by default). ``project`` / ``status`` / ``unit_type`` and any
    ``column=value`` filter accept one value or a list. ``until`` (a period or a date)
    keeps deals dated up to its end: the cumulative customer base. Derived fields (repeat buyer,
    bands...) are computed on the full table before filtering, so earlier deals count.
    ``result.attrs["scope"]`` holds a Chinese description of the scope.
    """
    if date_col not in deals:
        raise ParameterError(f"成交数据中没有日期列“{label(date_col)}”（{date_col}），无法按期间筛选。")
    out = derive(deals, date_col=date_col) if add_derived else deals
    mask = pd.Series(True, index=out.index)
    desc = []
    periods = [parse_period(p) for p in _as_list(period)]
    if periods:
        dates = pd.to_datetime(out[date_col])
        pm = pd.Series(False, index=out.index)
        for p in periods:
            pm |= p.contains(dates)
        mask &= pm
        desc.append("、".join(p.label_zh for p in periods))
    if until is not None:
        try:
            end = parse_period(until).end
        except ParameterError:
            try:
                end = pd.Timestamp(until)
            except (ValueError, TypeError) as exc:
                raise ParameterError(f"无法识别的截止期间或日期“{until}”。") from exc
        mask &= (pd.to_datetime(out[date_col]) < end.normalize() + pd.Timedelta(days=1)).fillna(False)
        desc.append(f"截至{end:%Y-%m-%d}")
    conditions = {D.project: project, D.status: status, D.unit_type: unit_type, **filters}
    for col, value in conditions.items():
        values = _as_list(value)
        if not values:
            continue
        if col not in out:
            raise ParameterError(f"筛选字段“{label(col)}”（{col}）不在成交数据中。")
        present = out[col].astype("string")
        hit = present.isin([str(v) for v in values]).fillna(False)
        if col == D.project and not hit.any():
            known = "、".join(sorted(present.dropna().unique())[:20])
            raise ParameterError(
                f"项目“{'、'.join(map(str, values))}”在成交数据中不存在；现有项目：{known}。"
            )
        mask &= hit
        desc.append(f"{label(col)}：{'、'.join(map(str, values))}")
    result = out.loc[mask]
    result.attrs["scope"] = " · ".join(desc) if desc else "全部成交"
    return result


# ---------------------------------------------------------------------- profile
@dataclass
class Profile:
    """Result of :func:`profile`.

    ``table``: tidy rows field, field_label, [group], category, count, share, n, n_missing
    (share = count / n, n = respondents in the group). ``tests`` (only with ``by``): one
    row per field (per choice for multi-choice fields) with chi2, dof, p_value,
    cramers_v, min_expected, small_cells, valid, significant, n, small_n.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    by: str | None = None
    n: int = 0
    warnings: list[str] = field(default_factory=list)

    def wide(self, name: str, value: str = "share") -> pd.DataFrame:
        """Categories (rows) × groups (columns) of ``value`` for one field, ready to display;
        a 合计 column is added when grouped. Column names are Chinese."""
        t = self.table[self.table["field"] == name]
        if self.by is None:
            out = t.set_index("category")[[value, "count"]]
            out.columns = ["占比" if value == "share" else value, "人数"]
            out.index.name = label(name)
            return out.reset_index()
        w = t.pivot_table(index="category", columns="group", values=value, sort=False, observed=True)
        w = w.reindex(t["category"].drop_duplicates())
        if value == "share":
            tot = t.groupby("category", sort=False, observed=True)["count"].sum()
            n_all = t.drop_duplicates("group")["n"].sum()
            w["合计"] = (tot / n_all).reindex(w.index) if n_all else np.nan
        w.index.name = label(name)
        w.columns = [str(c) for c in w.columns]
        return w.reset_index()

    def tests_table(self) -> pd.DataFrame:
        """``tests`` with Chinese column names and a 结论 column, for reports."""
        if self.tests.empty:
            return pd.DataFrame()
        t = self.tests
        out = pd.DataFrame(
            {
                "字段": t["field_label"],
                "选项": t["choice"].fillna("—"),
                "卡方值": t["chi2"],
                "自由度": t["dof"],
                "p值": t["p_value"],
                "Cramér's V": t["cramers_v"],
                f"期望频数<{config.MIN_EXPECTED}的单元格": t["small_cells"],
                "样本量": t["n"],
            }
        )
        out["结论"] = np.select(
            [t["small_n"], ~t["valid"], t["significant"]],
            [f"样本少于{config.MIN_N}，仅供参考", "期望频数不足，慎用", f"差异显著（α = {config.ALPHA}）"],
            "差异不显著",
        )
        return out

    def long_table(self) -> pd.DataFrame:
        """``table`` for reports: one row per (field, [group], category) with Chinese headers
        字段 / [分组] / 类别 / 人数 / 占比 / 有效样本 (the base of the share)."""
        cols = {"field_label": "字段", "group": label(self.by) if self.by else "分组", "category": "类别",
                "count": "人数", "share": "占比", "n": "有效样本"}
        t = self.table[[c for c in cols if c in self.table]]
        return t.rename(columns=cols).reset_index(drop=True)

    def shares(self, name: str) -> pd.Series:
        """Shares by category of one field (ungrouped profiles)."""
        t = self.table[self.table["field"] == name]
        return t.set_index("category")["share"]


def profile(
    deals: pd.DataFrame,
    fields: str | Sequence[str],
    by: str | None = None,
    *,
    bands: dict | None = None,
    min_n: int = config.MIN_N,
) -> Profile:
    """Counts and shares of each field (optionally by a grouping field, with tests).

    Chi-square test of independence (Pearson, no continuity correction), Cramér's V, a
    small-cell flag (expected count < config.MIN_EXPECTED) and a small-n warning (n <
    ``min_n``, default config.MIN_N = 30). Multi-choice fields are tested per choice
    (choice named yes/no × group), because the choices are not mutually exclusive.
    ``bands`` overrides banding: {field: [edges...]} or {field: n_quantiles}.
    """
    fields = [fields] if isinstance(fields, str) else list(fields)
    used = [f for f in [*fields, by] if f and f in DERIVED_LABELS]
    if any(f not in deals for f in used):  # (re)derive the derived fields this profile reads
        deals = derive(deals, columns=used)
    groups = field_categories(deals, by, bands).astype("string") if by else None
    rows, tests, warns = [], [], []
    n_total = len(deals)
    if n_total < min_n:
        warns.append(f"样本量 n = {n_total}，少于 {min_n}，以下占比仅供参考。")
    if groups is not None:
        gn = groups.value_counts()
        small = gn[gn < min_n]
        if len(small):
            parts = "、".join(f"{k}（n = {v}）" for k, v in small.items())
            warns.append(f"按“{label(by)}”分组时，{parts} 的样本量少于 {min_n}，其占比仅供参考。")
    for name in fields:
        vals = field_categories(deals, name, bands)
        counts, n, missing, multi = count_table(vals, name, groups)
        long = counts.rename_axis(index="category", columns="group").stack().rename("count").reset_index()
        long["n"] = long["group"].map(n).astype("int64")
        long["n_missing"] = long["group"].map(missing).astype("int64")
        long["share"] = np.where(long["n"] > 0, long["count"] / long["n"].where(long["n"] > 0), np.nan)
        long.insert(0, "field", name)
        long.insert(1, "field_label", label(_BAND_OF.get(name, name)))
        long["multi_choice"] = multi
        long["category"] = long["category"].astype(str)
        rows.append(long)
        if groups is None:
            continue
        if multi:
            for cat in counts.index:
                yes = counts.loc[cat]
                tests.append(_test_row(name, pd.DataFrame({"是": yes, "否": n - yes}).T, cat, min_n))
        else:
            tests.append(_test_row(name, counts, None, min_n))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if groups is None and len(table):
        table = table.drop(columns="group")
    test_df = pd.DataFrame(tests)
    if len(test_df):
        flagged = test_df[test_df["small_cells"] > 0]
        for f in flagged["field"].unique():
            warns.append(
                f"“{label(f)}”交叉表中有期望频数小于 {config.MIN_EXPECTED} 的单元格，卡方检验结果需谨慎解读。"
            )
    return Profile(table=table, tests=test_df, by=by, n=n_total, warnings=warns)


def _test_row(name: str, counts: pd.DataFrame, choice, min_n: int) -> dict:
    res = chi_square(counts.to_numpy())
    return {
        "field": name,
        "field_label": label(name),
        "choice": choice,
        "chi2": res.chi2,
        "dof": res.dof,
        "p_value": res.p_value,
        "cramers_v": res.cramers_v,
        "min_expected": res.min_expected,
        "small_cells": res.small_cells,
        "valid": res.valid,
        "significant": res.significant if res.dof else False,
        "n": res.n,
        "small_n": res.n < min_n,
    }


# ---------------------------------------------------------------------- compare
def _p_text(p: float) -> str:
    text = fmt.p_value(p)  # the project's p-value rule; a test not computed is never "p < 0.001"
    return "p < 0.001" if text == "<0.001" else "p 未计算" if text == fmt.MISSING else f"p = {text}"


@dataclass
class Comparison:
    """Result of :func:`compare`: per category shares now vs base with a two-proportion
    z test (pooled), and per single-choice field a chi-square test of homogeneity."""

    table: pd.DataFrame
    tests: pd.DataFrame
    period: Period
    base_period: Period
    against: str
    n_now: int
    n_base: int
    warnings: list[str] = field(default_factory=list)
    method: str = (
        "各类别占比变化：双比例 z 检验（合并方差，双侧）；字段整体分布变化：卡方齐性检验"
        f"（无连续性校正）；显著性水平 α = {config.ALPHA}。"
    )

    @property
    def base_label(self) -> str:
        return (
            "上季度"
            if self.against == "qoq" and self.period.kind == "quarter"
            else ("上年同期" if self.against == "yoy" else "上期")
        )

    def display(self, name: str | None = None) -> pd.DataFrame:
        """Per category shares base vs now with Chinese column names, for reports."""
        t = self.table if name is None else self.table[self.table["field"] == name]
        return pd.DataFrame(
            {
                "字段": t["field_label"],
                "类别": t["category"],
                f"{self.base_period.label_zh}占比": t["share_base"],
                f"{self.period.label_zh}占比": t["share_now"],
                "变化(百分点)": t["diff"] * 100,
                "p值": t["p_value"],
                "显著": np.where(t["significant"], "是", "否"),
            }
        ).reset_index(drop=True)

    def highlights(self, max_items: int = 5, significant_only: bool = True) -> list[str]:
        """The largest shifts as Chinese sentences (significant ones only by default)."""
        t = self.table.dropna(subset=["diff"])
        if significant_only:
            t = t[t["significant"]]
        t = t.reindex(t["diff"].abs().sort_values(ascending=False).index).head(max_items)
        out = []
        for r in t.itertuples():
            trend = "上升" if r.diff > 0 else "下降"
            out.append(
                f"{r.field_label}“{r.category}”占比 {r.share_now:.1%}，较{self.base_label}{trend} "
                f"{abs(r.diff) * 100:.1f} 个百分点（{_p_text(r.p_value)}）。"
            )
        return out


def compare(
    deals: pd.DataFrame,
    period,
    fields: str | Sequence[str],
    against: str = "qoq",
    *,
    date_col: str = D.sign_date,
    bands: dict | None = None,
    min_n: int = config.MIN_N,
    **filters,
) -> Comparison:
    """Shares in ``period`` vs the previous period (``"qoq"``) or a year earlier (``"yoy"``).

    Other scope filters (project=, status=, ...) apply to both periods. Per category:
    shares, difference (share_now − share_base, as a fraction; ×100 = percentage
    points), pooled two-proportion z test; per single-choice field: chi-square test of
    homogeneity across the two periods. Multi-choice fields use respondents as n.
    """
    if against not in ("qoq", "yoy"):
        raise ParameterError(f'against 只能是 "qoq"（环比）或 "yoy"（同比），收到“{against}”。')
    p = parse_period(period)
    base = p.previous() if against == "qoq" else p.year_ago()
    fields = [fields] if isinstance(fields, str) else list(fields)
    used = [f for f in [*fields, *filters] if f in DERIVED_LABELS]  # on the full table
    full = derive(deals, date_col=date_col, columns=used) if used else deals
    now_d = scope(full, p, date_col=date_col, add_derived=False, **filters)
    base_d = scope(full, base, date_col=date_col, add_derived=False, **filters)
    both = pd.concat([base_d, now_d])
    both["_period"] = np.repeat(["base", "now"], [len(base_d), len(now_d)])
    prof = profile(both, fields, by="_period", bands=bands, min_n=min_n)
    t = prof.table
    wide = t.pivot_table(
        index=["field", "field_label", "category"],
        columns="group",
        values=["count", "share", "n"],
        sort=False,
        observed=True,
    )
    out = pd.DataFrame(
        {
            "field": wide.index.get_level_values(0),
            "field_label": wide.index.get_level_values(1),
            "category": wide.index.get_level_values(2),
        }
    )
    for k in ("count", "share", "n"):
        for g in ("base", "now"):
            col = (k, g)
            out[f"{k}_{g}"] = wide[col].to_numpy() if col in wide.columns else 0.0
    for k in ("count_base", "count_now", "n_base", "n_now"):
        out[k] = out[k].fillna(0).astype("int64")
    out["diff"] = out["share_now"] - out["share_base"]
    z, pv = two_proportion_z(out["count_now"], out["n_now"], out["count_base"], out["n_base"])
    out["z"], out["p_value"] = z, pv
    out["significant"] = (out["p_value"] < config.ALPHA) & out["p_value"].notna()
    tests = prof.tests
    if len(tests):
        tests = tests[tests["choice"].isna()].drop(columns="choice").reset_index(drop=True)
    warns = []
    for name, n in (("本期", len(now_d)), (f"基期（{base.label_zh}）", len(base_d))):
        if n < min_n:
            warns.append(f"{name}样本量 n = {n}，少于 {min_n}，变化仅供参考。")
    return Comparison(
        table=out,
        tests=tests,
        period=p,
        base_period=base,
        against=against,
        n_now=len(now_d),
        n_base=len(base_d),
        warnings=warns,
    )


# ------------------------------------------------------------------------ trend
def trend(
    deals: pd.DataFrame,
    field: str,
    kind: str = "quarter",
    *,
    date_col: str = D.sign_date,
    bands: dict | None = None,
    min_n: int = config.MIN_N,
) -> Profile:
    """Shares of one field per period ("quarter" / "month" / "year" of ``date_col``).

    A :class:`Profile` grouped by period: ``table`` gains a ``period`` column (sorted),
    ``wide(field)`` has one column per period, ``tests`` holds the chi-square test of
    "same distribution in every period".
    """
    d = deals.assign(_period=period_of(deals[date_col], kind))
    d = d[d["_period"].notna()]
    res = profile(d, field, by="_period", bands=bands, min_n=min_n)
    res.table = res.table.assign(period=res.table["group"]).sort_values(
        "period", kind="stable", ignore_index=True
    )
    res.warnings = [w.replace("“_period”", "“期间”") for w in res.warnings]
    res.by = "period"
    return res
