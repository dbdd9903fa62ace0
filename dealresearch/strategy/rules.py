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
from ..errors import ParameterError
from . import findings as fd
from .findings import F

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
}
_CLAUSE = re.compile(
    r"""^\s*(\w+)\s*(>=|<=|==|!=|>|<)\s*("[^"]*"|'[^']*'|[-+]?\d+(?:\.\d+)?|[A-Za-z_]\w*)\s*$"""
)
_FIELDS = (F.value, F.base, F.delta, F.n, F.n_base, F.p_value, F.subject, F.tag, F.project)
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
    rank_by: str = F.value  # … keeping the rows largest in this field
    order: str = "desc"  # desc / asc / abs (largest absolute value)


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
    for k in ("value", "base", "delta", "threshold"):
        v = out.get(k)
        num = float(v) if isinstance(v, (int, float, np.number)) else math.nan  # NaN stays NaN below
        if k == "delta":
            out["delta_pp"], out["delta_abs"] = abs(num) * 100, abs(num)
        else:
            out[f"{k}_pct"] = num * 100
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
        rank_by = str(r.get("rank_by", F.value))
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


#: clause fields and operators as readers see them in the rules table
FIELD_LABELS: dict[str, str] = {
    F.value: "本期值", F.base: "对照值", F.delta: "变化", F.n: "样本量", F.n_base: "对照样本量",
    F.p_value: "p 值", F.subject: "对象", F.tag: "分类", F.project: "项目",
}
_OP_LABELS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _clause_text(c: Clause) -> str:
    value = c.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = f"“{value}”" if isinstance(value, str) else f"{value:g}"
    return f"{FIELD_LABELS.get(c.field, c.field)} {_OP_LABELS[c.op]} {shown}"


def rules_table(rules: RuleSet | None = None) -> pd.DataFrame:
    """The rules as a display table in Chinese (规则 = the title with its blanks as …,
    类别, 优先级, 依据, 条件); rule ids stay in the TOML file."""
    rs = rules or load_rules()
    return pd.DataFrame(
        {
            "规则": [_PLACEHOLDER.sub("…", r.title) for r in rs.rules],
            "类别": [r.category for r in rs.rules],
            "优先级": [r.priority for r in rs.rules],
            "依据": [FINDING_LABELS.get(r.finding, r.finding) for r in rs.rules],
            "条件": ["；".join(_clause_text(c) for c in r.when) for r in rs.rules],
        }
    )


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
    unit = row.get(F.unit) or ""
    ev = {
        "figure": row[F.figure] + ("(%)" if unit == "share" else ""),
        "value": _num(row[F.value], unit),
        "base": _num(row[F.base], unit if unit != "count" else "share"),
        "n": None if pd.isna(row[F.n]) else int(row[F.n]),
        "n_base": None if pd.isna(row.get(F.n_base)) else int(row[F.n_base]),
        "period": row[F.period]
        + (f"（对照：{row[F.base_period]}）" if isinstance(row.get(F.base_period), str) else ""),
        "test": row[F.test],
        "p_value": None if pd.isna(row.get(F.p_value)) else round(float(row[F.p_value]), 4),
    }
    return {k: v for k, v in ev.items() if v is not None and v != ""}


def evaluate(table: pd.DataFrame, rules: RuleSet | None = None) -> list[Recommendation]:
    """Apply the rules to a findings table: fired recommendations (sorted by priority,
    then category) followed by one 数据不足 note per unsupported finding."""
    rs = rules or load_rules()
    fired, unsupported = [], {}
    for rule in rs.rules:
        rows = table[table[F.finding] == rule.finding]
        if rows.empty:
            continue
        bad = rows[~rows[F.available].astype(bool)]
        if len(bad):  # one note per scope and reason, naming every finding it blocks
            key = (bad[F.project].iloc[0], bad[F.reason].iloc[0])
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
            hits = hits.groupby(F.project, sort=False).head(rule.max_items).drop(columns="_k")
        for row in hits.to_dict("records"):
            fields = _template_fields(row, rule.params)
            fields["project"] = row[F.project] if row[F.project] != fd.GROUP else "集团"
            fired.append(
                Recommendation(
                    category=rule.category,
                    title=_FMT.format(rule.title, **fields),
                    text=_FMT.format(rule.text, **fields),
                    evidence=[evidence_of(row)],
                    priority=rule.priority,
                    rule=rule.id,
                    project=row[F.project],
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
