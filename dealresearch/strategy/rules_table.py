"""The rule set as a Chinese display table (the report's 方法与口径 appendix)."""

from __future__ import annotations

import re

import pandas as pd

from .findings import FindingColumns
from .rules import FINDING_LABELS, Clause, RuleSet, load_rules

#: clause fields and operators as readers see them in the rules table
FIELD_LABELS: dict[str, str] = {
    FindingColumns.value: "本期值", FindingColumns.base: "对照值", FindingColumns.delta: "变化", FindingColumns.n: "样本量", FindingColumns.n_base: "对照样本量",
    FindingColumns.p_value: "p 值", FindingColumns.subject: "对象", FindingColumns.tag: "分类", FindingColumns.project: "项目",
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
