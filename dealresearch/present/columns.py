"""One registry of table columns: name → Chinese label → display kind (issue #14.3).

Built from the canonical labels of :mod:`dealresearch.schema` and the per-area mappings an
area package exposes as ``COLUMNS`` (``{name: (label, kind)}``, in the package or its
``columns`` module). Kinds are :data:`dealresearch.fmt.KINDS`, plus ``"text"`` (no fixed
number format: the table decides) and ``"flag"`` (是/否).

Asking for something that does not exist is an error, never a silent fallback:
:func:`label` of an unknown name and :func:`check_kind` of an unknown kind raise
:class:`~dealresearch.errors.ParameterError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .. import fmt, metrics, profile, sales, satisfaction, schema, segments, strategy, survey_plan
from ..errors import ParameterError

#: kinds a column may have: the number rules of dealresearch.fmt, plain text and 是/否
KINDS: tuple[str, ...] = (*fmt.KINDS, "text", "flag")
#: area packages whose ``COLUMNS`` mapping is read (present must not import ingest/report/synth)
#: the packages whose ``COLUMNS`` (name → (label, kind)) add to the schema labels
AREAS = {"profile": profile, "satisfaction": satisfaction, "survey_plan": survey_plan, "segments": segments,
         "sales": sales, "metrics": metrics, "strategy": strategy}


@dataclass(frozen=True)
class ColumnInfo:
    """One registered column: its reader-facing label, display kind and where it came from."""

    name: str
    label: str
    kind: str | None  # one of KINDS; None: chosen by the header (fmt.kind_for)
    source: str  # "schema" or the area's name


def check_kind(kind: str, key: str | None = None) -> str:
    """``kind`` when it is a known display kind, else ParameterError (naming ``key``)."""
    if kind not in KINDS:
        where = f"列 {key!r} 的" if key is not None else ""
        raise ParameterError(f"{where}显示格式 {kind!r} 不存在（可用：{'、'.join(KINDS)}）")
    return kind


def _area_mapping(area: str) -> dict:
    """An area's ``COLUMNS``; {} when it has none."""
    mapping = getattr(AREAS[area], "COLUMNS", None)
    return dict(mapping) if isinstance(mapping, dict) else {}


@cache
def registry() -> dict[str, ColumnInfo]:
    """Every known column. Schema labels first; an area's mapping adds its columns and a kind,
    the first area to name a column wins (:func:`conflicts` lists disagreements)."""
    out = {name: ColumnInfo(name, text, None, "schema") for name, text in schema.LABELS.items()}
    for area in AREAS:
        for name, (text, kind) in _area_mapping(area).items():
            check_kind(kind, name)
            known = out.get(name)
            if known is None or known.source == "schema":
                out[name] = ColumnInfo(name, text, kind, area)
    return out


def conflicts() -> list[tuple[str, str, str]]:
    """(name, area, label) of area mappings whose label for a column differs from the registry's."""
    reg = registry()
    return [(name, area, text) for area in AREAS for name, (text, _) in _area_mapping(area).items()
            if reg[name].label != text]


def info(name: str) -> ColumnInfo:
    """The registered column ``name``; ParameterError when it is not registered."""
    found = registry().get(str(name))
    if found is None:
        raise ParameterError(f"列 {name!r} 没有登记中文名称和显示格式")
    return found


def label(name: str) -> str:
    """Chinese label of a registered column (ParameterError for an unknown name)."""
    return info(name).label


def header(name) -> str:
    """The header a table shows for column ``name``: its registered label, else the name as
    given (tables whose columns are already reader-facing text)."""
    found = registry().get(str(name))
    return found.label if found is not None else str(name)


def kind(name) -> str | None:
    """The default display kind of column ``name``: the registered number kind, else the one
    its header implies (``fmt.kind_for``); None for text and unknown columns."""
    found = registry().get(str(name))
    if found is not None and found.kind is not None and found.kind != "text":
        return found.kind
    return fmt.kind_for(header(name))
