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
    """Period TFP shares over a band of capital shares."""
    frames = []
    for alpha in alphas:
        yearly = growth_accounting(inputs, region, alpha, growth_guard=growth_guard)
        yearly = yearly[yearly["method"] == "cobb_douglas"]
        frames.append(period_shares(yearly, periods, exclude_breaks=exclude_breaks, growth_guard=growth_guard))
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
            rows.append(dict(
                region=region, period=f"{start}–{end}", years_used=f"{int(years.year.min())}–{int(years.year.max())}",
                break_years_left_out=", ".join(str(int(y)) for y in sorted(set(all_years.year) - set(years.year))),
                role="calibration" if (start, end) == tuple(calibration) else "check",
                published=value, alpha=alpha, share_at_alpha=shares[alpha], band_low=min(band), band_high=max(band),
                inside_band=min(band) <= value <= max(band),
                reconciling_alpha=reconciling_alpha(inputs, region, start, end, value)))
    return pd.DataFrame(rows)


def national_record(yearly: pd.DataFrame, periods: list[tuple[int, int]] | None = None,
                    region: str = NATION) -> pd.Series | None:
    """The plan period with the fastest TFP growth, over break-free years only (the record a target is held to)."""
    periods = periods or [p for p in PLAN_PERIODS if p[0] >= 1991 and p[1] <= 2020]
    clean = period_shares(yearly[(yearly["region"] == region) & (yearly["method"] == "cobb_douglas")], periods,
                          exclude_breaks=True)
    if clean.empty:
        return None
    return clean.sort_values("g_tfp", ascending=False).iloc[0]


def record_table(yearly: pd.DataFrame, required_tfp_growth: float, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """The target's required TFP growth beside Viet Nam's break-free record (row 2) and the record with the
    break years (row 3, for reference only)."""
    record = national_record(yearly)
    if record is None:
        return pd.DataFrame(columns=["what", "years", "value", "times_record"])
    periods = [p for p in PLAN_PERIODS if p[0] >= 1991 and p[1] <= 2020]
    with_breaks = period_shares(yearly[(yearly["region"] == NATION) & (yearly["method"] == "cobb_douglas")], periods)
    best_raw = with_breaks.sort_values("g_tfp", ascending=False).iloc[0]
    a = format(alpha, "g").replace(".", ",")
    rows = [
        dict(what="Mục tiêu 2026–2030: tăng trưởng TFP tối thiểu (%/năm)", years="2026–2030", value=required_tfp_growth),
        dict(what=f"Việt Nam, giai đoạn TFP tăng nhanh nhất, không tính năm điểm gãy (α = {a})",
             years=record["years_with_data"], value=record["g_tfp"]),
        dict(what=f"— tham khảo: kể cả năm điểm gãy (α = {a})", years=best_raw["years_with_data"], value=best_raw["g_tfp"]),
    ]
    out = pd.DataFrame(rows)
    out["times_record"] = out["value"] / record["g_tfp"]
    return out


def pim_sensitivity(investment: pd.Series, output: pd.Series, employment: pd.Series, region: str,
                    deltas: tuple[float, ...] = (0.03, 0.05, 0.07, 0.09), start_years: tuple[int, ...] = (),
                    k0_factors: tuple[float, ...] = (1.0,), alpha: float = DEFAULT_ALPHA,
                    periods: list[tuple[int, int]] = list(PLAN_PERIODS)) -> pd.DataFrame:
    """Period shares when capital is built by perpetual inventory: by depreciation rate δ, by the year the
    inventory starts (``start_years``; the first year of investment always included) and by a factor on K₀."""
    investment = investment.sort_index()
    starts = sorted({int(investment.index.min()), *start_years})
    frames = []
    for start in starts:
        for delta in deltas:
            for factor in k0_factors:
                inputs = pd.DataFrame({"grdp_const": output, "employment": employment,
                                       "investment_const": investment[investment.index >= start]})
                inputs = inputs[inputs.index >= start]
                yearly = growth_accounting(inputs, region, alpha, delta=delta, k0_factor=factor)
                shares = period_shares(yearly, periods)
                frames.append(shares.assign(delta=delta, pim_start=start, k0_factor=factor))
    return pd.concat(frames, ignore_index=True)


def delta_sensitivity(investment: pd.Series, output: pd.Series, employment: pd.Series, region: str,
                      deltas: tuple[float, ...] = (0.03, 0.05, 0.07, 0.09), alpha: float = DEFAULT_ALPHA,
                      periods: list[tuple[int, int]] = list(PLAN_PERIODS)) -> pd.DataFrame:
    """Period shares by depreciation rate only (the inventory starting with the investment series)."""
    return pim_sensitivity(investment, output, employment, region, deltas, alpha=alpha, periods=periods)


def target_arithmetic(growth_low: float, growth_high: float, share: float,
                      alphas: tuple[float, ...] = (0.35, 0.43, 0.50),
                      labour_growth: tuple[float, ...] = (0.0, 1.0, 2.0)) -> pd.DataFrame:
    """What a TFP share target asks, in the documents' terms (% a year).

    Required TFP growth = share × output growth; what is left for capital and labour = the rest; and, for a
    capital share α and a labour growth g_l, the fastest the capital stock may grow: (rest − (1 − α) g_l) / α.
    """
    rows = []
    for growth in sorted({growth_low, growth_high}):
        tfp = share / 100 * growth
        rest = growth - tfp
        for alpha in alphas:
            for g_l in labour_growth:
                rows.append(dict(target_share_pct=share, grdp_growth=growth, required_tfp_growth=round(tfp, 3),
                                 room_for_capital_and_labour=round(rest, 3), alpha=alpha, labour_growth=g_l,
                                 max_capital_growth=round((rest - (1 - alpha) * g_l) / alpha, 2)))
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
