"""Resident identity numbers (GB 11643-1999): validation, 15→18 conversion, derived fields.

All functions are vectorised: the check digit is computed with a numpy matrix product
over the 17 leading digits of every distinct number at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .normalise import DATE_DTYPE, arrow_text, by_unique, byte_matrix, matrix_strings, take_text, ymd

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
CHECK_BYTES = np.frombuffer(b"10X98765432", dtype=np.uint8)


def check_digit(first17: pd.Series) -> pd.Series:
    """GB 11643 check character for Series of 17-digit strings (all digits, no NA)."""
    if len(first17) == 0:
        return pd.Series([], dtype="str", index=first17.index)
    buf = np.frombuffer("".join(first17.tolist()).encode("ascii"), dtype=np.uint8)
    digits = buf.reshape(-1, 17).astype(np.int64) - 48
    return pd.Series(CHECK_CHARS[(digits @ WEIGHTS) % 11], index=first17.index, dtype="str")


_PROVINCE_OK = np.zeros(100, dtype=bool)
_PROVINCE_OK[[int(k) for k in PROVINCES]] = True
_BIRTH_RANGE = (np.datetime64("1900-01-01", "ns"), np.datetime64("2030-12-31", "ns"))


def _check_chars(digits17: np.ndarray) -> np.ndarray:
    sums = digits17.astype(np.float32) @ WEIGHTS.astype(np.float32)  # exact: small integers
    return CHECK_BYTES[sums.astype(np.int64) % 11]


def _ids_of_text(u: pd.Series):
    """Distinct cleaned cells → (number, valid, wrong_check, garbage); the digits are
    checked on a byte matrix (one row per candidate number)."""
    n = len(u)
    arr = pa.array(u.array, type=pa.large_string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    s = pc.utf8_upper(pc.replace_substring(arr, " ", ""))
    length = pc.binary_length(s).to_numpy(zero_copy_only=False)
    length = np.where(pd.isna(length), 0, length).astype(np.int64) if n else np.zeros(0, np.int64)
    is18, is15, valid = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    births = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    genders, provinces = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    full15 = np.zeros((0, 18), np.uint8)
    for width in (18, 15):
        pos = np.flatnonzero(length == width)
        m = byte_matrix(s.take(pa.array(pos)), width) - 48
        digits = m[:, :17] if width == 18 else m
        ok = (digits <= 9).all(axis=1)  # bytes below '0' wrap around to >= 208
        if width == 18:
            ok &= (m[:, 17] <= 9) | (m[:, 17] == ord("X") - 48)
            body = digits
        else:
            body = np.concatenate([m[:, :6], np.full((len(m), 2), (1, 9), np.uint8), m[:, 6:15]], axis=1)
        pos, body, m = pos[ok], body[ok], m[ok]
        (is18 if width == 18 else is15)[pos] = True
        check = _check_chars(body)
        d = {i: body[:, i].astype(np.int64) for i in range(14)}
        year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9]
        birth = ymd(year, d[10] * 10 + d[11], d[12] * 10 + d[13])
        good = (birth >= _BIRTH_RANGE[0]) & (birth <= _BIRTH_RANGE[1])
        good &= _PROVINCE_OK[d[0] * 10 + d[1]]
        if width == 18:
            good &= m[:, 17] + 48 == check
        else:
            full15 = np.concatenate([body + 48, check[:, None]], axis=1)[good]
            pos15 = pos[good]
        valid[pos[good]] = True
        births[pos[good]] = birth[good]
        genders[pos[good]] = body[good][:, 16].astype(np.int64) % 2  # odd: male
        provinces[pos[good]] = (d[0] * 10 + d[1])[good]
    number = s.cast(pa.string())  # as given (upper-cased, no spaces)
    if len(full15):  # legacy 15-digit numbers: converted
        number = pc.replace_with_mask(number, _mask(n, pos15), matrix_strings(full15).cast(pa.string()))
    wrong = (is18 | is15) & ~valid
    garbage = u.notna().to_numpy() & ~(is18 | is15)
    number = pd.Series(pd.arrays.ArrowStringArray(number.cast(pa.large_string())), index=u.index, dtype="str")
    return (
        number.where(valid | wrong),
        pd.Series(valid, index=u.index),
        wrong,
        garbage,
        pd.Series(births, index=u.index),
        take_text(_GENDERS, genders, u.index),
        take_text(_PROVINCE_NAMES, provinces, u.index),
    )


def _mask(n: int, positions: np.ndarray) -> pa.Array:
    out = np.zeros(n, dtype=bool)
    out[positions] = True
    return pa.array(out)


def id_numbers(raw: pd.Series, person: bool = False) -> tuple:
    """Normalise ID numbers. Returns ``(number, valid, wrong_check, invalid)``:
    ``number`` is the 18-character ID (15-digit legacy IDs converted, lower-case x
    upper-cased); for a well-formed number with a wrong check digit it is the number as
    given (flagged by ``wrong_check``); text that is no ID at all is ``invalid``.
    ``person=True`` adds a 5th item, what ``derive`` gives without the age: birth_date,
    gender, origin_province (computed in the same pass over the distinct numbers)."""
    number, valid, wrong, garbage, birth, gender, province = by_unique(raw, _ids_of_text, categorical=(5, 6))
    out = (number.astype("str"), valid.fillna(False).astype(bool), wrong.astype(bool), garbage.astype(bool))
    if not person:
        return out
    fields = pd.DataFrame(
        {"birth_date": birth.astype(DATE_DTYPE), "gender": gender, "origin_province": province}
    )
    return (*out, fields)


_PROVINCE_NAMES = pa.array([PROVINCES.get(f"{i:02d}") for i in range(100)], pa.string())
_GENDERS = pa.array(["女", "男"], pa.string())


def _person_of_text(u: pd.Series):
    """Valid 18-character numbers → birth date, gender, province (byte matrix, no loop)."""
    n = len(u)
    has = u.notna().to_numpy()
    pos = np.flatnonzero(has)
    m = byte_matrix(arrow_text(u.array[has]), 18) - 48
    m = {i: m[:, i].astype(np.int64) for i in (0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 16)}  # digits used
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    birth[pos] = ymd(m[6] * 1000 + m[7] * 100 + m[8] * 10 + m[9], m[10] * 10 + m[11], m[12] * 10 + m[13])
    gender = np.full(n, -1, dtype=np.int64)
    gender[pos] = m[16] % 2  # odd: male
    province = np.full(n, -1, dtype=np.int64)
    province[pos] = m[0] * 10 + m[1]
    return (
        pd.Series(birth, index=u.index),
        take_text(_GENDERS, gender, u.index),
        take_text(_PROVINCE_NAMES, province, u.index),
    )


def derive(number: pd.Series, valid: pd.Series, at: pd.Series) -> pd.DataFrame:
    """Birth date, age at ``at`` (completed years), gender, province of origin from
    valid ID numbers (missing where the number is not valid). Gender and province are
    Categoricals."""
    good = number.where(valid.to_numpy(dtype=bool))
    birth, gender, province = by_unique(good, _person_of_text, categorical=(1, 2))
    birth = birth.astype(DATE_DTYPE)
    return pd.DataFrame(
        {"birth_date": birth, "age": age_at(birth, at), "gender": gender, "origin_province": province}
    )


def age_at(birth: pd.Series, at: pd.Series) -> pd.Series:
    """Completed years between ``birth`` and ``at`` (Int64; missing if either is)."""
    b, a = birth.to_numpy(DATE_DTYPE), at.to_numpy(DATE_DTYPE)
    by, ay = b.astype("datetime64[Y]"), a.astype("datetime64[Y]")
    years = (ay.astype(np.int64) - by.astype(np.int64)).astype(np.int64)
    # day of year measured from each date's own month: (month, day) compared, leap-safe
    bm, am = b.astype("datetime64[M]"), a.astype("datetime64[M]")
    b_md = (bm - by).astype(np.int64) * 32 + (b.astype("datetime64[D]") - bm).astype(np.int64)
    a_md = (am - ay).astype(np.int64) * 32 + (a.astype("datetime64[D]") - am).astype(np.int64)
    years -= a_md < b_md
    missing = np.isnat(b) | np.isnat(a)
    return pd.Series(pd.arrays.IntegerArray(years, missing), index=birth.index)
