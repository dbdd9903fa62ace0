"""Write clean synthetic tables as dirty CRM exports, counting every planted defect."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..schema import SURVEY_ITEMS, Deal, Survey

# canonical column → header text, per export layout (CRM systems differ)
LAYOUT_A = {  # 滨江壹号: 思源-style, amounts in 元
    Deal.deal_id: "合同编号", Deal.project: "项目名称", Deal.city: "城市", Deal.building: "楼栋", Deal.unit_no: "房号",
    Deal.status: "交易状态", Deal.subscribe_date: "认购日期", Deal.sign_date: "签约日期", Deal.sales_rep: "置业顾问",
    Deal.sales_team: "销售团队", Deal.unit_type: "户型", Deal.area_sqm: "建筑面积", Deal.unit_price: "成交单价",
    Deal.total_price: "成交总价", Deal.payment_method: "付款方式", Deal.customer_name: "客户姓名",
    Deal.phone: "联系电话", Deal.id_number: "证件号码", Deal.customer_code: "客户编号", Deal.gender: "性别",
    Deal.age: "年龄", Deal.family_structure: "家庭结构", Deal.residence_area: "居住区域", Deal.work_area: "工作区域",
    Deal.occupation: "职业", Deal.industry: "行业", Deal.income_band: "家庭年收入", Deal.purchase_count: "置业次数",
    Deal.purchase_purpose: "购房目的", Deal.awareness_channel: "认知途径", Deal.key_factors: "关注因素",
    Deal.first_visit_date: "首次到访日期", Deal.visit_count: "到访次数", Deal.is_existing_owner: "是否老业主",
    Deal.referrer_phone: "推荐人电话",
}
LAYOUT_B = {  # 云栖府: 明源-style, amounts in 万元, birth date instead of age, a title row
    Deal.deal_id: "认购书编号", Deal.project: "项目", Deal.city: "所在城市", Deal.building: "楼号", Deal.unit_no: "房间号",
    Deal.status: "状态", Deal.subscribe_date: "认购时间", Deal.sign_date: "签约时间", Deal.sales_rep: "销售顾问",
    Deal.sales_team: "团队", Deal.unit_type: "房型", Deal.area_sqm: "面积(㎡)", Deal.unit_price: "单价(元/㎡)",
    Deal.total_price: "成交金额(万元)", Deal.payment_method: "付款方式", Deal.customer_name: "姓名",
    Deal.phone: "手机号码", Deal.id_number: "身份证号", Deal.customer_code: "客户代码", Deal.gender: "性别",
    Deal.birth_date: "出生日期", Deal.family_structure: "家庭结构", Deal.residence_area: "现居住区域",
    Deal.work_area: "工作地", Deal.occupation: "职业", Deal.industry: "所属行业", Deal.income_band: "年收入",
    Deal.purchase_count: "购房次数", Deal.purchase_purpose: "置业目的", Deal.awareness_channel: "获知途径",
    Deal.key_factors: "购房关注因素", Deal.first_visit_date: "首访日期", Deal.visit_count: "来访次数",
    Deal.is_existing_owner: "老业主", Deal.referrer_phone: "推荐人手机",
}
LAYOUT_C = dict(LAYOUT_A) | {  # 星汇中心: commercial, mixed date formats
    Deal.deal_id: "合同号", Deal.project: "楼盘名称", Deal.sign_date: "成交日期", Deal.sales_rep: "业务员",
    Deal.unit_type: "产品类型", Deal.area_sqm: "建筑面积(平方米)", Deal.total_price: "合同总价", Deal.phone: "电话",
}
PAYMENT_SYNONYMS = {"商业按揭": ["按揭", "商贷", "商业贷款"], "一次性": ["全款", "一次性付款"], "公积金": ["公积金贷款"]}
UNKNOWN_PAYMENT = "以房抵款"
FACTOR_SEPARATORS = ["、", ",", "，", "/", "；"]


def _fullwidth(s: str) -> str:
    return s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


class Dirt:
    """Plants defects into a frame of export cells and counts them by kind."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.counts: Counter = Counter()
        self.bad_check_ids: list[str] = []

    def pick(self, frame: pd.DataFrame, n: int, mask=None) -> np.ndarray:
        idx = frame.index if mask is None else frame.index[mask]
        return self.rng.choice(idx, min(n, len(idx)), replace=False)

    def cells(self, frame: pd.DataFrame, col: str, rows, fn, kind: str) -> None:
        frame.loc[rows, col] = [fn(v) for v in frame.loc[rows, col]]
        self.counts[kind] += len(rows)


def export_frame(deals: pd.DataFrame, layout: dict, dirt: Dirt, *, wan: bool = False,
                 date_strings: bool = False, plant: bool = True) -> pd.DataFrame:
    """Clean deals → export cells (object dtype) with planted, counted variants
    (``plant=False``: formatting only, no cell-level defects)."""
    f = deals.copy()
    f[Deal.key_factors] = [dirt.rng.choice(FACTOR_SEPARATORS).join(v) for v in f[Deal.key_factors]]
    f[Deal.is_existing_owner] = np.where(f[Deal.is_existing_owner], "是", "否")
    f[Deal.referrer_phone] = f[Deal.referrer_phone].fillna("")
    f = f.astype(object)
    if wan:
        f[Deal.total_price] = (deals[Deal.total_price] / 1e4).round(4).astype(object)
    if not plant:
        return f.rename(columns=layout)[list(layout.values())]
    if not wan:
        dirt.cells(f, Deal.total_price, dirt.pick(f, 30), lambda v: f"¥{v / 1e4:.4f}万", "amount_cells_in_wan")
        dirt.cells(f, Deal.unit_price, dirt.pick(f, 20), lambda v: f"{v:,.0f}元", "money_with_unit_text")
    dirt.cells(f, Deal.phone, dirt.pick(f, 25), lambda v: _fullwidth(v), "fullwidth_cells")
    dirt.cells(f, Deal.area_sqm, dirt.pick(f, 15), lambda v: _fullwidth(f"{v}") + "㎡", "fullwidth_cells")
    dirt.cells(f, Deal.phone, dirt.pick(f, 40), lambda v: f"+86 {v[:3]}-{v[3:7]}-{v[7:]}", "phone_formatted")
    xs = f[Deal.id_number].str.endswith("X")
    dirt.cells(f, Deal.id_number, dirt.pick(f, 10, xs), lambda v: v[:-1] + "x", "lowercase_x_ids")
    bad = dirt.pick(f, 8, ~f[Deal.id_number].str.endswith(("X", "x")))
    dirt.cells(f, Deal.id_number, bad, lambda v: v[:17] + str((int(v[17]) + 1) % 10), "bad_id_check_digit")
    dirt.bad_check_ids += list(f.loc[bad, Deal.deal_id])
    for canon, syns in PAYMENT_SYNONYMS.items():
        rows = dirt.pick(f, 15, f[Deal.payment_method] == canon)
        dirt.cells(f, Deal.payment_method, rows, lambda v, s=syns: dirt.rng.choice(s), "payment_synonyms")
    dirt.cells(f, Deal.payment_method, dirt.pick(f, 4), lambda v: UNKNOWN_PAYMENT, "unknown_payment_values")
    if date_strings:
        fmts = {"%Y/%m/%d": "slash", "%Y年%m月%d日": "chinese", "%Y%m%d": "compact", "%Y.%m.%d": "dotted"}
        rows = iter(np.array_split(dirt.pick(f, 40 * (len(fmts) + 1)), len(fmts) + 1))
        for fmt, name in fmts.items():
            dirt.cells(f, Deal.sign_date, next(rows), lambda v, fmt=fmt: v.strftime(fmt), f"date_{name}")
        serial = lambda v: int((v - pd.Timestamp("1899-12-30")).days)  # noqa: E731
        dirt.cells(f, Deal.sign_date, next(rows), serial, "date_excel_serial")
    return f.rename(columns=layout)[list(layout.values())]


def reject_rows(deals: pd.DataFrame, layout: dict, dirt: Dirt, prefix: str) -> pd.DataFrame:
    """Extra rows that must be rejected, each with one fatal defect (counted by reason)."""
    base = export_frame(deals.sample(12, random_state=int(dirt.rng.integers(1 << 30))), layout, dirt, plant=False)
    base[layout[Deal.deal_id]] = [f"{prefix}-R{i:03d}" for i in range(len(base))]
    base.iloc[0:6, base.columns.get_loc(layout[Deal.sign_date])] = ["待定", "2025-02-30", "13/45/2025", "", "无", "2026-13-01"]
    base.iloc[6:9, base.columns.get_loc(layout[Deal.deal_id])] = ["", None, " "]
    base.iloc[9:12, base.columns.get_loc(layout[Deal.total_price])] = ["面议", "待定", "N/A"]
    dirt.counts["reject_bad_sign_date"] += 6
    dirt.counts["reject_missing_deal_id"] += 3
    dirt.counts["reject_bad_total_price"] += 3
    return base


def with_noise_rows(frame: pd.DataFrame, dirt: Dirt, n_blank: int, total_col: str) -> pd.DataFrame:
    """Insert blank rows in the middle and a 合计 row at the bottom (both non-data)."""
    out = frame.reset_index(drop=True)
    for pos in sorted(dirt.rng.choice(np.arange(5, len(out) - 5), n_blank, replace=False), reverse=True):
        blank = pd.DataFrame([[None] * out.shape[1]], columns=out.columns)
        out = pd.concat([out.iloc[:pos], blank, out.iloc[pos:]], ignore_index=True)
    total = pd.DataFrame([[None] * out.shape[1]], columns=out.columns).astype(object)
    total.iloc[0, 0] = "合计"
    numeric = pd.to_numeric(frame[total_col], errors="coerce")
    total.iloc[0, out.columns.get_loc(total_col)] = float(numeric.sum())
    dirt.counts["blank_rows"] += n_blank
    dirt.counts["totals_rows"] += 1
    return pd.concat([out, total], ignore_index=True)


def with_duplicates(frame: pd.DataFrame, dirt: Dirt, n: int) -> pd.DataFrame:
    """The same deal exported twice: exact copies of n rows, shuffled in."""
    valid = ~frame.iloc[:, 0].astype(str).str.contains("-R", regex=False)  # never copy a reject row
    dup = frame.loc[dirt.pick(frame, n, valid.to_numpy())]
    dirt.counts["exact_duplicates"] += n
    return pd.concat([frame, dup]).sample(frac=1, random_state=int(dirt.rng.integers(1 << 30)))


def write_xlsx(path, frame: pd.DataFrame, *, title: str | None = None, notes_sheet: bool = False,
               sheet: str = "成交客户") -> int:
    """Write an export; returns the number of title rows above the header."""
    with pd.ExcelWriter(path, engine="xlsxwriter", datetime_format="yyyy-mm-dd",
                        date_format="yyyy-mm-dd") as xw:
        start = 1 if title else 0
        frame.to_excel(xw, sheet_name=sheet, index=False, startrow=start)
        if title:
            xw.sheets[sheet].write(0, 0, title)
        if notes_sheet:
            pd.DataFrame({"说明": ["本表由CRM系统导出", "金额单位见表头", "如有疑问请联系营销管理部"]}).to_excel(
                xw, sheet_name="导出说明", index=False)
    return start


SURVEY_HEADERS = {Survey.survey_id: "调查编号", "name": "客户姓名", "phone": "联系电话", "id_number": "证件号码",
                  "code": "客户编号", Survey.survey_date: "调查日期", Survey.method: "调查方式", "project": "项目",
                  Survey.surveyor: "调查人"} | {i.name: i.label for i in SURVEY_ITEMS} | {
                  Survey.comment: "意见和建议", Survey.complaint: "是否投诉", Survey.followup_needed: "是否需要跟进"}
GARBAGE = ["好", "N/A", -99, 7, 0]


def survey_export(sv: pd.DataFrame, dirt: Dirt) -> tuple[pd.DataFrame, dict]:
    """Survey rows with one customer reference each (phone 60 %, ID 25 %, CRM code 15 %)
    and invalid item answers planted (counted per item)."""
    f = sv.copy()
    ref = dirt.rng.choice(["phone", "id", "code"], len(f), p=[.6, .25, .15])
    f.loc[ref != "phone", "phone"] = None
    f.loc[ref != "id", "id_number"] = None
    f.loc[ref != "code", "code"] = None
    f = f.astype(object)
    invalid: dict[str, int] = {}
    blank: dict[str, int] = {}
    for item in SURVEY_ITEMS:
        lo, hi = item.scale
        bad = [g for g in GARBAGE if not (isinstance(g, int) and lo <= g <= hi)]
        rows = dirt.pick(f, 12)
        f.loc[rows[:8], item.name] = [bad[i % len(bad)] for i in range(len(rows[:8]))]
        f.loc[rows[8:], item.name] = None
        invalid[item.name], blank[item.name] = len(rows[:8]), len(rows[8:])
    return f.rename(columns=SURVEY_HEADERS)[list(SURVEY_HEADERS.values())], {
        "item_invalid": invalid, "item_blank": blank,
        "reference_counts": dict(Counter(ref.tolist()))}


TARGET_HEADERS = {"year": "年度", "quarter": "季度", "month": "月份", "level": "层级", "unit": "名称",
                  "units_target": "签约套数", "amount_target": "签约金额(万元)", "collection_target": "回款金额(万元)"}


def targets_export(targets: pd.DataFrame) -> pd.DataFrame:
    t = targets.copy()
    t["amount_target"] = t["amount_target"] / 1e4
    t["collection_target"] = t["collection_target"] / 1e4
    return t.rename(columns=TARGET_HEADERS)[list(TARGET_HEADERS.values())]
