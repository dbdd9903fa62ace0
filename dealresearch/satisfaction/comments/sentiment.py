"""Lexicon sentiment with negation, degree, hedge and contrast handling, vectorised over tokens.

Each polar word scores its lexicon strength (高/低, 大/小 take their sign from the aspect
word before them: 性价比高 +, 公摊大 −), flipped by each negation among the (up to
four) words before it in its clause and scaled by degree adverbs there (不是很满意 → −,
没有任何问题 → +, 并不贵 → +). A hedge earlier in the clause (希望, 建议) silences it.
With a contrast word (但是, 不过) what follows the last one decides when it carries any
sentiment (价格还行但是物业太差 → −). A negation governing no polar word counts as a mild
complaint (学位没兑现, 充电桩一直没装). Without contrast, positive and negative sums within a
factor of two of each other make a mixed comment (0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lexicon import Lexicon
from .tokens import Tokens

WINDOW = 4
THRESHOLD = 0.25


def sentiment(tok: Tokens, lex: Lexicon) -> np.ndarray:
    """−1 / 0 / 1 per unique text."""
    out = np.zeros(tok.n_texts, dtype=np.int8)
    if not len(tok.code):
        return out
    vocab = tok.vocab
    pol = pd.Series(lex.polarity, dtype=float).reindex(vocab).fillna(0.0).to_numpy()[tok.code]
    deg_v = pd.Series(lex.degree, dtype=float).reindex(vocab).fillna(1.0).to_numpy()
    neg = np.asarray(vocab.isin(list(lex.negation)))[tok.code]
    deg = deg_v[tok.code]
    hedge = np.asarray(vocab.isin(list(lex.hedge)))[tok.code]
    contrast = np.asarray(vocab.isin(list(lex.contrast)))[tok.code]
    n = len(pol)
    idx = np.arange(n)
    same = [(idx - k >= 0) & (tok.clause[np.maximum(idx - k, 0)] == tok.clause) for k in range(WINDOW + 1)]
    # 高/低, 大/小 after an aspect word: 性价比高 +, 公摊大 −, 得房率低 −
    direction = pd.Series(lex.direction, dtype=float).reindex(vocab).fillna(0.0).to_numpy()[tok.code]
    aspect = pd.Series(lex.aspect, dtype=float).reindex(vocab).fillna(0.0).to_numpy()[tok.code]
    found = np.zeros(n)
    for k in range(WINDOW, 0, -1):  # the nearest aspect word wins
        a = aspect[np.maximum(idx - k, 0)]
        found = np.where(same[k] & (a != 0), a, found)
    adj = (direction != 0) & (found != 0)
    pol = np.where(adj, direction * found, pol)
    flips = np.zeros(n, dtype=np.int64)
    scale = np.ones(n)
    open_ = np.ones(n, dtype=bool)  # still looking back (same clause, no polar word in between)
    for k in range(1, WINDOW + 1):
        jj = np.maximum(idx - k, 0)
        open_ &= same[k] & (pol[jj] == 0)
        flips += open_ & neg[jj]
        scale *= np.where(open_, deg[jj], 1.0)
    emoji = np.asarray(vocab.str.match(r"^[^\w\s]+$"), dtype=bool)[tok.code]  # 😡 is not negated by 没
    value = np.where(emoji, pol, pol * np.where(flips % 2 == 1, -0.8, 1.0) * scale)
    # a negation that governs no polar word is a complaint (没建, 没装, 不来, 没消息)
    governs = np.zeros(n, dtype=bool)
    for k in range(1, WINDOW + 1):
        jj = np.minimum(idx + k, n - 1)
        governs |= (idx + k < n) & (tok.clause[jj] == tok.clause) & (pol[jj] != 0)
    value = np.where(neg & ~governs & (pol == 0), -0.5, value)
    hedged = pd.Series(hedge).groupby(tok.clause).cummax().to_numpy()
    value[hedged] = 0.0
    pos = idx
    last_contrast = pd.Series(np.where(contrast, pos, -1)).groupby(tok.text).transform("max").to_numpy()
    has_contrast = last_contrast >= 0
    after = has_contrast & (pos >= last_contrast)
    frame = pd.DataFrame({"p": np.clip(value, 0, None), "m": np.clip(-value, 0, None), "a": np.where(after, value, 0.0),
                          "c": has_contrast})
    g = frame.groupby(tok.text).agg(p=("p", "sum"), m=("m", "sum"), a=("a", "sum"), c=("c", "any"))
    score = g["p"] - g["m"]
    # after a contrast word, what follows decides (when it says anything)
    score = score.where(~g["c"] | (g["a"].abs() < 1e-9), g["a"])
    mixed = ~g["c"] & (g[["p", "m"]].min(axis=1) * 2 >= g[["p", "m"]].max(axis=1)) & (g["m"] > 0)
    s = np.where(score > THRESHOLD, 1, np.where(score < -THRESHOLD, -1, 0))
    s[mixed.to_numpy()] = 0
    out[g.index.to_numpy()] = s
    return out
