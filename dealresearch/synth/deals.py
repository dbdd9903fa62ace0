"""Synthetic deals with planted signal: personas, price by unit type, a channel shift,
repeat buyers across projects and referrals (老带新). Clean truth, before any dirt."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import Deal
from . import people

PROJECTS = (
    {"name": "滨江壹号", "code": "BJ", "city": "杭州", "kind": "住宅", "n": 2550, "price": 32000,
     "local": ["330106", "330108", "330203", "330302", "330602"],
     "areas": ["西湖区", "上城区", "拱墅区", "滨江区", "萧山区", "余杭区"]},
    {"name": "云栖府", "code": "YQ", "city": "杭州", "kind": "住宅", "n": 2350, "price": 26000,
     "local": ["330106", "330108", "330203", "330302", "330602"],
     "areas": ["西湖区", "上城区", "拱墅区", "滨江区", "萧山区", "余杭区"]},
    {"name": "星汇中心", "code": "XH", "city": "上海", "kind": "商业", "n": 900, "price": 38000,
     "local": ["310104", "310115"], "areas": ["浦东新区", "徐汇区", "静安区", "闵行区", "长宁区"]},
)
#: persona → (age mean, sd) and categorical distributions; residential / commercial unit mixes
PERSONAS = {
    "首置刚需": {"age": (28, 2.5), "purpose": {"自住": .9, "子女教育": .1},
             "unit": {"一房": .2, "二房": .8}, "pay": {"商业按揭": .7, "公积金": .3},
             "family": {"单身": .4, "二人世界": .6}, "income": {"20万以下": .4, "20-50万": .6},
             "factors": {"价格": .9, "交通": .7, "户型": .4, "配套": .2}},
    "改善家庭": {"age": (38, 2.5), "purpose": {"改善": .85, "子女教育": .15},
             "unit": {"三房": .6, "四房": .4}, "pay": {"组合贷": .7, "商业按揭": .3},
             "family": {"三口之家": .5, "二孩家庭": .5}, "income": {"50-100万": .75, "20-50万": .25},
             "factors": {"学区": .7, "户型": .7, "品牌": .5, "配套": .4}},
    "投资客": {"age": (46, 3), "purpose": {"投资": .95, "改善": .05},
            "unit": {"一房": .6, "二房": .4}, "unit_c": {"商铺": .8, "写字楼": .2},
            "pay": {"一次性": .85, "商业按揭": .15}, "family": {"三口之家": .6, "二人世界": .4},
            "income": {"100万以上": .75, "50-100万": .25}, "factors": {"地段": .9, "价格": .5, "交通": .3}},
    "养老置业": {"age": (60, 3), "purpose": {"养老": .9, "改善": .1},
             "unit": {"三房": .8, "二房": .2}, "pay": {"一次性": .8, "公积金": .2},
             "family": {"三代同堂": .7, "二人世界": .3}, "income": {"20-50万": .6, "50-100万": .4},
             "factors": {"配套": .8, "物业": .7, "景观": .6}},
    "企业经营": {"age": (42, 5), "purpose": {"办公经营": .95, "投资": .05},
             "unit_c": {"写字楼": .85, "商铺": .15}, "pay": {"分期": .85, "一次性": .15},
             "family": {"企业": .95, "三口之家": .05}, "income": {"100万以上": .8, "50-100万": .2},
             "factors": {"地段": .8, "交通": .7, "品牌": .5}},
}
RESIDENTIAL_MIX = {"首置刚需": .35, "改善家庭": .33, "投资客": .14, "养老置业": .18}
COMMERCIAL_MIX = {"投资客": .45, "企业经营": .55}
AREA = {"一房": (55, 5), "二房": (88, 6), "三房": (122, 8), "四房": (148, 9), "商铺": (75, 20), "写字楼": (160, 40)}
PRICE_FACTOR = {"一房": 1.05, "二房": 1.0, "三房": 1.0, "四房": 1.08, "商铺": 1.35, "写字楼": 0.85}
#: channel shares drift over the 8 quarters: 网络 rises, 户外广告 and 短信 fall
CHANNELS = {"朋友介绍": (.14, 0), "户外广告": (.16, -.012), "网络": (.12, .028), "短信": (.08, -.006),
            "电话": (.08, -.004), "路过": (.12, -.003), "展会": (.08, 0), "中介": (.22, -.003)}
OCCUPATIONS = ["企业职员", "公务员/事业单位", "私营业主", "自由职业", "教师", "医生", "退休", "企业主"]
INDUSTRIES = ["IT/互联网", "金融", "制造业", "教育", "医疗", "贸易", "房地产", "政府机关"]
#: sales reps (staff, two-character names; customers have three-character names)
REP_NAMES = {"BJ": ["李娜", "王强", "刘洋", "陈静", "张磊", "杨帆", "赵敏", "周杰"],
             "YQ": ["吴迪", "孙悦", "马超", "朱琳", "胡军", "郭静", "林峰", "何雪"],
             "XH": ["高远", "罗丹", "宋佳", "谢军", "韩梅", "唐浩", "冯丽", "曹阳"]}
#: the sample covers 2025Q1–2026Q3 and ends on a fixed date in the past (END): 2026Q3 is its
#: latest complete quarter and nothing in it is dated after END
START, QUARTERS = pd.Timestamp("2025-01-01"), 7
END = pd.Timestamp("2026-09-30")
QUARTER_STARTS = pd.date_range(START, periods=QUARTERS, freq="QS")
QUARTER_DAYS = np.diff(pd.date_range(START, periods=QUARTERS + 1, freq="QS")).astype("timedelta64[D]").astype(int)
REPEAT_SHARE, REFERRAL_SHARE = 0.055, 0.08


def _pick(rng, dist: dict, n: int) -> np.ndarray:
    keys = list(dist)
    p = np.array([dist[k] for k in keys], float)
    return rng.choice(keys, n, p=p / p.sum())


def _by_persona(rng, personas: np.ndarray, field: str, fallback: str | None = None) -> np.ndarray:
    out = np.empty(len(personas), dtype=object)
    for name, spec in PERSONAS.items():
        m = personas == name
        dist = spec.get(field) or spec.get(fallback)
        if m.any():
            out[m] = _pick(rng, dist, int(m.sum()))
    return out


def _factors(rng, personas: np.ndarray) -> list[list[str]]:
    allf = ["地段", "价格", "户型", "配套", "品牌", "物业", "交通", "学区", "景观"]
    probs = np.array([[PERSONAS[p]["factors"].get(f, .05) for f in allf] for p in personas])
    chosen = rng.random(probs.shape) < probs
    top = probs.argmax(axis=1)  # everyone names at least their persona's main factor
    chosen[np.arange(len(personas)), top] = True
    return [[f for f, c in zip(allf, row, strict=True) if c] for row in chosen]


def _one_project(rng, proj: dict, n: int, personas: np.ndarray) -> pd.DataFrame:
    weights = np.array([.10, .12, .12, .14, .11, .13, .13])
    q = rng.choice(QUARTERS, n, p=weights / weights.sum())
    sign = QUARTER_STARTS[q] + pd.to_timedelta(rng.integers(0, QUARTER_DAYS[q]), unit="D")
    commercial = proj["kind"] == "商业"
    unit = _by_persona(rng, personas, "unit_c" if commercial else "unit", "unit" if commercial else "unit_c")
    mean_sd = np.array([AREA[u] for u in unit])
    area = np.round(np.maximum(rng.normal(mean_sd[:, 0], mean_sd[:, 1]), 30), 2)
    factor = np.array([PRICE_FACTOR[u] for u in unit])
    unit_price = np.round(proj["price"] * factor * (1 + 0.01 * q) * rng.normal(1, 0.05, n), 0)
    total = np.round(area * unit_price, 0)
    chan_p = np.array([[b + s * qi for b, s in CHANNELS.values()] for qi in range(QUARTERS)])
    chan_p /= chan_p.sum(axis=1, keepdims=True)
    cum = chan_p.cumsum(axis=1)[q]
    channel = np.array(list(CHANNELS))[(rng.random(n)[:, None] > cum).sum(axis=1)]
    subscribe = sign - pd.to_timedelta(rng.integers(3, 30, n), unit="D")
    first_visit = subscribe - pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    reps = [f"{proj['code']}{t}{i}" for t in "AB" for i in range(1, 5)]
    rep_names = dict(zip(reps, REP_NAMES[proj["code"]], strict=True))
    rep = rng.choice(reps, n, p=np.array([.16, .14, .12, .08, .15, .13, .12, .10]))
    return pd.DataFrame({
        Deal.project: proj["name"], Deal.city: proj["city"], "quarter": q,
        Deal.building: [f"{b}栋" for b in rng.integers(1, 12, n)],
        Deal.unit_no: [f"{f}{r:02d}" for f, r in zip(rng.integers(2, 33, n), rng.integers(1, 5, n), strict=True)],
        Deal.status: "签约", Deal.subscribe_date: subscribe, Deal.sign_date: sign,
        Deal.sales_rep: [rep_names[r] for r in rep], Deal.sales_team: [f"{proj['name']}{r[2]}组" for r in rep],
        Deal.unit_type: unit, Deal.area_sqm: area, Deal.unit_price: unit_price, Deal.total_price: total,
        Deal.payment_method: _by_persona(rng, personas, "pay"),
        Deal.family_structure: _by_persona(rng, personas, "family"),
        Deal.income_band: _by_persona(rng, personas, "income"),
        Deal.purchase_purpose: _by_persona(rng, personas, "purpose"),
        Deal.awareness_channel: channel, Deal.key_factors: _factors(rng, personas),
        Deal.residence_area: np.where(rng.random(n) < .8, rng.choice(proj["areas"], n), "外地"),
        Deal.work_area: np.where(rng.random(n) < .85, rng.choice(proj["areas"], n), "外地"),
        Deal.occupation: rng.choice(OCCUPATIONS, n), Deal.industry: rng.choice(INDUSTRIES, n),
        Deal.first_visit_date: first_visit, Deal.visit_count: 1 + rng.poisson(2.0, n),
        "persona": personas,
    })


def generate_deals(rng: np.random.Generator) -> pd.DataFrame:
    """Clean deals (one row per deal) with raw personal fields, sorted by sign date."""
    frames = []
    for proj in PROJECTS:
        mix = COMMERCIAL_MIX if proj["kind"] == "商业" else RESIDENTIAL_MIX
        personas = _pick(rng, mix, proj["n"])
        f = _one_project(rng, proj, proj["n"], personas)
        age = np.clip(np.round(_by_age(rng, personas)), 22, 75).astype(int)
        birth = f[Deal.sign_date] - pd.to_timedelta(age * 365.25 + rng.integers(0, 360, len(f)), unit="D")
        male = rng.random(len(f)) < .55
        f[Deal.id_number] = people.id_numbers(rng, birth.dt.normalize(), male, .65, proj["local"]).to_numpy()
        f[Deal.birth_date] = birth.dt.normalize()
        f[Deal.gender] = np.where(male, "男", "女")
        f[Deal.age] = ((f[Deal.sign_date] - f[Deal.birth_date]).dt.days // 365.25).astype(int)
        frames.append(f)
    deals = pd.concat(frames, ignore_index=True).sort_values(Deal.sign_date, kind="stable", ignore_index=True)
    n = len(deals)
    deals[Deal.customer_name] = people.names(rng, n)
    deals[Deal.phone] = people.phones(rng, n)
    deals[Deal.customer_code] = [f"KH{i:06d}" for i in rng.choice(900000, n, replace=False) + 100000]
    deals = _plant_repeat_buyers(rng, deals)
    deals = _plant_referrals(rng, deals)
    deals[Deal.purchase_count] = np.where(deals["prior_deals"] == 0, "首次", np.where(deals["prior_deals"] == 1, "二次", "多次"))
    deals[Deal.is_existing_owner] = deals["prior_deals"] > 0
    seq = deals.groupby(Deal.project).cumcount() + 1
    code = deals[Deal.project].map({p["name"]: p["code"] for p in PROJECTS})
    deals[Deal.deal_id] = code + deals[Deal.sign_date].dt.year.astype(str) + "-" + seq.map("{:05d}".format)
    return deals


def _by_age(rng, personas: np.ndarray) -> np.ndarray:
    mean = np.array([PERSONAS[p]["age"][0] for p in personas], float)
    sd = np.array([PERSONAS[p]["age"][1] for p in personas], float)
    return rng.normal(mean, sd)


def _plant_repeat_buyers(rng, deals: pd.DataFrame) -> pd.DataFrame:
    """A share of later deals belong to a person who bought before (same ID and phone)."""
    n = len(deals)
    later = rng.choice(np.arange(n // 3, n), int(n * REPEAT_SHARE), replace=False)
    earlier = (rng.random(len(later)) * later * 0.8).astype(int)
    keep = ~np.isin(earlier, later)
    later, earlier = later[keep], earlier[keep]
    for col in (Deal.id_number, Deal.customer_name, Deal.phone, Deal.customer_code, Deal.gender, Deal.birth_date):
        deals.loc[later, col] = deals.loc[earlier, col].to_numpy()
    deals[Deal.age] = ((deals[Deal.sign_date] - deals[Deal.birth_date]).dt.days // 365.25).astype(int)
    deals["prior_deals"] = deals.groupby(Deal.id_number).cumcount()
    return deals


def _plant_referrals(rng, deals: pd.DataFrame) -> pd.DataFrame:
    """老带新: a share of deals name an earlier buyer of the same project as referrer."""
    n = len(deals)
    cand = np.arange(200, n)
    ref = rng.choice(cand, int(n * REFERRAL_SHARE), replace=False)
    deals[Deal.referrer_phone] = pd.Series(pd.NA, index=deals.index, dtype="str")
    for i in ref:  # a few hundred planted referrals; generation only, not a hot path
        pool = np.flatnonzero((deals[Deal.project].to_numpy()[:i] == deals.at[i, Deal.project])
                              & (deals[Deal.phone].to_numpy()[:i] != deals.at[i, Deal.phone]))
        if len(pool):
            deals.at[i, Deal.referrer_phone] = deals.at[int(rng.choice(pool)), Deal.phone]
            deals.at[i, Deal.awareness_channel] = "老带新"
    return deals
