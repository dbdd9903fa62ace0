"""Fixture generators for real export layouts (not ``dealresearch.synth``): a 明源-style
deal export, 问卷星 / 腾讯问卷 downloads and a sales director's target sheet. Each returns
the truth it planted (row counts, phones, scores, comment texts)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from dealresearch.fieldwork import xlsx

PROJECT = "滨江壹号"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number(rng: np.random.Generator) -> str:
    """A valid 18-digit resident ID (Hangzhou region, born 1970–1999)."""
    birth = pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(rng.integers(0, 365 * 30)))
    body = f"330106{birth:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def mobile(rng: np.random.Generator, used: set) -> str:
    while True:
        p = f"13{int(rng.integers(0, 10))}{int(rng.integers(0, 10**8)):08d}"
        if p not in used:
            used.add(p)
            return p


# ------------------------------------------------------------------------------ 明源
MINGYUAN_HEADERS = (
    "序号", "项目名称", "楼栋", "房间", "房号全称", "客户名称", "联系方式", "移动电话", "证件类型",
    "证件号码", "认购时间", "签约时间", "合同总价(万元)", "建筑面积(㎡)", "成交单价(元/㎡)",
    "置业顾问", "付款方式", "认知途径", "置业目的", "置业次数", "户型", "交易状态",
)
UNIT_TYPES = {"三室两厅两卫": "三房", "两室两厅一卫": "二房", "四室两厅两卫": "四房", "一室一厅一卫": "一房"}
PAYMENTS = {"按揭付款": "商业按揭", "一次性付款": "一次性", "公积金贷款": "公积金", "组合贷款": "组合贷"}
CHANNELS = {"报纸": "报纸电视", "电视广告": "报纸电视", "微信朋友圈": "网络", "中介渠道": "中介", "电话call客": "电话"}
PURPOSES = {"自住": "自住", "改善住房": "改善", "投资": "投资"}
COUNTS = {"首次置业": "首次", "二次置业": "二次", "多次置业": "多次"}


def mingyuan_rows(n: int = 305, cancelled: int = 12, landlines: int = 81, no_contact: int = 73,
                  co_buyers: int = 20, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    used: set = set()
    rows, truth = [], {"mobiles": [], "landline_rows": [], "co_buyer_rows": [], "cancelled_rows": []}
    order = rng.permutation(n)
    landline_at = set(order[:landlines].tolist())
    blank_at = set(order[landlines:landlines + no_contact].tolist())
    co_at = set(rng.choice(n, co_buyers, replace=False).tolist())
    cancel_at = set(rng.choice(n, cancelled, replace=False).tolist())
    for i in range(n):
        phone = mobile(rng, used)
        ident = id_number(rng) if i % 50 else None  # a few exports lack the ID number
        name = "客户" + str(i)
        if i in co_at:
            name += ";共同" + str(i)
            ident = (ident or id_number(rng)) + ";" + id_number(rng)
            truth["co_buyer_rows"].append(i)
        contact = phone
        if i in landline_at:
            contact = f"0571-8{int(rng.integers(0, 10**7)):07d}"
            truth["landline_rows"].append(i)
        elif i in blank_at:
            contact = None
        sub = pd.Timestamp("2026-07-01") + pd.Timedelta(days=int(rng.integers(0, 80)))
        sign = sub + pd.Timedelta(days=int(rng.integers(3, 10)))
        area = float(rng.choice([89.5, 105.2, 128.0, 143.6]))
        price_wan = round(area * float(rng.integers(28000, 36000)) / 1e4, 2)
        ut = list(UNIT_TYPES)[i % 4]
        status = "退房" if i in cancel_at else "签约"
        if status == "退房":
            truth["cancelled_rows"].append(i)
        rows.append({
            "序号": i + 1, "项目名称": PROJECT, "楼栋": f"{i % 6 + 1}栋", "房间": f"{i // 6 + 1:02d}{i % 4 + 1:02d}",
            "房号全称": f"{PROJECT}-{i % 6 + 1}栋-{i // 6 + 1:02d}{i % 4 + 1:02d}", "客户名称": name,
            "联系方式": contact, "移动电话": phone, "证件类型": "身份证", "证件号码": ident,
            "认购时间": sub, "签约时间": sign, "合同总价(万元)": price_wan, "建筑面积(㎡)": area,
            "成交单价(元/㎡)": round(price_wan * 1e4 / area, 2), "置业顾问": ["张伟", "李娜", "王强"][i % 3],
            "付款方式": list(PAYMENTS)[i % 4], "认知途径": list(CHANNELS)[i % 5], "置业目的": list(PURPOSES)[i % 3],
            "置业次数": list(COUNTS)[i % 3], "户型": ut, "交易状态": status,
        })
        truth["mobiles"].append(phone)
    frame = pd.DataFrame(rows, columns=list(MINGYUAN_HEADERS))
    truth.update(n=n, cancelled=cancelled, landlines=landlines, co_buyers=co_buyers,
                 total_yuan=float((frame["合同总价(万元)"] * 1e4).sum()))
    return frame, truth


def write_mingyuan(path: Path, frame: pd.DataFrame, header_row: int = 3, notes: bool = True,
                   totals: bool = True) -> Path:
    """The export as 明源 writes it: a merged title row and a 查询条件 row above the header
    (``header_row`` = 1 drops them), a 合计 row "共 N 条", a notes sheet."""
    path = Path(path)
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("成交明细")
        r = 0
        if header_row >= 3:
            ws.merge_range(0, 0, 0, len(frame.columns) - 1, f"{PROJECT}项目成交明细表 导出时间：2026-10-08 09:30")
            xlsx.write(ws, 1, 0, "查询条件：签约时间 2026-07-01 至 2026-09-30；项目：" + PROJECT)
            r = header_row - 1
        xlsx.write_row(ws, r, 0, list(frame.columns))
        for i, rec in enumerate(frame.itertuples(index=False), start=r + 1):
            xlsx.write_row(ws, i, 0, list(rec))
        if totals:
            xlsx.write_row(ws, r + 1 + len(frame), 0, [f"共 {len(frame)} 条"])
        if notes:
            ns = xw.book.add_worksheet("说明")
            xlsx.write(ns, 0, 0, "本表由销售系统导出，仅供内部使用。")
            xlsx.write(ns, 1, 0, "金额单位：万元；面积单位：平方米。")
    return path


# ------------------------------------------------------------------------ 问卷星
ITEM_QUESTIONS = (
    ("service_attitude", "您对置业顾问服务态度的满意程度"),
    ("professionalism", "您对置业顾问专业能力的满意程度"),
    ("responsiveness", "您对问题响应速度的满意程度"),
    ("product_quality", "您对房屋质量的满意程度"),
    ("price_fairness", "您对价格合理性的满意程度"),
    ("communication", "您对沟通反馈的满意程度"),
    ("overall_satisfaction", "总体而言，您对本次购房经历的满意程度"),
)
LABELS5 = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}


def survey_answers(phones: list[str], n: int = 200, skipped: int = 14, commented: int = 82,
                   seed: int = 1) -> tuple[pd.DataFrame, dict]:
    """The planted answers (scores 1–5 per item, NPS 0–10, comments, skips)."""
    rng = np.random.default_rng(seed)
    ans = pd.DataFrame({
        "phone": [phones[i] for i in rng.choice(len(phones), n, replace=False)],
        "submitted": [pd.Timestamp("2026-10-10 09:00") + pd.Timedelta(minutes=int(m))
                      for m in rng.integers(0, 60 * 24 * 20, n)],
        "seconds": rng.integers(40, 900, n),
        "recommend": rng.integers(0, 11, n),
    })
    for item, _ in ITEM_QUESTIONS:
        ans[item] = rng.integers(1, 6, n).astype(float)
    skip_rows = rng.choice(n, skipped, replace=False)
    ans.loc[skip_rows, "service_attitude"] = np.nan  # "(跳过)" / -3
    ans["comment"] = None
    com_rows = rng.choice(n, commented, replace=False)
    ans.loc[com_rows, "comment"] = [f"第{k}号意见：希望物业响应再快一些" for k in range(commented)]
    return ans, {"n": n, "skipped": skipped, "commented": commented, "blank_comments": n - commented}


def wjx_frame(ans: pd.DataFrame, mode: str = "text", start_id: int = 1) -> pd.DataFrame:
    """A 问卷星 download: 按选项文本 (``mode="text"``) or 按选项序号 (``"score"``)."""
    out = {
        "序号": np.arange(start_id, start_id + len(ans)),
        "提交答卷时间": ans["submitted"].dt.strftime("%Y/%m/%d %H:%M:%S"),
        "所用时间": [f"{s}秒" for s in ans["seconds"]],
        "来源": "微信", "来源详情": "N/A", "来自IP": "115.192.1.1(浙江-杭州)",
        "1、您的手机号码": ans["phone"], "2、您购买的项目": PROJECT,
    }
    for k, (item, q) in enumerate(ITEM_QUESTIONS, start=3):
        v = ans[item]
        if mode == "text":
            out[f"{k}、{q}"] = v.map(LABELS5).fillna("(跳过)")
        else:
            out[f"{k}、{q}"] = v.fillna(-3).astype(int)
    out["10、您向亲友推荐我们的可能性有多大（0-10分）"] = ans["recommend"]
    out["11、您的意见和建议"] = ans["comment"].fillna("(空)")
    return pd.DataFrame(out)


def write_table(path: Path, frame: pd.DataFrame, encoding: str = "utf-8", sheet: str = "Sheet1") -> Path:
    """xlsx (through dealresearch.fieldwork.xlsx) or csv (``encoding``: utf-8 / gbk) by suffix."""
    path = Path(path)
    if path.suffix == ".csv":
        with open(path, "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(frame.columns)
            for rec in frame.itertuples(index=False):
                w.writerow(["" if v is None or (isinstance(v, float) and v != v) else v for v in rec])
        return path
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet(sheet)
        xlsx.write_row(ws, 0, 0, list(frame.columns))
        for i, rec in enumerate(frame.itertuples(index=False), start=1):
            xlsx.write_row(ws, i, 0, list(rec))
    return path


def txwj_frame(ans: pd.DataFrame) -> pd.DataFrame:
    """A 腾讯问卷 download: 编号, 用户标识, 开始/结束答题时间, 答题时长, "第N题" headers, a
    matrix question with sub-columns "(服务态度)"."""
    out = {
        "编号": np.arange(1, len(ans) + 1),
        "用户标识": [f"o{k:08d}" for k in range(len(ans))],
        "开始答题时间": (ans["submitted"] - pd.to_timedelta(ans["seconds"], unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "结束答题时间": ans["submitted"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "答题时长": [f"{s // 60}分{s % 60}秒" for s in ans["seconds"]],
        "第1题 您的手机号码": ans["phone"],
    }
    for item, q in ITEM_QUESTIONS[:6]:
        sub = q.replace("您对", "").replace("的满意程度", "")
        out[f"第2题 请评价以下方面({sub})"] = ans[item].map(LABELS5).fillna("(跳过)")
    out["第3题 " + ITEM_QUESTIONS[6][1]] = ans["overall_satisfaction"].map(LABELS5)
    out["第4题 您向亲友推荐我们的可能性有多大"] = ans["recommend"]
    out["第5题 您的意见和建议"] = ans["comment"].fillna("(空)")
    return pd.DataFrame(out)


# ------------------------------------------------------------------------- targets
MONTHS = [f"{m}月" for m in range(1, 13)]


def director_targets(path: Path, variant: str = "months", year: int = 2027, seed: int = 2,
                     bad_total: bool = False) -> dict:
    """A director's sheet: title, "单位：万元", rows per 项目 / 团队 / 置业顾问, 1月…12月
    and 全年合计, a 项目合计 row, a blank row and a 备注 row; ``variant="indicator"`` adds
    an 指标 column (签约金额（万元） / 签约套数（套））."""
    rng = np.random.default_rng(seed)
    units = [("项目", "滨江壹号"), ("项目", "云栖府"), ("团队", "销售一组"), ("置业顾问", "张伟")]
    path = Path(path)
    truth = {"amount": {}, "units": {}, "year": year}
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("2027年目标")
        xlsx.write(ws, 0, 0, f"{year}年销售目标分解表")
        xlsx.write(ws, 1, 0, "单位：万元")
        head = ["类别", "名称"] + (["指标"] if variant == "indicator" else []) + MONTHS + ["全年合计"]
        xlsx.write_row(ws, 2, 0, head)
        r = 3
        project_sum = np.zeros(12)
        for level, name in units:
            metrics = [("签约金额（万元）", "amount"), ("签约套数（套）", "units")] if variant == "indicator" else [(None, "amount")]
            for label, key in metrics:
                vals = rng.integers(1, 50, 12) * (100 if key == "amount" else 1)
                truth[key][(level, name)] = vals.astype(float)
                if level == "项目" and key == "amount":
                    project_sum += vals
                row = [level, name] + ([label] if variant == "indicator" else []) + vals.tolist() + [int(vals.sum())]
                xlsx.write_row(ws, r, 0, row)
                r += 1
        total = project_sum + (np.eye(12)[0] * 100 if bad_total else 0)
        lead = ["项目合计", ""] + (["签约金额（万元）"] if variant == "indicator" else [])
        xlsx.write_row(ws, r, 0, lead + total.astype(int).tolist() + [int(total.sum())])
        truth["total_row"] = r + 1
        r += 2  # a blank row
        xlsx.write(ws, r, 0, "备注：目标以集团批复为准，季度末可调整。")
    truth["rows"] = sum(len(v) for v in truth["amount"].values()) + sum(len(v) for v in truth["units"].values())
    return truth
