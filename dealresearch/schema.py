"""Canonical tables: column names, dtypes, Chinese labels, header aliases, vocabularies.

Every other module takes column names from here (``Deal.sign_date``, ``Survey.survey_date``),
never from string literals. Extend these tables; do not rename what exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``kind`` drives normalisation in ingest: id, text, category, date, money, area,
    number, int, bool, phone, idno, name, list. ``unit_scale`` lets header units
    (万元) scale values; ``vocab`` names a vocabulary in ``VOCABULARIES``.
    """

    name: str
    kind: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    vocab: str | None = None
    personal: bool = False  # never stored in clear in data/processed


# --------------------------------------------------------------------------- deals
class Deal:
    """Deal column names (one row per deal)."""

    deal_id = "deal_id"
    project = "project"
    city = "city"
    building = "building"
    unit_no = "unit_no"
    status = "status"
    subscribe_date = "subscribe_date"
    sign_date = "sign_date"
    sales_rep = "sales_rep"
    sales_team = "sales_team"
    unit_type = "unit_type"
    area_sqm = "area_sqm"
    unit_price = "unit_price"
    total_price = "total_price"
    payment_method = "payment_method"
    customer_key = "customer_key"
    phone_masked = "phone_masked"
    gender = "gender"
    age = "age"
    birth_date = "birth_date"
    origin_province = "origin_province"
    family_structure = "family_structure"
    residence_area = "residence_area"
    work_area = "work_area"
    occupation = "occupation"
    industry = "industry"
    income_band = "income_band"
    status_date = "status_date"  # date of a 退房/换房 change when known
    purchase_count = "purchase_count"
    purchase_purpose = "purchase_purpose"
    awareness_channel = "awareness_channel"
    key_factors = "key_factors"
    first_visit_date = "first_visit_date"
    visit_count = "visit_count"
    is_existing_owner = "is_existing_owner"
    referrer_key = "referrer_key"
    co_buyers = "co_buyers"  # how many co-buyers the deal names besides the first buyer
    co_buyer_keys = "co_buyer_keys"  # their keyed pseudonyms (a list per deal)
    source_file = "source_file"
    source_row = "source_row"
    # raw personal fields: read from exports, turned into keys, never stored
    customer_name = "customer_name"
    phone = "phone"
    id_number = "id_number"
    customer_code = "customer_code"
    referrer_phone = "referrer_phone"
    referrer_id_number = "referrer_id_number"


DEAL_COLUMNS: tuple[Column, ...] = (
    Column(Deal.deal_id, "id", "合同编号", ("合同编号", "合同号", "认购书编号", "认购编号", "订单编号", "交易编号", "contract_no", "deal_id"), required=True),
    Column(Deal.project, "text", "项目", ("项目", "项目名称", "楼盘", "楼盘名称", "project"), required=True),
    Column(Deal.city, "text", "城市", ("城市", "项目城市", "所在城市", "city")),
    Column(Deal.building, "text", "楼栋", ("楼栋", "楼号", "栋号", "楼栋号", "building")),
    Column(Deal.unit_no, "text", "房号", ("房号", "房间号", "单元房号", "unit", "unit_no")),
    Column(Deal.status, "category", "状态", ("状态", "交易状态", "成交状态", "合同状态", "status"), vocab="status"),
    Column(Deal.subscribe_date, "date", "认购日期", ("认购日期", "认购时间", "subscribe_date")),
    Column(Deal.sign_date, "date", "签约日期", ("签约日期", "签约时间", "成交日期", "sign_date"), required=True),
    Column(Deal.sales_rep, "text", "置业顾问", ("置业顾问", "销售顾问", "销售员", "业务员", "sales_rep")),
    Column(Deal.sales_team, "text", "销售团队", ("销售团队", "团队", "销售组", "sales_team")),
    Column(Deal.unit_type, "category", "户型", ("户型", "房型", "产品类型", "unit_type"), vocab="unit_type"),
    Column(Deal.area_sqm, "area", "建筑面积(㎡)", ("建筑面积", "面积", "area", "area_sqm")),
    Column(Deal.unit_price, "money", "成交单价(元/㎡)", ("成交单价", "单价", "unit_price")),
    Column(Deal.total_price, "money", "成交总价(元)", ("成交总价", "成交金额", "总价", "合同总价", "合同金额", "total_price"), required=True),
    Column(Deal.payment_method, "category", "付款方式", ("付款方式", "付款方式名称", "payment_method"), vocab="payment_method"),
    Column(Deal.customer_name, "name", "客户姓名", ("客户姓名", "客户名称", "姓名", "购房人", "customer_name"), personal=True),
    Column(Deal.phone, "phone", "联系电话", ("联系电话", "手机号码", "手机号", "电话", "手机", "联系方式", "phone"), personal=True),
    Column(Deal.id_number, "idno", "证件号码", ("证件号码", "身份证号", "身份证号码", "证件号", "id_number"), personal=True),
    Column(Deal.customer_code, "text", "客户编号", ("客户编号", "客户代码", "客户ID", "customer_code"), personal=True),
    Column(Deal.gender, "category", "性别", ("性别", "gender"), vocab="gender"),
    Column(Deal.age, "int", "年龄", ("年龄", "age")),
    Column(Deal.birth_date, "date", "出生日期", ("出生日期", "生日", "birth_date")),
    Column(Deal.family_structure, "category", "家庭结构", ("家庭结构", "家庭结构类型", "family_structure"), vocab="family_structure"),
    Column(Deal.residence_area, "text", "居住区域", ("居住区域", "现居住区域", "居住地", "residence_area")),
    Column(Deal.work_area, "text", "工作区域", ("工作区域", "工作地", "work_area")),
    Column(Deal.occupation, "text", "职业", ("职业", "occupation")),
    Column(Deal.industry, "text", "行业", ("行业", "所属行业", "industry")),
    Column(Deal.income_band, "category", "家庭年收入", ("家庭年收入", "年收入", "家庭收入", "income_band"), vocab="income_band"),
    Column(Deal.purchase_count, "category", "置业次数", ("置业次数", "购房次数", "purchase_count"), vocab="purchase_count"),
    Column(Deal.purchase_purpose, "category", "购房目的", ("购房目的", "置业目的", "购买目的", "purchase_purpose"), vocab="purchase_purpose"),
    Column(Deal.awareness_channel, "category", "认知途径", ("认知途径", "获知途径", "来访渠道", "渠道", "媒体渠道", "awareness_channel"), vocab="awareness_channel"),
    Column(Deal.key_factors, "list", "关注因素", ("关注因素", "购房关注因素", "关注点", "key_factors"), vocab="key_factors"),
    Column(Deal.first_visit_date, "date", "首次到访日期", ("首次到访日期", "首访日期", "首次来访日期", "first_visit_date")),
    Column(Deal.visit_count, "int", "到访次数", ("到访次数", "来访次数", "visit_count")),
    Column(Deal.is_existing_owner, "bool", "是否老业主", ("是否老业主", "老业主", "is_existing_owner")),
    Column(Deal.referrer_phone, "phone", "推荐人电话", ("推荐人电话", "推荐人手机", "referrer_phone"), personal=True),
    Column(Deal.referrer_id_number, "idno", "推荐人证件号码", ("推荐人证件号码", "推荐人身份证号", "referrer_id_number"), personal=True),
)

# Columns of data/processed/deals.parquet, in order (derived + pseudonymised).
DEAL_STORE_COLUMNS: tuple[str, ...] = (
    Deal.deal_id, Deal.project, Deal.city, Deal.building, Deal.unit_no, Deal.status, Deal.subscribe_date,
    Deal.sign_date, Deal.sales_rep, Deal.sales_team, Deal.unit_type, Deal.area_sqm, Deal.unit_price,
    Deal.total_price, Deal.payment_method, Deal.customer_key, Deal.phone_masked, Deal.gender, Deal.age,
    Deal.birth_date, Deal.origin_province, Deal.family_structure, Deal.residence_area, Deal.work_area,
    Deal.occupation, Deal.industry, Deal.income_band, Deal.purchase_count, Deal.purchase_purpose,
    Deal.awareness_channel, Deal.key_factors, Deal.first_visit_date, Deal.visit_count,
    Deal.is_existing_owner, Deal.referrer_key, Deal.source_file, Deal.source_row, Deal.status_date,
    Deal.co_buyers, Deal.co_buyer_keys,
)

LABELS: dict[str, str] = {c.name: c.label for c in DEAL_COLUMNS} | {
    Deal.customer_key: "客户编码(假名)",
    Deal.phone_masked: "联系电话(脱敏)",
    Deal.origin_province: "籍贯省份",
    Deal.referrer_key: "推荐人(假名)",
    Deal.co_buyers: "共同购买人数",
    Deal.co_buyer_keys: "共同购买人(假名)",
    Deal.source_file: "来源文件",
    Deal.source_row: "来源行号",
    Deal.status_date: "状态变更日期",
    "survey_choices": "多选题答案（另表 survey_choices）",
}


class Status:
    """Canonical deal statuses (the keys of ``VOCABULARIES["status"]``)."""

    subscribed = "认购"
    signed = "签约"
    cancelled = "退房"
    changed = "换房"


# ------------------------------------------------------------------ status history
class History:
    """Deal status history (one row per status event)."""

    deal_id = Deal.deal_id
    status = Deal.status
    event_date = "event_date"
    source_file = Deal.source_file


# -------------------------------------------------------------------------- surveys
class Survey:
    """Survey column names (one row per survey of one customer)."""

    survey_id = "survey_id"
    customer_key = Deal.customer_key
    survey_date = "survey_date"
    method = "method"
    project = Deal.project
    surveyor = "surveyor"
    comment = "comment"
    followup_needed = "followup_needed"
    complaint = "complaint"
    overall = "overall_satisfaction"
    recommend = "recommend"
    source_file = Deal.source_file
    source_row = Deal.source_row


@dataclass(frozen=True)
class Item:
    """A survey item on a declared scale."""

    name: str
    label: str
    aliases: tuple[str, ...]
    scale: tuple[int, int] = (1, 5)


#: NPS bands of the 0–10 推荐意愿 answer: 推荐者 ≥ 9, 贬损者 ≤ 6, 中立者 between
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6

SURVEY_ITEMS: tuple[Item, ...] = (
    Item("service_attitude", "服务态度", ("服务态度",)),
    Item("professionalism", "专业能力", ("专业能力", "专业水平")),
    Item("responsiveness", "响应速度", ("响应速度", "响应及时性")),
    Item("product_quality", "产品质量", ("产品质量", "房屋质量")),
    Item("delivery", "交付", ("交付", "交付质量", "交房")),
    Item("price_fairness", "价格合理性", ("价格合理性", "价格")),
    Item("communication", "沟通反馈", ("沟通反馈", "沟通")),
    Item("complaint_handling", "投诉处理", ("投诉处理",)),
    Item(Survey.overall, "总体满意度", ("总体满意度", "整体满意度", "满意度")),
    Item(Survey.recommend, "推荐意愿", ("推荐意愿", "推荐可能性", "NPS"), scale=(0, 10)),
)
DRIVER_ITEMS: tuple[str, ...] = tuple(i.name for i in SURVEY_ITEMS[:8])

SURVEY_COLUMNS: tuple[Column, ...] = (
    Column(Survey.survey_id, "id", "调查编号", ("调查编号", "问卷编号", "记录编号", "survey_id"), required=True),
    Column(Survey.survey_date, "date", "调查日期", ("调查日期", "回访日期", "走访日期", "survey_date"), required=True),
    Column(Survey.method, "category", "调查方式", ("调查方式", "调查形式", "方式", "method"), vocab="survey_method"),
    Column(Survey.project, "text", "项目", ("项目", "业务线", "项目名称", "project")),
    Column(Survey.surveyor, "text", "调查人", ("调查人", "走访人", "访问员", "surveyor")),
    Column(Survey.comment, "text", "意见和建议", ("意见和建议", "意见建议", "备注", "comment")),
    Column(Survey.followup_needed, "bool", "是否需要跟进", ("是否需要跟进", "需要回访", "是否跟进", "followup_needed")),
    Column(Survey.complaint, "bool", "是否投诉", ("是否投诉", "投诉", "complaint")),
    Column(Deal.customer_name, "name", "客户姓名", ("客户姓名", "姓名"), personal=True),
    Column(Deal.phone, "phone", "联系电话", ("联系电话", "手机号码", "电话"), personal=True),
    Column(Deal.id_number, "idno", "证件号码", ("证件号码", "身份证号"), personal=True),
    Column(Deal.customer_code, "text", "客户编号", ("客户编号", "客户代码"), personal=True),
)
LABELS |= {c.name: c.label for c in SURVEY_COLUMNS} | {i.name: i.label for i in SURVEY_ITEMS}


# ------------------------------------------------------------------------ customers
class Customer:
    """Customer master (one row per customer_key)."""

    customer_key = Deal.customer_key
    first_deal_date = "first_deal_date"
    last_deal_date = "last_deal_date"
    n_deals = "n_deals"
    total_amount = "total_amount"
    projects = "projects"
    project = Deal.project  # main project (largest amount)
    phone_masked = Deal.phone_masked
    do_not_contact = "do_not_contact"
    key_account = "key_account"
    active = "active"


# -------------------------------------------------------------------------- targets
class Target:
    """Sales targets (tidy: one row per period × level × unit)."""

    year = "year"
    quarter = "quarter"
    month = "month"
    week = "week"
    level = "level"  # 集团 / 项目 / 团队 / 个人
    unit = "unit"  # the project, team or rep name ("集团" at group level)
    units_target = "units_target"  # 签约套数
    amount_target = "amount_target"  # 签约金额 (元)
    collection_target = "collection_target"  # 回款 (元)


LEVELS: tuple[str, ...] = ("集团", "项目", "团队", "个人")


# ---------------------------------------------------------------------- vocabularies
# canonical value -> synonyms seen in exports (the canonical value matches itself)
VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        "认购": ("认购", "已认购", "小订", "大定"),
        "签约": ("签约", "已签约", "网签", "已网签", "成交"),
        "退房": ("退房", "已退房", "退订", "退款", "撤销"),
        "换房": ("换房", "已换房", "更名换房"),
    },
    "unit_type": {
        "一房": ("一房", "1房", "一室", "1室", "一居", "1居室", "一室一厅"),
        "二房": ("二房", "两房", "2房", "二室", "两室", "2室", "两居", "二居", "两室一厅", "两室两厅"),
        "三房": ("三房", "3房", "三室", "3室", "三居", "三室两厅", "三室一厅"),
        "四房": ("四房", "4房", "四室", "4室", "四居", "四室两厅"),
        "五房及以上": ("五房及以上", "五房", "5房", "五室", "六房", "五居"),
        "别墅": ("别墅", "叠墅", "联排", "独栋", "合院"),
        "商铺": ("商铺", "铺面", "商业", "底商"),
        "写字楼": ("写字楼", "办公", "公寓办公", "SOHO", "loft"),
        "车位": ("车位", "车库", "停车位"),
    },
    "payment_method": {
        "一次性": ("一次性", "一次性付款", "全款", "一次性付清"),
        "商业按揭": ("商业按揭", "按揭", "商业贷款", "商贷", "银行按揭", "商业贷"),
        "公积金": ("公积金", "公积金贷款", "公积金按揭", "公贷"),
        "组合贷": ("组合贷", "组合贷款", "组合按揭", "商公组合"),
        "分期": ("分期", "分期付款", "延期付款"),
    },
    "gender": {"男": ("男", "男性", "M", "male"), "女": ("女", "女性", "F", "female")},
    "purchase_purpose": {
        "自住": ("自住", "首次自住", "刚需", "婚房"),
        "改善": ("改善", "改善居住", "改善型", "换房改善"),
        "投资": ("投资", "投资保值", "出租"),
        "养老": ("养老", "为父母购买"),
        "子女教育": ("子女教育", "学区", "教育"),
        "办公经营": ("办公经营", "自用办公", "经营", "办公"),
    },
    "awareness_channel": {
        "朋友介绍": ("朋友介绍", "亲友介绍", "朋友推荐"),
        "老带新": ("老带新", "老业主推荐", "业主推荐"),
        "户外广告": ("户外广告", "户外", "广告牌", "围挡"),
        "网络": ("网络", "互联网", "网络媒体", "线上", "短视频", "抖音", "微信"),
        "短信": ("短信", "短信通知"),
        "电话": ("电话", "电话营销", "call客", "电call"),
        "路过": ("路过", "路过到访", "自然到访"),
        "展会": ("展会", "房展会", "外展"),
        "中介": ("中介", "分销", "渠道分销", "经纪人"),
        "报纸电视": ("报纸电视", "报纸", "报纸广告", "报刊", "电视", "电视广告", "电台"),
    },
    "key_factors": {
        k: (k,) for k in ("地段", "价格", "户型", "配套", "品牌", "物业", "交通", "学区", "景观")
    },
    "purchase_count": {
        "首次": ("首次", "首套", "第一次", "1"),
        "二次": ("二次", "二套", "第二次", "2"),
        "多次": ("多次", "三次及以上", "三套及以上", "3"),
    },
    "family_structure": {
        "单身": ("单身", "单身贵族", "个人"),
        "二人世界": ("二人世界", "夫妻", "新婚"),
        "三口之家": ("三口之家", "核心家庭", "一孩家庭"),
        "二孩家庭": ("二孩家庭", "多孩家庭", "四口之家"),
        "三代同堂": ("三代同堂", "与父母同住"),
        "企业": ("企业", "公司"),
    },
    "income_band": {
        "20万以下": ("20万以下", "20万元以下", "<20万"),
        "20-50万": ("20-50万", "20~50万", "20万-50万"),
        "50-100万": ("50-100万", "50~100万", "50万-100万"),
        "100万以上": ("100万以上", "100万元以上", ">100万"),
    },
    "survey_method": {
        "走访": ("走访", "走访调查", "上门", "现场走访"),
        "书面问卷": ("书面问卷", "问卷", "问卷调查", "书面"),
        "电话": ("电话", "电话调查", "电话回访"),
        "在线": ("在线", "网络问卷", "线上问卷", "微信问卷"),
    },
}

# ordered categories for display (bands in natural order)
AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (18, 25, "18–25岁"), (26, 30, "26–30岁"), (31, 35, "31–35岁"), (36, 40, "36–40岁"),
    (41, 50, "41–50岁"), (51, 60, "51–60岁"), (61, 200, "60岁以上"),
)


def vocabulary(name: str) -> tuple[str, ...]:
    """Canonical values of a vocabulary, in display order."""
    return tuple(VOCABULARIES[name])


def label(column: str) -> str:
    """Chinese label of a canonical column (the column name if none is known)."""
    return LABELS.get(column, column)
