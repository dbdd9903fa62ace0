"""``dealresearch survey-plan``: next year's survey plan as field workbooks, one per project.

The numbers come from :func:`dealresearch.survey_plan.review` (the same review the report
shows); this module only decides where the files go, reads the contacts when asked for,
writes and prints.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from .. import survey_plan as sp
from ..errors import DataError, ParameterError
from ..periods import parse_period
from ..results import available
from ..schema import Customer


def plan_period(year: int | None, period: str | None) -> str:
    """The reporting period the plan is made from: ``--period`` as given, or the whole year
    before the plan year ``--year`` (the plan is drawn up at the end of that year)."""
    if (year is None) == (period is None):
        raise ParameterError("请给出 --year（计划年度）或 --period（报告期）之一。")
    if period is not None:
        return parse_period(period).label
    return str(int(year) - 1)


def plan_target(out, period_label: str, project: str | None) -> tuple[Path, bool, bool]:
    """``(place, is_file, make_parents)`` for the plan workbooks: ``--out`` an existing
    folder, or a .xlsx file in an existing folder (only for one project: ``--project``);
    default reports/<period>/lists/ (created when written). Checked before any work."""
    if out is None:
        return config.reports_dir() / period_label / "lists", False, True
    target = Path(out)
    if target.is_dir():
        return target, False, False
    if target.suffix.lower() != ".xlsx":
        raise ParameterError(
            f"--out 应为已存在的文件夹或 .xlsx 文件：{target}"
            + ("（该文件夹不存在）" if not target.suffix else "（不会创建名为此的文件夹）")
        )
    if not target.parent.is_dir():
        raise ParameterError(f"输出文件夹不存在：{target.parent}（请先创建它，或换一个 --out 路径）")
    if project is None:
        raise ParameterError(
            f"--out 给出的是一个文件（{target.name}），而计划按项目各写一个文件："
            "请用 --project 指定项目，或让 --out 指向一个文件夹。"
        )
    return target, True, False


def survey_plan_command(
    year: int | None = None,
    store=None,
    out=None,
    include_contacts: bool = False,
    min_share: float = 0.4,
    cycle_years: int = 3,
    seed: int = 0,
    capacity=None,
    *,
    period: str | None = None,
    project: str | None = None,
) -> dict[str, Path]:
    """Review the survey programme of the period (``--period``, or the year before
    ``--year``), write the plan's field workbooks and print a Chinese summary;
    ``{project: path}``."""
    from ..ingest.store import load

    label = plan_period(year, period)
    place, is_file, make_parents = plan_target(out, label, project)  # checked before any work
    rules = sp.PlanRules(min_share=min_share, cycle_years=cycle_years, capacity=capacity)
    deals = load("deals", store)
    surveys = load("surveys", store, missing_ok=True)
    customers = load("customers", store, missing_ok=True)
    r = sp.review(deals, surveys, period=label, project=project, customers=customers, rules=rules, seed=seed)
    if not available(r.plan):
        raise DataError(r.plan.reason)
    contacts = None
    if include_contacts:  # refused (no key, wrong key, no contacts store) before anything is written
        from ..ingest.contacts import read_contacts

        contacts = read_contacts(store, keys=r.plan.frame[Customer.customer_key])
    from ..fieldwork.survey_plan import write_project_plans

    written = write_project_plans(r, place, single_file=is_file, contacts=contacts, make_parents=make_parents)
    _print_summary(r, written, contacts)
    return written


def _print_summary(r: sp.PlanReview, written: dict[str, Path], contacts) -> None:
    pl = r.plan
    scope = f"“{r.project}”" if r.project else ""
    print(
        f"{r.plan_year}年度顾客调查计划{scope}：客户基数 {pl.n_base:,} 人，计划调查 {pl.n:,} 人"
        f"（必访 {pl.n_must:,}，抽样 {pl.n_sampled:,}），占 {pl.share_of_base:.1%}。"
    )
    check = r.problems
    print("规则检查：通过。" if check.passed else "规则检查发现问题：" + "；".join(check.messages))
    if contacts is not None:
        print(f"已附联系方式 {len(contacts):,} 人（来自加密联系人库），请妥善保管，勿外传。")
    else:
        print("名单未含客户联系方式；需要时加 --include-contacts。")
    frame = pl.frame
    print(f"计划按项目写入 {len(written)} 个文件：")
    for name, path in written.items():
        n = int((frame[Customer.project] == name).sum()) if len(written) > 1 else len(frame)
        print(f"  {name}：{n:,} 人 → {path}")
