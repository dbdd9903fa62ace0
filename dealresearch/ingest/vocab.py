"""Categorical fields → canonical vocabularies (schema.VOCABULARIES).

Synonyms match after NFKC, lower-casing and removing spaces. Unknown values are kept
verbatim (cleaned) and reported, never dropped or forced into a category.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd

from ..schema import VOCABULARIES
from .normalise import by_unique

LIST_SEPARATORS = r"[、，,;；/|\s]+"
LIST_JOIN = "|"  # a separator: never inside a value


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


#: synonyms seen in CRM exports (明源 / 思源 and the like) beyond the schema's own
SYSTEM_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "payment_method": {
        "一次性": ("一次性全款", "一次付清", "全款付款", "一次性付款（全款）"),
        "商业按揭": ("按揭付款", "按揭贷款", "商业按揭贷款", "银行按揭付款", "商业贷款付款", "商贷付款"),
        "公积金": ("公积金按揭贷款", "公积金付款", "住房公积金贷款"),
        "组合贷": ("组合贷款付款", "商业+公积金", "公积金组合贷款", "组合按揭贷款"),
        "分期": ("分期付款（开发商）", "首付分期"),
    },
    "purchase_count": {
        "首次": ("首次置业", "首次购房", "首套房", "第一套", "首置"),
        "二次": ("二次置业", "再次置业", "第二套", "二套房", "二置"),
        "多次": ("多次置业", "三次置业", "三次及以上置业", "三套以上", "第三套", "多套"),
    },
    "purchase_purpose": {
        "自住": ("自己居住", "首次置业自住", "结婚用房"),
        "改善": ("改善住房", "改善居住条件", "住房改善"),
        "投资": ("投资理财", "投资出租"),
        "养老": ("给父母养老", "父母养老"),
        "子女教育": ("子女就学", "子女上学", "学区需求"),
    },
    "awareness_channel": {
        "朋友介绍": ("亲朋介绍", "亲戚朋友介绍", "朋友带看"),
        "老带新": ("老客户推荐", "老业主介绍", "老客户介绍"),
        "户外广告": ("户外广告牌", "道旗", "高炮"),
        "网络": ("微信朋友圈", "朋友圈", "网络推广", "房产网站", "网站", "公众号", "小程序", "抖音直播"),
        "短信": ("短信推广", "短信群发"),
        "电话": ("电话call客", "call客", "电话邀约", "电话拓客", "来电"),
        "路过": ("自然来访", "路过看到", "自行到访"),
        "展会": ("房交会", "外展点", "巡展"),
        "中介": ("中介渠道", "中介带看", "分销渠道", "全民营销"),
    },
    "status": {
        "认购": ("已认购", "认购中", "小定"),
        "签约": ("已签约", "签约完成", "已备案", "备案"),
        "退房": ("已退房", "退房完成", "退订", "作废", "撤销认购", "退认购"),
        "换房": ("换房完成", "调房"),
    },
}
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ROOMS = re.compile(r"([一二两三四五六七八九\d])\s*(?:室|房|居)")
_ROOM_NAMES = {1: "一房", 2: "二房", 3: "三房", 4: "四房"}


@cache
def vocab_index(name: str) -> dict[str, str]:
    """Normalised synonym → canonical value for vocabulary ``name``."""
    index = {_key(s): canon for canon, syns in SYSTEM_SYNONYMS.get(name, {}).items() for s in syns}
    index |= {_key(s): canon for canon, syns in VOCABULARIES[name].items() for s in (canon, *syns)}
    return index


def extended_index(name: str, extra: dict[str, list[str]] | None) -> dict[str, str]:
    """``vocab_index`` with the mapping file's synonyms (which win)."""
    if not extra:
        return vocab_index(name)
    return vocab_index(name) | {_key(s): canon for canon, syns in extra.items() for s in (canon, *syns)}


def rooms(u: pd.Series) -> pd.Series:
    """室厅卫 unit types → 一房 … 五房及以上 (三室两厅两卫 → 三房); others missing."""
    digit = u.str.extract(_ROOMS, expand=False)
    n = pd.to_numeric(digit.map(lambda d: _DIGITS.get(d, d), na_action="ignore"), errors="coerce")
    out = n.map(_ROOM_NAMES, na_action="ignore")
    return out.where(~(n >= 5), "五房及以上").astype("str")


def _lookup(u: pd.Series, name: str, extra=None) -> pd.Series:
    keys = u.str.replace(r"\s+", "", regex=True).str.lower()
    canon = keys.map(extended_index(name, extra)).astype("str")
    if name == "unit_type" and canon.isna().any():
        canon = canon.fillna(rooms(u))
    return canon


def categorical(raw: pd.Series, name: str, extra=None) -> tuple[pd.Series, pd.Series]:
    """``(values, unknown)``: canonical values (a Categorical); unknown non-blank values
    kept verbatim. ``extra``: synonyms from the mapping file (canonical → synonyms)."""

    def fn(u):
        canon = _lookup(u, name, extra)
        return canon.fillna(u), (u.notna() & canon.isna()).to_numpy()

    values, unknown = by_unique(raw, fn, categorical=True)
    return values, unknown.astype(bool)


def multi(raw: pd.Series, name: str, extra=None) -> tuple[pd.Series, pd.Series]:
    """Multi-choice cells (地段、价格/户型) → canonical values per row, held compactly as
    a Categorical of the values joined by ``LIST_JOIN`` (``frames.expand`` and the store
    turn them into lists). Returns ``(values, unknown_tokens)``: ``unknown_tokens`` is a
    per-row list of tokens not in the vocabulary (kept in the values too)."""
    index = extended_index(name, extra)

    def fn(u: pd.Series):
        lists = np.empty(len(u), dtype=object)
        unknown = np.empty(len(u), dtype=object)
        for i, cell in enumerate(u.tolist()):  # distinct cells only, not rows
            tokens = [t for t in re.split(LIST_SEPARATORS, cell)] if isinstance(cell, str) else []
            tokens = [t for t in tokens if t]
            out = list(dict.fromkeys(index.get(_key(t), t) for t in tokens))
            lists[i] = LIST_JOIN.join(out) if tokens else None
            unknown[i] = [t for t in tokens if _key(t) not in index]
        return lists, unknown

    lists, unknown = by_unique(raw, fn, categorical=True)
    return lists, unknown.astype(object)


def unknown_counts(values: pd.Series, unknown: pd.Series) -> dict[str, int]:
    """Counts of unknown raw values (for the summary), most frequent first."""
    vc = values[unknown.to_numpy(dtype=bool)].value_counts()
    return {str(k): int(v) for k, v in vc.items() if v}  # a Categorical counts unseen values as 0


def unknown_token_counts(tokens: pd.Series) -> dict[str, int]:
    flat = tokens.dropna().explode().dropna()
    return {str(k): int(v) for k, v in flat.value_counts().items()}
