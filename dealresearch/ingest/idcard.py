"""Resident identity numbers (GB 11643-1999): validation, 15→18 conversion, derived fields.

All functions are vectorised: the check digit is computed with a numpy matrix product
over the 17 leading digits of every distinct number at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .normalise import DATE_DTYPE, by_unique, ymd

#: GB/T 2260 province-level codes (first two digits of the ID number)
PROVINCES: dict[str, str] = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
    "83": "台湾",
}
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))


def check_digit(first17: pd.Series) -> pd.Series:
    """GB 11643 check character for Series of 17-digit strings (all digits, no NA)."""
    if len(first17) == 0:
        return pd.Series([], dtype="str", index=first17.index)
    buf = np.frombuffer("".join(first17.tolist()).encode("ascii"), dtype=np.uint8)
    digits = buf.reshape(-1, 17).astype(np.int64) - 48
    return pd.Series(CHECK_CHARS[(digits @ WEIGHTS) % 11], index=first17.index, dtype="str")


def _ids_of_text(u: pd.Series):
    s = u.str.replace(" ", "").str.upper()
    is18 = s.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    is15 = s.str.fullmatch(r"[0-9]{15}").fillna(False).astype(bool)
    body = pd.Series(pd.NA, index=u.index, dtype="str")
    body = body.mask(is18, s.str.slice(0, 17)).mask(is15, s.str.slice(0, 6) + "19" + s.str.slice(6, 15))
    has = body.notna().to_numpy()
    check = pd.Series(pd.NA, index=u.index, dtype="str")
    check[has] = check_digit(body[has])
    full = body + check
    birth = pd.Series(
        ymd(body.str.slice(6, 10), body.str.slice(10, 12), body.str.slice(12, 14)), index=u.index
    )
    plausible = birth.between(pd.Timestamp("1900-01-01"), pd.Timestamp("2030-12-31")) & body.str.slice(
        0, 2
    ).isin(PROVINCES).fillna(False).astype(bool)
    checksum_ok = (is15 | (s == full)).fillna(False).astype(bool)
    valid = plausible & checksum_ok
    # a well-formed number whose check digit (or date/province) is wrong: kept, flagged
    wrong = (is18 | is15) & ~valid
    garbage = u.notna() & ~(is18 | is15)
    normalised = full.where(valid, s.where(wrong))
    return normalised, valid, wrong.to_numpy(), garbage.to_numpy()


def id_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Normalise ID numbers. Returns ``(number, valid, wrong_check, invalid)``:
    ``number`` is the 18-character ID (15-digit legacy IDs converted, lower-case x
    upper-cased); for a well-formed number with a wrong check digit it is the number as
    given (flagged by ``wrong_check``); text that is no ID at all is ``invalid``."""
    number, valid, wrong, garbage = by_unique(raw, _ids_of_text)
    return number.astype("str"), valid.fillna(False).astype(bool), wrong.astype(bool), garbage.astype(bool)


def _person_of_text(u: pd.Series):
    birth = pd.Series(ymd(u.str.slice(6, 10), u.str.slice(10, 12), u.str.slice(12, 14)), index=u.index)
    odd = u.str.slice(16, 17).isin(list("13579")).to_numpy(bool)
    gender = pd.Series(np.where(odd, "男", "女"), index=u.index, dtype="str").where(u.notna())
    return birth, gender, u.str.slice(0, 2).map(PROVINCES).astype("str")


def derive(number: pd.Series, valid: pd.Series, at: pd.Series) -> pd.DataFrame:
    """Birth date, age at ``at`` (completed years), gender, province of origin from
    valid ID numbers (missing where the number is not valid)."""
    good = number.where(valid.to_numpy(dtype=bool))
    birth, gender, province = by_unique(good, _person_of_text)
    birth = birth.astype(DATE_DTYPE)
    years = at.dt.year - birth.dt.year
    before_birthday = (at.dt.month < birth.dt.month) | (
        (at.dt.month == birth.dt.month) & (at.dt.day < birth.dt.day)
    )
    age = (years - before_birthday.astype("Int64")).astype("Int64")
    return pd.DataFrame(
        {
            "birth_date": birth,
            "age": age,
            "gender": gender.astype("str"),
            "origin_province": province.astype("str"),
        }
    )
