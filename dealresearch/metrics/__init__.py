"""Headline KPIs: one definition per KPI (sales, satisfaction, survey coverage), computed
once per scope and period, shown by every page that states it and written to metrics.json."""

from __future__ import annotations

from .kpis import KPIS, MIME, compute, kpi, records, table, value

__all__ = ["KPIS", "MIME", "compute", "kpi", "records", "table", "value"]
