"""Column classes of the sales frames and their one registry of labels and display kinds.

``Actuals`` names the columns of the event, actuals, attainment and pacing frames,
``Growth`` those of the growth table, ``Ranking`` those of the ranking, cycle-time and
satisfaction-by-rep tables. :data:`COLUMNS` maps every one of them (and the target columns
of ``schema.Target``) to its Chinese label and display kind (a :data:`dealresearch.fmt.KINDS`
value, ``"text"`` for labels or ``"flag"`` for 是/否), which the sales report uses for its
table headers and formats.
"""

from __future__ import annotations

from ..schema import Target


class Actuals:
    """Columns of the event, actuals, attainment and pacing frames."""

    sign = "sign"  # +1 / −1 contribution of an event
    amount = "amount"  # signed amount contribution (元)
    period = "period"
    kind = "period_kind"
    signed_units = "signed_units"
    signed_amount = "signed_amount"
    cancelled_units = "cancelled_units"
    cancelled_amount = "cancelled_amount"
    changed_units = "changed_units"
    changed_amount = "changed_amount"
    net_units = "net_units"
    net_amount = "net_amount"
    units_actual = "units_actual"
    amount_actual = "amount_actual"
    units_attainment = "units_attainment"  # %
    amount_attainment = "amount_attainment"  # %
    target_source = "target_source"
    status = "attainment_status"
    elapsed_share = "elapsed_share"
    reached_share = "reached_share"
    gap = "pacing_gap"
    projected = "projected_amount"
    pacing_status = "pacing_status"


class Growth:
    """Columns of the growth table."""

    metric = "metric"
    current = "current"
    comparison = "comparison"  # 环比 / 同比
    base_period = "base_period"
    base = "base"
    rate = "growth_rate"
    status = "growth_status"


class Ranking:
    """Columns of the ranking, cycle-time and satisfaction-by-rep tables."""

    rank = "rank"
    share = "share_of_total"
    cancel_rate = "cancel_rate"
    n = "n"
    mean_days = "mean_days"
    median_days = "median_days"
    p25_days = "p25_days"
    p75_days = "p75_days"
    excluded = "excluded"
    overall_mean = "overall_mean"
    nps = "nps"
    promoters = "promoters"
    detractors = "detractors"
    small_n = "small_n"


#: column name → (Chinese label, display kind)
COLUMNS: dict[str, tuple[str, str]] = {
    Actuals.period: ("期间", "text"),
    Actuals.kind: ("期间类型", "text"),
    Actuals.signed_units: ("签约套数", "int"),
    Actuals.signed_amount: ("签约金额(元)", "money"),
    Actuals.cancelled_units: ("退房套数", "int"),
    Actuals.cancelled_amount: ("退房金额(元)", "money"),
    Actuals.changed_units: ("换房套数", "int"),
    Actuals.changed_amount: ("换房金额(元)", "money"),
    Actuals.net_units: ("净签约套数", "int"),
    Actuals.net_amount: ("净签约金额(元)", "money"),
    Actuals.units_actual: ("实际套数", "int"),
    Actuals.amount_actual: ("实际金额(元)", "money"),
    Actuals.units_attainment: ("套数达成率(%)", "float"),
    Actuals.amount_attainment: ("金额达成率(%)", "float"),
    Actuals.target_source: ("目标来源", "text"),
    Actuals.status: ("达成说明", "text"),
    Actuals.elapsed_share: ("时间进度", "pct"),
    Actuals.reached_share: ("目标完成进度", "pct"),
    Actuals.gap: ("进度差", "pp"),
    Actuals.projected: ("按进度预计全期金额(元)", "money"),
    Actuals.pacing_status: ("进度判断", "text"),
    Target.year: ("年度", "text"),
    Target.quarter: ("季度", "text"),
    Target.month: ("月份", "text"),
    Target.week: ("周", "text"),
    Target.level: ("层级", "text"),
    Target.unit: ("单位", "text"),
    Target.units_target: ("签约套数目标", "int"),
    Target.amount_target: ("签约金额目标(元)", "money"),
    Target.collection_target: ("回款目标(元)", "money"),
    Growth.metric: ("指标", "text"),
    Growth.current: ("本期", "text"),  # a money or a unit count: the table says which
    Growth.comparison: ("比较", "text"),
    Growth.base_period: ("基期", "text"),
    Growth.base: ("基期值", "text"),
    Growth.rate: ("增长率", "pct"),
    Growth.status: ("说明", "text"),
    Ranking.rank: ("排名", "int"),
    Ranking.share: ("占合计比重", "pct"),
    Ranking.cancel_rate: ("退房率", "pct"),
    Ranking.n: ("样本量", "int"),
    Ranking.mean_days: ("平均天数", "days"),
    Ranking.median_days: ("中位天数", "days"),
    Ranking.p25_days: ("25%分位天数", "days"),
    Ranking.p75_days: ("75%分位天数", "days"),
    Ranking.excluded: ("剔除记录数", "int"),
    Ranking.overall_mean: ("总体满意度均值", "mean"),
    # the window is part of the name: the satisfaction report's NPS is per quarter
    Ranking.nps: ("NPS（近12个月）", "index"),
    Ranking.promoters: ("推荐者占比", "pct"),
    Ranking.detractors: ("贬损者占比", "pct"),
    Ranking.small_n: ("小样本", "flag"),
}

#: column name → Chinese label (the first half of :data:`COLUMNS`)
LABELS: dict[str, str] = {name: lab for name, (lab, _) in COLUMNS.items()}


def label_of(name: str) -> str:
    """The Chinese label of a sales column (the name itself when it is not one)."""
    return COLUMNS[name][0] if name in COLUMNS else name


def kind_of(name: str) -> str:
    """The display kind of a sales column."""
    return COLUMNS[name][1]
