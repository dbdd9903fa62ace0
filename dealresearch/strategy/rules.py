"""The rule engine behind :mod:`dealresearch.strategy.review`: an editable rule set (TOML) applied
to a findings table, giving :class:`Recommendation` objects with their evidence.

The shipped rules are ``strategy.toml`` in this folder (see the comments there for the
syntax); an analyst passes an edited copy with ``load_rules("my_rules.toml")``. A rule
tests every row of one finding with clauses ``field op value`` (all must hold) and
renders a Chinese title and text from templates. Reading the rule file is the only I/O
here: it is configuration, not data.

Evidence: a list of dicts with the keys ``figure`` (what was measured; "(%)" when the
value is a share shown ×100), ``value``, ``base``, ``n``, ``n_base``, ``period``, ``test``
and ``p_value`` (only those that apply). A finding the data cannot support gives one
recommendation per scope with ``supported = False`` whose text starts with "数据不足：".
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ALPHA, MIN_N
from ..errors import DealResearchError, ParameterError
from ..periods import parse_period
from . import findings as fd
from .findings import FindingColumns

CATEGORIES: tuple[str, ...] = ("销售策略", "产品策略", "客户服务")
FINDING_LABELS: dict[str, str] = {
    "channel_shift": "认知渠道占比变化",
    "purpose_shift": "购房目的占比变化",
    "unit_type_mix": "户型需求与项目结构",
    "price_band": "总价段集中度",
    "project_attainment": "项目目标达成",
    "rep_attainment": "置业顾问目标达成",
    "pacing": "销售时间进度",
    "cancel_rate": "退房率",
    "ipa": "满意度驱动因素（IPA）",
    "rep_satisfaction": "置业顾问客户推荐意愿",
    "survey_coverage": "年度调查覆盖率",
    "survey_overdue": "逾期未调查客户",
    "referral_potential": "老带新潜力",
    "comment_themes": "客户意见主题",
    "sales_yoy": "净签约同比",
    "rep_cancel": "置业顾问退房率",
    "followup_backlog": "客户跟进积压",
}
_CLAUSE = re.compile(
    r"""^\s*(\w+)\s*(>=|<=|==|!=|>|<)\s*("[^"]*"|'[^']*'|[-+]?\d+(?:\.\d+)?|[A-Za-z_]\w*)\s*$"""
)
_FIELDS = (FindingColumns.value, FindingColumns.base, FindingColumns.delta, FindingColumns.n, FindingColumns.n_base, FindingColumns.p_value, FindingColumns.subject, FindingColumns.tag, FindingColumns.project)
_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


# ------------------------------------------------------------------------ data classes
@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: float | str


@dataclass(frozen=True)
class Rule:
    id: str
    finding: str
    when: tuple[Clause, ...]
    category: str
    priority: int
    title: str
    text: str
    params: dict = field(default_factory=dict)
    max_items: int | None = None  # at most this many recommendations per scope …
    rank_by: str = FindingColumns.value  # … keeping the rows largest in this field
    order: str = "desc"  # desc / asc / abs (largest absolute value)
    better: str | None = None  # "higher" / "lower": which way the value should move (default: from ``when``)
    track: str = FindingColumns.value  # the finding column followed up next period (value, base or delta)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    settings: dict
    topics: dict


@dataclass
class Recommendation:
    """One recommendation. ``evidence``: list of dicts (figure, value, base, n, n_base,
    period, test, p_value — only those that apply)."""

    category: str
    title: str
    text: str
    evidence: list[dict]
    priority: int = 3
    rule: str = ""
    project: str | None = None
    supported: bool = True
    finding: str = ""
    subject: str = ""
    unit: str = ""
    value: float | None = None  # the evidence figure (the finding's value, as computed)
    amount: float | None = None  # money at stake (元)
    affected: float | None = None  # customers or units concerned
    better: str = "lower"  # which way of ``value`` would mean the problem eases: lower / higher
    track: str = "value"  # the finding column ``value`` was taken from


# ------------------------------------------------------------------------------ rules
class _Formatter(string.Formatter):
    """str.format that shows missing numbers as — instead of nan."""

    def format_field(self, value, format_spec):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return "—"
        return super().format_field(value, format_spec)


_FMT = _Formatter()


def _template_fields(row: dict, params: dict) -> dict:
    out = dict(params)
    out.update(row)
    for k in ("value", "base", "delta", "threshold", "amount"):
        v = out.get(k)
        num = float(v) if isinstance(v, (int, float, np.number)) else math.nan  # NaN stays NaN below
        if k == "delta":
            out["delta_pp"], out["delta_abs"] = abs(num) * 100, abs(num)
        else:
            out[f"{k}_pct"], out[f"{k}_yi"], out[f"{k}_wan"] = num * 100, num / 1e8, num / 1e4
    for k in ("period", "base_period"):  # "2026Q3" reads 2026年第3季度 in the text
        try:
            out[k] = parse_period(str(out[k])).label_zh
        except (KeyError, DealResearchError):
            pass
    return out


def _parse_clause(text: str, rule_id: str, params: dict) -> Clause:
    m = _CLAUSE.match(str(text))
    if not m:
        raise ParameterError(
            f"规则“{rule_id}”的条件“{text}”无法识别：应写成“字段 比较符 值”，如 “delta >= threshold”。"
        )
    fld, op, raw = m.groups()
    if fld not in _FIELDS:
        raise ParameterError(f"规则“{rule_id}”的条件字段“{fld}”未知：可用 {'、'.join(_FIELDS)}。")
    if raw[:1] in "\"'" and raw[-1:] == raw[:1]:
        value: float | str = raw[1:-1]
        if op not in ("==", "!="):
            raise ParameterError(f"规则“{rule_id}”：文字只能用 == 或 != 比较（“{text}”）。")
    else:
        try:
            value = float(raw)
        except ValueError:
            if raw not in params:
                raise ParameterError(f"规则“{rule_id}”的条件“{text}”引用了未定义的参数“{raw}”。") from None
            value = float(params[raw])
    return Clause(fld, op, value)


def parse_rules(data: dict) -> RuleSet:
    """Validate a rule set given as a dict (the parsed TOML)."""
    settings = {"alpha": ALPHA, "min_n": MIN_N, "against": "qoq", **data.get("settings", {})}
    rules, seen = [], set()
    for i, r in enumerate(data.get("rules", []), start=1):
        rid = str(r.get("id") or f"第{i}条")
        missing = [k for k in ("finding", "category", "title", "text", "when") if k not in r]
        if missing:
            raise ParameterError(f"规则“{rid}”缺少字段：{'、'.join(missing)}。")
        if rid in seen:
            raise ParameterError(f"规则编号“{rid}”重复。")
        seen.add(rid)
        if r["finding"] not in fd.FINDINGS:
            raise ParameterError(
                f"规则“{rid}”的 finding“{r['finding']}”未知：可用 {'、'.join(fd.FINDINGS)}。"
            )
        if r["category"] not in CATEGORIES:
            raise ParameterError(f"规则“{rid}”的类别“{r['category']}”未知：可用 {'、'.join(CATEGORIES)}。")
        params = {k: v for k, v in settings.items() if isinstance(v, (int, float))}
        params.update(
            {k: v for k, v in r.items() if isinstance(v, (int, float)) and k not in ("priority", "max_items")}
        )
        when = tuple(_parse_clause(c, rid, params) for c in r["when"])
        order = str(r.get("order", "desc"))
        rank_by = str(r.get("rank_by", FindingColumns.value))
        if order not in ("desc", "asc", "abs") or rank_by not in _FIELDS:
            raise ParameterError(
                f"规则“{rid}”：order 只能是 desc / asc / abs，rank_by 只能是 {'、'.join(_FIELDS)}。"
            )
        rule = Rule(
            rid,
            r["finding"],
            when,
            r["category"],
            int(r.get("priority", 3)),
            r["title"],
            r["text"],
            params,
            int(r["max_items"]) if "max_items" in r else None,
            rank_by,
            order,
            _better_of(r, rid),
            _track_of(r, rid),
        )
        dummy = _template_fields({c: 1.0 for c in fd.COLUMNS}, params)
        for part in (rule.title, rule.text):
            try:
                _FMT.format(part, **dummy)
            except (KeyError, ValueError, IndexError) as e:
                raise ParameterError(
                    f"规则“{rid}”的文字模板有误：{e}（可用占位符见 strategy.toml 开头的说明）。"
                ) from e
        rules.append(rule)
    return RuleSet(tuple(rules), settings, dict(data.get("topics", {})))


def _better_of(r: dict, rid: str) -> str | None:
    better = r.get("better")
    if better not in (None, "higher", "lower"):
        raise ParameterError(f"规则“{rid}”：better 只能是 higher（越高越好）或 lower（越低越好）。")
    return better


def _track_of(r: dict, rid: str) -> str:
    track = str(r.get("track", FindingColumns.value))
    if track not in (FindingColumns.value, FindingColumns.base, FindingColumns.delta):
        raise ParameterError(f"规则“{rid}”：track 只能是 value、base 或 delta。")
    return track


def load_rules(source: str | Path | dict | None = None) -> RuleSet:
    """The rule set: the packaged ``strategy/strategy.toml`` (None), an edited TOML file
    (path), or a dict."""
    if isinstance(source, dict):
        return parse_rules(source)
    try:
        if source is None:
            text = resources.files("dealresearch").joinpath("strategy/strategy.toml").read_text(encoding="utf-8")
            where = "内置规则 strategy/strategy.toml"
        else:
            text, where = Path(source).read_text(encoding="utf-8"), str(source)
        data = tomllib.loads(text)
    except FileNotFoundError as e:
        raise ParameterError(f"找不到规则文件：{source}") from e
    except tomllib.TOMLDecodeError as e:
        raise ParameterError(f"规则文件格式错误（{where}）：{e}") from e
    return parse_rules(data)


# ------------------------------------------------------------------------- evaluation
def _mask(df: pd.DataFrame, clause: Clause) -> np.ndarray:
    col = df[clause.field]
    if isinstance(clause.value, str):
        eq = (col.astype("str") == clause.value).fillna(False).to_numpy(dtype=bool)
        return eq if clause.op == "==" else ~eq
    x = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64")
    if clause.op == "==":
        return x == clause.value
    if clause.op == "!=":
        return ~np.isnan(x) & (x != clause.value)
    return _OPS[clause.op](x, clause.value) & ~np.isnan(x)


def _num(v, unit: str, share: bool = True):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if unit == "count":
        return int(v)
    return round(float(v) * (100 if unit == "share" and share else 1), 2)


def evidence_of(row: dict) -> dict:
    """The evidence dict of one finding row."""
    unit = row.get(FindingColumns.unit) or ""
    ev = {
        "figure": row[FindingColumns.figure] + ("(%)" if unit == "share" else ""),
        "value": _num(row[FindingColumns.value], unit),
        "base": _num(row[FindingColumns.base], unit if unit != "count" else "share"),
        "n": None if pd.isna(row[FindingColumns.n]) else int(row[FindingColumns.n]),
        "n_base": None if pd.isna(row.get(FindingColumns.n_base)) else int(row[FindingColumns.n_base]),
        "period": row[FindingColumns.period]
        + (f"（对照：{row[FindingColumns.base_period]}）" if isinstance(row.get(FindingColumns.base_period), str) else ""),
        "test": row[FindingColumns.test],
        "p_value": None if pd.isna(row.get(FindingColumns.p_value)) else round(float(row[FindingColumns.p_value]), 4),
    }
    return {k: v for k, v in ev.items() if v is not None and v != ""}


def _float(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _affected(row: dict) -> float | None:
    """Customers (or units) a problem concerns: the finding's own count when it gives one, else
    the share that moved (or the share) × n for shares, the not-satisfied part × n for IPA
    scores (表现得分 0–100), n for NPS figures, the value for counts."""
    own, unit, n = _float(row.get(FindingColumns.affected)), row.get(FindingColumns.unit) or "", _float(row.get(FindingColumns.n))
    if own is not None or n is None:
        return own if own is not None or unit != "count" else _float(row.get(FindingColumns.value))
    delta, value, base = _float(row.get(FindingColumns.delta)), _float(row.get(FindingColumns.value)), _float(row.get(FindingColumns.base))
    if unit == "share":
        share = abs(delta) if delta is not None else value
        return None if share is None else round(share * n, 1)
    if unit == "pct" and base is not None:
        return round(n * max(0.0, 100 - base) / 100, 1)
    if unit == "count":
        return value
    return n


def _better(rule: Rule) -> str:
    """Which way the evidence value moves when the problem eases: a rule that fires on a low
    value (``value < …``) wants it higher; on a high value or a rise, lower."""
    if rule.better:
        return rule.better
    for c in rule.when:
        if c.field in (FindingColumns.value, FindingColumns.delta) and c.op in ("<", "<="):
            return "higher"
        if c.field in (FindingColumns.value, FindingColumns.delta) and c.op in (">", ">="):
            return "lower"
    return "lower"


def evaluate(table: pd.DataFrame, rules: RuleSet | None = None) -> list[Recommendation]:
    """Apply the rules to a findings table: fired recommendations (sorted by priority,
    then category) followed by one 数据不足 note per unsupported finding."""
    rs = rules or load_rules()
    fired, unsupported = [], {}
    for rule in rs.rules:
        rows = table[table[FindingColumns.finding] == rule.finding]
        if rows.empty:
            continue
        bad = rows[~rows[FindingColumns.available].astype(bool)]
        if len(bad):  # one note per scope and reason, naming every finding it blocks
            key = (bad[FindingColumns.project].iloc[0], bad[FindingColumns.reason].iloc[0])
            unsupported.setdefault(key, []).append(rule)
            continue
        mask = np.ones(len(rows), dtype=bool)
        for c in rule.when:
            mask &= _mask(rows, c)
        hits = rows[mask]
        if rule.max_items is not None and len(hits) > rule.max_items:
            key = pd.to_numeric(hits[rule.rank_by], errors="coerce")
            key = key.abs() if rule.order == "abs" else key
            hits = hits.assign(_k=key).sort_values("_k", ascending=rule.order == "asc", kind="stable")
            hits = hits.groupby(FindingColumns.project, sort=False).head(rule.max_items).drop(columns="_k")
        for row in hits.to_dict("records"):
            fields = _template_fields(row, rule.params)
            fields["project"] = row[FindingColumns.project] if row[FindingColumns.project] != fd.GROUP else "集团"
            fired.append(
                Recommendation(
                    category=rule.category,
                    title=_FMT.format(rule.title, **fields),
                    text=_FMT.format(rule.text, **fields),
                    evidence=[evidence_of(row)],
                    priority=rule.priority,
                    rule=rule.id,
                    project=row[FindingColumns.project],
                    finding=rule.finding,
                    subject=str(row[FindingColumns.subject]),
                    unit=str(row.get(FindingColumns.unit) or ""),
                    value=_float(row[rule.track]),
                    track=rule.track,
                    amount=_float(row.get(FindingColumns.amount)),
                    affected=_affected(row),
                    better=_better(rule),
                )
            )
    fired.sort(key=lambda r: (r.priority, CATEGORIES.index(r.category)))
    notes = []
    for (project, reason), rules_ in unsupported.items():
        labels = "、".join(dict.fromkeys(FINDING_LABELS.get(r.finding, r.finding) for r in rules_))
        notes.append(
            Recommendation(
                category=rules_[0].category,
                title=f"数据不足：{labels}",
                text=f"数据不足：{reason}，本期无法判断“{labels}”。",
                evidence=[{"figure": labels, "test": "未计算", "reason": reason}],
                priority=9,
                rule="、".join(r.id for r in rules_),
                project=project,
                supported=False,
            )
        )
    return fired + notes
