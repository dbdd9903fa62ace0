"""The blank sales-target workbook the user fills in (``dealresearch targets-template``):
the target sheet with its headers and a 填写说明 sheet with examples."""

from __future__ import annotations

import os
from pathlib import Path

from ..ingest.targets import INSTRUCTIONS_SHEET, TEMPLATE_HEADERS
from ..schema import LEVELS
from . import xlsx

_INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    ("年度", "必填，四位年份，如 2027。只填年度表示年度目标。"),
    ("季度", "选填，1–4。填季度不填月份表示季度目标。"),
    ("月份", "选填，1–12。填月份表示月度目标（可同时填与之一致的季度）。"),
    ("周", "选填，ISO 周次 1–53（周一开始）。周目标不填季度和月份。"),
    ("层级", "必填：集团 / 项目 / 团队 / 个人。"),
    ("单位名称", "项目名称、销售团队名称或置业顾问姓名，须与成交数据中的写法一致；集团层级可留空。"),
    ("签约套数", "签约套数目标（套）。与签约金额至少填一项。"),
    ("签约金额(万元)", "签约金额目标，单位万元；也可写“1.2亿”“3500万”。"),
    ("回款金额(万元)", "选填，回款目标，单位万元。"),
    (
        "说明",
        "同一期间、层级、单位只填一行。某期没有本期目标时，系统会汇总其中的月度（或周）目标；"
        "不会把年度目标平均拆分到季度或月份。达成率 = 净签约（签约 − 退房 + 换房）÷ 目标。",
    ),
)


def write_targets_template(path: str | os.PathLike) -> Path:
    """Write an empty targets template (sheet 目标 with Chinese headers and input
    validation, sheet 填写说明 with instructions and examples). Returns the path. Written
    through :func:`dealresearch.fieldwork.xlsx.workbook` (no formulas; the folder must exist)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    with xlsx.workbook(path) as xw:
        _fill_targets_template(xw.book, xlsx)
    return path


def _fill_targets_template(wb, xlsx) -> None:
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    ws = wb.add_worksheet("目标")
    xlsx.write_row(ws, 0, 0, TEMPLATE_HEADERS, head)
    ws.set_column(0, 4, 9)
    ws.set_column(5, 5, 18)
    ws.set_column(6, 8, 15)
    ws.freeze_panes(1, 0)
    n = 5000
    ws.data_validation(
        1,
        0,
        n,
        0,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1900,
            "maximum": 2200,
            "error_message": "年度应为四位年份",
        },
    )
    for col, hi, name in ((1, 4, "季度"), (2, 12, "月份"), (3, 53, "周")):
        ws.data_validation(
            1,
            col,
            n,
            col,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 1,
                "maximum": hi,
                "error_message": f"{name}应为 1–{hi} 的整数",
            },
        )
    ws.data_validation(1, 4, n, 4, {"validate": "list", "source": list(LEVELS)})
    for col in (6, 7, 8):
        ws.data_validation(
            1,
            col,
            n,
            col,
            {"validate": "decimal", "criteria": ">=", "value": 0, "error_message": "目标应为非负数字"},
        )
    info = wb.add_worksheet(INSTRUCTIONS_SHEET)
    info.set_column(0, 0, 16)
    info.set_column(1, 1, 90)
    xlsx.write_row(info, 0, 0, ("列", "填写说明"), head)
    for i, (k, v) in enumerate(_INSTRUCTIONS, start=1):
        xlsx.write_row(info, i, 0, (k, v))
    ex = len(_INSTRUCTIONS) + 2
    xlsx.write(info, ex, 0, "示例", head)
    examples = (
        (2027, None, None, None, "集团", "集团", 2400, 360000, 300000),
        (2027, 1, None, None, "项目", "滨江壹号", 300, 45000, None),
        (2027, 1, 1, None, "团队", "销售一组", 40, 6000, None),
        (2027, None, 3, None, "个人", "张三", 8, 1200, None),
    )
    xlsx.write_row(info, ex + 1, 0, TEMPLATE_HEADERS, head)
    for i, row in enumerate(examples, start=ex + 2):
        xlsx.write_row(info, i, 0, row)
