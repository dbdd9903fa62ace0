"""The CCSI model (中国顾客满意度指数): 品牌形象 → 预期质量 → 感知质量 → 感知价值 →
满意度 → 忠诚度, with the ECSI-style direct paths (image → satisfaction and loyalty,
expectation → value and satisfaction, quality → satisfaction).

The structure is fixed; the items of each latent variable are configurable. LVs given
no items are dropped together with their paths, so the same spec serves a full
questionnaire (image and expectation items present) and our standard survey
(quality, value, satisfaction, loyalty only)::

    blocks, paths = ccsi_model()                        # standard survey items
    res = pls.fit(surveys, blocks, paths, scaled=True)
    blocks, paths = ccsi_model({"image": [...], "expectation": [...], ...})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ParameterError
from ..schema import Survey

#: latent variables in causal order, with their Chinese labels
CCSI_LABELS: dict[str, str] = {
    "image": "品牌形象",
    "expectation": "预期质量",
    "quality": "感知质量",
    "value": "感知价值",
    "satisfaction": "满意度",
    "loyalty": "忠诚度",
}

#: structural model: target -> predictors
CCSI_PATHS: dict[str, tuple[str, ...]] = {
    "expectation": ("image",),
    "quality": ("expectation",),
    "value": ("expectation", "quality"),
    "satisfaction": ("image", "expectation", "quality", "value"),
    "loyalty": ("image", "satisfaction"),
}

#: items of the standard survey (schema.SURVEY_ITEMS); image and expectation are not
#: asked in it, so those LVs are dropped unless items are configured
DEFAULT_CCSI_ITEMS: dict[str, tuple[str, ...]] = {
    "image": (),
    "expectation": (),
    "quality": (
        "service_attitude",
        "professionalism",
        "responsiveness",
        "product_quality",
        "delivery",
        "communication",
        "complaint_handling",
    ),
    "value": ("price_fairness",),
    "satisfaction": (Survey.overall,),
    "loyalty": (Survey.recommend,),
}


def ccsi_model(
    items: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``(blocks, paths)`` for :func:`dealresearch.satisfaction.pls.fit`. ``items`` overrides the
    default items per LV (keys from ``CCSI_LABELS``); LVs without items are dropped
    with their paths, and a model left with no path is refused."""
    items = dict(DEFAULT_CCSI_ITEMS) | dict(items or {})
    unknown = set(items) - set(CCSI_LABELS)
    if unknown:
        raise ParameterError(
            f"CCSI 模型没有潜变量“{'、'.join(sorted(unknown))}”；可用：{'、'.join(CCSI_LABELS)}。"
        )
    blocks = {lv: list(items[lv]) for lv in CCSI_LABELS if items.get(lv)}
    paths = {}
    for target, preds in CCSI_PATHS.items():
        kept = [p for p in preds if p in blocks]
        if target in blocks and kept:
            paths[target] = kept
    linked = set(paths) | {p for ps in paths.values() for p in ps}
    blocks = {lv: cols for lv, cols in blocks.items() if lv in linked}
    if not paths:
        raise ParameterError("CCSI 模型至少需要两个相连的潜变量配置了题项。")
    return blocks, paths
