"""Customer personas: k-means on mixed numeric + categorical features, named in Chinese.

Why a scikit-learn pipeline (one-hot + scaled numerics + KMeans) rather than
k-prototypes: it ships with the stack we already depend on (no extra package), KMeans is
compiled and multi-threaded so 1,000,000 customers fit in seconds, it has a native
``predict`` for new customers, and silhouette scores are computed in the same Euclidean
space. Mixing is balanced the k-prototypes way: numerics are standardised (1 SD = distance
1) and each one-hot block is scaled by 1/√2 so that a category mismatch also costs
exactly distance² 1.

    model = Personas(k="auto", seed=0).fit(customers)
    model.names_          # ["36–40岁·改善·三房·按揭", ...] in stable persona order
    model.profile_        # one row per persona: size, share, medians, typical categories
    model.labels_         # persona index (0 = largest persona) of every fitted row
    model.predict(other)  # same persona indices for new rows

The persona cards, tables and method note a report shows are written by
``dealresearch.present.segments``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import config
from ..derive import age_band, label
from ..errors import DataError, ParameterError
from ..schema import Deal

#: default clustering features: who buys and why. Price and area are left out on purpose:
#: they follow the project's price level and the product more than the buyer (and value is
#: scored separately in segments.value_potential); with them, personas split by project.
NUMERIC_FEATURES: tuple[str, ...] = (Deal.age,)
CATEGORICAL_FEATURES: tuple[str, ...] = (
    Deal.purchase_purpose,
    Deal.unit_type,
    Deal.payment_method,
    Deal.family_structure,
    Deal.income_band,
)
#: numeric columns described (medians) in every persona profile, clustered on or not
DESCRIBE_NUMERIC: tuple[str, ...] = (Deal.age, Deal.area_sqm, Deal.total_price)
MISSING = "未填"
#: short forms used in persona names
SHORT: dict[str, dict[str, str]] = {
    Deal.payment_method: {"商业按揭": "按揭", "一次性": "全款", "公积金": "公积金"},
    Deal.income_band: {v: f"年收入{v}" for v in ("20万以下", "20-50万", "50-100万", "100万以上")},
}
NAME_TRAITS = 3  # categorical traits in a name, after the age band
MIN_TRAIT_SHARE = 0.4  # a category must describe at least this share of the persona


#: below this many rows KMeans and the silhouette run on one thread (see Personas._threads)
SINGLE_THREAD_ROWS = 50_000


def _onehot_weight(x):
    return x * np.sqrt(0.5)


def silhouette_by_k(x: np.ndarray, labels: dict[int, np.ndarray], chunk: int = 2048) -> dict[int, float]:
    """Mean silhouette coefficient (Euclidean) of each labelling of the rows of ``x``.

    The value of sklearn.metrics.silhouette_score, computed for all k in one pass over the
    distinct rows of ``x`` weighted by their multiplicity: one-hot customer features repeat a
    lot (≈ 1,300 distinct rows among 4,500 customers), identical rows always share a cluster,
    and a row's mean distances to each cluster are the same whichever copy is asked. Each
    block of ``chunk`` rows of the distance matrix is computed once and reused for every k
    (memory: ``chunk`` × distinct rows). Labellings with a single cluster are skipped."""
    from sklearn.metrics import pairwise_distances, silhouette_score

    uniq, inverse, counts = np.unique(x, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    n_u = len(uniq)
    parts = {}  # k -> (cluster of each distinct row, cluster sizes)
    out: dict[int, float] = {}
    for k, lab in labels.items():
        classes, lab = np.unique(lab, return_inverse=True)
        if len(classes) < 2:
            continue
        lab_u = np.empty(n_u, dtype=lab.dtype)
        lab_u[inverse] = lab
        if not (lab_u[inverse] == lab).all():  # identical rows split (never with KMeans)
            out[k] = float(silhouette_score(x, lab))
            continue
        parts[k] = (lab_u, np.bincount(lab, minlength=len(classes)).astype(np.float64))
    if not parts:
        return out
    # members[u, j]: how many copies of distinct row u sit in cluster j (all k side by side)
    offsets = np.cumsum([0, *(len(sz) for _, sz in parts.values())])
    members = np.zeros((n_u, offsets[-1]))
    for (lab_u, _), off in zip(parts.values(), offsets, strict=False):
        members[np.arange(n_u), off + lab_u] = counts
    sums = np.empty_like(members)  # distance of each distinct row to all members of each cluster
    for lo in range(0, n_u, chunk):
        d = pairwise_distances(uniq[lo : lo + chunk], uniq).astype(np.float64)
        d[np.arange(len(d)), np.arange(lo, lo + len(d))] = 0.0
        sums[lo : lo + chunk] = d @ members
    rows = np.arange(n_u)
    for (k, (lab_u, sizes)), off in zip(parts.items(), offsets, strict=False):
        s_k = sums[:, off : off + len(sizes)].copy()
        own = s_k[rows, lab_u]
        with np.errstate(divide="ignore", invalid="ignore"):
            a = own / (sizes[lab_u] - 1)
            s_k[rows, lab_u] = np.inf
            b = (s_k / sizes).min(axis=1)
            s = np.nan_to_num((b - a) / np.maximum(a, b))
        s[sizes[lab_u] == 1] = 0.0  # singletons score 0, as in sklearn
        out[k] = float((s * counts).sum() / counts.sum())
    return dict(sorted(out.items()))


class Personas:
    """Cluster customers into personas with Chinese names.

    Parameters: ``k`` ("auto" or an int), ``seed``, ``features`` (columns; numeric vs
    categorical by dtype; default NUMERIC_FEATURES + CATEGORICAL_FEATURES present in the
    data), ``k_range`` searched when k="auto", ``sample_size`` rows (seeded) on which the
    silhouette is computed, ``max_fit`` rows (seeded sample) on which the final KMeans is
    fitted before labelling every row, ``n_init`` KMeans restarts.

    Learned: ``k_``, ``silhouette_`` (Series by k; empty for a fixed k), ``numeric_``,
    ``categorical_``, ``pipeline_``, ``order_`` (raw cluster → persona index), ``labels_``,
    ``sizes_``, ``names_``, ``profile_``, ``n_``. Personas are ordered by size (largest
    first), ties by centroid, so indices and names are stable for a given seed.
    """

    def __init__(
        self,
        k: int | str = "auto",
        seed: int = 0,
        features: Sequence[str] | None = None,
        k_range: tuple[int, int] = (2, 8),
        sample_size: int = 6000,
        max_fit: int = 200_000,
        n_init: int = 8,
    ):
        self.k = k
        self.seed = seed
        self.features = features
        self.k_range = k_range
        self.sample_size = sample_size
        self.max_fit = max_fit
        self.n_init = n_init

    # ------------------------------------------------------------------ internals
    def _columns(self, data: pd.DataFrame) -> tuple[list[str], list[str]]:
        wanted = list(self.features) if self.features else [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES]
        missing = [c for c in wanted if c not in data] if self.features else []
        if missing:
            raise ParameterError(f"画像聚类字段不在数据中：{'、'.join(label(c) for c in missing)}。")
        cols = [c for c in wanted if c in data and data[c].notna().any()]
        num = [
            c
            for c in cols
            if pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])
        ]
        cat = [c for c in cols if c not in num]
        if not cols:
            raise DataError("数据中没有可用于画像聚类的字段（年龄、面积、总价、购房目的、户型等均为空）。")
        return num, cat

    def _frame(self, data: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for c in self.numeric_:
            v = pd.to_numeric(data[c], errors="coerce").astype("float64")
            out[c] = np.log1p(v.clip(lower=0)) if c == Deal.total_price else v
        for c in self.categorical_:
            out[c] = data[c].astype("string").fillna(MISSING).astype(object)
        return pd.DataFrame(out, index=data.index)

    def _pipeline(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        parts = []
        if self.numeric_:
            parts.append(
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), self.numeric_)
            )
        if self.categorical_:
            parts.append(
                (
                    "cat",
                    make_pipeline(
                        OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64),
                        FunctionTransformer(_onehot_weight),
                    ),
                    self.categorical_,
                )
            )
        return ColumnTransformer(parts)

    def _kmeans(self, k: int):
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed)

    @staticmethod
    def _threads(n_rows: int):
        """Thread cap for KMeans / BLAS on ``n_rows`` rows: one thread below SINGLE_THREAD_ROWS.

        On small problems extra threads save nothing, and when several reports run side
        by side (one kernel per core) OpenMP's spin-waiting threads fight over the cores
        and make the fit many times slower. Labels do not depend on the thread count."""
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=1) if n_rows < SINGLE_THREAD_ROWS else contextlib.nullcontext()

    # ------------------------------------------------------------------- fitting
    def fit(self, data: pd.DataFrame, y=None) -> Personas:
        """Fit on one row per customer (or per deal); returns self."""
        n = len(data)
        if n < 10:
            raise DataError(f"客户数 n = {n}，太少，无法聚类画像（至少需要 10 个）。")
        self.numeric_, self.categorical_ = self._columns(data)
        frame = self._frame(data)
        rng = np.random.default_rng(self.seed)
        fit_idx = np.sort(rng.choice(n, self.max_fit, replace=False)) if n > self.max_fit else np.arange(n)
        self.pipeline_ = self._pipeline().fit(frame.iloc[fit_idx])
        x_fit = self.pipeline_.transform(frame.iloc[fit_idx])
        self.silhouette_ = pd.Series(dtype="float64", name="silhouette")
        if self.k == "auto":
            m = min(self.sample_size, len(fit_idx))
            s_idx = np.sort(rng.choice(len(fit_idx), m, replace=False))
            xs = x_fit[s_idx].astype(np.float32)  # search only: halves memory traffic
            lo, hi = self.k_range
            hi = min(hi, len(np.unique(xs, axis=0)))  # no more personas than distinct customers
            with self._threads(m):
                labels = {k: self._kmeans(k).fit_predict(xs) for k in range(lo, min(hi, m - 1) + 1)}
                scores = silhouette_by_k(xs, labels)
            if not scores:
                raise DataError("画像特征没有差异，无法聚类。")
            self.silhouette_ = pd.Series(scores, name="silhouette").rename_axis("k")
            self.k_ = int(self.silhouette_.idxmax())
        elif isinstance(self.k, int) and 2 <= self.k < n:
            self.k_ = self.k
        else:
            raise ParameterError(f'画像数 k 应为 "auto" 或 2 到 {n - 1} 之间的整数，收到“{self.k}”。')
        with self._threads(len(fit_idx)):
            self.kmeans_ = self._kmeans(self.k_).fit(x_fit)
        raw = (
            self.kmeans_.predict(self.pipeline_.transform(frame))
            if n > len(fit_idx)
            else self.kmeans_.labels_
        )
        sizes = np.bincount(raw, minlength=self.k_)
        if (sizes == 0).any():
            raise DataError(
                f"画像特征只有 {int((sizes > 0).sum())} 种可区分的客户组合，少于画像数 k = {self.k_}，无法聚类；请减小 k。"
            )
        centers = self.kmeans_.cluster_centers_
        order = sorted(range(self.k_), key=lambda c: (-sizes[c], *np.round(centers[c], 9)))
        self.order_ = np.empty(self.k_, dtype="int64")
        self.order_[order] = np.arange(self.k_)
        self.labels_ = self.order_[raw]
        self.sizes_ = np.bincount(self.labels_, minlength=self.k_)
        self.n_ = n
        self._describe(data)
        return self

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        """Persona index (0 = largest persona at fit time) of each row."""
        if not hasattr(self, "kmeans_"):
            raise ParameterError("画像模型尚未拟合：请先调用 fit。")
        return self.order_[self.kmeans_.predict(self.pipeline_.transform(self._frame(data)))]

    def fit_predict(self, data: pd.DataFrame, y=None) -> np.ndarray:
        return self.fit(data).labels_

    # ----------------------------------------------------------------- describing
    def _describe(self, data: pd.DataFrame) -> None:
        lab = pd.Series(self.labels_, index=data.index)
        rows = []
        traits: list[list[tuple[int, float, str]]] = [[] for _ in range(self.k_)]
        for c in self.categorical_:
            v = data[c].astype("string").fillna(MISSING)
            overall = v.value_counts(normalize=True)
            ct = pd.crosstab(lab, v, normalize="index")
            for p in range(self.k_):
                if p not in ct.index:
                    continue
                row = ct.loc[p].drop(MISSING, errors="ignore")
                if row.empty:
                    continue
                top = row.idxmax()
                share = float(row[top])
                if share >= MIN_TRAIT_SHARE:
                    lift = share - float(overall.get(top, 0.0))
                    traits[p].append((self.categorical_.index(c), lift, SHORT.get(c, {}).get(top, top)))
        described = list(dict.fromkeys([*DESCRIBE_NUMERIC, *self.numeric_]))
        med = {
            c: pd.to_numeric(data[c], errors="coerce").groupby(lab).median()
            for c in described
            if c in data and pd.api.types.is_numeric_dtype(data[c])
        }
        names = []
        for p in range(self.k_):
            best = sorted(traits[p], key=lambda t: -t[1])[:NAME_TRAITS]
            parts = [t[2] for t in sorted(best)]
            if Deal.age in med and pd.notna(med[Deal.age].get(p)):
                band = age_band(pd.Series([med[Deal.age][p]])).iloc[0]
                parts.insert(0, str(band))
            name = "·".join(parts) or f"画像{p + 1}"
            while name in names:  # fall back on the next trait, then a number
                extra = [t[2] for t in sorted(traits[p], key=lambda t: -t[1])[len(parts) :]]
                name = f"{name}·{extra[0]}" if extra and extra[0] not in name else f"{name}（{p + 1}）"
            names.append(name)
        self.names_ = names
        for p in range(self.k_):
            r = {"persona": p, "name": names[p], "n": int(self.sizes_[p]), "share": self.sizes_[p] / self.n_}
            for c, m in med.items():
                r[f"{c}_median"] = float(m.get(p, np.nan))
            rows.append(r)
        prof = pd.DataFrame(rows).set_index("persona")
        for c in self.categorical_:
            v = data[c].astype("string").fillna(MISSING)
            ct = pd.crosstab(lab, v, normalize="index")
            top = ct.idxmax(axis=1)
            prof[c] = [f"{t}（{ct.loc[p, t]:.0%}）" for p, t in top.items()]
        prof["small_n"] = prof["n"] < config.MIN_N
        self.profile_ = prof
