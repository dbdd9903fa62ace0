"""Survey platforms: 问卷星 and 腾讯问卷 downloads → the canonical survey table.

A download is recognised by its meta columns (问卷星: 提交答卷时间 + 所用时间, with 序号,
来源, 来自IP; 腾讯问卷: 开始答题时间 / 结束答题时间 / 答题时长, with 编号, 用户标识). Then:

* numbered question headers ("3、题干", "3.题干", "第3题 题干") are mapped to survey items
  and fields by keywords of the question text (``QUESTION_RULES``; the mapping file's
  ``[surveys.items]`` goes first); sub-columns of a matrix or multi-choice question
  ("5(服务态度)", "第5题(服务态度)", "5、(服务态度)") are matched by their own text;
* text answers on a 5- or 7-point 满意度 / 同意度 scale become scores on the item's
  declared scale (a 7-point answer is rescaled linearly); "(空)", "(跳过)", −2 and −3
  are missing answers, not text;
* 提交答卷时间 (腾讯问卷: 结束答题时间) is the survey date, 所用时间 / 答题时长 is kept in
  seconds (``response_seconds``: speeders can be flagged);
* survey ids are namespaced by source, ``<platform>:<survey title>:<序号>``: the title
  comes from ``[surveys] title`` in the mapping file, else from the download's file name
  (问卷星's "<id>_<n>_<title>_<a>_<b>.xlsx", copies "(1)" dropped), so two surveys never
  collide and an identical re-download (either format) is a duplicate;
* multi-choice questions (``choice_columns``: ┋-joined option texts in one column, or one
  0/1 sub-column per option, "5(地段)", "第5题(地段)") are not survey items: their columns
  are mapped to the long table ``survey_choices`` (``choice_answers``, ``ingest.choices``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..schema import SURVEY_ITEMS, Column, Deal, Survey
from .headers import normalise_header
from .raw import RawTable

RESPONSE_SECONDS = "response_seconds"
PLATFORM_COLUMNS: tuple[Column, ...] = (
    Column(RESPONSE_SECONDS, "number", "答题用时(秒)", ("所用时间", "答题时长", "答题用时", "response_seconds")),
)
PLATFORMS = {
    "问卷星": {
        "code": "wjx",
        "needs": ("提交答卷时间",),
        "id": ("序号", "答卷编号"),
        "date": ("提交答卷时间",),
        "duration": ("所用时间",),
    },
    "腾讯问卷": {
        "code": "txwj",
        "needs": ("结束答题时间",),
        "id": ("编号", "答卷编号", "序号", "用户标识"),
        "date": ("结束答题时间", "开始答题时间"),
        "duration": ("答题时长",),
    },
}
#: meta headers of the platforms (they identify a header row; listed as ignored if unused)
META_HEADERS: tuple[str, ...] = (
    "序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "编号", "用户标识",
    "开始答题时间", "结束答题时间", "答题时长", "地理位置", "IP", "答卷编号",
)
#: question text keyword → field, first match wins (order matters: 交付质量 is 交付)
QUESTION_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Survey.recommend, ("推荐",)),
    (Survey.comment, ("意见", "建议", "其他想说", "留言")),
    (Deal.phone, ("手机", "电话", "联系方式")),
    (Deal.id_number, ("身份证", "证件号")),
    (Deal.customer_name, ("姓名", "称呼")),
    (Survey.project, ("项目", "楼盘", "小区")),
    (Survey.overall, ("总体", "整体", "综合", "总的来说")),
    ("complaint_handling", ("投诉",)),
    ("delivery", ("交付", "交房")),
    ("service_attitude", ("服务态度", "态度", "热情")),
    ("professionalism", ("专业",)),
    ("responsiveness", ("响应", "及时")),
    ("product_quality", ("质量", "品质")),
    ("price_fairness", ("价格", "性价比")),
    ("communication", ("沟通", "反馈")),
)
MISSING_MARKERS = ("(空)", "（空）", "(跳过)", "（跳过）", "-2", "-3", "−2", "−3", "跳过", "空")
_QUESTION = re.compile(r"^\s*(?:第\s*(\d+)\s*题|(\d+)\s*[、.．:：]?)\s*(.*)$", re.S)
_TAIL = re.compile(r"^(.+?)[(（]([^()（）]+)[)）]\s*$", re.S)
_SUB = re.compile(r"^[(（\[【](.+?)[)）\]】]\s*$|^[—\-_:：](.+)$", re.S)
#: 5-point label → score; the 7-point wordings add 比较满意 / 比较不满意 between
FIVE = {
    "非常满意": 5, "很满意": 5, "满意": 4, "比较满意": 4, "一般": 3, "不太满意": 2, "不满意": 2,
    "比较不满意": 2, "非常不满意": 1, "很不满意": 1,
    "非常同意": 5, "很同意": 5, "同意": 4, "比较同意": 4, "不确定": 3, "不太同意": 2, "不同意": 2,
    "比较不同意": 2, "非常不同意": 1, "很不同意": 1,
}
SEVEN = {
    "非常满意": 7, "满意": 6, "比较满意": 5, "一般": 4, "比较不满意": 3, "不满意": 2, "非常不满意": 1,
    "非常同意": 7, "同意": 6, "比较同意": 5, "不确定": 4, "比较不同意": 3, "不同意": 2, "非常不同意": 1,
}
SCALES = {i.name: i.scale for i in SURVEY_ITEMS}
CHOICES = "survey_choices"  # where multi-choice columns go (``ingest.choices``)
CHOICE_JOIN = "┋"
#: a header mark of a multi-choice question: "（多选）", "[多选题]", "(可多选)", "（最多选3项）"
_MULTI = re.compile(r"[(（\[【〔]\s*(?:可|最多)?(?:多选|多项选择|复选)[^)）\]】〕]*[)）\]】〕]")
#: a 0/1 sub-column cell: chosen or not ("1/空" downloads: blank is "not chosen")
CHOSEN_CELLS = {
    "1": True, "1.0": True, "选中": True, "已选": True, "已选中": True, "√": True,
    "0": False, "0.0": False, "未选中": False, "未选": False,
}


@dataclass
class Adapted:
    """A recognised platform download: the table with canonical headers and what was done."""

    raw: RawTable
    platform: str
    title: str
    renamed: dict[str, str] = field(default_factory=dict)  # original header → canonical
    converted: dict[str, int] = field(default_factory=dict)  # item → text answers scored
    missing_markers: dict[str, int] = field(default_factory=dict)  # column → (空)/(跳过) cells
    prefix: str = ""  # the survey-id namespace, "<platform code>:<title>"


def _key(h: str) -> str:
    return normalise_header(h)[0]


def detect(headers) -> str | None:
    """The platform whose meta columns ``headers`` hold, or None."""
    keys = {_key(h) for h in headers}
    for name, spec in PLATFORMS.items():
        if all(_key(n) in keys for n in spec["needs"]):
            return name
    return None


def survey_title(path: Path, platform: str) -> str:
    """The survey title from a download's file name (问卷星: "<id>_<n>_<title>_<a>_<b>")."""
    stem = re.sub(r"\s*[(（]\d+[)）]\s*$", "", path.stem)
    stem = re.sub(r"^\d+_\d+_", "", stem)
    stem = re.sub(r"_\d+_\d+$", "", stem)
    stem = re.sub(r"_?(按选项文本|按选项序号|按文本|按序号|按分数)$", "", stem)
    return stem.strip() or platform


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _field_of(text: str, rules) -> str | None:
    t = _plain(text)
    for name, words in rules:
        if any(_plain(w) in t for w in words):
            return name
    return None


def _rules(items: dict[str, list[str]] | None):
    return tuple((k, tuple(v)) for k, v in (items or {}).items()) + QUESTION_RULES


def _cell_of(frame: pd.DataFrame, spec_names, headers) -> str | None:
    keys = {_key(h): h for h in headers}
    for n in spec_names:
        if _key(n) in keys:
            return keys[_key(n)]
    return None


def seconds(raw: pd.Series) -> pd.Series:
    """"125秒", "2分5秒", "00:02:05", "125" → seconds (float)."""
    t = raw.astype("str").str.strip()
    h = pd.to_numeric(t.str.extract(r"(\d+)\s*(?:小时|时)", expand=False), errors="coerce")
    m = pd.to_numeric(t.str.extract(r"(\d+)\s*分", expand=False), errors="coerce")
    s = pd.to_numeric(t.str.extract(r"(\d+(?:\.\d+)?)\s*秒", expand=False), errors="coerce")
    worded = h.notna() | m.notna() | s.notna()
    total = h.fillna(0) * 3600 + m.fillna(0) * 60 + s.fillna(0)
    clock = t.str.extract(r"^(?:(\d+):)?(\d+):(\d+)$")
    clock = clock.apply(pd.to_numeric, errors="coerce")
    as_clock = clock[0].fillna(0) * 3600 + clock[1] * 60 + clock[2]
    plain = pd.to_numeric(t, errors="coerce")
    return total.where(worded, as_clock.where(as_clock.notna(), plain)).astype("float64")


def score_labels(cell: pd.Series, scale: tuple[int, int], extra: dict[str, float] | None = None):
    """Text scale answers → scores on ``scale``; numbers ("4", "4分", "非常满意(5分)") kept.
    Returns ``(values as text, how many text answers were scored)``; unknown text stays
    (and is reported as non-numeric by ``prepare``)."""
    lo, hi = scale
    t = cell.astype("str").str.strip()
    bracket = t.str.extract(r"[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]", expand=False)
    label = t.str.replace(r"[(（].*?[)）]", "", regex=True).str.replace(r"\s+", "", regex=True)
    used = set(label.dropna().unique())
    seven = bool({"满意", "比较满意"} <= used or {"不满意", "比较不满意"} <= used or {"同意", "比较同意"} <= used)
    points, table = (7, SEVEN) if seven else (5, FIVE)
    mapped = label.map(table)
    mapped = lo + (mapped - 1) * (hi - lo) / (points - 1)
    if extra:
        own = label.map(extra)
        mapped = own.where(own.notna(), mapped)
    numeric = t.str.replace(r"分$", "", regex=True)
    numeric = numeric.where(pd.to_numeric(numeric, errors="coerce").notna())
    out = bracket.where(bracket.notna(), mapped.map(lambda v: f"{v:g}", na_action="ignore"))
    out = out.where(out.notna(), numeric).where(lambda x: x.notna(), t)
    scored = int((mapped.notna() & bracket.isna()).sum())
    return out.astype("str"), scored


def _clean_question(text: str) -> str:
    return _MULTI.sub("", text).strip(" \t\u3000:：") or text.strip()


def _cells(v: pd.Series) -> pd.Series:
    """Stripped text, missing for blanks and the platforms' missing markers."""
    t = v.astype("str").str.strip()
    return t.mask(t.isin(MISSING_MARKERS) | t.eq(""))


def choice_columns(frame: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """The multi-choice columns of a download: header → ``(question, option)``, the option
    None for a column of ┋-joined option texts (its header marks it "（多选）" or its cells
    hold ┋). 0/1 sub-columns ("5(地段)", "5、(地段)", "第5题(地段)", "第5题 因素(地段)")
    count when every sub-column of the question holds only 0/1, 选中/未选中 or blanks (two
    sub-columns at least: a matrix question answered on a scale is not multi-choice)."""
    subs: dict[str, list[tuple[str, str, str | None]]] = {}
    stems: dict[str, str] = {}
    questions: dict[str, str] = {}
    for c in frame.columns:
        m = _QUESTION.match(str(c))
        if not m or not (m.group(1) or m.group(2)):
            continue
        number, text = m.group(1) or m.group(2), (m.group(3) or "").strip()
        questions[c] = text
        sub = _SUB.match(text) if text else None
        tail = _TAIL.match(text) if text and not sub else None
        if tail and _MULTI.fullmatch(f"（{tail.group(2)}）"):
            tail = None  # "因素（多选）": the mark, not an option
        if sub or tail:
            option = (sub.group(1) or sub.group(2)) if sub else tail.group(2)
            subs.setdefault(number, []).append((c, option.strip(), _clean_question(tail.group(1)) if tail else None))
        else:
            stems.setdefault(number, _clean_question(text))
    found: dict[str, tuple[str, str | None]] = {}
    for number, group in subs.items():
        if len(group) < 2:
            continue
        cells = pd.concat([_cells(frame[c]) for c, _, _ in group], ignore_index=True).dropna()
        if len(cells) and cells.isin(list(CHOSEN_CELLS)).all():
            for c, option, question in group:
                found[c] = (question or stems.get(number) or f"第{number}题", option)
    for c, text in questions.items():
        if c in found or not text:
            continue
        free_text = _field_of(text, [r for r in QUESTION_RULES if r[0] == Survey.comment])  # a typed ┋ stays text
        if _MULTI.search(text) or not free_text and frame[c].astype("str").str.contains(CHOICE_JOIN, regex=False).any():
            found[c] = (_clean_question(text), None)
    return found


def choice_answers(raw: RawTable) -> pd.DataFrame | None:
    """The multi-choice answers of a platform download, long: ``source_file``,
    ``source_row``, ``question``, ``option``, ``chosen`` — for a ┋ column the options a
    respondent chose, for 0/1 sub-columns every option of a respondent who answered any.
    A skipped question ("(跳过)", −3, blank) gives no row. None for another table."""
    if detect(raw.headers) is None:
        return None
    found = choice_columns(raw.frame)
    if not found:
        return None
    parts = []
    rows = raw.frame.index.to_numpy()
    grouped: dict[str, list[tuple[str, str]]] = {}
    for c, (question, option) in found.items():
        if option is not None:
            grouped.setdefault(question, []).append((c, option))
            continue
        opts = _cells(raw.frame[c]).dropna().str.split(CHOICE_JOIN).explode().str.strip()
        opts = opts[opts.notna() & opts.ne("")]
        parts.append(pd.DataFrame({"source_row": opts.index.to_numpy(), "question": question,
                                   "option": opts.to_numpy(), "chosen": True}))
    for question, group in grouped.items():
        flags = pd.DataFrame({option: _cells(raw.frame[c]).map(CHOSEN_CELLS) for c, option in group})
        answered = flags.notna().any(axis=1).to_numpy()
        for option in flags.columns:
            chosen = flags[option].to_numpy(dtype=object)[answered]
            parts.append(pd.DataFrame({"source_row": rows[answered], "question": question, "option": option,
                                       "chosen": pd.array(chosen, dtype="boolean").fillna(False).astype(bool)}))
    out = pd.concat(parts, ignore_index=True)
    for col in ("question", "option"):
        out[col] = out[col].astype("str").str.normalize("NFKC")
    out.insert(0, "source_file", raw.file)
    return out.astype({"source_row": "int64", "chosen": bool})


def adapt(raw: RawTable, mapping=None) -> Adapted | None:
    """The table of a recognised platform download with canonical headers, or None."""
    platform = detect(raw.headers)
    if platform is None:
        return None
    spec = PLATFORMS[platform]
    title = (getattr(mapping, "title", None) or survey_title(raw.path, platform)).strip()
    frame = raw.frame
    cols = list(frame.columns)
    renamed: dict[str, str] = {}
    rules = _rules(getattr(mapping, "items", None))
    stems: dict[str, str] = {}  # question number → its field (for sub-columns without a match)
    choices = choice_columns(frame)  # multi-choice: into ``survey_choices``, not items
    for c in cols:
        m = _QUESTION.match(c) if c not in choices else None
        if not m or not (m.group(1) or m.group(2)):
            continue
        number, text = m.group(1) or m.group(2), m.group(3)
        sub = _SUB.match(text) if text else None
        tail = _TAIL.match(text) if text and not sub else None
        if sub:  # "5(服务态度)": a sub-question of question 5
            name = _field_of(sub.group(1) or sub.group(2), rules) or stems.get(number)
        else:  # "请评价以下方面(服务态度)": the bracket first, then the question text
            name = (_field_of(tail.group(2), rules) if tail else None) or _field_of(text, rules)
            if name is not None and not tail:
                stems[number] = name
        if name is not None and name not in renamed.values():
            renamed[c] = name
    out = {}
    converted, markers = {}, {}
    for c in cols:
        if c in choices:
            continue
        v = frame[c]
        if c in renamed or _QUESTION.match(c):
            blank = v.isin(MISSING_MARKERS).fillna(False)
            if blank.any():
                markers[renamed.get(c, c)] = int(blank.sum())
                v = v.mask(blank)
        name = renamed.get(c)
        if name in SCALES:
            v, n = score_labels(v, SCALES[name], getattr(mapping, "scale_labels", None))
            if n:
                converted[name] = n
        out[name or c] = v
    result = pd.DataFrame(out, index=frame.index)
    id_col = _cell_of(frame, spec["id"], cols)
    date_col = _cell_of(frame, spec["date"], cols)
    dur_col = _cell_of(frame, spec["duration"], cols)
    if id_col is not None:
        ids = frame[id_col].astype("str").str.strip()
        result[Survey.survey_id] = (f"{spec['code']}:{title}:" + ids).where(ids.notna())
        result = result.drop(columns=[id_col])
        renamed[id_col] = Survey.survey_id
    if date_col is not None:
        result = result.rename(columns={date_col: Survey.survey_date})
        renamed[date_col] = Survey.survey_date
    if dur_col is not None:
        result[RESPONSE_SECONDS] = seconds(frame[dur_col]).map(lambda x: f"{x:g}", na_action="ignore").astype("str")
        result = result.drop(columns=[dur_col])
        renamed[dur_col] = RESPONSE_SECONDS
    renamed.update(dict.fromkeys(choices, CHOICES))
    if Survey.method not in result.columns:
        result[Survey.method] = pd.Series("在线", index=result.index, dtype="str")
    headers = list(result.columns)
    new = replace(raw, headers=headers, frame=result)
    return Adapted(new, platform, title, renamed, converted, markers, f"{spec['code']}:{title}")


def speeders(data: pd.DataFrame, min_seconds: float = 60.0) -> pd.Series:
    """Responses faster than ``min_seconds`` (a quality flag for online surveys)."""
    if RESPONSE_SECONDS not in data:
        return pd.Series(False, index=data.index)
    return (data[RESPONSE_SECONDS] < min_seconds).fillna(False).astype(bool)


def _stem(text: str) -> str:
    """The keyword part of a question: "3、您对售楼处接待的评价" → "售楼处接待"."""
    m = _QUESTION.match(text)
    t = m.group(3) if m and (m.group(1) or m.group(2)) else text
    t = re.sub(r"^(请问)?(您对|您觉得|您认为|对)", "", t.strip())
    t = re.sub(r"(的)?(评价|满意程度|满意度|看法|打分|如何|怎么样)[?？]?$", "", t)
    return re.sub(r"[(（].*?[)）]", "", t).strip(" ，,。?？") or t


def item_snippet(unknown: dict, taken) -> tuple[str, list[str]]:
    """``[surveys.items]`` lines for unknown question columns whose answers are on a
    satisfaction scale: the item guessed from the question text (else the first item not
    yet read), with the question's keywords. Returns ``(text or "", headers covered)``."""
    import difflib

    free = [i for i in SURVEY_ITEMS if i.name not in set(taken)]
    lines, covered = [], []
    for header, values in unknown.items():
        if not _QUESTION.match(str(header)) or values is None or not len(values) or not free:
            continue
        scored, n = score_labels(values.astype("str"), (1, 5))
        numeric = pd.to_numeric(scored, errors="coerce")
        if numeric.notna().mean() < 0.8:
            continue
        stem = _stem(str(header))
        ratio = {i.name: max(difflib.SequenceMatcher(None, stem, a).ratio() for a in (i.label, *i.aliases)) for i in free}
        best = max(free, key=lambda i: ratio[i.name]) if max(ratio.values()) >= 0.3 else free[0]
        free = [i for i in free if i is not best]
        lines.append(f'{best.name} = ["{stem}"]  # 猜测：题目“{header}”的回答是量表（{best.label}？）')
        covered.append(header)
    return ("[surveys.items]\n" + "\n".join(lines) if lines else ""), covered

