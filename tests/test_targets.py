"""Target assessment: Eurostat thresholds by hand, achieved, insufficient data, projections, revisions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import targets as tg

REQUIRED_UP = 2 ** (1 / 10) - 1  # 100 (2020) → 200 (2030): 7.18 % a year
REQUIRED_DOWN = 0.5 ** (1 / 10) - 1  # 100 (2020) → 50 (2030): −6.70 % a year


def _target(operator=">=", value=200.0, high=None, year=2030, indicator="x", aggregation="level", **extra):
    base = dict(target_id="T1", indicator=indicator, name_vi="x", name_en="x", unit="đơn vị", operator=operator,
                value=value, value_high=high if high is not None else math.nan, target_year=year,
                period_start=math.nan, period_end=math.nan, aggregation=aggregation, document="D", section="s",
                issued="2026-04", agency="Sở KH&CN", source="s", is_current=True, superseded_by="")
    base.update(extra)
    return pd.Series(base)


def _kpi(points: dict[int, float], indicator="x", kind="actual", region="Bắc Ninh", territory="merged",
         source="s") -> pd.DataFrame:
    """Values of one indicator; by default all describing the merged province (the territory of 2030 targets)."""
    return pd.DataFrame([dict(indicator=indicator, region=region, year=y, value=v, unit="u", kind=kind, source=source,
                              territory=territory) for y, v in points.items()],
                        columns=["indicator", "region", "year", "value", "unit", "kind", "source", "territory"])


def _assess(target, kpi, as_of_year=2026):
    return tg.assess_one(target, kpi, None, "Bắc Ninh", None, as_of_year=as_of_year)


@pytest.mark.parametrize("ratio, status", [(1.2, "on_track"), (0.96, "on_track"), (0.94, "at_risk"),
                                           (0.61, "at_risk"), (0.59, "off_track"), (0.05, "off_track"),
                                           (-0.3, "off_track")])
def test_eurostat_thresholds_increasing(ratio, status):
    latest = 100 * (1 + ratio * REQUIRED_UP) ** 5
    row = _assess(_target(), _kpi({2020: 100.0, 2025: latest}))
    assert row["ratio_r"] == pytest.approx(ratio)
    assert row["status"] == status
    assert row["method"] == "eurostat_cagr"


@pytest.mark.parametrize("ratio, status", [(0.96, "on_track"), (0.94, "at_risk"), (0.61, "at_risk"),
                                           (0.59, "off_track"), (-0.3, "off_track")])
def test_eurostat_thresholds_decreasing(ratio, status):
    latest = 100 * (1 + ratio * REQUIRED_DOWN) ** 5
    row = _assess(_target("<=", 50.0), _kpi({2020: 100.0, 2025: latest}))
    assert row["ratio_r"] == pytest.approx(ratio)
    assert row["status"] == status


def test_between_is_assessed_against_the_nearer_bound():
    # band 150–200 in 2030; from 100 the lower bound needs (1.5)^(1/10) − 1 a year
    required = 1.5 ** (1 / 10) - 1
    latest = 100 * (1 + 0.7 * required) ** 5
    row = _assess(_target("between", 150.0, high=200.0), _kpi({2020: 100.0, 2025: latest}))
    assert row["ratio_r"] == pytest.approx(0.7) and row["status"] == "at_risk"
    above = _assess(_target("between", 20.0, high=30.0), _kpi({2020: 60.0, 2025: 40.0}))
    assert above["ratio_r"] == pytest.approx(((40 / 60) ** (1 / 5) - 1) / ((30 / 60) ** (1 / 10) - 1))
    inside = _assess(_target("between", 20.0, high=30.0), _kpi({2020: 60.0, 2025: 25.0}))
    assert inside["status"] == "achieved"


def test_negative_values_use_linear_growth():
    row = _assess(_target(">=", 10.0), _kpi({2020: -4.0, 2025: 1.0}))
    assert row["method"] == "eurostat_linear"
    assert row["ratio_r"] == pytest.approx((5 / 5) / (14 / 10))


def test_achieved_says_it_must_be_held():
    row = _assess(_target("rank<=", 6.0), _kpi({2024: 11.0, 2025: 6.0}))
    assert row["status"] == "achieved" and "cần giữ đến 2030" in row["note_vi"]


def test_one_actual_point_is_insufficient_even_with_estimates():
    kpi = pd.concat([_kpi({2025: 53.0}), _kpi({2025: 60.0}, kind="estimate"), _kpi({2026: 70.0}, kind="plan")])
    row = _assess(_target(">=", 100.0), kpi)
    assert row["status"] == "insufficient_data" and row["n_points"] == 1
    assert row["n_estimates"] == 1 and row["n_plans"] == 1
    assert row["required_per_year"] == pytest.approx((100 - 53) / 5)


def test_no_data_names_the_agency():
    row = _assess(_target(), _kpi({}).reindex(columns=["indicator", "region", "year", "value", "unit", "kind", "source"]))
    assert row["status"] == "insufficient_data" and "Sở KH&CN" in row["note_vi"]


def test_old_province_value_is_not_taken_as_achieved_for_the_merged_province():
    row = _assess(_target(">=", 45.0), _kpi({2022: 46.7}, territory=""))  # empty territory: the default rule
    assert row["status"] == "insufficient_data" and "Bắc Ninh cũ" in row["note_vi"]


def test_merger_rule_is_symmetric_a_miss_of_the_old_province_is_no_verdict_either():
    """KH20-16 (PCI top 5 by 2030): old Bắc Ninh 4 → 7 gave off_track before; Bắc Giang (2nd in 2022) is part
    of the merged province, so old-province values alone give no verdict in either direction."""
    old = {2016: 17.0, 2019: 4.0, 2020: 10.0, 2021: 7.0, 2022: 7.0}
    for kpi in (_kpi(old, territory="old"), _kpi(old, territory="")):
        row = _assess(_target("rank<=", 5.0), kpi)
        assert row["status"] == "insufficient_data" and row["method"] == "old_territory_only"
        assert math.isnan(row["ratio_r"]) and math.isnan(row["prob_meet"])
    met = _assess(_target("rank<=", 5.0), _kpi({2021: 3.0, 2022: 2.0}, territory="old"))
    assert met["status"] == "insufficient_data"


def test_files_without_territory_column_use_the_default_rule():
    kpi = _kpi({2023: 40.0, 2024: 42.0, 2025: 44.0, 2026: 46.0}).drop(columns=["territory"])
    row = _assess(_target(">=", 60.0), kpi)
    assert row["n_points"] == 2 and row["baseline_year"] == 2025  # 2023-2024 describe the old province


def test_cross_scale_pillar_target_is_not_comparable():
    """KH279-P2: 2025 pillar score (34-unit scale) above the 2024 score (63-unit scale) — not comparable."""
    target = _target(">", 39.67, year=2025, indicator="pii_p2_score", issued="2025-05-06")
    kpi = _kpi({2024: 39.67, 2025: 39.99}, indicator="pii_p2_score", territory="")
    row = _assess(target, kpi)
    assert row["status"] == "not_comparable" and row["latest_value"] == 39.99
    p4 = _assess(_target(">", 51.12, year=2025, indicator="pii_p4_score", issued="2025-05-06"),
                 _kpi({2023: 49.60, 2024: 51.12, 2025: 47.43}, indicator="pii_p4_score", territory=""))
    assert p4["status"] == "not_comparable" and "điểm/năm" not in p4["note_vi"]


def test_top_10_of_63_rank_target_is_not_comparable_with_a_34_unit_rank():
    target = _target("rank<=", 10.0, year=2025, indicator="pii_rank", issued="2025-05-06")
    row = _assess(target, _kpi({2023: 6.0, 2024: 11.0, 2025: 6.0}, indicator="pii_rank", territory=""))
    assert row["status"] == "not_comparable"
    assert "15,9 %" in row["note_vi"] and "17,6 %" in row["note_vi"]  # 10/63 and 6/34
    after = _assess(_target("rank<=", 6.0, indicator="pii_rank", issued="2026-04"),
                    _kpi({2024: 11.0, 2025: 6.0}, indicator="pii_rank", territory=""))
    assert after["status"] == "achieved"  # KH20-11: set after the merger, on the 34-unit scale


def test_a_passed_target_year_is_achieved_or_not_achieved_never_a_pace():
    missed = _assess(_target(">=", 50.0, year=2025), _kpi({2025: 47.43, 2026: 49.0}))
    assert missed["status"] == "not_achieved" and missed["latest_value"] == 47.43
    assert "thiếu 2,57" in missed["note_vi"] and math.isnan(missed["required_per_year"])
    met = _assess(_target(">=", 45.0, year=2025), _kpi({2025: 47.43}))
    assert met["status"] == "achieved"
    unreported = _assess(_target(">=", 50.0, year=2025), _kpi({2024: 40.0}, territory="merged"), as_of_year=2026)
    assert unreported["status"] == "insufficient_data" and unreported["method"] == "target_year_not_reported"


def test_partial_year_value_is_flagged_and_never_a_full_year_baseline():
    source = "KH/KH-SKHCN 24/10/2025: result of the first 10 months of 2025"
    kpi = pd.concat([_kpi({2025: 97.0}, source=source), _kpi({2026: 98.0, 2027: 98.5})])
    row = _assess(_target(">=", 100.0), kpi)
    assert tg.partial_months(source) == 10 and tg.partial_months("10 tháng đầu năm 2025") == 10
    assert row["baseline_year"] == 2026 and row["n_points"] == 2  # the 10-month 97 % is not the baseline
    only = _assess(_target(">=", 100.0), _kpi({2025: 97.0}, source=source))
    assert only["partial_year"] == "2025: 10/12" and only["status"] == "insufficient_data"
    count = _assess(_target(">=", 10.0, year=2025), _kpi({2025: 17.0}, source=source))
    assert count["status"] == "achieved" and "10 tháng" in count["note_vi"]


def test_rank_loss_reads_as_a_loss():
    row = _assess(_target("rank<=", 5.0), _kpi({2021: 4.0, 2024: 7.0}))
    assert "tụt 1,00 bậc/năm" in row["note_vi"] and "loses 1.00 places a year" in row["note_en"]
    assert "+1,00" not in row["note_vi"]


def test_rank_ratio_by_hand():
    """Rank 20 (2020) → 15 (2025), target 5 by 2030: both growths negative, R = actual / required CAGR."""
    row = _assess(_target("rank<=", 5.0), _kpi({2020: 20.0, 2025: 15.0}))
    expected = ((15 / 20) ** (1 / 5) - 1) / ((5 / 20) ** (1 / 10) - 1)
    assert row["ratio_r"] == pytest.approx(expected) and row["status"] == "off_track"  # 0.43
    assert expected == pytest.approx(-0.055912 / -0.129449, abs=1e-5)  # 0.75^0.2 − 1, 0.25^0.1 − 1


def test_noiseless_linear_series_projects_exactly_onto_the_target():
    years = list(range(2016, 2026))
    points = {y: 10.0 + 2.0 * (y - 2016) for y in years}  # reaches 38 in 2030
    row = _assess(_target(">=", 38.0), _kpi(points))
    assert row["projected_value"] == pytest.approx(38.0)
    assert row["prob_meet"] == pytest.approx(1.0)
    forecasts = {f.model: f for f in tg.forecast_models(np.array(years), np.array(list(points.values())), 2030, ">=", 38.0)}
    assert forecasts["linear_trend"].mean == pytest.approx(38.0)
    assert forecasts["random_walk_drift"].mean == pytest.approx(38.0)


def test_series_far_below_target_has_probability_near_zero():
    rng = np.random.default_rng(1)
    points = {y: 20.0 + 0.3 * (y - 2016) + rng.normal(0, 0.5) for y in range(2016, 2026)}
    row = _assess(_target(">=", 60.0), _kpi(points))
    assert row["status"] == "off_track"
    assert row["prob_meet"] < 0.01
    assert tg.probability_words(row["prob_meet"]) == "rất khó"


def test_model_on_its_bounds_gives_no_probability():
    points = {y: 10.0 + 2.0 * (y - 2016) for y in range(2016, 2026)}  # no noise: LLT variances collapse to 0
    fcs = {f.model: f for f in tg.forecast_models(np.array(list(points)), np.array(list(points.values())), 2030,
                                                  ">=", 38.0)}
    llt = fcs["local_linear_trend"]
    assert not llt.usable and math.isnan(llt.prob)


def test_backtest_reports_coverage_and_error():
    rng = np.random.default_rng(2)
    years = np.arange(2010, 2022)
    values = 50 + 1.5 * (years - 2010) + rng.normal(0, 1, len(years))
    scores = tg.backtest(years, values)
    assert {"linear_trend", "random_walk_drift"} <= set(scores["model"])
    assert scores["coverage"].between(0, 1).all() and (scores["mae"] > 0).all()


def test_growth_rate_target_from_counts():
    kpi = _kpi({2026: 100.0, 2027: 125.0, 2028: 160.0}, indicator="patent_applications")
    series = tg.series_for("patent_applications_growth_pct", kpi, "Bắc Ninh")
    assert series["value"].round(1).tolist() == [25.0, 28.0]
    increase = tg.series_for("patent_applications_increase_since_2026", kpi, "Bắc Ninh")
    assert increase["value"].tolist() == [0.0, 25.0, 60.0]  # the base year is a point (issue 19)


def test_probability_words_follow_the_ipcc_scale():
    assert [tg.probability_words(p) for p in (0.95, 0.7, 0.2, 0.02)] == ["rất có khả năng", "có khả năng", "khó", "rất khó"]
    assert tg.probability_words(0.95, "en") == "very likely"
    assert [tg.probability_words(p, "en") for p in (0.66, 0.65, 0.5, 0.34, 0.33, 0.1, 0.09)] == [
        "likely", "about as likely as not", "about as likely as not", "about as likely as not", "unlikely",
        "very unlikely", "very unlikely"]


def test_shipped_assessment_read_back(good_run):
    tables = good_run["output"] / "tables"
    a = pd.read_csv(tables / "targets_assessment.csv")
    contract = ["target_id", "indicator", "region", "operator", "target_value", "target_year", "baseline_year",
                "baseline_value", "latest_year", "latest_value", "n_points", "method", "projected_value",
                "projected_low", "projected_high", "prob_meet", "status"]
    assert set(contract) <= set(a.columns)
    assert set(a["status"]) <= set(tg.STATUSES)
    a = a.set_index("target_id")
    assert a.loc["KH20-11", "status"] == "achieved"  # PII rank 6 of 34 in 2025, top 6 by 2030
    assert a.loc["KH20-10", "status"] == "insufficient_data"  # TFP: no provincial capital and labour series
    # 2026-2030 has no value yet: no verdict; 2021-2025's 8.98 %/yr is context only (it was `at_risk`)
    assert a.loc["SKHCN-2030-GRDP", "status"] == "insufficient_data"
    assert a.loc["SKHCN-2030-GRDP", "method"] == "period_not_started" and math.isnan(a.loc["SKHCN-2030-GRDP", "ratio_r"])
    assert a.loc["KH20-16", "status"] == "insufficient_data"  # old Bắc Ninh's PCI only (was off_track)
    for target_id in [f"KH279-P{i}" for i in range(1, 8)] + ["KH279-PII-2025"]:
        assert a.loc[target_id, "status"] == "not_comparable"  # 63-unit targets, 34-unit values
    # was 10, 7 of them across the change of scale; + KH20-44 (paperless hospitals: 100 % in 2025, merged province,
    # a public value of November 2026)
    assert (a["status"] == "achieved").sum() == 4
    assert a.loc["KH20-44", "status"] == "achieved" and a.loc["KH20-44", "latest_source"].startswith("https://vjs.")
    assert a.loc["KH20-28", "partial_year"] == "2025: 10/12"
    assert "QD123-2.2c" not in a.index  # superseded by KH20-10
    history = pd.read_csv(tables / "targets_history.csv")
    assert {"QD123-2.2c", "SKHCN-2030-TFP", "KH20-10"} <= set(history["target_id"])
    coverage = pd.read_csv(tables / "targets_coverage.csv").set_index("agency")
    assert coverage.loc["Tổng cộng", "targets"] == len(a)
    assert coverage.loc["Tổng cộng", "no_data"] > 0


# ------------------------------------------------------------------ projections against hand computations


def _ols_by_hand(years, values, target_year):
    """Linear trend forecast, its prediction standard error and degrees of freedom, written out."""
    x, y = np.asarray(years, float), np.asarray(values, float)
    n = len(x)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    intercept = y.mean() - slope * x.mean()
    residual = y - intercept - slope * x
    s2 = (residual ** 2).sum() / (n - 2)
    se = math.sqrt(s2 * (1 + 1 / n + (target_year - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum()))
    return intercept + slope * target_year, se, n - 2


def test_linear_prediction_interval_and_probability_by_hand():
    from scipy import stats

    years, values = [2020, 2021, 2022, 2023, 2024], [10.0, 12.5, 13.0, 16.0, 17.5]
    mean, se, df = _ols_by_hand(years, values, 2030)
    t80 = stats.t.ppf(0.9, df)
    up = {f.model: f for f in tg.forecast_models(np.array(years), np.array(values), 2030, ">=", 30.0)}["linear_trend"]
    assert up.mean == pytest.approx(mean)
    assert (up.low, up.high) == (pytest.approx(mean - t80 * se), pytest.approx(mean + t80 * se))  # 80 % PI, t(n−2)
    assert up.prob == pytest.approx(1 - stats.t.cdf((30.0 - mean) / se, df))
    down = {f.model: f for f in tg.forecast_models(np.array(years), np.array(values), 2030, "<=", 30.0)}["linear_trend"]
    assert down.prob == pytest.approx(stats.t.cdf((30.0 - mean) / se, df))  # `<=`: the other tail
    rank = {f.model: f for f in tg.forecast_models(np.array(years), np.array(values), 2030, "rank<=", 30.0)}
    assert rank["linear_trend"].prob == pytest.approx(down.prob)


def test_random_walk_interval_includes_drift_uncertainty():
    values = np.array([10.0, 11.0, 13.0, 13.5, 15.0, 16.0])
    years = np.arange(2019, 2025)
    steps = np.diff(values)
    h = 6
    sigma2 = steps.var(ddof=1)
    se = math.sqrt(sigma2 * h + h ** 2 * sigma2 / len(steps))
    rw = {f.model: f for f in tg.forecast_models(years, values, 2030, ">=", 25.0)}["random_walk_drift"]
    z = 1.2815515655446004  # 90th percentile of N(0, 1): the 80 % interval
    assert rw.mean == pytest.approx(16.0 + steps.mean() * h)
    assert rw.high - rw.mean == pytest.approx(z * se)


def test_linear_prediction_interval_covers_80_percent_of_simulated_truth():
    """Series with known truth (trend + N(0, 1) noise): the 80 % interval must cover about 80 % of outcomes."""
    rng = np.random.default_rng(7)
    years = np.arange(2020, 2024)
    covered = 0
    n_sims = 400
    for _ in range(n_sims):
        values = 5 + 0.8 * (years - 2020) + rng.normal(0, 1, len(years))
        truth = 5 + 0.8 * 10 + rng.normal(0, 1)
        fc = {f.model: f for f in tg.forecast_models(years, values, 2030, ">=", 0.0)}["linear_trend"]
        covered += fc.low <= truth <= fc.high
    assert 0.74 <= covered / n_sims <= 0.86


def test_projection_of_a_rank_stays_between_1_and_n():
    years = np.arange(2018, 2025)
    values = np.array([30.0, 25.0, 21.0, 16.0, 12.0, 9.0, 5.0])
    out = tg.project(years, values, 2030, "rank<=", 5.0, bounds=(1.0, 34.0))
    assert 1.0 <= out["projected_low"] <= out["projected_value"] <= out["projected_high"] <= 34.0
    free = tg.project(years, values, 2030, "rank<=", 5.0)
    assert min(free["projected_low"], free["projected_value"]) < 1.0  # without the bound: impossible ranks


def test_model_choice_needs_enough_backtest_forecasts():
    rng = np.random.default_rng(3)
    short_years = np.arange(2020, 2026)  # 6 points: 6 forecasts per model
    short = 20 + 1.5 * (short_years - 2020) + rng.normal(0, 1, len(short_years))
    few = tg.project(short_years, short, 2030, ">=", 40.0)
    assert few["model"] == "linear_trend" and "too few back-test forecasts (6 < 10)" in few["model_choice"]
    long_years = np.arange(2012, 2026)
    long = 20 + 1.5 * (long_years - 2012) + rng.normal(0, 1, len(long_years))
    many = tg.project(long_years, long, 2030, ">=", 40.0)
    scores = tg.backtest(long_years, long)
    assert many["model_choice"].startswith("back-test")
    scores["gap"] = (scores["coverage"] - tg.PI_LEVEL).abs()
    usable = many["model_probs"]
    best = [m for m in scores.sort_values(["gap", "mae"])["model"] if f"{m} (not used" not in usable][0]
    assert many["model"] == best


# ------------------------------------------------------------------ period-mean targets


def _tfp_rows(g_y: dict[int, float], g_tfp: dict[int, float], region="Bắc Ninh (sau sáp nhập)"):
    return pd.DataFrame([dict(region=region, year=y, method="cobb_douglas", g_y=g_y[y], g_tfp=g_tfp[y])
                         for y in g_y])


def _period_target(operator=">=", value=55.0, high=None, start=2026, end=2030, indicator="tfp_share_pct"):
    return _target(operator, value, high=high, year=end, indicator=indicator, aggregation="period_mean",
                   period_start=start, period_end=end)


def _assess_tfp(target, rows):
    empty = _kpi({}).iloc[0:0]
    return tg.assess_one(target, empty, None, "Bắc Ninh", rows, as_of_year=2028)


def test_tfp_period_target_guards_contraction_and_needs_two_years():
    one = _assess_tfp(_period_target(), _tfp_rows({2026: -5.0}, {2026: -9.0}))  # share would be 180 %
    assert one["status"] == "insufficient_data" and one["n_points"] == 1
    shrinking = _assess_tfp(_period_target(), _tfp_rows({2026: -5.0, 2027: 3.0}, {2026: -9.0, 2027: 1.0}))
    assert shrinking["status"] == "insufficient_data" and shrinking["method"] == "period_mean_tfp_share_guarded"
    flat = _assess_tfp(_period_target(), _tfp_rows({2026: 0.3, 2027: 0.5}, {2026: 0.2, 2027: 0.4}))
    assert flat["status"] == "insufficient_data"


def test_tfp_period_share_is_ratio_of_means_with_at_risk():
    # g_y 10 and 2, g_tfp 6 and 0: ratio of means 3/6 = 50 %; the mean of yearly shares would be 30 %
    row = _assess_tfp(_period_target(), _tfp_rows({2026: 10.0, 2027: 2.0}, {2026: 6.0, 2027: 0.0}))
    assert row["latest_value"] == pytest.approx(50.0)
    assert row["ratio_r"] == pytest.approx(50 / 55) and row["status"] == "at_risk"
    done = _assess_tfp(_period_target(start=2026, end=2027), _tfp_rows({2026: 10.0, 2027: 10.0}, {2026: 6.0, 2027: 6.0}))
    assert done["status"] == "achieved"


def test_between_above_the_band_is_met_for_shares_and_growth_alike():
    share = _assess_tfp(_period_target("between", 45.0, high=47.0, start=2026, end=2027),
                        _tfp_rows({2026: 10.0, 2027: 10.0}, {2026: 7.0, 2027: 7.56}))  # 72.8 %
    growth = tg.assess_one(_period_target("between", 11.0, high=12.0, start=2026, end=2027, indicator="grdp_growth_pct"),
                           _kpi({2026: 13.0, 2027: 13.5}, indicator="grdp_growth_pct"), None, "Bắc Ninh", None,
                           as_of_year=2028)
    assert share["status"] == growth["status"] == "achieved"
    assert "cận trên" in share["note_vi"] and "cận trên" in growth["note_vi"]


def test_period_not_started_gives_previous_pace_as_context_only():
    macro = pd.DataFrame([dict(region="Bắc Ninh", indicator="grdp_growth_pct", year_start=2021, year_end=2025,
                               value=8.98)])
    target = _period_target("between", 11.0, high=12.0, indicator="grdp_growth_pct")
    row = tg.assess_one(target, _kpi({2024: 6.0, 2025: 7.0}, indicator="grdp_growth_pct"), macro, "Bắc Ninh", None,
                        as_of_year=2026)
    assert row["status"] == "insufficient_data" and row["method"] == "period_not_started"
    assert math.isnan(row["ratio_r"]) and row["n_points"] == 0
    assert row["latest_value"] == 8.98 and "2021–2025" in row["note_vi"]
    lower = tg.assess_one(_period_target("<=", 3.0, indicator="cpi_growth_pct"), _kpi({2024: 2.0}, indicator="cpi_growth_pct"),
                          None, "Bắc Ninh", None, as_of_year=2026)
    assert lower["status"] == "insufficient_data"  # a `<=` period target is not `achieved` before its period


# ------------------------------------------------------------------ details the mutation run showed untested


def test_status_thresholds_are_inclusive_and_one_year_growth_counts():
    assert [tg.status_from_ratio(r) for r in (0.95, 0.60, 0.5999)] == ["on_track", "at_risk", "off_track"]
    assert tg.growth_rate(100.0, 110.0, 1, True) == pytest.approx(0.10)
    assert tg.scale_dependent("pci_rank", ">=") and tg.scale_dependent("pii_score", ">")
    assert not tg.scale_dependent("dti_score", ">=")


def test_moving_away_keeps_the_growth_basis():
    row = _assess(_target(">=", 50.0), _kpi({2021: 60.0, 2025: 45.0}))
    assert row["ratio_r"] == -1.0 and row["method"] == "eurostat_cagr" and row["status"] == "off_track"


def test_settled_rows_report_what_they_rest_on():
    cross = _assess(_target(">", 39.67, year=2025, indicator="pii_p2_score", issued="2025-05-06"),
                    _kpi({2024: 39.67, 2025: 39.99}, indicator="pii_p2_score", territory=""))
    assert (cross["method"], cross["latest_year"], cross["n_points"]) == ("cross_scale", 2025, 1)
    assert cross["note_vi"].startswith("Chỉ tiêu đặt ngày 06/05/2025 trên thang 63 tỉnh, thành phố; số 2025 (39,99)")
    rank = _assess(_target("rank<=", 10.0, year=2025, indicator="pii_rank", issued="2025-05-06"),
                   _kpi({2024: 11.0, 2025: 6.0}, indicator="pii_rank", territory=""))
    assert rank["status"] == "not_comparable" and "số 2025 (hạng 6/34) đo trên thang 34 đơn vị" in rank["note_vi"]
    assert "the 2025 value (rank 6/34) is on the 34-unit scale" in rank["note_en"]
    old = _assess(_target("rank<=", 5.0), _kpi({2021: 7.0, 2022: 6.0}, territory="old"))
    assert (old["latest_year"], old["latest_value"], old["n_points"]) == (2022, 6.0, 0)


def test_complete_period_missed_is_not_achieved():
    row = _assess_tfp(_period_target(start=2026, end=2027), _tfp_rows({2026: 10.0, 2027: 10.0}, {2026: 3.0, 2027: 3.0}))
    assert row["status"] == "not_achieved" and row["latest_value"] == pytest.approx(30.0)


def test_log_linear_probability_uses_t_on_the_logs():
    from scipy import stats

    years, values = [2020, 2021, 2022, 2023, 2024], [10.0, 12.5, 13.0, 16.0, 17.5]
    mean, se, df = _ols_by_hand(years, np.log(values), 2030)
    fc = {f.model: f for f in tg.forecast_models(np.array(years), np.array(values), 2030, ">=", 30.0)}
    assert fc["log_linear_trend"].mean == pytest.approx(math.exp(mean))
    assert fc["log_linear_trend"].prob == pytest.approx(1 - stats.t.cdf((math.log(30.0) - mean) / se, df))
    assert "local_linear_trend" in fc  # five yearly points are enough for the state-space model


def test_local_linear_trend_forecast_is_wired_to_statsmodels():
    import statsmodels.api as sm
    from scipy import stats

    rng = np.random.default_rng(1)
    years = np.arange(2013, 2025)
    level = 30 + np.cumsum(1.0 + rng.normal(0, 1.0, len(years)))
    values = level + rng.normal(0, 1.5, len(years))  # trend, level noise and observation noise: variances > 0
    fc = {f.model: f for f in tg.forecast_models(years, values, 2030, ">=", 57.0)}["local_linear_trend"]
    assert fc.usable
    result = sm.tsa.UnobservedComponents(values, level="local linear trend").fit(disp=False)
    frame = result.get_forecast(6).summary_frame(alpha=0.2)
    mean, se = frame["mean"].iloc[-1], frame["mean_se"].iloc[-1]
    assert (fc.mean, fc.low, fc.high) == (pytest.approx(mean, rel=1e-4), pytest.approx(frame["mean_ci_lower"].iloc[-1], rel=1e-4),
                                         pytest.approx(frame["mean_ci_upper"].iloc[-1], rel=1e-4))
    assert fc.prob == pytest.approx(1 - stats.norm.cdf((57.0 - mean) / se), abs=1e-4)
    assert 0.2 < fc.prob < 0.9


def test_backtest_leaves_out_models_on_their_bounds():
    years = np.arange(2012, 2024)
    scores = tg.backtest(years, 10.0 + 2.0 * (years - 2012))  # no noise: the state-space variances collapse
    assert "local_linear_trend" not in set(scores["model"])


# ------------------------------------------------------------------ one calculation per target (issue 19)


def test_on_track_by_compound_growth_is_at_risk_when_pace_and_projection_disagree():
    """IPv6-like: 10 → 20 % in 2020–2025 is exactly the compound pace to 40 % in 2030 (R = 1.00, on track by
    Eurostat), but linearly it needs 4 points a year against 2 achieved, and the linear projection (30 % in 2030)
    gives P(meet) ≈ 0: the status is at_risk, basis projection, with both figures and the probability."""
    points = {2020: 10.0, 2021: 12.1, 2022: 13.9, 2023: 16.1, 2024: 17.9, 2025: 20.0}
    row = _assess(_target(">=", 40.0, unit="%"), _kpi(points))
    assert row["ratio_r"] == pytest.approx((2 ** 0.2 - 1) / (4 ** 0.1 - 1)) and row["ratio_r"] >= tg.ON_TRACK
    assert row["required_per_year"] == pytest.approx(4.0) and row["achieved_per_year"] == pytest.approx(2.0)
    assert row["prob_meet"] < tg.UNLIKELY_PROBABILITY
    assert row["status"] == "at_risk" and row["basis"] == "projection"
    assert "cần tăng 4,00" in row["note_vi"] and "+2,00" in row["note_vi"] and "xác suất đạt" in row["note_vi"]
    assert "Có nguy cơ không đạt" in row["note_vi"] and "At risk" in row["note_en"]
    assert not tg.contradicts(row["status"], row["required_per_year"], row["achieved_per_year"], row["prob_meet"], ">=")


def test_on_track_stays_when_the_pace_achieved_covers_the_pace_needed():
    points = {2020: 10.0, 2021: 15.2, 2022: 19.9, 2023: 25.1, 2024: 29.8, 2025: 35.0}  # 5 a year, needs 1
    row = _assess(_target(">=", 40.0), _kpi(points))
    assert row["status"] == "on_track" and row["basis"] == "cagr"
    assert "Căn cứ: tỷ số Eurostat theo tăng trưởng kép R = " in row["note_vi"] and "xác suất đạt" in row["note_vi"]
    # a low probability alone (pace covered) or a short pace alone (probability fine) is no contradiction
    assert not tg.contradicts("on_track", 1.0, 5.0, 0.01, ">=")
    assert not tg.contradicts("on_track", 6.0, 5.0, 0.50, ">=")
    assert tg.contradicts("on_track", 6.0, 5.0, 0.30, ">=")
    assert not tg.contradicts("at_risk", 6.0, 5.0, 0.30, ">=")
    # decreasing targets (ranks): the pace needed is a drop; −2 a year needed against −1 achieved is short
    assert tg.contradicts("on_track", -2.0, -1.0, 0.2, "rank<=") and not tg.contradicts("on_track", -1.0, -2.0, 0.2, "rank<=")
    assert not tg.contradicts("on_track", 6.0, 5.0, math.nan, ">=")


def test_linear_basis_is_named():
    row = _assess(_target(">=", 10.0), _kpi({2020: -4.0, 2025: 1.0}))
    assert row["basis"] == "linear" and "tăng tuyến tính" in row["note_vi"]
    assert _assess(_target("rank<=", 6.0), _kpi({2024: 11.0, 2025: 6.0}))["basis"] == "actual"


def _targets_from_raw() -> pd.DataFrame:
    from pathlib import Path

    from bnkpi_utils import clean
    raw = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "raw" / "targets.csv")
    return clean.resolve_targets(raw, [])


def test_simulated_complete_round_has_no_status_contradicting_its_note_or_probability():
    """A complete simulated round (tests/simulated_round.py, synthetic series for every indicator): no target is
    on_track while the pace needed exceeds the pace achieved and P(meet) < 0.33; every verdict names its basis;
    the note's paces are the table's; the 2023–2025 totals 4 + 5 + 4 and 3 + 4 + 4 are achieved."""
    from simulated_round import effective_operator, simulated_round

    targets = _targets_from_raw()
    kpi, tfp_rows = simulated_round(targets)
    a = tg.assess(targets, kpi, None, "Bắc Ninh", tfp_rows, as_of_year=2026)
    judged = a[~a["status"].isin(["insufficient_data", "not_comparable"])]
    assert len(judged) >= 0.75 * len(a)  # the round fills nearly every target
    for _, r in a.iterrows():
        assert not tg.contradicts(r["status"], r["required_per_year"], r["achieved_per_year"], r["prob_meet"],
                                  effective_operator(r)), r["target_id"]
    assert set(judged["basis"]) <= {"cagr", "linear", "projection", "actual", "period_mean", "period_sum"}
    assert (judged["basis"] != "").all() and (a.loc[~a.index.isin(judged.index), "basis"] == "").all()
    downgraded = a[a["basis"] == "projection"]
    assert len(downgraded) >= 1 and (downgraded["status"] == "at_risk").all()  # the rule fires in a full round
    paced = a[a["basis"].isin(["cagr", "linear", "projection"])]
    for _, r in paced.iterrows():
        assert tg.format_vi(abs(r["required_per_year"]), 2) in r["note_vi"], r["target_id"]
        assert tg.format_vi(abs(r["achieved_per_year"]), 2) in r["note_vi"], r["target_id"]
    totals = a.set_index("target_id").loc[["QD123-2.1f-1", "QD123-2.1f-2"]]
    assert totals["status"].tolist() == ["achieved", "achieved"] and totals["latest_value"].tolist() == [11.0, 13.0]
    reasons = tg.no_verdict_reasons(a)
    started = a["method"] == "period_not_started"
    assert started.any() and (reasons[started] == "needs_later_year").all()
    assert reasons[a.set_index("target_id").index.get_loc("QD123-2.2g-1")] == "needs_later_year"


# ------------------------------------------------------------------ aggregations: period_sum, increase_since


def _sum_target(value, operator=">=", start=2023, end=2025, indicator="x"):
    return _target(operator, value, year=end, indicator=indicator, aggregation="period_sum", period_start=start,
                   period_end=end, unit="Dự án", issued="2023-04-05")


def test_period_sum_totals_by_hand():
    """QĐ 123 II.2.1.f: 12 S&T enterprises and about 10 start-up projects supported in 2023–2025."""
    enterprises = _assess(_sum_target(12.0), _kpi({2023: 4.0, 2024: 5.0, 2025: 4.0}))  # 13 ≥ 12
    startups = _assess(_sum_target(10.0), _kpi({2023: 3.0, 2024: 4.0, 2025: 4.0}))  # 11 ≥ 10
    for row, total in ((enterprises, 13.0), (startups, 11.0)):
        assert row["status"] == "achieved" and row["latest_value"] == total and row["basis"] == "period_sum"
        assert (row["baseline_year"], row["latest_year"], row["n_points"]) == (2023, 2025, 3)
    assert "đã đạt 13/12 sau 3 năm" in enterprises["note_vi"]
    missed = _assess(_sum_target(12.0), _kpi({2023: 3.0, 2024: 3.0, 2025: 3.0}))  # 9 < 12, period over
    assert missed["status"] == "not_achieved" and missed["latest_value"] == 9.0


def test_partial_period_sum_reads_so_far_and_judges_the_pace():
    row = _assess(_sum_target(12.0), _kpi({2023: 4.0, 2024: 5.0}), as_of_year=2025)
    assert "đã đạt 9/12 sau 2 năm" in row["note_vi"]
    # 4.5 a year against 12 / 3 = 4 a year: R = 1.125; needs 3 in the last year
    assert row["ratio_r"] == pytest.approx(4.5 / 4.0) and row["status"] == "on_track"
    assert row["required_per_year"] == pytest.approx(3.0) and row["achieved_per_year"] == pytest.approx(4.5)
    slow = _assess(_sum_target(12.0), _kpi({2023: 2.0, 2024: 3.0}), as_of_year=2025)  # 2.5 / 4 = 0.625
    assert slow["ratio_r"] == pytest.approx(0.625) and slow["status"] == "at_risk"
    early = _assess(_sum_target(12.0), _kpi({2023: 7.0, 2024: 6.0}), as_of_year=2025)  # counts only add up
    assert early["status"] == "achieved"
    one = _assess(_sum_target(12.0), _kpi({2023: 4.0}), as_of_year=2024)
    assert one["status"] == "insufficient_data" and "đã đạt 4/12 sau 1 năm" in one["note_vi"]
    assert tg.no_verdict_reason(one) == "needs_later_year"
    before = _assess(_sum_target(12.0, start=2026, end=2028), _kpi({2025: 4.0}), as_of_year=2026)
    assert before["method"] == "period_not_started" and tg.no_verdict_reason(before) == "needs_later_year"


def test_period_sum_with_old_province_years_is_a_lower_bound():
    """2023–2024 counts of old Bắc Ninh are part of the merged province's: met → achieved; missed → no verdict."""
    met = _assess(_sum_target(12.0), pd.concat([_kpi({2023: 4.0, 2024: 5.0}, territory="old"), _kpi({2025: 4.0})]))
    assert met["status"] == "achieved" and "cận dưới" in met["note_vi"]
    short = _assess(_sum_target(12.0), pd.concat([_kpi({2023: 3.0, 2024: 3.0}, territory="old"), _kpi({2025: 3.0})]))
    assert short["status"] == "insufficient_data" and short["method"] == "period_sum_incomplete"
    gap = _assess(_sum_target(12.0), _kpi({2023: 3.0, 2025: 3.0}), as_of_year=2026)
    assert gap["status"] == "insufficient_data" and "2024" in gap["note_vi"]


def test_increase_since_counts_the_base_year_as_a_point():
    """QĐ 123 II.2.2.g: 6 more S&T enterprises and start-ups in 2030 than in 2025."""
    target = _target(">=", 6.0, indicator="st_enterprises_startups_increase_since_2025", aggregation="increase_since",
                     period_start=2025, period_end=2030, issued="2023-04-05")
    base_only = _assess(target, _kpi({2020: 30.0, 2025: 40.0}, indicator="st_enterprises_startups"))
    assert base_only["method"] == "one_point" and base_only["n_points"] == 1 and base_only["latest_value"] == 0.0
    assert tg.no_verdict_reason(base_only) == "needs_later_year"
    two = _assess(target, _kpi({2025: 40.0, 2026: 43.0}, indicator="st_enterprises_startups"), as_of_year=2027)
    # 0 → 3 in one year, linear (base 0): required 6 / 5 = 1.2 a year, achieved 3: R = 2.5
    assert two["n_points"] == 2 and two["ratio_r"] == pytest.approx(2.5) and two["status"] == "on_track"
    assert two["basis"] == "linear" and two["required_per_year"] == pytest.approx(3 / 4)
    no_base = _assess(target, _kpi({2023: 38.0, 2024: 39.0}, indicator="st_enterprises_startups"))
    assert no_base["method"] == "base_year_missing" and "năm gốc 2025" in no_base["note_vi"]
    assert tg.no_verdict_reason(no_base) == "not_returned" and tg.no_verdict_reason(no_base, round_held=False) == "not_asked"
    plain = _target(">=", 6.0, indicator="st_enterprises_startups", aggregation="increase_since", period_start=2025,
                    period_end=2030)
    assert _assess(plain, _kpi({2025: 40.0, 2026: 43.0}, indicator="st_enterprises_startups"),
                   as_of_year=2027)["latest_value"] == 3.0


def test_coverage_lists_only_targets_without_any_value_as_without_data():
    from bnkpi_utils import data_round

    rows = [dict(target_id="A", agency="Sở KH&CN", n_points=0, status="insufficient_data", method="period_not_started"),
            dict(target_id="B", agency="Sở KH&CN", n_points=0, status="insufficient_data", method="no_data"),
            dict(target_id="C", agency="Sở KH&CN", n_points=0, status="insufficient_data", method="old_territory_only"),
            dict(target_id="D", agency="Sở KH&CN", n_points=1, status="not_comparable", method="cross_scale"),
            dict(target_id="E", agency="Sở KH&CN", n_points=4, status="on_track", method="eurostat_cagr")]
    reports = pd.DataFrame([dict(period="2026-Q4", agency="Sở KH&CN")])
    cov = data_round.coverage(pd.DataFrame(rows), reports).set_index("agency")
    assert cov.loc["Sở KH&CN", "targets_without_data"] == "B" and cov.loc["Sở KH&CN", "no_data"] == 1
    assert cov.loc["Sở KH&CN", "targets_no_verdict"] == (
        "A: needs_later_year;B: not_returned;C: other_territory_only;D: not_comparable")
    before_any_round = data_round.coverage(pd.DataFrame(rows)).set_index("agency")
    assert "B: not_asked" in before_any_round.loc["Sở KH&CN", "targets_no_verdict"]


def test_key_target_chart_joins_no_values_across_the_merger():
    """Ranks 6/63 (2023), 11/63 (2024) and 6/34 (2025): the old province's points are joined to each other only,
    the path to the target starts from the merged province's value, never from an old-map one."""
    import matplotlib

    matplotlib.use("Agg")
    from bnkpi_utils import charts

    actual = pd.DataFrame(dict(year=[2023, 2024, 2025], value=[6.0, 11.0, 6.0], territory=["old", "old", "merged"],
                               partial_months=0))
    empty = pd.DataFrame(columns=tg.SERIES_COLUMNS)
    only_old = actual.iloc[:2]
    panels = [dict(title="PII", actual=actual, estimate=empty, plan=empty, target=6.0, target_year=2030, invert=True),
              dict(title="old only", actual=only_old, estimate=empty, plan=empty, target=6.0, target_year=2030)]
    fig = charts.key_targets(panels)
    for ax, has_path in zip(fig.axes[:2], (True, False)):
        lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
        spans = [sorted(float(x) for x in line.get_xdata()) for line in lines if line.get_linestyle() != "--"]
        # no drawn line has one end before the merger and the other after it, except the path from 2025 on
        crossing = [s for s in spans if s[0] < 2024.5 < s[-1]]  # 1 July 2025 lies between 2024 and 2025
        assert crossing == [], crossing
        paths = [s for s in spans if s[-1] == 2030]
        assert (paths == [[2025.0, 2030.0]]) if has_path else paths == []
    charts.plt.close(fig)
