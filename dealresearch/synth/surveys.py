"""Synthetic satisfaction surveys with planted driver weights and planted complainers,
and sales targets derived from the planted actuals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import DRIVER_ITEMS, SURVEY_ITEMS, Deal, Survey
from .comment_text import plant_comments
from .deals import END

#: true driver weights of overall satisfaction (sum 1; distinct so the ranks are recoverable)
DRIVER_WEIGHTS = dict(zip(
    ("product_quality", "delivery", "service_attitude", "price_fairness", "responsiveness",
     "professionalism", "communication", "complaint_handling"),
    (0.32, 0.22, 0.16, 0.12, 0.08, 0.05, 0.03, 0.02), strict=True,
))
SURVEY_SHARE, COMPLAINER_SHARE = 0.45, 0.04
METHODS = {"走访": .15, "书面问卷": .35, "电话": .50}
COMPLAINTS = ["交房延期，沟通不及时", "墙面开裂，维修一直没人来", "物业响应太慢",
              "销售承诺的车位没有兑现", "<b>价格</b>与宣传不符 & 要求说明", "合同条款解释不清"]
PRAISE = ["整体满意", "置业顾问很专业", "", "", "希望加强物业服务", "小区环境很好"]


def _scale(latent: np.ndarray, lo: int, hi: int, centre: float, spread: float) -> np.ndarray:
    return np.clip(np.round(centre + spread * latent), lo, hi)


def generate_surveys(rng: np.random.Generator, deals: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """One row per survey, with raw customer references; returns (surveys, truth)."""
    people = deals.sort_values(Deal.sign_date).groupby(Deal.id_number, sort=False).agg(
        first=(Deal.sign_date, "min"), project=(Deal.project, "last"), phone=(Deal.phone, "first"),
        name=(Deal.customer_name, "first"), code=(Deal.customer_code, "first"))
    frames, surveyed_before = [], set()
    for year in (2025, 2026):
        year_end = min(pd.Timestamp(year, 12, 31), END)  # no survey after the sample's end
        elig = people[people["first"] < year_end - pd.Timedelta(days=60)]
        fresh = ~elig.index.isin(list(surveyed_before))
        p = np.where(fresh, 1.3, 0.6)
        n = int(len(elig) * SURVEY_SHARE)
        pick = rng.choice(len(elig), n, replace=False, p=p / p.sum())
        chosen = elig.iloc[pick]
        surveyed_before |= set(chosen.index)
        start = np.maximum(chosen["first"] + pd.Timedelta(days=30), pd.Timestamp(year, 1, 1))
        span = (year_end - start).dt.days.clip(lower=1)
        date = start + pd.to_timedelta((rng.random(n) * span).astype(int), unit="D")
        frames.append(pd.DataFrame({"id_number": chosen.index, "project": chosen["project"].to_numpy(),
                                    "phone": chosen["phone"].to_numpy(), "name": chosen["name"].to_numpy(),
                                    "code": chosen["code"].to_numpy(), Survey.survey_date: date.to_numpy()}))
    sv = pd.concat(frames, ignore_index=True).sort_values(Survey.survey_date, ignore_index=True)
    n = len(sv)
    sv[Survey.survey_id] = "SV" + sv[Survey.survey_date].dt.year.astype(str) + "-" + pd.Series(np.arange(1, n + 1)).map("{:05d}".format)
    sv[Survey.method] = rng.choice(list(METHODS), n, p=list(METHODS.values()))
    sv[Survey.surveyor] = rng.choice(["客服-周敏", "客服-郑强", "客服-何丽", "客服-高翔"], n)
    g = rng.normal(0, 1, n)
    complainer = rng.random(n) < COMPLAINER_SHARE
    g[complainer] = rng.normal(-2.6, 0.3, complainer.sum())
    z = {item: 0.6 * g + 0.8 * rng.normal(0, 1, n) for item in DRIVER_ITEMS}
    latent = sum(w * z[item] for item, w in DRIVER_WEIGHTS.items()) + 0.12 * rng.normal(0, 1, n)
    latent = (latent - latent[~complainer].mean()) / latent[~complainer].std()
    for item in DRIVER_ITEMS:
        sv[item] = _scale(z[item], 1, 5, 3.9, 0.75)
    sv[Survey.overall] = _scale(latent, 1, 5, 3.9, 0.8)
    sv[Survey.recommend] = _scale(latent + 0.35 * rng.normal(0, 1, n), 0, 10, 7.6, 1.8)
    sv.loc[complainer, Survey.overall] = np.minimum(sv.loc[complainer, Survey.overall], 2)
    sv.loc[complainer, Survey.recommend] = np.minimum(sv.loc[complainer, Survey.recommend], 4)
    sv[Survey.complaint] = np.where(complainer, "是", "否")
    sv[Survey.followup_needed] = np.where(complainer | (sv[Survey.overall] <= 2), "是", "否")
    rng.choice(COMPLAINTS, n), rng.choice(PRAISE, n)  # still drawn: every later value of the main stream stays
    comment_rng = np.random.default_rng([rng.bit_generator.seed_seq.entropy, 18])  # the comments' own stream
    sv[Survey.comment], comment_truth = plant_comments(sv, sv[Survey.recommend].to_numpy(), comment_rng)
    truth = {
        "n_surveys": n,
        "driver_weights": DRIVER_WEIGHTS,
        "driver_rank": sorted(DRIVER_WEIGHTS, key=DRIVER_WEIGHTS.get, reverse=True),
        "complainer_survey_ids": sv.loc[complainer, Survey.survey_id].tolist(),
        "surveyed_people_by_year": {str(y): int((sv[Survey.survey_date].dt.year == y).sum()) for y in (2025, 2026)},
        "item_labels": {i.name: i.label for i in SURVEY_ITEMS},
        "comments": {"survey_ids": sv[Survey.survey_id].tolist(), **comment_truth},
    }
    return sv, truth


def generate_targets(rng: np.random.Generator, deals: pd.DataFrame) -> pd.DataFrame:
    """Monthly project targets, quarterly team and rep targets, yearly group targets
    (元), set around the planted actuals so that some units miss and some beat them."""
    d = deals.assign(year=deals[Deal.sign_date].dt.year, quarter=deals[Deal.sign_date].dt.quarter,
                     month=deals[Deal.sign_date].dt.month)
    rows = []
    levels = (("项目", Deal.project, ["year", "quarter", "month"]), ("团队", Deal.sales_team, ["year", "quarter"]),
              ("个人", Deal.sales_rep, ["year", "quarter"]), ("集团", None, ["year"]))
    for level, col, keys in levels:
        g = d.groupby(keys + ([col] if col else []))
        agg = g.agg(units=(Deal.deal_id, "size"), amount=(Deal.total_price, "sum")).reset_index()
        factor = rng.uniform(0.85, 1.25, len(agg))
        agg["units_target"] = np.ceil(agg["units"] * factor).astype(int)
        agg["amount_target"] = np.round(agg["amount"] * factor / 1e6) * 1e6
        agg["collection_target"] = np.round(agg["amount_target"] * 0.6 / 1e6) * 1e6
        agg["level"] = level
        agg["unit"] = agg[col] if col else "集团"
        rows.append(agg.drop(columns=["units", "amount"] + ([col] if col else [])))
    return pd.concat(rows, ignore_index=True)
