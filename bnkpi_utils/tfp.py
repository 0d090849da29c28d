"""Total factor productivity (năng suất các nhân tố tổng hợp, TFP) by growth accounting.

Growth rates are 100 × log-differences, so output growth splits exactly into the contributions of capital,
labour and TFP: g_tfp = g_y − α·g_k − (1 − α)·g_l (Cobb-Douglas, fixed capital share α), or with the average
of two years' labour shares s̄_L in place of 1 − α (Törnqvist, where a labour-share series exists). The share
of TFP in growth over a period is mean(g_tfp) / mean(g_y) × 100 — never the mean of yearly shares. A share is a
part of growth only when there is growth: a year or period whose output growth is at or below
``GROWTH_GUARD_PCT`` (near zero or negative) is flagged and gets no share.

Regions: every region of the processed macro table with complete inputs (output, labour, and capital or
investment), each province on its own territory — before 1 July 2025 for a province that merged — and, for a
merged province, the series summed over its old units by cleaning (``macro_harmonised``) continued by its own
figures from 2025, labelled ``<name> (sau sáp nhập)``.

α (``DEFAULT_ALPHA``) is calibrated: it is the capital share at which 2011–2015 reproduces GSO's published
33,58 % (the reconciling α is 0,428). That match is therefore a calibration, not a check; the check is
out of sample, 2016–2018 against GSO's 2016–2019 figure (the 2019 employment break left out).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from . import provinces

NATION = provinces.NATION
DEFAULT_ALPHA = 0.43  # calibrated on GSO's 33,58 % for 2011–2015 (reconciling α 0,428); a band is always shown
DEFAULT_DELTA = 0.05  # depreciation rate of the perpetual inventory
ALPHA_BAND = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
GROWTH_GUARD_PCT = 0.5  # output growth (log points) at or below which no TFP share is computed
CALIBRATION_PERIOD = (2011, 2015)  # the published share α is chosen from
PLAN_PERIODS = ((1991, 1995), (1996, 2000), (2001, 2005), (2006, 2010), (2011, 2015), (2016, 2020),
                (2021, 2025), (2026, 2030))
TARGET_PERIODS = ((2023, 2025),)
TFP_INPUTS = ("grdp_const", "capital_stock_const", "investment_const", "employment", "labor_share")
MERGED_SUFFIX = " (sau sáp nhập)"


def merged_label(region: str) -> str:
    """The name of a merged province's TFP series (its territory from 1 July 2025, summed before)."""
    return f"{region}{MERGED_SUFFIX}"


def log_growth(series: pd.Series) -> pd.Series:
    """100 × Δln of a level series indexed by consecutive years (NaN across a gap)."""
    series = series.sort_index().astype(float)
    years = series.index.to_series()
    growth = 100 * np.log(series / series.shift(1))
    return growth.where(years.diff() == 1)


def perpetual_inventory(investment: pd.Series, delta: float = DEFAULT_DELTA, g_window: int = 5,
                        k0_factor: float = 1.0) -> pd.Series:
    """Capital stock at the end of each year from real investment: K_t = (1 − δ) K_{t−1} + I_t.

    The initial stock is the end-of-year steady state K₀ = I₀ (1 + g) / (g + δ) (the same end-of-year timing
    as every later K_t; I₀ is part of K₀), with g the compound growth of investment over the first
    ``g_window`` years; ``k0_factor`` scales it for the sensitivity analysis. Years must be consecutive: a gap
    in the investment series is an error, never two years treated as one.
    """
    investment = investment.sort_index().astype(float)
    if investment.isna().any():
        raise ValueError("the investment series has empty years: " +
                         ", ".join(str(y) for y in investment.index[investment.isna()]))
    years = investment.index.to_numpy(dtype=int)
    gaps = [f"{a}–{b}" for a, b in zip(years[:-1], years[1:]) if b != a + 1]
    if gaps:
        raise ValueError(f"the investment series has gaps ({', '.join(gaps)}): the perpetual inventory needs "
                         "every year")
    first = investment.iloc[: g_window + 1]
    g = float((first.iloc[-1] / first.iloc[0]) ** (1 / (len(first) - 1)) - 1) if len(first) > 1 else 0.0
    if g + delta <= 0:
        raise ValueError(f"g + δ must be positive to start the perpetual inventory (g = {g:.3f}, δ = {delta})")
    stock = [k0_factor * investment.iloc[0] * (1 + g) / (g + delta)]
    for value in investment.iloc[1:]:
        stock.append((1 - delta) * stock[-1] + value)
    return pd.Series(stock, index=investment.index, name="capital_stock_const")


def _annual(macro: pd.DataFrame) -> pd.DataFrame:
    return macro[macro["year_start"] == macro["year_end"]]


def _wide(rows: pd.DataFrame, year_column: str) -> pd.DataFrame:
    wide = rows.pivot_table(index=year_column, columns="indicator", values="value", aggfunc="first")
    wide.index = wide.index.astype(int)
    wide.index.name = "year"
    return wide


def inputs_for(macro: pd.DataFrame, region: str) -> pd.DataFrame:
    """Yearly Y, K (or I), L, labour share and hours of one region on one territory.

    A province that merged on 1 July 2025 keeps its years before 2025 only (its 2025 figures describe
    another territory); ``merged_inputs`` gives the merged province.
    """
    rows = _annual(macro)
    rows = rows[rows["region"] == region]
    if region != NATION and provinces.merged_province(region):
        rows = rows[rows["year_start"] < provinces.FIRST_MERGED_YEAR]
    wide = _wide(rows, "year_start")
    flagged = rows[rows["break_flag"].astype(bool)] if "break_flag" in rows.columns else rows.iloc[0:0]
    wide.attrs["breaks"] = flagged.groupby("indicator")["year_start"].apply(set).to_dict()
    return wide


def merged_inputs(macro: pd.DataFrame, harmonised: pd.DataFrame | None, region: str) -> pd.DataFrame:
    """The merged province's inputs: the old units summed by cleaning before 2025, its own figures from 2025."""
    before = harmonised[harmonised["region"] == region] if harmonised is not None and len(harmonised) else None
    if before is None or before.empty:
        return pd.DataFrame()
    after = _annual(macro)
    after = after[(after["region"] == region) & (after["year_start"] >= provinces.FIRST_MERGED_YEAR)]
    wide = pd.concat([_wide(before, "year"), _wide(after, "year_start")])
    wide = wide[~wide.index.duplicated(keep="last")].sort_index()
    flagged = after[after["break_flag"].astype(bool)] if "break_flag" in after.columns else after.iloc[0:0]
    wide.attrs["breaks"] = flagged.groupby("indicator")["year_start"].apply(set).to_dict()
    return wide


def complete(inputs: pd.DataFrame) -> bool:
    """Output, labour, and capital or investment, each with at least two years."""
    def has(name: str) -> bool:
        return name in inputs.columns and inputs[name].notna().sum() >= 2
    return has("grdp_const") and has("employment") and (has("capital_stock_const") or has("investment_const"))


def regional_inputs(macro: pd.DataFrame, harmonised: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every region with complete TFP inputs (no list written in code): name → inputs, the nation first."""
    regions = sorted(_annual(macro)["region"].unique(), key=lambda r: (r != NATION, r))
    out = {}
    for region in regions:
        inputs = inputs_for(macro, region)
        if complete(inputs):
            out[region] = inputs
        if region != NATION and provinces.merged_province(region):
            merged = merged_inputs(macro, harmonised, region)
            if complete(merged):
                out[merged_label(region)] = merged
    return out


def growth_accounting(inputs: pd.DataFrame, region: str, alpha: float = DEFAULT_ALPHA,
                      delta: float = DEFAULT_DELTA, g_window: int = 5, growth_guard: float = GROWTH_GUARD_PCT,
                      k0_factor: float = 1.0) -> pd.DataFrame:
    """The contract table rows for one region: year, method, alpha, g_y, g_k, g_l, g_tfp, tfp_share_pct, flag."""
    if not complete(inputs):
        return _empty()
    data = inputs.copy()
    capital_source = "given"
    if "capital_stock_const" not in data.columns or data["capital_stock_const"].isna().all():
        data["capital_stock_const"] = perpetual_inventory(data["investment_const"].dropna(), delta, g_window,
                                                          k0_factor)
        capital_source = f"perpetual inventory (δ = {delta}, g over {g_window} years, K₀ × {k0_factor:g})"
    g_y = log_growth(data["grdp_const"])
    g_k = log_growth(data["capital_stock_const"])
    g_l = log_growth(data["employment"])
    breaks = inputs.attrs.get("breaks", {})
    break_years = set().union(*[breaks.get(k, set()) for k in ("employment", "capital_stock_const", "grdp_const")])
    frames = []
    methods = [("cobb_douglas", pd.Series(1 - alpha, index=data.index))]
    if "labor_share" in data.columns and data["labor_share"].notna().sum() >= 2:
        labour = data["labor_share"].astype(float)
        methods.append(("tornqvist", (labour + labour.shift(1)) / 2))
    for method, labour_weight in methods:
        capital_weight = 1 - labour_weight
        g_tfp = g_y - capital_weight * g_k - labour_weight * g_l
        frame = pd.DataFrame({
            "region": region, "year": data.index, "method": method,
            "alpha": capital_weight.round(4) if method == "tornqvist" else alpha,
            "g_y": g_y, "g_k": g_k, "g_l": g_l,
            "contrib_k": capital_weight * g_k, "contrib_l": labour_weight * g_l, "g_tfp": g_tfp,
        })
        guarded = frame["g_y"] <= growth_guard
        frame["flag"] = np.where(frame["g_y"] <= -growth_guard, "output_contraction",
                                 np.where(guarded, "near_zero_growth", ""))
        in_break = frame["year"].isin(break_years)
        frame.loc[in_break, "flag"] = (frame.loc[in_break, "flag"] + ";input_break").str.strip(";")
        frame["tfp_share_pct"] = np.where(guarded, np.nan, 100 * frame["g_tfp"] / frame["g_y"])
        frame["capital_source"] = capital_source
        frames.append(frame.dropna(subset=["g_y", "g_k", "g_l"]))
    out = pd.concat(frames, ignore_index=True)
    return out[COLUMNS]


COLUMNS = ["region", "year", "method", "alpha", "g_y", "g_k", "g_l", "contrib_k", "contrib_l", "g_tfp",
           "tfp_share_pct", "flag", "capital_source"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def growth_table(macro: pd.DataFrame, harmonised: pd.DataFrame | None = None, alpha: float = DEFAULT_ALPHA,
                 delta: float = DEFAULT_DELTA, growth_guard: float = GROWTH_GUARD_PCT,
                 first_year: int = 1991) -> pd.DataFrame:
    """The contract table ``tfp_growth_accounting``: every region with complete inputs, from ``first_year``."""
    frames = [growth_accounting(inputs, region, alpha, delta, growth_guard=growth_guard)
              for region, inputs in regional_inputs(macro, harmonised).items()]
    frames = [f[f["year"] >= first_year] for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else _empty()


def period_shares(yearly: pd.DataFrame, periods: list[tuple[int, int]], published: pd.DataFrame | None = None,
                  targets: pd.DataFrame | None = None, exclude_breaks: bool = False,
                  growth_guard: float = GROWTH_GUARD_PCT) -> pd.DataFrame:
    """The contract table ``tfp_periods``: each period over the years with data inside it.

    share = mean(g_tfp) / mean(g_y) × 100, none (``share_flag``) where mean output growth ≤ ``growth_guard``.
    ``published`` is the processed macro table (for the published shares of the same period), ``targets``
    the processed targets (current period-mean TFP targets).
    """
    rows = []
    for (region, method), group in yearly.groupby(["region", "method"]):
        for start, end in periods:
            years = group[(group["year"] >= start) & (group["year"] <= end)]
            if exclude_breaks:
                years = years[~years["flag"].str.contains("input_break")]
            if years.empty:
                continue
            mean_y, mean_tfp = years["g_y"].mean(), years["g_tfp"].mean()
            guarded = mean_y <= growth_guard
            rows.append(dict(
                region=region, period_start=start, period_end=end, method=method,
                alpha=round(float(years["alpha"].mean()), 6), years_with_data=f"{int(years.year.min())}–{int(years.year.max())}",
                n_years=len(years), g_y=mean_y, g_k=years["g_k"].mean(), g_l=years["g_l"].mean(),
                contrib_k=years["contrib_k"].mean(), contrib_l=years["contrib_l"].mean(), g_tfp=mean_tfp,
                tfp_share_pct=math.nan if guarded else 100 * mean_tfp / mean_y,
                share_flag=(f"mean output growth {mean_y:.2f} ≤ {growth_guard:g}: no share" if guarded else ""),
                published_share_pct=_published(published, region, start, end),
                published_tag=_published_tag(published, region, start, end),
                target_share_pct=_target(targets, region, start, end),
                variant="excluding_break_years" if exclude_breaks else "all_years",
            ))
    return pd.DataFrame(rows)


def periods_table(yearly: pd.DataFrame, periods: list[tuple[int, int]], published: pd.DataFrame | None = None,
                  targets: pd.DataFrame | None = None, growth_guard: float = GROWTH_GUARD_PCT) -> pd.DataFrame:
    """The contract table: one row per region, period and method, over the years with data inside the period
    that carry no input break (``break_years`` lists those left out) — the figures every comparison uses; the
    same period over all years, breaks included, in ``*_all_years`` columns for reference."""
    clean = period_shares(yearly, periods, published, targets, exclude_breaks=True, growth_guard=growth_guard)
    if clean.empty:
        return clean
    full = period_shares(yearly, periods, growth_guard=growth_guard)
    key = ["region", "period_start", "period_end", "method"]
    full = full[key + ["tfp_share_pct", "g_y", "g_tfp", "n_years", "years_with_data"]].rename(columns={
        "tfp_share_pct": "tfp_share_all_years_pct", "g_y": "g_y_all_years", "g_tfp": "g_tfp_all_years",
        "n_years": "n_years_all", "years_with_data": "years_all"})
    out = clean.drop(columns=["variant"]).merge(full, on=key, how="left")
    flagged = yearly[yearly["flag"].str.contains("input_break")]
    out["break_years"] = [", ".join(str(int(y)) for y in flagged[(flagged["region"] == r) & (flagged["method"] == m)
                                                                  & flagged["year"].between(a, b)]["year"])
                          for r, a, b, m in zip(out["region"], out["period_start"], out["period_end"], out["method"])]
    return out


def _published(macro: pd.DataFrame | None, region: str, start: int, end: int) -> float:
    if macro is None:
        return math.nan
    hit = macro[(macro["region"] == region) & (macro["indicator"] == "tfp_contribution_pct")
                & (macro["year_start"] == start) & (macro["year_end"] == end)]
    return float(hit["value"].iloc[0]) if len(hit) else math.nan


def _published_tag(macro: pd.DataFrame | None, region: str, start: int, end: int) -> str:
    """The vintage tag of the published share (``approximate``, ``estimate``, …) or "" for an official figure:
    a comparison with a tagged figure carries the tag into the table."""
    if macro is None:
        return ""
    hit = macro[(macro["region"] == region) & (macro["indicator"] == "tfp_contribution_pct")
                & (macro["year_start"] == start) & (macro["year_end"] == end)]
    return _tag(hit.iloc[0]) if len(hit) else ""


def _tag(row: pd.Series) -> str:
    tag = str(row.get("vintage", "") or "")
    return "" if tag in ("", "nan", "official") else f"[{tag}]"


def _target(targets: pd.DataFrame | None, region: str, start: int, end: int) -> float:
    """The current TFP-share target of the period, for the province whose targets the catalogue holds."""
    if targets is None or region not in ("Bắc Ninh", merged_label("Bắc Ninh")):
        return math.nan
    hit = targets[(targets["indicator"] == "tfp_share_pct") & targets["is_current"].astype(bool)
                  & (targets["period_start"] == start) & (targets["period_end"] == end)]
    return float(hit["value"].iloc[0]) if len(hit) else math.nan


def alpha_sensitivity(inputs: pd.DataFrame, region: str, periods: list[tuple[int, int]],
                      alphas: tuple[float, ...] = ALPHA_BAND, exclude_breaks: bool = False,
                      growth_guard: float = GROWTH_GUARD_PCT) -> pd.DataFrame:
    """Period TFP shares over a band of capital shares; ``break_years`` lists the break years of each period
    (left out with ``exclude_breaks``, else included: the ``variant`` column says which)."""
    frames = []
    for alpha in alphas:
        yearly = growth_accounting(inputs, region, alpha, growth_guard=growth_guard)
        yearly = yearly[yearly["method"] == "cobb_douglas"]
        table = period_shares(yearly, periods, exclude_breaks=exclude_breaks, growth_guard=growth_guard)
        if len(table):
            flagged = yearly[yearly["flag"].str.contains("input_break")]["year"]
            table["break_years"] = [", ".join(str(int(y)) for y in flagged[flagged.between(a, b)])
                                    for a, b in zip(table["period_start"], table["period_end"])]
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _break_free(yearly: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    inside = yearly[(yearly["method"] == "cobb_douglas") & yearly["year"].between(start, end)]
    return inside[~inside["flag"].str.contains("input_break")]


def reconciling_alpha(inputs: pd.DataFrame, region: str, start: int, end: int, published_share: float) -> float:
    """The capital share α at which the break-free period share equals a published share (linear in α)."""
    years = _break_free(growth_accounting(inputs, region, 0.0), start, end)
    g_y, g_k, g_l = years["g_y"].mean(), years["g_k"].mean(), years["g_l"].mean()
    # share(α) = 100 (g_y − α g_k − (1 − α) g_l) / g_y  →  solve share(α) = published
    return float((g_y - g_l - published_share / 100 * g_y) / (g_k - g_l))


def published_check(inputs: pd.DataFrame, region: str, published: pd.DataFrame, alpha: float = DEFAULT_ALPHA,
                    alphas: tuple[float, ...] = ALPHA_BAND, calibration: tuple[int, int] = CALIBRATION_PERIOD,
                    growth_guard: float = GROWTH_GUARD_PCT) -> pd.DataFrame:
    """Own shares against the published ones, over break-free years only.

    ``role`` is ``calibration`` for the period α was chosen from (agreement there is by construction) and
    ``check`` for the others (out of sample). Columns: the years used, the break years left out, the share at
    ``alpha``, the band over ``alphas``, whether the published figure is inside it, and the reconciling α.
    """
    rows = []
    for _, pub in published.iterrows():
        start, end = int(pub["year_start"]), int(pub["year_end"])
        if start == end:
            continue
        shares = {}
        for a in tuple(alphas) + (alpha,):
            yearly = growth_accounting(inputs, region, a, growth_guard=growth_guard)
            years = _break_free(yearly, start, end)
            if len(years) < 2:
                break
            mean_y = years["g_y"].mean()
            shares[a] = math.nan if mean_y <= growth_guard else 100 * years["g_tfp"].mean() / mean_y
        else:
            all_years = yearly[(yearly["method"] == "cobb_douglas") & yearly["year"].between(start, end)]
            band = [shares[a] for a in alphas]
            value = float(pub["value"])
            used = (int(years.year.min()), int(years.year.max()))
            rows.append(dict(
                region=region, period=f"{start}–{end}", years_used=f"{used[0]}–{used[1]}",
                break_years_left_out=", ".join(str(int(y)) for y in sorted(set(all_years.year) - set(years.year))),
                role="calibration" if (start, end) == tuple(calibration) else "check",
                published=value, published_tag=_tag(pub), alpha=alpha, share_at_alpha=shares[alpha],
                band_low=min(band), band_high=max(band), band_width_pp=max(band) - min(band),
                inside_band=min(band) <= value <= max(band),
                reconciling_alpha=reconciling_alpha(inputs, region, start, end, value),
                years_match=used == (start, end),
                basis_note=_check_note(used, (start, end), pub, max(band) - min(band))))
    return pd.DataFrame(rows)


BAND_UNINFORMATIVE_PP = 15.0  # an α band wider than this says little about whether a published figure fits


def _check_note(used: tuple[int, int], period: tuple[int, int], pub: pd.Series, width: float) -> str:
    """What the comparison rests on: other years than the published figure, a tagged figure, a wide band."""
    notes = []
    if used != period:
        notes.append(f"own {used[0]}–{used[1]} against a published {period[0]}–{period[1]}: not the same years")
    if _tag(pub):
        notes.append(f"published figure tagged {_tag(pub)}")
    if width > BAND_UNINFORMATIVE_PP:
        notes.append(f"the α band spans {width:.1f} points: inside_band says little")
    return "; ".join(notes)


def national_record(yearly: pd.DataFrame, periods: list[tuple[int, int]] | None = None,
                    region: str = NATION) -> pd.Series | None:
    """The plan period with the fastest TFP growth, over break-free years only (the record a target is held to)."""
    periods = periods or [p for p in PLAN_PERIODS if p[0] >= 1991 and p[1] <= 2020]
    clean = period_shares(yearly[(yearly["region"] == region) & (yearly["method"] == "cobb_douglas")], periods,
                          exclude_breaks=True)
    if clean.empty:
        return None
    return clean.sort_values("g_tfp", ascending=False).iloc[0]


def to_percent(log_points: float) -> float:
    """A growth rate in log points (100 × Δln) as a percentage change: 100 × (e^(g/100) − 1)."""
    return 100 * math.expm1(log_points / 100)


def to_log_points(percent: float) -> float:
    """A percentage change as log points: 100 × ln(1 + g/100)."""
    return 100 * math.log1p(percent / 100)


RECORD_COLUMNS = ["what", "years", "unit", "value", "value_high", "times_record", "times_record_high"]


def record_table(yearly: pd.DataFrame, required_tfp_growth: float | None = None, alpha: float = DEFAULT_ALPHA, *,
                 share: float | None = None, grdp_growth: tuple[float, float] | None = None) -> pd.DataFrame:
    """The target's required TFP growth beside Viet Nam's break-free record, like for like.

    The documents state growth in percent; the growth accounting works in log points. Each requirement is
    divided by the record in the same unit, and a range of GRDP growth gives a range of multiples
    (``times_record``–``times_record_high``), never one end of it. Rows: the requirement and the record in
    percent (the record row is the first break-free row: the one the brief reads), the same in log points
    (requirement = share × 100 ln(1 + GRDP growth)), and the record with the break years for reference only.
    ``share`` (%) and ``grdp_growth`` (low, high, % a year) give both bases; ``required_tfp_growth`` alone (% a
    year) gives the percent basis only.
    """
    record = national_record(yearly)
    if record is None:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    periods = [p for p in PLAN_PERIODS if p[0] >= 1991 and p[1] <= 2020]
    with_breaks = period_shares(yearly[(yearly["region"] == NATION) & (yearly["method"] == "cobb_douglas")], periods)
    best_raw = with_breaks.sort_values("g_tfp", ascending=False).iloc[0]
    a = format(alpha, "g").replace(".", ",")
    if share is not None and grdp_growth is not None:
        low, high = sorted(grdp_growth)
        need_pct = (share / 100 * low, share / 100 * high)
        need_log = (share / 100 * to_log_points(low), share / 100 * to_log_points(high))
    else:
        need_pct, need_log = (required_tfp_growth, required_tfp_growth), None
    best_log, best_pct = float(record["g_tfp"]), to_percent(float(record["g_tfp"]))
    years = record["years_with_data"]
    free = f"không tính năm điểm gãy (α = {a})"
    rows = [
        dict(what="Mục tiêu 2026–2030: tăng trưởng TFP tối thiểu (%/năm)", years="2026–2030", unit="percent",
             value=need_pct[0], value_high=need_pct[1], times_record=need_pct[0] / best_pct,
             times_record_high=need_pct[1] / best_pct),
        dict(what=f"Việt Nam, giai đoạn TFP tăng nhanh nhất, {free} (%/năm)", years=years, unit="percent",
             value=best_pct, value_high=best_pct, times_record=1.0, times_record_high=1.0),
    ]
    if need_log is not None:
        rows.append(dict(what="Mục tiêu 2026–2030: tăng trưởng TFP tối thiểu (điểm log/năm)", years="2026–2030",
                         unit="log_points", value=need_log[0], value_high=need_log[1],
                         times_record=need_log[0] / best_log, times_record_high=need_log[1] / best_log))
    rows += [
        dict(what=f"Việt Nam, giai đoạn TFP tăng nhanh nhất, {free} (điểm log/năm)", years=years,
             unit="log_points", value=best_log, value_high=best_log, times_record=1.0, times_record_high=1.0),
        dict(what=f"— tham khảo: kể cả năm điểm gãy (α = {a}) (điểm log/năm)", years=best_raw["years_with_data"],
             unit="log_points", value=float(best_raw["g_tfp"]), value_high=float(best_raw["g_tfp"]),
             times_record=float(best_raw["g_tfp"]) / best_log, times_record_high=float(best_raw["g_tfp"]) / best_log),
    ]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


TRANSIENT_K0_RANGE = (0.5, 1.5)  # initial stocks half and one and a half times the steady state
TRANSIENT_SPREAD_PP = 5.0  # a period share moving more than this across that range rests on the assumed K₀


def _input_breaks(*series: pd.Series) -> dict[str, set[int]]:
    """The break years the series carry from the inputs they were taken from (``inputs_for`` sets them)."""
    breaks: dict[str, set[int]] = {}
    for one in series:
        for indicator, years in (one.attrs.get("breaks") or {}).items():
            breaks.setdefault(indicator, set()).update(int(y) for y in years)
    return breaks


def pim_sensitivity(investment: pd.Series, output: pd.Series, employment: pd.Series, region: str,
                    deltas: tuple[float, ...] = (0.03, 0.05, 0.07, 0.09), start_years: tuple[int, ...] = (),
                    k0_factors: tuple[float, ...] = (1.0,), alpha: float = DEFAULT_ALPHA,
                    periods: list[tuple[int, int]] = list(PLAN_PERIODS),
                    breaks: dict[str, set[int]] | None = None) -> pd.DataFrame:
    """Period shares when capital is built by perpetual inventory: by depreciation rate δ, by the year the
    inventory starts (``start_years``; the first year of investment always included) and by a factor on K₀.

    The rules of every other TFP table hold: the years with an input break (``breaks``, by indicator; default:
    those the series carry from ``inputs_for``) are left out and listed in ``break_years``. A period whose
    share still rests on the assumed initial stock is flagged ``start_up_transient``: its share moves by more
    than ``TRANSIENT_SPREAD_PP`` points (``k0_spread_pp``) when K₀ goes from 0,5 to 1,5 times the steady state.
    """
    investment = investment.sort_index()
    breaks = _input_breaks(output, employment, investment) if breaks is None else breaks
    starts = sorted({int(investment.index.min()), *start_years})
    frames = []

    @functools.cache  # the K₀ spread and the tables need the same (start, δ, K₀) runs: each computed once
    def shares(start: int, delta: float, factor: float) -> pd.DataFrame:
        inputs = pd.DataFrame({"grdp_const": output, "employment": employment,
                               "investment_const": investment[investment.index >= start]})
        inputs = inputs[inputs.index >= start]
        inputs.attrs["breaks"] = breaks
        yearly = growth_accounting(inputs, region, alpha, delta=delta, k0_factor=factor)
        table = period_shares(yearly, periods, exclude_breaks=True)
        flagged = yearly[yearly["flag"].str.contains("input_break")]["year"]
        table["break_years"] = [", ".join(str(int(y)) for y in flagged[flagged.between(a, b)])
                                for a, b in zip(table["period_start"], table["period_end"])]
        return table

    key = ["period_start", "period_end"]
    for start in starts:
        for delta in deltas:
            ends = [shares(start, delta, f).set_index(key)["tfp_share_pct"] for f in TRANSIENT_K0_RANGE]
            spread = (ends[1] - ends[0]).abs()
            for factor in k0_factors:
                table = shares(start, delta, factor).copy()
                table["k0_spread_pp"] = spread.reindex(pd.MultiIndex.from_frame(table[key])).to_numpy()
                table["start_up_transient"] = table["k0_spread_pp"] > TRANSIENT_SPREAD_PP
                note = (f"start_up_transient: share moves {{:.1f}} points with K₀ × {TRANSIENT_K0_RANGE[0]:g}–"
                        f"{TRANSIENT_K0_RANGE[1]:g}")
                table["share_flag"] = [";".join(x for x in (flag, note.format(s) if t else "") if x)
                                       for flag, t, s in zip(table["share_flag"], table["start_up_transient"],
                                                             table["k0_spread_pp"])]
                frames.append(table.assign(delta=delta, pim_start=start, k0_factor=factor))
    return pd.concat(frames, ignore_index=True)


def delta_sensitivity(investment: pd.Series, output: pd.Series, employment: pd.Series, region: str,
                      deltas: tuple[float, ...] = (0.03, 0.05, 0.07, 0.09), alpha: float = DEFAULT_ALPHA,
                      periods: list[tuple[int, int]] = list(PLAN_PERIODS),
                      breaks: dict[str, set[int]] | None = None) -> pd.DataFrame:
    """Period shares by depreciation rate only (the inventory starting with the investment series)."""
    return pim_sensitivity(investment, output, employment, region, deltas, alpha=alpha, periods=periods,
                           breaks=breaks)


TERRITORY_NAMES = {"old": "tỉnh cũ", "merged": "tỉnh mới"}
NON_FINAL_KINDS = {"estimate": "estimate", "early estimate": "estimate", "preliminary": "preliminary",
                   "approximate": "approximate"}
KIND_NAMES = {"official": "chính thức", "estimate": "ước tính", "preliminary": "sơ bộ", "approximate": "xấp xỉ"}
DOCUMENT_BASIS = dict(territory="merged", kind="target", years="", break_years="", refused="", refused_vi="")


def growth_basis(macro: pd.DataFrame, region: str, start: int, end: int,
                 indicator: str = "grdp_growth_pct") -> dict:
    """The realised mean yearly growth of a period and what it rests on — or a refusal.

    A mean is computed only over one territory and one kind of figure, with no break year: a period that mixes
    the old and the merged province, or official figures with estimates, gets ``growth`` NaN and ``refused``
    saying what is mixed. Keys: growth, years, territory, kind, break_years, refused.
    """
    rows = _annual(macro)
    rows = rows[(rows["region"] == region) & (rows["indicator"] == indicator)
                & rows["year_start"].between(start, end)].sort_values("year_start")
    if rows.empty:
        return dict(growth=math.nan, years="", territory="", kind="", break_years="",
                    refused=f"no {indicator} for {region} in {start}–{end}",
                    refused_vi=f"không có số liệu {start}–{end}")
    years = [int(y) for y in rows["year_start"]]
    territory = (rows["territory"] if "territory" in rows.columns else pd.Series("", index=rows.index)).fillna("")
    # every final figure (official, revised, an agency's report) is one kind; estimates are not
    vintages = rows["vintage"].fillna("") if "vintage" in rows.columns else pd.Series("", index=rows.index)
    kind = vintages.map(lambda v: NON_FINAL_KINDS.get(str(v), "official"))
    breaks = rows[rows["break_flag"].astype(bool)]["year_start"] if "break_flag" in rows.columns else []

    def by(values: pd.Series) -> str:
        return "; ".join(f"{v}: {_ranges(sorted(int(y) for y in rows.loc[values == v, 'year_start']))}"
                         for v in dict.fromkeys(values))

    refused = []
    if territory.nunique() > 1:
        refused.append(f"territories mixed ({by(territory)})")
    if kind.nunique() > 1:
        refused.append(f"kinds mixed ({by(kind)})")
    if len(breaks):
        refused.append(f"break years {_ranges(sorted(int(y) for y in breaks))}")
    missing = sorted(set(range(start, end + 1)) - set(years))
    if missing:
        refused.append(f"years missing {_ranges(missing)}")
    vi = []
    if territory.nunique() > 1:
        vi.append("trộn địa giới (" + by(territory.map(lambda t: TERRITORY_NAMES.get(t, t))) + ")")
    if kind.nunique() > 1:
        vi.append("trộn số chính thức và ước tính (" + by(kind.map(lambda k: KIND_NAMES.get(k, k))) + ")")
    if len(breaks):
        vi.append(f"năm điểm gãy {_ranges(sorted(int(y) for y in breaks))}")
    if missing:
        vi.append(f"thiếu năm {_ranges(missing)}")
    return dict(growth=math.nan if refused else float(rows["value"].mean()), years=_ranges(years),
                territory=by(territory) if territory.nunique() > 1 else str(territory.iloc[0]),
                kind=by(kind) if kind.nunique() > 1 else str(kind.iloc[0]),
                break_years=", ".join(str(int(y)) for y in breaks), refused="; ".join(refused),
                refused_vi="; ".join(vi))


def target_arithmetic(growth_low: float, growth_high: float, share: float,
                      alphas: tuple[float, ...] = (0.35, 0.43, 0.50),
                      labour_growth: tuple[float, ...] = (0.0, 1.0, 2.0), *, basis: dict | None = None,
                      period: str = "") -> pd.DataFrame:
    """What a TFP share target asks, in the documents' terms (% a year) and in log points.

    Required TFP growth = share × output growth; what is left for capital and labour = the rest; and, for a
    capital share α and a labour growth g_l, the fastest the capital stock may grow: (rest − (1 − α) g_l) / α.
    ``basis`` says what the output growth rests on (``growth_basis``; default: a growth target of the merged
    province's documents): ``territory``, ``kind``, ``years``, ``break_years`` are columns of every row, and a
    basis with ``refused`` (a mixture of territories, kinds or break years) gives its rows no numbers.
    """
    basis = {**DOCUMENT_BASIS, **(basis or {})}
    if basis["refused"]:
        growth_low = growth_high = math.nan
    rows = []
    for growth in ([growth_low] if math.isnan(growth_low) else sorted({growth_low, growth_high})):
        tfp = share / 100 * growth
        rest = growth - tfp
        for alpha in alphas:
            for g_l in labour_growth:
                rows.append(dict(target_share_pct=share, period=period, grdp_growth=growth,
                                 required_tfp_growth=round(tfp, 3),
                                 required_tfp_growth_log=round(share / 100 * to_log_points(growth), 3)
                                 if not math.isnan(growth) else math.nan,
                                 room_for_capital_and_labour=round(rest, 3), alpha=alpha, labour_growth=g_l,
                                 max_capital_growth=round((rest - (1 - alpha) * g_l) / alpha, 2),
                                 territory=basis["territory"], kind=basis["kind"], years=basis["years"],
                                 break_years=basis["break_years"], refused=basis["refused"]))
    return pd.DataFrame(rows)


def data_status(macro: pd.DataFrame, regions: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Which TFP inputs exist for each region, and for which years (default: every region with any of them)."""
    rows = []
    annual = _annual(macro)
    if regions is None:
        regions = tuple(sorted(annual[annual["indicator"].isin(TFP_INPUTS)]["region"].unique(),
                               key=lambda r: (r != NATION, r)))
    for region in regions:
        for indicator in TFP_INPUTS:
            years = sorted(annual[(annual["region"] == region) & (annual["indicator"] == indicator)]["year_start"])
            rows.append(dict(region=region, indicator=indicator, n_years=len(years),
                             years=_ranges(years) if years else "không có số liệu"))
    return pd.DataFrame(rows)


def growth_vintages(vintages: pd.DataFrame, macro: pd.DataFrame, regions: tuple[str, ...],
                    indicator: str = "grdp_growth_pct") -> pd.DataFrame:
    """Every published vintage of a yearly figure side by side (one column each), with the one kept."""
    grow = vintages[vintages["region"].isin(regions) & (vintages["indicator"] == indicator)
                    & (vintages["year_start"] == vintages["year_end"])]
    kept = _annual(macro)
    kept = kept[kept["region"].isin(regions) & (kept["indicator"] == indicator)]
    kept = kept[["region", "year_start", "value", "vintage"]].rename(
        columns={"year_start": "year", "value": "kept", "vintage": "kept_vintage"})
    table = grow.pivot_table(index=["region", "year_start"], columns="vintage", values="value", aggfunc="first")
    table.index = table.index.set_names(["region", "year"])
    table.columns.name = None
    return table.reset_index().merge(kept, on=["region", "year"], how="outer").sort_values(["region", "year"]) \
        .reset_index(drop=True)


def _ranges(years: list[int]) -> str:
    parts, start, prev = [], years[0], years[0]
    for year in years[1:] + [None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if year is not None:
            start = prev = year
    return ", ".join(parts)


def analysis_periods(macro: pd.DataFrame) -> list[tuple[int, int]]:
    """The plan and target periods, plus every period for which a TFP share was published."""
    periods = list(PLAN_PERIODS) + list(TARGET_PERIODS)
    published = macro[(macro["indicator"] == "tfp_contribution_pct") & (macro["year_start"] != macro["year_end"])]
    for start, end in zip(published["year_start"], published["year_end"]):
        if (int(start), int(end)) not in periods:
            periods.append((int(start), int(end)))
    return periods
