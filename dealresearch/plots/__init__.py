"""Charts: seaborn-style ``fn(data, *, ..., ax=None) -> Axes`` with Chinese labels.

``setup()`` applies the report theme and a CJK font; domain charts live in submodules
(``plots.profile``, ``plots.satisfaction``, ``plots.sales``, ``plots.segments``,
``plots.survey_plan``).
"""

from .base import PALETTE, bar_shares, cjk_font, format_axis_money, new_ax, plain_text, setup

__all__ = ["PALETTE", "bar_shares", "cjk_font", "format_axis_money", "new_ax", "plain_text", "setup"]
