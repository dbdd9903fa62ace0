"""Findings table columns, the context findings read, and row construction."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ... import sales
from ...config import ALPHA, MIN_N
from ...periods import Period
from ...schema import Deal


class FindingColumns:
    """Columns of the findings table (new, owned here)."""

    finding = "finding"
    project = "project"  # scope: a project name or 集团
    subject = "subject"  # channel, unit type, rep, driver ...
    figure = "figure"  # Chinese name of the figure
    value = "value"
    base = "base"
    delta = "delta"
    n = "n"
    n_base = "n_base"
    period = "period"
    base_period = "base_period"
    test = "test"
    p_value = "p_value"
    tag = "tag"  # a class label (IPA quadrant, attainment status ...)
    amount = "amount"  # money at stake (元): lost, missing or cancelled signing
    affected = "affected"  # customers (or units) the problem concerns
    unit = "unit"
    source = "source"  # which analysis produced it
    available = "available"
    reason = "reason"


COLUMNS: tuple[str, ...] = tuple(v for k, v in vars(FindingColumns).items() if not k.startswith("_"))
Z_TEST = "双比例z检验（合并方差，双侧）"
GROUP = sales.GROUP_UNIT


class Insufficient(Exception):
    """The data cannot support a finding (message: the reason, in Chinese)."""


@dataclass
class Context:
    """Everything findings may use. Only ``deals`` and ``period`` are required."""

    deals: pd.DataFrame
    period: Period
    project: str | None = None
    history: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    supply: pd.DataFrame | None = None  # project, unit_type, units (available stock)
    asof: pd.Timestamp | None = None
    against: str = "qoq"
    min_n: int = MIN_N
    alpha: float = ALPHA
    #: a dict shared by the contexts of several scopes computed on the same inputs (e.g. the
    #: projects of strategy.project_recommendations): group-wide results are computed once
    shared: dict | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: tuple, compute):
        """``compute()``, cached under ``key`` for these inputs (deals, history, targets, asof).

        Only results that do not depend on ``project`` may be cached this way. An entry is
        reused only when it was computed on the very same input objects."""
        store = self._cache if self.shared is None else self.shared
        inputs = (self.deals, self.history, self.targets)
        hit = store.get((key, self.asof))
        if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
            return hit[1]
        value = compute()
        store[(key, self.asof)] = (inputs, value)
        return value

    @property
    def scope_name(self) -> str:
        return self.project or GROUP

    @property
    def project_deals(self) -> pd.DataFrame:
        d = self.deals
        return d if self.project is None else d[d[Deal.project] == self.project]

    @property
    def events(self) -> pd.DataFrame:
        return self.memo(("events",), lambda: sales.events(self.deals, self.history))

    @property
    def survey_window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Surveys used for satisfaction findings: the 12 months ending with the period."""
        end = self.period.end
        return end - pd.DateOffset(years=1) + pd.Timedelta(days=1), end


def _rows(**cols) -> pd.DataFrame:
    df = pd.DataFrame(cols)
    for c in COLUMNS:
        if c not in df:
            df[c] = np.nan if c in (FindingColumns.value, FindingColumns.base, FindingColumns.delta, FindingColumns.p_value, FindingColumns.n_base, FindingColumns.amount, FindingColumns.affected) else None
    df[FindingColumns.available] = True
    df[FindingColumns.reason] = ""
    return df[list(COLUMNS)]
