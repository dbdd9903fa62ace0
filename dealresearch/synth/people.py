"""Synthetic people: names, resident ID numbers with valid check digits, phones."""

from __future__ import annotations

import numpy as np
import pandas as pd

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玲辉鹏飞云峰宇浩凯晨旭宁欣怡婷雪琳瑶晶燕丹梅蕾倩颖佳嘉俊博文思雨萱涵睿泽轩")
#: 6-digit administrative codes → province (the first two digits decide the province)
AREA_CODES = {
    "330106": "浙江", "330108": "浙江", "330203": "浙江", "330302": "浙江", "330602": "浙江",
    "310104": "上海", "310115": "上海", "320102": "江苏", "320505": "江苏", "340102": "安徽",
    "360102": "江西", "410102": "河南", "420102": "湖北", "510104": "四川", "430102": "湖南",
    "350102": "福建", "370102": "山东", "110105": "北京",
}
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))


def check_digits(first17: pd.Series) -> pd.Series:
    """GB 11643 check digit of each 17-digit string."""
    digits = np.frombuffer("".join(first17).encode(), dtype=np.uint8).reshape(-1, 17) - 48
    return pd.Series(_CHECK[(digits @ _WEIGHTS) % 11], index=first17.index)


def id_numbers(rng: np.random.Generator, birth: pd.Series, male: np.ndarray, local_share: float,
               local_codes: list[str]) -> pd.Series:
    """Valid 18-digit resident IDs: area code, birth date, sequence (odd = male), check."""
    n = len(birth)
    codes = np.array(list(AREA_CODES))
    other = codes[~np.isin(codes, local_codes)]
    area = np.where(rng.random(n) < local_share, rng.choice(local_codes, n), rng.choice(other, n))
    seq = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)
    first17 = pd.Series(area, index=birth.index) + birth.dt.strftime("%Y%m%d") + pd.Series(
        [f"{s:03d}" for s in seq], index=birth.index)
    return first17 + check_digits(first17)


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Three-character names (surname + two given characters)."""
    s = rng.choice(SURNAMES, n)
    g1, g2 = rng.choice(GIVEN, n), rng.choice(GIVEN, n)
    return np.char.add(np.char.add(s, g1), g2)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct 11-digit mobile numbers."""
    prefixes = np.array(["138", "139", "137", "136", "150", "151", "158", "159", "186", "187", "188", "135"])
    body = rng.choice(10**8, size=n, replace=False)
    return np.char.add(rng.choice(prefixes, n), np.char.zfill(body.astype(str), 8))
