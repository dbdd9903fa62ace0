"""Charts legible on a 390 px phone and free of overlapping text (issue #17 item 6).

Every chart of plots.profile / plots.satisfaction / plots.segments is drawn on planted,
crowded data; the drawn texts' bounding boxes (renderer ``get_window_extent``) must not
intersect and the smallest text must be >= 9 CSS px once the figure is shown 366 px wide.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dealresearch.plots import base  # noqa: E402
from dealresearch.plots import profile as pplots  # noqa: E402
from dealresearch.plots import satisfaction as ps  # noqa: E402
from dealresearch.plots import segments as segplots  # noqa: E402

#: the five drivers that piled up on one spot in the 2026Q3 report, plus three apart
CROWDED = ["响应速度", "价格合理性", "专业能力", "沟通反馈", "投诉处理"]


@pytest.fixture(autouse=True)
def _close_figures():
    base.setup()
    yield
    plt.close("all")


def _crowded_ipa(spread: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    perf = np.r_[71.2 + rng.uniform(-spread, spread, 5), 80.0, 60.0, 75.0]
    imp = np.r_[10.1 + rng.uniform(-spread, spread, 5), 20.0, 5.0, 15.0]
    return pd.DataFrame({
        "performance": perf, "importance": imp,
        "label": [*CROWDED, "服务态度", "物业管理", "交付质量"],
        "quadrant": ["重点改进区"] * 5 + ["优势保持区", "次要改进区", "过度投入区"],
    })


def _boxes(ax, texts):
    renderer = ax.figure.canvas.get_renderer()
    return {t.get_text(): t.get_window_extent(renderer) for t in texts}


def _assert_no_overlap(boxes):
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ba, bb = boxes[a], boxes[b]
            inter_w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
            inter_h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
            assert not (inter_w > 0.5 and inter_h > 0.5), f"{a} overlaps {b}"


def _legible(ax):
    fig = ax.figure
    fig.tight_layout()
    assert base.overlapping_texts(fig) == []
    assert base.smallest_phone_text_px(fig) >= base.MIN_PHONE_TEXT_PX


def test_font_policy_gives_nine_px_on_a_phone():
    assert base.phone_px(base.TEXT_PT) >= 9.0
    assert base.phone_px(base.TEXT_PT, 7.5) < 9.0  # the old 7.5-inch figures were too small
    assert base.new_ax((11, 3)).figure.get_size_inches()[0] == pytest.approx(base.FIG_WIDTH)


@pytest.mark.parametrize("spread", [0.0, 0.05, 0.5])
def test_ipa_labels_never_intersect_on_crowded_points(spread):
    ipa = _crowded_ipa(spread)
    ax = ps.ipa_chart(ipa)
    ax.figure.tight_layout()
    labels = [t for t in ax.texts if t.get_text() in set(ipa["label"])]
    assert sorted(t.get_text() for t in labels) == sorted(ipa["label"])  # each driver labelled once
    quadrants = [t for t in ax.texts if t.get_text().endswith("区")]
    assert len(quadrants) == 4
    boxes = _boxes(ax, labels + quadrants)
    _assert_no_overlap(boxes)
    inside = ax.get_window_extent(ax.figure.canvas.get_renderer())
    for name in ipa["label"]:  # labels stay inside the plot area
        box = boxes[name]
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
    _legible(ax)


def test_place_labels_separates_identical_points_and_avoids_fixed_text():
    ax = base.new_ax((6, 4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    note = ax.text(5, 5, "固定说明文字", ha="left", va="bottom")
    names = [f"标签{i}" for i in range(12)]
    placed = base.place_labels(ax, [5.0] * 12, [5.0] * 12, names)
    assert [t.get_text() for t in placed] == names
    _assert_no_overlap(_boxes(ax, [*placed, note]))


def test_bar_value_labels_fit_inside_the_axes_and_rows_do_not_collide():
    shares = pd.Series(np.linspace(0.02, 0.2, 14), index=[f"很长的类别名称第{i}项" for i in range(14)])
    ax = base.bar_shares(shares, title="十四个类别的占比")
    fig = ax.figure
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    values = [t for t in ax.texts if t.get_text().strip().endswith("%")]
    assert len(values) == 14
    for t in values:
        assert t.get_window_extent(renderer).x1 <= inside.x1 + 0.5  # the largest value label is not cut
    _legible(ax)


def test_driver_group_and_composition_charts_are_legible():
    weights = pd.DataFrame({"pct": np.linspace(2, 30, 9), "label": [f"驱动因素{i}" for i in range(9)]})
    _legible(ps.driver_importance(weights))
    groups = pd.DataFrame({
        "mean": np.linspace(60, 90, 10), "n": np.arange(10) * 7 + 12, "small_n": [True] + [False] * 9,
    }, index=[f"项目{i}" for i in range(10)])
    _legible(ps.group_comparison(groups))
    comp = pd.DataFrame({"detractors": [20.0, 30, 10], "passives": [30.0, 30, 30], "promoters": [50.0, 40, 60]},
                        index=["甲项目", "乙项目", "丙项目"])
    comp["nps"] = comp["promoters"] - comp["detractors"]
    _legible(ps.nps_composition(comp))
    trend = pd.DataFrame({"nps": [30.0, 35, 32, 40], "nps_ci_low": [25.0, 30, 27, 35],
                          "nps_ci_high": [35.0, 40, 37, 45], "small_n": [False, True, False, False]},
                         index=["2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    _legible(ps.metric_trend(trend))


def test_segment_charts_are_legible():
    matrix = pd.DataFrame([[120, 80, 40], [60, 900, 30], [10, 20, 1500]],
                          index=["高价值", "中价值", "低价值"], columns=["高潜力", "中潜力", "低潜力"])
    ax = segplots.value_potential_matrix(matrix)
    cells = [t for t in ax.texts if "\n" in t.get_text()]
    assert len(cells) == 9 and min(t.get_fontsize() for t in cells) >= base.TEXT_PT
    _legible(ax)
    prof = pd.DataFrame({"name": ["高端改善型家庭", "首次置业青年", "投资型客户", "养老型"],
                         "share": [0.4, 0.3, 0.2, 0.1], "n": [400, 300, 200, 100]})
    _legible(segplots.persona_sizes(prof))


def test_profile_charts_are_legible():
    cats = [f"户型类别{i}" for i in range(8)]
    table = pd.DataFrame({"field": "unit_type", "field_label": "户型", "category": cats,
                          "share": np.linspace(0.05, 0.2, 8), "n": 800})
    _legible(pplots.shares(table, field="unit_type"))
    grouped = pd.concat([table.assign(group=g, n=n) for g, n in (("一期", 500), ("二期", 300))])
    _legible(pplots.shares(grouped, field="unit_type"))


def test_overlap_check_sees_overprinted_labels():
    ax = base.new_ax((6, 3))
    ax.text(0.5, 0.5, "响应速度")
    ax.text(0.5, 0.5, "价格合理性")
    pairs = base.overlapping_texts(ax.figure)
    assert ("响应速度", "价格合理性") in pairs
