"""Survey coverage ledger: the customer base of a year, who was surveyed, who is overdue.

Definitions (shared by :mod:`dealresearch.survey_plan.planner`):

* **Customer base of year Y**: the customers on the books on 1 January of Y, i.e. with at
  least one deal that is not cancelled (退房) dated in the ``lookback_years`` calendar years
  before Y (default Y-3 … Y-1). The base is fixed when the plan is approved, so the 40 %
  share is audited against the same list the plan was drawn from. Customers whose first
  deal falls inside Y join the base of Y+1.
* **Reachable**: in the base and not opted out (``do_not_contact``). Opt-outs stay in the
  base (the denominator of the yearly share) and are reported as their own category.
* **Cycle**: every reachable customer is surveyed at least once in every window of
  ``cycle_years`` calendar years of their tenure. A customer's *reference year* is the year
  of their last survey, or the year before their first deal when never surveyed (unknown
  first deal: treated as overdue, we cannot prove they are within the cycle).
  They **must** be surveyed in year Y when ``Y - reference_year >= cycle_years``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..errors import DataError, MissingColumnsError, ParameterError
from ..schema import Customer, Survey
from .base import (
    DONE,
    JOIN_YEAR,
    LAST_SURVEY,
    MUST,
    NO_METHOD,
    REACHABLE,
    REF_YEAR,
    UNKNOWN_PROJECT,
    unique_master,
    year_start,
)


# ----------------------------------------------------------------------------- ledger
def check_customers(customers: pd.DataFrame, check_unique: bool = True) -> pd.DataFrame:
    """Validate the customer frame a plan or coverage is built on; return it with defaults."""
    m = unique_master(customers, check_unique)
    if len(m) != len(customers):
        raise DataError(f"客户表中有 {len(customers) - len(m)} 行缺少客户编码（customer_key）。")
    out = m.reset_index(drop=True)
    defaults = {Customer.project: UNKNOWN_PROJECT, Customer.key_account: False, Customer.do_not_contact: False}
    for col, default in defaults.items():
        if col not in out.columns:
            out[col] = default
    out[Customer.project] = out[Customer.project].fillna(UNKNOWN_PROJECT)
    for col in (Customer.key_account, Customer.do_not_contact):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    return out


def check_surveys(surveys: pd.DataFrame | None) -> pd.DataFrame:
    """Surveys reduced to key, date, method (rows without a key or date are ignored)."""
    if surveys is None:
        return pd.DataFrame(
            {
                Survey.customer_key: pd.Series(dtype="str"),
                Survey.survey_date: pd.Series(dtype="datetime64[ns]"),
                Survey.method: pd.Series(dtype="str"),
            }
        )
    missing = [c for c in (Survey.customer_key, Survey.survey_date) if c not in surveys.columns]
    if missing:
        raise MissingColumnsError(f"调查记录缺少列：{'、'.join(missing)}（需要客户编码和调查日期）。")
    out = pd.DataFrame(
        {
            Survey.customer_key: surveys[Survey.customer_key],
            Survey.survey_date: pd.to_datetime(surveys[Survey.survey_date]),
            Survey.method: surveys[Survey.method]
            if Survey.method in surveys.columns
            else pd.Series(pd.NA, index=surveys.index),
        }
    )
    return out[out[Survey.customer_key].notna() & out[Survey.survey_date].notna()]


def ledger(
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    *,
    cycle_years: int = 3,
    asof: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Per customer: last survey before ``year``, surveyed in ``year`` (up to ``asof``),
    reference year, and whether the cycle rule forces a survey in ``year`` (``must``)."""
    if cycle_years < 1:
        raise ParameterError(f"调查周期 cycle_years={cycle_years} 无效：至少为 1 年。")
    cust = check_customers(customers, check_unique=False)  # positions() checks uniqueness
    sv = check_surveys(surveys)
    start = year_start(year)
    end = (
        year_start(year + 1)
        if asof is None
        else min(pd.Timestamp(asof) + pd.Timedelta(days=1), year_start(year + 1))
    )
    pos, when = survey_positions(cust[Customer.customer_key], sv)
    out = cust.copy()
    out[LAST_SURVEY] = last_survey(pos, when, len(cust), when < start.to_datetime64())
    done = np.zeros(len(cust), dtype=bool)
    done[pos[(pos >= 0) & (when >= start.to_datetime64()) & (when < end.to_datetime64())]] = True
    out[DONE] = done
    first = (
        pd.to_datetime(out[Customer.first_deal_date])
        if Customer.first_deal_date in out.columns
        else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    )
    join = first.dt.year.astype("float64")
    out[JOIN_YEAR] = join
    ref = out[LAST_SURVEY].dt.year.astype("float64").fillna(join - 1).fillna(-np.inf)
    out[REF_YEAR] = ref
    out[REACHABLE] = ~out[Customer.do_not_contact].to_numpy()
    out[MUST] = out[REACHABLE] & ~out[DONE] & (year - ref >= cycle_years)
    return out


def positions(keys: pd.Series, others: pd.Series) -> np.ndarray:
    """Position of each of ``others`` in ``keys`` (-1 where absent) with one hashing pass;
    raises :class:`DataError` when ``keys`` repeat."""
    n = len(keys)
    both = pd.concat([pd.Series(keys.array), pd.Series(others.array)], ignore_index=True)
    codes, _ = pd.factorize(both)
    own = codes[:n]
    if n and not (own == np.arange(n)).all():
        dup = np.flatnonzero(own != np.arange(n))
        raise DataError(f"客户表中客户编码重复（例如 {keys.iloc[dup[0]]}），每个客户只能出现一行。")
    pos = codes[n:].copy()
    pos[pos >= n] = -1
    return pos


def survey_positions(keys: pd.Series, sv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row position of each survey's customer in ``keys`` (-1 if not there) and its date."""
    return positions(keys, sv[Survey.customer_key]), sv[Survey.survey_date].to_numpy().astype("datetime64[ns]")


def last_survey(pos: np.ndarray, when: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Latest survey date per customer position among the surveys in ``mask`` (NaT if none)."""
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    ok = pos >= 0 if mask is None else mask & (pos >= 0)
    np.maximum.at(last, pos[ok], when[ok].view(np.int64))
    return last.view("datetime64[ns]")


def earliest_month(last_survey: pd.Series, year: int, min_gap_months: int) -> np.ndarray:
    """First month (1–12, may exceed 12) of ``year`` whose first day is at least
    ``min_gap_months`` after the last survey; 1 when never surveyed."""
    last = pd.to_datetime(last_survey)
    idx = last.dt.year * 12 + last.dt.month - 1 + min_gap_months + (last.dt.day > 1).astype("Int64")
    m = (idx - year * 12 + 1).astype("float64").fillna(1).to_numpy()
    return np.maximum(m, 1).astype(np.int64)


# --------------------------------------------------------------------------- coverage
@dataclass
class CoverageResult:
    """Coverage of ``year`` (surveys up to ``asof``) against the year's customer base."""

    year: int
    asof: pd.Timestamp
    cycle_years: int
    n_base: int
    n_opt_out: int
    n_reachable: int
    n_surveyed: int
    share: float  # surveyed / base (opt-outs in the denominator)
    n_window_covered: int  # reachable customers surveyed in the last cycle_years years
    rolling_share: float  # n_window_covered / n_reachable
    n_window_breach: int  # reachable customers past a full cycle without any survey
    n_overdue: int  # must be in next year's plan
    n_never: int
    by_project: pd.DataFrame
    by_method: pd.DataFrame
    overdue: pd.DataFrame
    never_surveyed: pd.DataFrame
    opt_outs: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Customers in the base the coverage is counted against."""
        return self.n_base

    @property
    def full_year(self) -> bool:
        """True when the surveys counted run to 31 December (not a year-to-date view)."""
        return self.asof.normalize() >= year_start(self.year + 1) - pd.Timedelta(days=1)

    def still_needed(self, min_share: float = 0.4) -> int:
        """Customers still to survey this year to reach ``min_share`` of the base."""
        return max(0, int(np.ceil(min_share * self.n_base - 1e-9)) - self.n_surveyed)

    def summary(self) -> pd.DataFrame:
        """KPI table (指标, 人数, 占比) for reports."""
        pct = lambda n, d: n / d if d else np.nan  # noqa: E731
        w = f"近{self.cycle_years}年"
        rows = [
            ("客户基数", self.n_base, 1.0 if self.n_base else np.nan),
            ("其中：拒绝调查（免打扰）", self.n_opt_out, pct(self.n_opt_out, self.n_base)),
            (f"{self.year}年已调查（占客户基数）", self.n_surveyed, self.share),
            (f"{w}已覆盖（占可调查客户）", self.n_window_covered, self.rolling_share),
            (
                f"已满{self.cycle_years}年周期仍未调查",
                self.n_window_breach,
                pct(self.n_window_breach, self.n_reachable),
            ),
            (f"逾期（须列入{self.year + 1}年计划）", self.n_overdue, pct(self.n_overdue, self.n_reachable)),
            ("从未调查", self.n_never, pct(self.n_never, self.n_reachable)),
        ]
        return pd.DataFrame(rows, columns=["指标", "人数", "占比"])


def coverage(
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    *,
    cycle_years: int = 3,
    asof: pd.Timestamp | str | None = None,
    min_n: int = MIN_N,
) -> CoverageResult:
    """Coverage of the base ``customers`` (see :func:`customer_base`) in ``year``.

    ``asof`` limits the surveys counted (year to date); default the end of the year.
    Overdue = reachable customers not surveyed in the last ``cycle_years - 1`` years up to
    ``asof`` (or never, with a full cycle of tenure): next year's plan must include them.
    """
    year = int(year)
    asof = pd.Timestamp(asof) if asof is not None else year_start(year + 1) - pd.Timedelta(days=1)
    lg = ledger(customers, surveys, year, cycle_years=cycle_years, asof=asof)
    sv = check_surveys(surveys)
    sv = sv[sv[Survey.survey_date] < asof.normalize() + pd.Timedelta(days=1)]
    keys = lg[Customer.customer_key]
    reach = lg[REACHABLE].to_numpy()
    pos, when = survey_positions(keys, sv)
    last_all = pd.Series(last_survey(pos, when, len(lg)), index=lg.index)
    last_year = last_all.dt.year.astype("float64")
    win_start = year - cycle_years + 1
    covered = (last_year >= win_start).to_numpy()
    join = lg[JOIN_YEAR].to_numpy()
    full_cycle = ~(join > win_start)  # NaN join counts as a full cycle of tenure
    ref_next = last_year.fillna(lg[JOIN_YEAR] - 1).fillna(-np.inf).to_numpy()
    overdue = reach & ((year + 1) - ref_next >= cycle_years)
    never = reach & last_all.isna().to_numpy()
    n = len(lg)
    done = lg[DONE].to_numpy()

    proj = (
        lg.assign(_done=done, _over=overdue, _never=never)
        .groupby(Customer.project)
        .agg(
            客户数=("_done", "size"),
            已调查=("_done", "sum"),
            逾期=("_over", "sum"),
            从未调查=("_never", "sum"),
        )
    )
    proj.insert(2, "覆盖率", proj["已调查"] / proj["客户数"])
    proj["样本不足"] = proj["客户数"] < min_n
    by_project = proj.rename_axis(Customer.project).reset_index()

    iy = sv[(sv[Survey.survey_date] >= year_start(year)) & sv[Survey.customer_key].isin(keys)]
    iy = iy.assign(**{Survey.method: iy[Survey.method].fillna(NO_METHOD)})
    meth = iy.groupby(Survey.method).agg(调查次数=(Survey.customer_key, "size"), 客户数=(Survey.customer_key, "nunique"))
    meth["占客户基数"] = meth["客户数"] / n if n else np.nan
    by_method = meth.rename_axis(Survey.method).reset_index()

    cols = [Customer.customer_key, Customer.project, LAST_SURVEY]
    view = lg.assign(**{LAST_SURVEY: last_all.astype("datetime64[ns]")})
    warnings = []
    if n < min_n:
        warnings.append(f"客户基数仅 {n} 人（少于 {min_n} 人），覆盖率波动大，仅供参考。")
    small = by_project.loc[by_project["样本不足"], Customer.project].tolist()
    if small:
        warnings.append(f"以下项目客户少于 {min_n} 人，项目覆盖率仅供参考：{'、'.join(map(str, small))}。")
    n_reach = int(reach.sum())
    return CoverageResult(
        year=year,
        asof=asof,
        cycle_years=cycle_years,
        n_base=n,
        n_opt_out=int((~reach).sum()),
        n_reachable=n_reach,
        n_surveyed=int(done.sum()),
        share=done.sum() / n if n else np.nan,
        n_window_covered=int((covered & reach).sum()),
        rolling_share=(covered & reach).sum() / n_reach if n_reach else np.nan,
        n_window_breach=int((reach & full_cycle & ~covered).sum()),
        n_overdue=int(overdue.sum()),
        n_never=int(never.sum()),
        by_project=by_project,
        by_method=by_method,
        overdue=view.loc[overdue, cols].reset_index(drop=True),
        never_surveyed=view.loc[never, cols].reset_index(drop=True),
        opt_outs=view.loc[~reach, cols].reset_index(drop=True),
        warnings=warnings,
    )
