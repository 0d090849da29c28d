"""Cleaning and harmonisation, checked against values read in the sources and sums done by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from bnkpi_utils.clean import (clean_all, flag_breaks, harmonise_2025, resolve_targets,
                               select_vintages)
from bnkpi_utils.validate import validate_raw
from conftest import RAW


@pytest.fixture(scope="module")
def cleaned():
    return clean_all(validate_raw(RAW))


def _macro_row(**values) -> dict:
    base = dict(_file="macro.csv", _row=2, region="Bắc Ninh", year="2020", indicator="grdp_growth_pct", value=1.0,
                unit="percent", source="s", note="", year_start=2020, year_end=2020, vintage="official", tags="",
                note_text="")
    base.update(values)
    return base


def test_highest_vintage_is_kept_and_the_others_listed():
    log: list[str] = []
    raw = pd.DataFrame([
        _macro_row(value=1.1, vintage="preliminary"),
        _macro_row(value=1.31, vintage="revised"),
        _macro_row(value=1.36, vintage="alternative"),
    ])
    out = select_vintages(raw, log)
    assert len(out) == 1
    assert out["value"].iloc[0] == 1.31
    assert out["alternatives"].iloc[0] == "1.1 [preliminary]; 1.36 [alternative]"
    assert "kept 1.31 [revised]" in log[0]


def test_shipped_vintage_choices(cleaned):
    macro = cleaned.tables["macro"]
    pick = lambda region, year, ind: macro[(macro.region == region) & (macro.year == year)  # noqa: E731
                                           & (macro.indicator == ind)]["value"].iloc[0]
    # Bắc Ninh 2019 growth: 1.1 % first published, restated to 1.31 % by the statistics office in Dec 2022.
    assert pick("Bắc Ninh", "2019", "grdp_growth_pct") == pytest.approx(1.31)
    # Bắc Giang 2023: estimate 13.45 %, revised 14.99 %.
    assert pick("Bắc Giang", "2023", "grdp_growth_pct") == pytest.approx(14.99)
    # Bắc Ninh 2023: GSO's -9.28 % over the province's November estimate -6.18 %.
    assert pick("Bắc Ninh", "2023", "grdp_growth_pct") == pytest.approx(-9.28)


def test_pwt_employment_break_2019_is_flagged(cleaned):
    macro = cleaned.tables["macro"]
    emp = macro[(macro.region == "Việt Nam") & (macro.indicator == "employment")].set_index("year")
    assert bool(emp.loc["2019", "break_flag"])
    assert "marked [break]" in emp.loc["2019", "break_reason"]
    assert not bool(emp.loc["2018", "break_flag"])


def test_break_screen_on_a_made_up_series():
    log: list[str] = []
    values = [100, 101, 102, 103, 104, 96, 97]  # a 8 % drop after years of +1 %
    rows = [_macro_row(region="Việt Nam", indicator="employment", year=str(2010 + i), year_start=2010 + i,
                       year_end=2010 + i, value=float(v), unit="thousand persons") for i, v in enumerate(values)]
    out = flag_breaks(pd.DataFrame(rows), log)
    assert out["break_flag"].tolist() == [False, False, False, False, False, True, False]


def test_harmonised_sum_equals_hand_sum(cleaned):
    h = cleaned.tables["macro_harmonised"]
    row = h[(h.region == "Bắc Ninh") & (h.year == 2024) & (h.indicator == "grdp_current")]
    # 232,800 (old Bắc Ninh, cafef) + 209,150 (old Bắc Giang, congthuong) billion VND
    assert row["value"].iloc[0] == pytest.approx(441_950)
    assert row["unit_basis"].iloc[0] == "harmonised_2025"


def test_shares_growth_and_ranks_are_never_summed():
    log: list[str] = []
    macro = pd.DataFrame([
        _macro_row(region="Bắc Ninh", indicator=ind, value=10.0, year_start=2022, year_end=2022, year="2022")
        for ind in ("grdp_growth_pct", "share_services_pct", "grdp_current")
    ] + [
        _macro_row(region="Bắc Giang", indicator=ind, value=5.0, year_start=2022, year_end=2022, year="2022")
        for ind in ("grdp_growth_pct", "share_services_pct", "grdp_current")
    ])
    mergers = pd.DataFrame({"old_province_2024": ["Bắc Ninh", "Bắc Giang"], "new_province_2025": ["Bắc Ninh"] * 2})
    out = harmonise_2025(macro, mergers, log)
    assert out["indicator"].tolist() == ["grdp_current"]
    assert out["value"].tolist() == [15.0]


def test_sum_needs_every_old_unit():
    log: list[str] = []
    macro = pd.DataFrame([_macro_row(region="Bắc Ninh", indicator="grdp_current", value=10.0, year="2022",
                                     year_start=2022, year_end=2022)])
    mergers = pd.DataFrame({"old_province_2024": ["Bắc Ninh", "Bắc Giang"], "new_province_2025": ["Bắc Ninh"] * 2})
    assert harmonise_2025(macro, mergers, log).empty
    assert "Bắc Giang has no figure" in log[0]


def test_latest_issued_target_is_current(cleaned):
    targets = cleaned.tables["targets"].set_index("target_id")
    assert bool(targets.loc["KH20-10", "is_current"])  # TFP >= 55 %, 2026
    assert targets.loc["QD123-2.2c", "superseded_by"] == "KH20-10"  # TFP > 50 %, 2023
    assert targets.loc["SKHCN-2030-TFP", "superseded_by"] == "KH20-10"
    assert targets.loc["KH279-PII-2030", "superseded_by"] == "KH20-11"  # top 10 -> top 6
    assert targets.loc["QD123-2.2i-1", "superseded_by"] == "KH20-14"  # digital economy 30 % -> 45 %
    # a 2025 milestone is not replaced by a 2030 target
    assert bool(targets.loc["SKHCN-2025-I.1", "is_current"])


def test_resolve_targets_orders_month_and_day_dates():
    log: list[str] = []
    base = dict(_file="t", _row=2, indicator="x", operator=">=", value=1.0, target_year=2030)
    df = pd.DataFrame([dict(base, target_id="A", issued="2026-04"), dict(base, target_id="B", issued="2026-03-31")])
    out = resolve_targets(df, log).set_index("target_id")
    assert bool(out.loc["A", "is_current"]) and out.loc["B", "superseded_by"] == "A"


def test_catalogue_has_all_46_items_of_appendix_i(cleaned):
    targets = cleaned.tables["targets"]
    kh20 = targets[targets.document == "KH thực hiện CTr 20-CTr/TU"]
    appendix_i = kh20[kh20["section"].str.startswith("Phụ lục I,")]
    assert sorted(appendix_i["target_id"]) == [f"KH20-{i:02d}" for i in range(1, 47)]
    assert sorted(set(kh20["target_id"]) - set(appendix_i["target_id"])) == ["KH20-PL2-95"]  # Phụ lục II, item 95
    assert set(targets["source"].str.len() > 20) == {True}


def test_kpi_table_brings_pii_ranks_and_growth(cleaned):
    kpi = cleaned.tables["kpi_actuals"]
    ranks = kpi[(kpi.indicator == "pii_rank") & (kpi.region == "Bắc Ninh")].set_index("year")["value"]
    assert ranks.to_dict() == {2023: 6.0, 2024: 11.0, 2025: 6.0}
    p6 = kpi[(kpi.indicator == "pii_p6_score") & (kpi.region == "Bắc Ninh")].set_index("year")["value"]
    assert p6.to_dict() == {2023: 26.79, 2024: 23.45, 2025: 28.74}
    basis = kpi[(kpi.indicator == "pii_rank") & (kpi.region == "Bắc Ninh")].set_index("year")["unit_basis"]
    assert basis[2024] == "pre_2025" and basis[2025] == "merged_2025"
