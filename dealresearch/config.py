"""Paths and settings. Paths come from $DEALRESEARCH_HOME or the project root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: the package version (pyproject's [project].version)
VERSION = "0.1.0"

#: results read by people carry a warning below this many observations
MIN_N = 30
#: cells with expected counts below this are flagged in contingency tables
MIN_EXPECTED = 5
#: significance level used for the "significant" flags in reports
ALPHA = 0.05


@dataclass(frozen=True)
class Limits:
    """Input limits, checked before damage is done (the data-quality output states them).

    Excel files are refused before parsing when a sheet declares more cells than
    ``xlsx_max_cells`` (about 2 million rows of 60 columns), when the sheets inflate past
    ``xlsx_max_bytes``, or when they inflate more than ``xlsx_max_ratio`` times their packed
    size past ``xlsx_ratio_floor_bytes`` (a "zip bomb"; real exports pack 5–20×). A CSV field longer than
    ``csv_max_field_chars`` is refused. Deal rows with a total price ≤ 0 or above
    ``total_price_max`` 元, an area ≤ 0, or a unit price outside ``unit_price_band`` 元/㎡
    are rejected."""

    xlsx_max_cells: int = 2_000_000 * 60
    xlsx_max_bytes: int = 4 << 30
    xlsx_max_ratio: float = 100.0
    xlsx_ratio_floor_bytes: int = 64 << 20  # the ratio is only checked past this size
    csv_max_field_chars: int = 1 << 20
    total_price_max: float = 1e10
    unit_price_band: tuple[float, float] = (100.0, 1_000_000.0)


LIMITS = Limits()


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


#: file in processed/ naming the store's current generation (see ``ingest.generations``)
STORE_POINTER = "CURRENT"


def store_folder(store=None, which: str = "processed") -> Path:
    """The folder holding the current tables: ``processed/<generation>`` (or ``interim/…``),
    or the folder itself for a store written before generations existed."""
    root = processed_dir(store) if which == "processed" else interim_dir(store)
    try:
        name = (processed_dir(store) / STORE_POINTER).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return root
    return root / name


def raw_dir(store=None) -> Path:
    return data_dir(store) / "raw"


def sample_dir(store=None) -> Path:
    return raw_dir(store) / "sample"


def reports_dir() -> Path:
    env = os.environ.get("DEALRESEARCH_REPORTS")
    return Path(env).expanduser().resolve() if env else home() / "reports"


def notebooks_dir() -> Path:
    """Report templates shipped with the package source tree."""
    return Path(__file__).resolve().parent.parent / "notebooks" / "reports"
