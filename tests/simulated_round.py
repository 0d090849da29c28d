"""A simulated complete data round — SYNTHETIC numbers for tests only, never data.

Every indicator of ``data/raw/targets.csv`` gets a plausible yearly series for the merged province, as if every
agency had returned its workbook (2016–2025 actual, 2026 an estimate), with a fixed seed: trends that reach, nearly
reach or miss their targets, linear and convex (fast-compounding, like IPv6 use) shapes, a few short series,
ranks within 1…34, percentages within 0…100, yearly counts of the 2023–2025 totals (4 + 5 + 4 and 3 + 4 + 4 as in
the December 2026 round) and a growth-accounting table for the merged province's TFP.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

FIRST, LAST = 2016, 2025
MERGED_TFP = "Bắc Ninh (sau sáp nhập)"
_DERIVED = re.compile(r"^(?P<base>.+?)_(?:growth_pct|increase_since_\d{4})$")
PERIOD_COUNTS = {"st_enterprises_supported_2023_2025": {2023: 4, 2024: 5, 2025: 4},
                 "innovative_startups_supported_2023_2025": {2023: 3, 2024: 4, 2025: 4}}
# how far along the path to its target each simulated series gets (1 = exactly on the way), cycled over targets
PACES = (1.3, 1.0, 0.8, 0.5, 1.1, 0.95, 0.3, 1.6)


def _row(indicator: str, year: int, value: float, kind: str = "actual", territory: str = "merged") -> dict:
    return dict(indicator=indicator, region="Bắc Ninh", year=year, value=float(value), unit="u", kind=kind,
                source="Báo cáo mô phỏng (synthetic)", territory=territory)


def _level_series(t: pd.Series, pace: float, convex: bool, short: bool, rng: np.random.Generator) -> dict[int, float]:
    target = float(t["value"])
    rank = t["operator"] == "rank<="
    percent = "%" in str(t["unit"]) and "GRDP" not in str(t["unit"])
    years = np.arange(2021 if short else FIRST, LAST + 1)
    horizon = int(t["target_year"]) - FIRST
    if rank:
        start = min(34.0, target + 12.0)
        path = start - pace * (start - target) * (years - FIRST) / horizon
        return {int(y): float(np.clip(round(v + rng.normal(0, 0.6)), 1, 34)) for y, v in zip(years, path)}
    start = target * (0.08 if convex else 0.45)
    if convex:  # compound growth: far below the target for years, then fast
        growth = (target / start) ** (1 / horizon) - 1
        path = start * (1 + pace * growth) ** (years - FIRST)
    else:
        path = start + pace * (target - start) * (years - FIRST) / horizon
    noisy = path * (1 + rng.normal(0, 0.02, len(years)))
    if percent:
        noisy = np.clip(noisy, 0, 100)
    return {int(y): float(v) for y, v in zip(years, noisy)}


def simulated_round(targets: pd.DataFrame, seed: int = 19) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kpi rows, TFP growth-accounting rows) of a complete simulated round for the current targets."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    done: set[str] = set()
    current = targets[targets["is_current"].astype(bool)].sort_values(["indicator", "target_year"])
    for i, (_, t) in enumerate(current.iterrows()):
        indicator = str(t["indicator"])
        match = _DERIVED.match(indicator)
        if indicator in done or indicator in ("tfp_share_pct",):
            continue
        if indicator in PERIOD_COUNTS:
            # as an agency fills the workbook: region Bắc Ninh, 2023–2024 without a territory (the default rule)
            rows += [_row(indicator, y, v, territory="") for y, v in PERIOD_COUNTS[indicator].items()]
        elif indicator.endswith("_growth_pct"):
            base = match["base"] if indicator != "grdp_growth_pct" else None  # GRDP growth is reported as a rate
            if base and base not in done:  # a yearly count growing 15–30 % a year
                level = 10.0 + rng.uniform(0, 20)
                for y in range(FIRST, LAST + 1):
                    rows.append(_row(base, y, round(level)))
                    level *= 1 + rng.uniform(0.10, 0.30)
                done.add(base)
            if not base:
                rows += [_row(indicator, y, rng.uniform(6.0, 10.0)) for y in range(FIRST, LAST + 1)]
        elif match:  # an increase since a base year: the yearly stock of enterprises
            base = match["base"]
            if base not in done:
                rows += [_row(base, y, 30 + 2 * (y - FIRST) + int(rng.integers(0, 2))) for y in range(FIRST, LAST + 1)]
                rows.append(_row(base, 2026, 52, kind="estimate"))
                done.add(base)
        else:
            pace = PACES[i % len(PACES)]
            convex = indicator in ("ipv6_usage_pct", "st_enterprises_count", "st_dx_spending_grdp_pct",
                                   "ip_applications_per_year", "innovation_projects_supported_per_year",
                                   "st_works_accepted_per_year") or i % 5 == 0
            series = _level_series(t, pace, convex, short=i % 7 == 3, rng=rng)
            rows += [_row(indicator, y, v) for y, v in series.items()]
            rows.append(_row(indicator, 2026, list(series.values())[-1], kind="estimate"))
        done.add(indicator)
    kpi = pd.DataFrame(rows)
    years = range(2011, LAST + 1)
    g_y = {y: 8.0 + rng.normal(0, 1.5) for y in years}
    tfp = pd.DataFrame([dict(region=MERGED_TFP, year=y, method="cobb_douglas", g_y=g_y[y],
                             g_tfp=0.35 * g_y[y] + rng.normal(0, 0.8)) for y in years])
    return kpi, tfp


def effective_operator(row: pd.Series | dict) -> str:
    """The operator a row's paces are read in (a ``between`` target against its nearer bound)."""
    if row["operator"] != "between" or (isinstance(row["latest_value"], float) and math.isnan(row["latest_value"])):
        return row["operator"]
    return ">=" if row["latest_value"] < row["target_value"] else "<="
