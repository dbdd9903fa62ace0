"""Issue 13, finding 2: personal data typed into free text (dealresearch.ingest.textpii)."""

from __future__ import annotations

import csv
import hashlib
import hmac

import hostile_gen as H
import pandas as pd
import pyarrow as pa
import pytest

import dealresearch as dr
from dealresearch.ingest import textpii as T
from dealresearch.ingest.privacy import Pseudonymiser

KEY = b"unit-test-secret-0123456789abcdef"
HASHER = Pseudonymiser(KEY)
KNOWN = pd.Index(T.name_keys(pd.Series(["段伟", "张三丰", "欧阳娜娜", "王 小明", "Tom"]), HASHER))


def mask(*texts: str, keys=KNOWN) -> list[str]:
    return T.mask_values(pa.array(list(texts), pa.large_string()), keys=keys, hasher=HASHER).to_pylist()


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "１３８１２３４５６７８",
        "１３８ １２３４ ５６７８",
        "+86 13812345678",
        "＋８６－１３８１２３４５６７８",
        "0086-138-1234-5678",
        "(86)13812345678",
        "0571-88886666",
        "010 88886666",
        "110101199001011234",
        "11010119900101123X",
        "110101 19900101 123x",
        "110101900101123",  # 15-character ID
        "6222 0212 3456 7890 123",  # bank card
    ],
)
def test_numbers_in_any_form_are_masked(typed):
    (out,) = mask(f"请联系{typed}谢谢", keys=None)
    assert out == "请联系***谢谢"


def test_ordinary_numbers_stay():
    texts = ["总价 3500000 元", "2026-09-30 交房", "3 号楼 1203 室", "面积 89.5 平", "第 2 次回访"]
    assert mask(*texts, keys=None) == texts


def test_known_customer_names_are_masked_by_keyed_hash():
    out = mask("张三丰说漏水", "我和欧阳娜娜都不满意", "王小明来过", "段伟段伟")
    assert out == ["***说漏水", "我和****都不满意", "***来过", "****"]


def test_names_of_strangers_and_common_words_stay():
    texts = ["张伟说漏水", "段落不通顺", "三丰田汽车", "物业很好"]
    assert mask(*texts) == texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我是赵强，房子漏水", "我是**，房子漏水"),
        ("我叫孙悦的家人来过", "我叫**的家人来过"),
        ("我是业主钱多多", "我是业主***"),
        ("我姓刘", "我姓*"),
        ("谢谢李先生和张大海先生", "谢谢*先生和***先生"),
        ("陈女士反映漏水", "*女士反映漏水"),
        ("我是来投诉的", "我是来投诉的"),
        ("我是业主", "我是业主"),
        ("老师很负责", "老师很负责"),
    ],
)
def test_self_introductions_and_forms_of_address(text, expected):
    assert mask(text, keys=pd.Index([])) == [expected]


def test_name_keys_hold_hmacs_of_clean_names_only():
    keys = set(T.name_keys(pd.Series(["王 小明", " 段伟 ", "Tom", "阿卜杜热依木江", None]), HASHER))
    expect = {
        hmac.new(KEY, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()[:32]
        for kind, text in (("name", "王小明"), ("name", "段伟"), ("name-head", "王小"), ("name-head", "段伟"))
    }
    assert keys == expect  # Latin and 7-character names are not matched in text (documented)


def test_mask_series_keeps_categoricals_and_missing_values():
    s = pd.Series(["电话13812345678", None, "张三丰来电", "电话13812345678"], dtype="category")
    out = T.mask_series(s, keys=KNOWN, hasher=HASHER)
    assert isinstance(out.dtype, pd.CategoricalDtype)
    assert out.astype(object).tolist()[0] == "电话***" and pd.isna(out.iloc[1]) and out.iloc[2] == "***来电"
    plain = T.mask_series(pd.Series(["a 13812345678", pd.NA], dtype="str"), keys=None, hasher=None)
    assert plain.iloc[0] == "a ***" and pd.isna(plain.iloc[1]) and plain.dtype == "str"


def test_control_characters_are_dropped_from_stored_text():
    assert mask("a\x00b\x07c\td", keys=None) == ["abc\td"]


def test_survey_stored_before_the_deal_loses_the_name_later(tmp_path):
    """Names learned from a later deal export leave comments already in the store."""
    store = tmp_path / "data"
    deals, surveys = H.write_inputs(tmp_path / "raw")
    frame = pd.read_csv(surveys, dtype=str)
    frame = frame.drop(columns=["客户姓名"])  # the survey file itself names nobody
    frame["意见和建议"] = "张三丰反映物业很差"
    frame.to_csv(surveys, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    dr.ingest_surveys([surveys], store=store)
    assert set(dr.load("surveys", store=store)["comment"]) == {"张三丰反映物业很差"}
    dr.ingest_deals([deals], store=store)
    assert set(dr.load("surveys", store=store)["comment"]) == {"***反映物业很差"}


def test_many_distinct_comments_against_many_known_names():
    """30k distinct comments against 20k known names: only the planted one is masked (its speed
    is measured by benchmarks, not here)."""
    import numpy as np

    rng = np.random.default_rng(0)
    given = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲桂")
    names = pd.Series([rng.choice(list(T.SURNAMES)) + "".join(rng.choice(given, 2)) for _ in range(20_000)])
    keys = pd.Index(T.name_keys(pd.concat([names, pd.Series(["王芳芳"])]), HASHER))
    words = "房子 漏水 物业 服务 很好 希望 改进 交付 质量 维修 及时 态度 销售 小区 环境 停车 电梯 价格 满意 投诉".split()
    texts = ["".join(rng.choice(words, 8)) + str(i) for i in range(30_000)]
    texts[7] = "王芳芳说" + texts[7]
    out = T.mask_values(pa.array(texts), keys=keys, hasher=HASHER).to_pylist()
    assert [i for i, t in enumerate(out) if "*" in t] == [7] and out[7].startswith("***说")
