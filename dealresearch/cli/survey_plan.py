"""``dealresearch survey-plan``: build, check and write next year's survey plan."""

from __future__ import annotations

from pathlib import Path

from .. import survey_plan as sp
from ..errors import DataError
from ..fieldwork.survey_plan import PHONE_COL, plan_target, raw_contacts, write_plan_workbook
from ..schema import C


def survey_plan_command(
    year: int,
    store=None,
    out=None,
    include_contacts: bool = False,
    min_share: float = 0.4,
    cycle_years: int = 3,
    seed: int = 0,
    capacity=None,
) -> Path:
    """Build, check and write next year's plan from the processed store; print a Chinese
    summary; return the workbook path (``out``: a file or a folder; default
    reports/plans/)."""
    from ..ingest.store import load, read_table

    year = int(year)
    target, make_parents = plan_target(out, year, include_contacts)  # checked before any work
    deals = load("deals", store)
    surveys = read_table("surveys", store)
    master = read_table("customers", store)
    base = sp.customer_base(deals, year, customers=master)
    if base.empty:
        raise DataError(f"{year} 年客户基数为空：{year - 3}–{year - 1} 年没有未退房的成交记录。")
    kw = {"min_share": min_share, "cycle_years": cycle_years, "capacity": capacity}
    pl = sp.plan(base, surveys, year, seed=seed, **kw)
    problems = sp.validate_plan(pl, base, surveys, year, **kw)
    cov = sp.coverage(
        sp.customer_base(deals, year - 1, customers=master), surveys, year - 1, cycle_years=cycle_years
    )
    contacts = raw_contacts(store, keys=pl[C.customer_key]) if include_contacts else None
    path = write_plan_workbook(
        pl,
        target,
        year=year,
        overview=sp.plan_overview(pl, base),
        problems=problems,
        coverage=cov,
        contacts=contacts,
        make_parents=make_parents,
    )
    n_must = int((pl[sp.REASON] == sp.MUST_SURVEY).sum())
    print(
        f"{year}年度顾客调查计划：客户基数 {len(base):,} 人，计划调查 {len(pl):,} 人"
        f"（必访 {n_must:,}，抽样 {len(pl) - n_must:,}），占 {len(pl) / len(base):.1%}。"
    )
    print("规则检查：通过。" if not problems else "规则检查发现问题：" + "；".join(problems))
    if contacts is not None:
        print(
            f"已附联系方式 {int(contacts[PHONE_COL].notna().sum()):,} 人（来自原始导出文件），请妥善保管，勿外传。"
        )
    return path
