"""Limits checked before a file is parsed: a spreadsheet that would inflate past what an
export can be, a CSV field no export has (``config.Limits`` holds the numbers)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .. import config
from ..errors import InputFileError

_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n


def check_excel(path: Path, limits: config.Limits = config.LIMITS) -> None:
    """Refuse an .xlsx/.xlsm whose sheets declare too many cells or inflate too far
    (read from the zip directory and each sheet's first bytes: nothing is decompressed
    beyond them). Other Excel formats (.xls) are left to the reader."""
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as z:
            sheets = [i for i in z.infolist() if i.filename.startswith("xl/") and i.filename.endswith(".xml")]
            inflated = sum(i.file_size for i in sheets)
            packed = max(1, sum(i.compress_size for i in sheets))
            if inflated > limits.xlsx_max_bytes or (
                inflated > limits.xlsx_ratio_floor_bytes and inflated / packed > limits.xlsx_max_ratio
            ):
                raise InputFileError(
                    f"{path.name} 解压后约 {inflated / 2**20:,.0f} MB（压缩比 {inflated / packed:,.0f} 倍），"
                    f"超出导入上限（{limits.xlsx_max_bytes / 2**30:.0f} GB、{limits.xlsx_max_ratio:.0f} 倍），未读取。"
                    "请确认文件是否为正常导出；确需导入时请按项目或期间拆分后分批导入。"
                )
            for info in sheets:
                if not info.filename.startswith("xl/worksheets/"):
                    continue
                with z.open(info) as fh:
                    head = fh.read(4096)
                m = _DIMENSION.search(head)
                if m:
                    cells = _column_number(m.group(1)) * int(m.group(2))
                    if cells > limits.xlsx_max_cells:
                        raise InputFileError(
                            f"{path.name} 的工作表声明了 {int(m.group(2)):,} 行 × {_column_number(m.group(1))} 列，"
                            f"超出导入上限（{limits.xlsx_max_cells:,} 个单元格），未读取。请拆分后分批导入。"
                        )
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"无法打开 Excel 文件：{path.name}（文件已损坏：{exc}）") from exc


def field_too_long(path: Path, limits: config.Limits = config.LIMITS) -> InputFileError:
    return InputFileError(
        f"{path.name} 中有一个字段超过 {limits.csv_max_field_chars:,} 个字符，不像正常的导出数据，未导入。"
        "请检查文件是否损坏（例如缺少引号闭合）。"
    )
