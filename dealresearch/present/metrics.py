"""The KPI appendix of a report page and the hand-over of its KPI rows to the runner."""

from __future__ import annotations

import pandas as pd

from ..metrics.kpis import MIME, records, table
from . import base as P


def appendix(rows: pd.DataFrame) -> None:
    """The 口径 appendix of a report: every KPI it cites with window, value, base and
    definition; the rows are handed to the runner for metrics.json (:func:`emit`)."""
    P.heading("附：指标口径", 3)
    if len(rows):
        P.table(table(rows), caption="本报告引用的指标（同一指标在各报告中按同一口径计算、取值一致）")
    else:
        P.note("本报告没有可列出的共用指标。")
    emit(rows)


def emit(rows: pd.DataFrame) -> None:
    """Hand the rows to the report runner (a display output of type :data:`MIME`; the
    page never shows it). Outside a notebook kernel it does nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is None:
        return
    display({MIME: records(rows)}, raw=True)
