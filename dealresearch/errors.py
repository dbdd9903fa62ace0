"""One error family. Messages are Chinese, for analysts, and name file / row / column."""

from __future__ import annotations


class DealResearchError(Exception):
    """Base of every error dealresearch raises on purpose."""


class InputFileError(DealResearchError):
    """An input file is missing, unreadable or not a table we understand."""


class MissingColumnsError(InputFileError):
    """Required columns are not among the headers of a file."""


class DataError(DealResearchError):
    """Data present but unusable for the asked analysis (too few rows, constant items...)."""


class ParameterError(DealResearchError):
    """A parameter (period, project, option) is malformed or unknown."""


class CapacityError(DealResearchError):
    """The survey plan cannot fit the must-survey customers into the capacity given."""


class ReportError(DealResearchError):
    """A report run failed."""
