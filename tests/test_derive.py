"""derive: deriving a subset of fields gives the columns of the full derivation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dealresearch.derive import DERIVED_LABELS, Derived, derive
from dealresearch.schema import Deal


def _deals(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            Deal.deal_id: [f"D{i}" for i in range(n)],
            Deal.customer_key: rng.choice([f"K{i}" for i in range(250)], n),
            Deal.sign_date: pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            Deal.first_visit_date: pd.Timestamp("2024-12-01")
            + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            Deal.age: pd.array(rng.integers(16, 80, n), dtype="Int64"),
            Deal.area_sqm: rng.uniform(40, 220, n),
            Deal.total_price: rng.uniform(5e5, 9e6, n),
            Deal.unit_price: rng.uniform(8e3, 6e4, n),
            Deal.city: rng.choice(["杭州", "杭州市", "宁波", None], n),
            Deal.residence_area: rng.choice(["西湖区", "本市", "上海", "外省", "", None], n),
            Deal.origin_province: rng.choice(["浙江省", "江苏", "广西壮族自治区", None], n),
            Deal.awareness_channel: rng.choice(["老带新", "网络", "户外"], n),
            Deal.referrer_key: rng.choice(["K1", None, None], n),
        }
    )


def test_derive_subset_equals_full_derivation():
    deals = _deals()
    full = derive(deals)
    assert set(DERIVED_LABELS) <= set(full.columns)
    for cols in ([Derived.age_band], [Derived.repeat_buyer, Derived.unit_price_band], [Derived.days_to_sign_band], [Derived.locality]):
        part = derive(deals, columns=cols)
        assert sorted(c for c in part.columns if c not in deals) == sorted(cols)
        pd.testing.assert_frame_equal(part[cols], full[cols])
