"""Theme matching on words: codebook words, then the pinyin of out-of-dictionary words.

A token names a theme when it is one of the theme's words. Typed comments carry
homophone typos (物叶 for 物业, 半证 for 办证): a token (or two adjacent one-character
tokens) that is not in the segmentation dictionary is compared by its toneless pinyin
with the codebook words of two or more characters. Exclusion words cancel the theme in
their clause. Everything is computed once per distinct token and then indexed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .codebook import Codebook
from .tokens import Tokens, is_cjk, tokenizer

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
# characters too common to be half of a homophone typo (加个 ≠ 价格, 有点 ≠ 优点)
_FUNCTION_CHARS = frozenset("的了是在有也就都和很还又不没吗呢吧啊呀哦嘛我你他她它们这那一个把被给让说要会能去来到上下里"
                            "好大小多少太更最才再只已对为与及或而但可从向着过得地之其该每各些么啥点次")


def _pinyin(words) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [" ".join(lazy_pinyin(w, style=Style.NORMAL, errors="ignore")) for w in words]


@lru_cache(maxsize=8)
def _pinyin_index(cb: Codebook) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for j, t in enumerate(cb.themes):
        words = sorted(w for w in t.words if len(w) >= 2 and _CJK_WORD.match(w))
        for p in set(_pinyin(words)):
            out.setdefault(p, []).append(j)
    return out


def _hits_for(words: pd.Index, cb: Codebook, pinyin: dict[str, list[int]], oov: np.ndarray) -> np.ndarray:
    """(len(words) × themes) boolean: exact codebook words, plus pinyin for ``oov`` words."""
    hits = np.zeros((len(words), len(cb.themes)), dtype=bool)
    for j, t in enumerate(cb.themes):
        hits[:, j] = words.isin(list(t.words))
    todo = np.flatnonzero(np.asarray(oov) & ~hits.any(axis=1))
    if len(todo):
        for i, p in zip(todo, _pinyin(words[todo]), strict=True):
            for j in pinyin.get(p, ()):
                hits[i, j] = True
    return hits


def theme_hits(tok: Tokens, cb: Codebook, words: frozenset[str]) -> np.ndarray:
    """(unique texts × themes) boolean: the text mentions the theme."""
    n_themes = len(cb.themes)
    if not len(tok.code):
        return np.zeros((tok.n_texts, n_themes), dtype=bool)
    freq = tokenizer(words).FREQ
    vocab = tok.vocab
    cjk = is_cjk(vocab)
    known = np.fromiter((bool(freq.get(w)) for w in vocab), dtype=bool, count=len(vocab))
    pinyin = _pinyin_index(cb)
    plain = ~np.asarray(vocab.str.contains(f"[{''.join(_FUNCTION_CHARS)}]", regex=True))
    vocab_hits = _hits_for(vocab, cb, pinyin, cjk & ~known & plain & np.asarray(vocab.str.len() >= 2))
    veto_v = np.column_stack([vocab.isin(list(t.exclude)) for t in cb.themes])
    hits = vocab_hits[tok.code]
    veto = veto_v[tok.code]
    # two adjacent one-character tokens in one clause: a split typo (物 / 叶)
    single = np.asarray(vocab.str.len() == 1) & cjk & ~vocab.isin(list(_FUNCTION_CHARS))
    s = single[tok.code]
    pair = np.flatnonzero(s[:-1] & s[1:] & (tok.clause[:-1] == tok.clause[1:]))
    if len(pair):
        w = tok.words
        bigrams = pd.Series(w[pair], dtype="str") + pd.Series(w[pair + 1], dtype="str")
        codes, uniq = pd.factorize(bigrams)
        uniq = pd.Index(uniq, dtype="str")
        unknown = np.fromiter((not freq.get(b) for b in uniq), dtype=bool, count=len(uniq))
        hits[pair] |= _hits_for(uniq, cb, pinyin, unknown)[codes]
    clause_hit = pd.DataFrame(hits).groupby(tok.clause).any()
    clause_veto = pd.DataFrame(veto).groupby(tok.clause).any()
    clause_text = pd.Series(tok.text).groupby(tok.clause).first()
    ok = clause_hit.to_numpy() & ~clause_veto.to_numpy()
    per_text = pd.DataFrame(ok).groupby(clause_text.to_numpy()).any()
    out = np.zeros((tok.n_texts, n_themes), dtype=bool)
    out[per_text.index.to_numpy()] = per_text.to_numpy()
    return out
