"""Derived deal fields for profiling: bands, days to signing, locality, repeat buyers, referrals.

Every function takes the deals table (schema.DEAL_STORE_COLUMNS, or any subset) and
returns a new frame or Series; nothing is modified in place. ``derive(deals)`` adds all
derived columns at once; compute it on the *full* history before narrowing the scope
(``profile.scope`` does this), otherwise "repeat buyer" cannot see earlier deals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ParameterError
from .schema import AGE_BANDS, DEAL_COLUMNS, VOCABULARIES, Deal
from .schema import label as _schema_label


# ---------------------------------------------------------- derived column names (new)
class Derived:
    """Derived column names (defined here, owned by the profile module)."""

    age_band = "age_band"
    area_band = "area_band"
    total_price_band = "total_price_band"
    unit_price_band = "unit_price_band"
    days_to_sign = "days_to_sign"
    days_to_sign_band = "days_to_sign_band"
    project_province = "project_province"
    locality = "locality"  # 本地 / 外地
    origin_scope = "origin_scope"  # 本省 / 外省 (by ID origin province)
    repeat_buyer = "repeat_buyer"  # 复购 / 首购
    referral = "referral"  # 老带新 / 非老带新


DERIVED_LABELS: dict[str, str] = {
    Derived.age_band: "年龄段",
    Derived.area_band: "面积段",
    Derived.total_price_band: "总价段",
    Derived.unit_price_band: "单价段",
    Derived.days_to_sign: "首访至签约天数",
    Derived.days_to_sign_band: "首访至签约周期",
    Derived.project_province: "项目所在省份",
    Derived.locality: "本地/外地",
    Derived.origin_scope: "籍贯省内/省外",
    Derived.repeat_buyer: "是否复购",
    Derived.referral: "是否老带新",
}

# ------------------------------------------------------------------ default bands
#: area bands (㎡): 90 and 144 ㎡ are the usual policy / product thresholds in China
AREA_EDGES: tuple[float, ...] = (0, 60, 90, 120, 144, 180, np.inf)
#: total price bands, in 元 (labelled in 万元)
TOTAL_PRICE_EDGES: tuple[float, ...] = (0, 1e6, 2e6, 3e6, 5e6, 8e6, np.inf)
#: days from first visit to signing
DAYS_EDGES: tuple[float, ...] = (-0.5, 7, 30, 90, 180, np.inf)
DAYS_LABELS: tuple[str, ...] = ("7天内", "8–30天", "31–90天", "91–180天", "180天以上")
#: numeric fields without fixed edges are cut into this many quantile bands
QUANTILE_BANDS = 5
UNDER_18 = "18岁以下"

#: city (without 市) → province, for the locality test; extend as projects open
CITY_PROVINCE: dict[str, str] = {
    **{c: c for c in ("北京", "上海", "天津", "重庆")},
    **{
        c: "广东"
        for c in ("广州", "深圳", "佛山", "东莞", "珠海", "中山", "惠州", "江门", "汕头", "湛江", "肇庆")
    },
    **{c: "浙江" for c in ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州", "舟山", "义乌")},
    **{
        c: "江苏"
        for c in ("南京", "苏州", "无锡", "常州", "南通", "扬州", "徐州", "镇江", "泰州", "盐城", "昆山")
    },
    **{c: "四川" for c in ("成都", "绵阳", "德阳", "宜宾")},
    **{c: "湖北" for c in ("武汉", "宜昌", "襄阳")},
    **{c: "湖南" for c in ("长沙", "株洲", "湘潭")},
    **{c: "山东" for c in ("济南", "青岛", "烟台", "潍坊", "临沂")},
    **{c: "福建" for c in ("福州", "厦门", "泉州", "漳州")},
    **{c: "河南" for c in ("郑州", "洛阳")},
    **{c: "河北" for c in ("石家庄", "保定", "廊坊", "唐山")},
    **{c: "陕西" for c in ("西安", "咸阳")},
    **{c: "安徽" for c in ("合肥", "芜湖")},
    **{c: "江西" for c in ("南昌", "赣州")},
    **{c: "辽宁" for c in ("沈阳", "大连")},
    "长春": "吉林",
    "哈尔滨": "黑龙江",
    "太原": "山西",
    "呼和浩特": "内蒙古",
    "南宁": "广西",
    "桂林": "广西",
    "海口": "海南",
    "三亚": "海南",
    "贵阳": "贵州",
    "昆明": "云南",
    "兰州": "甘肃",
    "西宁": "青海",
    "银川": "宁夏",
    "乌鲁木齐": "新疆",
    "拉萨": "西藏",
    "香港": "香港",
    "澳门": "澳门",
}
_LOCAL_WORDS = ("本市", "本地", "市内", "本区")
_DISTRICT_SUFFIXES = ("区", "县", "镇", "街道", "乡")
_OTHER_WORDS = tuple(sorted({*CITY_PROVINCE, *CITY_PROVINCE.values(), "外地", "外省", "外市"}))
_PROVINCE_SUFFIXES = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区")


def province_of_city(city: pd.Series) -> pd.Series:
    """Province of each city name ("杭州" or "杭州市" → "浙江"); unknown → <NA>."""
    c = city.astype("string").str.strip().str.removesuffix("市")
    return c.map(CITY_PROVINCE).astype("string")


def normalise_province(province: pd.Series) -> pd.Series:
    """ "浙江省" / "浙江" / "广西壮族自治区" → "浙江" / "广西"."""
    p = province.astype("string").str.strip()
    for suffix in sorted(_PROVINCE_SUFFIXES, key=len, reverse=True):
        p = p.where(
            ~p.str.endswith(suffix, na=False) | (p.str.len() <= len(suffix)), p.str.slice(0, -len(suffix))
        )
    return p


# -------------------------------------------------------------------------- bands
def age_band(age: pd.Series) -> pd.Series:
    """Age bands of schema.AGE_BANDS (ordered categorical); under 18 → "18岁以下"."""
    edges = [-np.inf, 17.5] + [hi + 0.5 for _, hi, _ in AGE_BANDS]
    labels = [UNDER_18] + [lab for _, _, lab in AGE_BANDS]
    a = pd.to_numeric(age, errors="coerce").astype("float64")
    return pd.cut(a, edges, labels=labels, right=True)


def _edge_labels(edges, scale: float, unit: str) -> list[str]:
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        lo_s, hi_s = f"{lo / scale:g}", f"{hi / scale:g}"
        if lo <= 0:
            out.append(f"{hi_s}{unit}以下")
        elif np.isinf(hi):
            out.append(f"{lo_s}{unit}以上")
        else:
            out.append(f"{lo_s}–{hi_s}{unit}")
    return out


def cut_edges(values: pd.Series, edges, scale: float = 1.0, unit: str = "") -> pd.Series:
    """Ordered bands from fixed edges (left-open, right-closed), labelled in ``unit``."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    return pd.cut(v, list(edges), labels=_edge_labels(list(edges), scale, unit), right=True)


def quantile_bands(
    values: pd.Series, q: int = QUANTILE_BANDS, scale: float = 1.0, unit: str = ""
) -> pd.Series:
    """Ordered bands at the data's quantiles (duplicate edges merged), labelled by range."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    finite = v.dropna()
    if finite.empty:
        return pd.Series(pd.Categorical([None] * len(v)), index=v.index)
    edges = np.unique(np.quantile(finite.to_numpy(), np.linspace(0, 1, q + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0]])
    edges = edges.astype("float64")
    edges[0], edges[-1] = -np.inf, np.inf
    labels = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if np.isinf(lo):
            labels.append(f"{hi / scale:,.0f}{unit}及以下")
        elif np.isinf(hi):
            labels.append(f"{lo / scale:,.0f}{unit}以上")
        else:
            labels.append(f"{lo / scale:,.0f}–{hi / scale:,.0f}{unit}")
    if len(labels) != len(set(labels)):  # rounding collided: fall back to ranks
        labels = [f"第{i + 1}档" for i in range(len(labels))]
    return pd.cut(v, edges, labels=labels, right=True)


# ----------------------------------------------------------------- derived fields
def days_to_sign(deals: pd.DataFrame) -> pd.Series:
    """Days from first visit to signing (negative spans are data errors → <NA>)."""
    days = (pd.to_datetime(deals[Deal.sign_date]) - pd.to_datetime(deals[Deal.first_visit_date])).dt.days
    return days.where(days >= 0).astype("Int64")


def _locality_of(city: str, residence: str) -> str | None:
    """本地 / 外地 / None for one (project city, residence text) pair."""
    if not residence:
        return None
    if (city and city in residence) or any(w in residence for w in _LOCAL_WORDS):
        return "本地"
    if any(w in residence for w in _OTHER_WORDS):
        return "外地"
    if residence.endswith(_DISTRICT_SUFFIXES):  # CRM forms record the district of the project city
        return "本地"
    return None


def locality(deals: pd.DataFrame) -> pd.Series:
    """本地 / 外地 per deal.

    Rule: the project city comes from the deals' ``city`` column. If ``residence_area``
    names the project city (or says 本市/本地), the buyer is 本地; if it names another
    known city or province (or says 外地/外省), 外地; a bare district / county name
    ("西湖区", "余杭区") is read as a district of the project city → 本地. Otherwise fall
    back to the ID origin province vs the project's province (same province → 本地).
    Unknown on both → <NA>.
    Evaluated once per distinct (city, residence) pair, so it is cheap on large tables.
    """
    out = pd.Series(pd.NA, index=deals.index, dtype="string")
    if Deal.city not in deals:
        return out
    city = deals[Deal.city].astype("string").str.strip().str.removesuffix("市").fillna("")
    if Deal.residence_area in deals:
        res = deals[Deal.residence_area].astype("string").str.strip().fillna("")
        pairs = pd.DataFrame({"c": city, "r": res})
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(pairs))
        verdict = np.array([_locality_of(c, r) for c, r in uniq], dtype=object)
        out = pd.Series(verdict[codes], index=deals.index).astype("string")
    if Deal.origin_province in deals:
        orig = normalise_province(deals[Deal.origin_province])
        proj_prov = province_of_city(city.replace("", pd.NA))
        known = out.isna() & orig.notna() & proj_prov.notna()
        out = out.mask(known & (orig == proj_prov), "本地").mask(known & (orig != proj_prov), "外地")
    return out


def origin_scope(deals: pd.DataFrame) -> pd.Series:
    """本省 / 外省 by ID origin province vs the project's province."""
    if Deal.origin_province not in deals or Deal.city not in deals:
        return pd.Series(pd.NA, index=deals.index, dtype="string")
    orig = normalise_province(deals[Deal.origin_province])
    proj = province_of_city(deals[Deal.city])
    out = pd.Series(pd.NA, index=deals.index, dtype="string")
    ok = orig.notna() & proj.notna()
    return out.mask(ok & (orig == proj), "本省").mask(ok & (orig != proj), "外省")


def is_repeat_buyer(deals: pd.DataFrame, date_col: str = Deal.sign_date) -> pd.Series:
    """True when the same customer_key has a deal on an earlier date.

    Dates are ``date_col`` falling back to subscribe_date. Earlier deals count whatever
    their final status: a deal cancelled (退房) later still shows the customer had bought
    before (CRM 置业次数 says 二次 for them too). Same-day deals are not repeats of each other.
    """
    date = pd.to_datetime(deals[date_col])
    if Deal.subscribe_date in deals:
        date = date.fillna(pd.to_datetime(deals[Deal.subscribe_date]))
    first = date.groupby(deals[Deal.customer_key]).transform("min")
    return (date > first).fillna(False).astype(bool)


def is_referral(deals: pd.DataFrame) -> pd.Series:
    """True for 老带新: awareness channel 老带新 or a referrer_key present."""
    out = pd.Series(False, index=deals.index)
    if Deal.awareness_channel in deals:
        out |= (deals[Deal.awareness_channel].astype("string") == "老带新").fillna(False)
    if Deal.referrer_key in deals:
        ref = deals[Deal.referrer_key].astype("string").str.strip()
        out |= (ref.notna() & (ref != "")).fillna(False)
    return out.astype(bool)


def derive(deals: pd.DataFrame, date_col: str = Deal.sign_date, columns=None) -> pd.DataFrame:
    """The deals with every derived column added (columns missing inputs are skipped).

    ``columns``: add only these derived columns (names of :class:`X`); the default adds
    all. Each derived column depends only on raw columns, so a subset has the same values
    as the full derivation (callers that need two bands need not pay for locality)."""
    out = deals.copy()
    cols = set(deals.columns)
    want = None if columns is None else set(columns)

    def needed(*names: str) -> bool:
        return want is None or not want.isdisjoint(names)

    if Deal.age in cols and needed(Derived.age_band):
        out[Derived.age_band] = age_band(deals[Deal.age])
    if Deal.area_sqm in cols and needed(Derived.area_band):
        out[Derived.area_band] = cut_edges(deals[Deal.area_sqm], AREA_EDGES, unit="㎡")
    if Deal.total_price in cols and needed(Derived.total_price_band):
        out[Derived.total_price_band] = cut_edges(deals[Deal.total_price], TOTAL_PRICE_EDGES, 1e4, "万元")
    if Deal.unit_price in cols and needed(Derived.unit_price_band):
        out[Derived.unit_price_band] = quantile_bands(deals[Deal.unit_price], unit="元/㎡")
    if {Deal.sign_date, Deal.first_visit_date} <= cols and needed(Derived.days_to_sign, Derived.days_to_sign_band):
        days = days_to_sign(deals)
        if needed(Derived.days_to_sign):
            out[Derived.days_to_sign] = days
        if needed(Derived.days_to_sign_band):
            out[Derived.days_to_sign_band] = pd.cut(
                days.astype("float64"), list(DAYS_EDGES), labels=list(DAYS_LABELS)
            )
    if Deal.city in cols:
        if needed(Derived.project_province):
            out[Derived.project_province] = province_of_city(deals[Deal.city])
        if needed(Derived.locality):
            out[Derived.locality] = locality(deals)
        if needed(Derived.origin_scope):
            out[Derived.origin_scope] = origin_scope(deals)
    if Deal.customer_key in cols and date_col in cols and needed(Derived.repeat_buyer):
        out[Derived.repeat_buyer] = np.where(is_repeat_buyer(deals, date_col), "复购", "首购")
    if {Deal.awareness_channel, Deal.referrer_key} & cols and needed(Derived.referral):
        out[Derived.referral] = np.where(is_referral(deals), "老带新", "非老带新")
    return out


DERIVED_FROM: dict[str, str] = {
    Derived.age_band: Deal.age,
    Derived.area_band: Deal.area_sqm,
    Derived.total_price_band: Deal.total_price,
    Derived.unit_price_band: Deal.unit_price,
}


def label(column: str) -> str:
    """Chinese label of a canonical or derived column."""
    return DERIVED_LABELS.get(column) or _schema_label(column)


# ------------------------------------------------------------- fields as categories
MULTI_CHOICE: tuple[str, ...] = (Deal.key_factors,)
_VOCAB_OF = {c.name: c.vocab for c in DEAL_COLUMNS if c.vocab}
_BAND_OF = {v: k for k, v in DERIVED_FROM.items()}  # age → age_band ...


def is_multi_choice(s: pd.Series, name: str) -> bool:
    if name in MULTI_CHOICE:
        return True
    first = s.dropna().head(20)
    return bool(len(first)) and first.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).all()


def category_order(name: str, observed: Sequence) -> list:
    vocab = _VOCAB_OF.get(name)
    if vocab:
        canon = list(VOCABULARIES[vocab])
        return [c for c in canon if c in set(observed)] + [c for c in observed if c not in canon]
    return list(observed)


def field_categories(deals: pd.DataFrame, name: str, bands=None) -> pd.Series:
    """The field as categories: derived on the fly, numeric fields banded."""
    if name in deals:
        s = deals[name]
    elif name in DERIVED_LABELS:
        d = derive(deals, columns=[name])
        if name not in d:
            raise ParameterError(f"缺少计算“{label(name)}”所需的字段，无法分析。")
        s = d[name]
    else:
        raise ParameterError(f"字段“{label(name)}”（{name}）不在成交数据中。")
    spec = (bands or {}).get(name)
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if spec is not None and numeric:
        return quantile_bands(s, q=spec) if isinstance(spec, int) else cut_edges(s, spec)
    if name in _BAND_OF and numeric:
        return derive(deals[[name]], columns=[_BAND_OF[name]])[_BAND_OF[name]]
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "是", False: "否"}).astype("string")
    if numeric:
        return quantile_bands(s)
    return s
