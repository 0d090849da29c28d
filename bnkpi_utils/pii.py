"""Provincial Innovation Index (Chỉ số ĐMST cấp địa phương, PII): MOST's aggregation, gaps, what-if, engine.

MOST's aggregation (research/pii.md §4.3, verified on every published edition): indicators min–max normalised
to 0–100 across the edition's units (reversed where less is better), group = mean of its indicators, pillar =
mean of its groups, INPUT = mean(P1…P5), OUTPUT = mean(P6, P7), PII = (INPUT + OUTPUT) / 2, ranks descending.
Hence +1 point in an input pillar moves the PII by 1/5 × 1/2 = 0.10 and +1 in an output pillar by 0.25.

Scores of a 63-unit edition (2023, 2024) and of a 34-unit edition (2025) are on different scales (min and
max are taken over different sets of units): compare ranks as percentiles, never scores across the merger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

INPUT_PILLARS = ("P1", "P2", "P3", "P4", "P5")
OUTPUT_PILLARS = ("P6", "P7")
PILLARS = INPUT_PILLARS + OUTPUT_PILLARS
ROUNDING_TOLERANCE = 0.01  # published scores have two decimals
LEVERAGE = {p: (0.5 / len(INPUT_PILLARS) if p in INPUT_PILLARS else 0.5 / len(OUTPUT_PILLARS)) for p in PILLARS}


# --------------------------------------------------------------------------------------------- aggregation


def aggregate_pillars(pillars: dict[str, float]) -> dict[str, float]:
    """INPUT, OUTPUT and PII from the seven pillar scores (NaN where a pillar is missing)."""
    values = {p: float(pillars.get(p, math.nan)) for p in PILLARS}
    inp = float(np.mean([values[p] for p in INPUT_PILLARS]))
    out = float(np.mean([values[p] for p in OUTPUT_PILLARS]))
    return {"INPUT": inp, "OUTPUT": out, "PII": (inp + out) / 2}


def _wide(pii_scores: pd.DataFrame) -> pd.DataFrame:
    return pii_scores.pivot_table(index=["edition", "province"], columns="component", values="score",
                                  aggfunc="first")


def recompute_scores(pii_scores: pd.DataFrame) -> pd.DataFrame:
    """The contract table ``tables/pii_scores.csv``: published and recomputed scores side by side.

    INPUT and OUTPUT are recomputed from the pillars where all their pillars are published; the PII from the
    recomputed sub-indices, or from the published INPUT and OUTPUT where pillars are not published. A
    difference larger than rounding (0.01) is flagged, never hidden.
    """
    wide = _wide(pii_scores)
    recomputed: dict[tuple, tuple[float, str]] = {}
    for (edition, province), row in wide.iterrows():
        have = {p: row.get(p) for p in PILLARS if p in row and not pd.isna(row.get(p))}
        sub = {}
        if all(p in have for p in INPUT_PILLARS):
            sub["INPUT"] = (float(np.mean([have[p] for p in INPUT_PILLARS])), "mean(P1…P5)")
        if all(p in have for p in OUTPUT_PILLARS):
            sub["OUTPUT"] = (float(np.mean([have[p] for p in OUTPUT_PILLARS])), "mean(P6, P7)")
        for name in ("INPUT", "OUTPUT"):
            if name not in sub and name in row and not pd.isna(row.get(name)):
                sub[f"_{name}"] = (float(row[name]), "published")
        inp = sub.get("INPUT", sub.get("_INPUT"))
        out = sub.get("OUTPUT", sub.get("_OUTPUT"))
        for name in ("INPUT", "OUTPUT"):
            if name in sub:
                recomputed[(edition, province, name)] = sub[name]
        if inp and out:
            basis = "pillars" if inp[1] != "published" and out[1] != "published" else (
                "published INPUT and OUTPUT" if inp[1] == out[1] == "published" else "pillars and published sub-index")
            recomputed[(edition, province, "PII")] = ((inp[0] + out[0]) / 2, basis)
    out_rows = []
    for _, row in pii_scores.iterrows():
        key = (row["edition"], row["province"], row["component"])
        value, basis = recomputed.get(key, (math.nan, ""))
        published = row["score"]
        diff = published - value if not (pd.isna(published) or pd.isna(value)) else math.nan
        out_rows.append(dict(
            edition=int(row["edition"]), province=row["province"], component=row["component"],
            published_score=published, recomputed_score=round(value, 4) if not pd.isna(value) else math.nan,
            difference=round(diff, 4) if not pd.isna(diff) else math.nan,
            recompute_flag=bool(not pd.isna(diff) and abs(diff) > ROUNDING_TOLERANCE + 1e-9),
            recompute_basis=basis, rank=row["rank"], n_units=int(row["n_units"]),
            rank_percentile=rank_percentile(row["rank"], row["n_units"]), source=row["source"],
            note=row.get("note", "") if not pd.isna(row.get("note", "")) else "",
        ))
    return pd.DataFrame(out_rows)


def rank_percentile(rank: float, n_units: float) -> float:
    """Share of units at or above this rank, in %: 6/63 → 9.5 (top 9.5 %), 6/34 → 17.6."""
    if pd.isna(rank):
        return math.nan
    return round(100 * float(rank) / float(n_units), 1)


def trajectory(pii_scores: pd.DataFrame, provinces: tuple[str, ...] = ("Bắc Ninh", "Bắc Giang")) -> pd.DataFrame:
    """PII score, rank and rank percentile by edition for the given provinces."""
    rows = pii_scores[(pii_scores["component"] == "PII") & pii_scores["province"].isin(provinces)]
    out = rows[["province", "edition", "score", "rank", "n_units"]].copy()
    out["rank_percentile"] = [rank_percentile(r, n) for r, n in zip(out["rank"], out["n_units"])]
    out["scale"] = np.where(out["n_units"] == 34, "34 đơn vị (sau sáp nhập)", "63 đơn vị")
    return out.sort_values(["province", "edition"]).reset_index(drop=True)


def pillar_profile(pii_scores: pd.DataFrame, province: str, editions: tuple[int, ...]) -> pd.DataFrame:
    wide = _wide(pii_scores)
    rows = {}
    for edition in editions:
        if (edition, province) in wide.index:
            rows[edition] = wide.loc[(edition, province), [p for p in PILLARS if p in wide.columns]]
    return pd.DataFrame(rows)


def check_pillar_targets(pii_scores: pd.DataFrame, targets: pd.DataFrame, province: str = "Bắc Ninh") -> pd.DataFrame:
    """KH 279's 2025 pillar targets (each above its 2024 score) against the 2025 edition."""
    wide = _wide(pii_scores)
    rows = []
    pillar_targets = targets[targets["indicator"].str.match(r"pii_p\d_score") & (targets["target_year"] == 2025)]
    for _, t in pillar_targets.sort_values("indicator").iterrows():
        pillar = t["indicator"].split("_")[1].upper()
        year = int(t["target_year"])
        actual = wide.loc[(year, province), pillar] if (year, province) in wide.index else math.nan
        met = bool(actual > t["value"]) if not pd.isna(actual) else None
        rows.append(dict(
            target_id=t["target_id"], pillar=pillar, score_2024=t["value"], target=f"> {t['value']:.2f}",
            score_2025=actual, change=round(actual - t["value"], 2) if not pd.isna(actual) else math.nan, met=met,
            comparable=False,
            caveat=("2025 là tỉnh Bắc Ninh mới trên thang 34 đơn vị; 2024 là Bắc Ninh cũ trên thang 63 đơn vị: "
                    "chênh lệch điểm không đo đúng tiến bộ"),
        ))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------- rankings, gaps


def published_ranking(pii_scores: pd.DataFrame, edition: int) -> pd.DataFrame:
    """Rank, province and score (NaN where only the rank was published) of one edition."""
    rows = pii_scores[(pii_scores["edition"] == edition) & (pii_scores["component"] == "PII")
                      & pii_scores["rank"].notna()]
    out = rows[["rank", "province", "score", "n_units"]].copy()
    out["rank"] = out["rank"].astype(int)
    return out.sort_values("rank").reset_index(drop=True)


def score_bounds(ranking: pd.DataFrame, n_units: int, exclude: str | None = None) -> pd.DataFrame:
    """For every rank of the edition, the score interval of its unit implied by the published scores.

    A rank whose score was published has that score as both bounds; an unpublished one lies between the
    nearest published scores above and below (0 below the lowest published score, 100 above the highest).
    """
    # One pass over ranks × published scores (at most 63 × 63) instead of a filter per rank: gap_table calls
    # this for every target and edition.
    ranks = np.arange(1, n_units + 1)
    first = ranking.drop_duplicates("rank").set_index("rank")  # the first unit listed at each rank
    has_unit = np.isin(ranks, first.index.to_numpy())
    province = np.where(has_unit, first["province"].reindex(ranks).to_numpy(dtype=object), "")
    own = first["score"].reindex(ranks).to_numpy(dtype=float)
    known = ranking.dropna(subset=["score"])
    known_rank, known_score = known["rank"].to_numpy(dtype=float), known["score"].to_numpy(dtype=float)
    above = known_rank[None, :] < ranks[:, None]
    below = known_rank[None, :] > ranks[:, None]
    high = np.where(above.any(axis=1), np.where(above, known_score, np.inf).min(axis=1, initial=np.inf), 100.0)
    low = np.where(below.any(axis=1), np.where(below, known_score, -np.inf).max(axis=1, initial=-np.inf), 0.0)
    published = has_unit & ~np.isnan(own)
    low, high = np.where(published, own, low), np.where(published, own, high)
    keep = ~(has_unit & np.array([bool(p) and p == exclude for p in province], dtype=bool))
    if not keep.any():
        return pd.DataFrame()
    return pd.DataFrame({"rank": ranks[keep], "province": province[keep], "low": low[keep], "high": high[keep]})


def implied_rank(ranking: pd.DataFrame, n_units: int, score: float, province: str) -> tuple[int, int]:
    """Best and worst rank a score would have against the other units of the published ranking."""
    others = score_bounds(ranking, n_units, exclude=province)
    surely_above = int((others["low"] > score).sum())
    maybe_above = int((others["high"] > score).sum())
    return 1 + surely_above, 1 + maybe_above


def gap_to_rank(ranking: pd.DataFrame, n_units: int, province: str, target_rank: int) -> dict:
    """Score the province needs to be within ``target_rank``: beat the target_rank-th best of the others.

    ``gap`` = threshold − own score (negative: a margin). Where the threshold unit's score was not published,
    the gap is an interval [gap_low, gap_high] from the neighbouring published scores.
    """
    own = ranking[ranking["province"] == province]
    own_score = float(own["score"].iloc[0])
    own_rank = int(own["rank"].iloc[0])
    others = score_bounds(ranking, n_units, exclude=province).reset_index(drop=True)
    threshold = others.iloc[target_rank - 1]  # the unit that must stay below us
    low, high = float(threshold["low"]), float(threshold["high"])
    gap_low, gap_high = round(low - own_score, 2), round(high - own_score, 2)
    # The published rank says whether the province is inside; the bounds say by how much.
    status = "inside" if own_rank <= target_rank else "outside"
    return dict(own_rank=own_rank, own_score=own_score, target_rank=target_rank, threshold_low=low,
                threshold_high=high, threshold_published=low == high, gap_low=gap_low, gap_high=gap_high,
                status=status)


def what_if(pillars: dict[str, float], changes: dict[str, float]) -> dict[str, float]:
    """New INPUT, OUTPUT and PII after adding ``changes`` (points) to pillars; scores capped at 100."""
    new = {p: min(100.0, float(pillars[p]) + float(changes.get(p, 0.0))) for p in PILLARS}
    return aggregate_pillars(new)


def pillar_moves(pillars: dict[str, float], gap: float) -> pd.DataFrame:
    """Points each pillar alone would need to gain to raise the PII by ``gap``, cheapest first."""
    rows = []
    for pillar in PILLARS:
        need = max(gap, 0.0) / LEVERAGE[pillar]
        current = float(pillars[pillar])
        rows.append(dict(pillar=pillar, current_score=current, leverage=LEVERAGE[pillar],
                         points_needed=round(need, 2), new_score=round(current + need, 2),
                         feasible=current + need <= 100.0))
    return pd.DataFrame(rows).sort_values(["points_needed", "current_score"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------- indicator engine


def skewness(x: np.ndarray) -> float:
    """Sample skewness as Excel, COINr and the GII compute it (pandas uses the same bias-corrected G1)."""
    return float(pd.Series(x, dtype=float).skew())


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis as Excel, COINr and the GII compute it (pandas: the same G2)."""
    return float(pd.Series(x, dtype=float).kurt())


def _is_outlying(x: np.ndarray, skew_limit: float, kurt_limit: float) -> bool:
    s, k = skewness(x), kurtosis(x)
    return not (math.isnan(s) or math.isnan(k)) and abs(s) > skew_limit and k > kurt_limit


def treat_outliers(values: pd.DataFrame, skew_limit: float = 2.25, kurt_limit: float = 3.5,
                   max_winsorised: int = 5) -> tuple[pd.DataFrame, list[str]]:
    """GII-style treatment, per indicator (column): winsorise up to ``max_winsorised`` points, else GII log.

    Only indicators with |skewness| > 2.25 and kurtosis > 3.5 are treated. Every treated point is logged.
    """
    out = values.copy()
    log: list[str] = []
    for column in values.columns:
        original = values[column].to_numpy(dtype=float)
        if not _is_outlying(original, skew_limit, kurt_limit):
            continue
        x = original.copy()
        count = 0
        while _is_outlying(x, skew_limit, kurt_limit) and count < max_winsorised:
            valid = x[~np.isnan(x)]
            if skewness(x) >= 0:
                extreme, inner = valid.max(), np.unique(valid)[-2]
            else:
                extreme, inner = valid.min(), np.unique(valid)[1]
            hit = x == extreme
            for unit in values.index[hit]:
                log.append(f"outlier: {column} {unit}: winsorised {extreme:g} → {inner:g}")
            x[hit] = inner
            count += int(hit.sum())
        if _is_outlying(x, skew_limit, kurt_limit):
            x, note = gii_log(original)
            log = [line for line in log if not line.startswith(f"outlier: {column} ")]
            log.append(f"outlier: {column}: still outlying after winsorising; GII log transform on all units{note}")
        out[column] = x
    return out, log


def gii_log(x: np.ndarray) -> tuple[np.ndarray, str]:
    """The GII log transform ln[(max − 1)(x − min)/(max − min) + 1], increasing in x.

    The formula keeps the order of the values only when max > 1 (with max < 1 the factor max − 1 is negative
    and the best unit becomes the worst): an indicator whose maximum is 1 or less (a fraction) is first
    rescaled linearly to 1–100, which changes nothing after min–max normalisation except the curvature.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    note = ""
    if hi <= 1:
        x = 1 + 99 * (x - lo) / (hi - lo)
        lo, hi = 1.0, 100.0
        note = " (maximum ≤ 1: rescaled to 1–100 first so that the log keeps the direction)"
    return np.log((hi - 1) * (x - lo) / (hi - lo) + 1), note


def normalise(values: pd.DataFrame, directions: pd.Series, method: str = "minmax",
              bounds: pd.DataFrame | None = None) -> pd.DataFrame:
    """Units × indicators → 0–100 (min–max, reversed where direction is −1) or z-scores (mean 50, sd 10)."""
    x = values.astype(float)
    if method == "minmax":
        lo = bounds["min"] if bounds is not None else x.min()
        hi = bounds["max"] if bounds is not None else x.max()
        span = (hi - lo).replace(0, np.nan)
        scaled = 100 * (x - lo) / span
        reverse = directions.reindex(x.columns).fillna(1) < 0
        scaled.loc[:, reverse] = 100 - scaled.loc[:, reverse]
        return scaled
    if method == "zscore":
        z = (x - x.mean()) / x.std(ddof=1).replace(0, np.nan)
        z = z * directions.reindex(x.columns).fillna(1)
        return 50 + 10 * z
    raise ValueError(f"unknown normalisation {method!r}")


@dataclass
class IndexResult:
    indicators: pd.DataFrame  # units × indicators, normalised
    groups: pd.DataFrame
    pillars: pd.DataFrame
    index: pd.DataFrame  # INPUT, OUTPUT, PII, rank
    log: list[str] = field(default_factory=list)


def compute_index(values: pd.DataFrame, framework: pd.DataFrame, *, normalisation: str = "minmax",
                  treat: bool = False, group_coverage: float = 0.5, bounds: pd.DataFrame | None = None) -> IndexResult:
    """The whole index from raw indicator values (units × indicators) and the framework.

    Coverage rule (stated, and logged for every unit it affects): a group score needs at least
    ``group_coverage`` of the indicators the framework puts in the group — an indicator not supplied at all
    counts as missing for every unit — and is the mean of those available; a pillar needs every group that has
    data for some unit; INPUT, OUTPUT and PII need all their pillars. An indicator with the same value for every
    unit cannot be normalised: it is left out of its group (and of the group's count), with a log line.
    """
    framework = framework.set_index("indicator")
    columns = [c for c in values.columns if c in framework.index]
    log: list[str] = []
    x = values[columns].astype(float)
    constant = [c for c in columns if x[c].notna().any() and x[c].nunique() == 1 and bounds is None]
    for c in constant:
        log.append(f"constant: indicator {c} has the value {x[c].dropna().iloc[0]:g} for every unit: "
                   f"left out of group {framework.loc[c, 'group']}")
    framework = framework.drop(index=constant)
    columns = [c for c in columns if c not in constant]
    x = x[columns]
    for c in framework.index.difference(columns):
        log.append(f"coverage: indicator {c} of group {framework.loc[c, 'group']} is not in the data: counted as "
                   "missing for every unit")
    if treat:
        x, treat_log = treat_outliers(x)
        log.extend(treat_log)
    normed = normalise(x, framework.loc[columns, "direction"], normalisation, bounds)
    groups = {}
    for group, members in framework.groupby("group").groups.items():
        part = normed.reindex(columns=list(members))  # framework members absent from the data: NaN
        share = part.notna().mean(axis=1)
        score = part.mean(axis=1)
        short = share < group_coverage
        for unit in part.index[short]:
            log.append(f"coverage: {unit} group {group}: {share[unit]:.0%} of indicators, below "
                       f"{group_coverage:.0%}: no group score")
        groups[group] = score.where(~short)
    groups = pd.DataFrame(groups, index=values.index)
    group_pillar = framework.groupby("group")["pillar"].first()  # the full framework, not only groups with data
    pillars = {}
    for pillar in PILLARS:
        members = [g for g in group_pillar.index if group_pillar[g] == pillar]
        if not members:
            continue
        absent = [g for g in members if g not in groups.columns]
        if absent:
            log.append(f"coverage: pillar {pillar}: no data for group(s) {', '.join(absent)}: no pillar score")
            continue
        pillars[pillar] = groups[members].mean(axis=1, skipna=False)
    pillars = pd.DataFrame(pillars, index=values.index)
    index = pd.DataFrame(index=values.index)
    if all(p in pillars for p in INPUT_PILLARS):
        index["INPUT"] = pillars[list(INPUT_PILLARS)].mean(axis=1, skipna=False)
    if all(p in pillars for p in OUTPUT_PILLARS):
        index["OUTPUT"] = pillars[list(OUTPUT_PILLARS)].mean(axis=1, skipna=False)
    if {"INPUT", "OUTPUT"} <= set(index.columns):
        index["PII"] = (index["INPUT"] + index["OUTPUT"]) / 2
        index["rank"] = index["PII"].rank(ascending=False, method="min")
    return IndexResult(indicators=normed, groups=groups, pillars=pillars, index=index, log=log)


# --------------------------------------------------------------------------------------------- uncertainty


GEOMETRIC_FLOOR = 1.0  # geometric means run on scores rescaled from 0–100 to 1–100: a 0 never zeroes a mean


def monte_carlo_ranks(values: pd.DataFrame, framework: pd.DataFrame, n_draws: int = 10_000,
                      weight_noise: float = 0.25, seed: int = 2030, group_coverage: float = 0.5,
                      choices: dict[str, tuple] | None = None) -> dict[str, pd.DataFrame]:
    """Uncertainty of the ranks as a JRC audit computes it, vectorised.

    Each draw picks a normalisation (min–max or z-score), an aggregation (arithmetic or geometric mean), outlier
    treatment (on or off), and indicator and pillar weights each multiplied by U(1 − noise, 1 + noise); group
    weights within a pillar stay equal. "Geometric" is geometric at every level: indicators → group → pillar →
    INPUT/OUTPUT → PII, on scores rescaled linearly from 0–100 to 1–100 (``GEOMETRIC_FLOOR``; a score of 0 would
    otherwise make every mean above it 0). Only units that have a deterministic PII under the same coverage
    rule (``compute_index`` with ``group_coverage``) are ranked; the others are listed with ``ranked = False``
    and no rank. Ties share the best rank, as in the deterministic engine. Returns per-unit median rank and
    [5 %, 95 %] interval, and the mean absolute rank shift by choice. ``weight_noise = 0`` with the nominal
    choices reproduces the deterministic ranks exactly.
    """
    from scipy.stats import rankdata

    choices = choices or {"normalisation": ("minmax", "zscore"), "aggregation": ("arithmetic", "geometric"),
                          "treat": (False, True)}
    rng = np.random.default_rng(seed)
    deterministic = compute_index(values, framework, group_coverage=group_coverage)
    nominal_all = deterministic.index["rank"] if "rank" in deterministic.index else pd.Series(np.nan, index=values.index)
    eligible = nominal_all.notna().to_numpy()
    fw = framework.set_index("indicator")
    columns = [c for c in values.columns if c in fw.index and values[c].nunique() > 1]
    groups = sorted(fw.loc[columns, "group"].unique())
    group_index = {g: i for i, g in enumerate(groups)}
    membership = np.zeros((len(columns), len(groups)))
    for i, c in enumerate(columns):
        membership[i, group_index[fw.loc[c, "group"]]] = 1
    group_pillar = [fw.loc[columns][fw.loc[columns, "group"] == g]["pillar"].iloc[0] for g in groups]
    pillar_groups = np.zeros((len(groups), len(PILLARS)))
    for j, p in enumerate(group_pillar):
        pillar_groups[j, PILLARS.index(p)] = 1
    pillar_counts = pillar_groups.sum(axis=0)
    pillar_groups = pillar_groups / np.where(pillar_counts == 0, 1, pillar_counts)

    matrices = {}
    for treat in choices["treat"]:
        base = values[columns].astype(float)
        if treat:
            base, _ = treat_outliers(base)
        for method in choices["normalisation"]:
            normed = normalise(base, fw.loc[columns, "direction"], method).to_numpy()
            matrices[(method, treat)] = normed[eligible]  # normalised over every unit, ranked among the eligible

    n_units = int(eligible.sum())
    draws = {name: rng.integers(0, len(options), n_draws) for name, options in choices.items()}
    w_ind = 1 + weight_noise * rng.uniform(-1, 1, (n_draws, len(columns)))
    w_pil = 1 + weight_noise * rng.uniform(-1, 1, (n_draws, len(PILLARS)))
    pii = np.empty((n_draws, n_units))
    n_in = len(INPUT_PILLARS)
    for norm_i, method in enumerate(choices["normalisation"]):
        for treat_i, treat in enumerate(choices["treat"]):
            x = matrices[(method, treat)]
            mask = ~np.isnan(x)
            for agg_i, aggregation in enumerate(choices["aggregation"]):
                pick = ((draws["normalisation"] == norm_i) & (draws["treat"] == treat_i)
                        & (draws["aggregation"] == agg_i))
                if not pick.any():
                    continue
                geometric = aggregation == "geometric"
                score = np.where(mask, x, 0.0)
                if geometric:
                    score = np.where(mask, np.log(GEOMETRIC_FLOOR + (100 - GEOMETRIC_FLOOR) / 100
                                                  * np.clip(score, 0.0, 100.0)), 0.0)
                w = w_ind[pick][:, None, :]  # draws × 1 × indicators
                denom = (w * mask[None]) @ membership
                group_scores = ((w * score[None]) @ membership) / np.where(denom == 0, np.nan, denom)
                pillar_scores = group_scores @ pillar_groups  # draws × units × pillars (logs when geometric)
                wp = w_pil[pick][:, None, :]
                inp = (pillar_scores[..., :n_in] * wp[..., :n_in]).sum(-1) / wp[..., :n_in].sum(-1)
                out = (pillar_scores[..., n_in:] * wp[..., n_in:]).sum(-1) / wp[..., n_in:].sum(-1)
                pii[pick] = np.exp((inp + out) / 2) if geometric else (inp + out) / 2
    ranks = rankdata(-pii, method="min", axis=1) if n_units else np.empty((n_draws, 0))
    nominal = nominal_all.to_numpy()[eligible]
    summary = pd.DataFrame({"unit": values.index, "ranked": eligible,
                            "nominal_rank": pd.array([int(r) if r == r else None for r in nominal_all], dtype="Int64")})
    for name, stat in (("median_rank", lambda r: np.median(r, axis=0)), ("rank_p05", lambda r: np.percentile(r, 5, axis=0)),
                       ("rank_p95", lambda r: np.percentile(r, 95, axis=0))):
        column = np.full(len(values), np.nan)
        column[eligible] = stat(ranks) if n_units else []
        summary[name] = column
    shift = np.abs(ranks - nominal[None, :]).mean(axis=1) if n_units else np.full(n_draws, np.nan)
    effects = []
    for name, options in choices.items():
        for i, option in enumerate(options):
            selected = draws[name] == i
            effects.append(dict(choice=name, option=str(option), draws=int(selected.sum()),
                                mean_abs_rank_shift=float(shift[selected].mean()) if selected.any() else math.nan))
    return {"ranks": summary, "effects": pd.DataFrame(effects), "draw_ranks": ranks}


# --------------------------------------------------------------------------------------------- notebook tables


UNITS_BEFORE_MERGER, UNITS_AFTER_MERGER = 63, 34
MERGER_DATE = "2025-07-01"  # a target issued before this day was set among 63 units, from it among 34


def target_units(issued: str) -> int:
    """The number of units ranked when the target was set: a rank or a score margin only means something
    against an edition ranking as many units."""
    return UNITS_BEFORE_MERGER if str(issued or "") < MERGER_DATE else UNITS_AFTER_MERGER


GAP_LABELS = {"vi": {"inside": "Trong nhóm", "outside": "Ngoài nhóm"},
              "en": {"inside": "Inside the group", "outside": "Outside the group"}}


def gap_label(code: str, lang: str = "vi") -> str:
    """The word for a ``pii_gap`` status: inside or outside the target group, or a target status (not comparable)."""
    from . import status

    return GAP_LABELS[lang].get(code) or status.label(code, lang)


def gap_table(pii_scores: pd.DataFrame, targets: pd.DataFrame, province: str = "Bắc Ninh") -> pd.DataFrame:
    """Gap or margin to each rank target (current targets first), for each edition that ranks the province.

    No gap across scales: a target set among 63 units gets a gap only on 63-unit editions, one set among 34
    units only on 34-unit editions. On an edition of the other scale the row stays, marked ``comparable`` False
    with status ``not_comparable``, no gap, no margin, and a ``note`` saying why.
    """
    rank_targets = targets[targets["indicator"] == "pii_rank"].sort_values(["is_current", "target_year"],
                                                                            ascending=[False, True])
    wanted = [(int(t["value"]), t["target_id"], bool(t["is_current"]), int(t["target_year"]),
               target_units(t.get("issued", "")))
              for _, t in rank_targets.iterrows()]
    rows = []
    for edition in sorted(pii_scores["edition"].unique()):
        ranking = published_ranking(pii_scores, edition)
        if province not in set(ranking["province"]) or ranking.loc[ranking["province"] == province, "score"].isna().any():
            continue
        n_units = int(ranking["n_units"].iloc[0])
        own_rank = int(ranking.loc[ranking["province"] == province, "rank"].iloc[0])
        same_scale = [w[0] for w in wanted if w[4] == n_units]
        next_rank = [(own_rank - 1, "", False, 0, n_units)] if own_rank > 1 and own_rank - 1 not in same_scale else []
        candidates = wanted + next_rank
        for target_rank, target_id, current, year, units in candidates:
            base = dict(edition=edition, province=province, n_units=n_units, target_id=target_id or "(hạng kế tiếp)",
                        target_current=current, target_year=year or None, target_units=units)
            if units != n_units:
                own_score = float(ranking.loc[ranking["province"] == province, "score"].iloc[0])
                rows.append(dict(
                    base, own_rank=own_rank, own_score=own_score, target_rank=target_rank,
                    threshold_low=math.nan, threshold_high=math.nan, threshold_published=False,
                    gap_low=math.nan, gap_high=math.nan, status="not_comparable", cheapest_pillar="",
                    cheapest_points=math.nan, comparable=False,
                    note=(f"mục tiêu đặt trên thang {units} đơn vị, bảng xếp hạng {edition} có {n_units} đơn vị: "
                          "không tính khoảng cách điểm")))
                continue
            gap = gap_to_rank(ranking, n_units, province, target_rank)
            pillars = pillars_of(pii_scores, edition, province)
            cheapest = pillar_moves(pillars, gap["gap_high"]).iloc[0] if pillars else None
            rows.append(dict(
                base, **gap,
                cheapest_pillar=cheapest["pillar"] if cheapest is not None and gap["gap_high"] > 0 else "",
                cheapest_points=cheapest["points_needed"] if cheapest is not None and gap["gap_high"] > 0 else 0.0,
                comparable=True, note="",
            ))
    return pd.DataFrame(rows)


def pillars_of(pii_scores: pd.DataFrame, edition: int, province: str) -> dict[str, float]:
    wide = _wide(pii_scores)
    if (edition, province) not in wide.index:
        return {}
    row = wide.loc[(edition, province)]
    if not all(p in row and not pd.isna(row[p]) for p in PILLARS):
        return {}
    return {p: float(row[p]) for p in PILLARS}


def whatif_table(pii_scores: pd.DataFrame, edition: int, province: str = "Bắc Ninh",
                 steps: tuple[float, ...] = (1.0, 5.0, 10.0)) -> pd.DataFrame:
    """Each pillar raised alone by each step, and the new PII with its implied rank range."""
    pillars = pillars_of(pii_scores, edition, province)
    ranking = published_ranking(pii_scores, edition)
    n_units = int(ranking["n_units"].iloc[0])
    base = aggregate_pillars(pillars)
    rows = []
    scenarios = [({p: step}, f"{p} +{step:g}") for step in steps for p in PILLARS]
    scenarios.append(({"P6": 10.0, "P2": 5.0}, "P6 +10, P2 +5"))
    for changes, label in scenarios:
        new = what_if(pillars, changes)
        best, worst = implied_rank(ranking, n_units, new["PII"], province)
        rows.append(dict(edition=edition, province=province, scenario=label, base_pii=round(base["PII"], 3),
                         new_input=round(new["INPUT"], 3), new_output=round(new["OUTPUT"], 3),
                         new_pii=round(new["PII"], 3), delta_pii=round(new["PII"] - base["PII"], 3),
                         rank_best=best, rank_worst=worst))
    return pd.DataFrame(rows)


PUBLIC_GROUP_STRUCTURE = {"P1": ("1.1", "1.2"), "P2": ("2.1", "2.2")}


def reference_check(reference: pd.DataFrame) -> tuple[pd.DataFrame, IndexResult]:
    """The engine on one province's public values, normalised with the published national min and max."""
    province = reference["province"].iloc[0]
    values = reference.pivot_table(index="province", columns="indicator", values="value", aggfunc="first")
    bounds = reference.drop_duplicates("indicator").set_index("indicator")[["national_min", "national_max"]]
    bounds.columns = ["min", "max"]
    groups = reference.drop_duplicates("indicator")[["indicator", "group"]].copy()
    groups["pillar"] = "P" + groups["group"].str.split(".").str[0]
    groups["direction"] = 1
    # groups of the same pillars that exist in the framework but have no public values (research/pii.md §4.1:
    # P1 and P2 have two groups each) — so that no pillar is computed from half its groups
    for pillar, members in PUBLIC_GROUP_STRUCTURE.items():
        for group in members:
            if pillar in set(groups["pillar"]) and group not in set(groups["group"]):
                groups = pd.concat([groups, pd.DataFrame([dict(indicator=f"({group}: no public values)", group=group,
                                                               pillar=pillar, direction=1)])], ignore_index=True)
    result = compute_index(values, groups, bounds=bounds.reindex(values.columns))
    published = reference.drop_duplicates("group").set_index("group")["published_group_score"]
    shown = [g for g in result.groups.columns if g in published.index]  # groups with public values
    table = pd.DataFrame({
        "group": shown,
        "recomputed": [round(float(result.groups.loc[province, g]), 2) for g in shown],
        "published": [published[g] for g in shown],
    })
    table["difference"] = (table["recomputed"] - table["published"]).round(2)
    table.insert(0, "province", province)
    return table, result

