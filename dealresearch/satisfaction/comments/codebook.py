"""The theme codebook: which words name which theme (TOML, shipped default + analyst overrides).

A codebook file has ``[themes."名称"]`` tables with ``keywords``, ``synonyms`` (typos,
homophones, colloquial forms) and ``exclude`` (words that, in the same clause, cancel the
theme). ``extend = true`` at the top level merges the file into the default codebook:
same-named themes are replaced, ``drop = true`` removes one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ...errors import InputFileError, ParameterError

#: the twelve themes of the default codebook, in display order
THEMES = ("交付", "工程质量", "物业服务", "配套", "价格", "置业顾问", "手续办证", "车位", "环境景观",
          "售后维修", "户型设计", "沟通响应")
_FIELDS = {"keywords", "synonyms", "exclude", "drop"}
_RESERVED = {"sentiment", "themes"}  # the result columns of comments.code


@dataclass(frozen=True)
class Theme:
    name: str
    words: frozenset[str]  # keywords and synonyms, normalised
    exclude: frozenset[str]


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Theme, ...]
    source: str

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.themes]

    @property
    def all_words(self) -> frozenset[str]:
        out: set[str] = set()
        for t in self.themes:
            out |= t.words | t.exclude
        return frozenset(out)


def _norm(word: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", str(word)).strip().lower()


def _words(where: str, name: str, spec: Mapping, key: str) -> frozenset[str]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ParameterError(f"主题词表 {where} 中主题“{name}”的 {key} 必须是文字列表。")
    return frozenset(w for w in (_norm(v) for v in value) if w)


def _parse(data: Mapping, where: str, base: dict[str, Theme] | None = None) -> dict[str, Theme]:
    themes = data.get("themes")
    if not isinstance(themes, Mapping) or not themes:
        raise ParameterError(f"主题词表 {where} 中没有任何 [themes.\"名称\"] 表。")
    out = dict(base or {})
    for name, spec in themes.items():
        if not isinstance(spec, Mapping):
            raise ParameterError(f"主题词表 {where} 中主题“{name}”必须是一个表。")
        unknown = set(spec) - _FIELDS
        if unknown:
            raise ParameterError(
                f"主题词表 {where} 中主题“{name}”有未知的项：{'、'.join(sorted(unknown))}"
                f"（只能是 keywords / synonyms / exclude / drop）。"
            )
        if name in _RESERVED:
            raise ParameterError(f"主题词表 {where} 中的主题名“{name}”与结果列重名，请换一个名称。")
        if spec.get("drop"):
            out.pop(name, None)
            continue
        words = _words(where, name, spec, "keywords") | _words(where, name, spec, "synonyms")
        if not words:
            raise ParameterError(f"主题词表 {where} 中主题“{name}”没有任何关键词。")
        out[name] = Theme(name, words, _words(where, name, spec, "exclude"))
    if not out:
        raise ParameterError(f"主题词表 {where} 删除了全部主题。")
    return out


@lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    text = resources.files(__package__).joinpath("codebook.toml").read_text(encoding="utf-8")
    themes = _parse(tomllib.loads(text), "codebook.toml（默认）")
    return Codebook(tuple(themes.values()), "default")


def load_codebook(source=None) -> Codebook:
    """None → the default; a Codebook → itself; a mapping (parsed TOML) or a path to a
    TOML file → that codebook (merged into the default when it says ``extend = true``)."""
    if source is None:
        return default_codebook()
    if isinstance(source, Codebook):
        return source
    if isinstance(source, Mapping):
        data, where = source, "（参数）"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputFileError(f"找不到主题词表文件 {path}。") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(f"主题词表文件 {path} 不是有效的 TOML（UTF-8）：{exc}") from exc
        where = str(path)
    else:
        raise ParameterError(f"codebook 只能是 None、文件路径、字典或 Codebook，收到 {type(source).__name__}。")
    base = {t.name: t for t in default_codebook().themes} if data.get("extend") else None
    themes = _parse(data, where, base)
    return Codebook(tuple(themes.values()), where)
