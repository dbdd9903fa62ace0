"""Report templates: notebooks carrying ``metadata.dealresearch`` {title, scope, order}."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError

SCOPES = ("group", "project", "both")


@dataclass(frozen=True)
class Template:
    """One report template notebook."""

    name: str  # file stem, used in output names and --only
    path: Path
    title: str  # Chinese title from the notebook metadata
    scope: str  # "group" | "project" | "both"
    order: int

    @property
    def runs_group(self) -> bool:
        return self.scope in ("group", "both")

    @property
    def runs_per_project(self) -> bool:
        return self.scope in ("project", "both")


def read_template(path: Path) -> Template | None:
    """The template described by a notebook, or None when it is not a report template
    (e.g. the analysts' exploration starter has no ``dealresearch`` metadata)."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"报告模板“{path.name}”无法读取（不是有效的 .ipynb 文件）：{exc}") from exc
    info = meta.get("dealresearch")
    if not isinstance(info, dict):
        return None
    scope = info.get("scope", "group")
    if scope not in SCOPES:
        raise ReportError(
            f"报告模板“{path.name}”的 metadata.dealresearch.scope 为“{scope}”，应为 group、project 或 both。"
        )
    try:
        order = int(info.get("order", 999))
    except (TypeError, ValueError):
        order = 999
    return Template(
        name=path.stem,
        path=path,
        title=str(info.get("title") or path.stem),
        scope=scope,
        order=order,
    )


def find_templates(notebooks_dir: Path) -> list[Template]:
    """Every report template in ``notebooks_dir``, sorted by (order, name)."""
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise ReportError(f"报告模板目录不存在：{folder}")
    found = [t for p in sorted(folder.glob("*.ipynb")) if (t := read_template(p)) is not None]
    return sorted(found, key=lambda t: (t.order, t.name))
