"""Multi-choice answers of survey-platform downloads: the store's long ``survey_choices``.

One row per (survey, question, option): ``survey_id``, ``question`` (the question's text
without its number), ``option`` (the option's text), ``chosen`` (bool), ``source_file``.
``platforms.choice_answers`` reads them per table (keyed by file and row); here they
are joined to the run's kept survey rows (rejected and duplicate rows give none), a ┋
question gets a ``chosen = False`` row for every option of its file a respondent did not
choose, question and option texts are masked like free text (``textpii``: phones, ID
numbers, known customer names, self-introductions), and the run's table replaces the
stored rows of its surveys and of its files, sorted by survey_id, question, option (the
same table whatever the order the files are ingested in).
"""

from __future__ import annotations

import pandas as pd

from ..schema import Survey
from .privacy import Pseudonymiser, secret
from .textpii import NAME_KEY, mask_series

TABLE = "survey_choices"
COLUMNS = [Survey.survey_id, "question", "option", "chosen", Survey.source_file]
KEY = [Survey.survey_id, "question", "option"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=bool if c == "chosen" else "str") for c in COLUMNS})


def run_table(parts, rows: pd.DataFrame, name_keys: pd.DataFrame | None, store=None) -> pd.DataFrame:
    """The run's ``survey_choices`` rows. ``parts``: ``choice_answers`` frames (None for
    tables without multi-choice questions); ``rows``: the run's stored survey rows
    (``source_file``, ``source_row``, ``survey_id``); ``name_keys``: the store's table
    of keyed customer-name hashes (as ``textpii.protect`` returned it)."""
    parts = [p for p in (parts or []) if p is not None and len(p)]
    if not parts:
        return _empty()
    long = pd.concat(parts, ignore_index=True)
    keys = None if name_keys is None else pd.Index(name_keys[NAME_KEY].astype("str"))
    hasher = Pseudonymiser(secret(store))
    for col in ("question", "option"):  # masked on distinct values
        long[col] = mask_series(long[col].astype("str"), keys=keys, hasher=hasher)
    ids = pd.DataFrame({
        Survey.source_file: rows[Survey.source_file].astype("str").to_numpy(),
        Survey.source_row: rows[Survey.source_row].to_numpy(dtype="int64"),
        Survey.survey_id: rows[Survey.survey_id].astype("str").to_numpy(),
    }).dropna(subset=[Survey.survey_id])
    long = long.astype({Survey.source_file: "str"}).merge(ids, on=[Survey.source_file, Survey.source_row], how="inner")
    if not len(long):
        return _empty()
    # every option a file offers for a question, for each respondent who answered it
    options = long[[Survey.source_file, "question", "option"]].drop_duplicates()
    answered = long[[Survey.source_file, "question", Survey.survey_id]].drop_duplicates()
    full = answered.merge(options, on=[Survey.source_file, "question"])
    chosen = long.groupby(KEY, sort=False)["chosen"].max().rename("chosen").reset_index()
    full = full.merge(chosen, on=KEY, how="left")
    full["chosen"] = full["chosen"].fillna(False).astype(bool)
    # masking can make two options one: chosen if either was
    out = full.groupby(KEY, sort=True).agg(chosen=("chosen", "max"), source_file=(Survey.source_file, "first"))
    return _typed(out.reset_index())


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[COLUMNS].astype({c: "str" for c in COLUMNS if c != "chosen"} | {"chosen": bool})


def merged(old: pd.DataFrame | None, new: pd.DataFrame, names, survey_ids) -> pd.DataFrame | None:
    """The stored table after a run: the stored rows of other surveys and files, the run's
    rows, sorted by survey_id, question, option. None when there is nothing to store."""
    if old is None and not len(new):
        return None
    if old is not None and len(old):
        gone = old[Survey.source_file].astype("str").isin(list(names)) | old[Survey.survey_id].astype("str").isin(
            pd.Index(pd.Series(survey_ids).astype("str").dropna().unique())
        )
        new = pd.concat([_typed(old[~gone.to_numpy()]), new], ignore_index=True)
    return _typed(new).sort_values(KEY, kind="stable").reset_index(drop=True)


def remasked(table: pd.DataFrame | None, name_keys: pd.DataFrame, store=None) -> pd.DataFrame | None:
    """The stored table masked again with the customer names known now (a deal ingested
    after the survey names a customer an option text mentions)."""
    if table is None or not len(table):
        return None
    keys = pd.Index(name_keys[NAME_KEY].astype("str"))
    hasher = Pseudonymiser(secret(store))
    out = table.assign(**{c: mask_series(table[c].astype("str"), keys=keys, hasher=hasher) for c in ("question", "option")})
    if out[["question", "option"]].equals(table[["question", "option"]]):
        return None  # unchanged: nothing to write
    out = out.groupby(KEY, sort=True).agg(chosen=("chosen", "max"), source_file=(Survey.source_file, "first"))
    return _typed(out.reset_index())
