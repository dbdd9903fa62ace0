"""What the themes do to satisfaction: prevalence, NPS and CSAT of mentioners against the
other respondents (difference, CI, test), sentiment mix, quarterly trend, project split
and a ranking by impact = prevalence × NPS gap (the NPS points the theme costs or earns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from ...config import ALPHA, MIN_N
from ...errors import DataError
from ...periods import period_of
from ...schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Survey, label
from ...stats import two_proportion_z
from ..metrics import csat, nps
from .codebook import load_codebook
from .coding import SENTIMENT, code
from .tokens import is_junk, normalise

Z95 = float(sps.norm.ppf(0.975))
DEFINITION = (
    "提及率 = 提及该主题的意见数 ÷ 填写了有效意见的问卷数；NPS 差 = 提及者 NPS − 未提及者 NPS"
    "（未提及者含未填写意见的受访者；95% 置信区间与 z 检验按两组 NPS 标准误合成）；"
    "影响 = 占全部受访者的比例 × NPS 差，即该主题使整体 NPS 变动的点数，负值越大越需优先处理。"
)


@dataclass
class CommentImpact:
    """``themes``: one row per theme, most harmful first; ``trend``: quarter × theme share
    (%); ``by_project``: (project, theme) rows; ``examples``: theme → up to three quotes."""

    themes: pd.DataFrame
    trend: pd.DataFrame
    by_project: pd.DataFrame
    examples: dict[str, list[str]]
    coded: pd.DataFrame
    n_surveys: int
    n_comments: int
    definition: str = DEFINITION
    attrs: dict = field(default_factory=dict)

    @property
    def top(self) -> pd.DataFrame:
        """Themes with at least one mention, by impact."""
        return self.themes[self.themes["n_mentions"] > 0]


def _nps_pair(rec: pd.Series, mask: pd.Series) -> dict:
    out = {}
    for side, m in (("with", mask), ("without", ~mask)):
        x = rec[m].dropna()
        if len(x):
            r = nps(x)
            out |= {f"nps_{side}": r.value, f"_se_{side}": r.se, f"n_{side}": r.n}
        else:
            out |= {f"nps_{side}": np.nan, f"_se_{side}": np.nan, f"n_{side}": 0}
    gap = out["nps_with"] - out["nps_without"]
    se = float(np.hypot(out.pop("_se_with"), out.pop("_se_without")))
    p = float(2 * sps.norm.sf(abs(gap) / se)) if se > 0 else np.nan
    return out | {"nps_gap": gap, "nps_gap_ci_low": gap - Z95 * se, "nps_gap_ci_high": gap + Z95 * se, "nps_p": p}


def _csat_pair(overall: pd.Series, mask: pd.Series) -> dict:
    parts = {}
    for side, m in (("with", mask), ("without", ~mask)):
        x = overall[m].dropna()
        parts[side] = csat(x) if len(x) else None
    if parts["with"] is None or parts["without"] is None:
        return {"csat_with": np.nan, "csat_without": np.nan, "csat_gap": np.nan, "csat_gap_ci_low": np.nan,
                "csat_gap_ci_high": np.nan, "csat_p": np.nan}
    a, b = parts["with"], parts["without"]
    p1, p2 = a.value / 100, b.value / 100
    se = np.sqrt(p1 * (1 - p1) / a.n + p2 * (1 - p2) / b.n)
    _, p = two_proportion_z(p1 * a.n, a.n, p2 * b.n, b.n)
    gap = (p1 - p2) * 100
    return {"csat_with": a.value, "csat_without": b.value, "csat_gap": gap,
            "csat_gap_ci_low": gap - Z95 * se * 100, "csat_gap_ci_high": gap + Z95 * se * 100, "csat_p": float(p)}


def _nps_values(hits: np.ndarray, rec: np.ndarray) -> np.ndarray:
    """NPS (×100) of the rows flagged in each column of ``hits`` (NaN where none answered)."""
    valid = ~np.isnan(rec)
    h = hits & valid[:, None]
    n = h.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pro = (h & (rec >= NPS_PROMOTER_MIN)[:, None]).sum(axis=0) / n
        det = (h & (rec <= NPS_DETRACTOR_MAX)[:, None]).sum(axis=0) / n
    return np.where(n > 0, (pro - det) * 100, np.nan)


def _examples(texts: pd.Series, coded: pd.DataFrame, theme: str, negative_first: bool, k: int = 3) -> list[str]:
    rows = coded[coded[theme]]
    if rows.empty:
        return []
    order = rows[SENTIMENT] if negative_first else -rows[SENTIMENT]
    t = texts.loc[order.sort_values(kind="stable").index].astype("str").str.strip()
    core = normalise(t).str.replace(r"[^\w]+", "", regex=True)  # 交房很准时！ = 交房很准时
    return t[(core.str.len() > 0) & ~core.duplicated()].head(k).tolist()


def impact(surveys: pd.DataFrame, coded: pd.DataFrame | None = None, *, codebook=None, current=None,
           min_n: int = MIN_N) -> CommentImpact:
    """Themes × satisfaction for ``surveys`` (needs 意见和建议 and 推荐意愿; 总体满意度,
    项目 and 调查日期 when present). ``coded``: ``code(surveys[comment])`` if already
    computed; ``current``: boolean mask of the rows the ranking, project split and
    examples use (default all rows); the quarterly trend uses every row."""
    for c in (Survey.comment, Survey.recommend):
        if c not in surveys.columns:
            raise DataError(f"调查数据中没有“{label(c)}”列，无法分析客户意见。")
    if coded is None:
        coded = code(surveys[Survey.comment], codebook)
    names = [c for c in load_codebook(codebook).names if c in coded.columns]
    answered_all = ~is_junk(normalise(surveys[Survey.comment]))
    cur = pd.Series(True, index=surveys.index) if current is None else pd.Series(current, index=surveys.index)
    sv, cd, answered = surveys[cur], coded[cur], answered_all[cur]
    if not len(sv):
        raise DataError("所选范围内没有调查记录，无法分析客户意见。")
    rec = pd.to_numeric(sv[Survey.recommend], errors="coerce")
    overall = pd.to_numeric(sv[Survey.overall], errors="coerce") if Survey.overall in sv else pd.Series(np.nan, index=sv.index)
    n_comments = int(answered.sum())
    rows = {}
    for t in names:
        m = cd[t].astype(bool)
        k = int(m.sum())
        sent = cd.loc[m, SENTIMENT]
        row = {"n_mentions": k, "share": k / n_comments * 100 if n_comments else np.nan,
               "prevalence": k / len(sv) * 100}
        row |= _nps_pair(rec, m) | (_csat_pair(overall, m) if overall.notna().any() else {})
        row |= {"negative": float((sent < 0).mean() * 100) if k else np.nan,
                "neutral": float((sent == 0).mean() * 100) if k else np.nan,
                "positive": float((sent > 0).mean() * 100) if k else np.nan}
        rows[t] = row
    themes = pd.DataFrame.from_dict(rows, orient="index")
    themes.index.name = "theme"
    themes["impact"] = themes["prevalence"] / 100 * themes["nps_gap"]
    themes["significant"] = themes["nps_p"] < ALPHA
    themes["small_n"] = themes["n_mentions"] < min_n
    themes = themes.sort_values(["impact", "n_mentions"], ascending=[True, False], na_position="last")
    themes["rank"] = np.arange(1, len(themes) + 1)
    examples = {t: _examples(sv[Survey.comment], cd, t, negative_first=not (themes.at[t, "impact"] > 0)) for t in names}
    return CommentImpact(themes, _trend(surveys, coded, names, answered_all), _by_project(sv, cd, names, rec, answered),
                         examples, coded, len(sv), n_comments)


def _trend(surveys, coded, names, answered) -> pd.DataFrame:
    if Survey.survey_date not in surveys.columns:
        return pd.DataFrame(columns=names)
    q = period_of(surveys[Survey.survey_date], "quarter")
    hits = coded[names].astype(float).where(answered)
    out = hits.groupby(q, sort=True).mean() * 100
    out.insert(0, "n_comments", answered.groupby(q, sort=True).sum().astype(int))
    out.index.name = "quarter"
    return out


def _by_project(sv, cd, names, rec, answered) -> pd.DataFrame:
    if Survey.project not in sv.columns:
        return pd.DataFrame()
    frames = []
    r = rec.to_numpy(dtype=float)
    hits = cd[names].to_numpy(dtype=bool)
    for proj, idx in sv.groupby(Survey.project, sort=True, observed=True).indices.items():
        h, rr = hits[idx], r[idx]
        n_c = int(answered.to_numpy()[idx].sum())
        k = h.sum(axis=0)
        frames.append(pd.DataFrame({
            Survey.project: proj, "theme": names, "n_mentions": k,
            "share": k / n_c * 100 if n_c else np.nan,
            "nps_with": _nps_values(h, rr), "nps_without": _nps_values(~h, rr),
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(out):
        out["nps_gap"] = out["nps_with"] - out["nps_without"]
    return out


__all__ = ["CommentImpact", "impact"]
