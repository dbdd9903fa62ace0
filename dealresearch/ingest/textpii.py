"""Personal data typed into free text, masked before anything reaches the store.

Three kinds, in every text column of deals and surveys (see ``docs/privacy.md``):

* **numbers**: mobile phones (with spaces or dashes, full-width digits, ``+86`` / ``0086``),
  landlines with an area code, resident ID numbers (15 / 18 characters, ``X``) and any
  other run of 11 or more digits (bank cards...) → ``***``;
* **known customer names** (free-text columns only, ``NAME_COLUMNS``): every 2–4 character
  CJK substring of a text is hashed with the store's secret and looked up in the
  ``name_keys`` table — keyed hashes (``HMAC(secret, "name:" + name)``) of every customer
  name the store has seen; a hit is masked character by character (``张三丰`` → ``***``).
  The table never holds a name in clear;
* **self-introductions and forms of address**: ``我是/我叫/本人是 X``, ``我姓 X``,
  ``X先生/女士/小姐/太太/老师/阿姨/师傅`` where X starts with one of the ~100 most common
  surnames (so "我是来投诉的" keeps its words).

Everything runs on distinct values (ingest holds text as Categoricals): the regexes are
Arrow kernels over the categories, name windows are built with numpy over the distinct
texts and only distinct windows are hashed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Deal, Survey
from .normalise import categorical_of
from .privacy import Pseudonymiser, secret

NAME_TABLE = "name_keys"
NAME_KEY = "name_key"
NAME_KIND = "name"
HEAD_KIND = "name-head"
MASK = "***"
#: control characters (not tab / newline / CR) are dropped from stored text
_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
NAME_MIN, NAME_MAX = 2, 4
#: columns where customer names are looked for (free text a person typed)
NAME_COLUMNS = (Survey.comment, Deal.residence_area, Deal.work_area, Deal.occupation, Deal.industry)
#: columns that are keys or provenance, never free text
NOT_TEXT = (Deal.customer_key, Deal.referrer_key, Deal.phone_masked, Deal.deal_id, Survey.survey_id, Deal.source_file)

_DIGIT = "[0-9０-９]"
_SEP = "[ \t\u3000\\-－‐–—]{0,2}"
_PREFIX = "(?:(?:[+＋]|00|００)[ \u3000]*[8８][6６]|[(（][+＋]?[8８][6６][)）])[ \u3000\\-－]*"
NUMBER_PATTERN = "|".join(
    (
        f"{_PREFIX}[1１][3-9３-９](?:{_SEP}{_DIGIT}){{9}}",  # +86 mobile
        f"{_DIGIT}(?:{_SEP}{_DIGIT}){{10,}}[XxＸｘ]?",  # 11+ digits: mobile, ID, card, long landline
        f"[(（]?[0０][1-9１-９]{_DIGIT}{{1,2}}[)）]?{_SEP}[2-9２-９]{_DIGIT}{{6,7}}",  # 010-8888888
    )
)

#: the ~100 most common Chinese surnames (most of the population); a self-introduction or a
#: form of address is masked only when the word starts with one of these, so that
#: "我是来投诉的" or "谢谢李先生" keep their ordinary words
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "宇文",
    "夏侯",
)
_CJK = "[\u3400-\u4dbf\u4e00-\u9fff]"
#: characters that end a name (particles, pronouns, common words right after a name)
_STOP = "的了是在和与及也都就要想对把被给我你他她们这那有没很太不说买住房业客先女小老师阿家"
_NAME_CHAR = f"(?:(?![{_STOP}]){_CJK})"
_SURNAME = f"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])"
_INTRO = re.compile(
    f"(?P<lead>(?:我是|我叫|本人是|本人叫|我就是|我的名字是|我名叫)(?:业主|客户|顾客)?)"
    f"(?P<name>{_SURNAME}{_NAME_CHAR}{{0,2}})"
    f"|(?P<lead2>我姓|本人姓)(?P<name2>{_SURNAME})"
)
_HONORIFIC = re.compile("先生|女士|小姐|太太|老师|阿姨|师傅")
_NAME_SET = frozenset(SURNAMES)
_STOP_SET = frozenset(_STOP)
_TRIGGERS = "我是|我叫|本人|我就是|我的名字|我名叫|我姓|先生|女士|小姐|太太|老师|阿姨|师傅"


# ------------------------------------------------------------------------------ names
def clean_names(names: pd.Series) -> pa.Array:
    """Distinct customer names as matched in text: spaces removed, only 2–4 CJK characters."""
    names = pd.Series(names)
    if isinstance(names.dtype, pd.CategoricalDtype):  # ingest holds names as a Categorical
        names = pd.Series(names.cat.remove_unused_categories().cat.categories)
    arr = pa.array(names.astype("str").dropna().array, type=pa.large_string())
    arr = pc.replace_substring_regex(arr, "[\\s\u3000·•.]+", "")
    arr = pc.unique(arr)
    keep = pc.match_substring_regex(arr, f"^{_CJK}{{{NAME_MIN},{NAME_MAX}}}$")
    return arr.filter(keep)


def name_keys(names: pd.Series | None, hasher: Pseudonymiser) -> pd.Series:
    """Keyed hashes of the customer names in ``names``: one ``name`` key per name and one
    ``head`` key per first two characters (the prefilter of ``mask_known_names``)."""
    if names is None or len(names) == 0:
        return pd.Series([], dtype="str", name=NAME_KEY)
    clean = clean_names(names)
    heads = pc.unique(pc.utf8_slice_codeunits(clean, 0, 2))
    keys = pa.concat_arrays(
        [
            hasher.hash_texts(clean, NAME_KIND).cast(pa.string()),
            hasher.hash_texts(heads, HEAD_KIND).cast(pa.string()),
        ]
    )
    return pd.Series(pd.arrays.ArrowStringArray(keys), dtype="str", name=NAME_KEY)


def known_name_keys(stored: pd.DataFrame | None, new: pd.Series) -> pd.DataFrame:
    """The ``name_keys`` table: stored keys ∪ new ones (distinct, sorted)."""
    parts = [new.astype("str")]
    if stored is not None and NAME_KEY in stored.columns:
        parts.append(stored[NAME_KEY].astype("str"))
    keys = pd.concat(parts, ignore_index=True).dropna().drop_duplicates().sort_values(ignore_index=True)
    return pd.DataFrame({NAME_KEY: keys.astype("str")})


def _windows(cp: np.ndarray, cjk: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Start positions and uint64 codes of every all-CJK window of ``length`` characters."""
    n = len(cp) - length + 1
    if n <= 0:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    ok = cjk[:n].copy()
    for k in range(1, length):
        ok &= cjk[k : k + n]
    starts = np.flatnonzero(ok)
    code = np.zeros(len(starts), np.uint64)
    for k in range(length):
        code |= (cp[starts + k].astype(np.uint64) - 0x3400 + 1) << np.uint64(16 * k)
    return starts, code


def _decode(codes: np.ndarray, length: int) -> list[str]:
    chars = np.empty((len(codes), length), np.uint32)
    for k in range(length):
        chars[:, k] = ((codes >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.uint32) + 0x3400 - 1
    return np.ascontiguousarray(chars).view(f"<U{length}").ravel().tolist()


def _isin(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    return pd.Series(values, copy=False).isin(wanted).to_numpy()  # hash table, no sort


def _hits(codes: np.ndarray, *, length: int, kind: str, keys: pa.Array, hasher: Pseudonymiser) -> np.ndarray:
    """The distinct window codes whose text, hashed as ``kind``, is among ``keys``."""
    distinct = pd.unique(codes)  # hash-based: no sort
    if not len(distinct):
        return distinct
    hashed = hasher.hash_texts(pa.array(_decode(distinct, length), pa.string()), kind)
    return distinct[pc.is_in(hashed.cast(pa.string()), value_set=keys).to_numpy(zero_copy_only=False)]


def mask_known_names(texts: list[str], keys: pd.Index, hasher: Pseudonymiser) -> list[str]:
    """``texts`` with every 2–4 character CJK substring whose keyed hash is in ``keys``
    replaced by ``*`` per character (longest names first, overlapping hits all masked)."""
    if not texts or len(keys) == 0:
        return texts
    keys = pa.array(pd.Series(keys, dtype="str").array, type=pa.string())  # one Arrow set for every lookup
    joined = "\0".join(texts)
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    cjk = ((cp >= 0x3400) & (cp <= 0x4DBF)) | ((cp >= 0x4E00) & (cp <= 0x9FFF))
    cover = np.zeros(len(cp) + 1, np.int32)
    heads = _hits(*_windows(cp, cjk, 2)[1:], length=2, kind=HEAD_KIND, keys=keys, hasher=hasher)
    if not len(heads):  # no text holds the first two characters of any known name
        return texts
    for length in range(NAME_MIN, NAME_MAX + 1):
        starts, code = _windows(cp, cjk, length)
        near = _isin(code & np.uint64(0xFFFFFFFF), heads)  # windows starting like a name
        starts, code = starts[near], code[near]
        if not len(code):
            continue
        hit_codes = _hits(code, length=length, kind=NAME_KIND, keys=keys, hasher=hasher)
        if not len(hit_codes):
            continue
        hit = starts[_isin(code, hit_codes)]
        np.add.at(cover, hit, 1)
        np.add.at(cover, hit + length, -1)
    masked = np.cumsum(cover[:-1]) > 0
    if not masked.any():
        return texts
    out = cp.copy()
    out[masked] = ord("*")
    result = out.tobytes().decode("utf-32-le").split("\0")
    return result if len(result) == len(texts) else texts  # a NUL inside a text: left to the regexes


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff"


def _mask_intro(text: str) -> str:
    """我是/我叫 X, 我姓 X and X先生/女士/...: X masked (``*`` per character)."""

    def intro(m: re.Match) -> str:
        lead, name = ("lead", "name") if m.group("lead") else ("lead2", "name2")
        return m.group(lead) + "*" * len(m.group(name))

    chars = list(_INTRO.sub(intro, text))
    for m in _HONORIFIC.finditer(text):  # the shortest surname-led word before the title
        end = m.start()
        for n in (1, 2, 3):
            j = end - n
            if j < 0 or not _is_cjk(chars[j]) or chars[j] in _STOP_SET:
                break
            if chars[j] in _NAME_SET:
                chars[j:end] = "*" * n
                break
    return "".join(chars)


# ----------------------------------------------------------------------------- values
def mask_values(values: pa.Array, *, keys: pd.Index | None, hasher: Pseudonymiser | None) -> pa.Array:
    """Distinct texts → the same texts with phone / ID numbers masked and, when ``keys`` is
    given, known customer names and self-introductions."""
    values = pc.replace_substring_regex(values.cast(pa.large_string()), _CONTROL, "")
    out = pc.replace_substring_regex(values, NUMBER_PATTERN, MASK)
    if keys is None:
        return out
    texts = out.to_pylist()
    todo = [i for i, t in enumerate(texts) if t is not None]
    plain = [texts[i] for i in todo]
    if hasher is not None and len(keys):
        plain = mask_known_names(plain, keys, hasher)
    triggered = pc.match_substring_regex(pa.array(plain, pa.large_string()), _TRIGGERS).to_numpy(
        zero_copy_only=False
    )
    for j in np.flatnonzero(triggered):  # a few texts: the address patterns need lookahead
        plain[j] = _mask_intro(plain[j])
    for i, t in zip(todo, plain, strict=True):
        texts[i] = t
    return pa.array(texts, pa.large_string())


def _is_text(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(s.cat.categories.dtype)
    return s.dtype == "str" or s.dtype == object and s.map(type).eq(str).any()


def mask_series(s: pd.Series, *, keys: pd.Index | None, hasher: Pseudonymiser | None) -> pd.Series:
    """``mask_values`` over a text or Categorical column (work on its distinct values)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pa.array(s.cat.categories.astype("str").array, type=pa.large_string())
        fixed = mask_values(cats, keys=keys, hasher=hasher)
        if fixed.equals(cats):
            return s
        return categorical_of(
            pd.Series(pd.arrays.ArrowStringArray(fixed.cast(pa.string()))),
            s.cat.codes.to_numpy(),
            s.index,
            s.name,
        )
    text = s.astype("str")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) == 0:  # nothing but missing values
        return s
    fixed = mask_values(
        pa.array(np.asarray(uniques, dtype=object), pa.large_string()), keys=keys, hasher=hasher
    )
    values = pd.Series(pd.arrays.ArrowStringArray(fixed.cast(pa.string())), dtype="str")
    out = values.take(np.maximum(codes, 0)).set_axis(s.index)
    return out.where(codes >= 0, pd.NA).astype("str").rename(s.name)


def mask_frame(frame: pd.DataFrame, *, keys: pd.Index | None, hasher: Pseudonymiser | None) -> pd.DataFrame:
    """Every text column masked for numbers; ``NAME_COLUMNS`` also for names."""
    out = {}
    for col in frame.columns:
        if col in NOT_TEXT or col.startswith("_") or not _is_text(frame[col]):  # "_": identity keys
            continue
        names = keys if col in NAME_COLUMNS else None
        out[col] = mask_series(frame[col], keys=names, hasher=hasher)
    return frame.assign(**out) if out else frame


def protect(data: pd.DataFrame, names: pd.Series | None, store=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ingest step: learn the run's customer names (as keyed hashes), then mask ``data``.

    Returns ``(masked data, name_keys table to write)``."""
    from .store import read_table

    hasher = Pseudonymiser(secret(store))
    table = known_name_keys(read_table(NAME_TABLE, store), name_keys(names, hasher))
    keys = pd.Index(table[NAME_KEY].astype("str"))
    return mask_frame(data, keys=keys, hasher=hasher), table


def remask(frame: pd.DataFrame | None, table: pd.DataFrame, store=None) -> pd.DataFrame | None:
    """Stored rows masked again with the names known now (``table``: the ``name_keys`` table
    ``protect`` returned): a survey stored before the deal naming its customer was ingested
    loses that name too."""
    if frame is None or not len(frame):
        return frame
    keys = pd.Index(table[NAME_KEY].astype("str"))
    return mask_frame(frame, keys=keys, hasher=Pseudonymiser(secret(store)))


def raw_names(raw, prepared) -> pd.Series:
    """The customer-name cells of a raw table (row-aligned with ``prepared.frame``) as a
    Categorical, all missing when the table has no name column (every table of a run then
    has the column, so they concatenate). Held only until ``protect``."""
    from .frames import as_categorical, constant_category

    index = prepared.frame.index
    labels = prepared.match.sources.get(Deal.customer_name)
    if not labels:
        return pd.Series(constant_category(None, len(index)), index=index, name=Deal.customer_name)
    src = raw.frame.reset_index(drop=True)
    cell = src[labels[0]]
    for other in labels[1:]:
        cell = cell.where(cell.notna(), src[other])
    return as_categorical(cell.astype("str").str.strip()).set_axis(index)
