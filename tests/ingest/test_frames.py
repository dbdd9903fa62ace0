"""Frame helpers of ingest: Categoricals in, plain text and lists out; coalescing with both vocabularies."""

from __future__ import annotations

import pandas as pd

from dealresearch.ingest import frames as F


def _cat(values):
    return F.as_categorical(pd.Series(values, dtype="str"))


def test_concat_keeps_categoricals_with_the_union_of_categories():
    a = pd.DataFrame({"p": _cat(["云栖府", None]), "n": [1, 2]})
    b = pd.DataFrame({"p": _cat(["滨江壹号", "云栖府"]), "n": [3, 4]})
    out = F.concat([a, b], consume=True)
    assert isinstance(out["p"].dtype, pd.CategoricalDtype)
    assert out["p"].cat.categories.tolist() == sorted(["云栖府", "滨江壹号"])
    assert (
        out["p"].tolist()[0] == "云栖府" and pd.isna(out["p"].iloc[1]) and out["n"].tolist() == [1, 2, 3, 4]
    )
    assert len(a.columns) == 0 and len(b.columns) == 0  # consumed column by column


def test_expand_gives_plain_text_and_lists():
    frame = pd.DataFrame({"city": _cat(["杭州", None]), "key_factors": _cat(["地段|价格", None])})
    out = F.expand(frame)
    assert out["city"].dtype == "str" and out["city"].tolist()[0] == "杭州" and pd.isna(out["city"].iloc[1])
    assert out["key_factors"].tolist() == [["地段", "价格"], None]
    assert F.to_list_array(frame["key_factors"]).to_pylist() == [["地段", "价格"], None]


def test_coalesce_fills_from_the_second_with_both_vocabularies():
    out = F.coalesce(_cat(["男", None, None]), _cat(["女", "女", None]))
    assert out.tolist()[:2] == ["男", "女"] and pd.isna(out.iloc[2])
