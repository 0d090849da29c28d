"""Total factor productivity (năng suất các nhân tố tổng hợp, TFP) by growth accounting.

Growth rates are 100 × log-differences, so output growth splits exactly into the contributions of capital,
labour and TFP: g_tfp = g_y − α·g_k − (1 − α)·g_l (Cobb-Douglas, fixed capital share α), or with the average
of two years' labour shares s̄_L in place of 1 − α (Törnqvist, where a labour-share series exists). The share
of TFP in growth over a period is mean(g_tfp) / mean(g_y) × 100 — never the mean of yearly shares, which blows
up in a year of near-zero growth. Such a year is flagged and gets no yearly share.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DEFAULT_ALPHA = 0.43  # capital share; the PWT README check: ≈ GSO's 33.58 % for 2011-2015 (a band is always shown)
ALPHA_BAND = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
NEAR_ZERO_GROWTH = 0.5  # |g_y| below this many log points: no yearly share
PLAN_PERIODS = ((1991, 1995), (1996, 2000), (2001, 2005), (2006, 2010), (2011, 2015), (2016, 2020),
                (2021, 2025), (2026, 2030))
TARGET_PERIODS = ((2023, 2025),)


def log_growth(series: pd.Series) -> pd.Series:
    """100 × Δln of a level series indexed by consecutive years (NaN across a gap)."""
    series = series.sort_index().astype(float)
    years = series.index.to_series()
    growth = 100 * np.log(series / series.shift(1))
    return growth.where(years.diff() == 1)


def perpetual_inventory(investment: pd.Series, delta: float = 0.05, g_window: int = 5) -> pd.Series:
    """Capital stock from real investment: K₀ = I₀ / (g + δ), K_t = (1 − δ) K_{t−1} + I_t.

    g is the average growth of investment over the first ``g_window`` years (log growth, as a fraction).
    """
    investment = investment.sort_index().astype(float)
    first = investment.iloc[: g_window + 1]
    g = float(np.log(first.iloc[-1] / first.iloc[0]) / (len(first) - 1)) if len(first) > 1 else 0.0
    if g + delta <= 0:
        raise ValueError(f"g + δ must be positive to start the perpetual inventory (g = {g:.3f}, δ = {delta})")
    stock = []
    for i, value in enumerate(investment):
        stock.append(value / (g + delta) if i == 0 else (1 - delta) * stock[-1] + value)
    return pd.Series(stock, index=investment.index, name="capital_stock_const")


def inputs_for(macro: pd.DataFrame, region: str, *, exclude_vintages: tuple[str, ...] = ()) -> pd.DataFrame:
    """Yearly Y, K (or I), L, labour share and hours of one region from the processed macro table."""
    rows = macro[(macro["region"] == region) & (macro["year_start"] == macro["year_end"])]
    wide = rows.pivot_table(index="year_start", columns="indicator", values="value", aggfunc="first")
    breaks = rows[rows["break_flag"].astype(bool)].groupby("indicator")["year_start"].apply(set).to_dict()
    wide.index = wide.index.astype(int)
    wide.index.name = "year"
    wide.attrs["breaks"] = breaks
    return wide


def growth_accounting(inputs: pd.DataFrame, region: str, alpha: float = DEFAULT_ALPHA,
                      delta: float = 0.05, g_window: int = 5) -> pd.DataFrame:
    """The contract table rows for one region: year, method, alpha, g_y, g_k, g_l, g_tfp, tfp_share_pct, flag."""
    needed = {"grdp_const", "employment"}
    if not needed <= set(inputs.columns) or not ({"capital_stock_const", "investment_const"} & set(inputs.columns)):
        return _empty()
    data = inputs.copy()
    capital_source = "given"
    if "capital_stock_const" not in data.columns or data["capital_stock_const"].isna().all():
        data["capital_stock_const"] = perpetual_inventory(data["investment_const"].dropna(), delta, g_window)
        capital_source = f"perpetual inventory (δ = {delta}, g over {g_window} years)"
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
        frame["flag"] = ""
        near_zero = frame["g_y"].abs() < NEAR_ZERO_GROWTH
        frame.loc[near_zero, "flag"] = "near_zero_growth"
        in_break = frame["year"].isin(break_years)
        frame.loc[in_break, "flag"] = (frame.loc[in_break, "flag"] + ";input_break").str.strip(";")
        frame["tfp_share_pct"] = np.where(near_zero, np.nan, 100 * frame["g_tfp"] / frame["g_y"])
        frame["capital_source"] = capital_source
        frames.append(frame.dropna(subset=["g_y", "g_k", "g_l"]))
    out = pd.concat(frames, ignore_index=True)
    return out[["region", "year", "method", "alpha", "g_y", "g_k", "g_l", "contrib_k", "contrib_l", "g_tfp",
                "tfp_share_pct", "flag", "capital_source"]]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["region", "year", "method", "alpha", "g_y", "g_k", "g_l", "contrib_k",
                                 "contrib_l", "g_tfp", "tfp_share_pct", "flag", "capital_source"])


def period_shares(yearly: pd.DataFrame, periods: list[tuple[int, int]], published: pd.DataFrame | None = None,
                  targets: pd.DataFrame | None = None, exclude_breaks: bool = False) -> pd.DataFrame:
    """The contract table ``tfp_periods``: each period over the years with data inside it.

    share = mean(g_tfp) / mean(g_y) × 100. ``published`` is the processed macro table (for the published
    shares of the same period), ``targets`` the processed targets (current period-mean TFP targets).
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
            share = 100 * mean_tfp / mean_y if abs(mean_y) >= NEAR_ZERO_GROWTH else math.nan
            rows.append(dict(
                region=region, period_start=start, period_end=end, method=method,
                alpha=float(years["alpha"].mean()), years_with_data=f"{int(years.year.min())}–{int(years.year.max())}",
                n_years=len(years), g_y=mean_y, g_k=years["g_k"].mean(), g_l=years["g_l"].mean(),
                contrib_k=years["contrib_k"].mean(), contrib_l=years["contrib_l"].mean(), g_tfp=mean_tfp,
                tfp_share_pct=share,
                published_share_pct=_published(published, region, start, end),
                target_share_pct=_target(targets, region, start, end),
                variant="excluding_break_years" if exclude_breaks else "all_years",
            ))
    return pd.DataFrame(rows)


def periods_table(yearly: pd.DataFrame, periods: list[tuple[int, int]], published: pd.DataFrame | None = None,
                  targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract table: one row per region, period and method over all years with data, plus the same share
    without the years flagged as an input break (``tfp_share_excl_breaks_pct``) and which years those are."""
    full = period_shares(yearly, periods, published, targets)
    if full.empty:
        return full
    clean = period_shares(yearly, periods, exclude_breaks=True)
    key = ["region", "period_start", "period_end", "method"]
    clean = clean[key + ["tfp_share_pct", "g_tfp", "n_years"]].rename(columns={
        "tfp_share_pct": "tfp_share_excl_breaks_pct", "g_tfp": "g_tfp_excl_breaks", "n_years": "n_years_excl_breaks"})
    out = full.drop(columns=["variant"]).merge(clean, on=key, how="left")
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
    if targets is None or region != "Bắc Ninh":
        return math.nan
    hit = targets[(targets["indicator"] == "tfp_share_pct") & targets["is_current"].astype(bool)
                  & (targets["period_start"] == start) & (targets["period_end"] == end)]
    return float(hit["value"].iloc[0]) if len(hit) else math.nan


def alpha_sensitivity(inputs: pd.DataFrame, region: str, periods: list[tuple[int, int]],
                      alphas: tuple[float, ...] = ALPHA_BAND, exclude_breaks: bool = False) -> pd.DataFrame:
    """Period TFP shares over a band of capital shares."""
    frames = []
    for alpha in alphas:
        yearly = growth_accounting(inputs, region, alpha)
        yearly = yearly[yearly["method"] == "cobb_douglas"]
        frames.append(period_shares(yearly, periods, exclude_breaks=exclude_breaks))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def reconciling_alpha(inputs: pd.DataFrame, region: str, start: int, end: int, published_share: float) -> float:
    """The capital share α at which the period share equals a published share (the share is linear in α)."""
    yearly = growth_accounting(inputs, region, 0.0)
    years = yearly[(yearly["method"] == "cobb_douglas") & yearly["year"].between(start, end)]
    g_y, g_k, g_l = years["g_y"].mean(), years["g_k"].mean(), years["g_l"].mean()
    # share(α) = 100 (g_y − α g_k − (1 − α) g_l) / g_y  →  solve share(α) = published
    return float((g_y - g_l - published_share / 100 * g_y) / (g_k - g_l))


def delta_sensitivity(investment: pd.Series, output: pd.Series, employment: pd.Series, region: str,
                      deltas: tuple[float, ...] = (0.03, 0.05, 0.07, 0.09), alpha: float = DEFAULT_ALPHA,
                      periods: list[tuple[int, int]] = list(PLAN_PERIODS)) -> pd.DataFrame:
    """Period shares when capital is built by perpetual inventory with different depreciation rates."""
    frames = []
    for delta in deltas:
        inputs = pd.DataFrame({"grdp_const": output, "employment": employment, "investment_const": investment})
        yearly = growth_accounting(inputs, region, alpha, delta=delta)
        shares = period_shares(yearly, periods)
        shares["delta"] = delta
        frames.append(shares)
    return pd.concat(frames, ignore_index=True)


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


def data_status(macro: pd.DataFrame, regions: tuple[str, ...]) -> pd.DataFrame:
    """Which TFP inputs exist for each region, and for which years."""
    rows = []
    annual = macro[macro["year_start"] == macro["year_end"]]
    for region in regions:
        for indicator in ("grdp_const", "capital_stock_const", "investment_const", "employment", "labor_share"):
            years = sorted(annual[(annual["region"] == region) & (annual["indicator"] == indicator)]["year_start"])
            rows.append(dict(region=region, indicator=indicator, n_years=len(years),
                             years=_ranges(years) if years else "không có số liệu"))
    return pd.DataFrame(rows)


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
