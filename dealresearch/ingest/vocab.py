"""Categorical fields → canonical vocabularies (schema.VOCABULARIES).

Synonyms match after NFKC, lower-casing and removing spaces. Unknown values are kept
verbatim (cleaned) and reported, never dropped or forced into a category.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd

from ..schema import VOCABULARIES
from .normalise import by_unique

LIST_SEPARATORS = r"[、，,;；/|\s]+"
LIST_JOIN = "|"  # a separator: never inside a value


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@cache
def vocab_index(name: str) -> dict[str, str]:
    """Normalised synonym → canonical value for vocabulary ``name``."""
    return {_key(s): canon for canon, syns in VOCABULARIES[name].items() for s in (canon, *syns)}


def _lookup(u: pd.Series, name: str) -> pd.Series:
    keys = u.str.replace(r"\s+", "", regex=True).str.lower()
    return keys.map(vocab_index(name)).astype("str")


def categorical(raw: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """``(values, unknown)``: canonical values (a Categorical); unknown non-blank values
    kept verbatim."""

    def fn(u):
        canon = _lookup(u, name)
        return canon.fillna(u), (u.notna() & canon.isna()).to_numpy()

    values, unknown = by_unique(raw, fn, categorical=True)
    return values, unknown.astype(bool)


def multi(raw: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """Multi-choice cells (地段、价格/户型) → canonical values per row, held compactly as
    a Categorical of the values joined by ``LIST_JOIN`` (``frames.expand`` and the store
    turn them into lists). Returns ``(values, unknown_tokens)``: ``unknown_tokens`` is a
    per-row list of tokens not in the vocabulary (kept in the values too)."""
    index = vocab_index(name)

    def fn(u: pd.Series):
        lists = np.empty(len(u), dtype=object)
        unknown = np.empty(len(u), dtype=object)
        for i, cell in enumerate(u.tolist()):  # distinct cells only, not rows
            tokens = [t for t in re.split(LIST_SEPARATORS, cell)] if isinstance(cell, str) else []
            tokens = [t for t in tokens if t]
            out = list(dict.fromkeys(index.get(_key(t), t) for t in tokens))
            lists[i] = LIST_JOIN.join(out) if tokens else None
            unknown[i] = [t for t in tokens if _key(t) not in index]
        return lists, unknown

    lists, unknown = by_unique(raw, fn, categorical=True)
    return lists, unknown.astype(object)


def unknown_counts(values: pd.Series, unknown: pd.Series) -> dict[str, int]:
    """Counts of unknown raw values (for the summary), most frequent first."""
    vc = values[unknown.to_numpy(dtype=bool)].value_counts()
    return {str(k): int(v) for k, v in vc.items() if v}  # a Categorical counts unseen values as 0


def unknown_token_counts(tokens: pd.Series) -> dict[str, int]:
    flat = tokens.dropna().explode().dropna()
    return {str(k): int(v) for k, v in flat.value_counts().items()}
