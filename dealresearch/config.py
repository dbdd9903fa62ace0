"""Paths and settings. Paths come from $DEALRESEARCH_HOME or the project root."""

from __future__ import annotations

import os
from pathlib import Path

#: results read by people carry a warning below this many observations
MIN_N = 30
#: cells with expected counts below this are flagged in contingency tables
MIN_EXPECTED = 5
#: significance level used for the "significant" flags in reports
ALPHA = 0.05


def home() -> Path:
    """Project home: $DEALRESEARCH_HOME, else the nearest folder up from the
    working directory holding pyproject.toml + dealresearch/, else the source tree."""
    env = os.environ.get("DEALRESEARCH_HOME")
    if env:
        return Path(env).expanduser().resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "dealresearch").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def data_dir(store: str | os.PathLike | None = None) -> Path:
    """The data directory holding raw/, processed/ and interim/."""
    return Path(store).expanduser().resolve() if store is not None else home() / "data"


def processed_dir(store=None) -> Path:
    return data_dir(store) / "processed"


def interim_dir(store=None) -> Path:
    return data_dir(store) / "interim"


def raw_dir(store=None) -> Path:
    return data_dir(store) / "raw"


def sample_dir(store=None) -> Path:
    return raw_dir(store) / "sample"


def reports_dir() -> Path:
    env = os.environ.get("DEALRESEARCH_REPORTS")
    return Path(env).expanduser().resolve() if env else home() / "reports"


def notebooks_dir() -> Path:
    """Report templates shipped with the package source tree."""
    return Path(__file__).resolve().parent.parent / "notebooks"
