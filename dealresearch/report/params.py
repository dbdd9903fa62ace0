"""Parameter validation before any notebook runs.

Papermill injects parameters as Python literals (strings escaped with ``unicode_escape`` and
quotes backslashed), so a value such as ``"; __import__('os').system('…')`` stays a string.
We still refuse anything that is not a plain literal type, names the notebook does not declare,
and malformed periods, with Chinese messages.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..errors import ParameterError
from ..periods import parse_period
from .catalog import Template

#: parameters every report template declares in its ``parameters`` cell
REQUIRED = ("period", "project", "data_dir")
_SCALARS = (str, int, float, bool, type(None))


def declared_parameters(notebook: Path) -> dict[str, str]:
    """Names declared in the notebook's ``parameters`` cell → their default's source text.

    Parsed with :mod:`ast` (papermill's line-based inspector gives up on comments holding "=")."""
    import nbformat

    path = Path(notebook)
    book = nbformat.read(path, as_version=4)
    cell = next((c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise ParameterError(f"报告模板“{path.name}”没有带 parameters 标签的参数单元格，无法传入参数。")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise ParameterError(
            f"报告模板“{path.name}”的参数单元格第 {exc.lineno} 行有语法错误：{exc.msg}"
        ) from exc
    declared: dict[str, str] = {}
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and node.value is not None:
                declared[target.id] = ast.get_source_segment(cell.source, node.value) or ""
    if not declared:
        raise ParameterError(f"报告模板“{path.name}”的参数单元格没有声明任何参数。")
    return declared


def _check_value(name: str, value: object, where: str) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(name, item, where)
        return
    if not isinstance(value, _SCALARS):
        raise ParameterError(
            f"{where}参数“{name}”的值类型为 {type(value).__name__}，只接受文本、数字、布尔值或空值。"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"{where}参数“{name}”的值 {value} 不是有限数字。")
    if isinstance(value, str) and "\x00" in value:
        raise ParameterError(f"{where}参数“{name}”含有不可见的空字符。")


def validate(template: Template, params: Mapping[str, object]) -> dict[str, object]:
    """Validated copy of ``params`` for ``template`` (period canonicalised, e.g. "2026q3" → "2026Q3").

    Raises ParameterError for an unknown parameter, a missing required one, a malformed
    period or a value that is not a plain literal."""
    where = f"报告“{template.title}”（{template.path.name}）的"
    declared = declared_parameters(template.path)
    missing = [n for n in REQUIRED if n not in declared]
    if missing:
        raise ParameterError(f"{where}参数单元格缺少：{'、'.join(missing)}（模板约定必须声明）。")
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise ParameterError(
            f"{where}未知参数：{'、'.join(unknown)}；该模板可用参数：{'、'.join(declared)}。"
        )
    out = dict(params)
    for name, value in out.items():
        _check_value(name, value, where)
    if "period" in out:
        out["period"] = parse_period(str(out["period"])).label
    project = out.get("project")
    if project is not None and (not isinstance(project, str) or not project.strip()):
        raise ParameterError(f"{where}参数“project”应为项目名称文本或空值（全集团）。")
    return out


def select_templates(templates: Sequence[Template], only: Iterable[str] | None) -> list[Template]:
    """Templates named in ``only`` (by file name stem or Chinese title); all when None."""
    if only is None:
        return list(templates)
    wanted = [str(w).strip() for w in ([only] if isinstance(only, str) else only) if str(w).strip()]
    by_key = {t.name: t for t in templates} | {t.title: t for t in templates}
    unknown = [w for w in wanted if w not in by_key and w.removesuffix(".ipynb") not in by_key]
    if unknown:
        choices = "、".join(f"{t.name}（{t.title}）" for t in templates) or "（无）"
        raise ParameterError(f"找不到报告模板：{'、'.join(unknown)}；可选：{choices}。")
    chosen = {by_key.get(w, by_key.get(w.removesuffix(".ipynb"))).name for w in wanted}
    return [t for t in templates if t.name in chosen]


def check_projects(given: Iterable[str] | None, available: Sequence[str] | None) -> list[str]:
    """The projects to run per-project reports for: ``given`` (checked against the data when
    the data names its projects) or every project in the data."""
    if given is None:
        return list(available or [])
    wanted = [given] if isinstance(given, str) else list(given)
    clean = []
    for p in wanted:
        if not isinstance(p, str) or not p.strip():
            raise ParameterError(f"项目名称“{p}”无效：应为非空文本。")
        if p not in clean:
            clean.append(p)
    if available:
        unknown = [p for p in clean if p not in available]
        if unknown:
            raise ParameterError(f"数据中没有项目：{'、'.join(unknown)}；可选项目：{'、'.join(available)}。")
    return clean


def injected_source(params: Mapping[str, object]) -> str:
    """The exact code papermill injects for ``params`` (used by tests and the manifest)."""
    from papermill.translators import PythonTranslator

    return PythonTranslator.codify(dict(params))
