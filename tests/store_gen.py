"""Small deal and survey exports written by the tests themselves (not by dealresearch.synth),
with the cases that make a store order-dependent when merging is wrong: the same deal in
several files (status updates, exact re-exports), customers known by phone only in one
file and by ID number in another, shared phones, multi-choice 关注因素, new projects whose
names sort before and after the others."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dealresearch.ingest.idcard import check_digit

PROJECTS = ["海景湾", "金地华府", "翠湖天地", "阳光城", "滨江壹号"]
FACTORS = ["地段", "价格", "户型", "配套", "品牌", "学区", "景观"]
DEAL_HEADERS = [
    "合同编号", "项目名称", "交易状态", "认购日期", "签约日期", "退房日期", "成交总价", "建筑面积",
    "客户姓名", "联系电话", "证件号码", "客户编号", "关注因素",
]


def id_number(n: int) -> str:
    body = f"33010619{80 + n % 20:02d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return body + check_digit(pd.Series([body])).iloc[0]


def person(n: int, *, with_id: bool = True, phone_of: int | None = None) -> dict:
    """Customer ``n``; ``phone_of``: share another customer's phone (a family number)."""
    return {
        "客户姓名": ["王建国", "李秀英", "张伟", "刘洋", "陈静"][n % 5],
        "联系电话": f"139{(n if phone_of is None else phone_of):08d}",
        "证件号码": id_number(n) if with_id else "",
        "客户编号": f"KH{n:05d}",
    }


def deal_row(i: int, who: dict, *, project: str, status: str = "签约", month: int = 1, factors=()) -> dict:
    row = {
        "合同编号": f"HT{i:05d}",
        "项目名称": project,
        "交易状态": status,
        "认购日期": f"2026-{month:02d}-03",
        "签约日期": "" if status == "认购" else f"2026-{month:02d}-20",
        "退房日期": f"2026-{min(month + 2, 12):02d}-11" if status == "退房" else "",
        "成交总价": 1_000_000 + 1_000 * i,
        "建筑面积": 80 + i % 60,
        "关注因素": "、".join(factors),
    }
    return row | who


def write_csv(path, rows: list[dict], headers=DEAL_HEADERS):
    pd.DataFrame([{h: r.get(h, "") for h in headers} for r in rows]).to_csv(path, index=False)
    return path


def deal_files(folder, seed: int, n_files: int = 4, n_deals: int = 24) -> list:
    """``n_files`` deal exports with overlapping deals; returns their paths."""
    rng = np.random.default_rng(seed)
    files: list[list[dict]] = [[] for _ in range(n_files)]
    for i in range(1, n_deals + 1):
        p = int(rng.integers(0, n_deals // 2))  # repeat buyers
        who = person(p, with_id=bool(rng.random() > 0.25), phone_of=(p - 1 if p % 7 == 3 else None))
        project = PROJECTS[int(rng.integers(0, len(PROJECTS)))]
        factors = list(rng.choice(FACTORS, size=int(rng.integers(0, 4)), replace=False))
        month = int(rng.integers(1, 10))
        first = int(rng.integers(0, n_files))
        files[first].append(deal_row(i, who, project=project, status="认购", month=month, factors=factors))
        # the same deal later signed / cancelled, or exported again as it was
        for later in range(first + 1, n_files):
            r = rng.random()
            if r < 0.25:
                status = "签约" if r < 0.15 else "退房"
                files[later].append(deal_row(i, who, project=project, status=status, month=month, factors=factors))
            elif r < 0.35:
                files[later].append(deal_row(i, who, project=project, status="认购", month=month, factors=factors))
    paths = []
    for k, rows in enumerate(files):
        if not rows:  # every file holds something
            rows.append(deal_row(900 + k, person(900 + k), project=PROJECTS[k % len(PROJECTS)]))
        paths.append(write_csv(folder / f"deals_{k}_{seed}.csv", rows))
    return paths


SURVEY_HEADERS = ["调查编号", "调查日期", "项目名称", "联系电话", "客户编号", "总体满意度", "推荐意愿", "意见和建议"]


def survey_file(folder, seed: int, n: int = 12):
    rng = np.random.default_rng(seed + 1000)
    rows = []
    for j in range(n):
        p = int(rng.integers(0, 12))
        ref = {"联系电话": f"139{p:08d}"} if j % 2 else {"客户编号": f"KH{p:05d}"}
        rows.append(
            {
                "调查编号": f"S{seed}-{j}",
                "调查日期": f"2026-{1 + j % 9:02d}-15",
                "项目名称": PROJECTS[j % len(PROJECTS)],
                "总体满意度": int(rng.integers(1, 6)),
                "推荐意愿": int(rng.integers(0, 11)),
                "意见和建议": "",
                **ref,
            }
        )
    return write_csv(folder / f"surveys_{seed}.csv", rows, SURVEY_HEADERS)
