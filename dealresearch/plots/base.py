"""One seaborn theme and a CJK font for every chart; nothing happens until ``setup()``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

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


#: the page policy every chart is drawn for: figures are shown at the page's content width,
#: and the narrowest page is a phone 390 px wide (report.css pads the content 12 px each side)
PHONE_CONTENT_PX = 390 - 2 * 12
#: the smallest text a reader has to read on that phone, in CSS px
MIN_PHONE_TEXT_PX = 9.0
#: every figure is this wide (inches); heights are the chart's own
FIG_WIDTH = 6.0
#: pixels per inch of the embedded PNG: 840 px wide, crisp at its natural size on a desktop page
FIG_DPI = 140
#: font sizes (points): at FIG_WIDTH the smallest, TEXT_PT, is >= MIN_PHONE_TEXT_PX on the phone
TEXT_PT = 11.0
LABEL_PT = 12.0
TITLE_PT = 13.0
#: height (inches) one bar row needs so tick and value labels of TEXT_PT never touch
ROW_HEIGHT = 0.36


def phone_px(points: float, fig_width_in: float = FIG_WIDTH) -> float:
    """CSS px on the phone of text ``points`` high in a figure ``fig_width_in`` wide shown at
    the phone's content width."""
    return points / 72 * PHONE_CONTENT_PX / fig_width_in


def bar_figsize(rows: int, *, extra: float = 1.3, minimum: float = 2.4) -> tuple[float, float]:
    """Figure size of a horizontal bar chart of ``rows`` bars: each row ROW_HEIGHT high."""
    return (FIG_WIDTH, max(minimum, extra + ROW_HEIGHT * max(int(rows), 1)))


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
    mpl.rcParams["figure.dpi"] = FIG_DPI
    mpl.rcParams["savefig.dpi"] = FIG_DPI
    mpl.rcParams["figure.figsize"] = (FIG_WIDTH, 3.8)
    mpl.rcParams["axes.titleweight"] = "bold"
    mpl.rcParams.update({
        "font.size": TEXT_PT, "axes.labelsize": LABEL_PT, "axes.titlesize": TITLE_PT,
        "figure.titlesize": TITLE_PT, "xtick.labelsize": TEXT_PT, "ytick.labelsize": TEXT_PT,
        "legend.fontsize": TEXT_PT, "legend.title_fontsize": TEXT_PT,
    })
    return font


def plain_text(text) -> str:
    """``text`` as matplotlib should show it: "$" escaped when mathtext parsing is on (before
    ``setup()``), unchanged after it (``setup`` turns mathtext off for every text). The one
    helper plot modules pass data-derived titles and labels through."""
    import matplotlib as mpl

    s = "" if text is None else str(text)
    return s.replace("$", r"\$") if mpl.rcParams.get("text.parse_math", True) else s


def new_ax(figsize: tuple[float, float] | None = None):
    """A fresh Axes on a new figure, themed. Every figure is FIG_WIDTH wide (the page policy:
    charts are shown at the page width); ``figsize`` gives the height (its width is ignored)."""
    import matplotlib.pyplot as plt

    if "font" not in _STATE:
        setup()
    plt.rcParams["text.parse_math"] = False  # also when only cjk_font() ran before
    height = figsize[1] if figsize is not None else plt.rcParams["figure.figsize"][1]
    _, ax = plt.subplots(figsize=(FIG_WIDTH, height))
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
    ax = ax or new_ax(bar_figsize(len(shares)) if horizontal else None)
    s = shares.sort_values(ascending=horizontal)
    names, values = [plain_text(v) for v in s.index], s.to_numpy() * 100
    if horizontal:
        ax.barh(names, values, color=color)
        ax.set_xlabel("占比（%）")
    else:
        ax.bar(names, values, color=color)
        ax.set_ylabel("占比（%）")
    ax.set_title(plain_text(title))
    label_bars(ax, range(len(values)), values, [f"{v:.1f}%" for v in values], horizontal=horizontal)
    return ax


# --- text layout: value labels that fit, point labels that never overlap ------------------------

def _renderer(fig):
    return fig.canvas.get_renderer()


def _visible_texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.figure is not None]


def _extent(text, renderer):
    return text.get_window_extent(renderer)


def _intersect(a, b, tol: float = 0.5) -> bool:
    """Boxes overlap by more than ``tol`` px both ways (touching is not overlapping)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def overlapping_texts(fig) -> list[tuple[str, str]]:
    """Pairs of drawn texts of ``fig`` (titles, ticks, labels, legends, annotations) whose
    bounding boxes intersect: empty on a legible chart. For tests of every chart module."""
    renderer = _renderer(fig)
    fig.draw(renderer)
    texts = _visible_texts(fig)
    boxes = [_extent(t, renderer) for t in texts]
    return [(texts[i].get_text(), texts[j].get_text())
            for i in range(len(texts)) for j in range(i + 1, len(texts)) if _intersect(boxes[i], boxes[j])]


def smallest_phone_text_px(fig) -> float:
    """Height in CSS px, on a phone 390 px wide, of the smallest text drawn on ``fig`` once it
    is shown at the page width (the tight bounding box, as the notebook embeds it)."""
    renderer = _renderer(fig)
    fig.draw(renderer)
    width_in = fig.get_tightbbox(renderer).width
    sizes = [t.get_fontsize() for t in _visible_texts(fig)]
    return phone_px(min(sizes), width_in) if sizes else float("inf")


def label_bars(ax, positions, values, texts, *, horizontal: bool = True, fontsize: float = TEXT_PT,
               color: str = "#1f2933") -> list:
    """Value labels just past the end of each bar (``positions`` are the bar centres); the value
    axis is widened so that every label stays inside the axes, also after ``tight_layout``."""
    artists = []
    for pos, value, label in zip(positions, values, texts, strict=True):
        neg = float(value) < 0
        if horizontal:
            align = {"ha": "right" if neg else "left", "va": "center"}
            artists.append(ax.text(value, pos, f"{label} " if neg else f" {label}", fontsize=fontsize,
                                   color=color, **align))
        else:
            align = {"ha": "center", "va": "top" if neg else "bottom"}
            artists.append(ax.text(pos, value, label, fontsize=fontsize, color=color, **align))
    for _ in range(3):  # layout and limits depend on each other: settle in a few rounds
        ax.figure.tight_layout()
        _fit_into_axes(ax, artists, values, horizontal)
    return artists


def _fit_into_axes(ax, artists, values, horizontal: bool, pad: float = 4.0) -> None:
    """Widen the value-axis limits until every label in ``artists`` lies inside the axes."""
    renderer = _renderer(ax.figure)
    box = ax.get_window_extent(renderer)
    span = box.width if horizontal else box.height
    lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
    new_lo, new_hi = lo, hi
    for text, value in zip(artists, values, strict=True):
        size = _extent(text, renderer)
        need = (size.width if horizontal else size.height) + pad
        if need >= span * 0.9:
            continue  # a label wider than the axes cannot be fitted by limits
        if float(value) >= 0:  # value + need px <= hi  <=>  hi >= lo + (value - lo) * span / (span - need)
            new_hi = max(new_hi, lo + (float(value) - lo) * span / (span - need))
        else:
            new_lo = min(new_lo, hi - (hi - float(value)) * span / (span - need))
    (ax.set_xlim if horizontal else ax.set_ylim)(new_lo, new_hi)


def place_labels(ax, xs, ys, texts, *, fontsize: float = TEXT_PT, color: str = "#1f2933",
                 offset: Sequence[float] | None = None, line_color: str = "#9aa5b1") -> list:
    """Label points (``xs``, ``ys`` in data coordinates) so that no two labels — nor a label and
    another text already on the axes (quadrant names, notes) — overlap, all inside the axes.

    adjustText finds a natural place near each point; a final deterministic pass moves any
    label still touching another to the nearest free slot, so the result cannot collide.
    Labels away from their point get a thin leader line. Set the axes limits, title and axis
    labels before calling (the layout is computed for the final axes geometry)."""
    import numpy as np
    from adjustText import adjust_text

    fixed = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
    ax.figure.tight_layout()
    points = np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)])
    lifts = np.asarray(list(offset) if offset is not None else [0.0] * len(points), dtype=float)
    nudge = np.column_stack([np.full(len(points), 6.0), 4.0 + lifts]) * ax.figure.dpi / 72  # points → px
    starts = ax.transData.inverted().transform(ax.transData.transform(points) + nudge) if len(points) else points
    artists = [ax.text(sx, sy, plain_text(t), fontsize=fontsize, color=color, ha="left", va="bottom")
               for (sx, sy), t in zip(starts, texts, strict=True)]
    if len(artists) > 1:
        adjust_text(artists, x=points[:, 0], y=points[:, 1], objects=fixed or None, ax=ax,
                    expand=(1.15, 1.35), ensure_inside_axes=True, time_lim=1.0)
    _separate(ax, artists, fixed, points)
    _leader_lines(ax, artists, points, line_color)
    return artists


def _free(box, taken, inside) -> bool:
    return (box.x0 >= inside.x0 and box.x1 <= inside.x1 and box.y0 >= inside.y0 and box.y1 <= inside.y1
            and not any(_intersect(box, other) for other in taken))


def _separate(ax, artists, fixed, points, marker_px: float = 6.0) -> None:
    """Move every label that still overlaps a placed label, a fixed text or a marker to the
    nearest free slot (up/down in half-line steps, right or left of its spot) inside the axes.
    Labels are placed one by one against the already placed ones, so none can overlap."""
    from matplotlib.transforms import Bbox

    renderer = _renderer(ax.figure)
    inside = ax.get_window_extent(renderer)
    disp = ax.transData.transform(points) if len(points) else points
    markers = [Bbox.from_extents(px - marker_px, py - marker_px, px + marker_px, py + marker_px) for px, py in disp]
    taken = [_extent(t, renderer) for t in fixed] + markers
    to_data = ax.transData.inverted()
    for text in artists:
        box = _extent(text, renderer)
        step = max(box.height / 2, 1.0)
        shifts = [(0.0, 0.0)] + [(dx, sign * k * step) for k in range(1, 80) for sign in (1, -1)
                                 for dx in (0.0, -(box.width + 2 * marker_px))]
        moved = [Bbox.from_extents(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy) for dx, dy in shifts]
        pick = next((i for i, cand in enumerate(moved) if _free(cand, taken, inside)), None)
        if pick is None:  # no free slot inside the axes: the nearest one above that touches nothing
            dx, dy = 0.0, next(k * step for k in range(1, 10_000) if not any(
                _intersect(Bbox.from_extents(box.x0, box.y0 + k * step, box.x1, box.y1 + k * step), o)
                for o in taken))
        else:
            dx, dy = shifts[pick]
        if dx or dy:
            anchor = ax.transData.transform(text.get_position())
            text.set_position(to_data.transform((anchor[0] + dx, anchor[1] + dy)))
            text.set_clip_on(False)
        taken.append(_extent(text, renderer))


def _leader_lines(ax, artists, points, color: str, min_px: float = 14.0) -> None:
    """A thin line from each point to its label when the label sits away from it."""
    import numpy as np

    renderer = _renderer(ax.figure)
    disp = ax.transData.transform(points) if len(points) else points
    to_data = ax.transData.inverted()
    for text, (px, py) in zip(artists, disp, strict=True):
        box = _extent(text, renderer)
        nearest = np.array([min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)])
        if np.hypot(*(nearest - (px, py))) < min_px:
            continue
        (x0, y0), (x1, y1) = to_data.transform([(px, py), nearest])
        ax.plot([x0, x1], [y0, y1], color=color, lw=0.7, zorder=1, scalex=False, scaley=False)
