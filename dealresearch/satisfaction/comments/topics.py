"""Emerging themes: what the comments no codebook theme matched talk about.

TF-IDF over their words (sentiment, negation and degree words and single characters
left out) factorised by NMF (scikit-learn, ``seed=``); each topic comes with its top
words and three example comments so an analyst can add a theme to the codebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from .codebook import load_codebook
from .coding import THEMES, code
from .lexicon import lexicon
from .tokens import is_junk, normalise, segment

MIN_TEXTS = 20
#: filler words that say nothing about a topic
STOPWORDS = frozenset(
    "整体 一切 有人 经常 只能 放在 天天 感觉 觉得 我们 他们 你们 自己 就是 还是 什么 这个 那个 这样 那样 时候 现在 已经"
    " 一直 可能 应该 需要 没有 不是 因为 所以 但是 而且 如果 还有 一下 一些 一点 真的 特别 比较 非常 怎么 为什么 大家 问题"
    " 情况 方面 东西 事情 地方 开发商 小区 房子 业主们".split()
)


def emerging(texts: pd.Series, coded: pd.DataFrame | None = None, *, codebook=None, n_topics: int = 5,
             top_words: int = 8, examples: int = 3, seed: int = 0, min_texts: int = MIN_TEXTS) -> pd.DataFrame:
    """One row per topic, largest first: ``topic`` (1..k), ``words`` (top words joined by
    "、"), ``n`` (comments whose strongest topic it is) and ``examples`` (a list of up to
    ``examples`` comments). Raises DataError when fewer than ``min_texts`` unmatched
    comments (or fewer than four distinct ones) exist."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = pd.Series(texts)
    cb = load_codebook(codebook)
    if coded is None:
        coded = code(texts, cb)
    norm = normalise(texts)
    mask = (coded[THEMES] == "").to_numpy() & ~is_junk(norm).to_numpy()
    left = norm[mask]
    inverse, uniq = pd.factorize(left, sort=False)
    uniq = pd.Series(uniq, dtype="str")
    original = texts[mask].astype("str").groupby(left.to_numpy(), sort=False).first().reindex(uniq)
    if len(left) < min_texts or len(uniq) < 4:
        raise DataError(f"未匹配任何主题的有效意见只有 {len(left)} 条（{len(uniq)} 种说法），"
                        f"少于 {min_texts} 条或 4 种，无法归纳新主题。")
    lex = lexicon()
    tok = segment(uniq, cb.all_words | lex.all_words, boundaries=lex.contrast)
    words = pd.Series(tok.words, dtype="str")
    polar = [w for w in lex.polarity if len(w) >= 1 and w.isalpha()]
    ends_polar = words.str.endswith(tuple(polar)) if polar else pd.Series(False, index=words.index)  # 很烦, 一切顺利
    useful = ((words.str.len() >= 2) & ~words.isin(list(lex.all_words | STOPWORDS)) & ~ends_polar
              & words.str.match(r"^[\w]+$"))
    docs = words[useful].groupby(tok.text[useful.to_numpy()]).agg(" ".join).reindex(range(len(uniq)), fill_value="")
    vec = TfidfVectorizer(token_pattern=r"(?u)\S+", min_df=2, sublinear_tf=True)
    try:  # fitted on every comment (a phrase written 30 times weighs 30), scored per distinct text
        x_all = vec.fit_transform(docs.to_numpy()[inverse])
    except ValueError as exc:  # no word appears twice
        raise DataError("未匹配主题的意见中没有重复出现的词，无法归纳新主题。") from exc
    x = vec.transform(docs)
    k = int(max(1, min(n_topics, x.shape[1] - 1, len(uniq) // 2)))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    model.fit(x_all)
    w = model.transform(x)
    vocab = np.asarray(vec.get_feature_names_out())
    best = w.argmax(axis=1)
    strength = w.max(axis=1)
    rows = []
    for j in range(k):
        mine = np.flatnonzero((best == j) & (strength > 0))
        order = mine[np.argsort(-w[mine, j], kind="stable")]
        weights = model.components_[j]
        top = np.argsort(-weights, kind="stable")[:top_words]
        top = top[weights[top] >= 0.1 * weights[top[0]]] if weights[top[0]] > 0 else top[:0]  # drop the tail
        rows.append({
            "words": "、".join(vocab[top]),
            "n": int(left.isin(set(uniq.iloc[mine])).sum()),
            "examples": original.iloc[order[:examples]].tolist(),
        })
    out = pd.DataFrame(rows).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "topic", np.arange(1, len(out) + 1))
    out.attrs.update(n_texts=int(len(left)), n_distinct=int(len(uniq)), seed=seed,
                     method="TF-IDF + NMF（scikit-learn），只用未匹配任何主题的有效意见")
    return out
