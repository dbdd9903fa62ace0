"""The segments review: every result the 客户细分 report shows, computed once.

    r = segments.review(deals, surveys, period="2026Q3", project=None, k=None, seed=0)
    r.value_potential   # ValuePotential (3 × 3 classes) or Unavailable
    r.personas          # fitted Personas (scikit-learn shape) or Unavailable
    r.rfm               # RFM table indexed by customer, or Unavailable

The customer base is every deal signed up to the end of ``period`` whose current status
is 认购 / 签约 / 换房 (退房 excluded), for the group or one project. A part the data cannot
support is an :class:`~dealresearch.results.Unavailable` with the reason; the report's
sentences are written by ``dealresearch.present.segments``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..errors import DealResearchError, ParameterError
from ..periods import Period, parse_period
from ..results import Unavailable
from ..schema import Deal
from .personas import Personas
from .rfm import rfm
from .value_potential import ACTIVE_STATUSES, ValuePotential, customer_rows, value_potential

__all__ = ["SegmentsReview", "review"]


@dataclass(frozen=True)
class SegmentsReview:
    """Result of :func:`review` (see the module docstring)."""

    period: Period
    project: str | None
    statuses: tuple[str, ...]
    asof: pd.Timestamp
    deals: pd.DataFrame
    n: int
    value_potential: ValuePotential | Unavailable
    personas: Personas | Unavailable
    rfm: pd.DataFrame | Unavailable
    with_surveys: bool
    warnings: tuple[str, ...] = ()


def customer_base(deals: pd.DataFrame, period: Period, project: str | None = None,
                  statuses: Sequence[str] = ACTIVE_STATUSES) -> pd.DataFrame:
    """Deals signed up to the end of ``period`` with a current status in ``statuses``
    (of ``project`` when given)."""
    if Deal.sign_date not in deals:
        raise ParameterError("成交数据中没有签约日期，无法确定客户基数。")
    cut = period.end.normalize() + pd.Timedelta(days=1)
    mask = (pd.to_datetime(deals[Deal.sign_date]) < cut).fillna(False)
    mask &= deals[Deal.status].astype("string").isin(list(statuses)).fillna(False)
    if project is not None:
        known = deals[Deal.project].astype("string")
        if not (known == project).any():
            names = "、".join(sorted(known.dropna().unique())[:20])
            raise ParameterError(f"项目“{project}”在成交数据中不存在；现有项目：{names}。")
        mask &= (known == project).fillna(False)
    return deals.loc[mask.to_numpy()]


def _part(fn):
    """Run one part; a data problem becomes Unavailable with its (Chinese) message."""
    try:
        return fn()
    except DealResearchError as exc:
        return Unavailable(str(exc))


def review(
    deals: pd.DataFrame,
    surveys: pd.DataFrame | None = None,
    *,
    period,
    project: str | None = None,
    k: int | str | None = None,
    seed: int = 0,
    k_range: tuple[int, int] = (2, 8),
    statuses: Sequence[str] = ACTIVE_STATUSES,
) -> SegmentsReview:
    """Value × potential classes, personas (``k``: None / "auto" = chosen by silhouette
    in ``k_range``, or an int) and RFM groups of the customers up to the end of ``period``."""
    p = parse_period(period)
    base = customer_base(deals, p, project, statuses)
    vp = _part(lambda: value_potential(base, surveys))
    personas = _part(lambda: Personas(k="auto" if k is None else k, seed=seed, k_range=k_range)
                     .fit(customer_rows(base)))
    table = _part(lambda: rfm(base, asof=p.end))
    n = vp.n if isinstance(vp, ValuePotential) else 0
    return SegmentsReview(
        period=p, project=project, statuses=tuple(statuses), asof=p.end, deals=base, n=n,
        value_potential=vp, personas=personas, rfm=table, with_surveys=surveys is not None,
        warnings=tuple(vp.warnings) if isinstance(vp, ValuePotential) else (),
    )
