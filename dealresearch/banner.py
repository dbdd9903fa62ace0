"""Banner tables: a stub's categories down, 总体 and the banner's categories across, with
column letters marking significant differences (what SPSS Custom Tables calls column
proportions / means tests).

``table(data, stub=, banner=)`` returns a :class:`BannerTable` whose ``.cells`` is one
row per (row, column): ``kind`` (category / top_box / mean), ``row``, ``column``,
``letter``, ``base``, ``count``, ``value`` (column % 0–100, or the mean) and
``higher_than`` — the letters of the columns of the same banner variable this cell is
significantly higher than.

Rules: the banner's columns are lettered A, B, C … in banner order (across all banner
variables; after Z: AA, AB …, and then ``higher_than`` separates letters by commas);
总体 has no letter and is not tested. Proportions are compared by the pooled
two-proportion z-test, means by Welch's t-test, two-sided at ``alpha``; ``adjust=
"bonferroni"`` divides ``alpha`` by the number of column pairs compared in the row. A
column whose (unweighted) base is below ``min_base`` is neither tested nor tested
against, and is flagged (``small_base``). Weighted tables compare weighted shares and
means on each column's Kish effective base (Σw)²/Σw²; ``base`` stays the unweighted
count of respondents and ``effective_base`` is given beside it.

Rendering (HTML for reports, Excel for analysts) is in :mod:`dealresearch.present.banner_render`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .config import ALPHA, MIN_N
from .derive import category_order, is_multi_choice, label
from .errors import DataError, MissingColumnsError, ParameterError
from .schema import SURVEY_ITEMS

TOTAL = "总体"
CELL_COLUMNS = (
    "kind", "variable", "row", "column", "letter", "base", "effective_base", "count", "value",
    "higher_than", "tested", "small_base",
)
_SCALES = {i.name: i.scale for i in SURVEY_ITEMS}


@dataclass(frozen=True)
class BannerTable:
    """A banner table: ``cells`` (long, see module doc) and ``columns`` (one row per column:
    variable, column, letter, base, effective_base, tested, small_base)."""

    cells: pd.DataFrame
    columns: pd.DataFrame
    stub: str
    banner: tuple[str, ...]
    weighted: bool
    alpha: float
    min_base: int
    adjust: str | None
    multi: bool
    title: str
    notes: tuple[str, ...] = field(default=())

    def wide(self, what: str = "value") -> pd.DataFrame:
        """Rows × columns of ``what`` (value, count, base, higher_than …), in table order."""
        c = self.cells
        keys = list(zip(c["variable"], c["column"], strict=True))
        cols = list(dict.fromkeys(keys))
        rows = list(dict.fromkeys(c["row"]))
        out = pd.DataFrame(index=pd.Index(rows, name=label(self.stub)), columns=pd.MultiIndex.from_tuples(cols))
        out = out.astype(object)
        for (var, col), g in c.groupby(["variable", "column"], sort=False):
            out[(var, col)] = g.set_index("row")[what].reindex(rows).to_numpy()
        return out


def letters(k: int) -> list[str]:
    """A, B, … Z, AA, AB, … (spreadsheet column names) for k columns."""
    out = []
    for i in range(k):
        s, j = "", i + 1
        while j:
            j, r = divmod(j - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


# ------------------------------------------------------------------ the stub's rows
@dataclass
class _Stub:
    rows: list[str]  # category labels
    pairs_resp: np.ndarray  # respondent index of each (respondent, category) mention
    pairs_row: np.ndarray  # row index of each mention
    answered: np.ndarray  # bool per respondent: counts in the base
    scores: np.ndarray | None  # float per respondent (NaN when not answered), scale stubs
    scale: tuple[float, float] | None
    multi: bool


def _stub(data: pd.DataFrame, stub: str, scale_wanted: bool) -> _Stub:
    s = data[stub]
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if is_multi_choice(s, stub):
        s = s.reset_index(drop=True)  # positions: exploded options keep their respondent's row
        lens = s.list.len() if isinstance(s.dtype, pd.ArrowDtype) else s.str.len()
        answered = lens.fillna(0).to_numpy(dtype=float) > 0  # an empty list is no answer
        ex = s[answered].explode()
        ex = ex[ex.notna()].astype("str")
        ex = ex[ex.str.strip() != ""]
        frame = pd.DataFrame({"i": ex.index.to_numpy(), "c": ex.to_numpy()}).drop_duplicates()  # a choice counts once
        codes, uniq = pd.factorize(frame["c"])
        order = _order(stub, uniq, np.bincount(codes, minlength=len(uniq)))
        remap = pd.Index(order).get_indexer(uniq)
        return _Stub(list(order), frame["i"].to_numpy(), remap[codes], answered, None, None, True)
    if numeric:
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        answered = ~np.isnan(x)
        scale = _SCALES.get(stub)
        obs = np.unique(x[answered])
        if scale is None:
            scale = (float(obs.min()), float(obs.max())) if len(obs) else (0.0, 0.0)
        elif len(obs) and (obs.min() < scale[0] or obs.max() > scale[1]):
            raise DataError(f"“{label(stub)}”（{stub}）有答案超出 {scale[0]:g}–{scale[1]:g} 分量表。")
        integral = len(obs) == 0 or bool(np.all(obs == np.round(obs)))
        points = np.arange(scale[0], scale[1] + 1) if integral and scale[1] - scale[0] <= 20 else obs
        idx = np.flatnonzero(answered)
        row = np.searchsorted(points, x[idx])
        rows = [f"{p:g}" for p in points]
        return _Stub(rows, idx, row, answered, x, (float(scale[0]), float(scale[1])), False)
    if scale_wanted:
        raise ParameterError(f"top_box / mean 只适用于数值评分题，“{label(stub)}”（{stub}）不是数值。")
    text = s.astype("str")
    answered = (s.notna() & (text.str.strip() != "")).to_numpy(dtype=bool)
    if isinstance(s.dtype, pd.CategoricalDtype):  # categories in their order; unused ones left out
        cats = [str(c) for c in s.cat.categories]
        codes = pd.Index(cats).get_indexer(text[answered])
        used = np.flatnonzero(np.bincount(codes, minlength=len(cats)) > 0)
        remap = np.full(len(cats), -1)
        remap[used] = np.arange(len(used))
        return _Stub([cats[i] for i in used], np.flatnonzero(answered), remap[codes], answered, None, None, False)
    codes, uniq = pd.factorize(text[answered])
    order = _order(stub, uniq, np.bincount(codes, minlength=len(uniq)))
    remap = pd.Index(order).get_indexer(uniq)
    return _Stub(list(order), np.flatnonzero(answered), remap[codes], answered, None, None, False)


def _order(name: str, uniq, counts: np.ndarray) -> list[str]:
    """Categories by size (largest first), then in the field's vocabulary order if it has one."""
    by_size = [str(uniq[i]) for i in np.argsort(-counts, kind="stable")]
    return category_order(name, by_size)


# --------------------------------------------------------------- banner columns
def _banner_codes(data: pd.DataFrame, var: str) -> tuple[np.ndarray, list[str]]:
    s = data[var]
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in s.cat.categories]
        codes = s.cat.codes.to_numpy().astype(np.int64)
        used = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0
        keep = np.flatnonzero(used)
        remap = np.full(len(cats) + 1, -1)
        remap[keep] = np.arange(len(keep))
        return remap[codes], [cats[i] for i in keep]
    text = s.astype("str").where(s.notna())
    text = text.where(text.str.strip() != "")
    codes, uniq = pd.factorize(text)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq))
    order = _order(var, uniq, counts)
    remap = np.append(pd.Index(order).get_indexer(uniq), -1)
    return remap[codes], order


def _weights(data: pd.DataFrame, weight) -> np.ndarray | None:
    if weight is None:
        return None
    w = data[weight] if isinstance(weight, str) else weight
    w = pd.to_numeric(pd.Series(np.asarray(w)), errors="coerce").to_numpy(dtype=float)
    if len(w) != len(data):
        raise ParameterError(f"权重有 {len(w)} 个，数据有 {len(data)} 行：数量必须一致。")
    bad = np.isnan(w) | (w < 0)
    if bad.any():
        raise DataError(f"权重中有 {int(bad.sum())} 个缺失或负值（例如第 {int(np.argmax(bad)) + 1} 行）。")
    return w


# -------------------------------------------------------------------------- tests
def _z_p(p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p of the pooled z-test for every pair of columns: p (rows × k), n (k,)."""
    x = p * n
    with np.errstate(divide="ignore", invalid="ignore"):
        n1, n2 = n[:, None], n[None, :]
        pooled = (x[:, :, None] + x[:, None, :]) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (p[:, :, None] - p[:, None, :]) / se
    return np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)


def _welch_p(m: np.ndarray, v: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p of Welch's t-test for every pair: means m, variances v, bases n (k,)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = v / n
        se2 = a[:, None] + a[None, :]
        t = (m[:, None] - m[None, :]) / np.sqrt(se2)
        df = se2**2 / (a[:, None] ** 2 / (n[:, None] - 1) + a[None, :] ** 2 / (n[None, :] - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    return np.where(se2 > 0, p, 1.0)


def _higher(values: np.ndarray, pvals: np.ndarray, tested: np.ndarray, alpha: float, adjust) -> np.ndarray:
    """Bool (rows × k × k): cell (r, i) significantly higher than column j."""
    k = tested.sum()
    pairs = k * (k - 1) / 2
    a = alpha / pairs if adjust == "bonferroni" and pairs > 0 else alpha
    both = tested[:, None] & tested[None, :] & ~np.eye(len(tested), dtype=bool)
    return (pvals < a) & (values[:, :, None] > values[:, None, :]) & both[None, :, :]


# -------------------------------------------------------------------------- table
def table(
    data: pd.DataFrame,
    stub: str,
    banner: str | Sequence[str],
    *,
    weight=None,
    alpha: float = ALPHA,
    min_base: int = MIN_N,
    top_box: int | None = None,
    mean: bool = False,
    adjust: str | None = None,
) -> BannerTable:
    """The banner table of ``stub`` by ``banner`` (one column name or several); see the module doc."""
    banners = (banner,) if isinstance(banner, str) else tuple(banner)
    missing = [c for c in (stub, *banners) if c not in data.columns]
    if isinstance(weight, str) and weight not in data.columns:
        missing.append(weight)
    if missing:
        raise MissingColumnsError(f"数据缺少列：{'、'.join(f'{label(c)}（{c}）' for c in missing)}。")
    if not banners:
        raise ParameterError("banner 至少需要一个分组变量。")
    if adjust not in (None, "bonferroni"):
        raise ParameterError(f"adjust 只能是 None 或 'bonferroni'，收到“{adjust}”。")
    if not 0 < alpha < 1:
        raise ParameterError(f"显著性水平 alpha 必须在 0 与 1 之间，收到 {alpha}。")
    st = _stub(data, stub, top_box is not None or mean)
    if top_box is not None and not 1 <= top_box < st.scale[1] - st.scale[0] + 1:
        raise ParameterError(f"top_box={top_box} 无效：须在 1 与量表分数个数减 1 之间。")
    w = _weights(data, weight)
    n = len(data)
    ones = np.ones(n) if w is None else w
    col_sets = [("", np.zeros(n, dtype=np.int64), [TOTAL])]
    col_sets += [(var, *_banner_codes(data, var)) for var in banners]
    all_letters = letters(sum(len(c) for _v, _c, c in col_sets[1:]))
    sep = "" if all(len(x) == 1 for x in all_letters) else ","
    frames, colinfo, at = [], [], 0
    for var, codes, cats in col_sets:
        k = len(cats)
        lets = [""] if var == "" else all_letters[at : at + k]
        at += 0 if var == "" else k
        frames.append(_block(st, codes, cats, var, lets, ones, weighted=w is not None, top_box=top_box,
                             mean=mean, min_base=min_base, alpha=alpha, adjust=adjust, sep=sep))
        base = frames[-1][1]
        colinfo.append(pd.DataFrame({
            "variable": var or TOTAL, "column": cats, "letter": lets, "base": base["base"],
            "effective_base": base["effective_base"], "tested": base["tested"], "small_base": base["small"],
        }))
    cells = pd.concat([f[0] for f in frames], ignore_index=True)
    columns = pd.concat(colinfo, ignore_index=True)
    title = f"{label(stub)} × {'、'.join(label(b) for b in banners)}"
    return BannerTable(cells, columns, stub, banners, w is not None, alpha, min_base, adjust, st.multi, title)


def _block(st: _Stub, codes, cats, var, lets, w, *, weighted, top_box, mean, min_base, alpha, adjust, sep):
    """Cells of one banner variable (or 总体 when ``var`` is ""): category rows, then the
    top-box and mean rows."""
    k, is_total = len(cats), var == ""
    ok = st.answered & (codes >= 0)
    c_ok = codes[ok]
    base = np.bincount(c_ok, minlength=k).astype(float)
    wsum = np.bincount(c_ok, weights=w[ok], minlength=k)
    w2 = np.bincount(c_ok, weights=w[ok] ** 2, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(w2 > 0, wsum**2 / w2, 0.0) if weighted else base
    small = base < min_base
    tested = ~small & (not is_total)
    r = len(st.rows)
    pc = codes[st.pairs_resp]
    keep = pc >= 0
    idx = st.pairs_row[keep] * k + pc[keep]
    cnt = np.bincount(idx, weights=w[st.pairs_resp[keep]], minlength=r * k).reshape(r, k)
    kinds, rows = ["category"] * r, list(st.rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = cnt / wsum[None, :]
    values, counts = [share * 100], [cnt]
    pvals = [_z_p(share, n_eff)]
    if top_box is not None:
        cut = st.scale[1] - top_box + 1
        hit = (st.scores >= cut) & ok
        tb = np.bincount(codes[hit], weights=w[hit], minlength=k)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = tb / wsum[None, :]
        values.append(p * 100)
        counts.append(tb)
        pvals.append(_z_p(p, n_eff))
        kinds.append("top_box")
        rows.append(f"前{top_box}档（{cut:g}–{st.scale[1]:g}分）")
    if mean:
        x = np.where(ok, st.scores, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.bincount(c_ok, weights=(w * x)[ok], minlength=k) / wsum
            dev = np.bincount(c_ok, weights=(w * (x - m[np.maximum(codes, 0)]) ** 2)[ok], minlength=k)
            variance = dev / wsum * n_eff / (n_eff - 1)
        values.append(m[None, :])
        counts.append(np.full((1, k), np.nan))
        pvals.append(_welch_p(m, variance, n_eff)[None, :, :])
        kinds.append("mean")
        rows.append("均值")
    value = np.vstack(values)
    count = np.vstack(counts)
    p_all = np.concatenate(pvals, axis=0)
    hi = _higher(np.nan_to_num(value, nan=-np.inf), p_all, tested, alpha, adjust)
    lets_arr = np.array(lets, dtype=object)
    higher = [sep.join(lets_arr[hi[i, j]]) for i in range(len(rows)) for j in range(k)]
    nr = len(rows)
    cells = pd.DataFrame({
        "kind": np.repeat(kinds, k),
        "variable": TOTAL if is_total else var,
        "row": np.repeat(rows, k),
        "column": np.tile(np.array(cats, dtype=object), nr),
        "letter": np.tile(lets_arr, nr),
        "base": np.tile(base, nr).astype(np.int64),
        "effective_base": np.tile(n_eff, nr),
        "count": count.ravel(),
        "value": value.ravel(),
        "higher_than": higher,
        "tested": np.tile(tested, nr),
        "small_base": np.tile(small, nr),
    })
    return cells, {"base": base.astype(np.int64), "effective_base": n_eff, "tested": tested, "small": small}


def stack(tables: Sequence[BannerTable], *, kinds=("top_box", "mean"), title: str | None = None) -> BannerTable:
    """One summary banner from several tables on the same banner (e.g. every item's top-box
    and mean rows): rows ``<stub label> · <row>`` of ``kinds``, each keeping its own base
    and letters; the base row shows each column's largest base."""
    if not tables:
        raise ParameterError("没有可合并的表。")
    first = tables[0]
    key = ["variable", "column"]
    parts = []
    for tb in tables:
        if tb.columns[key].to_numpy().tolist() != first.columns[key].to_numpy().tolist():
            raise ParameterError(f"“{tb.title}”的列与“{first.title}”不同，不能合并为一张表。")
        c = tb.cells[tb.cells["kind"].isin(kinds)]
        parts.append(c.assign(row=label(tb.stub) + " · " + c["row"]))
    cells = pd.concat(parts, ignore_index=True)
    cols = first.columns.copy()
    bases = pd.concat([tb.columns["base"] for tb in tables], axis=1).max(axis=1)
    cols["base"] = bases.to_numpy()
    cols["small_base"] = cols["base"] < first.min_base
    return BannerTable(cells, cols, "题项", first.banner, first.weighted, first.alpha, first.min_base,
                       first.adjust, False, title or f"各题项 × {'、'.join(label(b) for b in first.banner)}",
                       ("各行基数为回答该题的人数，表头基数为各列最多的回答人数。",))


__all__ = ["TOTAL", "BannerTable", "letters", "stack", "table"]
