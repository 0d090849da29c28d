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


def _kpi(points: dict[int, float], indicator="x", kind="actual", region="Bắc Ninh") -> pd.DataFrame:
    return pd.DataFrame([dict(indicator=indicator, region=region, year=y, value=v, unit="u", kind=kind, source="s")
                         for y, v in points.items()])


def _assess(target, kpi):
    return tg.assess_one(target, kpi, None, "Bắc Ninh", None)


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
    row = _assess(_target(">=", 45.0), _kpi({2022: 46.7}))
    assert row["status"] == "insufficient_data" and "Bắc Ninh cũ" in row["note_vi"]


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
    assert increase["value"].tolist() == [25.0, 60.0]


def test_probability_words():
    assert [tg.probability_words(p) for p in (0.95, 0.7, 0.2, 0.02)] == ["rất có khả năng", "có khả năng", "khó", "rất khó"]
    assert tg.probability_words(0.95, "en") == "very likely"


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
    assert a.loc["SKHCN-2030-GRDP", "status"] == "at_risk"  # 8.98 %/yr 2021-2025 against 11-12
    assert a.loc["SKHCN-2030-GRDP", "ratio_r"] == pytest.approx(8.98 / 11)
    assert "QD123-2.2c" not in a.index  # superseded by KH20-10
    history = pd.read_csv(tables / "targets_history.csv")
    assert {"QD123-2.2c", "SKHCN-2030-TFP", "KH20-10"} <= set(history["target_id"])
    coverage = pd.read_csv(tables / "targets_coverage.csv").set_index("agency")
    assert coverage.loc["Tổng cộng", "targets"] == len(a)
    assert coverage.loc["Tổng cộng", "no_data"] > 0
