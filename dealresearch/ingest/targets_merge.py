"""Target imports merge: a new sheet replaces the stored targets of the same (year, level,
unit, period) and leaves every other target in place."""

from __future__ import annotations

import pandas as pd

from ..schema import Target

TARGET_KEY: tuple[str, ...] = (Target.year, Target.level, Target.unit, Target.quarter, Target.month, Target.week)


def merge_targets(old: pd.DataFrame | None, new: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The store's targets with ``new`` merged in by (year, level, unit, period): a new row
    replaces the stored row of the same key, every other stored row stays. Returns
    ``(targets, rows replaced)``."""
    if old is None or not len(old):
        return new.reset_index(drop=True), 0
    keys = list(TARGET_KEY)

    def key(frame: pd.DataFrame) -> pd.Index:  # periods may come back from the store as floats
        cols = {
            c: (pd.to_numeric(frame[c]).astype("Int64") if c in (Target.year, Target.quarter, Target.month, Target.week) else frame[c])
            .astype("str").fillna("")
            for c in keys
        }
        return pd.MultiIndex.from_frame(pd.DataFrame(cols))

    hit = key(old).isin(key(new))
    merged = pd.concat([old[~hit].astype(new.dtypes.to_dict()), new], ignore_index=True)
    return merged[list(new.columns)], int(hit.sum())
