"""Survey coverage ledger and annual plan: planted truths and property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealresearch import survey_plan as sp
from dealresearch.errors import CapacityError, DataError
from dealresearch.schema import Customer, Deal, Survey
from dealresearch.survey_plan import PlanRules
from dealresearch.survey_plan.base import customer_base
from dealresearch.survey_plan.cycle import ledger
from dealresearch.survey_plan.schedule import VALUE_LABELS, allocate, required_count, value_classes, waterfill

T = pd.Timestamp


def deal(key, date, project="A", amount=1e6, status="签约", phone="138****0000"):
    return {
        Deal.customer_key: key,
        Deal.sign_date: T(date),
        Deal.project: project,
        Deal.total_price: amount,
        Deal.status: status,
        Deal.phone_masked: phone,
    }


def base_frame(n=1000, seed=0, projects=("A", "B", "C"), join=2020, **extra):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            Customer.customer_key: [f"c{i:06d}" for i in range(n)],
            Customer.project: rng.choice(
                list(projects), n, p=np.linspace(1, 2, len(projects)) / np.linspace(1, 2, len(projects)).sum()
            ),
            Customer.total_amount: rng.lognormal(14, 0.6, n),
            Customer.first_deal_date: pd.Timestamp(join, 3, 1),
            Customer.key_account: False,
            Customer.do_not_contact: False,
            Customer.phone_masked: "138****0000",
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


def surveys_of(keys, dates, method="电话"):
    return pd.DataFrame(
        {Survey.customer_key: list(keys), Survey.survey_date: pd.to_datetime(list(dates)), Survey.method: method}
    )


# ------------------------------------------------------------------ customer base
def test_customer_base_window_cancellations_projects_and_opt_outs():
    deals = pd.DataFrame(
        [
            deal("a", "2024-05-01", "P1", 1e6),
            deal("a", "2025-02-01", "P2", 3e6),  # main project P2
            deal("b", "2023-01-10"),  # in window (2023–2025)
            deal("c", "2022-12-31"),  # before the window
            deal("d", "2025-06-01", status="退房"),  # fully cancelled
            deal("e", "2025-06-01", status="退房"),
            deal("e", "2025-07-01"),  # one live deal
            deal("f", "2026-01-05"),  # joins in 2026: next base
            deal("g", "2021-01-01"),
            deal("g", "2025-01-01", phone=None),  # returning customer
        ]
    )
    base = customer_base(deals, 2026, opt_outs=["b", "zz"])
    assert base[Customer.customer_key].tolist() == ["a", "b", "e", "g"]
    row = base.set_index(Customer.customer_key)
    assert (
        row.loc["a", Customer.project] == "P2"
        and row.loc["a", Customer.total_amount] == 4e6
        and row.loc["a", Customer.n_deals] == 2
    )
    assert row.loc["e", Customer.total_amount] == 1e6  # the cancelled deal does not count
    assert row.loc["g", Customer.first_deal_date] == T("2021-01-01")  # tenure from the first deal ever
    assert row[Customer.do_not_contact].tolist() == [False, True, False, False]  # flagged, not dropped
    master = pd.DataFrame(
        {Customer.customer_key: ["a", "g"], Customer.key_account: [True, False], Customer.do_not_contact: [False, True]}
    )
    rich = customer_base(deals, 2026, customers=master).set_index(Customer.customer_key)
    assert rich[Customer.key_account].tolist() == [True, False, False, False]
    assert rich.loc["g", Customer.do_not_contact]


def test_customer_base_from_master_only():
    master = pd.DataFrame(
        {
            Customer.customer_key: ["x", "y", "z", "w"],
            Customer.active: [True, False, True, None],
            Customer.last_deal_date: pd.to_datetime(["2025-05-01", "2025-05-01", "2021-01-01", "2024-01-01"]),
            Customer.first_deal_date: pd.to_datetime(["2019-01-01", "2019-01-01", "2019-01-01", "2024-01-01"]),
        }
    )
    base = customer_base(None, 2026, customers=master, opt_outs=pd.DataFrame({Customer.customer_key: ["w"]}))
    assert base[Customer.customer_key].tolist() == ["w", "x"]
    assert base[Customer.do_not_contact].tolist() == [True, False]


# ------------------------------------------------------------------------ ledger
def test_must_rule_follows_the_cycle():
    cust = pd.DataFrame(
        {
            Customer.customer_key: ["s23", "s24", "j23", "j25", "nodate", "opt", "s26"],
            Customer.first_deal_date: pd.to_datetime(
                ["2019-01-01", "2019-01-01", "2023-06-01", "2025-06-01", None, "2019-01-01", "2019-01-01"]
            ),
            Customer.do_not_contact: [False, False, False, False, False, True, False],
        }
    )
    sv = surveys_of(["s23", "s24", "s26"], ["2023-12-31", "2024-01-01", "2026-03-01"])
    lg = ledger(cust, sv, 2026).set_index(Customer.customer_key)
    assert lg["must"].to_dict() == {
        "s23": True,
        "s24": False,
        "j23": True,
        "j25": False,
        "nodate": True,
        "opt": False,
        "s26": False,
    }
    assert lg.loc["s26", "surveyed_in_year"]


def test_coverage_counts_and_overdue_match_next_years_must_list():
    cust = base_frame(200, join=2020)
    cust.loc[:9, Customer.do_not_contact] = True
    cust.loc[:49, Customer.project] = "A"
    cust.loc[50:, Customer.project] = "B"
    # 40 surveyed in 2025 (30 in A by phone, 10 in B by visit), 60 surveyed in 2024, rest never
    keys = cust[Customer.customer_key]
    sv = pd.concat(
        [
            surveys_of(keys[10:40], ["2025-04-01"] * 30),
            surveys_of(keys[50:60], ["2025-05-01"] * 10, "走访"),
            surveys_of(keys[60:120], ["2024-06-01"] * 60),
            surveys_of(keys[60:70], ["2021-06-01"] * 10),
        ]
    )
    cov = sp.coverage(cust, sv, 2025)
    assert (cov.n_base, cov.n_opt_out, cov.n_surveyed) == (200, 10, 40)
    assert cov.share == pytest.approx(0.2)
    proj = cov.by_project.set_index(Customer.project)
    assert proj.loc["A", "已调查"] == 30 and proj.loc["B", "已调查"] == 10
    meth = cov.by_method.set_index(Survey.method)
    assert meth.loc["电话", "客户数"] == 30 and meth.loc["走访", "客户数"] == 10
    assert cov.n_window_covered == 100 and cov.rolling_share == pytest.approx(100 / 190)
    assert cov.n_never == 90 and cov.n_window_breach == 90  # joined 2020: a full cycle without a survey
    assert cov.n_overdue == 90  # the 60 surveyed in 2024 still have 2026
    nxt = sp.plan(cust, sv, 2026)
    assert set(nxt.loc[nxt["reason"] == "必访", Customer.customer_key]) == set(cov.overdue[Customer.customer_key])
    assert "客户基数" in cov.summary()["指标"].tolist()


# ------------------------------------------------------------------------- plan
def test_plan_share_margin_strata_and_reproducibility():
    cust = base_frame(3000, join=2025)  # nobody overdue: pure top-up
    pl = sp.plan(cust, None, 2026, seed=3)
    need = required_count(3000, 0, 0.4, 0.85, 0.95)
    assert len(pl) == need and need > np.ceil(0.4 * 3000 / 0.85)
    assert (pl["reason"] == "抽样").all()
    # proportional over project × value class: each stratum within one of its quota
    full = sp.plan(cust, None, 2026, rules=PlanRules(expected_completion=1.0), seed=3)
    assert len(full) == 1200
    vc = pd.Series(
        np.array(VALUE_LABELS)[value_classes(cust[Customer.total_amount], (0.1, 0.4))], index=cust[Customer.customer_key]
    )
    got = full.groupby([Customer.project, "value_class"]).size()
    size = pd.DataFrame({"p": cust.set_index(Customer.customer_key)[Customer.project], "v": vc}).groupby(["p", "v"]).size()
    quota = size * 1200 / 3000
    assert ((got.reindex(quota.index, fill_value=0) - quota).abs() < 1).all()
    again = sp.plan(cust, None, 2026, seed=3)
    other = sp.plan(cust, None, 2026, seed=4)
    pd.testing.assert_frame_equal(pl, again)
    assert set(pl[Customer.customer_key]) != set(other[Customer.customer_key])
    assert sp.validate_plan(pl, cust, None, 2026) == []


def test_plan_months_levelled_must_first_and_gap_respected():
    cust = base_frame(1200, join=2020)
    keys = cust[Customer.customer_key]
    sv = pd.concat(
        [
            surveys_of(keys[:600], ["2025-05-01"] * 600),  # not due
            surveys_of(keys[600:700], ["2025-10-15"] * 100),
        ]
    )  # recent: earliest May 2026
    pl = sp.plan(cust, sv, 2026)
    assert (pl["reason"] == "必访").sum() == 500  # keys 700.. never surveyed, joined 2020
    per_month = pl.groupby(["method", "month"]).size().unstack(fill_value=0)
    assert (per_month.max(axis=1) - per_month.min(axis=1) <= 1).all()
    recent = pl[pl[Customer.customer_key].isin(keys[600:700])]
    assert len(recent) and (recent["month"] >= 5).all()
    phone = pl[pl["method"] == "电话"]
    assert phone.loc[phone["reason"] == "必访", "month"].max() > 6  # musts fill the even level from January
    assert (
        phone.loc[phone["reason"] == "必访", "month"].mean()
        < phone.loc[phone["reason"] == "抽样", "month"].mean()
    )
    early = sp.plan(cust, sv, 2026, rules=PlanRules(must_by_month=6))
    assert early.loc[early["reason"] == "必访", "month"].max() == 6
    assert early.groupby("month").size().loc[7:].sum() < 100  # uneven by request
    assert sp.validate_plan(early, cust, sv, 2026) == []


def test_method_rules_default_and_configured():
    cust = base_frame(100, join=2020)
    cust.loc[0, Customer.key_account] = True
    cust.loc[0, Customer.total_amount] = 1.0  # key account despite the lowest value
    cust.loc[1:10, Customer.total_amount] = 1e12  # the top 10 %
    cust.loc[50:59, Customer.phone_masked] = None
    pl = sp.plan(cust, None, 2026).set_index(Customer.customer_key)  # all 100 must (never surveyed)
    k = cust[Customer.customer_key]
    assert (pl.loc[k[:11], "method"] == "走访").all()
    assert (pl.loc[k[50:60], "method"] == "书面问卷").all()
    assert (pl.loc[k[20:50], "method"] == "电话").all()
    rules = {"by_value": {"高价值": "走访", "中价值": "书面问卷", "一般": "电话"}, "key_account": None}
    pl2 = sp.plan(cust, None, 2026, rules=PlanRules(method_rules=rules)).set_index(Customer.customer_key)
    assert pl2.loc[k[0], "method"] == "电话" and (pl2["method"] == "书面问卷").sum() >= 40
    assert sp.validate_plan(pl2.reset_index(), cust, None, 2026, rules=PlanRules(method_rules=rules)) == []


def test_capacity_shortfall_is_named_and_sampled_overflow_falls_back():
    cust = base_frame(1000, join=2020)
    cust.loc[:99, Customer.key_account] = True
    keys = cust[Customer.customer_key]
    sv = surveys_of(keys[100:], ["2025-03-01"] * 900)  # only the 100 key accounts are overdue
    with pytest.raises(CapacityError, match=r"走访.*100 人.*60 人次.*缺少 40 人次"):
        sp.plan(cust, sv, 2026, rules=PlanRules(capacity={"走访": 5}))
    cap = {"走访": 10, "电话": 20}
    pl = sp.plan(cust, sv, 2026, rules=PlanRules(capacity=cap, expected_completion=1.0))
    load = pl.groupby(["method", "month"]).size()
    assert load["走访"].max() <= 10 and load["电话"].max() <= 20
    assert (pl.loc[pl["reason"] == "必访", "method"] == "走访").all()
    # 300 sampled: 20 visit slots left after the 100 musts, 240 phone slots, the rest overflow to 书面问卷
    assert pl["method"].value_counts().to_dict() == {"电话": 240, "走访": 120, "书面问卷": 40}
    assert sp.validate_plan(pl, cust, sv, 2026, rules=PlanRules(capacity=cap, expected_completion=1.0)) == []
    with pytest.raises(CapacityError, match="抽样补足"):
        sp.plan(
            cust, sv, 2026, rules=PlanRules(capacity={"走访": 10, "电话": 20, "书面问卷": 3}, expected_completion=1.0)
        )


def test_not_enough_eligible_customers():
    cust = base_frame(100, join=2020, **{Customer.do_not_contact: True})
    cust.loc[:19, Customer.do_not_contact] = False
    with pytest.raises(DataError, match="拒绝调查 80 人"):
        sp.plan(cust, None, 2026)


def test_validate_plan_catches_each_broken_rule():
    cust = base_frame(500, join=2020)
    cust.loc[0, Customer.do_not_contact] = True
    keys = cust[Customer.customer_key]
    sv = pd.concat(
        [surveys_of(keys[:400], ["2025-02-01"] * 400), surveys_of(keys[400:410], ["2025-11-20"] * 10)]
    )
    sv = sv[sv[Survey.customer_key] != keys[400]]
    pl = sp.plan(cust, sv, 2026, rules=PlanRules(capacity={"电话": 30, "走访": 5}))
    assert sp.validate_plan(pl, cust, sv, 2026, rules=PlanRules(capacity={"电话": 30, "走访": 5})) == []
    must = pl[pl["reason"] == "必访"]
    msgs = sp.validate_plan(pl.drop(must.index[:3]), cust, sv, 2026)
    assert any("3 个必访客户" in m for m in msgs)
    bad = pd.concat([pl, pl.iloc[[0]]]).reset_index(drop=True)
    assert any("重复" in m for m in sp.validate_plan(bad, cust, sv, 2026))
    opt = pd.concat(
        [pl, pd.DataFrame({Customer.customer_key: [keys[0]], "method": ["电话"], "month": [3], "reason": ["抽样"]})]
    )
    assert any("拒绝调查" in m for m in sp.validate_plan(opt, cust, sv, 2026))
    recent = pl[pl[Customer.customer_key].isin(keys[401:410])]
    if recent.empty:  # none sampled: add one in March
        early = pd.concat(
            [
                pl,
                pd.DataFrame(
                    {Customer.customer_key: [keys[401]], "method": ["电话"], "month": [3], "reason": ["抽样"]}
                ),
            ]
        )
    else:
        early = pl.assign(month=np.where(pl[Customer.customer_key].isin(keys[401:410]), 3, pl["month"]))
    assert any("不足 6 个月" in m for m in sp.validate_plan(early, cust, sv, 2026))
    assert any(
        "超过容量" in m for m in sp.validate_plan(pl.assign(month=1), cust, sv, 2026, rules=PlanRules(capacity={"电话": 30}))
    )
    small = pl[pl["reason"] == "必访"]
    assert any("低于 40%" in m for m in sp.validate_plan(small, cust, sv, 2026))
    assert any("余量" in m for m in sp.validate_plan(pl.iloc[:201], cust, sv, 2026))
    assert sp.validate_plan(pl.drop(columns="month"), cust, sv, 2026) == ["计划缺少列：month。"]


# ------------------------------------------------------------------- helpers
def test_required_count_margin():
    assert required_count(1000, 0, 0.4, 1.0, 0.95) == 400
    assert required_count(1000, 0, 0.4, 0.85, 0.5) == 471  # ceil(400 / 0.85)
    n = required_count(1000, 0, 0.4, 0.85, 0.95)
    p = 0.85
    assert (
        n * p - 1.6449 * np.sqrt(n * p * (1 - p))
        >= 400
        > (n - 1) * p - 1.6449 * np.sqrt((n - 1) * p * (1 - p))
    )
    assert (
        required_count(1000, 150, 0.4, 1.0, 0.95) == 250 and required_count(1000, 500, 0.4, 0.85, 0.95) == 0
    )


def test_allocate_and_waterfill():
    a = allocate(10, np.array([1.0, 1.0, 2.0]), np.array([100, 1, 100]))
    assert a.tolist() == [3, 1, 6]
    assert allocate(7, np.array([1.0, 1.0, 1.0]), np.array([5, 5, 5])).sum() == 7
    load = np.array([5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3])
    add, over = waterfill(load, np.full(12, 4), 0, 30)
    assert over == 0 and add.sum() == 30 and (load + add).max() == 5 and add[0] == 0
    add, over = waterfill(np.zeros(12, int), np.full(12, 2), 10, 9)
    assert add.tolist() == [0] * 10 + [2, 2] and over == 5


# --------------------------------------------------------------- properties
@st.composite
def histories(draw):
    n = draw(st.integers(0, 250))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame(
        {
            Customer.customer_key: [f"k{i}" for i in range(n)],
            Customer.project: rng.choice(["A", "B", "C", "D"][: draw(st.integers(1, 4))], n),
            Customer.total_amount: np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(13, 1, n)),
            Customer.first_deal_date: pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 4380, n), "D"),
            Customer.key_account: rng.random(n) < draw(st.floats(0, 0.3)),
            Customer.do_not_contact: rng.random(n) < draw(st.floats(0, 0.3)),
            Customer.phone_masked: np.where(rng.random(n) < 0.8, "138****0000", None),
        }
    )
    cust.loc[rng.random(n) < 0.1, Customer.first_deal_date] = pd.NaT
    m = int(rng.integers(0, 3 * n + 1))
    sv = surveys_of(
        rng.choice(cust[Customer.customer_key], m) if n else [],
        pd.to_datetime("2016-01-01") + pd.to_timedelta(rng.integers(0, 4100, m), "D"),
    )
    params = dict(
        min_share=draw(st.floats(0.05, 0.9)),
        cycle_years=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 99)),
        min_gap_months=draw(st.integers(0, 12)),
        expected_completion=draw(st.floats(0.6, 1.0)),
        capacity=draw(
            st.one_of(
                st.none(),
                st.integers(0, 30),
                st.fixed_dictionaries(
                    {
                        "走访": st.integers(0, 10),
                        "电话": st.lists(st.integers(0, 40), min_size=12, max_size=12),
                    }
                ),
            )
        ),
        assurance=draw(st.floats(0.5, 0.99)),
        method_rules=draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "by_value": st.fixed_dictionaries(
                            {v: st.sampled_from(["走访", "电话", "书面问卷"]) for v in VALUE_LABELS}
                        ),
                        "key_account": st.sampled_from([None, "走访", "电话"]),
                        "no_phone": st.sampled_from([None, "书面问卷"]),
                        "value_shares": st.sampled_from([(0.1, 0.4), (0.0, 0.0), (0.3, 0.7)]),
                    }
                ),
            )
        ),
    )
    return cust, sv, params


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 12), st.booleans())
def test_every_plan_passes_validation(h, must_by_month, prefer_due):
    cust, sv, params = h
    seed = params.pop("seed")
    rules = PlanRules(must_by_month=must_by_month, prefer_due=prefer_due, **params)
    try:
        pl = sp.plan(cust, sv, 2027, rules=rules, seed=seed)
    except (CapacityError, DataError):
        return  # infeasible inputs fail loudly, never with a non-compliant plan
    assert sp.validate_plan(pl, cust, sv, 2027, rules=rules) == []
    # the checker ignores the planner's scheduling preferences: the same rules without them agree
    assert sp.validate_plan(pl, cust, sv, 2027, rules=PlanRules(**params)) == []
    assert pl[Customer.customer_key].is_unique and pl["month"].between(1, 12).all()


# ------------------------------------------------------- sample store, workbook, plots
def _plan_rows(path) -> list[dict]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    assert names[0] == "汇总" and all("-" in n and n.endswith("月") for n in names[1:])
    summary = wb.get_sheet_by_name("汇总").to_python()
    assert any("批准（管理层）" in str(r[0]) for r in summary)
    rows = []
    for n in names[1:]:
        data = wb.get_sheet_by_name(n).to_python()
        rows += [dict(zip(data[1], r, strict=False)) for r in data[2:]]
    return rows


def test_command_writes_one_workbook_per_project_with_contacts_from_the_store(sample_store, tmp_path, capsys):
    from dealresearch.cli.survey_plan import survey_plan_command
    from dealresearch.ingest.store import load

    written = survey_plan_command(2027, store=sample_store, out=tmp_path, include_contacts=True)
    printed = capsys.readouterr().out
    assert "规则检查：通过" in printed and "必访" in printed and "加密联系人库" in printed
    deals = load("deals", sample_store)
    base = sp.customer_base(deals, 2027, customers=load("customers", sample_store))
    expected = sp.plan(base, load("surveys", sample_store), 2027)  # the CLI writes the library's plan
    assert sorted(written) == sorted(expected[Customer.project].unique()) and len(written) >= 2
    rows = []
    for project, path in written.items():
        assert path.parent == tmp_path and path.name == f"2027年度顾客调查计划_{project}（含联系方式）.xlsx"
        part = _plan_rows(path)
        assert {r["项目"] for r in part} == {project}
        assert len(part) == int((expected[Customer.project] == project).sum())
        rows += part
    assert len(rows) == len(expected) and {r["客户编码(假名)"] for r in rows} == set(expected[Customer.customer_key])
    # contacts come from the contacts store: the callable phone masks to the stored mask
    stored = base.set_index(Customer.customer_key)[Customer.phone_masked]
    phones = [(r["客户编码(假名)"], str(r["手机"])) for r in rows if r.get("手机")]
    assert len(phones) >= 0.95 * len(rows)
    assert all(stored[k] == p[:3] + "****" + p[-4:] for k, p in phones)
    assert sum(bool(r.get("姓名")) for r in rows) >= 0.95 * len(rows)
    assert {"房号", "置业顾问"} <= set(rows[0])
    one = sorted(written)[0]
    plain = survey_plan_command(2027, store=sample_store, out=tmp_path / "x.xlsx", project=one)
    assert list(plain) == [one] and plain[one] == tmp_path / "x.xlsx"
    header = [k for r in _plan_rows(plain[one])[:1] for k in r]
    assert "手机" not in header and "姓名" not in header and "客户编码(假名)" in header


def test_command_places_lists_under_the_period_and_checks_out_first(sample_store, tmp_path, monkeypatch, capsys):
    from dealresearch.cli.survey_plan import survey_plan_command
    from dealresearch.errors import ParameterError
    from dealresearch.ingest.store import load

    monkeypatch.setenv("DEALRESEARCH_REPORTS", str(tmp_path / "reports"))
    written = survey_plan_command(period="2026Q3", store=sample_store, project="滨江壹号")
    path = written["滨江壹号"]
    assert path == tmp_path / "reports" / "2026Q3" / "lists" / "2027年度顾客调查计划_滨江壹号.xlsx"
    r = sp.review(load("deals", sample_store), load("surveys", sample_store), period="2026Q3", project="滨江壹号",
                  customers=load("customers", sample_store, missing_ok=True))
    assert len(_plan_rows(path)) == r.plan.n
    assert f"计划调查 {r.plan.n:,} 人" in capsys.readouterr().out
    with pytest.raises(ParameterError, match="--project"):  # one file for several projects: refused
        survey_plan_command(2027, store=sample_store, out=tmp_path / "all.xlsx")
    with pytest.raises(ParameterError, match="--year"):
        survey_plan_command(2027, period="2026Q3", store=sample_store)
    assert not (tmp_path / "all.xlsx").exists() and not (tmp_path / "reports" / "2026").exists()


def test_contacts_without_their_key_are_refused_before_anything_is_written(sample_store, tmp_path, monkeypatch):
    from dealresearch.cli.survey_plan import survey_plan_command
    from dealresearch.errors import DealResearchError

    monkeypatch.setenv("DEALRESEARCH_CONTACTS_KEY", "another-contacts-key-that-is-not-the-one-0123")
    with pytest.raises(DealResearchError, match="联系人密钥"):
        survey_plan_command(2027, store=sample_store, out=tmp_path, include_contacts=True)
    assert list(tmp_path.iterdir()) == []


def test_review_on_sample_and_plots(sample_store):
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.ingest.store import load, read_table
    from dealresearch.plots import survey_plan as spplots
    from dealresearch.plots.base import MIN_PHONE_TEXT_PX, overlapping_texts, smallest_phone_text_px
    from dealresearch.present import survey_plan as present

    r = sp.review(
        load("deals", sample_store),
        read_table("surveys", sample_store),
        period="2026Q3",  # the sample's latest complete quarter (it ends 2026-09-30)
        customers=read_table("customers", sample_store),
    )
    assert (r.year, r.plan_year) == (2026, 2027) and r.problems.passed and r.problems.messages == ()
    assert f"{r.coverage.n_surveyed:,}" in present.coverage_sentence(r) and "符合全部计划规则" in present.plan_sentence(r)
    assert r.plan.n == len(r.plan.frame) == r.workload.n and r.overview.n == r.base.n == len(r.base.frame)
    q2 = sp.review(load("deals", sample_store), read_table("surveys", sample_store), period="2026Q2")
    assert q2.coverage.asof == pd.Timestamp("2026-06-30") and q2.coverage.n_surveyed < r.coverage.n_surveyed
    ax = spplots.monthly_workload(r.plan.frame)
    assert len(ax.patches) == 12 * r.plan.frame["method"].nunique()
    assert sum(p.get_height() for p in ax.patches) == len(r.plan.frame)
    fig = ax.figure
    fig.tight_layout()
    assert overlapping_texts(fig) == [] and smallest_phone_text_px(fig) >= MIN_PHONE_TEXT_PX
    # the month totals sit above the plot area: never on a bar or on the 必访 line
    renderer = fig.canvas.get_renderer()
    plot_top = ax.get_window_extent(renderer).y1
    (top_axis,) = ax.child_axes
    totals = [t for t in top_axis.get_xticklabels() if t.get_visible() and t.get_text()]
    assert [t.get_text() for t in totals] == [f"{v:,}" for v in r.workload.table["合计"].iloc[:12]]
    assert all(t.get_window_extent(renderer).y0 >= plot_top for t in totals)
    ax2 = spplots.coverage_by_project(r.coverage.by_project)
    assert len(ax2.patches) == len(r.coverage.by_project)
    ax2.figure.tight_layout()
    assert overlapping_texts(ax2.figure) == []
    bars_right = ax2.get_window_extent(renderer=ax2.figure.canvas.get_renderer()).x1
    values = [t for t in ax2.texts if "%（n=" in t.get_text()]
    assert len(values) == len(r.coverage.by_project)
    assert all(t.get_window_extent(ax2.figure.canvas.get_renderer()).x0 >= bars_right for t in values)


def test_b2b_master_only_base_plan_and_duplicate_keys():
    master = base_frame(300, join=2020).drop(columns=[Customer.first_deal_date, Customer.phone_masked])
    master[Customer.active] = True
    master.loc[:9, Customer.active] = False
    master[Customer.total_amount] = 0.0  # no amounts on file: nobody is 高价值 by a tie
    base = customer_base(None, 2027, customers=master)
    assert len(base) == 290
    sv = surveys_of(base[Customer.customer_key][:200], ["2026-02-01"] * 200)
    pl = sp.plan(base, sv, 2027)
    # unknown first deal and never surveyed: cannot prove they are inside the cycle → 必访
    assert (pl["reason"] == "必访").sum() == 90 and (pl["method"] == "电话").all()
    assert sp.validate_plan(pl, base, sv, 2027) == []
    with pytest.raises(DataError, match="重复"):
        sp.plan(pd.concat([base, base.iloc[[5]]]), sv, 2027)
    assert sp.plan_year("2026Q3") == 2027 and sp.plan_year("2026") == 2027


def test_prefer_due_draws_next_years_must_first():
    cust = base_frame(1000, join=2020)
    keys = cust[Customer.customer_key]
    sv = pd.concat(
        [surveys_of(keys[:300], ["2024-03-01"] * 300), surveys_of(keys[300:], ["2025-03-01"] * 700)]
    )
    due = set(keys[:300])
    first = sp.plan(cust, sv, 2026)
    plain = sp.plan(cust, sv, 2026, rules=PlanRules(prefer_due=False))
    assert (first["reason"] == "抽样").all() and len(first) == len(plain)
    assert first[Customer.customer_key].isin(due).sum() >= 290  # strata quotas may cap a few
    assert 100 < plain[Customer.customer_key].isin(due).sum() < 190  # ≈ 47 % of 300 at random
    assert sp.validate_plan(plain, cust, sv, 2026) == []


def test_must_placement_never_strands_a_customer_the_capacity_can_take():
    """Regression (found by the property test): levelling 必访 to an even 'soft' level
    first could take the only late slot a later-released customer needs (month 13)."""
    from dealresearch.survey_plan.planner import _place_must

    cnt = np.array([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1])  # 2 released in June, 1 in December
    cap = np.array([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1])  # room: 2 in September, 1 in December
    load = _place_must(cnt, np.minimum(cap, 1), cap)
    assert load.tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1]


def test_plan_workbook_headers_and_percentages(tmp_path):
    from python_calamine import CalamineWorkbook

    from dealresearch.fieldwork.survey_plan import write_plan_workbook

    plan = pd.DataFrame(
        {
            Customer.customer_key: ["k1", "k2"],
            Survey.method: ["电话", "走访"],
            "month": [1, 2],
            "reason": [sp.MUST_SURVEY, sp.SAMPLED],
            Customer.project: ["A", "B"],
            "value_class": ["高价值", "低价值"],
            Customer.key_account: [True, False],
            "last_survey_date": pd.to_datetime(["2024-03-01", None]),
        }
    )
    overview = pd.DataFrame({"项目": ["必访", "抽样"], "人数": [1, 1], "占客户基数": [0.125, np.nan]})
    path = write_plan_workbook(plan, tmp_path / "p.xlsx", year=2027, overview=overview, problems=[])
    wb = CalamineWorkbook.from_path(str(path))
    summary = [r[:3] for r in wb.get_sheet_by_name("汇总").to_python()]
    assert ["必访", 1.0, "12.5%"] in summary and ["抽样", 1.0, "—"] in summary
    header = wb.get_sheet_by_name(wb.sheet_names[1]).to_python()[1]
    assert header[:8] == [
        "序号",
        "客户编码(假名)",
        "项目",
        "计划原因",
        "价值分级",
        "重点客户",
        "上次调查日期",
        "实际调查日期",
    ]


# --------------------------------------------------------- review and its sentences
def _programme():
    """100 customers who bought in 2024 (60 in A, 40 in B), 30 of A surveyed in May 2026."""
    keys = [f"k{i:03d}" for i in range(100)]
    deals = pd.DataFrame([deal(k, "2024-03-01", "A" if i < 60 else "B") for i, k in enumerate(keys)])
    return deals, surveys_of(keys[:30], ["2026-05-01"] * 30)


def test_review_parts_and_the_lead_sentences_of_a_planted_programme():
    from dealresearch.present import survey_plan as present

    deals, sv = _programme()
    r = sp.review(deals, sv, period="2026")
    assert r.full_year and (r.coverage.n, r.coverage.n_surveyed, r.coverage.n_overdue) == (100, 30, 70)
    # next year: the 70 unsurveyed are overdue (必访) and already more than the 40 % + margin
    assert (r.plan.n, r.plan.n_must, r.plan.n_sampled, r.plan.n_base) == (70, 70, 0, 100)
    assert r.problems.passed and r.workload.n == 70 and int(r.workload.table.loc["合计", "合计"]) == 70
    assert r.overview.n == 100 and r.base.projects == ("A", "B")
    lead = present.lead(r)
    assert 3 <= len(lead) <= 5
    assert lead[0] == "2026 年全年已调查客户 30 人，占客户基数 100 人的 30.0%，未达到每年至少 40% 的要求，差 10 人。"
    assert "70 位客户已连续 2 年未调查" in lead[1] and "主要在B（40 人）、A（30 人）" in lead[1]
    assert lead[2].startswith("2027 年计划调查 70 人，占 100 人客户基数的 70.0%（必访 70 人、抽样补足 0 人）")
    assert lead[2].endswith("符合全部计划规则。") and "无法补回" in lead[3] and "批准 2027 年计划" in lead[3]
    ytd = sp.review(deals, sv, period="2026Q2")  # six months left to survey the 10 missing
    assert not ytd.full_year and "还差 10 人（剩余 6 个月）" in present.coverage_sentence(ytd)
    assert "约每月 2 人" in present.action_sentence(ytd)
    markup = present.methods(r)
    assert markup.startswith("<details") and "<summary>方法与口径" in markup and " open" not in markup


def test_review_parts_that_cannot_be_computed_say_why():
    from dealresearch.present import survey_plan as present
    from dealresearch.results import Unavailable

    deals, sv = _programme()
    empty = sp.review(deals, sv, period="2026", project="无此项目")
    assert empty.base.n == 0 and isinstance(empty.plan, Unavailable) and "客户基数为空" in empty.plan.reason
    assert all(isinstance(p, Unavailable) for p in (empty.problems, empty.workload, empty.overview))
    assert present.plan_sentence(empty).startswith("2027 年计划无法编制：2027 年客户基数为空（项目“无此项目”）")
    full = sp.review(deals, sv, period="2026", rules=PlanRules(capacity=5))  # 60 a year per method: < 70 必访
    assert isinstance(full.plan, Unavailable) and "调查容量不足" in full.plan.reason
    assert full.coverage.n_overdue == 70  # the coverage part is still there
    assert "先补齐数据或放宽容量" in present.action_sentence(full)


def test_plan_rules_are_one_checked_bundle():
    from dealresearch.errors import ParameterError

    rules = PlanRules(method_rules={"key_account": None})
    assert isinstance(rules.method_rules, sp.MethodRules) and rules.method_rules.key_account is None
    assert (PlanRules().min_share, PlanRules().cycle_years, PlanRules().expected_completion) == (0.4, 3, 0.85)
    for bad in ({"must_by_month": 13}, {"min_share": 0}, {"cycle_years": 0}, {"method_rules": {"nope": 1}}):
        with pytest.raises(ParameterError):
            PlanRules(**bad)
    with pytest.raises(AttributeError):
        rules.min_share = 0.5  # frozen


def test_plan_workbooks_per_project_fit_any_file_system(tmp_path):
    from dealresearch.fieldwork.survey_plan import plan_file_name, write_project_plans

    keys = [f"k{i:03d}" for i in range(100)]
    long_a, long_b = "超长项目名" * 40 + "甲", "超长项目名" * 40 + "乙"  # 603 bytes each, differing at the end
    deals = pd.DataFrame([deal(k, "2024-03-01", [long_a, long_b, "A/B"][i % 3]) for i, k in enumerate(keys)])
    r = sp.review(deals, None, period="2026")
    written = write_project_plans(r, tmp_path)
    assert sorted(written) == sorted([long_a, long_b, "A/B"]) and len(set(written.values())) == 3
    assert all(p.parent == tmp_path and p.is_file() and len(p.name.encode()) < 200 for p in written.values())
    assert plan_file_name(2027, "A/B") != "2027年度顾客调查计划_A/B.xlsx" and "/" not in plan_file_name(2027, "A/B")
    assert plan_file_name(2027, "滨江壹号", True) == "2027年度顾客调查计划_滨江壹号（含联系方式）.xlsx"
    assert sum(len(_plan_rows(p)) for p in written.values()) == r.plan.n
