"""Text normalisation, junk detection and word segmentation (jieba, offline).

The jieba tokenizer is built lazily on first use (its bundled dictionary plus the
real-estate user dictionary and every codebook/lexicon word), quietly, and cached per
word set. :func:`segment` turns unique texts into one long token table so that theme
matching and sentiment scoring are vectorised over tokens.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

#: answers that say nothing (after normalisation and stripping punctuation)
_JUNK = re.compile(
    r"^(?:(?:暂时|目前|暂|还|也)?(?:没有|没|无|暂无|木有)(?:什么|任何|啥|其他|其它|别的)?"
    r"(?:意见|建议|想法|补充|要说的|评价|看法)?(?:了|的|啦|呢)?|无意见|无建议|空|略|同上|不清楚|不知道|不了解"
    r"|说不好|没想好|不好说|n/?a|none|null|nan|无无|\d+|x+)$"
)
_PUNCT = re.escape(string.punctuation) + "，。！？；：、“”‘’（）【】《》…—～·「」『』〈〉﹏￥"
_STRIP = re.compile(f"[\\s{_PUNCT}]+")  # emoji are not punctuation: they carry sentiment
_BOUNDARY = re.compile(f"^[\\s{_PUNCT}]+$")
_NEGATION_CHARS = frozenset("不没未无")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def normalise(texts: pd.Series) -> pd.Series:
    """NFKC (full-width → half-width), lower case, trimmed; missing → ""."""
    s = texts.astype("str").fillna("")
    return s.str.normalize("NFKC").str.lower().str.strip()


def is_junk(norm: pd.Series) -> pd.Series:
    """Empty, 无, (空), 没有意见 … (on normalised text): no theme, sentiment 0."""
    core = norm.str.replace(_STRIP, "", regex=True)
    return (core == "") | core.str.fullmatch(_JUNK).fillna(False).astype(bool)


def is_boundary(tokens: pd.Index | pd.Series) -> np.ndarray:
    """Punctuation and whitespace tokens (they end a clause)."""
    return np.asarray(pd.Series(tokens, dtype="str").str.match(_BOUNDARY).fillna(True), dtype=bool)


def is_cjk(tokens) -> np.ndarray:
    return np.asarray(pd.Series(tokens, dtype="str").str.match(_CJK).fillna(False), dtype=bool)


@lru_cache(maxsize=4)
def tokenizer(extra_words: frozenset[str] = frozenset()):
    """A private jieba Tokenizer with the user dictionary and ``extra_words`` loaded."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    with resources.files(__package__).joinpath("userdict.txt").open("rb") as f:
        tk.load_userdict(f)
    for w in sorted(extra_words):  # every codebook/lexicon word comes out whole (还行, not 还 / 行)
        if len(w) > 1:
            need = max(tk.suggest_freq(w, tune=False), 1000 if not tk.FREQ.get(w) else 0)
            if tk.FREQ.get(w, 0) < need:
                tk.add_word(w, freq=need)
    return tk


@dataclass
class Tokens:
    """One row per token of the unique texts: ``text`` (position in the unique texts),
    ``clause`` (global clause id), ``code`` (index into ``vocab``)."""

    text: np.ndarray
    clause: np.ndarray
    code: np.ndarray
    vocab: pd.Index
    n_texts: int

    @property
    def words(self) -> np.ndarray:
        return self.vocab.to_numpy()[self.code]


def _decompose(word: str, freq: dict, targets: frozenset[str]) -> list[str]:
    """Left to right: the longest known target word at each position, else the longest
    dictionary word, else one character (sub-words only: never ``word`` itself)."""
    parts, i, n = [], 0, len(word)
    while i < n:
        best = None
        for j in range(n if i else n - 1, i, -1):
            piece = word[i:j]
            if piece in targets:
                best = piece
                break
            if best is None and (j - i == 1 or freq.get(piece)):
                best = piece
        parts.append(best)
        i += len(best)
    return parts


def _split_compounds(
    vocab: pd.Index, freq: dict, targets: frozenset[str], keep: frozenset[str], prefixes: frozenset[str],
    whole: frozenset[str],
) -> dict:
    """Dictionary compounds that hide a theme or sentiment word (环境优美, 服务周到, 不贵,
    延期交房) → their parts, so each part is matched and negation/degree stay visible.
    Words in ``keep`` (the lexicon's own entries, exclusion words) stay whole; a word in
    ``whole`` (the codebook's) is split only when every part is a target. A split needs a
    target of two or more characters, or a ``prefixes`` word (不, 太) before a target, so
    小区 stays 小区."""
    out: dict[str, list[str]] = {}
    cand = vocab[np.asarray(vocab.str.len() >= 2) & ~np.asarray(vocab.isin(list(keep))) & is_cjk(vocab)]
    for w in cand:
        parts = _decompose(w, freq, targets)
        if len(parts) < 2:
            continue
        hit = [p in targets for p in parts]
        if w in whole:
            ok = all(hit)
        else:
            ok = any(h and len(p) >= 2 for p, h in zip(parts, hit, strict=True)) or (
                parts[0] in prefixes and any(hit[1:])
            )
        if ok:
            out[w] = parts
    # out-of-dictionary words led by a negation (没建, 没装, 未到): the negation stands alone
    oov = vocab[np.asarray(vocab.str.len() >= 2) & is_cjk(vocab) & ~np.asarray(vocab.isin(list(keep | whole)))]
    for w in oov:
        if w not in out and w[0] in _NEGATION_CHARS and not freq.get(w):
            out[w] = [w[0], w[1:]]
    return out


def _ragged(starts: np.ndarray, lengths: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the ranges ``starts[w] : starts[w] + lengths[w]`` for each ``w`` in
    ``which``: (positions, owner = index into ``which`` of each position)."""
    reps = lengths[which]
    total = int(reps.sum())
    first = np.cumsum(reps) - reps
    pos = np.repeat(starts[which], reps) + (np.arange(total) - np.repeat(first, reps))
    return pos, np.repeat(np.arange(len(which)), reps)


def segment(
    texts: pd.Series,
    words: frozenset[str],
    boundaries: frozenset[str] = frozenset(),
    targets: frozenset[str] = frozenset(),
    keep: frozenset[str] = frozenset(),
    prefixes: frozenset[str] = frozenset(),
    whole: frozenset[str] = frozenset(),
) -> Tokens:
    """Segment normalised ``texts`` (unique values; junk already emptied). Texts are cut at
    punctuation into clauses and each distinct clause is segmented once (answers repeat
    their phrases far more than whole texts). ``boundaries``: words that also start a new
    clause (contrast words); a dictionary compound holding one of ``targets`` is split
    into its parts (see :func:`_split_compounds`)."""
    tk = tokenizer(words)
    clauses = pd.Series(texts.to_numpy(), dtype="str").str.split(_STRIP, regex=True).explode()
    clauses = clauses[clauses.notna() & (clauses.str.len() > 0)]
    clause_text = clauses.index.to_numpy(dtype=np.int64)
    # numbers (dates, unit numbers, amounts) carry no theme: cutting there lets 3栋1201室漏水
    # and 5栋302室漏水 share their segmentation; the pieces stay in one clause
    frags = pd.Series(clauses.to_numpy(), dtype="str").str.split(r"\d+", regex=True).explode()
    frags = frags[frags.notna() & (frags.str.len() > 0)]
    frag_clause = frags.index.to_numpy(dtype=np.int64)
    frag_text = clause_text[frag_clause]
    frag_first = np.r_[True, frag_clause[1:] != frag_clause[:-1]] if len(frags) else np.zeros(0, dtype=bool)
    fcode, ufrags = pd.factorize(frags.to_numpy(), sort=False)
    lists = [tk.lcut(f, HMM=False) for f in ufrags]  # no HMM: unknown words stay single characters
    lens = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    ucode, vocab = pd.factorize(pd.Series([w for x in lists for w in x], dtype="str"), sort=False)
    pos, owner = _ragged(np.cumsum(lens) - lens, lens, fcode)
    code, text_id = ucode[pos], frag_text[owner]
    start = (np.r_[True, owner[1:] != owner[:-1]] & frag_first[owner]) if len(owner) else np.zeros(0, dtype=bool)
    vocab = pd.Index(vocab, dtype="str")
    split = _split_compounds(vocab, tk.FREQ, targets, keep, prefixes, whole) if len(vocab) else {}
    if split:  # re-expand: each token becomes its parts (vocab-level, then gathered)
        parts = [split.get(w, [w]) for w in vocab]
        n_parts = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        new_vocab, inv = np.unique(np.array([w for p in parts for w in p], dtype=object), return_inverse=True)
        pos, owner = _ragged(np.cumsum(n_parts) - n_parts, n_parts, code)
        first = np.r_[True, owner[1:] != owner[:-1]]
        code, text_id, start = inv[pos], text_id[owner], start[owner] & first
        vocab = pd.Index(new_vocab, dtype="str")
    n = len(code)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return Tokens(empty, empty, empty, vocab, len(texts))
    clause = np.cumsum(start | np.asarray(vocab.isin(list(boundaries)))[code])
    keep_tok = ~is_boundary(vocab)[code]
    return Tokens(text_id[keep_tok], clause[keep_tok], code[keep_tok], vocab, len(texts))
