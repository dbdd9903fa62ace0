"""Charts: seaborn-style ``fn(data, *, ..., ax=None) -> Axes`` with Chinese labels.

``setup()`` applies the report theme and a CJK font; domain charts live in submodules
(``plots.profile``, ``plots.satisfaction``, ``plots.sales``, ``plots.segments``,
``plots.survey_plan``). ``plots.base`` holds the page policy every chart follows (figure
width and font sizes legible on a 390 px phone) and the text-layout helpers
(``label_bars``, ``place_labels``; ``overlapping_texts`` and ``smallest_phone_text_px`` for tests).
"""

from .base import (
    FIG_WIDTH,
    MIN_PHONE_TEXT_PX,
    PALETTE,
    TEXT_PT,
    bar_figsize,
    bar_shares,
    cjk_font,
    format_axis_money,
    label_bars,
    new_ax,
    overlapping_texts,
    place_labels,
    plain_text,
    setup,
    smallest_phone_text_px,
)

__all__ = [
    "FIG_WIDTH", "MIN_PHONE_TEXT_PX", "PALETTE", "TEXT_PT", "bar_figsize", "bar_shares", "cjk_font",
    "format_axis_money", "label_bars", "new_ax", "overlapping_texts", "place_labels", "plain_text", "setup",
    "smallest_phone_text_px",
]
