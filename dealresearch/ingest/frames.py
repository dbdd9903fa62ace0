"""Compact ingest frames: low-cardinality text held as pandas Categoricals.

Inside ingest, text columns (project, city, vocabularies, source file...) are Categoricals
with sorted categories: a small integer code per row instead of the text, which keeps a
million-row ingest within a few times the file size. What leaves ingest is plain
``str``: ``expand`` for the returned data, the store decodes on read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from .normalise import arrow_text, categorical_of, factorize, take_text
from .vocab import LIST_JOIN

LIST_COLUMNS = ("key_factors", "projects")  # multi-valued: lists in the store and in output


TEXT_CATEGORY = pd.CategoricalDtype(pd.Index([], dtype="str"))


def constant_category(value, n: int) -> pd.Categorical:
    """``n`` rows of one text value (or missing) as a Categorical."""
    if value is None:
        return pd.Categorical.from_codes(np.full(n, -1, np.int8), dtype=TEXT_CATEGORY)
    dtype = pd.CategoricalDtype(pd.Index([value], dtype="str"))
    return pd.Categorical.from_codes(np.zeros(n, np.int8), dtype=dtype)


def is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype)


def as_categorical(s: pd.Series) -> pd.Series:
    """A text Series as a Categorical with sorted categories (a Categorical of text stays as
    it is; one without text categories gets them)."""
    if is_categorical(s):
        cats = s.cat.categories
        if cats.dtype == "str":
            return s
        dtype = pd.CategoricalDtype(pd.Index(cats.astype("str"), dtype="str"))  # e.g. no categories
        return pd.Series(pd.Categorical.from_codes(s.cat.codes, dtype=dtype), index=s.index, name=s.name)
    if s.dtype != "str":
        s = s.astype("str")
    codes, uniques = factorize(s)
    return categorical_of(pd.Series(uniques, dtype="str"), codes, s.index, s.name)


def coalesce(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a`` where present, else ``b``, as a Categorical (union of the categories, sorted)."""
    a, b = as_categorical(a), as_categorical(b)
    cats = a.cat.categories.union(b.cat.categories).sort_values()
    return a.cat.set_categories(cats).fillna(b.cat.set_categories(cats))


def like(frame: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns that are Categorical in ``model`` made Categorical too
    (a stored list column — lists, as ``load`` gives them — joined as ingest holds it)."""
    cols = [c for c in frame.columns if c in model.columns and is_categorical(model[c])]
    out = {c: as_categorical(joined(frame[c]) if c in LIST_COLUMNS else frame[c]) for c in cols}
    return frame.assign(**out) if cols else frame


def joined(s: pd.Series) -> pd.Series:
    """A column of lists (or already joined text) as ingest's joined text (``LIST_JOIN``)."""
    if is_categorical(s) or s.dtype == "str":
        return s
    lists = pa.array(s.to_numpy(dtype=object), type=pa.list_(pa.string()), from_pandas=True)
    text = pc.binary_join(lists, LIST_JOIN)
    return pd.Series(pd.arrays.ArrowStringArray(text.cast(pa.large_string())), index=s.index, name=s.name, dtype="str")


def concat(frames: list[pd.DataFrame], consume: bool = False) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)`` where Categorical columns stay Categorical
    (union of the categories, sorted) instead of falling back to object. ``consume``:
    empty the input frames column by column (peak memory: the result + one column)."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = {}
    for c in list(frames[0].columns):
        parts = [f.pop(c) if consume else f[c] for f in frames]
        if any(is_categorical(p) for p in parts):
            parts = [as_categorical(p) for p in parts]
            out[c] = pd.Series(union_categoricals([p.array for p in parts], sort_categories=True))
        else:
            out[c] = pd.concat(parts, ignore_index=True)
        del parts
    return pd.DataFrame(out)


def to_str(s: pd.Series) -> pd.Series:
    """A Categorical of text → ``str`` (one Arrow take, no Python objects)."""
    return take_text(arrow_text(s.cat.categories), s.cat.codes.to_numpy(), s.index).rename(s.name)


def expand(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical text columns → ``str``, joined multi-choice values → lists (the public
    dtypes of ingest output)."""
    cols = [c for c in frame.columns if is_categorical(frame[c])]
    out = {c: to_lists(frame[c]) if c in LIST_COLUMNS else to_str(frame[c]) for c in cols}
    return frame.assign(**out) if cols else frame


def _split(s: pd.Series) -> pa.Array:
    """Per category of joined values: the list of values."""
    return pc.split_pattern(pa.array(s.cat.categories.array, type=pa.string()), LIST_JOIN)


def to_lists(s: pd.Series) -> pd.Series:
    """Joined multi-choice values (a Categorical) → a Python list per row (None when empty)."""
    per_category = np.empty(len(s.cat.categories) + 1, dtype=object)
    per_category[:-1] = _split(s).to_pylist()  # one list object per category, shared by rows
    return pd.Series(per_category[s.cat.codes.to_numpy()], index=s.index, name=s.name, dtype=object)


def to_list_array(s: pd.Series) -> pa.Array:
    """Joined multi-choice values (a Categorical) → an Arrow list<string> array."""
    codes = s.cat.codes.to_numpy()
    return _split(s).take(pa.array(codes, mask=codes < 0))


def without_unused_categories(s: pd.Series) -> pd.Series:
    """A Categorical with only the categories in use (a deterministic dictionary on disk)."""
    used = np.unique(s.cat.codes.to_numpy())
    used = used[used >= 0]
    return s if len(used) == len(s.cat.categories) else s.cat.remove_unused_categories()
