"""Deterministic sample data with planted truths.

``generate(out_dir, seed=0)`` writes CRM-style exports into ``out_dir`` (by default
``data/raw/sample/``): one .xlsx per project with differing Chinese headers, a GBK .csv
of status changes and re-exports, two survey workbooks and a targets workbook, plus
``truth.json`` recording every planted defect and signal so tests can check recovery.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..schema import Deal
from .deals import END, PROJECTS, generate_deals
from .exports import (
    LAYOUT_A,
    LAYOUT_B,
    LAYOUT_C,
    Dirt,
    export_frame,
    reject_rows,
    survey_export,
    targets_export,
    with_duplicates,
    with_noise_rows,
    write_xlsx,
)
from .surveys import generate_surveys, generate_targets

__all__ = ["generate", "PROJECTS"]
CANCEL_SHARE, CHANGE_SHARE = 0.03, 0.01
CHANGES_CSV = "状态变更及补录_2026Q3.csv"


def _status_changes(rng, deals: pd.DataFrame) -> pd.DataFrame:
    eligible = deals.index[deals[Deal.sign_date] < END - pd.Timedelta(days=60)]
    n_cancel, n_change = int(len(deals) * CANCEL_SHARE), int(len(deals) * CHANGE_SHARE)
    rows = rng.choice(eligible, n_cancel + n_change, replace=False)
    ch = deals.loc[rows].copy()
    ch[Deal.status] = ["退房"] * n_cancel + ["换房"] * n_change
    lag = pd.to_timedelta(rng.integers(10, 60, len(ch)), unit="D")
    ch["change_date"] = (ch[Deal.sign_date] + lag).clip(upper=END)
    return ch


def generate(out_dir: str | Path | None = None, seed: int = 0) -> dict:
    """Write the sample exports and truth.json; returns the truth mapping."""
    out = Path(out_dir) if out_dir is not None else config.sample_dir()
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    deals = generate_deals(rng)
    dirt = Dirt(rng)
    files, rows_read, title_rows = [], 0, 0
    layouts = {"滨江壹号": (LAYOUT_A, {}), "云栖府": (LAYOUT_B, {"wan": True}),
               "星汇中心": (LAYOUT_C, {"date_strings": True})}
    for proj in PROJECTS:
        layout, opts = layouts[proj["name"]]
        mine = deals[deals[Deal.project] == proj["name"]]
        frame = export_frame(mine, layout, dirt, **opts)
        frame = pd.concat([frame, reject_rows(mine, layout, dirt, proj["code"])], ignore_index=True)
        frame = with_duplicates(frame, dirt, 8)
        frame = with_noise_rows(frame, dirt, 5, layout[Deal.total_price])
        path = out / f"{proj['name']}_成交客户_2025-2026.xlsx"
        title = f"{proj['name']}成交客户明细表（导出时间：2026-10-08）" if proj["name"] == "云栖府" else None
        title_rows += write_xlsx(path, frame, title=title, notes_sheet=proj["name"] == "星汇中心")
        files.append(path.name)
        rows_read += len(frame)
    changes = _status_changes(rng, deals)
    redo = deals.loc[rng.choice(deals.index, 20, replace=False)]
    csv = pd.concat([export_frame(changes, LAYOUT_A, dirt, plant=False), export_frame(redo, LAYOUT_A, dirt, plant=False)])
    csv["变更日期"] = list(changes["change_date"].dt.strftime("%Y-%m-%d")) + [""] * len(redo)
    for col in (LAYOUT_A[Deal.sign_date], LAYOUT_A[Deal.subscribe_date], LAYOUT_A[Deal.first_visit_date]):
        csv[col] = pd.to_datetime(csv[col]).dt.strftime("%Y-%m-%d")
    dirt.counts["exact_duplicates"] += len(redo)
    csv = with_noise_rows(csv, dirt, 2, LAYOUT_A[Deal.total_price])
    csv.to_csv(out / CHANGES_CSV, index=False, encoding="gbk")
    files.append(CHANGES_CSV)
    rows_read += len(csv)

    sv, sv_truth = generate_surveys(rng, deals)
    for year in (2025, 2026):
        part, garbage = survey_export(sv[sv["survey_date"].dt.year == year], dirt)
        write_xlsx(out / f"满意度调查_{year}.xlsx", part, sheet="满意度调查")
        sv_truth[f"garbage_{year}"] = garbage
        files.append(f"满意度调查_{year}.xlsx")
    targets = generate_targets(rng, deals)
    write_xlsx(out / "销售目标_2025-2026.xlsx", targets_export(targets), sheet="销售目标")
    files.append("销售目标_2025-2026.xlsx")

    c = dirt.counts
    non_data = c["blank_rows"] + c["totals_rows"]
    rejected = c["reject_bad_sign_date"] + c["reject_missing_deal_id"] + c["reject_bad_total_price"]
    merged = c["exact_duplicates"] + len(changes)
    net_q = deals.groupby(deals[Deal.sign_date].dt.to_period("Q").astype(str))
    truth = {
        "seed": seed,
        "deal_files": files[:4], "survey_files": files[4:6], "target_files": files[6:],
        "projects": [{k: p[k] for k in ("name", "code", "city", "kind")} for p in PROJECTS],
        "expected": {"rows_read": rows_read, "rows_clean": len(deals), "rows_rejected": rejected,
                     "duplicates_merged": merged, "non_data_rows": non_data, "title_rows": title_rows,
                     "status_updates": len(changes), "exact_duplicates": c["exact_duplicates"]},
        "dirt": dict(sorted(c.items())),
        "bad_id_check_digit_deal_ids": sorted(dirt.bad_check_ids),
        "status_changes": {r[Deal.deal_id]: [r[Deal.status], r["change_date"].strftime("%Y-%m-%d")]
                           for _, r in changes.iterrows()},
        "n_customers": int(deals[Deal.id_number].nunique()),
        "repeat_deal_ids": sorted(deals.loc[deals["prior_deals"] > 0, Deal.deal_id]),
        "referral_deal_ids": sorted(deals.loc[deals[Deal.referrer_phone].notna(), Deal.deal_id]),
        "personas": dict(zip(deals[Deal.deal_id], deals["persona"], strict=True)),
        "deals_by_quarter": net_q.size().to_dict(),
        "amount_by_project": deals.groupby(Deal.project)[Deal.total_price].sum().round(0).to_dict(),
        "network_share_by_quarter": net_q[Deal.awareness_channel].apply(lambda s: round(float((s == "网络").mean()), 4)).to_dict(),
        # the same among current signings (签约 or 换房: the planted 退房 left out), the reports' base
        "network_share_by_quarter_current": _shares(deals[~deals[Deal.deal_id].isin(
            changes.loc[changes[Deal.status] == "退房", Deal.deal_id])], "网络"),
        "surveys": sv_truth,
        "targets_rows": len(targets),
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=_jsonable), encoding="utf-8")
    return truth


def _shares(deals: pd.DataFrame, channel: str) -> dict:
    by_q = deals.groupby(deals[Deal.sign_date].dt.to_period("Q").astype(str))[Deal.awareness_channel]
    return {q: round(float((s == channel).mean()), 4) for q, s in by_q}


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    raise TypeError(type(v))
