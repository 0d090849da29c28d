"""Tests the December 2026 mutation sample showed missing (seed 1919, docs/methods-testing.md): each pins a
method detail by a hand computation that a planted mistake would change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import pii, tfp
from bnkpi_utils import targets as tg


# ------------------------------------------------------------------ TFP


def _inputs(y, k, l, **extra):
    df = pd.DataFrame({"grdp_const": y, "capital_stock_const": k, "employment": l, **extra},
                      index=list(range(2000, 2000 + len(y))))
    df.index.name = "year"
    return df


def test_tornqvist_weights_are_the_mean_labour_share_and_sum_to_one():
    """Labour share 0.5 → 0.9 (mean 0.7, not 1 − α = 0.6), capital and labour both grow 10 %."""
    out = tfp.growth_accounting(_inputs([100, 121], [200, 220], [50, 55], labor_share=[0.5, 0.9]), "X", alpha=0.4)
    tq = out[out["method"] == "tornqvist"].iloc[0]
    g_y, g = 100 * math.log(1.21), 100 * math.log(1.1)
    assert tq["alpha"] == pytest.approx(0.3)
    assert tq["contrib_k"] == pytest.approx(0.3 * g) and tq["contrib_l"] == pytest.approx(0.7 * g)
    assert tq["g_tfp"] == pytest.approx(g_y - 0.3 * g - 0.7 * g)  # = g: the weights sum to one
    assert tq["contrib_k"] + tq["contrib_l"] + tq["g_tfp"] == pytest.approx(tq["g_y"])


def test_period_shares_carry_the_published_share_of_the_same_period():
    yearly = tfp.growth_accounting(_inputs([100, 110, 121], [200, 220, 220], [50, 50, 55]), "X", alpha=0.4)
    published = pd.DataFrame([dict(region="X", indicator="tfp_contribution_pct", year_start=2001, year_end=2002, value=33.3),
                              dict(region="X", indicator="tfp_contribution_pct", year_start=2001, year_end=2005, value=40.0),
                              dict(region="X", indicator="tfp_contribution_pct", year_start=1996, year_end=2002, value=45.0)])
    row = tfp.period_shares(yearly, [(2001, 2002)], published).iloc[0]
    assert row["published_share_pct"] == 33.3


def test_national_record_takes_the_nation_cobb_douglas_rows_from_1991():
    """1991–1995 holds the record; another region and the Törnqvist rows grow faster and must be ignored."""
    rows = []
    for year in range(1991, 2021):
        fast = 4.0 if year <= 1995 else 1.0
        rows.append(dict(region=tfp.NATION, year=year, method="cobb_douglas", alpha=0.43, g_y=6.0, g_k=5.0, g_l=1.0,
                         contrib_k=0, contrib_l=0, g_tfp=fast, flag=""))
        rows.append(dict(region=tfp.NATION, year=year, method="tornqvist", alpha=0.4, g_y=6.0, g_k=5.0, g_l=1.0,
                         contrib_k=0, contrib_l=0, g_tfp=9.0, flag=""))
        rows.append(dict(region="Bắc Ninh", year=year, method="cobb_douglas", alpha=0.43, g_y=9.0, g_k=5.0, g_l=1.0,
                         contrib_k=0, contrib_l=0, g_tfp=7.0, flag=""))
    record = tfp.national_record(pd.DataFrame(rows))
    assert (record["period_start"], record["period_end"], record["g_tfp"]) == (1991, 1995, 4.0)
    assert record["region"] == tfp.NATION and record["method"] == "cobb_douglas"


def test_target_arithmetic_rounds_to_three_decimals():
    row = tfp.target_arithmetic(11.0, 11.0, 55.5, alphas=(0.43,), labour_growth=(1.0,)).iloc[0]
    assert row["required_tfp_growth"] == 6.105 and row["room_for_capital_and_labour"] == 4.895
    odd = tfp.target_arithmetic(11.1111, 11.1111, 50.0, alphas=(0.43,), labour_growth=(1.0,)).iloc[0]
    assert odd["room_for_capital_and_labour"] == 5.556  # 5.55555 to three decimals, not four


# ------------------------------------------------------------------ targets


def _tfp_target(value=55.0):
    return pd.Series(dict(target_id="T", indicator="tfp_share_pct", name_vi="x", name_en="x", unit="%", operator=">=",
                          value=value, value_high=math.nan, target_year=2027, period_start=2026, period_end=2027,
                          aggregation="period_mean", document="D", section="s", issued="2026-04", agency="Sở KH&CN",
                          source="s", is_current=True, superseded_by=""))


def _tfp_assess(g_y, g_tfp):
    rows = pd.DataFrame([dict(region="Bắc Ninh (sau sáp nhập)", year=y, method="cobb_douglas", g_y=g_y[y], g_tfp=g_tfp[y])
                         for y in g_y])
    empty = pd.DataFrame(columns=["indicator", "region", "year", "value", "unit", "kind", "source", "territory"])
    return tg.assess_one(_tfp_target(), empty, None, "Bắc Ninh", rows, as_of_year=2028)


def test_target_tfp_share_divides_by_mean_output_growth_not_its_absolute_value():
    # g_y 12 and −2 (mean 5, mean |g_y| 7), g_tfp 6 and −1 (mean 2.5): share 50 %, not 35.7 %
    row = _tfp_assess({2026: 12.0, 2027: -2.0}, {2026: 6.0, 2027: -1.0})
    assert row["latest_value"] == pytest.approx(50.0) and row["status"] == "not_achieved"


def test_target_tfp_share_guard_is_inclusive():
    yearly = pd.DataFrame({"g_y": [0.4, 0.6], "g_tfp": [0.2, 0.3]})  # mean g_y 0.5 = the guard: no share
    assert tg._tfp_share(yearly, 0.5) is None
    assert tg._tfp_share(yearly, 0.49) == pytest.approx(50.0)


def test_old_territory_rank_target_on_its_own_63_unit_scale_is_comparable():
    """A 2024 target of old Bắc Ninh (issued 2023, top 10 of 63) measured on the 63-unit scale gets a verdict."""
    target = pd.Series(dict(target_id="T", indicator="pii_rank", name_vi="x", name_en="x", unit="Thứ bậc",
                            operator="rank<=", value=10.0, value_high=math.nan, target_year=2024, period_start=math.nan,
                            period_end=math.nan, aggregation="level", document="D", section="s", issued="2023-04-05",
                            agency="Sở KH&CN", source="s", is_current=True, superseded_by=""))
    kpi = pd.DataFrame([dict(indicator="pii_rank", region="Bắc Ninh", year=y, value=v, unit="u", kind="actual",
                             source="s", territory="old") for y, v in ((2023, 12.0), (2024, 9.0))])
    row = tg.assess_one(target, kpi, None, "Bắc Ninh", None, as_of_year=2026)
    assert row["status"] == "achieved" and row["method"] == "target_year_actual"


# ------------------------------------------------------------------ PII


def test_aggregate_pillars_with_a_missing_pillar_gives_nan_not_an_error():
    out = pii.aggregate_pillars({p: 50.0 for p in pii.PILLARS if p != "P7"})
    assert out["INPUT"] == 50.0 and math.isnan(out["OUTPUT"]) and math.isnan(out["PII"])


def test_gii_log_by_hand_for_maxima_above_and_at_one():
    above, note = pii.gii_log(np.array([1.0, 1.5, 2.0]))  # max 2: ln[(2 − 1)(x − 1)/1 + 1] = ln x
    assert above == pytest.approx(np.log([1.0, 1.5, 2.0])) and note == ""
    fraction, note = pii.gii_log(np.array([0.0, 0.5, 1.0]))  # rescaled to 1, 50.5, 100 first: ln of those
    assert fraction == pytest.approx(np.log([1.0, 50.5, 100.0])) and note


def test_score_bounds_name_the_rank_and_unit_of_a_published_score():
    ranking = pd.DataFrame({"rank": [1, 2, 3], "province": ["A", "B", "C"], "score": [60.0, np.nan, 40.0]})
    bounds = pii.score_bounds(ranking, 3).set_index("rank")
    assert bounds.loc[1, "province"] == "A" and (bounds.loc[1, "low"], bounds.loc[1, "high"]) == (60.0, 60.0)
    assert bounds.loc[2, "province"] == "B" and (bounds.loc[2, "low"], bounds.loc[2, "high"]) == (40.0, 60.0)
    assert bounds.index.tolist() == [1, 2, 3]


def test_winsorising_takes_the_tail_of_the_skew_and_counts_from_zero():
    """Skewness 0.89 (right tail) with limits lowered to 0.5: one winsorisation of the maximum (14 → 9) is allowed
    and enough; the minimum is left alone."""
    values = pd.DataFrame({"x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 14.0]}, index=[f"u{i}" for i in range(10)])
    treated, log = pii.treat_outliers(values, skew_limit=0.5, kurt_limit=0.5, max_winsorised=1)
    assert treated["x"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9.0]
    assert log == ["outlier: x u9: winsorised 14 → 9"]


def test_monte_carlo_without_noise_reproduces_the_engine_with_a_missing_value():
    """A unit lacking one indicator (its group keeps the others) is aggregated over what it has, as the engine does."""
    rng = np.random.default_rng(5)
    units = [f"u{i}" for i in range(8)]
    rows = [(f"i{j}", f"g{j // 2}", pii.PILLARS[(j // 2) % 7], 1) for j in range(28)]
    framework = pd.DataFrame(rows, columns=["indicator", "group", "pillar", "direction"])
    values = pd.DataFrame(rng.uniform(0, 10, (8, 28)), index=units, columns=framework["indicator"])
    values.loc["u3", "i0"] = np.nan
    nominal = {"normalisation": ("minmax",), "aggregation": ("arithmetic",), "treat": (False,)}
    mc = pii.monte_carlo_ranks(values, framework, n_draws=20, weight_noise=0.0, choices=nominal)["ranks"]
    engine = pii.compute_index(values, framework).index["rank"]
    assert mc.set_index("unit")["median_rank"].tolist() == engine.reindex(units).astype(float).tolist()


# ------------------------------------------------------------------ second batch (the rest of the sample)


def test_tied_units_share_the_best_rank():
    values = pd.DataFrame({"a": [5.0, 5.0, 1.0], "b": [2.0, 2.0, 9.0]}, index=["x", "y", "z"])
    framework = pd.DataFrame([("a", "1.1", "P1", 1), ("b", "6.1", "P6", 1)],
                             columns=["indicator", "group", "pillar", "direction"])
    framework = pd.concat([framework, pd.DataFrame([(f"c{p}", f"{p}.1", p, 1) for p in pii.PILLARS if p not in ("P1", "P6")],
                                                   columns=framework.columns)])
    for p in pii.PILLARS:
        if p not in ("P1", "P6"):
            values[f"c{p}"] = [3.0, 3.0, 3.5]
    ranks = pii.compute_index(values, framework).index["rank"]
    assert ranks.tolist() == [2.0, 2.0, 1.0]  # x and y tie behind z: both get the best rank of the tie, not 2.5


def test_constant_indicator_normalises_to_nan():
    x = pd.DataFrame({"a": [1.0, 3.0], "flat": [2.0, 2.0]})
    out = pii.normalise(x, pd.Series({"a": 1, "flat": 1}))
    assert out["a"].tolist() == [0.0, 100.0] and out["flat"].isna().all()


def test_monte_carlo_effects_count_the_draws_of_each_option():
    values, framework = _small_index()
    effects = pii.monte_carlo_ranks(values, framework, n_draws=60)["effects"]
    assert set(effects.columns) >= {"choice", "option", "draws", "mean_abs_rank_shift"}
    assert effects.groupby("choice")["draws"].sum().tolist() == [60, 60, 60]


def _small_index():
    rng = np.random.default_rng(3)
    rows = [(f"i{j}", f"g{j // 2}", pii.PILLARS[(j // 2) % 7], 1) for j in range(28)]
    framework = pd.DataFrame(rows, columns=["indicator", "group", "pillar", "direction"])
    values = pd.DataFrame(rng.uniform(0, 10, (8, 28)), index=[f"u{i}" for i in range(8)], columns=framework["indicator"])
    return values, framework


def _t(operator=">=", value=50.0, year=2030, **extra):
    base = dict(target_id="T", indicator="x", name_vi="x", name_en="x", unit="u", operator=operator, value=value,
                value_high=math.nan, target_year=year, period_start=math.nan, period_end=math.nan, aggregation="level",
                document="D", section="s", issued="2026-04", agency="A", source="s", is_current=True, superseded_by="")
    base.update(extra)
    return pd.Series(base)


def _k(points, territory="merged"):
    return pd.DataFrame([dict(indicator="x", region="Bắc Ninh", year=y, value=v, unit="u", kind="actual", source="s",
                              territory=territory) for y, v in points.items()])


def _a(target, kpi, as_of_year=2026):
    return tg.assess_one(target, kpi, None, "Bắc Ninh", None, as_of_year=as_of_year)


def test_baseline_exactly_at_the_target_then_missing_it_is_moving_away():
    up = _a(_t(">=", 50.0), _k({2020: 50.0, 2025: 45.0}))  # required growth 0: the baseline met the target
    down = _a(_t("rank<=", 5.0), _k({2020: 5.0, 2025: 7.0}))
    assert up["ratio_r"] == down["ratio_r"] == -1.0 and up["status"] == down["status"] == "off_track"
    linear = _a(_t(">=", 10.0), _k({2020: 12.0, 2025: -3.0}))
    assert linear["ratio_r"] == -1.0 and linear["basis"] == "linear" and linear["method"] == "eurostat_linear"


def test_mixed_and_cross_scale_rows_say_what_they_set_aside():
    mixed = _a(_t(">=", 60.0), pd.concat([_k({2022: 30.0, 2023: 35.0}, territory="old"), _k({2025: 40.0, 2026: 45.0})]),
               as_of_year=2027)
    assert mixed["unit_basis_note"] == "merged_only (values of the other territory set aside: 2)"
    cross = _a(_t(">", 39.67, year=2025, indicator="pii_p2_score", issued="2025-05-06"),
               _k({2025: 39.99}).assign(indicator="pii_p2_score"))
    assert cross["unit_basis_note"] == "63_vs_34_units"


def test_small_helpers_by_hand():
    assert tg.meets(1.0, "<", 2.0) and not tg.meets(2.0, "<", 2.0)
    assert tg.partial_months("first 12 months of 2025") == 0 and tg.partial_months("10 tháng đầu năm 2025") == 10
    assert tg.target_territory(2024) == "old" and tg.target_territory(2025) == "merged"


def test_projection_reports_the_spread_of_the_models_probabilities():
    rng = np.random.default_rng(4)
    years = np.arange(2012, 2026)
    values = 20 + 1.5 * (years - 2012) + rng.normal(0, 1.5, len(years))
    out = tg.project(years, values, 2030, ">=", 45.0)
    probs = [f.prob for f in tg.forecast_models(years, values, 2030, ">=", 45.0) if f.usable and not math.isnan(f.prob)]
    assert len(probs) > 1 and out["model_disagreement"] == pytest.approx(max(probs) - min(probs))
    short = tg.project(np.array([2023, 2024, 2025]), np.array([1.0, 2.1, 2.9]), 2030, ">=", 5.0)
    assert short["model"] == "linear_trend" and "(0 < " in short["model_choice"]  # no back-test at all


def test_given_capital_stock_is_named_as_the_source():
    out = tfp.growth_accounting(_inputs([100, 110], [200, 220], [50, 55]), "X")
    assert (out["capital_source"] == "given").all()


def test_a_province_that_did_not_merge_keeps_its_2025_inputs():
    rows = [dict(region="Hà Nội", indicator=i, year_start=y, year_end=y, value=v)
            for y in (2024, 2025) for i, v in (("grdp_const", 100.0 + y), ("employment", 10.0))]
    assert tfp.inputs_for(pd.DataFrame(rows), "Hà Nội").index.tolist() == [2024, 2025]
    merged = [dict(r, region="Bắc Ninh") for r in rows]
    assert tfp.inputs_for(pd.DataFrame(merged), "Bắc Ninh").index.tolist() == [2024]


def test_merged_inputs_without_break_flags():
    harmonised = pd.DataFrame([dict(region="Bắc Ninh", indicator="grdp_const", year=2024, value=1.0)])
    macro = pd.DataFrame([dict(region="Bắc Ninh", indicator="grdp_const", year_start=2025, year_end=2025, value=2.0)])
    wide = tfp.merged_inputs(macro, harmonised, "Bắc Ninh")
    assert wide["grdp_const"].tolist() == [1.0, 2.0] and wide.attrs["breaks"] == {}


def test_perpetual_inventory_refuses_g_plus_delta_of_zero():
    flat = pd.Series([100.0] * 6, index=range(2000, 2006))  # g = 0 exactly, δ = 0: K₀ = I₀ / 0
    with pytest.raises(ValueError, match="g \\+ δ must be positive"):
        tfp.perpetual_inventory(flat, 0.0, 5)
    falling = pd.Series([100.0 * 0.9 ** i for i in range(6)], index=range(2000, 2006))  # g = −10 % < −δ
    with pytest.raises(ValueError, match="g \\+ δ must be positive"):
        tfp.perpetual_inventory(falling, 0.05, 5)


def test_probability_with_no_spread_and_for_every_operator():
    from scipy import stats

    assert tg._prob_normal(25.0, 0.0, "between", 20.0, 30.0) == 1.0
    assert tg._prob_normal(37.6, 0.0, ">=", 38.0, None) == 0.0  # not rounded to 38
    assert tg._prob_normal(10.0, 1.0, "<", 11.0, None) == pytest.approx(stats.norm.cdf(1.0))
    assert tg._prob_normal(10.0, 2.0, "between", 9.0, 12.0) == pytest.approx(stats.norm.cdf(1.0) - stats.norm.cdf(-0.5))


def test_every_model_gives_a_band_probability_and_the_log_interval_by_hand():
    import statsmodels.api as sm
    from scipy import stats

    rng = np.random.default_rng(8)
    years = np.arange(2014, 2026)
    values = 30 * np.exp(0.05 * (years - 2014) + rng.normal(0, 0.03, len(years)))
    fcs = {f.model: f for f in tg.forecast_models(years, values, 2030, "between", 60.0, 80.0)}
    for name in ("linear_trend", "log_linear_trend", "random_walk_drift"):
        assert 0.0 < fcs[name].prob < 1.0, name
    X = sm.add_constant(years - years[0])
    fit = sm.OLS(np.log(values), X).fit()
    x_new = np.array([[1.0, 2030 - years[0]]])
    mean = float(fit.predict(x_new)[0])
    se = math.sqrt(float(fit.get_prediction(x_new).se_mean[0]) ** 2 + fit.scale)
    t = stats.t.ppf(0.9, len(years) - 2)
    log = fcs["log_linear_trend"]
    assert (log.low, log.high) == pytest.approx((math.exp(mean - t * se), math.exp(mean + t * se)))
    expected = stats.t.cdf((math.log(80) - mean) / se, len(years) - 2) - stats.t.cdf((math.log(60) - mean) / se, len(years) - 2)
    assert log.prob == pytest.approx(expected)
    steps = np.diff(values)  # random walk with drift: t with (steps − 1) degrees of freedom
    h, sigma2 = 2030 - years[-1], steps.var(ddof=1)
    rw_mean, rw_se = values[-1] + steps.mean() * h, math.sqrt(sigma2 * h + h ** 2 * sigma2 / len(steps))
    rw = stats.t(len(steps) - 1)
    assert fcs["random_walk_drift"].prob == pytest.approx(rw.cdf((80 - rw_mean) / rw_se) - rw.cdf((60 - rw_mean) / rw_se))



# ------------------------------------------------------------------ from the confirmation run on the new code


def test_period_status_with_a_zero_target_gives_no_ratio():
    status, ratio = tg._period_status(-1.0, ">=", 0.0, None, False)
    assert status == "insufficient_data" and math.isnan(ratio)


def test_growth_accounting_builds_capital_by_the_perpetual_inventory_at_factor_one():
    years = list(range(2000, 2008))
    investment = [100.0, 104.0, 111.0, 115.0, 122.0, 130.0, 133.0, 140.0]
    inputs = pd.DataFrame({"grdp_const": [1000.0 * 1.07 ** i for i in range(8)], "investment_const": investment,
                           "employment": [50.0 + i for i in range(8)]}, index=years)
    inputs.index.name = "year"
    out = tfp.growth_accounting(inputs, "X", alpha=0.4, delta=0.05)
    stock = tfp.perpetual_inventory(pd.Series(investment, index=years), 0.05, 5, 1.0)
    g_k = 100 * np.log(stock / stock.shift(1)).dropna()
    assert out[out["method"] == "cobb_douglas"]["g_k"].tolist() == pytest.approx(g_k.tolist())


def test_perpetual_inventory_start_by_hand_with_uneven_growth():
    investment = pd.Series([100.0, 110.0, 105.0, 130.0, 120.0, 150.0, 160.0], index=range(2000, 2007))
    g = (150.0 / 100.0) ** (1 / 5) - 1  # the first 5 years' compound growth (2000 → 2005)
    assert tfp.perpetual_inventory(investment, 0.05, 5).iloc[0] == pytest.approx(100.0 * (1 + g) / (g + 0.05))
    one = tfp.perpetual_inventory(pd.Series([80.0], index=[2010]), 0.05, 5)
    assert one.iloc[0] == pytest.approx(80.0 / 0.05)  # one year: g = 0
    with pytest.raises(ValueError, match="gaps \\(2002–2004\\)"):
        tfp.perpetual_inventory(pd.Series([100.0, 105.0, 110.0, 120.0], index=[2000, 2001, 2002, 2004]))


def test_period_share_row_carries_alpha_and_inputs_without_flags_carry_no_breaks():
    yearly = tfp.growth_accounting(_inputs([100, 110, 121], [200, 220, 220], [50, 50, 55]), "X", alpha=0.4)
    assert tfp.period_shares(yearly, [(2001, 2002)]).iloc[0]["alpha"] == 0.4
    rows = [dict(region="Hà Nội", indicator=i, year_start=y, year_end=y, value=v)
            for y in (2024, 2025) for i, v in (("grdp_const", 100.0 + y), ("employment", 10.0))]
    assert tfp.inputs_for(pd.DataFrame(rows), "Hà Nội").attrs["breaks"] == {}


def test_regional_inputs_list_the_nation_first():
    rows = [dict(region=region, indicator=i, year_start=y, year_end=y, value=v)
            for region in ("Bắc Giang", tfp.NATION) for y in (2020, 2021, 2022)
            for i, v in (("grdp_const", 100.0 + y), ("employment", 10.0 + y / 1000), ("capital_stock_const", 50.0 + y))]
    assert list(tfp.regional_inputs(pd.DataFrame(rows))) == [tfp.NATION, "Bắc Giang"]


def test_gap_says_whether_the_threshold_score_was_published_and_moves_say_feasible():
    ranking = pd.DataFrame({"rank": [1, 2, 3, 4], "province": ["A", "B", "X", "C"], "score": [60.0, 55.0, 50.0, 40.0]})
    gap = pii.gap_to_rank(ranking, 4, "X", 1)  # beat A: 60 − 50
    assert gap["threshold_published"] is True and gap["gap_low"] == gap["gap_high"] == pytest.approx(10.0)
    unpublished = pii.gap_to_rank(ranking.assign(score=[60.0, np.nan, 50.0, 40.0]), 4, "X", 2)
    assert unpublished["threshold_published"] is False
    moves = pii.pillar_moves({p: 50.0 for p in pii.PILLARS}, 1.0).set_index("pillar")
    assert moves["feasible"].all()
    assert not pii.pillar_moves({p: 99.9 for p in pii.PILLARS}, 5.0)["feasible"].any()


def _sum_t(operator, value, start=2023, end=2025):
    return _t(operator, value, year=end, aggregation="period_sum", period_start=start, period_end=end)


def test_a_total_to_stay_under_and_the_period_sum_details():
    under = _a(_sum_t("<=", 10.0), _k({2023: 3.0, 2024: 3.0, 2025: 3.0}))  # 9 ≤ 10
    over = _a(_sum_t("<=", 10.0), _k({2023: 4.0, 2024: 4.0}), as_of_year=2025)  # 8 already, 2 years: 12 at this pace
    assert (under["status"], under["method"], under["basis"]) == ("achieved", "period_sum", "period_sum")
    exceeded = _a(_sum_t("<=", 10.0), _k({2023: 4.0, 2024: 4.0, 2025: 4.0}))
    assert exceeded["status"] == "not_achieved"
    assert over["status"] == "at_risk"
    pace = _a(_sum_t("<=", 10.0), _k({2023: 3.0, 2024: 3.0}), as_of_year=2025)  # 9 at this pace: on track
    assert pace["status"] == "on_track"
    zero = _a(_sum_t("<=", 0.0), _k({2023: 0.0, 2024: 0.0}), as_of_year=2025)  # "no incident" target
    assert zero["status"] == "on_track" and math.isnan(zero["ratio_r"])
    gap = _a(_sum_t(">=", 20.0, end=2027), _k({2023: 3.0, 2025: 3.0}), as_of_year=2026)
    assert gap["status"] == "insufficient_data" and gap["method"] == "period_sum_incomplete"


def test_no_verdict_reason_and_pace_edges():
    assert tg.no_verdict_reason({"status": "insufficient_data", "method": ""}) == "not_returned"
    assert not tg.pace_short(-1.0, -1.0, "rank<=") and not tg.pace_short(1.0, 1.0, ">=")
    assert tg.probability_words(None) == ""


def test_boundaries_of_the_rule_the_growth_basis_and_the_words():
    assert not tg.contradicts("on_track", 6.0, 5.0, 0.33, ">=")  # "unlikely" is below 0.33, as the words say
    assert _a(_t(">=", 0.75), _k({2020: 0.5, 2025: 0.6}))["basis"] == "cagr"  # values below 1 still compound
    assert _a(_t(">=", 10.0), _k({2020: 5.0, 2025: 0.0}))["basis"] == "linear"  # a zero is not compounded
    assert tg.probability_words(0.90) == "rất có khả năng"


def test_log_linear_model_for_targets_below_one_and_usable():
    years = np.arange(2016, 2026)
    values = 0.4 * np.exp(0.04 * (years - 2016)) * (1 + np.random.default_rng(2).normal(0, 0.01, len(years)))
    fcs = {f.model: f for f in tg.forecast_models(years, values, 2030, ">=", 0.75)}  # DTI-like target 0.75
    assert "log_linear_trend" in fcs and fcs["log_linear_trend"].usable
    empty = tg.backtest(years[:3], values[:3])
    assert list(empty.columns) == ["model", "coverage", "mae", "n"]
    one = tg.project(np.array([2019, 2021, 2025]), np.array([-1.0, 0.2, 0.9]), 2030, ">=", 5.0)  # gaps, a negative
    assert one["model_disagreement"] == 0.0  # only the linear trend: no spread


# ------------------------------------------------------------------ a fresh sample (seed 4242, December 2026)
# Tests for the planted mistakes a new 500-mutant sample left alive; each names the mistake it catches.


def _t4(operator=">=", value=12.0, **extra):
    base = dict(target_id="T1", indicator="x", name_vi="x", name_en="x", unit="Dự án", operator=operator, value=value,
                value_high=math.nan, target_year=2025, period_start=math.nan, period_end=math.nan,
                aggregation="level", document="D", section="s", issued="2026-04", agency="Sở KH&CN", source="s",
                is_current=True, superseded_by="")
    base.update(extra)
    return pd.Series(base)


def _k4(points, indicator="x", territory="merged"):
    return pd.DataFrame([dict(indicator=indicator, region="Bắc Ninh", year=y, value=v, unit="u", kind="actual",
                              source="s", territory=territory) for y, v in points.items()])


def _sum4(value, start=2023, end=2025, operator=">="):
    return _t4(operator, value, target_year=end, aggregation="period_sum", period_start=start, period_end=end)


def _a4(target, kpi, as_of_year):
    return tg.assess_one(target, kpi, None, "Bắc Ninh", None, as_of_year=as_of_year)


def test_a_strict_target_is_not_met_at_its_value_and_no_growth_over_zero_years():
    assert not tg.meets(55.0, ">", 55.0) and tg.meets(55.01, ">", 55.0)  # '>' read as '≥'
    assert math.isnan(tg.growth_rate(100.0, 110.0, 0, True))  # a rate over zero years


def test_period_sum_pace_over_the_years_left_and_its_details():
    # 2023–2026, 16 in all, 4 + 4 so far: (16 − 8) / 2 years left = 4 a year (not 8 × 2)
    row = _a4(_sum4(16.0, end=2026), _k4({2023: 4.0, 2024: 4.0}), as_of_year=2025)
    assert row["required_per_year"] == pytest.approx(4.0) and "(2023–2024)" in row["note_vi"]
    first = _a4(_sum4(12.0), _k4({2023: 4.0}), as_of_year=2024)
    assert "đã đạt 4/12 sau 1 năm (2023)." in first["note_vi"]  # one year, not "2023–2023"
    # a total of 1: R = 0 / (1/3) = 0, not 'no ratio'
    one = _a4(_sum4(1.0), _k4({2023: 0.0, 2024: 0.0}), as_of_year=2025)
    assert one["ratio_r"] == 0.0 and one["status"] == "off_track"
    # R = 3.9 / 4 = 0.975 is on track by ratio, but 4.2 a year is needed against 3.9 achieved: at risk
    short = _a4(_sum4(12.0), _k4({2023: 4.0, 2024: 3.8}), as_of_year=2025)
    assert short["status"] == "at_risk" and "Tốc độ cần thiết vượt tốc độ đã đạt" in short["note_vi"]
    # every year of the period is in during its last year: the total is final (9 < 12)
    done = _a4(_sum4(12.0), _k4({2023: 3.0, 2024: 3.0, 2025: 3.0}), as_of_year=2025)
    assert done["status"] == "not_achieved"
    gap = _a4(_sum4(12.0), _k4({2023: 3.0, 2025: 3.0}), as_of_year=2026)
    assert "Thiếu số năm 2024: chưa kết luận." in gap["note_vi"]  # not "2024, 2026"


def test_territory_notes_and_a_rank_target_set_before_the_merger():
    plain = _a4(_t4(">=", 50.0, target_year=2030), _k4({2025: 40.0, 2026: 45.0}), as_of_year=2027)
    assert plain["unit_basis_note"] == ""  # nothing set aside, nothing said
    old = _a4(_t4(">=", 50.0, target_year=2030), _k4({2023: 40.0, 2024: 45.0}, territory="old"), as_of_year=2027)
    assert old["unit_basis_note"] == "old_only" and old["method"] == "old_territory_only"
    # a rank target (any indicator name) set on the 63-unit map is not comparable with a 34-unit rank
    rank = _a4(_t4("rank<=", 6.0, indicator="position", target_year=2030, issued="2025-05-06"),
               _k4({2025: 6.0}, indicator="position"), as_of_year=2026)
    assert rank["status"] == "not_comparable"


def test_the_one_rule_holds_for_a_target_to_go_down():
    row = dict(status="on_track", ratio_r=1.0, basis="linear", prob_meet=0.1, required_per_year=-5.0,
               achieved_per_year=-2.0, note_vi="x", note_en="x")
    assert tg.reconcile(dict(row), "<=")["status"] == "at_risk"  # needs −5 a year, falls by 2: short
    kept = tg.reconcile(dict(row, prob_meet=0.9), "<=")
    assert kept["status"] == "on_track" and "Eurostat ratio on linear growth" in kept["note_en"]


def test_a_series_with_a_zero_gets_no_log_model_and_a_growth_series_keeps_its_territory():
    models = [f.model for f in tg.forecast_models(np.arange(2018, 2026), np.array([0, 1, 2, 3, 4, 5, 6, 7.0]),
                                                  2030, ">=", 10.0)]
    assert "log_linear_trend" not in models and "linear_trend" in models
    growth = tg.series_for("x_growth_pct", _k4({2023: 100.0, 2024: 110.0, 2025: 121.0}), "Bắc Ninh")
    assert growth["territory"].tolist() == ["merged", "merged"]
    assert growth["value"].tolist() == pytest.approx([10.0, 10.0])


def test_the_projection_picks_the_best_calibrated_model_not_the_smallest_error(monkeypatch):
    fake = [tg.Forecast("linear_trend", 10.0, 8.0, 12.0, 0.5, True), tg.Forecast("random_walk", 11.0, 9.0, 13.0, 0.7, True)]
    monkeypatch.setattr(tg, "forecast_models", lambda *a, **k: fake)
    scores = pd.DataFrame(dict(model=["linear_trend", "random_walk"], n=[10, 10], coverage=[0.5, 0.8], mae=[0.1, 0.9]))
    monkeypatch.setattr(tg, "backtest", lambda *a, **k: scores)
    chosen = tg.project(np.arange(2016, 2026), np.arange(10.0), 2030, ">=", 12.0)
    assert chosen["model"] == "random_walk"  # coverage 0,80 = the 80 % interval, though its error is larger
    assert chosen["model_probs"] == "linear_trend 0.50; random_walk 0.70"


def test_pii_steps_at_their_boundaries():
    moves = pii.pillar_moves({p: 90.0 for p in pii.PILLARS}, 0.0)
    assert moves["feasible"].all()  # 90 + 0 ≤ 100
    edge = pii.pillar_moves({p: 100.0 - 2.0 / pii.LEVERAGE[p] for p in pii.PILLARS}, 2.0)
    assert edge["feasible"].all()  # exactly 100 is reachable
    # a span of exactly 1 is a span (only 0 is none)
    scaled = pii.normalise(pd.DataFrame({"a": [0.0, 0.5, 1.0]}), pd.Series({"a": 1}))
    assert scaled["a"].tolist() == [0.0, 50.0, 100.0]
    # ranks 2 and 4 published; the unit at rank 1 has nothing above it: its upper bound is 100, not infinity
    ranking = pd.DataFrame(dict(rank=[1, 2, 3, 4], province=["A", "B", "C", "D"], score=[np.nan, 60.0, np.nan, 40.0]))
    bounds = pii.score_bounds(ranking, 4).set_index("rank")
    assert (bounds.loc[1, "low"], bounds.loc[1, "high"]) == (60.0, 100.0)
    assert (bounds.loc[3, "low"], bounds.loc[3, "high"]) == (40.0, 60.0)


def test_outlier_treatment_goes_on_after_a_column_that_needs_none():
    calm = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0]
    skewed = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 100.0]
    out, log = pii.treat_outliers(pd.DataFrame({"calm": calm, "skewed": skewed}))
    assert out["calm"].tolist() == calm and out["skewed"].max() < 100.0 and any("skewed" in line for line in log)


def test_period_table_columns_and_the_target_arithmetic_basis():
    rows = pd.DataFrame([dict(region="R", year=y, method="cobb_douglas", alpha=0.4, g_y=8.0, g_k=10.0, g_l=2.0,
                              contrib_k=4.0, contrib_l=1.2, g_tfp=2.8, flag="") for y in (2016, 2017)])
    period = tfp.period_shares(rows, [(2016, 2017)]).iloc[0]
    assert (period["g_k"], period["g_l"], period["contrib_k"], period["contrib_l"]) == (10.0, 2.0, 4.0, 1.2)
    assert period["share_flag"] == ""
    basis = dict(territory="merged", kind="actual", years="2026–2027", break_years="", refused="")
    row = tfp.target_arithmetic(10.0, 10.0, 55.0, alphas=(0.43,), labour_growth=(2.0,), basis=basis).iloc[0]
    assert row["years"] == "2026–2027"
    # (4.5 − 0.57 × 2) / 0.43 = 7.8139… → 7.81, two decimals (not 7.814)
    assert row["max_capital_growth"] == 7.81


def test_a_missing_indicator_adds_nothing_to_its_group_in_the_draws():
    """Twin units, one without i0 (its twin i1 carries the same normalised score): the engine ties them, and so
    must every noiseless draw — a missing score counted as anything but nothing would split the tie."""
    rng = np.random.default_rng(7)
    units = [f"u{i}" for i in range(8)]
    rows = [(f"i{j}", f"g{j // 2}", pii.PILLARS[(j // 2) % 7], 1) for j in range(28)]
    framework = pd.DataFrame(rows, columns=["indicator", "group", "pillar", "direction"])
    values = pd.DataFrame(rng.uniform(0, 10, (8, 28)), index=units, columns=framework["indicator"])
    values["i0"] = values["i1"]
    values.loc["u3"] = values.drop(index="u3").median()  # never an extreme, so i0 and i1 normalise alike
    values.loc["u4"] = values.loc["u3"]
    values.loc["u3", "i0"] = np.nan
    engine = pii.compute_index(values, framework).index["rank"]
    assert engine["u3"] == engine["u4"]
    nominal = {"normalisation": ("minmax",), "aggregation": ("arithmetic",), "treat": (False,)}
    mc = pii.monte_carlo_ranks(values, framework, n_draws=10, weight_noise=0.0, choices=nominal)["ranks"]
    ranks = mc.set_index("unit")["median_rank"]
    assert ranks["u3"] == ranks["u4"] == engine["u3"]
