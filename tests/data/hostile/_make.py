"""Builds the hostile-file corpus (run once; the files are committed):

    .venv/bin/python tests/data/hostile/_make.py

Each file plants one kind of dirt; ``expected.json`` gives its reconciliation (or the
error it must raise). All people, phones and ID numbers are synthetic (check digits
computed, names invented).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
H = [
    "合同编号",
    "项目名称",
    "交易状态",
    "签约日期",
    "成交总价",
    "建筑面积",
    "成交单价",
    "客户姓名",
    "联系电话",
    "证件号码",
]
ID1, ID2, ID3 = "11010519491231002X", "440305198001010014", "330106199003070022"  # valid check digits


def row(
    i,
    date="2026-03-05",
    total="3000000",
    status="签约",
    area="100",
    price="30000",
    name="测试甲",
    phone="13800138000",
    idno=ID1,
):
    return [f"HT{i:03d}", "测试项目", status, date, total, area, price, name, phone, idno]


def csv_text(rows, sep=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def main() -> None:
    exp = {}
    # 1. GBK csv with full-width digits, money variants, +86 phones, lower-case x
    rows = [
        H,
        row(1, total="￥300万", phone="+86 138-0013-8000", idno=ID1.lower()),
        row(2, date="２０２６年３月５日", total="３,０００,０００", phone="138 0013 8001", idno=ID2),
        row(3, date="20260305", total="300.5万元", area="100.5㎡", price="29,900元", idno=ID3),
        row(4, date="46086", total="3000000元", area="100平方米"),
    ]
    (HERE / "gbk_fullwidth.csv").write_bytes(csv_text(rows).encode("gbk"))
    exp["gbk_fullwidth.csv"] = {
        "rows_read": 4,
        "rows_clean": 4,
        "rows_rejected": 0,
        "duplicates_merged": 0,
        "non_data_rows": 0,
        "total_price_sum": 3e6 + 3e6 + 3005000 + 3e6,
    }
    # 2. UTF-8 with BOM, blank rows anywhere, totals rows, trailing empty columns
    rows = [
        [*H, "", ""],
        [*row(1), "", ""],
        [""] * 12,
        [*row(2), "", ""],
        ["  "] * 12,
        [*row(3), "", ""],
        ["小计", "", "", "", "6000000", "", "", "", "", "", "", ""],
        [""] * 12,
        ["合计", "", "", "", "9000000", "", "", "", "", "", "", ""],
    ]
    (HERE / "bom_blank_totals.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    exp["bom_blank_totals.csv"] = {
        "rows_read": 8,
        "rows_clean": 3,
        "rows_rejected": 0,
        "duplicates_merged": 0,
        "non_data_rows": 5,
    }
    # 3. ragged rows + empty lines + a repeated header (two exports pasted together)
    text = csv_text([H, row(1), row(2)[:7]]) + "\n" + csv_text([H, row(3), [*row(4), "extra"]])
    (HERE / "ragged_repeated_header.csv").write_text(text, encoding="utf-8")
    exp["ragged_repeated_header.csv"] = {
        "rows_read": 6,
        "rows_clean": 4,
        "rows_rejected": 0,
        "duplicates_merged": 0,
        "non_data_rows": 2,
    }
    # 4. tab-separated .txt with two title rows
    rows = [["2026年一季度成交客户明细"], ["导出人：营销管理部"], H, row(1), row(2)]
    (HERE / "tab_title_rows.txt").write_text(csv_text(rows, "\t"), encoding="utf-8")
    exp["tab_title_rows.txt"] = {
        "rows_read": 2,
        "rows_clean": 2,
        "rows_rejected": 0,
        "duplicates_merged": 0,
        "non_data_rows": 0,
        "first_source_row": 4,
    }
    # 5. rejects and warnings
    rows = [
        H,
        row(1),
        row(2, date="待定"),
        row(3, total="面议"),
        [""] + row(4)[1:],
        row(5, date=""),
        row(6, idno="110105194912310021"),
        row(7, price="50000"),
        row(8, phone="12345"),
    ]
    (HERE / "rejects_warnings.csv").write_text(csv_text(rows), encoding="utf-8")
    exp["rejects_warnings.csv"] = {
        "rows_read": 8,
        "rows_clean": 4,
        "rows_rejected": 4,
        "duplicates_merged": 0,
        "non_data_rows": 0,
        "rejects_by_reason": {
            "签约日期无法识别": 1,
            "成交总价不是数字": 1,
            "缺少合同编号": 1,
            "缺少签约日期": 1,
        },
        "warnings_by_reason": {
            "证件号码校验位错误": 1,
            "成交单价与总价/面积不符（差异超过2%）": 1,
            "联系电话无法识别，已置空": 1,
        },
    }
    # 6. duplicates and a later cancellation with its own date column
    rows = [
        [*H, "退房日期"],
        [*row(1), ""],
        [*row(1), ""],
        [*row(2), ""],
        [*row(2, status="退房"), "2026-04-01"],
        [*row(3, status="已网签"), ""],
    ]
    (HERE / "duplicates_status.csv").write_text(csv_text(rows), encoding="utf-8")
    exp["duplicates_status.csv"] = {
        "rows_read": 5,
        "rows_clean": 3,
        "rows_rejected": 0,
        "duplicates_merged": 2,
        "non_data_rows": 0,
        "exact_duplicates": 1,
        "status_updates": 1,
        "final_status": {"HT002": "退房", "HT003": "签约"},
        "events": {"HT002": {"签约": "2026-03-05", "退房": "2026-04-01"}},
    }
    # 7. undecodable bytes (neither UTF-8 nor GB18030)
    (HERE / "undecodable.csv").write_bytes(csv_text([H, row(1)]).encode("utf-8") + b"\x81\x30\xff\xff,\n")
    exp["undecodable.csv"] = {"error": "InputFileError", "message_contains": ["undecodable.csv", "字节"]}
    # 8. required column missing
    (HERE / "missing_columns.csv").write_text(
        csv_text([["合同号码", "项目名称", "签约日", "状态"], ["HT1", "x", "2026-01-01", "签约"]]),
        encoding="utf-8",
    )
    exp["missing_columns.csv"] = {
        "error": "MissingColumnsError",
        "message_contains": ["签约日期", "成交总价", "签约日", "合同号码"],
    }
    # 9. workbook: a notes sheet, a two-row merged header with a unit row, title row, two data sheets
    wb = xlsxwriter.Workbook(str(HERE / "two_row_header.xlsx"))
    wb.add_worksheet("说明").write(0, 0, "本文件由CRM导出，金额单位见表头")
    ws = wb.add_worksheet("一季度")
    ws.write(0, 0, "一季度成交明细")
    ws.write_row(1, 0, ["合同编号", "项目名称", "签约日期", "成交总价", "客户信息", "", "建筑面积"])
    ws.write_row(2, 0, ["", "", "", "(万元)", "姓名", "手机号码", "(㎡)"])
    ws.write_row(3, 0, ["HT001", "测试项目", "2026-03-05", 300.5, "测试甲", "13800138000", 100.5])
    ws.write_row(4, 0, ["HT002", "测试项目", 46086, "¥250万", "测试乙", "13800138001", "90㎡"])
    ws.write_row(5, 0, ["合计", "", "", 550.5, "", "", ""])
    ws2 = wb.add_worksheet("二季度")
    ws2.write_row(0, 0, ["合同编号", "项目名称", "签约日期", "成交总价(元)"])
    ws2.write_row(1, 0, ["HT003", "测试项目", "2026/4/1", 1000000])
    wb.close()
    exp["two_row_header.xlsx"] = {
        "rows_read": 4,
        "rows_clean": 3,
        "rows_rejected": 0,
        "duplicates_merged": 0,
        "non_data_rows": 1,
        "total_price_sum": 3005000 + 2500000 + 1000000,
        "skipped_sheets": ["说明"],
    }
    # 10. surveys: garbage answers, a survey exported twice, customer only by CRM code
    sh = [
        "调查编号",
        "调查日期",
        "调查方式",
        "客户编号",
        "联系电话",
        "服务态度",
        "总体满意度",
        "推荐意愿",
        "意见和建议",
    ]
    rows = [
        sh,
        ["S1", "2026-03-01", "电话回访", "KH1", "", "5", "好", "10", "请回电 13800138000"],
        ["S2", "2026-03-02", "问卷", "", "13800138001", "-99", "4", "N/A", ""],
        ["S2", "2026-03-02", "问卷", "", "13800138001", "-99", "4", "N/A", ""],
        ["S3", "2026/3/3", "上门", "", "", "", "6", "11", "无"],
        ["", "2026-03-04", "电话", "", "", "5", "5", "9", ""],
    ]
    (HERE / "surveys_garbage.csv").write_text(csv_text(rows), encoding="utf-8")
    exp["surveys_garbage.csv"] = {
        "kind": "surveys",
        "rows_read": 5,
        "rows_clean": 3,
        "rows_rejected": 1,
        "duplicates_merged": 1,
        "non_data_rows": 0,
        "invalid_scores": {
            "service_attitude": {"超出量表范围": 1, "空白": 1},
            "overall_satisfaction": {"非数字": 1, "超出量表范围": 1},
            "recommend": {"非数字": 1, "超出量表范围": 1},
        },
    }
    (HERE / "expected.json").write_text(json.dumps(exp, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
