"""followups + worklists: planted dissatisfied customers, reasons, SLA KPI, returned sheet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import satisfaction as sat
from dealresearch.errors import DataError, MissingColumnsError
from dealresearch.fieldwork.followups import read_followup_updates, write_followup_sheet
from dealresearch.satisfaction.followup_list import FollowupColumns, followup_summary, merge_updates
from dealresearch.schema import DRIVER_ITEMS, Deal, Survey


@pytest.fixture()
def surveys():
    """300 satisfied surveys + planted dissatisfied ones (detractors, complaints, low scores)."""
    rng = np.random.default_rng(11)
    n = 300
    df = pd.DataFrame(
        rng.integers(3, 6, size=(n, len(DRIVER_ITEMS))).astype(float), columns=list(DRIVER_ITEMS)
    )
    df[Survey.overall] = rng.integers(4, 6, n).astype(float)
    df[Survey.recommend] = rng.integers(7, 11, n).astype(float)
    df[Survey.survey_id] = [f"SV{i:04d}" for i in range(n)]
    df[Survey.customer_key] = [f"K{i:04d}" for i in range(n)]
    df[Survey.survey_date] = pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    df[Survey.project] = rng.choice(["滨江壹号", "云栖苑"], n)
    df[Survey.surveyor] = "客服小王"
    df[Survey.complaint] = pd.array([False] * n, dtype="boolean")
    df[Survey.followup_needed] = pd.array([False] * n, dtype="boolean")
    df[Survey.comment] = "<b>很好</b>"
    df.loc[[3, 40, 77], Survey.recommend] = [2.0, 6.0, 0.0]  # detractors
    df.loc[[5, 90], Survey.complaint] = True  # complaints (recommend still high)
    df.loc[[12], "delivery"] = 1.0  # a low item score
    df.loc[[150], Survey.overall] = 2.0  # low overall
    df.loc[[200], Survey.followup_needed] = True  # surveyor flag
    df.loc[[7], Survey.recommend] = np.nan  # missing answer is not a detractor
    df[Deal.sales_rep] = pd.Series([None] * n, dtype=object)
    df.loc[[3], Deal.sales_rep] = "置业顾问张三"
    return df


PLANTED = {3, 40, 77, 5, 90, 12, 150, 200}


def test_every_planted_dissatisfied_customer_is_listed_and_no_one_else(surveys):
    fu = sat.followups(surveys)
    assert set(fu[FollowupColumns.followup_id]) == {f"SV{i:04d}" for i in PLANTED}
    by_id = fu.set_index(FollowupColumns.followup_id)
    assert by_id.loc["SV0003", FollowupColumns.reason] == "贬损者（推荐意愿 2 分）"
    assert by_id.loc["SV0005", FollowupColumns.reason] == "客户投诉" and by_id.loc["SV0005", FollowupColumns.priority] == "高"
    # an item at the scale minimum is severe (issue #17): 高, no longer 低
    assert by_id.loc["SV0012", FollowupColumns.reason] == "低分：交付1分" and by_id.loc["SV0012", FollowupColumns.priority] == "高"
    assert by_id.loc["SV0150", FollowupColumns.reason] == "低分：总体满意度2分"
    assert by_id.loc["SV0200", FollowupColumns.reason] == "调查员标注需跟进"
    assert by_id.loc["SV0003", FollowupColumns.owner] == "置业顾问张三" and by_id.loc["SV0040", FollowupColumns.owner] == "客服小王"
    assert (fu[FollowupColumns.status] == "待处理").all()
    early = sat.followups(surveys, issued="2026-09-01")  # a list issued before every survey
    assert (early[FollowupColumns.due_date] - early[FollowupColumns.survey_date] == pd.Timedelta(days=7)).all()
    # by default the list is issued as of the latest survey: older surveys count from then
    issued = surveys[Survey.survey_date].max()
    assert (fu[FollowupColumns.due_date] == issued + pd.Timedelta(days=7)).all()
    assert fu[FollowupColumns.priority].tolist() == sorted(fu[FollowupColumns.priority].tolist(), key={"高": 0, "中": 1, "低": 2}.get)


def test_combined_reasons_and_thresholds(surveys):
    s = surveys.copy()
    s.loc[3, Survey.complaint] = True
    s.loc[3, "price_fairness"] = 2.0
    row = sat.followups(s).set_index(FollowupColumns.followup_id).loc["SV0003"]
    assert row[FollowupColumns.reason] == "客户投诉；贬损者（推荐意愿 2 分）；低分：价格合理性2分"
    strict = sat.followups(surveys, low_score=3, sla_days=3, issued="2026-09-01")
    assert len(strict) > len(sat.followups(surveys))  # 3-point answers now count as low
    assert (strict[FollowupColumns.due_date] - strict[FollowupColumns.survey_date] == pd.Timedelta(days=3)).all()


def test_overdue_and_kpis(surveys):
    fu = sat.followups(surveys, asof="2027-01-15", issued="2026-12-01")
    assert fu[FollowupColumns.overdue].all()  # all due before mid-January, none closed
    k = sat.followup_kpis(fu)
    assert k["total"] == len(PLANTED) and k["待处理"] == len(PLANTED) and k["closed_within_sla_rate"] == 0
    assert k["small_n"]


def test_returned_sheet_round_trip_updates_status_and_kpi(surveys, tmp_path):
    fu = sat.followups(surveys, asof="2027-01-15", issued="2026-12-01")
    path = write_followup_sheet(fu, tmp_path / "跟进清单.xlsx")
    back = pd.read_excel(path, engine="calamine")
    assert "跟进原因" in back.columns and "跟进状态" in back.columns and len(back) == len(fu)
    # field staff fill in the sheet: two closed in time, one late, one in progress
    ids = fu[FollowupColumns.followup_id].tolist()
    due = fu.set_index(FollowupColumns.followup_id)[FollowupColumns.due_date]
    back["跟进状态"] = back["跟进状态"].astype(object)
    back["关闭日期"] = pd.Series([pd.NaT] * len(back), dtype="datetime64[ns]")
    back["处理结果"] = back["处理结果"].astype(object)
    for fid, status, days in [
        (ids[0], "已关闭", -2),
        (ids[1], "已关闭", 0),
        (ids[2], "已关闭", 5),
        (ids[3], "处理中", None),
    ]:
        i = back.index[back["跟进编号"] == fid][0]
        back.loc[i, "跟进状态"] = status
        if days is not None:
            back.loc[i, "关闭日期"] = due[fid] + pd.Timedelta(days=days)
            back.loc[i, "处理结果"] = "已回访致歉"
    back.to_excel(tmp_path / "returned.xlsx", index=False)
    updates = read_followup_updates(tmp_path / "returned.xlsx")
    out = sat.apply_updates(fu, updates)
    st = out.set_index(FollowupColumns.followup_id)
    assert st.loc[ids[0], FollowupColumns.status] == "已关闭" and bool(st.loc[ids[0], FollowupColumns.closed_within_sla])
    assert bool(st.loc[ids[1], FollowupColumns.closed_within_sla]) and not bool(st.loc[ids[2], FollowupColumns.closed_within_sla])
    assert st.loc[ids[3], FollowupColumns.status] == "处理中" and bool(st.loc[ids[3], FollowupColumns.overdue])
    assert st.loc[ids[0], FollowupColumns.result] == "已回访致歉"
    k = sat.followup_kpis(out)
    assert k["已关闭"] == 3 and k["closed_within_sla"] == 2
    assert k["closed_within_sla_rate"] == pytest.approx(2 / len(PLANTED) * 100)
    summ = followup_summary(out)
    assert summ["total"].sum() == len(PLANTED) and summ["已关闭"].sum() == 3


def test_bad_updates_are_refused_with_row_numbers(surveys, tmp_path):
    fu = sat.followups(surveys)
    fid = fu[FollowupColumns.followup_id].iloc[0]
    with pytest.raises(DataError, match="第 3 行.*跟进状态无效"):
        sat.apply_updates(fu, pd.DataFrame({FollowupColumns.followup_id: [fid, fid], FollowupColumns.status: ["处理中", "搞定了"]}))
    with pytest.raises(DataError, match="不在跟进清单"):
        sat.apply_updates(fu, pd.DataFrame({FollowupColumns.followup_id: ["NOPE"], FollowupColumns.status: ["处理中"]}))
    with pytest.raises(DataError, match="没有填写关闭日期"):
        sat.apply_updates(fu, pd.DataFrame({FollowupColumns.followup_id: [fid], FollowupColumns.status: ["已关闭"]}))
    with pytest.raises(DataError, match="早于调查日期"):
        sat.apply_updates(
            fu,
            pd.DataFrame(
                {FollowupColumns.followup_id: [fid], FollowupColumns.status: ["已关闭"], FollowupColumns.closed_date: [pd.Timestamp("2020-01-01")]}
            ),
        )
    pd.DataFrame({"编号": [1]}).to_excel(tmp_path / "wrong.xlsx", index=False)
    with pytest.raises(MissingColumnsError):
        read_followup_updates(tmp_path / "wrong.xlsx")


def test_sample_complainers_all_get_a_followup(sample_store, sample_truth):
    """On the generated sample: every planted complainer is in the follow-up list."""
    store, truth = sample_store, sample_truth
    import dealresearch as dr

    surveys = dr.load("surveys", store=store)
    fu = sat.followups(surveys)
    planted = set(truth["surveys"]["complainer_survey_ids"])
    assert planted and planted <= set(fu[FollowupColumns.followup_id])
    listed = fu.set_index(FollowupColumns.followup_id).loc[sorted(planted)]
    assert (listed[FollowupColumns.priority] == "高").mean() > 0.9  # flagged as complaints in the sheet


def test_export_followups_filters_period_and_merges_returned_sheet(surveys, tmp_path):
    from dealresearch.fieldwork.followups import export_followups

    store = tmp_path / "data"
    fu = export_followups(surveys, tmp_path / "a.xlsx", period="2026-10", store=store)
    assert (fu[FollowupColumns.survey_date].dt.month == 10).all() and (tmp_path / "a.xlsx").is_file()
    assert set(fu[FollowupColumns.followup_id]) == {
        f"SV{i:04d}" for i in PLANTED if surveys.loc[i, Survey.survey_date].month == 10
    }
    returned = pd.read_excel(tmp_path / "a.xlsx", engine="calamine")
    returned["跟进状态"] = "处理中"
    returned.to_excel(tmp_path / "back.xlsx", index=False)
    again = export_followups(
        surveys, tmp_path / "b.xlsx", period="2026-10", updates_path=tmp_path / "back.xlsx", store=store
    )
    assert (again[FollowupColumns.status] == "处理中").all()
    # the returned sheet is recorded: the next list starts from it without --updates, and
    # another period's list skips those rows instead of refusing them
    later = export_followups(surveys, tmp_path / "c.xlsx", period="2026-10", store=store)
    assert (later[FollowupColumns.status] == "处理中").all() and len(later) == len(again)
    other = export_followups(surveys, tmp_path / "d.xlsx", period="2026-11", store=store)
    assert len(other) and (other[FollowupColumns.status] == "待处理").all()
    none = export_followups(surveys, tmp_path / "e.xlsx", period="2026-09", store=store)
    assert none.empty  # a period without surveys: an empty list, not a crash


def test_merge_updates_keeps_the_latest_status_and_the_latest_filled_result():
    first = pd.DataFrame(
        {
            FollowupColumns.followup_id: ["A", "B"],
            FollowupColumns.status: ["处理中", "处理中"],
            FollowupColumns.result: ["已致电", "约访"],
            FollowupColumns.owner: ["王", None],
        }
    )
    second = pd.DataFrame(
        {
            FollowupColumns.followup_id: ["A", "C"],
            FollowupColumns.status: ["已关闭", "处理中"],
            FollowupColumns.closed_date: pd.to_datetime(["2026-11-20", None]),
            FollowupColumns.result: ["  ", "已回电"],
        }
    )
    m = merge_updates(None, first, second).set_index(FollowupColumns.followup_id)
    assert m.loc["A", FollowupColumns.status] == "已关闭" and m.loc["A", FollowupColumns.closed_date] == pd.Timestamp("2026-11-20")
    assert m.loc["A", FollowupColumns.result] == "已致电" and m.loc["A", FollowupColumns.owner] == "王"  # a blank cell keeps it
    assert (
        m.loc["B", FollowupColumns.result] == "约访" and m.loc["C", FollowupColumns.result] == "已回电" and pd.isna(m.loc["C", FollowupColumns.owner])
    )
    assert merge_updates(None, None) is None


def test_known_only_skips_follow_ups_of_other_lists(surveys):
    fu = sat.followups(surveys)
    fid = fu[FollowupColumns.followup_id].iloc[0]
    updates = pd.DataFrame({FollowupColumns.followup_id: [fid, "ELSEWHERE"], FollowupColumns.status: ["处理中", "已关闭"]})
    out = sat.apply_updates(fu, updates, known_only=True)
    assert out.set_index(FollowupColumns.followup_id).loc[fid, FollowupColumns.status] == "处理中"
    with pytest.raises(DataError):
        sat.apply_updates(fu, updates)


# ------------------------------------------------ issue #17: severity, due dates, field lists
def test_priority_follows_severity_with_planted_counts(surveys):
    s = surveys.copy()
    worst = 250  # an NPS-0 customer who scored every item 1
    s.loc[worst, list(DRIVER_ITEMS) + [Survey.overall]] = 1.0
    s.loc[worst, Survey.recommend] = 0.0
    s.loc[[260], Survey.recommend] = 3.0  # NPS ≤ 3 alone: 高
    s.loc[[270], "delivery"] = 2.0  # low but above the scale minimum: 中
    fu = sat.followups(s).set_index(FollowupColumns.followup_id)
    assert fu.loc[f"SV{worst:04d}", FollowupColumns.priority] == "高"
    assert fu.loc["SV0260", FollowupColumns.priority] == "高" and fu.loc["SV0270", FollowupColumns.priority] == "中"
    # planted: complaints 5, 90; NPS 2 / 0 / 3 → 3, 77, 260; item at minimum → 12, 250
    high = {"SV0003", "SV0005", "SV0077", "SV0090", "SV0012", "SV0250", "SV0260"}
    medium = {"SV0040", "SV0150", "SV0270"}  # NPS 6; overall 2; delivery 2
    low = {"SV0200"}  # the surveyor's flag alone
    for level, ids in (("高", high), ("中", medium), ("低", low)):
        assert set(fu.index[fu[FollowupColumns.priority] == level]) == ids, level
    assert sat.followup_kpis(fu.reset_index())["by_priority"] == {"高": 7, "中": 3, "低": 1}


def test_due_dates_count_from_the_issue_date_and_days_overdue(surveys):
    issued = pd.Timestamp("2026-11-15")
    fu = sat.followups(surveys, issued=issued, asof="2026-12-01", sla_days=7)
    older = fu[FollowupColumns.survey_date] < issued
    assert older.any() and (~older).any()
    assert (fu.loc[older, FollowupColumns.due_date] == pd.Timestamp("2026-11-22")).all()  # from the issue date
    assert (fu.loc[~older, FollowupColumns.due_date] == fu.loc[~older, FollowupColumns.survey_date] + pd.Timedelta(days=7)).all()
    expected = (pd.Timestamp("2026-12-01") - fu[FollowupColumns.due_date]).dt.days.clip(lower=0)
    assert fu[FollowupColumns.days_overdue].astype(int).tolist() == expected.tolist()
    assert fu.loc[older, FollowupColumns.days_overdue].eq(9).all() and (fu[FollowupColumns.overdue] == (fu[FollowupColumns.days_overdue] > 0)).all()
    # a list handed out the day it is issued has nothing overdue
    fresh = sat.followups(surveys, issued="2026-12-01", asof="2026-12-01")
    assert not fresh[FollowupColumns.overdue].any() and (fresh[FollowupColumns.days_overdue] == 0).all()
    # sorted by priority, then days overdue (most first)
    rank = fu[FollowupColumns.priority].map({"高": 0, "中": 1, "低": 2})
    key = list(zip(rank, -fu[FollowupColumns.days_overdue].astype(int), strict=True))
    assert key == sorted(key)


def test_closed_late_counts_days_and_has_updates_says_whether_a_sheet_came_back(surveys):
    fu = sat.followups(surveys, issued="2026-09-01", asof="2027-01-15")
    assert not sat.followup_kpis(fu)["has_updates"] and not followup_summary(fu).attrs["has_updates"]
    fid = fu[FollowupColumns.followup_id].iloc[0]
    due = fu.set_index(FollowupColumns.followup_id).loc[fid, FollowupColumns.due_date]
    out = sat.apply_updates(
        fu, pd.DataFrame({FollowupColumns.followup_id: [fid], FollowupColumns.status: ["已关闭"], FollowupColumns.closed_date: [due + pd.Timedelta(days=4)]})
    )
    assert out.set_index(FollowupColumns.followup_id).loc[fid, FollowupColumns.days_overdue] == 4
    assert sat.followup_kpis(out)["has_updates"] and followup_summary(out).attrs["has_updates"]
    other = sat.apply_updates(fu, pd.DataFrame({FollowupColumns.followup_id: ["ELSEWHERE"], FollowupColumns.status: ["处理中"]}),
                              known_only=True)
    assert not sat.followup_kpis(other)["has_updates"]  # nothing of this list came back


def test_field_list_per_project_with_contacts_wraps_and_reads_as_the_field_would(surveys, tmp_path):
    import openpyxl

    from dealresearch.fieldwork.followups import followup_list, write_project_lists

    fu = followup_list(surveys, period="2026-10", store=tmp_path / "data", issued="2026-10-31")
    contacts = pd.DataFrame({
        "customer_key": fu[FollowupColumns.customer_key].astype(str),
        "姓名": [f"客户{i}" for i in range(len(fu))],
        "手机": [f"1391111{i:04d}" for i in range(len(fu))],
        "房号": "3栋1202",
        "置业顾问": "=顾问",  # formula-like text stays text
    })
    written = write_project_lists(fu, tmp_path / "lists", "2026-10", contacts=contacts)
    assert set(written) == set(fu[FollowupColumns.project])
    for project, path in written.items():
        assert path.name == f"回访跟进清单_{project}_2026-10.xlsx"
        ws = openpyxl.load_workbook(path).active
        head = [c.value for c in ws[1]]
        assert head[:6] == ["跟进编号", "优先级", "逾期天数", "应完成日期", "责任人", "项目"]
        assert {"姓名", "手机", "房号", "置业顾问", "跟进原因", "跟进状态"} <= set(head)
        assert ws.freeze_panes == "C2"
        col = {h: i + 1 for i, h in enumerate(head)}
        assert ws.cell(2, col["跟进原因"]).alignment.wrap_text and ws.cell(2, col["意见和建议"]).alignment.wrap_text
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(col["意见和建议"])].width >= 40
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        part = fu[fu[FollowupColumns.project] == project]
        assert len(rows) == len(part)
        phones = [r[col["手机"] - 1] for r in rows]
        assert all(isinstance(p, str) and p.startswith("1391111") and len(p) == 11 for p in phones)
        assert all(r[col["置业顾问"] - 1] == "'=顾问" for r in rows)
        assert not any(isinstance(c.value, str) and c.data_type == "f" for row in ws.iter_rows() for c in row)
    back = read_followup_updates(next(iter(written.values())))  # the returned sheet still reads back
    assert {FollowupColumns.followup_id, FollowupColumns.status} <= set(back.columns)


def test_surveys_without_a_project_still_get_a_list(surveys, tmp_path):
    from dealresearch.fieldwork.followups import write_project_lists

    s = surveys.copy()
    s[Survey.project] = s[Survey.project].astype(object)
    s.loc[[3, 5], Survey.project] = None
    fu = sat.followups(s)
    written = write_project_lists(fu, tmp_path, "2026Q4")
    assert "未注明项目" in written and written["未注明项目"].name == "回访跟进清单_未注明项目_2026Q4.xlsx"
    total = sum(len(pd.read_excel(p, engine="calamine")) for p in written.values())
    assert total == len(fu) == len(PLANTED)
