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

#: field names of the CRM systems analysts export from (明源 / 思源 and the like), by
#: canonical column; matched after the schema's own aliases and before nothing else.
#: Within a column the earlier alias is preferred (a 移动电话 before a 联系方式 landline).
SYSTEM_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_no": ("房间", "房间编号", "房号", "房间号"),
    "unit_full": ("房间全称", "房号全称", "房屋全称", "房间全名", "房源全称"),
    "unit_entrance": ("单元", "单元号"),
    "customer_name": ("客户名称", "客户姓名", "业主姓名", "买受人", "购房人"),
    "phone": ("移动电话", "手机号码", "手机号", "手机", "客户手机", "联系电话", "联系方式", "电话",
              "固定电话", "家庭电话", "办公电话", "您的手机号码", "手机号码是"),
    "id_number": ("证件号码", "证件号", "身份证号码", "身份证号"),
    "subscribe_date": ("认购时间", "认购日期", "认购日"),
    "sign_date": ("签约时间", "签约日期", "网签日期", "网签时间"),
    "total_price": ("合同总价", "签约总价", "成交总价", "认购总价", "房间总价", "成交金额", "合同金额"),
    "unit_type": ("户型", "房型", "户型结构", "业态", "产品类型"),
    "status": ("交易状态", "状态", "房间状态", "合同状态", "销售状态"),
    "purchase_count": ("置业次数", "购房次数", "第几次置业"),
    "awareness_channel": ("认知途径", "认知渠道", "获知途径", "来访渠道", "媒体渠道"),
    "status_date": ("退房日期", "退房时间", "换房日期", "变更日期", "变更时间", "关闭日期", "作废日期"),
}
#: headers of those systems that are known and deliberately not imported (listed as such)
KNOWN_IGNORED: tuple[str, ...] = (
    "序号", "证件类型", "套内面积", "分期", "楼层", "来源", "来源详情", "来自IP",
    "来自ip", "开始答题时间", "结束答题时间", "用户标识", "答卷编号",
)


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
    columns = tuple(columns)
    for col in columns:
        for a in (col.name, col.label, *col.aliases):
            index.setdefault(normalise_header(a)[0], col.name)
    for col in columns:
        for a in SYSTEM_ALIASES.get(col.name, ()):
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

    def require(
        self, columns: Iterable[Column], *, file: str, sheet: str | None = None, snippet: str = ""
    ) -> None:
        """Raise MissingColumnsError naming missing fields, headers found and the closest
        header to each missing field (and, given, the mapping snippet to paste)."""
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
            "可在映射文件（项目目录下的 dealresearch.toml，或用 --mapping 指定；API 的 mapping= 参数）"
            "中为这些列添加表头别名"
            + (f"，可直接粘贴下面的片段（请核对猜测）：\n{snippet}" if snippet else "。")
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
    for name, labels in m.sources.items():
        if len(labels) > 1:
            labels.sort(key=lambda h, name=name: _rank(h, name, aliases))
    return m


def _rank(header: str, name: str, aliases) -> int:
    """Preference of a header among several naming one column: a user alias first, then
    the order of ``SYSTEM_ALIASES`` (mobile before landline), then anything else."""
    key = normalise_header(header)[0]
    user = [normalise_header(a)[0] for a in _as_list((aliases or {}).get(name, ()))]
    if key in user:
        return user.index(key)
    system = [normalise_header(a)[0] for a in SYSTEM_ALIASES.get(name, ())]
    return 100 + (system.index(key) if key in system else 99)


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def load_aliases(path: str | Path) -> dict[str, list[str]]:
    """User aliases from a TOML file::

    [aliases]
    total_price = ["房款总额", "总房款"]
    phone = "客户手机"
    """
    data = read_toml(Path(path), "别名配置文件")
    table = data.get("aliases", data)
    return {k: [v] if isinstance(v, str) else list(v) for k, v in table.items()}


def resolve_aliases(aliases) -> dict[str, list[str]] | None:
    """``aliases`` may be a mapping, a TOML path, or None."""
    if aliases is None or isinstance(aliases, Mapping):
        return aliases
    return load_aliases(aliases)


def read_toml(p: Path, what: str) -> dict:
    """A TOML file the user wrote (``what`` names it in the Chinese error)."""
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputFileError(f"找不到{what}：{p}") from e
    except tomllib.TOMLDecodeError as e:
        raise InputFileError(f"{what}格式错误：{p}（{e}）") from e
