"""Will each target be met? Status, projection, probability and required acceleration for the catalogue.

Status (contract): ``achieved`` when the latest actual meets the target; otherwise Eurostat's ratio
R = actual growth over the last (up to) five years ÷ growth required from the first year of that window to reach
the target in the target year — R ≥ 0.95 ``on_track``, 0.60–0.95 ``at_risk``, below 0.60 ``off_track``
(R < 0: moving away); ``insufficient_data`` with fewer than two actual points (estimates and plan values are shown
but never counted as actuals). Growth is compound (CAGR) for positive series, linear otherwise; decreasing
targets (``<=``, ``<``, ranks) are handled symmetrically; ``between`` targets against the nearer bound.

Projection where the series has at least five actual points: linear trend, log-linear trend, random walk with
drift and a local-linear-trend state-space model (statsmodels), each with an 80 % prediction interval for the
target year, compared by rolling-origin back-testing; a model whose estimated variances sit on their bounds is
never used for a probability.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .numbers import format_vi

ON_TRACK, AT_RISK = 0.95, 0.60
MERGED_FROM = 2025  # targets for 2025 on concern the merged province (old Bắc Ninh + Bắc Giang)
WINDOW_YEARS = 5
MIN_POINTS_PROJECTION = 5
PI_LEVEL = 0.80
STATUSES = ("achieved", "on_track", "at_risk", "off_track", "insufficient_data")
DECREASING_OPERATORS = ("<=", "<", "rank<=")


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


def probability_words(prob: float, lang: str = "vi") -> str:
    if prob is None or (isinstance(prob, float) and math.isnan(prob)):
        return ""
    if lang == "en":
        return "very likely" if prob >= 0.9 else "likely" if prob >= 0.5 else "unlikely" if prob >= 0.1 else "very unlikely"
    return "rất có khả năng" if prob >= 0.9 else "có khả năng" if prob >= 0.5 else "khó" if prob >= 0.1 else "rất khó"


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


def project(years, values, target_year: int, operator: str, target: float, high: float | None = None) -> dict:
    """Best-calibrated model's projection, with every model's probability and their disagreement."""
    years, values = np.asarray(years, dtype=float), np.asarray(values, dtype=float)
    fcs = forecast_models(years, values, target_year, operator, target, high)
    usable = [f for f in fcs if f.usable and not math.isnan(f.prob)]
    if not usable:
        return {}
    scores = backtest(years, values)
    chosen = None
    if len(scores):
        scores["calibration_gap"] = (scores["coverage"] - PI_LEVEL).abs()
        ranked = scores.sort_values(["calibration_gap", "mae"])
        for name in ranked["model"]:
            chosen = next((f for f in usable if f.model == name), None)
            if chosen:
                break
    if chosen is None:  # no back-test possible: average the usable models
        chosen = Forecast("model_average", float(np.mean([f.mean for f in usable])),
                          float(np.mean([f.low for f in usable])), float(np.mean([f.high for f in usable])),
                          float(np.mean([f.prob for f in usable])), True)
    probs = [f.prob for f in usable]
    return dict(model=chosen.model, projected_value=chosen.mean, projected_low=chosen.low,
                projected_high=chosen.high, prob_meet=chosen.prob,
                model_probs="; ".join(f"{f.model} {f.prob:.2f}" if f.usable else f"{f.model} (not used: {f.reason})"
                                      for f in fcs),
                model_disagreement=float(max(probs) - min(probs)) if len(probs) > 1 else 0.0)


# --------------------------------------------------------------------------------------------- the series


_GROWTH = re.compile(r"^(?P<base>.+)_growth_pct$")
_INCREASE = re.compile(r"^(?P<base>.+)_increase_since_(?P<year>\d{4})$")


def series_for(indicator: str, kpi: pd.DataFrame, region: str, kind: str = "actual") -> pd.DataFrame:
    """Yearly values of an indicator for a region (derived growth and increase indicators included)."""
    rows = kpi[(kpi["region"] == region) & (kpi["kind"] == kind)]
    direct = rows[rows["indicator"] == indicator]
    if len(direct) or indicator == "grdp_growth_pct":
        return direct[["year", "value"]].sort_values("year").reset_index(drop=True)
    match = _GROWTH.match(indicator)
    if match:
        base = rows[rows["indicator"] == match["base"]].sort_values("year")
        base = base[base["value"] > 0]
        years, values = base["year"].to_numpy(), base["value"].to_numpy(dtype=float)
        out = [dict(year=int(years[i]), value=100 * ((values[i] / values[i - 1]) - 1))
               for i in range(1, len(years)) if years[i] == years[i - 1] + 1]
        return pd.DataFrame(out, columns=["year", "value"])
    match = _INCREASE.match(indicator)
    if match:
        base = rows[rows["indicator"] == match["base"]].set_index("year")["value"]
        start = int(match["year"])
        if start not in base.index:
            return pd.DataFrame(columns=["year", "value"])
        later = base[base.index > start]
        return pd.DataFrame({"year": later.index, "value": later.to_numpy() - base[start]})
    return pd.DataFrame(columns=["year", "value"])


# --------------------------------------------------------------------------------------------- assessment


def assess(targets: pd.DataFrame, kpi: pd.DataFrame, macro: pd.DataFrame | None = None, region: str = "Bắc Ninh",
           tfp_yearly: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract table ``targets_assessment`` for every current target."""
    rows = []
    current = targets[targets["is_current"].astype(bool)]
    for _, t in current.iterrows():
        rows.append(assess_one(t, kpi, macro, region, tfp_yearly))
    out = pd.DataFrame(rows)
    return out


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def assess_one(t: pd.Series, kpi: pd.DataFrame, macro: pd.DataFrame | None, region: str,
               tfp_yearly: pd.DataFrame | None) -> dict:
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
               achieved_per_year=math.nan, model_probs="", model_disagreement=math.nan, note_vi="", note_en="",
               unit_basis_note="")
    estimates = series_for(t["indicator"], kpi, region, "estimate")
    plans = series_for(t["indicator"], kpi, region, "plan")
    row["n_estimates"] = len(estimates)
    row["latest_estimate"] = (f"{format_vi(float(estimates['value'].iloc[-1]), 2)} ({int(estimates['year'].iloc[-1])})"
                              if len(estimates) else "")
    row["n_plans"] = len(plans)

    if t["aggregation"] == "period_mean":
        return _assess_period_mean(t, row, kpi, macro, region, tfp_yearly)

    series = series_for(t["indicator"], kpi, region, "actual")
    if series.empty:
        row["method"] = "no_data"
        row["note_vi"] = _missing_note_vi(t)
        row["note_en"] = _missing_note_en(t)
        return row
    return _assess_series(row, series, operator, target, high, target_year)


def _assess_series(row: dict, series: pd.DataFrame, operator: str, target: float, high: float | None,
                   target_year: int) -> dict:
    series = series.sort_values("year")
    merged_target = target_year >= MERGED_FROM
    latest_pre_merger = int(series["year"].iloc[-1]) < MERGED_FROM
    years = series["year"].to_numpy(dtype=int)
    values = series["value"].to_numpy(dtype=float)
    latest_year, latest = int(years[-1]), float(values[-1])
    window = series[series["year"] >= latest_year - WINDOW_YEARS]
    base_year, base = int(window["year"].iloc[0]), float(window["value"].iloc[0])
    row.update(latest_year=latest_year, latest_value=latest, baseline_year=base_year, baseline_value=base,
               n_points=len(series))
    spans_merger = int(series["year"].iloc[0]) < MERGED_FROM <= latest_year
    if spans_merger:
        row["unit_basis_note"] = "old_and_merged"
    elif latest_pre_merger:
        row["unit_basis_note"] = "old_province_only"
    if meets(latest, operator, target, high) and merged_target and latest_pre_merger:
        row["status"] = "insufficient_data"
        row["method"] = "latest_actual_old_province"
        row["note_vi"] = (f"Số liệu gần nhất ({format_vi(latest, 2)}, {latest_year}) là của Bắc Ninh cũ, trước sáp nhập; "
                          "chưa có số liệu của tỉnh Bắc Ninh mới để kết luận.")
        row["note_en"] = (f"The latest actual ({latest:g}, {latest_year}) is for old Bắc Ninh, before the merger; "
                          "no figure for the merged province yet.")
        return row
    if meets(latest, operator, target, high):
        row["status"] = "achieved"
        row["method"] = "latest_actual"
        hold = target_year > latest_year
        row["note_vi"] = (f"Đã đạt năm {latest_year}; cần giữ đến {target_year}." if hold
                          else f"Đã đạt năm {latest_year}.")
        row["note_en"] = (f"Met in {latest_year}; must be held until {target_year}." if hold
                          else f"Met in {latest_year}.")
        if spans_merger:
            row["note_vi"] += " Năm 2025 là tỉnh Bắc Ninh mới (sau sáp nhập): so với các năm trước chỉ mang tính tham khảo."
            row["note_en"] += " 2025 is the merged province: comparisons with earlier years are indicative only."
        return row
    eff_operator, eff_target = effective_target(operator, target, high, latest)
    row["required_per_year"] = (eff_target - latest) / max(target_year - latest_year, 1)
    if len(series) < 2:
        row["method"] = "one_point"
        row["note_vi"] = f"Chỉ có 1 số liệu thực tế ({latest_year}); cần ít nhất 2 năm để đánh giá xu hướng."
        row["note_en"] = f"Only one actual value ({latest_year}); at least two years are needed for a trend."
        return row
    if base_year == latest_year:  # the window holds one point: take the previous actual as the baseline
        base_year, base = int(years[-2]), float(values[-2])
        row.update(baseline_year=base_year, baseline_value=base)
    ratio, basis = eurostat_ratio(base_year, base, latest_year, latest, target_year, eff_target, eff_operator)
    row["ratio_r"] = ratio
    row["status"] = status_from_ratio(ratio)
    row["method"] = f"eurostat_{basis}"
    row["achieved_per_year"] = (latest - base) / (latest_year - base_year)
    row["note_vi"] = acceleration_text(row, "vi")
    row["note_en"] = acceleration_text(row, "en")
    if len(series) >= MIN_POINTS_PROJECTION:
        projection = project(years, values, target_year, operator, target, high)
        if projection:
            row.update(projection)
            row["method"] += f"+projection:{projection['model']}"
            row["projected_low"] = projection["projected_low"]
    return row


def _assess_period_mean(t: pd.Series, row: dict, kpi: pd.DataFrame, macro: pd.DataFrame | None, region: str,
                        tfp_yearly: pd.DataFrame | None) -> dict:
    """Period-mean targets: TFP share from the growth accounting, growth rates from the realised growth."""
    start, end = int(t["period_start"]), int(t["period_end"])
    operator, target = t["operator"], float(t["value"])
    high = None if _blank(t.get("value_high")) else float(t["value_high"])
    if t["indicator"] == "tfp_share_pct":
        yearly = tfp_yearly[tfp_yearly["region"] == region] if tfp_yearly is not None and len(tfp_yearly) else None
        if yearly is None or yearly.empty:
            row["method"] = "no_data"
            row["note_vi"] = ("Chưa tính được TFP của tỉnh: thiếu chuỗi lao động và vốn đầu tư theo năm (điền mẫu niên giám "
                              "data/raw/templates/yearbook_template.xlsx).")
            row["note_en"] = ("The province's TFP cannot be computed: no yearly employment and investment series "
                              "(fill the yearbook template data/raw/templates/yearbook_template.xlsx).")
            return row
        inside = yearly[(yearly["year"] >= start) & (yearly["year"] <= end) & (yearly["method"] == "cobb_douglas")]
        if inside.empty:
            row["method"] = "period_not_started"
            row["note_vi"] = f"Giai đoạn {start}–{end} chưa có số liệu TFP."
            row["note_en"] = f"No TFP data inside {start}–{end} yet."
            return row
        share = 100 * inside["g_tfp"].mean() / inside["g_y"].mean()
        row.update(latest_year=int(inside["year"].max()), latest_value=share, n_points=len(inside),
                   baseline_year=int(inside["year"].min()), method="period_mean_tfp_share")
        row["status"] = "achieved" if meets(share, operator, target, high) and end <= row["latest_year"] else (
            "on_track" if meets(share, operator, target, high) else "off_track")
        return row
    # a growth-rate target averaged over a period: realised mean growth against the band
    series = series_for(t["indicator"], kpi, region, "actual")
    published = None
    if macro is not None and t["indicator"] == "grdp_growth_pct":
        periods = macro[(macro["region"] == region) & (macro["indicator"] == "grdp_growth_pct")
                        & (macro["year_start"] != macro["year_end"])].sort_values("year_end")
        if len(periods):
            published = periods.iloc[-1]
    if published is not None:
        realised = float(published["value"])
        row.update(baseline_year=int(published["year_start"]), latest_year=int(published["year_end"]),
                   latest_value=realised, n_points=int(published["year_end"] - published["year_start"] + 1),
                   method="period_mean_published")
    elif len(series) >= 2:
        recent = series[series["year"] > series["year"].max() - WINDOW_YEARS]
        realised = float(recent["value"].mean())
        row.update(baseline_year=int(recent["year"].min()), latest_year=int(recent["year"].max()),
                   latest_value=realised, n_points=len(recent), method="period_mean_realised")
    else:
        row["method"] = "no_data"
        row["note_vi"] = _missing_note_vi(t)
        row["note_en"] = _missing_note_en(t)
        return row
    low = target if operator in (">=", ">", "between") else None
    if low is None:
        row["status"] = "achieved" if meets(realised, operator, target, high) else "off_track"
        return row
    if meets(realised, operator, target, high):
        row["status"] = "on_track"
    else:
        ratio = realised / low if low else math.nan
        row["ratio_r"] = ratio
        row["status"] = status_from_ratio(ratio)
    row["required_per_year"] = low
    row["achieved_per_year"] = realised
    row["note_vi"] = (f"Cần bình quân {format_vi(low, 1)}"
                      f"{'–' + format_vi(high, 1) if high else ''} %/năm giai đoạn {start}–{end}; "
                      f"{row['baseline_year']}–{row['latest_year']} đạt {format_vi(realised, 2)} %/năm.")
    row["note_en"] = (f"Needs {low:.1f}{'–' + format(high, '.1f') if high else ''} % a year on average in {start}–{end}; "
                      f"{row['baseline_year']}–{row['latest_year']} achieved {realised:.2f} % a year.")
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
        return (f"needs to {verb} {abs(need):.2f} {unit}/year to {row['target_year']}; "
                f"{row['baseline_year']}–{row['latest_year']} ({span} years): {done:+.2f} {unit}/year")
    verb = ("lùi" if need >= 0 else "lên") if rank else ("tăng" if need >= 0 else "giảm")
    return (f"cần {verb} {format_vi(abs(need), 2)} {unit}/năm đến {row['target_year']}; "
            f"{row['baseline_year']}–{row['latest_year']} ({span} năm): "
            f"{'+' if done >= 0 else '−'}{format_vi(abs(done), 2)} {unit}/năm")


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
            finding_vi += (f" Mức TFP tăng nhanh nhất của Việt Nam trong một giai đoạn kế hoạch (PWT): "
                           f"{format_vi(tfp_record, 2)} %/năm.")
            finding_en += f" Viet Nam's fastest TFP growth over a plan period (PWT): {tfp_record:.2f} % a year."
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
