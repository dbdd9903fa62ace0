"""Six simulated years of the survey programme.

Customers arrive (new deals every year), leave (no deal for three years), a few cancel
every deal, 3 % opt out and 1 % can never be reached. Each year the plan is drawn from the
base (:func:`customer_base`) and executed: every planned survey is attempted in its month
and succeeds with probability 0.85. Uncompleted surveys are carried over: a 必访 customer
to the following month (field teams are told 必访 cannot be dropped; the planner puts them in
the earliest months so there is time to retry), a sampled customer to the following year,
where the planner draws them first (``prefer_due``) and the ledger makes them 必访 once
their cycle runs out. The planner plans with the margin ``expected_completion=0.85`` (at
95 % assurance), so 85 % completion of the plan still reaches 40 % of the base.

Asserted every year: ≥ 40 % of the base surveyed; every reachable customer of the base
with a full cycle of tenure surveyed within the last three years; validate_plan clean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import survey_plan as sp
from dealresearch.schema import Customer, Deal, Survey
from dealresearch.survey_plan import PlanRules
from dealresearch.survey_plan.base import customer_base

YEARS = range(2024, 2030)
COMPLETION = 0.85


def _deals(rng) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers joining 2018–2029 (~700 a year), 15 % buy again within three years,
    3 % cancel everything."""
    rows = []
    n = 0
    for year in range(2018, 2030):
        k = int(rng.integers(650, 750))
        keys = np.arange(n, n + k)
        n += k
        day = pd.Timestamp(year, 1, 1) + pd.to_timedelta(rng.integers(0, 365, k), "D")
        status = np.where(rng.random(k) < 0.03, "退房", "签约")
        rows.append(
            pd.DataFrame(
                {
                    Deal.customer_key: keys,
                    Deal.sign_date: day,
                    Deal.status: status,
                    Deal.project: rng.choice(["滨江", "湖畔", "云栖", "城北"], k, p=[0.4, 0.3, 0.2, 0.1]),
                    Deal.total_price: rng.lognormal(14.5, 0.5, k),
                    Deal.phone_masked: "138****0000",
                }
            )
        )
        again = rng.random(k) < 0.15
        later = day[again] + pd.to_timedelta(rng.integers(200, 1000, again.sum()), "D")
        rows.append(rows[-1][again].assign(**{Deal.sign_date: later, Deal.status: "签约"}))
    deals = pd.concat(rows, ignore_index=True)
    deals[Deal.customer_key] = "c" + deals[Deal.customer_key].astype(str).str.zfill(6)
    return deals, np.array(sorted(deals[Deal.customer_key].unique()))


def _history(rng, deals) -> pd.DataFrame:
    """Surveys before the simulation: each customer surveyed in a random 45 % of the years
    2019–2023 after joining (some are therefore already overdue in 2024)."""
    first = deals.groupby(Deal.customer_key)[Deal.sign_date].min()
    out = []
    for year in range(2019, 2024):
        keys = first.index[(first.dt.year <= year).to_numpy() & (rng.random(len(first)) < 0.45)]
        dates = pd.Timestamp(year, 1, 1) + pd.to_timedelta(rng.integers(0, 365, len(keys)), "D")
        out.append(pd.DataFrame({Survey.customer_key: keys, Survey.survey_date: dates, Survey.method: "电话"}))
    return pd.concat(out, ignore_index=True)


def _execute(rng, plan: pd.DataFrame, year: int, unreachable: set) -> tuple[pd.DataFrame, float]:
    """Attempts succeed with probability 0.85 each; a failed 必访 is retried the next month,
    a failed sample waits for next year. Returns completed surveys and first-try completion."""
    n = len(plan)
    tries = rng.geometric(COMPLETION, n)  # attempt on which it succeeds
    blocked = plan[Customer.customer_key].isin(unreachable).to_numpy()
    must = (plan["reason"] == sp.MUST_SURVEY).to_numpy()
    month = plan["month"].to_numpy() + tries - 1
    done = ~blocked & np.where(must, month <= 12, tries == 1)
    first_try = float(((tries == 1) & ~blocked).mean()) if n else 1.0
    day = rng.integers(1, 29, n)
    dates = pd.to_datetime(
        pd.DataFrame({"year": np.full(n, year), "month": np.minimum(month, 12), "day": day})
    )
    return pd.DataFrame(
        {
            Survey.customer_key: plan[Customer.customer_key].to_numpy()[done],
            Survey.survey_date: dates[done].to_numpy(),
            Survey.method: plan["method"].to_numpy()[done],
        }
    ), first_try


def _simulate(expected_completion: float, capacity: dict | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(20261126)
    deals, keys = _deals(rng)
    opt_outs = set(keys[rng.random(len(keys)) < 0.03])
    unreachable = set(keys[rng.random(len(keys)) < 0.01]) - opt_outs
    surveys = _history(rng, deals)
    first_year = deals.groupby(Deal.customer_key)[Deal.sign_date].min().dt.year
    results = []
    for year in YEARS:
        base = customer_base(
            deals[deals[Deal.sign_date] < pd.Timestamp(year, 1, 1)], year, opt_outs=list(opt_outs)
        )
        rules = PlanRules(expected_completion=expected_completion, capacity=capacity)
        plan = sp.plan(base, surveys, year, rules=rules, seed=year)
        problems = sp.validate_plan(plan, base, surveys, year, rules=rules)
        done, first_try = _execute(rng, plan, year, unreachable)
        surveys = pd.concat([surveys, done], ignore_index=True)
        in_base = base[Customer.customer_key]
        surveyed_year = in_base.isin(done[Survey.customer_key])
        reachable = ~base[Customer.do_not_contact] & ~in_base.isin(unreachable)
        full_cycle = first_year.reindex(in_base).to_numpy() <= year - 2
        last3 = surveys[surveys[Survey.survey_date] >= pd.Timestamp(year - 2, 1, 1)][Survey.customer_key]
        covered = in_base.isin(last3)
        must_rows = (plan["reason"] == sp.MUST_SURVEY) & ~plan[Customer.customer_key].isin(unreachable)
        p_miss = (1 - COMPLETION) ** (13 - plan.loc[must_rows, "month"])  # fails every month to December
        results.append(
            {
                "expected_must_misses": float(p_miss.sum()),
                "latest_must_month": int(plan.loc[must_rows, "month"].max()),
                "year": year,
                "base": len(base),
                "planned": len(plan),
                "must": int((plan["reason"] == "必访").sum()),
                "first_try_completion": first_try,
                "share": surveyed_year.mean(),
                "window_checked": int((reachable & full_cycle).sum()),
                "window_missed": int((reachable & full_cycle & ~covered).sum()),
                "new": int((first_year.reindex(in_base).to_numpy() == year - 1).sum()),
                "max_visits_month": int(plan[plan["method"] == "走访"].groupby("month").size().max()),
                "problems": problems,
            }
        )
    return pd.DataFrame(results)


@pytest.fixture(scope="module")
def simulation():
    return _simulate(COMPLETION)


def test_six_years_meet_share_and_cycle(simulation):
    print("\n" + simulation.drop(columns="problems").to_string())
    assert len(simulation) == 6
    assert simulation["problems"].map(len).eq(0).all()
    assert (simulation["share"] >= 0.40).all()
    assert (simulation["window_checked"] > 1000).all()
    assert (simulation["window_missed"] == 0).all()
    # not luck: the chance that any 必访 customer misses every retry is tiny
    assert simulation["expected_must_misses"].sum() < 0.01
    # the population really moves and completion really is 85 % on the first try
    assert simulation["base"].nunique() > 1 and (simulation["new"] > 500).all()
    assert simulation["first_try_completion"].between(0.80, 0.88).all()


def test_without_the_margin_the_share_falls_short():
    """Control: planning exactly 40 % (no completion margin) misses 40 % in some year."""
    control = _simulate(1.0)
    assert control["share"].min() < 0.40


def test_six_years_with_scarce_visit_capacity():
    """6 visits a month (unconstrained: 9): 必访 visits still fit, sampled visits overflow to 电话, the rules hold."""
    capped = _simulate(COMPLETION, capacity={"走访": 6})
    print("\n" + capped.drop(columns="problems").to_string())
    assert capped["problems"].map(len).eq(0).all()
    assert (capped["max_visits_month"] == 6).all()
    assert (capped["share"] >= 0.40).all() and (capped["window_missed"] == 0).all()
