"""The sentiment lexicon shipped with the package (lexicon.toml): polar words with a
strength, negations, degree adverbs, contrast and hedge words."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    polarity: dict[str, float]  # word → signed strength
    negation: frozenset[str]
    degree: dict[str, float]
    contrast: frozenset[str]
    hedge: frozenset[str]
    aspect: dict[str, float]  # +1: more is better (性价比), −1: more is worse (公摊)
    direction: dict[str, float]  # +1: 高/大/多, −1: 低/小/少
    neutral: frozenset[str]  # words kept whole that carry no sentiment (垃圾分类)

    @property
    def all_words(self) -> frozenset[str]:
        return (frozenset(self.polarity) | self.negation | frozenset(self.degree) | self.contrast | self.hedge
                | frozenset(self.aspect) | frozenset(self.direction) | self.neutral)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads(resources.files(__package__).joinpath("lexicon.toml").read_text(encoding="utf-8"))
    polarity: dict[str, float] = {}
    for sign, key in ((1.0, "positive"), (-1.0, "negative")):
        for strength, words in data[key].items():
            polarity.update({w.lower(): sign * float(strength) for w in words})
    a = data["aspect"]
    degree = {w: float(k) for k, words in data["degree"].items() for w in words}
    return Lexicon(
        polarity,
        frozenset(data["negation"]["words"]),
        degree,
        frozenset(data["contrast"]["words"]),
        frozenset(data["hedge"]["words"]),
        {w: 1.0 for w in a["high_good"]} | {w: -1.0 for w in a["high_bad"]},
        {w: 1.0 for w in a["high"]} | {w: -1.0 for w in a["low"]},
        frozenset(data["neutral"]["words"]),
    )
