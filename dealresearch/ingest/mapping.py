"""The mapping file: header aliases per kind and value synonyms per field, without code.

One TOML file per project, by default ``dealresearch.toml`` beside the data directory
(``config.data_dir(store).parent / "dealresearch.toml"``, i.e. the project root or
``$DEALRESEARCH_HOME``); ``--mapping FILE`` on ``dealresearch ingest`` and ``mapping=`` in
the API name another one::

    [deals.aliases]             # canonical column = raw headers
    deal_id = ["合同号码"]
    [surveys.aliases]
    phone = ["受访人手机"]
    [targets.aliases]
    amount_target = ["计划金额"]
    [values.unit_type]          # canonical value = synonyms (户型, 付款方式, 认知途径, 置业目的,
    "三房" = ["三室两厅"]         # 置业次数, 状态: the column names unit_type, payment_method,
                                # awareness_channel, purchase_purpose, purchase_count, status)
    [scale_labels]              # a text answer → its score on a 5-point scale
    "很满意" = 5
    [surveys.items]             # keywords of a question's text → the survey item / field
    service_attitude = ["服务态度", "接待"]
    [surveys]
    title = "2026年客户满意度调查"   # survey-id namespace (default: from the file name)
    match_rate_warning = 0.6        # warn when fewer surveys match a customer

When ingest meets a header or value it does not know, ``snippet`` writes the TOML to
paste, with best guesses from the header text *and* the column's values.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from ..schema import VOCABULARIES, Column
from . import normalise as N
from .headers import normalise_header, read_toml

FILE_NAME = "dealresearch.toml"
KINDS = ("deals", "surveys", "targets")
DEFAULT_MATCH_RATE_WARNING = 0.5
GUESS_MIN = 0.55  # header + value evidence needed before a guess is written as a line


@dataclass
class Mapping:
    """A parsed mapping file (empty when there is none)."""

    aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # kind → name → headers
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # field → canon → syns
    scale_labels: dict[str, float] = field(default_factory=dict)
    items: dict[str, list[str]] = field(default_factory=dict)
    title: str | None = None
    match_rate_warning: float = DEFAULT_MATCH_RATE_WARNING
    source: Path | None = None

    def aliases_for(self, kind: str, extra=None) -> dict[str, list[str]] | None:
        """The kind's aliases merged with ``extra`` (the older ``aliases=`` argument)."""
        out = {k: list(v) for k, v in self.aliases.get(kind, {}).items()}
        for k, v in (extra or {}).items():
            out.setdefault(k, []).extend([v] if isinstance(v, str) else v)
        return out or None


def default_path(store=None) -> Path:
    from .. import config

    return config.data_dir(store).parent / FILE_NAME


def _as_list(v) -> list[str]:
    return [v] if isinstance(v, str) else [str(x) for x in v]


def parse(data: AbcMapping, source: Path | None = None) -> Mapping:
    """A mapping from parsed TOML (or an equivalent dict)."""
    where = f"映射文件 {source}" if source else "映射配置"
    m = Mapping(source=source)
    for kind in KINDS:
        table = data.get(kind, {})
        if not isinstance(table, AbcMapping):
            raise ParameterError(f"{where}：[{kind}] 应为一个表")
        m.aliases[kind] = {k: _as_list(v) for k, v in table.get("aliases", {}).items()}
    if "aliases" in data:  # the older alias file: [aliases] applies to deals and surveys
        for kind in ("deals", "surveys"):
            for k, v in data["aliases"].items():
                m.aliases[kind].setdefault(k, []).extend(_as_list(v))
    for fld, table in data.get("values", {}).items():
        m.values[fld] = {canon: _as_list(syns) for canon, syns in table.items()}
    for lab, score in data.get("scale_labels", {}).items():
        try:
            m.scale_labels[lab] = float(score)
        except (TypeError, ValueError) as e:
            raise ParameterError(f"{where}：[scale_labels] 中“{lab}”的分值应为数字") from e
    surveys = data.get("surveys", {})
    m.items = {k: _as_list(v) for k, v in surveys.get("items", {}).items()}
    m.title = surveys.get("title")
    rate = surveys.get("match_rate_warning", DEFAULT_MATCH_RATE_WARNING)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ParameterError(f"{where}：match_rate_warning 应为 0–1 之间的数字")
    m.match_rate_warning = float(rate)
    return m


def load_mapping(mapping=None, store=None) -> Mapping:
    """``mapping``: a Mapping, a dict, a TOML path, or None (the default file when it
    exists, else an empty mapping)."""
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, AbcMapping):
        return parse(mapping)
    if mapping is None:
        p = default_path(store)
        if not p.is_file():
            return Mapping()
    else:
        p = Path(mapping)
    return parse(read_toml(p, "映射文件"), p)


# ------------------------------------------------------------------------- guessing
_CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-_/#]{3,29}$")
_ID18 = re.compile(r"^\d{17}[\dXx]$")


def _value_fit(col: Column, values: pd.Series) -> float:
    """How well a column's values (a sample, text) fit ``col``'s kind: 0..1."""
    v = values.dropna().astype("str").str.strip()
    v = v[v != ""]
    if not len(v):
        return 0.0
    kind = col.kind
    if kind == "id":
        share = v.str.match(_CODE.pattern).mean()
        letters = v.str.contains(r"[A-Za-z\-]", regex=True).mean()
        return float(share * (0.6 + 0.4 * letters) * min(1.0, v.nunique() / len(v) / 0.9))
    if kind == "date":
        parsed, bad = N.dates(v)
        ok = parsed.notna() & (parsed.dt.year.between(1990, 2100))
        return float(ok.mean())
    if kind in ("money", "area", "number", "int", "score"):
        num = pd.to_numeric(v.str.replace(r"[,，¥￥万元㎡平米\s]", "", regex=True), errors="coerce")
        share = float(num.notna().mean())
        med = float(num.median()) if num.notna().any() else 0.0
        if kind == "money" and col.name == "unit_price":
            return share * (1.0 if 2000 <= med <= 300_000 else 0.2)
        if kind == "money":
            return share * (1.0 if med >= 100_000 or 20 <= med <= 20_000 or v.str.contains("万").mean() > 0.5 else 0.3)
        if kind == "area":
            return share * (1.0 if 15 <= med <= 2000 else 0.2)
        if kind == "score":
            return share * (1.0 if 0 <= med <= 10 else 0.1)
        return share * (1.0 if 0 <= med <= 1000 else 0.3)
    if kind == "phone":
        _, bad = N.phones(v)
        return float((~bad.to_numpy()).mean()) * float(v.str.len().between(7, 20).mean())
    if kind == "idno":
        return float(v.str.match(_ID18.pattern).mean())
    if kind in ("category", "list") and col.vocab:
        from .vocab import rooms, vocab_index

        index = vocab_index(col.vocab)
        keys = v.str.replace(r"\s+", "", regex=True).str.lower()
        known = keys.isin(list(index))
        if col.vocab == "unit_type":
            known |= rooms(v).notna()
        return float(known.mean())
    if kind in ("text", "name"):
        numeric = pd.to_numeric(v, errors="coerce").notna().mean()
        return 0.5 * (1 - float(numeric))
    if kind == "bool":
        return float(v.isin(["是", "否", "Y", "N", "1", "0", "TRUE", "FALSE"]).mean())
    return 0.0


def _header_fit(col: Column, header: str) -> float:
    key = normalise_header(header)[0]
    best = 0.0
    for a in (col.label, *col.aliases):
        ak = normalise_header(a)[0]
        if not ak:
            continue
        if ak in key or key in ak:
            best = max(best, 0.8 if min(len(ak), len(key)) >= 2 else 0.4)
        best = max(best, difflib.SequenceMatcher(None, key, ak).ratio())
    return best


def fit(header: str, values: pd.Series, col: Column) -> float:
    """How likely an unknown header is ``col``: the header text (0.45) and the values
    (0.55), plus 0.1 for a required column: a column of contract-like codes beats a price
    column for 合同编号 whatever its header says."""
    sample = values.dropna().head(200)
    return 0.45 * _header_fit(col, header) + 0.55 * _value_fit(col, sample) + (0.1 if col.required else 0.0)


def guess_columns(unknown: AbcMapping[str, pd.Series], columns: Iterable[Column]) -> dict[str, tuple[str | None, float]]:
    """Each unknown header → ``(column, score)``, one header per column: the best pairs
    first (a header whose best column went to a better header gets its next best)."""
    columns = list(columns)
    scores = sorted(
        ((fit(h, v, c), h, c.name) for h, v in unknown.items() for c in columns), key=lambda t: -t[0]
    )
    out: dict[str, tuple[str | None, float]] = {}
    used: set[str] = set()
    for score, h, name in scores:
        if h in out or name in used:
            continue
        out[h] = (name, score)
        used.add(name)
    return {h: out.get(h, (None, 0.0)) for h in unknown}


def guess_value(value: str, vocab: str) -> str | None:
    """The canonical value of ``vocab`` closest to an unknown raw ``value``."""
    from .vocab import vocab_index

    index = vocab_index(vocab)
    key = re.sub(r"\s+", "", value).lower()
    for syn, canon in sorted(index.items(), key=lambda kv: -len(kv[0])):
        if len(syn) >= 2 and (syn in key or key in syn):
            return canon
    close = difflib.get_close_matches(key, list(index), n=1, cutoff=0.5)
    return index[close[0]] if close else None


def _q(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def snippet(
    kind: str,
    unknown_headers: AbcMapping[str, pd.Series],
    columns: Iterable[Column],
    unknown_values: AbcMapping[str, AbcMapping[str, int]] | None = None,
    vocabs: AbcMapping[str, str] | None = None,
    taken: Iterable[str] = (),
) -> str:
    """Ready-to-paste TOML for the headers and values ingest did not know, with guesses
    (a commented line where nothing fits). ``taken``: columns already mapped."""
    columns = [c for c in columns if c.name not in set(taken)]
    lines: list[str] = []
    if unknown_headers:
        guessed: dict[str, list[str]] = {}
        unsure: list[tuple[str, str | None]] = []
        for header, (name, score) in guess_columns(unknown_headers, columns).items():
            if name is not None and score >= GUESS_MIN:
                guessed.setdefault(name, []).append(header)
            else:
                unsure.append((header, name if score >= 0.3 else None))
        lines.append(f"[{kind}.aliases]")
        lines += [f"{name} = [{', '.join(map(_q, hs))}]  # 猜测" for name, hs in guessed.items()]
        for header, name in unsure:
            lines.append(f"# 未识别的表头 {_q(header)}：" + (f"也许是 {name} = [{_q(header)}]" if name else "不导入时可忽略"))
    for fld, counts in (unknown_values or {}).items():
        vocab = (vocabs or {}).get(fld, fld)
        if vocab not in VOCABULARIES or not counts:
            continue
        guessed_v: dict[str, list[str]] = {}
        unsure_v = []
        for value in counts:
            canon = guess_value(value, vocab)
            (guessed_v.setdefault(canon, []) if canon else unsure_v).append(value)
        if lines:
            lines.append("")
        lines.append(f"[values.{fld}]  # 可选：{'、'.join(VOCABULARIES[vocab])}")
        lines += [f"{_q(c)} = [{', '.join(map(_q, vs))}]  # 猜测" for c, vs in guessed_v.items()]
        lines += [f"# {_q(v)} = ？（请填写对应的标准取值）" for v in unsure_v]
    return "\n".join(lines)


def header_samples(frame: pd.DataFrame, headers: Iterable[str], n: int = 200) -> dict[str, pd.Series]:
    """The first ``n`` non-blank values of each named column (for guesses and examples)."""
    return {h: frame[h].dropna().head(n) for h in headers if h in frame.columns}
