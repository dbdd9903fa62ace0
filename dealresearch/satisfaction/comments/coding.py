"""``code(texts, codebook=None)``: themes and sentiment of free-text answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import load_codebook
from .lexicon import lexicon
from .match import theme_hits
from .sentiment import sentiment
from .tokens import is_junk, normalise, segment

SENTIMENT = "sentiment"
THEMES = "themes"
SENTIMENT_LABELS = {-1: "负面", 0: "中性/混合", 1: "正面"}


def code(texts: pd.Series, codebook=None) -> pd.DataFrame:
    """Indexed like ``texts``: one boolean column per codebook theme, ``sentiment``
    (−1 negative, 0 neutral or mixed, 1 positive) and ``themes`` (matched names joined
    by "|", "" when none). Empty and junk answers (无, (空), 没有意见 …) get no theme and
    sentiment 0. Each distinct text is segmented once."""
    cb = load_codebook(codebook)
    lex = lexicon()
    texts = pd.Series(texts)
    norm = normalise(texts)
    norm = norm.where(~is_junk(norm), "")
    codes, uniq = pd.factorize(norm, sort=False)
    uniq = pd.Series(uniq, dtype="str")
    words = cb.all_words | lex.all_words
    tok = segment(
        uniq,
        words,
        boundaries=lex.contrast,
        targets=lex.all_words | cb.all_words,
        keep=lex.all_words | frozenset().union(*(t.exclude for t in cb.themes)),
        prefixes=lex.negation | frozenset(lex.degree),
        whole=cb.all_words,
    )
    hits = theme_hits(tok, cb, words)[codes]
    sent = sentiment(tok, lex)[codes]
    names = np.array(cb.names, dtype=object)
    out = pd.DataFrame(hits, index=texts.index, columns=cb.names)
    out[SENTIMENT] = sent.astype("int8")
    out[THEMES] = pd.Series(_join(hits, names).to_numpy(), index=texts.index, dtype="str")
    return out


def _join(hits: np.ndarray, names: np.ndarray) -> pd.Series:
    """"|"-joined theme names per row, computed once per distinct combination."""
    if not len(hits):
        return pd.Series([], dtype="str")
    combos, inverse = np.unique(hits, axis=0, return_inverse=True)
    labels = ["|".join(names[row]) for row in combos]
    return pd.Series(np.asarray(labels, dtype=object)[inverse.ravel()], dtype="str")
