"""Profile tables: counts and shares per field with n, crosstabs with chi-square tests, trends.

Typical use::

    res = profile.profile(d, ["age_band", "purchase_purpose", "key_factors"], by="unit_type")
    res.wide("purchase_purpose")          # category × group shares, for display
    res.tests                             # chi-square, Cramér's V, small-cell / small-n flags

Numeric fields are banded (age → schema.AGE_BANDS, area / total price → fixed bands in
``derive``, other numbers → quantile bands). Multi-choice fields (key_factors) are
counted per choice as shares of respondents, so their shares add up to more than 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import config
from ..derive import DERIVED_FROM, DERIVED_LABELS, derive, field_categories, label
from ..periods import period_of
from ..schema import Deal
from ..stats import chi_square, count_table

__all__ = ["Profile", "profile", "trend"]

_BAND_OF = {v: k for k, v in DERIVED_FROM.items()}  # age → age_band ...


@dataclass(frozen=True)
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
    #: the warnings about the tests (expected counts too small), also in ``warnings``
    test_warnings: list[str] = field(default_factory=list)

    @property
    def sample_warnings(self) -> list[str]:
        """The warnings about small samples (``warnings`` without ``test_warnings``)."""
        return [w for w in self.warnings if w not in self.test_warnings]

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
    test_warns = []
    if len(test_df):
        flagged = test_df[test_df["small_cells"] > 0]
        test_warns = [
            f"“{label(f)}”交叉表中有期望频数小于 {config.MIN_EXPECTED} 的单元格，卡方检验结果需谨慎解读。"
            for f in flagged["field"].unique()
        ]
    return Profile(table=table, tests=test_df, by=by, n=n_total, warnings=warns + test_warns,
                   test_warnings=test_warns)


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


def trend(
    deals: pd.DataFrame,
    field: str,
    kind: str = "quarter",
    *,
    date_col: str = Deal.sign_date,
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
    return replace(
        res,
        table=res.table.assign(period=res.table["group"]).sort_values("period", kind="stable", ignore_index=True),
        warnings=[w.replace("“_period”", "“期间”") for w in res.warnings],
        by="period",
    )
