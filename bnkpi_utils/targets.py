"""Will each target be met? Status, projection, probability and required acceleration for the catalogue.

Status (contract). Only values that describe the target's own territory count (interface: the ``territory`` of
each actual, ``old`` = the province before 1 July 2025, ``merged`` = from then on; a target for 2025 or later
concerns the merged province): evidence from the other territory alone gives ``insufficient_data`` whichever way
it points. A target defined on a 63-unit scale (PII scores, ranks) before the merger and measured on the 34-unit
scale is ``not_comparable``. A target whose year has been measured is ``achieved`` or ``not_achieved``. Otherwise
``achieved`` when the latest actual meets the target, else Eurostat's ratio R = actual growth over the last (up
to) five years ÷ growth required from the first year of that window to reach the target in the target year —
R ≥ 0.95 ``on_track``, 0.60–0.95 ``at_risk``, below 0.60 ``off_track`` (R < 0: moving away);
``insufficient_data`` with fewer than two full-year actual points (estimates, plan values and partial-year values
are shown but never used as a full-year point). Growth is compound (CAGR) for positive series, linear otherwise;
decreasing targets (``<=``, ``<``, ranks) are handled symmetrically; ``between`` level targets against the nearer
bound. Period-mean targets (growth rates, TFP shares) are judged on the years inside their period only: none yet
is ``insufficient_data`` with method ``period_not_started`` (the previous period's pace shown as context only).

Projection where the series has at least five actual points: linear trend, log-linear trend, random walk with
drift and a local-linear-trend state-space model (statsmodels), each with an 80 % prediction interval for the
target year (ranks bounded to 1…n), compared by rolling-origin back-testing when it yields at least
``MIN_BACKTEST_FORECASTS`` forecasts per model — otherwise the simplest model (linear trend) is used and the
table says so; a model whose estimated variances sit on their bounds is never used for a probability.
Probability words follow the IPCC calibrated scale (likely from 0.66).
"""

from __future__ import annotations

import datetime
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import provinces, tfp
from .status import STATUSES  # the contract's status set, defined once
from .numbers import format_vi

ON_TRACK, AT_RISK = 0.95, 0.60
MERGED_FROM = 2025  # targets for 2025 on concern the merged province (old Bắc Ninh + Bắc Giang)
MERGER_DATE = "2025-07-01"  # a target issued before this day was set in the 63-unit frame
UNITS_BY_TERRITORY = {"old": 63, "merged": 34}  # provincial units ranked in each frame
WINDOW_YEARS = 5
MIN_POINTS_PROJECTION = 5
MIN_BACKTEST_FORECASTS = 10  # per model; fewer cannot tell calibrated models apart (n = 7 points gives 10)
PI_LEVEL = 0.80
# IPCC AR5 calibrated language (Mastrandrea et al. 2010): likely ≥ 0.66, very likely ≥ 0.90, unlikely ≤ 0.33
VERY_LIKELY_PROBABILITY, LIKELY_PROBABILITY = 0.90, 0.66
UNLIKELY_PROBABILITY, VERY_UNLIKELY_PROBABILITY = 0.33, 0.10
DECREASING_OPERATORS = ("<=", "<", "rank<=")
# "first 10 months of 2025", "10 tháng đầu năm": a value for part of a year
_PARTIAL_YEAR = re.compile(r"first (\d{1,2}) months|(\d{1,2}) tháng đầu năm|(\d{1,2})[- ]month", re.IGNORECASE)


def partial_months(source: str) -> int:
    """Months covered by a value whose source says it is a partial-year result (0: a full year)."""
    match = _PARTIAL_YEAR.search(str(source or ""))
    if not match:
        return 0
    months = int(next(g for g in match.groups() if g))
    return months if months < 12 else 0


def target_territory(target_year: int) -> str:
    return "merged" if int(target_year) >= MERGED_FROM else "old"


def scale_dependent(indicator: str, operator: str) -> bool:
    """Values relative to the set of units ranked: PII scores (min–max over the units) and every rank."""
    return operator == "rank<=" or str(indicator).startswith("pii_") or str(indicator).endswith("_rank")


# --------------------------------------------------------------------------------------------- small helpers


def meets(value: float, operator: str, target: float, high: float | None = None) -> bool:
    """Whether a value satisfies a target."""
    if operator in (">=",):
        return value >= target
    if operator == ">":
        return value > target
    if operator in ("<=", "rank<="):
        return value <= target
    if operator == "<":
        return value < target
    if operator == "==":
        return math.isclose(value, target, rel_tol=1e-9, abs_tol=1e-9)
    if operator == "between":
        return target <= value <= high
    raise ValueError(f"unknown operator {operator!r}")


def effective_target(operator: str, target: float, high: float | None, latest: float) -> tuple[str, float]:
    """A ``between`` target is assessed against its nearer bound: (operator, value)."""
    if operator != "between":
        return operator, target
    return (">=", target) if latest < target else ("<=", high)


def growth_rate(y0: float, y1: float, years: float, compound: bool) -> float:
    """Growth per year: compound (fraction) when both values are positive, else linear (units per year)."""
    if years <= 0:
        return math.nan
    if compound:
        return (y1 / y0) ** (1 / years) - 1
    return (y1 - y0) / years


def eurostat_ratio(t0: int, y0: float, t: int, y: float, target_year: int, target: float,
                   operator: str) -> tuple[float, str]:
    """R = actual growth / required growth, and the growth basis used (``cagr`` or ``linear``).

    Both growths run from the first year of the window. When y0 already met the target but the latest value
    does not, the series has moved away: R is returned as −1.
    """
    compound = y0 > 0 and y > 0 and target > 0
    actual = growth_rate(y0, y, t - t0, compound)
    required = growth_rate(y0, target, target_year - t0, compound)
    decreasing = operator in DECREASING_OPERATORS
    if (required >= 0 and decreasing) or (required <= 0 and not decreasing):
        return -1.0, "cagr" if compound else "linear"  # baseline was already on the right side
    return actual / required, "cagr" if compound else "linear"


def status_from_ratio(ratio: float) -> str:
    if math.isnan(ratio):
        return "insufficient_data"
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= AT_RISK:
        return "at_risk"
    return "off_track"


PROBABILITY_WORDS = {
    "en": ("very likely", "likely", "about as likely as not", "unlikely", "very unlikely"),
    "vi": ("rất có khả năng", "có khả năng", "khả năng đạt và không đạt ngang nhau", "khó", "rất khó"),
}


def probability_words(prob: float, lang: str = "vi") -> str:
    """The IPCC calibrated word for a probability of meeting the target."""
    if prob is None or (isinstance(prob, float) and math.isnan(prob)):
        return ""
    words = PROBABILITY_WORDS["en" if lang == "en" else "vi"]
    if prob >= VERY_LIKELY_PROBABILITY:
        return words[0]
    if prob >= LIKELY_PROBABILITY:
        return words[1]
    if prob > UNLIKELY_PROBABILITY:
        return words[2]
    if prob > VERY_UNLIKELY_PROBABILITY:
        return words[3]
    return words[4]


# --------------------------------------------------------------------------------------------- projections


@dataclass
class Forecast:
    model: str
    mean: float
    low: float
    high: float
    prob: float
    usable: bool  # False: the model hit a parameter bound or did not converge
    reason: str = ""


def _prob_normal(mean: float, se: float, operator: str, target: float, high: float | None, df: float | None = None) -> float:
    if se <= 1e-12 or math.isnan(se):
        return 1.0 if meets(round(mean, 9), operator, target, high) else 0.0
    from scipy import stats  # lazily: importing scipy costs ~1 s in every notebook that never projects

    dist = stats.t(df) if df else stats.norm()
    cdf = lambda x: float(dist.cdf((x - mean) / se))  # noqa: E731
    if operator in (">=", ">"):
        return 1 - cdf(target)
    if operator in ("<=", "<", "rank<="):
        return cdf(target)
    if operator == "between":
        return cdf(high) - cdf(target)
    return 0.0


def forecast_models(years: np.ndarray, values: np.ndarray, target_year: int, operator: str, target: float,
                    high: float | None = None) -> list[Forecast]:
    """Every model's forecast for the target year (fitted on all points)."""
    import statsmodels.api as sm
    from scipy import stats

    out: list[Forecast] = []
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    z = stats.norm.ppf(0.5 + PI_LEVEL / 2)
    n = len(values)
    X = sm.add_constant(years - years[0])
    x_new = np.array([[1.0, target_year - years[0]]])
    # linear trend
    fit = sm.OLS(values, X).fit()
    pred = fit.get_prediction(x_new).summary_frame(alpha=1 - PI_LEVEL)
    mean = float(pred["mean"].iloc[0])
    se = float(np.sqrt(pred["mean_se"].iloc[0] ** 2 + fit.scale))
    out.append(Forecast("linear_trend", mean, float(pred["obs_ci_lower"].iloc[0]), float(pred["obs_ci_upper"].iloc[0]),
                        _prob_normal(mean, se, operator, target, high, n - 2), True))
    # log-linear trend (positive series only)
    if (values > 0).all() and target > 0:
        fit = sm.OLS(np.log(values), X).fit()
        pred = fit.get_prediction(x_new).summary_frame(alpha=1 - PI_LEVEL)
        mean_log = float(pred["mean"].iloc[0])
        se = float(np.sqrt(pred["mean_se"].iloc[0] ** 2 + fit.scale))
        log_target = math.log(target)
        log_high = math.log(high) if high else None
        out.append(Forecast("log_linear_trend", math.exp(mean_log), math.exp(float(pred["obs_ci_lower"].iloc[0])),
                            math.exp(float(pred["obs_ci_upper"].iloc[0])),
                            _prob_normal(mean_log, se, operator, log_target, log_high, n - 2), True))
    consecutive = bool(np.all(np.diff(years) == 1))
    # random walk with drift (needs yearly points)
    if consecutive and n >= 3:
        steps = np.diff(values)
        drift = float(steps.mean())
        sigma2 = float(steps.var(ddof=1)) if len(steps) > 1 else 0.0
        h = target_year - years[-1]
        mean = float(values[-1] + drift * h)
        se = math.sqrt(sigma2 * h + h ** 2 * sigma2 / len(steps))
        out.append(Forecast("random_walk_drift", mean, mean - z * se, mean + z * se,
                            _prob_normal(mean, se, operator, target, high, len(steps) - 1), True))
    # local linear trend state space
    if consecutive and n >= MIN_POINTS_PROJECTION:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = sm.tsa.UnobservedComponents(values, level="local linear trend")
                result = model.fit(disp=False)
                h = int(target_year - years[-1])
                fc = result.get_forecast(h).summary_frame(alpha=1 - PI_LEVEL)
                mean = float(fc["mean"].iloc[-1])
                variances = np.asarray(result.params)
                converged = bool(result.mle_retvals.get("converged", False))
                at_bound = bool((variances < 1e-8 * max(1.0, float(np.var(values)))).any())
                se = float(fc["mean_se"].iloc[-1])
                usable = converged and not at_bound
                reason = "" if usable else ("did not converge" if not converged else "a variance is on its bound (0)")
                out.append(Forecast("local_linear_trend", mean, float(fc["mean_ci_lower"].iloc[-1]),
                                    float(fc["mean_ci_upper"].iloc[-1]),
                                    _prob_normal(mean, se, operator, target, high) if usable else math.nan,
                                    usable, reason))
            except Exception as exc:  # noqa: BLE001 - a failing model is reported, not fatal
                out.append(Forecast("local_linear_trend", math.nan, math.nan, math.nan, math.nan, False, str(exc)))
    return out


def backtest(years: np.ndarray, values: np.ndarray, min_train: int = 3) -> pd.DataFrame:
    """Rolling-origin back-test of each model: coverage of the 80 % interval and mean absolute error."""
    records = []
    for origin in range(min_train, len(values)):
        for horizon_index in range(origin, len(values)):
            actual = values[horizon_index]
            fcs = forecast_models(years[:origin], values[:origin], int(years[horizon_index]), ">=", 1e-9)
            for fc in fcs:
                if fc.usable and not math.isnan(fc.mean):
                    records.append(dict(model=fc.model, covered=fc.low <= actual <= fc.high,
                                        abs_error=abs(fc.mean - actual)))
    if not records:
        return pd.DataFrame(columns=["model", "coverage", "mae", "n"])
    df = pd.DataFrame(records)
    return df.groupby("model").agg(coverage=("covered", "mean"), mae=("abs_error", "mean"), n=("covered", "size")).reset_index()


def project(years, values, target_year: int, operator: str, target: float, high: float | None = None,
            bounds: tuple[float, float] | None = None,
            min_backtest_forecasts: int = MIN_BACKTEST_FORECASTS) -> dict:
    """The projection of the best-calibrated model, with every model's probability and their disagreement.

    The back-test picks the model only when each candidate has at least ``min_backtest_forecasts`` forecasts;
    otherwise the simplest usable model (linear trend first) is used and ``model_choice`` says why. ``bounds``
    (e.g. ranks 1…n) clip the projected value and interval: a rank outside them is impossible.
    """
    years, values = np.asarray(years, dtype=float), np.asarray(values, dtype=float)
    fcs = forecast_models(years, values, target_year, operator, target, high)
    usable = [f for f in fcs if f.usable and not math.isnan(f.prob)]
    if not usable:
        return {}
    scores = backtest(years, values)
    scores = scores[scores["model"].isin([f.model for f in usable])]
    enough = len(scores) and int(scores["n"].min()) >= min_backtest_forecasts
    if enough:
        scores = scores.assign(calibration_gap=(scores["coverage"] - PI_LEVEL).abs())
        name = scores.sort_values(["calibration_gap", "mae"])["model"].iloc[0]
        chosen = next(f for f in usable if f.model == name)
        choice = f"back-test ({int(scores['n'].min())} forecasts per model)"
    else:
        chosen = usable[0]  # forecast_models lists the simplest model first
        n = int(scores["n"].min()) if len(scores) else 0
        choice = f"simplest model: too few back-test forecasts ({n} < {min_backtest_forecasts})"
    mean, low, high_pi = chosen.mean, chosen.low, chosen.high
    if bounds is not None:
        mean, low, high_pi = (float(np.clip(v, *bounds)) for v in (mean, low, high_pi))
    probs = [f.prob for f in usable]
    return dict(model=chosen.model, model_choice=choice, projected_value=mean, projected_low=low,
                projected_high=high_pi, prob_meet=chosen.prob,
                model_probs="; ".join(f"{f.model} {f.prob:.2f}" if f.usable else f"{f.model} (not used: {f.reason})"
                                      for f in fcs),
                model_disagreement=float(max(probs) - min(probs)) if len(probs) > 1 else 0.0)


# --------------------------------------------------------------------------------------------- the series


_GROWTH = re.compile(r"^(?P<base>.+)_growth_pct$")
_INCREASE = re.compile(r"^(?P<base>.+)_increase_since_(?P<year>\d{4})$")


SERIES_COLUMNS = ["year", "value", "territory", "partial_months"]


def _with_territory(rows: pd.DataFrame, region: str) -> pd.DataFrame:
    """Rows with ``territory`` filled (the default rule where the data leave it empty) and ``partial_months``."""
    rows = rows.copy()
    given = rows["territory"] if "territory" in rows.columns else pd.Series("", index=rows.index)
    given = given.fillna("").astype(str).str.strip()
    rows["territory"] = [t if t else provinces.default_territory(region, y) for t, y in zip(given, rows["year"])]
    sources = rows["source"] if "source" in rows.columns else pd.Series("", index=rows.index)
    rows["partial_months"] = [partial_months(s) for s in sources]
    rows["year"] = rows["year"].astype(int)
    return rows


def series_for(indicator: str, kpi: pd.DataFrame, region: str, kind: str = "actual") -> pd.DataFrame:
    """Yearly values of an indicator for a region (derived growth and increase indicators included).

    Columns ``year, value, territory, partial_months``. A derived growth or increase never spans two territories
    or a partial-year value.
    """
    rows = kpi[(kpi["region"] == region) & (kpi["kind"] == kind)]
    direct = rows[rows["indicator"] == indicator]
    if len(direct) or indicator == "grdp_growth_pct":
        direct = _with_territory(direct, region) if len(direct) else direct.assign(territory="", partial_months=0)
        return direct[SERIES_COLUMNS].sort_values("year").reset_index(drop=True)
    match = _GROWTH.match(indicator) or _INCREASE.match(indicator)
    if not match:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    base = rows[rows["indicator"] == match["base"]]
    if base.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    base = _with_territory(base, region).sort_values("year")
    base = base[base["partial_months"] == 0]
    by_year = base.set_index("year")
    out = []
    if _GROWTH.match(indicator):
        base = base[base["value"] > 0]
        for previous, current in zip(base.itertuples(), base.iloc[1:].itertuples()):
            if current.year == previous.year + 1 and current.territory == previous.territory:
                out.append(dict(year=current.year, value=100 * (current.value / previous.value - 1),
                                territory=current.territory, partial_months=0))
    else:
        start = int(match["year"])
        if start in by_year.index:
            first = by_year.loc[start]
            for year, later in by_year[by_year.index > start].iterrows():
                if later["territory"] == first["territory"]:
                    out.append(dict(year=int(year), value=float(later["value"]) - float(first["value"]),
                                    territory=later["territory"], partial_months=0))
    return pd.DataFrame(out, columns=SERIES_COLUMNS)


# --------------------------------------------------------------------------------------------- assessment


def assess(targets: pd.DataFrame, kpi: pd.DataFrame, macro: pd.DataFrame | None = None, region: str = "Bắc Ninh",
           tfp_yearly: pd.DataFrame | None = None, *, as_of_year: int | None = None,
           growth_guard: float | None = None) -> pd.DataFrame:
    """The contract table ``targets_assessment`` for every current target.

    ``as_of_year`` (default: this calendar year) tells which target years are over; ``growth_guard`` (default
    ``tfp.GROWTH_GUARD_PCT``) is the output growth at or below which no TFP share is computed.
    """
    current = targets[targets["is_current"].astype(bool)]
    rows = [assess_one(t, kpi, macro, region, tfp_yearly, as_of_year=as_of_year, growth_guard=growth_guard)
            for _, t in current.iterrows()]
    return pd.DataFrame(rows)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def assess_one(t: pd.Series, kpi: pd.DataFrame, macro: pd.DataFrame | None, region: str,
               tfp_yearly: pd.DataFrame | None, *, as_of_year: int | None = None,
               growth_guard: float | None = None) -> dict:
    as_of_year = as_of_year or datetime.date.today().year
    growth_guard = tfp.GROWTH_GUARD_PCT if growth_guard is None else growth_guard
    operator, target = t["operator"], float(t["value"])
    high = None if _blank(t.get("value_high")) else float(t["value_high"])
    target_year = int(t["target_year"])
    row = dict(target_id=t["target_id"], indicator=t["indicator"], region=region, operator=operator,
               target_value=target, value_high=high, target_year=target_year, name_vi=t["name_vi"],
               name_en=t.get("name_en", ""), unit=t["unit"], agency=t.get("agency", "") or "",
               document=t["document"], aggregation=t["aggregation"],
               baseline_year=None, baseline_value=math.nan, latest_year=None, latest_value=math.nan, n_points=0,
               method="", projected_value=math.nan, projected_low=math.nan, projected_high=math.nan,
               prob_meet=math.nan, status="insufficient_data", ratio_r=math.nan, required_per_year=math.nan,
               achieved_per_year=math.nan, model_probs="", model_choice="", model_disagreement=math.nan,
               note_vi="", note_en="", unit_basis_note="", territory=target_territory(target_year),
               partial_year="")
    estimates = series_for(t["indicator"], kpi, region, "estimate")
    plans = series_for(t["indicator"], kpi, region, "plan")
    row["n_estimates"] = len(estimates)
    row["latest_estimate"] = (f"{format_vi(float(estimates['value'].iloc[-1]), 2)} ({int(estimates['year'].iloc[-1])})"
                              if len(estimates) else "")
    row["n_plans"] = len(plans)

    if t["aggregation"] == "period_mean":
        return _assess_period_mean(t, row, kpi, macro, region, tfp_yearly, growth_guard)

    series = series_for(t["indicator"], kpi, region, "actual")
    if series.empty:
        row["method"] = "no_data"
        row["note_vi"] = _missing_note_vi(t)
        row["note_en"] = _missing_note_en(t)
        return row
    return _assess_series(row, series, t, as_of_year)


TERRITORY_VI = {"old": "Bắc Ninh cũ (trước 1/7/2025)", "merged": "tỉnh Bắc Ninh mới (từ 1/7/2025)"}
TERRITORY_EN = {"old": "old Bắc Ninh (before 1 July 2025)", "merged": "the merged Bắc Ninh (from 1 July 2025)"}


def _territory_rule(row: dict, series: pd.DataFrame, t: pd.Series) -> pd.DataFrame | None:
    """The values of the target's own territory, or None when the row is settled here (not comparable, or
    evidence only from the other territory — insufficient whichever way it points)."""
    own = row["territory"]
    same = series[series["territory"] == own]
    other = series[series["territory"] != own]
    if len(same) and len(other):
        row["unit_basis_note"] = f"{own}_only (values of the other territory set aside: {len(other)})"
    if own == "merged" and len(same) and scale_dependent(t["indicator"], t["operator"]) \
            and str(t.get("issued", "")) < MERGER_DATE:
        last = same.iloc[-1]
        row.update(status="not_comparable", method="cross_scale", latest_year=int(last["year"]),
                   latest_value=float(last["value"]), n_points=len(same), unit_basis_note="63_vs_34_units")
        row["note_vi"] = (f"Chỉ tiêu đặt ngày {t['issued']} trên thang 63 tỉnh, thành phố; số {int(last['year'])} "
                          f"({format_vi(float(last['value']), 2)}) đo trên thang 34 đơn vị sau sáp nhập: không so sánh được.")
        row["note_en"] = (f"Target set on {t['issued']} on the 63-province scale; the {int(last['year'])} value "
                          f"({float(last['value']):g}) is on the 34-unit scale after the merger: not comparable.")
        if t["operator"] == "rank<=":
            share_target = 100 * float(t["value"]) / UNITS_BY_TERRITORY["old"]
            share_now = 100 * float(last["value"]) / UNITS_BY_TERRITORY["merged"]
            row["note_vi"] += (f" Quy đổi theo tỷ lệ: mục tiêu top {format_vi(share_target, 1)} %, hiện ở top "
                               f"{format_vi(share_now, 1)} %.")
            row["note_en"] += f" As shares of the units: target top {share_target:.1f} %, now top {share_now:.1f} %."
        return None
    if same.empty:
        last = other.iloc[-1]
        row.update(method=f"{last['territory']}_territory_only", latest_year=int(last["year"]),
                   latest_value=float(last["value"]), n_points=0, unit_basis_note=f"{last['territory']}_only")
        row["note_vi"] = (f"Chỉ có số liệu của {TERRITORY_VI[last['territory']]} (gần nhất {format_vi(float(last['value']), 2)}, "
                          f"{int(last['year'])}); mục tiêu là của {TERRITORY_VI[own]}: chưa đủ căn cứ để kết luận.")
        row["note_en"] = (f"Only values of {TERRITORY_EN[last['territory']]} (latest {float(last['value']):g}, "
                          f"{int(last['year'])}); the target concerns {TERRITORY_EN[own]}: no verdict yet.")
        return None
    return same


def _assess_series(row: dict, series: pd.DataFrame, t: pd.Series, as_of_year: int) -> dict:
    operator, target, target_year = t["operator"], float(t["value"]), int(t["target_year"])
    high = row["value_high"]
    series = _territory_rule(row, series.sort_values("year"), t)
    if series is None:
        return row
    last = series.iloc[-1]
    latest_year, latest = int(last["year"]), float(last["value"])
    row.update(latest_year=latest_year, latest_value=latest, n_points=len(series))
    if last["partial_months"]:
        row["partial_year"] = f"{latest_year}: {int(last['partial_months'])}/12"
    partial_vi = f" (số {int(last['partial_months'])} tháng)" if last["partial_months"] else ""
    partial_en = f" ({int(last['partial_months'])}-month figure)" if last["partial_months"] else ""
    at_target = series[series["year"] == target_year]
    if len(at_target) or latest_year > target_year:
        return _target_year_verdict(row, at_target, operator, target, high, target_year)
    if meets(latest, operator, target, high):
        row["status"] = "achieved"
        row["method"] = "latest_actual"
        row["note_vi"] = f"Đã đạt năm {latest_year}{partial_vi}; cần giữ đến {target_year}."
        row["note_en"] = f"Met in {latest_year}{partial_en}; must be held until {target_year}."
        return row
    if target_year < as_of_year:
        row["method"] = "target_year_not_reported"
        row["note_vi"] = f"Chưa có số liệu năm {target_year}; số gần nhất {format_vi(latest, 2)} ({latest_year})."
        row["note_en"] = f"No value for {target_year} yet; latest {latest:g} ({latest_year})."
        return row
    full = series[series["partial_months"] == 0]
    eff_operator, eff_target = effective_target(operator, target, high, latest)
    row["required_per_year"] = (eff_target - latest) / max(target_year - latest_year, 1)
    if len(full) < 2:
        row["method"] = "one_point"
        have_vi = f"Chỉ có {len(full)} số liệu thực tế cả năm" if len(full) else "Chưa có số liệu thực tế cả năm"
        have_en = f"Only {len(full)} full-year actual value" if len(full) else "No full-year actual value"
        row["note_vi"] = f"{have_vi}{partial_vi}; cần ít nhất 2 năm để đánh giá xu hướng."
        row["note_en"] = f"{have_en}{partial_en}; at least two years are needed for a trend."
        return row
    years = full["year"].to_numpy(dtype=int)
    values = full["value"].to_numpy(dtype=float)
    latest_year, latest = int(years[-1]), float(values[-1])
    window = full[full["year"] >= latest_year - WINDOW_YEARS]
    base_year, base = int(window["year"].iloc[0]), float(window["value"].iloc[0])
    if base_year == latest_year:  # the window holds one point: take the previous actual as the baseline
        base_year, base = int(years[-2]), float(values[-2])
    eff_operator, eff_target = effective_target(operator, target, high, latest)
    row.update(latest_year=latest_year, latest_value=latest, baseline_year=base_year, baseline_value=base,
               n_points=len(full), required_per_year=(eff_target - latest) / max(target_year - latest_year, 1))
    ratio, basis = eurostat_ratio(base_year, base, latest_year, latest, target_year, eff_target, eff_operator)
    row["ratio_r"] = ratio
    row["status"] = status_from_ratio(ratio)
    row["method"] = f"eurostat_{basis}"
    row["achieved_per_year"] = (latest - base) / (latest_year - base_year)
    row["note_vi"] = acceleration_text(row, "vi")
    row["note_en"] = acceleration_text(row, "en")
    if len(full) >= MIN_POINTS_PROJECTION:
        bounds = (1.0, float(UNITS_BY_TERRITORY[row["territory"]])) if operator == "rank<=" else None
        projection = project(years, values, target_year, operator, target, high, bounds=bounds)
        if projection:
            row.update(projection)
            row["method"] += f"+projection:{projection['model']}"
    return row


def _target_year_verdict(row: dict, at_target: pd.DataFrame, operator: str, target: float, high: float | None,
                         target_year: int) -> dict:
    """The target year has been measured: achieved or not_achieved, never a pace."""
    if at_target.empty:
        row["method"] = "target_year_not_reported"
        row["note_vi"] = f"Không có số liệu đúng năm mục tiêu {target_year}."
        row["note_en"] = f"No value for the target year {target_year}."
        return row
    value = float(at_target["value"].iloc[-1])
    months = int(at_target["partial_months"].iloc[-1])
    met = meets(value, operator, target, high)
    row.update(latest_year=target_year, latest_value=value)
    if months and not met:
        row["method"] = "partial_year"
        row["note_vi"] = f"Năm {target_year} mới có số {months} tháng ({format_vi(value, 2)}): chưa kết luận."
        row["note_en"] = f"Only a {months}-month figure for {target_year} ({value:g}): no verdict yet."
        return row
    row["status"] = "achieved" if met else "not_achieved"
    row["method"] = "target_year_actual"
    gap = value - (high if operator == "between" and value > (high or value) else target)
    unit = "bậc" if operator == "rank<=" else str(row["unit"]).lower()
    unit_en = "places" if operator == "rank<=" else UNITS_EN.get(str(row["unit"]), str(row["unit"]))
    if met:
        row["note_vi"] = f"Năm {target_year} đạt {format_vi(value, 2)} (mục tiêu {format_vi(target, 2)})."
        row["note_en"] = f"{target_year}: {value:g} against a target of {target:g}: met."
    else:
        row["note_vi"] = (f"Năm {target_year} đạt {format_vi(value, 2)}, không đạt mục tiêu {format_vi(target, 2)} "
                          f"(thiếu {format_vi(abs(gap), 2)} {unit}).")
        row["note_en"] = f"{target_year}: {value:g} against a target of {target:g}: missed by {abs(gap):g} {unit_en}."
    if months:
        row["note_vi"] += f" Số {months} tháng."
        row["note_en"] += f" A {months}-month figure."
    return row


def _period_status(realised: float, operator: str, target: float, high: float | None, complete: bool) -> tuple[str, float]:
    """Status of a period-mean target from the realised mean: (status, ratio R).

    Growth rates and TFP shares are better when higher: a ``between`` band is met from its lower bound on, and a
    mean above the band is reported as met (the note says it is above the band).
    """
    decreasing = operator in DECREASING_OPERATORS
    met = meets(realised, operator, target, high) or (operator == "between" and realised > high)
    if complete:
        return ("achieved" if met else "not_achieved"), math.nan
    if met:
        return "on_track", math.nan
    if decreasing:
        ratio = target / realised if realised > 0 and target > 0 else -1.0
    else:
        ratio = realised / target if target > 0 else math.nan
    return status_from_ratio(ratio), ratio


def _assess_period_mean(t: pd.Series, row: dict, kpi: pd.DataFrame, macro: pd.DataFrame | None, region: str,
                        tfp_yearly: pd.DataFrame | None, growth_guard: float) -> dict:
    """Period-mean targets judged on the years inside the period: TFP share (ratio of means), growth rates."""
    start, end = int(t["period_start"]), int(t["period_end"])
    operator, target, high = t["operator"], float(t["value"]), row["value_high"]
    period_vi, period_en = f"giai đoạn {start}–{end}", f"{start}–{end}"
    if t["indicator"] == "tfp_share_pct":
        label = tfp_region_label(region, row["territory"])
        yearly = (tfp_yearly[(tfp_yearly["region"] == label) & (tfp_yearly["method"] == "cobb_douglas")]
                  if tfp_yearly is not None and len(tfp_yearly) else pd.DataFrame())
        if yearly.empty:
            row["method"] = "no_data"
            row["note_vi"] = ("Chưa tính được TFP của tỉnh: thiếu chuỗi lao động và vốn đầu tư theo năm "
                              "(Thống kê tỉnh cung cấp qua đợt thu thập số liệu hằng quý).")
            row["note_en"] = ("The province's TFP cannot be computed: no yearly employment and investment series "
                              "(the statistics office provides them through the quarterly data round).")
            return row
        inside = yearly[yearly["year"].between(start, end)]
        before = yearly[yearly["year"] < start]
        previous = _tfp_share(before.tail(WINDOW_YEARS), growth_guard) if len(before) >= 2 else None
        if inside.empty:
            return _not_started(row, start, end, previous, before, "%")
        row.update(baseline_year=int(inside["year"].min()), latest_year=int(inside["year"].max()), n_points=len(inside),
                   method="period_mean_tfp_share")
        if len(inside) < 2:
            row["note_vi"] = f"Mới có 1 năm số liệu TFP trong {period_vi}; cần ít nhất 2 năm."
            row["note_en"] = f"Only one year of TFP inside {period_en}; at least two are needed."
            return row
        share = _tfp_share(inside, growth_guard)
        if share is None:
            mean_y = float(inside["g_y"].mean())
            row["method"] = "period_mean_tfp_share_guarded"
            row["note_vi"] = (f"Tăng trưởng GRDP bình quân {format_vi(mean_y, 2)} % (log) không vượt ngưỡng "
                              f"{format_vi(growth_guard, 1)}: tỷ trọng đóng góp của TFP không có ý nghĩa.")
            row["note_en"] = (f"Mean output growth {mean_y:.2f} (log points) is at or below the guard {growth_guard:g}: "
                              "a TFP share has no meaning.")
            return row
        realised, complete = share, int(inside["year"].max()) >= end
    else:
        series = series_for(t["indicator"], kpi, region, "actual")
        series = series[series["partial_months"] == 0] if len(series) else series
        published = _published_period(macro, region, t["indicator"])
        exact = published[(published["year_start"] == start) & (published["year_end"] == end)] if len(published) else published
        inside = series[series["year"].between(start, end)] if len(series) else series
        if len(exact):
            realised, complete = float(exact["value"].iloc[-1]), True
            row.update(baseline_year=start, latest_year=end, n_points=end - start + 1, method="period_mean_published")
        elif len(inside):
            row.update(baseline_year=int(inside["year"].min()), latest_year=int(inside["year"].max()),
                       n_points=len(inside), method="period_mean_realised")
            if len(inside) < 2:
                row["latest_value"] = float(inside["value"].iloc[0])
                row["note_vi"] = f"Mới có 1 năm số liệu trong {period_vi}; cần ít nhất 2 năm."
                row["note_en"] = f"Only one year of data inside {period_en}; at least two are needed."
                return row
            realised, complete = float(inside["value"].mean()), int(inside["year"].max()) >= end
        else:
            earlier = published[published["year_end"] < start] if len(published) else published
            before = series[series["year"] < start] if len(series) else series
            if len(earlier):
                last = earlier.sort_values("year_end").iloc[-1]
                previous = (int(last["year_start"]), int(last["year_end"]), float(last["value"]))
            elif len(before) >= 2:
                recent = before.tail(WINDOW_YEARS)
                previous = (int(recent["year"].min()), int(recent["year"].max()), float(recent["value"].mean()))
            else:
                previous = None
            if previous is None and series.empty and not len(published):
                row["method"] = "no_data"
                row["note_vi"] = _missing_note_vi(t)
                row["note_en"] = _missing_note_en(t)
                return row
            return _not_started(row, start, end, previous, None, str(t["unit"]))
    row["latest_value"] = realised
    status, ratio = _period_status(realised, operator, target, high, complete)
    row.update(status=status, ratio_r=ratio, achieved_per_year=realised, required_per_year=target)
    band = f"{format_vi(target, 1)}{'–' + format_vi(high, 1) if high else ''}"
    band_en = f"{target:.1f}{'–' + format(high, '.1f') if high else ''}"
    years_vi = f"{row['baseline_year']}–{row['latest_year']}"
    row["note_vi"] = f"Mục tiêu bình quân {band} {period_vi}; {years_vi} đạt {format_vi(realised, 2)}."
    row["note_en"] = f"Target: {band_en} on average over {period_en}; {years_vi} achieved {realised:.2f}."
    if operator == "between" and realised > high:
        row["note_vi"] += " Cao hơn cận trên của khoảng mục tiêu."
        row["note_en"] += " Above the upper bound of the band."
    return row


def _tfp_share(years: pd.DataFrame, growth_guard: float) -> float | None:
    """Period TFP share = mean(g_tfp) / mean(g_y) × 100, none where mean output growth ≤ the guard."""
    mean_y = float(years["g_y"].mean())
    return None if mean_y <= growth_guard else 100 * float(years["g_tfp"].mean()) / mean_y


def tfp_region_label(region: str, territory: str) -> str:
    """The region name of a TFP series: the merged province's series is labelled as such (tfp.py)."""
    return tfp.merged_label(region) if territory == "merged" and region != tfp.NATION else region


def _published_period(macro: pd.DataFrame | None, region: str, indicator: str) -> pd.DataFrame:
    if macro is None or indicator not in ("grdp_growth_pct",):
        return pd.DataFrame(columns=["year_start", "year_end", "value"])
    return macro[(macro["region"] == region) & (macro["indicator"] == indicator)
                 & (macro["year_start"] != macro["year_end"])].sort_values("year_end")


def _not_started(row: dict, start: int, end: int, previous, before, unit: str) -> dict:
    """No value inside the period yet: ``insufficient_data``; the previous period's pace is context only."""
    row["method"] = "period_not_started"
    row["n_points"] = 0
    row["note_vi"] = f"Giai đoạn {start}–{end} chưa có số liệu (chưa bắt đầu hoặc chưa có số năm đầu)."
    row["note_en"] = f"No value inside {start}–{end} yet (the period has not started or its first year is not out)."
    if isinstance(previous, tuple):
        a, b, value = previous
        row.update(baseline_year=a, latest_year=b, latest_value=value)
        row["note_vi"] += f" Để tham khảo: {a}–{b} bình quân {format_vi(value, 2)} {unit}."
        row["note_en"] += f" For reference: {a}–{b} averaged {value:.2f} {unit}."
    elif previous is not None and before is not None:
        a, b = int(before.tail(WINDOW_YEARS)["year"].min()), int(before["year"].max())
        row.update(baseline_year=a, latest_year=b, latest_value=previous)
        row["note_vi"] += f" Để tham khảo: {a}–{b} đạt {format_vi(previous, 2)} {unit}."
        row["note_en"] += f" For reference: {a}–{b} achieved {previous:.2f} {unit}."
    return row


UNITS_EN = {"Điểm": "points", "Công trình": "works", "Nhiệm vụ": "tasks", "Bài báo": "papers", "Doanh nghiệp": "enterprises",
            "Tổ chức": "organisations", "Đơn đăng ký": "applications", "Sáng chế, giải pháp": "patents and solutions",
            "Dự án": "projects", "% GRDP": "% of GRDP", "% dân số": "% of population", "% người sử dụng": "% of users",
            "% ngân sách": "% of budget", "người/vạn dân": "per 10,000 people", "Chỉ số": "index points",
            "%/năm": "% a year", "Sáng kiến": "initiatives"}


def acceleration_text(row: dict, lang: str) -> str:
    """"cần tăng 8,9 điểm/năm, 5 năm qua tăng 3,0" in the target's own unit."""
    need, done = row["required_per_year"], row["achieved_per_year"]
    rank = row["operator"] == "rank<="
    unit = str(row["unit"])
    if lang == "en":
        unit = UNITS_EN.get(unit, unit)
    unit = ("ranks" if lang == "en" else "bậc") if rank else (unit[:1].lower() + unit[1:] if unit[1:2].islower() else unit)
    if any(isinstance(v, float) and math.isnan(v) for v in (need, done)):
        return ""
    span = row["latest_year"] - row["baseline_year"]
    if lang == "en":
        verb = ("drop" if need >= 0 else "climb") if rank else ("rise" if need >= 0 else "fall")
        if rank:  # a higher rank number is a loss of places
            done_text = ("no change" if done == 0 else
                         f"{'loses' if done > 0 else 'gains'} {abs(done):.2f} places a year")
        else:
            done_text = f"{done:+.2f} {unit}/year"
        return (f"needs to {verb} {abs(need):.2f} {unit}/year to {row['target_year']}; "
                f"{row['baseline_year']}–{row['latest_year']} ({span} years): {done_text}")
    verb = ("lùi" if need >= 0 else "lên") if rank else ("tăng" if need >= 0 else "giảm")
    if rank:
        done_text = ("giữ nguyên" if done == 0 else
                     f"{'tụt' if done > 0 else 'lên'} {format_vi(abs(done), 2)} bậc/năm")
    else:
        done_text = f"{'+' if done >= 0 else '−'}{format_vi(abs(done), 2)} {unit}/năm"
    return (f"cần {verb} {format_vi(abs(need), 2)} {unit}/năm đến {row['target_year']}; "
            f"{row['baseline_year']}–{row['latest_year']} ({span} năm): {done_text}")


def _missing_note_vi(t: pd.Series) -> str:
    agency = t.get("agency") or "cơ quan chủ trì"
    return f"Chưa có số liệu thực tế. Cần {agency} báo cáo chuỗi số liệu hằng năm của chỉ tiêu này."


def _missing_note_en(t: pd.Series) -> str:
    agency = t.get("agency") or "The responsible agency"
    return f"No actual data. {agency} needs to report this indicator every year."


# --------------------------------------------------------------------------------------------- other tables


def history(targets: pd.DataFrame) -> pd.DataFrame:
    """Every version of the targets that documents revised, oldest first."""
    revised = targets.groupby(["indicator", "target_year"])["target_id"].transform("size") > 1
    cols = ["indicator", "target_year", "target_id", "document", "issued", "operator", "value", "value_high",
            "is_current", "superseded_by", "name_vi"]
    return targets.loc[revised, cols].sort_values(["indicator", "target_year", "issued"]).reset_index(drop=True)


def status_counts(assessment: pd.DataFrame) -> pd.DataFrame:
    counts = assessment["status"].value_counts().reindex(STATUSES, fill_value=0)
    return counts.rename_axis("status").reset_index(name="targets")


def consistency_checks(targets: pd.DataFrame, kpi: pd.DataFrame, tfp_record: float | None,
                       region: str = "Bắc Ninh") -> pd.DataFrame:
    """Whether the targets can all hold together, and whether any is already below the measured level."""
    current = targets[targets["is_current"].astype(bool)]
    checks = []
    grdp = current[current["indicator"] == "grdp_growth_pct"]
    tfp_target = current[(current["indicator"] == "tfp_share_pct") & (current["target_year"] == 2030)]
    if len(grdp) and len(tfp_target):
        g_low, g_high = float(grdp["value"].iloc[0]), float(grdp["value_high"].iloc[0])
        share = float(tfp_target["value"].iloc[0])
        need_low, need_high = share / 100 * g_low, share / 100 * g_high
        finding_vi = (f"GRDP tăng {format_vi(g_low, 0)}–{format_vi(g_high, 0)} %/năm với TFP ≥ {format_vi(share, 0)} % "
                      f"đòi hỏi TFP tăng {format_vi(need_low, 2)}–{format_vi(need_high, 2)} %/năm; vốn và lao động chỉ còn "
                      f"{format_vi(g_low - need_low, 2)}–{format_vi(g_high - need_high, 2)} điểm %.")
        finding_en = (f"GRDP growth of {g_low:.0f}–{g_high:.0f} % a year with a TFP share ≥ {share:.0f} % needs TFP "
                      f"growth of {need_low:.2f}–{need_high:.2f} % a year, leaving {g_low - need_low:.2f}–"
                      f"{g_high - need_high:.2f} points for capital and labour.")
        severity = "ambitious"
        if tfp_record is not None and not math.isnan(tfp_record):
            finding_vi += (f" Mức TFP tăng nhanh nhất của Việt Nam trong một giai đoạn kế hoạch (PWT, không tính năm có "
                           f"điểm gãy số liệu): {format_vi(tfp_record, 2)} %/năm, tức mục tiêu gấp "
                           f"{format_vi(need_low / tfp_record, 1)}–{format_vi(need_high / tfp_record, 1)} lần.")
            finding_en += (f" Viet Nam's fastest TFP growth over a plan period (PWT, years with an input break left out): "
                           f"{tfp_record:.2f} % a year; the target asks {need_low / tfp_record:.1f}–"
                           f"{need_high / tfp_record:.1f} times that.")
            severity = "never_observed" if need_low > tfp_record else "ambitious"
        checks.append(dict(check="grdp_growth_and_tfp_share", targets=f"{grdp['target_id'].iloc[0]}, "
                           f"{tfp_target['target_id'].iloc[0]}", severity=severity, finding_vi=finding_vi,
                           finding_en=finding_en))
    # a target already met, by the latest value measured before the document was issued (often: another basis)
    for _, t in targets.sort_values("target_id").iterrows():
        if t["operator"] not in (">=", ">") or t["aggregation"] != "level":
            continue
        series = series_for(t["indicator"], kpi, region, "actual")
        issued_year = int(str(t["issued"])[:4])
        before = series[series["year"] < issued_year] if len(series) else series
        if before.empty:
            continue
        last = before.sort_values("year").iloc[-1]
        if meets(float(last["value"]), t["operator"], float(t["value"])):
            state_vi = "hiện hành" if bool(t["is_current"]) else "đã được thay thế"
            state_en = "current" if bool(t["is_current"]) else "superseded"
            checks.append(dict(
                check="target_already_met_when_issued", targets=t["target_id"], severity="check_basis",
                finding_vi=(f"{t['target_id']} ({state_vi}, ban hành {t['issued']}): mục tiêu {t['operator']} "
                            f"{format_vi(float(t['value']), 2)} đã đạt từ năm {int(last['year'])} "
                            f"({format_vi(float(last['value']), 2)}) — có thể khác cách đo hoặc khác đơn vị hành chính"),
                finding_en=(f"{t['target_id']} ({state_en}, issued {t['issued']}): target {t['operator']} {t['value']:g} was "
                            f"already met in {int(last['year'])} ({float(last['value']):g}) — probably another "
                            "measurement basis or administrative unit")))
    return pd.DataFrame(checks, columns=["check", "targets", "severity", "finding_vi", "finding_en"])


def pii_rank_notes(assessment: pd.DataFrame, pii_gaps: pd.DataFrame) -> pd.DataFrame:
    """Adds the score gap (or margin) to the target rank, from the PII gap table, to the rank targets' notes."""
    out = assessment.copy()
    for index, row in out[out["indicator"] == "pii_rank"].iterrows():
        latest = pii_gaps[(pii_gaps["edition"] == pii_gaps["edition"].max())
                          & (pii_gaps["target_rank"] == int(row["target_value"]))]
        if latest.empty:
            continue
        g = latest.iloc[0]
        if g["status"] == "inside":
            low, high = max(0.0, -float(g["gap_high"])), max(0.0, -float(g["gap_low"]))
            vi = (f" Cách biệt với đơn vị ngay sau ngưỡng: {format_vi(low, 2)}–{format_vi(high, 2)} điểm (điểm của đơn vị đó "
                  "chưa được công bố)." if low != high else f" Cách biệt: {format_vi(low, 2)} điểm.")
            en = (f" Margin over the unit below the threshold: {low:.2f}–{high:.2f} points (its score is unpublished)."
                  if low != high else f" Margin: {low:.2f} points.")
        else:
            vi = f" Còn thiếu {format_vi(g['gap_low'], 2)}–{format_vi(g['gap_high'], 2)} điểm PII."
            en = f" Short by {g['gap_low']:.2f}–{g['gap_high']:.2f} PII points."
        out.loc[index, "note_vi"] = str(row["note_vi"]) + vi
        out.loc[index, "note_en"] = str(row["note_en"]) + en
    return out


SHORT_NAMES = {
    "tfp_share_pct": ("Đóng góp của TFP (%)", "TFP share of growth (%)"),
    "pii_rank": ("Thứ hạng PII", "PII rank"),
    "digital_economy_share_grdp_pct": ("Kinh tế số/GRDP (%)", "Digital economy / GRDP (%)"),
    "dti_score": ("Chỉ số chuyển đổi số DTI", "Digital transformation index DTI"),
    "rd_staff_per_10k": ("Nhân lực NC&PT/vạn dân", "R&D staff per 10,000 people"),
    "st_budget_share_pct": ("Chi NS cho KH,CN&ĐMST (%)", "S&T&I budget share (%)"),
}
KEY_INDICATORS = ("tfp_share_pct", "pii_rank", "digital_economy_share_grdp_pct", "dti_score", "rd_staff_per_10k",
                  "st_budget_share_pct")


def key_panels(targets: pd.DataFrame, kpi: pd.DataFrame, region: str = "Bắc Ninh", lang: str = "vi",
               indicators: tuple[str, ...] = KEY_INDICATORS) -> list[dict]:
    """Data for the key-target chart: one panel per indicator (its latest-year current target)."""
    panels = []
    current = targets[targets["is_current"].astype(bool)]
    for indicator in indicators:
        rows = current[current["indicator"] == indicator].sort_values("target_year")
        if rows.empty:
            continue
        t = rows.iloc[-1]
        vi_name, en_name = SHORT_NAMES.get(indicator, (t["name_vi"], t.get("name_en") or t["name_vi"]))
        operator = t["operator"].replace("rank<=", "≤").replace(">=", "≥").replace("<=", "≤")
        value = format_vi(float(t["value"]), 2).rstrip("0").rstrip(",") if lang != "en" else format(float(t["value"]), "g")
        label = "mục tiêu" if lang != "en" else "target"
        panels.append(dict(
            title=f"{en_name if lang == 'en' else vi_name}\n{label} {operator} {value} ({int(t['target_year'])})",
            actual=series_for(indicator, kpi, region, "actual"), estimate=series_for(indicator, kpi, region, "estimate"),
            plan=series_for(indicator, kpi, region, "plan"), target=float(t["value"]),
            target_year=int(t["target_year"]), invert=t["operator"] == "rank<=",
            decimals=2 if float(t["value"]) < 5 else 0))
    return panels
