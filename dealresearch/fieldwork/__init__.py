"""Excel lists for the field teams: the follow-up list, the survey plan, the target
template (``xlsx``: the one injection-safe workbook writer)."""
