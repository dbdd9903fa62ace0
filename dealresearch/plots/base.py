"""One seaborn theme and a CJK font for every chart; nothing happens until ``setup()``."""

from __future__ import annotations

import warnings

#: font names tried in order: Linux (Noto / WenQuanYi), macOS, Windows
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Microsoft YaHei", "SimHei", "SimSun", "Arial Unicode MS",
)
#: one palette for every report (categorical, colour-blind friendly)
PALETTE = "deep"
MAIN_COLOR = "#2a6f97"
ACCENT_COLOR = "#d1495b"

_STATE: dict[str, str | None] = {}


def cjk_font() -> str | None:
    """Name of the first installed CJK font, or None (cached)."""
    if "font" not in _STATE:
        from matplotlib import font_manager

        installed = {f.name for f in font_manager.fontManager.ttflist}
        _STATE["font"] = next((name for name in CJK_FONTS if name in installed), None)
    return _STATE["font"]


def setup() -> str | None:
    """Apply the report theme and a CJK font; warn clearly if none is installed.

    Returns the font name used. Safe to call repeatedly.
    """
    import matplotlib as mpl
    import seaborn as sns

    font = cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    if font is None:
        warnings.warn(
            "未找到中文字体，图表中的中文会显示为方框。Linux 请安装 fonts-noto-cjk"
            "（sudo apt-get install fonts-noto-cjk，或运行 make fonts）；"
            "macOS/Windows 自带 PingFang SC / Microsoft YaHei。",
            stacklevel=2,
        )
    else:
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["font.sans-serif"] = [font, *mpl.rcParams["font.sans-serif"]]
    mpl.rcParams["axes.unicode_minus"] = False
    # data text (project names, comments, categories) is shown as typed: a "$…$" pair in it
    # must not be parsed as mathtext (which fails on most such text and stops the report)
    mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["figure.dpi"] = 110
    mpl.rcParams["savefig.dpi"] = 110
    mpl.rcParams["figure.figsize"] = (7.5, 4.0)
    mpl.rcParams["axes.titleweight"] = "bold"
    return font


def plain_text(text) -> str:
    """``text`` as matplotlib should show it: "$" escaped when mathtext parsing is on (before
    ``setup()``), unchanged after it (``setup`` turns mathtext off for every text). The one
    helper plot modules pass data-derived titles and labels through."""
    import matplotlib as mpl

    s = "" if text is None else str(text)
    return s.replace("$", r"\$") if mpl.rcParams.get("text.parse_math", True) else s


def new_ax(figsize: tuple[float, float] | None = None):
    """A fresh Axes on a new figure, themed."""
    import matplotlib.pyplot as plt

    if "font" not in _STATE:
        setup()
    plt.rcParams["text.parse_math"] = False  # also when only cjk_font() ran before
    _, ax = plt.subplots(figsize=figsize)
    return ax


def format_axis_money(ax, axis: str = "y", unit: str = "万元"):
    """Label an axis holding amounts in 元 as 万元 (or 亿元)."""
    from matplotlib.ticker import FuncFormatter

    div = {"万元": 1e4, "亿元": 1e8, "元": 1.0}[unit]
    fmt = FuncFormatter(lambda v, _: f"{v / div:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax


def bar_shares(shares, *, title: str = "", ax=None, color: str = MAIN_COLOR, horizontal: bool = True):
    """Bar chart of a Series of shares (0–1) indexed by category, labelled in %."""
    ax = ax or new_ax()
    s = shares.sort_values(ascending=horizontal)
    if horizontal:
        ax.barh([plain_text(v) for v in s.index], s.to_numpy() * 100, color=color)
        ax.set_xlabel("占比（%）")
        for y, v in enumerate(s.to_numpy() * 100):
            ax.text(v, y, f" {v:.1f}%", va="center", fontsize=9)
    else:
        ax.bar([plain_text(v) for v in s.index], s.to_numpy() * 100, color=color)
        ax.set_ylabel("占比（%）")
    ax.set_title(plain_text(title))
    return ax
