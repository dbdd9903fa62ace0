"""Nothing dropped silently: the data-quality part of an ingest summary and its page.

Per ingest run the summary gets (``collect_table`` per table, ``finish`` per run):

* ``columns``: every input column of every table, mapped (to which field) or ignored;
* ``lost_values``: per field, values that became missing (unparseable, unknown scale
  labels), with examples;
* ``match`` (surveys): the survey-to-customer match rate, with a warning below the
  mapping file's ``match_rate_warning``;
* ``deal_keys``, ``platforms``, ``status_date_unknown``: how deals were keyed, which
  survey platform was read, 退房/换房 rows whose date is unknown;
* ``mapping_snippet``: the TOML to paste for the unknown headers and values.

``write_page`` writes it as a Chinese HTML page ``reports/quality/<timestamp>_<kind>.html``
(linked from ``reports/index.html``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..schema import label
from .headers import KNOWN_IGNORED, normalise_header
from .mapping import header_samples, snippet


def collect_table(raw, prepared, renamed: dict[str, str] | None = None, note: dict | None = None) -> dict:
    """The quality facts of one table (``prepared``: a ``prepare.Prepared``) before its
    raw cells are released: column mapping, samples of ignored columns, lost values.
    ``renamed``: original header → the header ``prepare`` saw (platform downloads);
    ``note["headers"]``: the original headers."""
    note = dict(note or {})
    renamed = renamed or {}
    originals = note.pop("headers", None) or list(raw.headers)
    mapped = {}
    for name, labels in prepared.match.sources.items():
        for i, h in enumerate(labels):
            mapped[h] = (name, "主列" if i == 0 else "补充空缺")
    known = {normalise_header(h)[0] for h in KNOWN_IGNORED}
    rows, ignored = [], []
    for h in originals:
        current = renamed.get(h, h)
        if current in mapped or h in renamed:
            name, role = mapped.get(current, (renamed.get(h), "主列"))
            rows.append({"header": h, "status": "导入", "field": name, "label": label(name), "note": role})
        else:
            why = "已知字段，不导入" if normalise_header(h)[0] in known else "未识别，未导入"
            rows.append({"header": h, "status": "忽略", "field": "", "label": "", "note": why})
            if why == "未识别，未导入":
                ignored.append(h)
    for h in raw.headers:
        if h not in originals and h not in renamed.values() and h in mapped:
            name = mapped[h][0]
            rows.append({"header": f"（生成）{label(name)}", "status": "导入", "field": name,
                         "label": label(name), "note": note.get("deal_key", "由其他列生成")})
    samples = header_samples(raw.frame, [renamed.get(h, h) for h in ignored], n=50)
    return {
        "file": raw.file,
        "sheet": raw.sheet or "",
        "header_row": raw.header_row,
        "columns": rows,
        "samples": {h: samples.get(renamed.get(h, h)) for h in ignored},
        "lost": prepared.lost,
        **note,
    }


def finish(summary: dict, kind: str, tables: list[dict], spec, mapping, vocabs: dict[str, str]) -> dict:
    """Add the quality sections to ``summary`` (in place) and return it."""
    summary["columns"] = [
        {"file": t["file"], "sheet": t["sheet"], **c} for t in tables for c in t["columns"]
    ]
    lost: dict[str, dict] = {}
    for t in tables:
        for fld, info in t["lost"].items():
            entry = lost.setdefault(fld, {"rows": 0, "examples": []})
            entry["rows"] += info["rows"]
            entry["examples"] = list(dict.fromkeys(entry["examples"] + info["examples"]))[:5]
    summary["lost_values"] = lost
    summary["deal_keys"] = {t["file"]: t["deal_key"] for t in tables if t.get("deal_key")}
    summary["platforms"] = [
        {"file": t["file"], **t["platform"]} for t in tables if t.get("platform")
    ]
    unknown_headers = {}
    for t in tables:
        for h, v in t["samples"].items():
            if h not in unknown_headers and v is not None:
                unknown_headers[h] = v
    taken = {c["field"] for c in summary["columns"] if c["field"]}
    items = ""
    if kind == "surveys":  # unknown questions answered on a scale: [surveys.items] lines
        from .platforms import item_snippet

        items, covered = item_snippet(unknown_headers, taken)
        unknown_headers = {h: v for h, v in unknown_headers.items() if h not in covered}
    text = snippet(kind, unknown_headers, spec, summary.get("unknown_values"), vocabs, taken=taken)
    summary["mapping_snippet"] = "\n\n".join(x for x in (items, text) if x)
    summary["mapping_file"] = str(mapping.source) if mapping.source else None
    return summary


def match_rate(summary: dict, threshold: float) -> dict:
    """The survey-to-customer match rate of a survey run (``summary["store"]`` counts)."""
    n = summary["rows_clean"]
    matched = summary.get("store", {}).get("matched_to_customers")
    rate = None if matched is None or not n else matched / n
    warn = rate is None or rate < threshold
    why = (
        "库中还没有成交客户，调查无法关联客户（请先导入成交数据）"
        if matched is None
        else f"只有 {matched}/{n} 份调查（{rate:.0%}）关联到成交客户，低于阈值 {threshold:.0%}"
        "：请检查调查中的手机号/证件号列是否被识别，以及成交数据是否已导入"
    )
    summary["match"] = {
        "surveys": n,
        "matched": matched,
        "rate": rate,
        "threshold": threshold,
        "warning": why if warn and n else None,
    }
    return summary["match"]


def targets_summary(targets: pd.DataFrame, info: dict, paths) -> dict:
    """A target import in the shape of an ingest summary (for the data-quality page)."""
    n = len(targets)
    return {
        "kind": "targets",
        "rows_read": n, "rows_clean": n, "rows_rejected": 0, "duplicates_merged": 0, "non_data_rows": 0,
        "warnings": len(info.get("warnings", [])),
        "files": [{"file": Path(p).name, "sheet": "", "rows_read": "", "rows_clean": "", "rows_rejected": "",
                   "duplicates_merged": "", "non_data_rows": ""} for p in paths],
        "warnings_by_reason": {w: 1 for w in info.get("warnings", [])},
        "notes": list(info.get("notes", [])),
        "store": {"导入目标行数": n, "替换同键目标": info["replaced"], "保留其他目标": info["kept"],
                  "替换全部目标": "是" if info["replace_all"] else "否"},
        "skipped": [],
    }


# ------------------------------------------------------------------------------ page
