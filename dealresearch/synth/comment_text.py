"""Free-text answers (意见和建议) with planted themes and sentiment, in varied phrasing.

Drawn from their own random stream so that no other sample value changes. The planted
harmful theme (工程质量) is written mostly by detractors, and more so at 云栖府 in 2026,
so its mentioners' NPS is far below the others'; every other theme is spread across
score levels. Phrasing varies: negations (没有任何质量问题, 并不贵), typos and homophones
(物叶, 质凉, 半证), emoji, mixed punctuation, two themes in one comment (also with a
contrast: "A还行，但是B太差"), general remarks without a theme, complaints about topics the
codebook does not know (遛狗, 外卖, 业主群: for comments.emerging) and empty/junk answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HARMFUL_THEME, HARMFUL_PROJECT, HARMFUL_YEAR = "工程质量", "云栖府", 2026

#: theme → (negative phrases, positive phrases)
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "交付": (["交房延期了三个月", "交房时间一拖再拖", "说好的交房日期又推迟了", "交方拖了半年", "延期交房也没个说法"],
             ["交房很准时", "按时交付，没有拖延", "交房没有延期", "收房过程很顺利"]),
    "工程质量": (["墙面开裂", "卫生间漏水", "瓷砖空鼓严重", "房子质凉太差", "窗户渗水，墙角发霉", "做工粗糙，偷工减料",
                "楼上漏水到我家", "地板起皮，质量不行"],
               ["没有任何质量问题", "房子质量很好", "做工精细", "防水做得好，没有渗漏"]),
    "物业服务": (["物业办事效率低", "物业服务太差", "物叶不作为", "保安不负责", "垃圾没人清理，物业不管", "物业费贵，服务差"],
               ["物业服务很好", "保安很负责", "物业管家很贴心", "小区卫生很干净"]),
    "配套": (["周边配套太少", "买菜很不方便", "学校一直没建好", "离地铁太远了"],
           ["配套齐全，生活方便", "学校和医院都很近", "地铁很方便", "超市商场都有，很方便"]),
    "价格": (["房价太贵", "买完就降价了，亏了", "<b>价格</b>与宣传不符 & 要求说明", "单价偏高", "价各太贵了"],
           ["价格并不贵", "性价比很高", "优惠很实惠", "价格合理"]),
    "置业顾问": (["销售承诺的没有兑现", "置业顾问不专业", "销售忽悠人", "销售夸大宣传"],
               ["置业顾问很专业", "销售很热情", "置业顾文讲解很耐心", "售楼处接待很周到"]),
    "手续办证": (["办证太慢", "房产证一直没办下来", "半证拖了一年", "网签手续太麻烦"],
               ["不动产证很快就办好了", "贷款手续很顺利", "办证效率很高"]),
    "车位": (["车位太少", "车位配比太低", "停车难", "车位价格太贵"],
           ["车位很充足", "停车很方便", "地下车库很宽敞"]),
    "环境景观": (["小区环境一般", "绿化太少", "小区太吵了", "景观和宣传差距大"],
               ["小区环境很好", "绿化很漂亮", "园林景观很用心", "环境优美"]),
    "售后维修": (["报修好几次都没人来", "维修太慢", "售后一直不处理", "维休不及时"],
               ["维修很及时", "售后服务很好", "维修师傅很专业"]),
    "户型设计": (["户型设计不合理", "公摊太大", "得房率太低", "客厅太小"],
               ["户型设计合理", "南北通透，户型很好", "得房率高"]),
    "沟通响应": (["打客服电话没人接", "反馈的问题一直没有回复", "沟通不及时", "投诉了也没有回应"],
               ["沟通很顺畅", "回复很及时", "问题反馈后很快有回应"]),
}
THEME_NAMES = list(PHRASES)
JUNK = ["", "", "", "无", "(空)", "没有意见", "暂无", "/", "没有", "无意见"]
#: topics the codebook does not know (no theme planted): what comments.emerging should find
OTHER = ["遛狗不拴绳，太危险了", "宠物粪便到处都是，很恶心", "外卖骑手进不了小区，很不方便", "外卖只能放在大门口，很麻烦",
         "业主群里天天有人发广告，很烦", "业主群里经常吵架，很烦", "快递经常丢失，很麻烦", "遛狗的人太多，狗叫声很烦"]
GENERAL = {1: ["整体满意", "非常满意👍", "很好，谢谢", "一切顺利😊", "满意！！"],
           -1: ["不满意", "很失望", "太失望了😞", "不推荐"]}
ENDINGS = {1: ["", "", "", "👍", "😊", "！", "~", "。"], -1: ["", "", "", "😡", "！！！", "。。。", "😞", "!"]}
JOINS = ["，", ",", "；", " ", "。"]
CONTRASTS = ["，但是", "，不过", "，就是", "，可是"]


def _pick(rng: np.random.Generator, options: list, n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def plant_comments(sv: pd.DataFrame, recommend: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """One comment per survey row; returns (texts, truth) with truth["themes"] ("|"-joined,
    "" for none) and truth["sentiment"] (−1/0/1) aligned with the rows."""
    n = len(sv)
    rec = np.asarray(recommend, dtype=float)
    detractor, promoter = rec <= 6, rec >= 9
    year = pd.to_datetime(sv["survey_date"]).dt.year.to_numpy()
    hot = (sv["project"].to_numpy() == HARMFUL_PROJECT) & (year == HARMFUL_YEAR)
    kind = rng.choice(["junk", "general", "other", "themed"], n, p=[0.3, 0.08, 0.04, 0.58])
    sentiment = np.where(detractor, -1, np.where(promoter, 1, rng.choice([1, -1], n, p=[0.6, 0.4])))
    p_harm = np.where(detractor, np.where(hot, 0.7, 0.45), np.where(promoter, 0.01, 0.05))
    others = [t for t in THEME_NAMES if t != HARMFUL_THEME]
    first = np.where(rng.random(n) < p_harm, HARMFUL_THEME, _pick(rng, others, n))
    second = _pick(rng, others, n)
    two = (rng.random(n) < 0.3) & (second != first)
    contrast = two & (sentiment == -1) & (first != HARMFUL_THEME) & (rng.random(n) < 0.5)
    texts, themes, sent = [], [], []
    endings = {s: _pick(rng, ENDINGS[s], n) for s in (1, -1)}
    joins, contrasts = _pick(rng, JOINS, n), _pick(rng, CONTRASTS, n)
    junk, general = _pick(rng, JUNK, n), {s: _pick(rng, GENERAL[s], n) for s in (1, -1)}
    other = _pick(rng, OTHER, n)
    draws = rng.integers(0, 1 << 30, (n, 2))
    for i in range(n):  # a few thousand rows: assembling strings, not a hot path
        s = int(sentiment[i])
        if kind[i] == "junk":
            texts.append(junk[i]), themes.append(""), sent.append(0)
            continue
        if kind[i] == "other":  # always a complaint, whatever the score
            texts.append(other[i]), themes.append(""), sent.append(-1)
            continue
        if kind[i] == "general":
            texts.append(general[s][i]), themes.append(""), sent.append(s)
            continue
        a, b = first[i], second[i]
        pa = PHRASES[a][0 if s < 0 else 1]
        if contrast[i]:  # "A还行，但是B太差": positive about A, negative about B → negative
            good, bad = PHRASES[b][1], PHRASES[a][0]
            text = good[draws[i, 0] % len(good)] + contrasts[i] + bad[draws[i, 1] % len(bad)]
            names = [b, a]
        elif two[i]:
            pb = PHRASES[b][0 if s < 0 else 1]
            text = pa[draws[i, 0] % len(pa)] + joins[i] + pb[draws[i, 1] % len(pb)]
            names = [a, b]
        else:
            text, names = pa[draws[i, 0] % len(pa)], [a]
        texts.append(text + endings[s][i])
        themes.append("|".join(sorted(names, key=THEME_NAMES.index)))
        sent.append(s)
    truth = {"themes": themes, "sentiment": sent, "harmful_theme": HARMFUL_THEME,
             "harmful_project": HARMFUL_PROJECT, "harmful_year": HARMFUL_YEAR}
    return np.asarray(texts, dtype=object), truth
