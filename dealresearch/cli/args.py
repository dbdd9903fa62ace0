"""argparse in Chinese: usage, help headings and error messages, and bounded number options.

``ChineseArgumentParser`` is a drop-in ``argparse.ArgumentParser`` (sub-commands inherit
it): a user error prints the usage and one Chinese line, exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable

#: argparse's English messages (Python 3.11–3.13) → Chinese; applied in order
_MESSAGES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"^argument (.+?): ", r"参数 \1："),
        (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
        (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
        (r"invalid choice: (.+?) \(choose from (.+)\)", r"无效的选项 \1（可选：\2）"),
        (r"invalid (\w+) value: (.+)", r"无效的 \1 值：\2"),
        (r"expected one argument", "需要一个值"),
        (r"expected at most one argument", "最多只能给一个值"),
        (r"expected at least one argument", "至少需要一个值"),
        (r"expected (\d+) arguments?", r"需要 \1 个值"),
        (r"ambiguous option: (.+?) could match (.+)", r"选项不明确：\1 可以是 \2"),
        (r"not allowed with argument (.+)", r"不能与参数 \1 同时使用"),
        (r"ignored explicit argument (.+)", r"不接受附加的值 \1"),
        (r"one of the arguments (.+) is required", r"必须给出以下参数之一：\1"),
    )
)


def translate(message: str) -> str:
    """argparse's English error message in Chinese (unknown messages pass through)."""
    for pattern, repl in _MESSAGES:
        message = pattern.sub(repl, message)
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """ArgumentParser with Chinese usage, headings, help and errors (exit code 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="显示帮助信息并退出")

    def format_help(self) -> str:
        return re.sub(r"^(位置参数|选项|命令):$", r"\1：", super().format_help(), flags=re.M)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{translate(message)}\n")


def bounded_int(lo: int, hi: int, what: str) -> Callable[[str], int]:
    """An argparse ``type``: an integer within [lo, hi], else a Chinese error."""

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为整数，收到“{text}”") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what}应在 {lo}–{hi} 之间，收到 {value}")
        return value

    parse.__name__ = "整数"
    return parse


def bounded_float(lo: float, hi: float, what: str, *, open_low: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number within [lo, hi] (``open_low``: above lo)."""

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为数字，收到“{text}”") from None
        low_ok = value > lo if open_low else value >= lo
        if not math.isfinite(value) or not low_ok or value > hi:
            bound = f"大于 {lo:g} 且不超过 {hi:g}" if open_low else f"在 {lo:g}–{hi:g} 之间"
            raise argparse.ArgumentTypeError(f"{what}应{bound}，收到 {text}")
        return value

    parse.__name__ = "数字"
    return parse
