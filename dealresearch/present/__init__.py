"""Presentation: report primitives (``base``: headings, KPI cards, tables, figures) and one
module per report whose section functions render the analyses of that report."""
