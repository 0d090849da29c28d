"""TFP growth accounting: hand-computed examples, guards, and the national benchmark against GSO."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bnkpi_utils import tfp
from bnkpi_utils.clean import clean_all
from bnkpi_utils.validate import validate_raw
from conftest import RAW, read_rows, write_rows


def _inputs(y, k, l, years=None, **extra):
    years = years or list(range(2000, 2000 + len(y)))
    df = pd.DataFrame({"grdp_const": y, "capital_stock_const": k, "employment": l, **extra}, index=years)
    df.index.name = "year"
    return df


def test_hand_computed_three_years():
    # Y: 100 → 110 → 121; K: 200 → 220 → 220; L: 50 → 50 → 55; α = 0.4
    out = tfp.growth_accounting(_inputs([100, 110, 121], [200, 220, 220], [50, 50, 55]), "X", alpha=0.4)
    g = 100 * math.log(1.1)  # 9.531
    first, second = out.iloc[0], out.iloc[1]
    assert first["year"] == 2001 and first["g_y"] == pytest.approx(g)
    assert first["g_tfp"] == pytest.approx(g - 0.4 * g - 0.6 * 0)  # capital grew, labour did not
    assert second["g_tfp"] == pytest.approx(g - 0.4 * 0 - 0.6 * g)
    assert first["tfp_share_pct"] == pytest.approx(60.0)
    assert first["contrib_k"] + first["contrib_l"] + first["g_tfp"] == pytest.approx(first["g_y"])


def test_period_share_is_ratio_of_means_not_mean_of_ratios():
    out = tfp.growth_accounting(_inputs([100, 110, 121], [200, 220, 220], [50, 50, 55]), "X", alpha=0.4)
    period = tfp.period_shares(out, [(2001, 2002)]).iloc[0]
    expected = 100 * out["g_tfp"].mean() / out["g_y"].mean()
    assert period["tfp_share_pct"] == pytest.approx(expected)
    assert period["tfp_share_pct"] == pytest.approx(50.0)  # (60 % + 40 %) / 2 here only because g_y is equal


def test_tornqvist_equals_cobb_douglas_with_constant_shares():
    inputs = _inputs([100, 104, 109, 113], [300, 310, 325, 333], [40, 41, 41.5, 42], labor_share=[0.6] * 4)
    out = tfp.growth_accounting(inputs, "X", alpha=0.4)
    cd = out[out.method == "cobb_douglas"].set_index("year")["g_tfp"]
    tq = out[out.method == "tornqvist"].set_index("year")["g_tfp"]
    assert np.allclose(cd, tq)


def test_tornqvist_uses_average_of_two_years_shares():
    inputs = _inputs([100, 110], [200, 200], [50, 55], labor_share=[0.5, 0.7])
    out = tfp.growth_accounting(inputs, "X", alpha=0.4)
    tq = out[out.method == "tornqvist"].iloc[0]
    g = 100 * math.log(1.1)
    assert tq["g_tfp"] == pytest.approx(g - 0.6 * g)  # s̄_L = (0.5 + 0.7) / 2


def test_perpetual_inventory_reaches_steady_state():
    g, delta = 0.06, 0.05
    years = list(range(1990, 2090))
    investment = pd.Series([100 * math.exp(g * t) for t in range(len(years))], index=years)
    stock = tfp.perpetual_inventory(investment, delta=delta, g_window=5)
    ratio = stock / investment
    growth = math.exp(g) - 1
    assert ratio.iloc[-1] == pytest.approx((1 + growth) / (growth + delta), rel=1e-3)
    assert abs(ratio.iloc[-1] - ratio.iloc[-2]) < 1e-4


def test_near_zero_growth_is_flagged_not_divided():
    out = tfp.growth_accounting(_inputs([100, 100.2, 110], [200, 210, 220], [50, 51, 52]), "X")
    row = out[out.year == 2001].iloc[0]
    assert row["flag"] == "near_zero_growth" and math.isnan(row["tfp_share_pct"])
    assert not math.isnan(out[out.year == 2002].iloc[0]["tfp_share_pct"])


@pytest.fixture(scope="module")
def macro():
    return clean_all(validate_raw(RAW)).tables["macro"]


def test_alpha_is_calibrated_on_2011_2015_and_checked_out_of_sample(macro):
    """α = 0.43 is the value that reproduces GSO's 33.58 % for 2011-2015 (a calibration, reconciling α 0.428);
    the check is 2016-2018 (2019 is an employment break) against GSO's 44.46 % for 2016-2019."""
    inputs = tfp.inputs_for(macro, "Việt Nam")
    published = macro[(macro.region == "Việt Nam") & (macro.indicator == "tfp_contribution_pct")]
    check = tfp.published_check(inputs, "Việt Nam", published).set_index("period")
    calibration = check.loc["2011–2015"]
    assert calibration["role"] == "calibration"
    assert calibration["reconciling_alpha"] == pytest.approx(0.428, abs=0.001)  # the review's own computation
    assert abs(calibration["share_at_alpha"] - 33.58) < 0.5  # α moved by 0.01 shifts the share by about 1 pp
    out_of_sample = check.loc["2016–2019"]
    assert out_of_sample["role"] == "check" and out_of_sample["years_used"] == "2016–2018"
    assert out_of_sample["break_years_left_out"] == "2019"
    assert out_of_sample["share_at_alpha"] == pytest.approx(40.89, abs=0.01)  # review: 40.9 % against 44.46 %
    assert out_of_sample["reconciling_alpha"] == pytest.approx(0.398, abs=0.001)
    assert tfp.DEFAULT_ALPHA == 0.43


def test_break_free_record_and_the_multiple_of_it_the_target_asks(macro):
    yearly = tfp.growth_table(macro)
    record = tfp.national_record(yearly)
    assert record["years_with_data"] == "2016–2018"
    assert record["g_tfp"] == pytest.approx(2.651, abs=0.001)  # review: 2.65 clean, 3.70 with the 2019 break
    table = tfp.record_table(yearly, share=55.0, grdp_growth=(11, 12)).set_index("unit", append=True)
    # like for like (issue 24): percent with percent, log points with log points, the range and not one end
    record_pct = 100 * (math.exp(0.026515) - 1)  # 2.687 % a year
    assert table["value"].iloc[1] == pytest.approx(record_pct, abs=0.001)  # the brief reads row 2 as the record
    assert table["times_record"].iloc[0] == pytest.approx(6.05 / 2.687, abs=0.002)  # 2.25
    assert table["times_record_high"].iloc[0] == pytest.approx(6.60 / 2.687, abs=0.002)  # 2.46
    need_log = [0.55 * 100 * math.log(1.11), 0.55 * 100 * math.log(1.12)]  # 5.74, 6.23 log points
    assert table["value"].iloc[2] == pytest.approx(need_log[0], abs=0.001)
    assert table["value_high"].iloc[2] == pytest.approx(need_log[1], abs=0.001)
    assert table["times_record"].iloc[2] == pytest.approx(need_log[0] / 2.6515, abs=0.002)  # 2.16(5)
    assert table["times_record_high"].iloc[2] == pytest.approx(need_log[1] / 2.6515, abs=0.002)  # 2.35
    assert table["value"].iloc[3] == pytest.approx(2.651, abs=0.001)
    assert table["value"].iloc[4] == pytest.approx(3.698, abs=0.001)
    assert list(table.index.get_level_values("unit")) == ["percent"] * 2 + ["log_points"] * 3


def test_pwt_2019_break_is_shown_both_ways(macro):
    inputs = tfp.inputs_for(macro, "Việt Nam")
    yearly = tfp.growth_accounting(inputs, "Việt Nam")
    assert "input_break" in yearly[yearly.year == 2019]["flag"].iloc[0]
    both = pd.concat([tfp.period_shares(yearly, [(2016, 2020)], exclude_breaks=e) for e in (False, True)])
    assert sorted(both["n_years"]) == [3, 4]
    assert both["tfp_share_pct"].nunique() == 2


def test_provinces_without_inputs_get_no_rows_and_say_so(macro):
    assert tfp.growth_accounting(tfp.inputs_for(macro, "Bắc Ninh"), "Bắc Ninh").empty
    status = tfp.data_status(macro, ("Bắc Ninh",)).set_index("indicator")
    assert status.loc["employment", "years"] == "không có số liệu"
    assert set(tfp.growth_table(macro)["region"]) == {"Việt Nam"}


def _fill(raw_copy, region, years, growth, file_name, capital="investment_const"):
    header, rows = read_rows(raw_copy / "macro.csv")
    fill = []
    for i, year in enumerate(years):
        for indicator, unit, (base, rate) in (("employment", "thousand persons", (600, 1.02)),
                                              (capital, "billion VND, 2010 prices", (30000, 1.08)),
                                              ("grdp_const", "billion VND, 2010 prices", (60000, growth))):
            fill.append(dict(region=region, year=str(year), indicator=indicator, value=f"{base * rate ** i:.1f}",
                             unit=unit, source="test fixture (made-up complete series)", note="[yearbook]"))
    write_rows(raw_copy / file_name, header, fill)


def test_a_region_added_to_macro_gets_tfp_rows(raw_copy):
    """No list of regions in code: a complete made-up Hưng Yên appears in the contract table."""
    _fill(raw_copy, "Hưng Yên", range(2010, 2025), 1.07, "macro_hung_yen.csv", capital="capital_stock_const")
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    tables = clean_all(result).tables
    yearly = tfp.growth_table(tables["macro"], tables["macro_harmonised"])
    hung_yen = yearly[yearly.region == "Hưng Yên"]
    assert len(hung_yen) == 14 and set(hung_yen["method"]) == {"cobb_douglas"}
    assert hung_yen["g_y"].iloc[0] == pytest.approx(100 * math.log(1.07), abs=0.01)


def test_merged_province_from_the_harmonised_series(raw_copy):
    """Old Bắc Ninh and Bắc Giang, each complete 2015-2024: the merged province's output is their sum."""
    _fill(raw_copy, "Bắc Ninh", range(2015, 2025), 1.05, "macro_bn.csv")
    _fill(raw_copy, "Bắc Giang", range(2015, 2025), 1.12, "macro_bg.csv")
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    tables = clean_all(result).tables
    yearly = tfp.growth_table(tables["macro"], tables["macro_harmonised"])
    merged = yearly[yearly.region == tfp.merged_label("Bắc Ninh")].set_index("year")
    assert {"Bắc Ninh", "Bắc Giang", tfp.merged_label("Bắc Ninh")} <= set(yearly.region)
    y = {year: 60000 * 1.05 ** i + 60000 * 1.12 ** i for i, year in enumerate(range(2015, 2025))}
    assert merged.loc[2020, "g_y"] == pytest.approx(100 * math.log(y[2020] / y[2019]), abs=0.01)
    assert yearly[yearly.region == "Bắc Ninh"]["year"].max() == 2024  # old territory stops before the merger


def test_contraction_and_flat_output_get_no_share_years_and_periods():
    # Bắc Ninh 2023 (review 2.5): output −9.74, capital +7.7, labour +1: the share would read 139.8 %
    y = [100.0, 100 * math.exp(-0.0974), 100 * math.exp(-0.0974 + 0.058)]
    k = [200.0, 200 * math.exp(0.077), 200 * math.exp(0.154)]
    l = [50.0, 50 * math.exp(0.01), 50 * math.exp(0.02)]
    out = tfp.growth_accounting(_inputs(y, k, l), "X", alpha=0.43)
    first = out.iloc[0]
    assert first["flag"] == "output_contraction" and math.isnan(first["tfp_share_pct"])
    period = tfp.period_shares(out, [(2001, 2002)]).iloc[0]  # mean growth −1.97: no share (was 298 %)
    assert period["g_y"] == pytest.approx((-9.74 + 5.8) / 2)
    assert math.isnan(period["tfp_share_pct"]) and "no share" in period["share_flag"]
    guarded = tfp.growth_accounting(_inputs([100, 100.5, 101], [200, 200, 200], [50, 50, 50]), "X")
    assert guarded["tfp_share_pct"].isna().all()  # 0.499 and 0.496 log points: at or below the 0.5 guard


def test_period_share_with_unequal_growth_is_the_ratio_of_means():
    # g_y = 10 and 2 log points, g_tfp = 6 and 0 → 3 / 6 = 50 %; the mean of yearly shares would be 30 %
    yearly = pd.DataFrame(dict(region="X", method="cobb_douglas", year=[2001, 2002], alpha=0.4, g_y=[10.0, 2.0],
                               g_k=[5.0, 2.0], g_l=[1.0, 1.0], contrib_k=[2.0, 0.8], contrib_l=[0.6, 0.6],
                               g_tfp=[6.0, 0.0], flag=""))
    assert tfp.period_shares(yearly, [(2001, 2002)]).iloc[0]["tfp_share_pct"] == pytest.approx(50.0)


def test_perpetual_inventory_start_is_the_end_of_year_steady_state():
    """Investment growing 6 % a year from the start: K₀ = I₀(1 + g)/(g + δ) and K/I stays at that ratio."""
    g, delta = 0.06, 0.05
    investment = pd.Series([100 * (1 + g) ** t for t in range(12)], index=range(2000, 2012))
    stock = tfp.perpetual_inventory(investment, delta=delta)
    assert stock.iloc[0] == pytest.approx(100 * 1.06 / 0.11)
    assert (stock / investment).to_numpy() == pytest.approx([1.06 / 0.11] * 12)
    assert tfp.perpetual_inventory(investment, delta=delta, k0_factor=0.5).iloc[0] == pytest.approx(50 * 1.06 / 0.11)


def test_perpetual_inventory_refuses_a_gap():
    investment = pd.Series([100.0, 105.0, 110.0, 120.0], index=[2013, 2014, 2016, 2017])
    with pytest.raises(ValueError, match="gaps \\(2014–2016\\)"):
        tfp.perpetual_inventory(investment)


def test_filled_yearbook_template_path_computes_provincial_tfp(raw_copy):
    """Once employment and investment are filled in (here a made-up complete series), the same code runs."""
    header, rows = read_rows(raw_copy / "macro.csv")
    fill = []
    for i, year in enumerate(range(2010, 2025)):
        for indicator, unit, value in (("employment", "thousand persons", 600 * 1.02 ** i),
                                       ("investment_const", "billion VND, 2010 prices", 30000 * 1.08 ** i),
                                       ("grdp_const", "billion VND, 2010 prices", 60000 * 1.09 ** i)):
            fill.append(dict(region="Bắc Giang", year=str(year), indicator=indicator, value=f"{value:.1f}", unit=unit,
                             source="test fixture (made-up complete series)", note="[yearbook]"))
    write_rows(raw_copy / "macro_testfill.csv", header, fill)
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    macro = clean_all(result).tables["macro"]
    yearly = tfp.growth_accounting(tfp.inputs_for(macro, "Bắc Giang"), "Bắc Giang", alpha=0.4, delta=0.05)
    assert len(yearly) == 14 and yearly["capital_source"].iloc[0].startswith("perpetual inventory")
    # output 9 %/yr, labour 2 %/yr: g_tfp = g_y − 0.4 g_k − 0.6 g_l exactly
    row = yearly.iloc[-1]
    assert row["g_tfp"] == pytest.approx(row["g_y"] - 0.4 * row["g_k"] - 0.6 * row["g_l"])
    assert row["g_l"] == pytest.approx(100 * math.log(1.02), abs=0.01)  # inputs rounded to 0.1


def test_target_arithmetic_matches_the_issue():
    table = tfp.target_arithmetic(11, 12, 55)
    required = sorted(table["required_tfp_growth"].unique())
    assert required == pytest.approx([6.05, 6.6])
    assert sorted(table["room_for_capital_and_labour"].unique()) == pytest.approx([4.95, 5.4])


def test_notebook_tables_read_back(good_run):
    tables = good_run["output"] / "tables"
    growth = pd.read_csv(tables / "tfp_growth_accounting.csv")
    assert {"region", "year", "method", "alpha", "g_y", "g_k", "g_l", "g_tfp", "tfp_share_pct", "flag"} <= set(growth.columns)
    periods = pd.read_csv(tables / "tfp_periods.csv")
    assert {"region", "period_start", "period_end", "method", "alpha", "g_y", "g_tfp", "tfp_share_pct",
            "published_share_pct", "target_share_pct"} <= set(periods.columns)
    assert not periods.duplicated(["region", "period_start", "period_end", "method"]).any()
    row = periods[(periods.region == "Việt Nam") & (periods.period_start == 2011) & (periods.period_end == 2015)].iloc[0]
    assert row["published_share_pct"] == 33.58
    assert abs(row["tfp_share_pct"] - 33.58) < 2.0
    late = periods[(periods.region == "Việt Nam") & (periods.period_start == 2016) & (periods.period_end == 2020)].iloc[0]
    assert str(late["break_years"]).startswith("2019") and late["n_years"] == 3 and late["n_years_all"] == 4
    assert late["tfp_share_pct"] == pytest.approx(40.89, abs=0.01)  # break-free: the figure comparisons use
    assert late["tfp_share_all_years_pct"] == pytest.approx(56.39, abs=0.01)  # with the 2019 break, reference only
    check = pd.read_csv(tables / "tfp_published_check.csv").set_index("period")
    assert bool(check.loc["2011–2015", "inside_band"]) and check.loc["2011–2015", "role"] == "calibration"
    assert check.loc["2016–2019", "role"] == "check" and check.loc["2016–2019", "years_used"] == "2016–2018"
    record = pd.read_csv(tables / "tfp_target_vs_record.csv")
    assert record["value"].iloc[1] == pytest.approx(2.687, abs=0.001)  # break-free record in %, read by the brief
    assert record["times_record"].iloc[0] == pytest.approx(2.25, abs=0.005)
    assert record["times_record_high"].iloc[2] == pytest.approx(2.35, abs=0.005)
    pim = pd.read_csv(tables / "tfp_sensitivity_pim.csv")
    assert not pim["years_with_data"].str.contains("2019").any() and pim["start_up_transient"].any()
    arith = pd.read_csv(tables / "tfp_target_arithmetic.csv")
    mixed = arith[arith["target_share_pct"].isin([45.0, 47.0])]
    assert len(mixed) and mixed["grdp_growth"].isna().all() and mixed["refused"].str.contains("territories").all()
    consistency = pd.read_csv(tables / "targets_consistency.csv")
    # the record in percent (2,65 log points = 2,69 %), divided like for like: 6,05/2,69–6,60/2,69 = 2,3–2,5
    assert "2,69 %/năm" in consistency["finding_vi"].iloc[0] and "3,70" not in consistency["finding_vi"].iloc[0]
    assert "gấp 2,3–2,5 lần" in consistency["finding_vi"].iloc[0]


def test_delta_sensitivity_moves_the_share_and_stays_exact(macro):
    inputs = tfp.inputs_for(macro, "Việt Nam")
    band = tfp.delta_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                                 "Việt Nam", deltas=(0.03, 0.09), periods=[(2011, 2015)])
    shares = band.set_index("delta")["tfp_share_pct"]
    assert len(shares) == 2 and shares[0.03] != pytest.approx(shares[0.09])
    assert set(band["method"]) == {"cobb_douglas"}


def test_pim_start_year_and_k0_sensitivity(macro):
    inputs = tfp.inputs_for(macro, "Việt Nam")
    table = tfp.pim_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                                "Việt Nam", deltas=(0.05,), start_years=(1990,), k0_factors=(0.5, 1.0),
                                periods=[(2011, 2015)])
    shares = table.set_index(["pim_start", "k0_factor"])["tfp_share_pct"]
    assert len(shares) == 4 and shares.nunique() == 4
    assert 27.0 < shares[(1990, 1.0)] < 31.0  # review 2.6: 27.6–29.9 % by start year, against 33.4 % with PWT K


# ------------------------------------------------------------------ details the mutation run showed untested


def test_flags_combine_and_tables_keep_their_columns():
    inputs = _inputs([100, 100.2, 110, 121], [200, 210, 220, 230], [50, 51, 52, 53], labor_share=[0.6] * 4)
    inputs.attrs["breaks"] = {"employment": {2001, 2003}}
    out = tfp.growth_accounting(inputs, "X")
    flags = out[out.method == "cobb_douglas"].set_index("year")["flag"]
    assert flags.to_dict() == {2001: "near_zero_growth;input_break", 2002: "", 2003: "input_break"}
    assert list(out.index) == list(range(len(out)))
    periods = tfp.period_shares(out, [(2001, 2003)])
    assert periods["region"].tolist() == ["X", "X"] and periods["variant"].tolist() == ["all_years"] * 2
    clean = tfp.period_shares(out, [(2001, 2003)], exclude_breaks=True)
    assert clean["variant"].tolist() == ["excluding_break_years"] * 2
    cd = out[(out.method == "cobb_douglas")]
    assert periods.iloc[0]["contrib_l"] == pytest.approx(cd["contrib_l"].mean())
    assert tfp.perpetual_inventory(pd.Series([1.0, 2.0], index=[2000, 2001])).name == "capital_stock_const"


def test_period_target_share_of_the_province():
    targets = pd.DataFrame([dict(indicator="tfp_share_pct", is_current=True, period_start=2026, period_end=2030,
                                 value=55.0)])
    yearly = pd.DataFrame(dict(region=tfp.merged_label("Bắc Ninh"), method="cobb_douglas", year=[2026, 2027],
                               alpha=0.43, g_y=[10.0, 8.0], g_k=5.0, g_l=1.0, contrib_k=2.0, contrib_l=0.6,
                               g_tfp=[5.0, 4.0], flag=""))
    row = tfp.periods_table(yearly, [(2026, 2030)], targets=targets).iloc[0]
    assert row["target_share_pct"] == 55.0 and row["tfp_share_pct"] == pytest.approx(50.0)


def test_capital_room_by_hand():
    table = tfp.target_arithmetic(11, 12, 55).set_index(["grdp_growth", "alpha", "labour_growth"])
    assert table.loc[(11, 0.43, 1.0), "max_capital_growth"] == pytest.approx((4.95 - 0.57) / 0.43, abs=0.005)  # 10.19
    assert table.loc[(12, 0.43, 1.0), "max_capital_growth"] == pytest.approx(11.23, abs=0.005)
    assert set(table["target_share_pct"]) == {55}


def test_merged_inputs_join_the_sum_before_2025_and_own_figures_after():
    harmonised = pd.DataFrame([dict(region="Bắc Ninh", year=y, indicator="grdp_const", value=v)
                               for y, v in ((2023, 100.0), (2024, 110.0), (2025, 999.0))])
    macro = pd.DataFrame([dict(region="Bắc Ninh", year_start=y, year_end=y, indicator="grdp_const", value=v,
                               break_flag=y == 2026) for y, v in ((2024, 50.0), (2025, 121.0), (2026, 133.0))])
    merged = tfp.merged_inputs(macro, harmonised, "Bắc Ninh")
    assert merged["grdp_const"].to_dict() == {2023: 100.0, 2024: 110.0, 2025: 121.0, 2026: 133.0}
    assert merged.attrs["breaks"] == {"grdp_const": {2026}}
    assert tfp.merged_inputs(macro, harmonised.iloc[0:0], "Bắc Ninh").empty


# ------------------------------------------------------------------ issue 24: every table obeys the same rules


def test_pim_sensitivity_leaves_out_break_years_like_every_other_table(macro):
    """The 2019 employment break gave 2016–2020 shares of 54–57 % against 40,9 % break-free everywhere else."""
    inputs = tfp.inputs_for(macro, "Việt Nam")
    table = tfp.pim_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                                "Việt Nam", deltas=(0.05,), periods=[(2016, 2020)])
    row = table.iloc[0]
    assert row["years_with_data"] == "2016–2018" and row["break_years"] == "2019" and row["n_years"] == 3
    assert row["tfp_share_pct"] < 45.0  # with 2019: 56,8 %
    delta = tfp.delta_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                                  "Việt Nam", deltas=(0.05,), periods=[(2016, 2020)])
    assert delta["years_with_data"].tolist() == ["2016–2018"]


def test_pim_sensitivity_flags_start_up_transients_by_their_dependence_on_k0(macro):
    """An inventory started in 1990 gives −81 % for 1991–1995 at K₀ × 0,5: an artefact of the assumed stock."""
    inputs = tfp.inputs_for(macro, "Việt Nam")
    periods = [(1991, 1995), (2011, 2015)]
    table = tfp.pim_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                                "Việt Nam", deltas=(0.05,), start_years=(1990,), k0_factors=(0.5, 1.0),
                                periods=periods)
    late = table[(table.pim_start == 1990)].set_index(["period_start", "k0_factor"])
    assert late.loc[(1991, 0.5), "tfp_share_pct"] < -70
    assert bool(late.loc[(1991, 0.5), "start_up_transient"])
    assert "start_up_transient" in late.loc[(1991, 0.5), "share_flag"]
    assert not bool(late.loc[(2011, 1.0), "start_up_transient"])
    # the spread is the share at K₀ × 1,5 minus the share at K₀ × 0,5, computed independently here
    ends = tfp.pim_sensitivity(inputs["investment_const"].dropna(), inputs["grdp_const"], inputs["employment"],
                               "Việt Nam", deltas=(0.05,), start_years=(1990,), k0_factors=(0.5, 1.5),
                               periods=periods)
    ends = ends[ends.pim_start == 1990].set_index(["period_start", "k0_factor"])["tfp_share_pct"]
    assert late.loc[(1991, 0.5), "k0_spread_pp"] == pytest.approx(abs(ends[(1991, 1.5)] - ends[(1991, 0.5)]))


def _growth_rows(*rows):
    return pd.DataFrame([dict(region="Bắc Ninh", indicator="grdp_growth_pct", year_start=y, year_end=y, value=v,
                              territory=t, vintage=k, break_flag=False) for y, v, t, k in rows])


def test_target_arithmetic_refuses_a_mean_across_territories_and_kinds():
    """The shipped 2,34 % was the mean of −9,28 (2023, old, official), 6,03 (2024, old, estimate) and 10,27
    (2025, merged, estimate)."""
    mixed = _growth_rows((2023, -9.28, "old", "official"), (2024, 6.03, "old", "estimate"),
                         (2025, 10.27, "merged", "estimate"))
    basis = tfp.growth_basis(mixed, "Bắc Ninh", 2023, 2025)
    assert math.isnan(basis["growth"])
    assert "territories mixed (old: 2023–2024; merged: 2025)" in basis["refused"]
    assert "kinds mixed (official: 2023; estimate: 2024–2025)" in basis["refused"]
    assert "trộn địa giới" in basis["refused_vi"]
    table = tfp.target_arithmetic(basis["growth"], basis["growth"], 45.0, basis=basis, period="2023–2025")
    assert table["required_tfp_growth"].isna().all() and table["grdp_growth"].isna().all()
    assert {"territory", "kind", "break_years", "years", "refused"} <= set(table.columns)
    assert table["territory"].iloc[0] == "old: 2023–2024; merged: 2025"
    # one territory, one kind, every year: the mean is computed and the basis is stated
    clean = tfp.growth_basis(_growth_rows((2023, 4.0, "old", "official"), (2024, 6.0, "old", "revised")),
                             "Bắc Ninh", 2023, 2024)
    assert clean["growth"] == pytest.approx(5.0) and clean["refused"] == ""
    report = tfp.growth_basis(_growth_rows((2023, 4.0, "old", "official"), (2024, 6.0, "old", "report")),
                              "Bắc Ninh", 2023, 2024)
    assert report["refused"] == "" and report["kind"] == "official"  # an agency's returned figure is final too
    assert (clean["territory"], clean["kind"], clean["years"]) == ("old", "official", "2023–2024")
    row = tfp.target_arithmetic(5.0, 5.0, 45.0, alphas=(0.43,), labour_growth=(1.0,), basis=clean).iloc[0]
    assert row["required_tfp_growth"] == pytest.approx(2.25) and row["territory"] == "old"
    # a break year or a missing year is refused too
    broken = _growth_rows((2023, 4.0, "old", "official"), (2024, 6.0, "old", "official"))
    broken.loc[1, "break_flag"] = True
    assert "break years 2024" in tfp.growth_basis(broken, "Bắc Ninh", 2023, 2024)["refused"]
    assert "years missing 2024–2025" in tfp.growth_basis(broken.iloc[:1], "Bắc Ninh", 2023, 2025)["refused"]


def test_target_arithmetic_states_its_basis_and_both_units():
    row = tfp.target_arithmetic(11, 12, 55, alphas=(0.43,), labour_growth=(1.0,)).iloc[0]
    assert (row["territory"], row["kind"]) == ("merged", "target")
    assert row["required_tfp_growth_log"] == pytest.approx(0.55 * 100 * math.log(1.11), abs=0.001)  # 5.740


def test_published_comparisons_carry_tags_and_say_when_years_differ(macro):
    yearly = tfp.growth_table(macro)
    periods = tfp.periods_table(yearly, [(2016, 2020), (2011, 2015)], macro).set_index(["period_start"])
    assert periods.loc[2016, "published_share_pct"] == 45.0
    assert periods.loc[2016, "published_tag"] == "[approximate]"  # an NA deputy's "45 per cent"
    assert periods.loc[2011, "published_tag"] == ""
    inputs = tfp.inputs_for(macro, "Việt Nam")
    published = macro[(macro.region == "Việt Nam") & (macro.indicator == "tfp_contribution_pct")]
    check = tfp.published_check(inputs, "Việt Nam", published).set_index("period")
    assert not check.loc["2016–2019", "years_match"] and bool(check.loc["2011–2015", "years_match"])
    assert "not the same years" in check.loc["2016–2019", "basis_note"]
    assert check.loc["2016–2020", "published_tag"] == "[approximate]"
    assert check.loc["2016–2019", "band_width_pp"] == pytest.approx(55.19 - 27.70, abs=0.01)
    assert "says little" in check.loc["2016–2019", "basis_note"]


def test_alpha_band_names_the_break_years_of_each_period(macro):
    inputs = tfp.inputs_for(macro, "Việt Nam")
    both = pd.concat([tfp.alpha_sensitivity(inputs, "Việt Nam", [(2016, 2020), (2011, 2015)], alphas=(0.43,),
                                            exclude_breaks=e) for e in (False, True)])
    both = both.set_index(["variant", "period_start"])
    assert both.loc[("all_years", 2016), "break_years"] == "2019" and both.loc[("all_years", 2016), "n_years"] == 4
    assert both.loc[("excluding_break_years", 2016), "break_years"] == "2019"
    assert both.loc[("excluding_break_years", 2016), "n_years"] == 3
    assert both.loc[("all_years", 2011), "break_years"] == ""
