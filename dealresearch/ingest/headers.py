"""Header matching: raw export headers → canonical columns.

Public, stable API (also used by ``ingest.targets``)::

    key, unit = normalise_header("成交总价（万元）")      # ("成交总价", "万元")
    m = match_headers(headers, columns, aliases=None)  # -> HeaderMatch
    m.require(columns, file=..., sheet=...)            # MissingColumnsError if needed
    aliases = load_aliases("aliases.toml")             # {"total_price": ["房款总额"]}

Matching tolerates spaces, full-width characters, case, a trailing ``*`` and a unit in
brackets (or after a slash); the unit scales values (万元 → ×10,000).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError, MissingColumnsError
from ..schema import Column

_BRACKETS = re.compile(r"[(\[【<{]([^)\]】>}]*)[)\]】>}]")
_UNIT_SUFFIX = re.compile(r"(?:/|单位[:：]?)?(万元|亿元|元/m2|元/平方米|元|万|m2|平方米|平米|%)$")

#: header unit → multiplier of the values (values carrying their own unit keep it)
UNIT_SCALES: dict[str, float] = {"万元": 1e4, "万": 1e4, "亿元": 1e8, "亿": 1e8}


def normalise_header(header: object) -> tuple[str, str]:
    """``(key, unit)`` of a raw header: NFKC, lower case, no spaces, ``*`` dropped,
    bracketed unit split off (``成交总价（万元）`` → ``("成交总价", "万元")``)."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header)).lower()
    text = re.sub(r"\s+", "", text).strip("*:：")
    units = _BRACKETS.findall(text)
    key = _BRACKETS.sub("", text)
    unit = units[-1] if units else ""
    return key, unit


def _key_variants(header: object) -> list[tuple[str, str]]:
    key, unit = normalise_header(header)
    out = [(key, unit)]
    m = _UNIT_SUFFIX.search(key)
    if not unit and m and m.start() > 0:
        out.append((key[: m.start()], m.group(1)))
    return out


def alias_index(
    columns: Iterable[Column], aliases: Mapping[str, Iterable[str]] | None = None
) -> dict[str, str]:
    """Normalised alias → canonical name (user aliases take precedence)."""
    index: dict[str, str] = {}
    for col in columns:
        for a in (col.name, col.label, *col.aliases):
            index.setdefault(normalise_header(a)[0], col.name)
    for name, extra in (aliases or {}).items():
        for a in [extra] if isinstance(extra, str) else extra:
            index[normalise_header(a)[0]] = name
    return index


def header_hits(cells: Iterable[object], index: Mapping[str, str]) -> int:
    """How many cells of a candidate header row name a known column."""
    return sum(any(k in index for k, _ in _key_variants(c)) for c in cells if c not in (None, ""))


@dataclass
class HeaderMatch:
    """Result of matching one table's headers.

    ``sources[name]`` lists the raw headers mapped to canonical ``name`` (first = primary,
    others fill its gaps); ``scales[name]`` multiplies values; ``units[name]`` is the unit
    read from the header; ``unmatched`` are headers that named nothing known.
    """

    headers: list[str]
    sources: dict[str, list[str]] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)

    def missing(self, columns: Iterable[Column]) -> list[Column]:
        return [c for c in columns if c.required and c.name not in self.sources]

    def require(self, columns: Iterable[Column], *, file: str, sheet: str | None = None) -> None:
        """Raise MissingColumnsError naming missing fields, headers found and the closest
        header to each missing field."""
        missing = self.missing(columns)
        if not missing:
            return
        found = [h for h in self.headers if h]
        keys = {normalise_header(h)[0]: h for h in found}
        lines = []
        for col in missing:
            best = (
                difflib.get_close_matches(normalise_header(col.label)[0], list(keys), n=1, cutoff=0.3)
                or [
                    m
                    for a in col.aliases
                    for m in difflib.get_close_matches(normalise_header(a)[0], list(keys), n=1, cutoff=0.4)
                ][:1]
            )
            hint = f"（最接近的表头：“{keys[best[0]]}”）" if best else "（没有相近的表头）"
            lines.append(f"  - {col.label}（可用表头：{'、'.join(col.aliases[:4])}）{hint}")
        where = f"{file}" + (f" 工作表“{sheet}”" if sheet else "")
        raise MissingColumnsError(
            f"{where} 缺少必需的列：\n" + "\n".join(lines) + f"\n文件中的表头：{'、'.join(found)}\n"
            "可在 aliases 参数或别名配置文件（TOML，[aliases] 段）中为这些列添加表头别名。"
        )


def match_headers(
    headers: Iterable[object],
    columns: Iterable[Column],
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> HeaderMatch:
    """Map raw headers to canonical columns of ``columns``."""
    columns = tuple(columns)
    index = alias_index(columns, aliases)
    kinds = {c.name: c.kind for c in columns}
    headers = ["" if h is None else str(h) for h in headers]
    m = HeaderMatch(headers=headers)
    for h in headers:
        if not h:
            continue
        for key, unit in _key_variants(h):
            name = index.get(key)
            if name is not None:
                m.sources.setdefault(name, []).append(h)
                if name not in m.scales:
                    m.units[name] = unit
                    m.scales[name] = UNIT_SCALES.get(unit, 1.0) if kinds.get(name) in ("money", None) else 1.0
                break
        else:
            m.unmatched.append(h)
    return m


def load_aliases(path: str | Path) -> dict[str, list[str]]:
    """User aliases from a TOML file::

    [aliases]
    total_price = ["房款总额", "总房款"]
    phone = "客户手机"
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputFileError(f"找不到别名配置文件：{p}") from e
    except tomllib.TOMLDecodeError as e:
        raise InputFileError(f"别名配置文件格式错误：{p}（{e}）") from e
    table = data.get("aliases", data)
    return {k: [v] if isinstance(v, str) else list(v) for k, v in table.items()}


def resolve_aliases(aliases) -> dict[str, list[str]] | None:
    """``aliases`` may be a mapping, a TOML path, or None."""
    if aliases is None or isinstance(aliases, Mapping):
        return aliases
    return load_aliases(aliases)
