"""Issue 24: what a shown value rests on (partial year, estimate, inferred, one reading of a weekly index) reaches
the assessment, a part-year value settles only a cumulative count, and "no data" says what data exist."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bnkpi_utils import targets as tg
from bnkpi_utils.clean import clean_all
from bnkpi_utils.validate import validate_raw
from conftest import RAW

TEN_MONTHS = "KH-SKHCN, in the first 10 months of 2025"


def _target(indicator, operator=">=", value=10.0, year=2025, unit="Công trình", target_id="T1"):
    return dict(target_id=target_id, indicator=indicator, name_vi="x", name_en="x", unit=unit, operator=operator,
                value=value, value_high=math.nan, target_year=year, period_start=math.nan, period_end=math.nan,
                aggregation="level", document="D", section="s", issued="2026-04", agency="Sở KH&CN", source="s",
                is_current=True, superseded_by="")


def _kpi(*rows):
    columns = ["indicator", "region", "year", "value", "unit", "kind", "source", "note", "territory", "vintage",
               "alternatives"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows], columns=columns)


def _assess(targets, kpi):
    return tg.assess(pd.DataFrame(targets), kpi, as_of_year=2026).set_index("target_id")


def test_a_ten_month_count_that_meets_is_achieved_and_says_so():
    kpi = _kpi(("st_works_accepted_per_year", "Bắc Ninh", 2025, 17.0, "works", "actual", TEN_MONTHS, "", "merged",
                "official", ""))
    row = _assess([_target("st_works_accepted_per_year")], kpi).loc["T1"]
    assert row["status"] == "achieved"
    assert row["value_quality"] == "partial_year:10"
    assert row["status_quality_vi"] == "Đã đạt — theo số 10 tháng"
    assert row["status_quality_en"] == "Achieved — on a 10-month figure"


def test_a_ten_month_share_that_meets_settles_nothing():
    """A share of ten months can fall by December: the partial-year rule holds for cumulative counts only."""
    kpi = _kpi(("coverage_5g_pct", "Bắc Ninh", 2025, 62.0, "%", "actual", TEN_MONTHS, "", "merged", "official", ""))
    rows = _assess([_target("coverage_5g_pct", value=60.0, unit="% dân số"),
                    _target("coverage_5g_pct", value=60.0, year=2030, unit="% dân số", target_id="T2")], kpi)
    assert rows.loc["T1", "status"] == "insufficient_data" and rows.loc["T1", "method"] == "partial_year"
    assert rows.loc["T2", "status"] == "insufficient_data"  # not "achieved, hold until 2030" on ten months
    assert rows.loc["T1", "quality_vi"] == "theo số 10 tháng"
    assert rows.loc["T1", "status_quality_vi"] == "Chưa đủ số liệu"  # no verdict: nothing to qualify


@pytest.mark.parametrize("indicator, unit, operator, counts", [
    ("st_works_accepted_per_year", "Công trình", ">=", True), ("st_enterprises_count", "Doanh nghiệp", ">=", True),
    ("coverage_5g_pct", "% dân số", ">=", False), ("dti_score", "Điểm", ">=", False),
    ("pci_rank", "Thứ bậc", "rank<=", False), ("rd_staff_per_10k", "người/vạn dân", ">=", False),
    ("hdi", "Chỉ số", ">=", False), ("accidents_count", "Vụ", "<=", False)])
def test_which_part_year_values_can_settle_a_target(indicator, unit, operator, counts):
    assert tg.cumulative_count(indicator, unit, operator) is counts


def test_inferred_estimated_and_snapshot_values_are_marked():
    kpi = _kpi(
        ("paperless_hospitals_pct", "Bắc Ninh", 2025, 100.0, "%", "actual", "url",
         "56 units, 103,7 % of the target", "merged", "official", ""),
        ("public_service_index_rank", "Bắc Ninh", 2025, 1.0, "rank of 34", "actual", "KH-SKHCN", "", "merged",
         "official", "23 [alternative] (https://example.vn)"),
        ("grdp_growth_pct", "Bắc Ninh", 2024, 6.03, "percent", "actual", "url", "estimate", "old", "estimate", ""))
    one = tg.value_quality("paperless_hospitals_pct", 2025, 100.0, kpi, "Bắc Ninh")
    assert one["value_quality"] == "inferred" and "suy ra" in one["quality_vi"]
    snap = tg.value_quality("public_service_index_rank", 2025, 1.0, kpi, "Bắc Ninh")
    assert snap["value_quality"] == "snapshot" and "(lần đo khác cùng năm: 23)" in snap["quality_vi"]
    est = tg.value_quality("grdp_growth_pct", 2024, 6.03, kpi, "Bắc Ninh")
    assert est["value_quality"] == "estimate" and est["quality_vi"] == "số ước tính"
    assert tg.value_quality("grdp_growth_pct", 2023, -9.28, kpi, "Bắc Ninh")["value_quality"] == ""


def test_no_data_note_says_what_exists_and_why_it_cannot_be_used():
    kpi = _kpi(("admin_records_digitised_pct", "Bắc Giang", 2024, 90.26, "%", "actual", "url", "", "old",
                "official", ""),
               ("admin_records_digitised_pct", "Bắc Ninh", 2025, 80.0, "%", "estimate", "url", "", "merged",
                "official", ""))
    row = _assess([_target("admin_records_digitised_pct", value=100.0, year=2030, unit="%")], kpi).loc["T1"]
    assert row["status"] == "insufficient_data" and row["method"] == "no_data"
    assert "Bắc Giang (cũ): 90,26 (2024) — số của tỉnh Bắc Giang cũ, chỉ là một phần của tỉnh Bắc Ninh mới" \
        in row["note_vi"]
    assert "ước tính của tỉnh 80 (2025) — ước tính không được tính là số thực tế" in row["note_vi"]
    assert "Data exist but cannot be used" in row["note_en"]
    nothing = _assess([_target("unknown_pct", value=1.0, unit="%")], kpi).loc["T1"]
    assert nothing["note_vi"].startswith("Chưa có số liệu thực tế.")  # nothing elsewhere: the plain note


@pytest.fixture(scope="module")
def shipped():
    tables = clean_all(validate_raw(RAW)).tables
    return tg.assess(tables["targets"], tables["kpi_actuals"], tables["macro"], as_of_year=2026).set_index("target_id")


def test_shipped_statuses_say_what_they_rest_on(shipped):
    assert shipped.loc["SKHCN-2025-III.1", "status_quality_vi"] == "Đã đạt — theo số 10 tháng"
    assert shipped.loc["KH20-44", "value_quality"] == "inferred"  # 100 % read from "56 units = 103,7 %"
    assert shipped.loc["KH20-19", "value_quality"] == "snapshot"  # a weekly index: rank 1, 23 three months earlier


def test_shipped_no_data_notes_name_the_bac_giang_values(shipped):
    for target_id in ("KH20-27", "KH20-30", "KH20-18", "SKHCN-2025-III.2", "SKHCN-2026-III.2", "KH20-02"):
        note = shipped.loc[target_id, "note_vi"]
        assert "Bắc Giang (cũ):" in note and "không dùng được" in note, target_id
        assert not shipped.loc[target_id, "note_en"].startswith("No actual data."), target_id


def test_consistency_check_divides_percent_by_percent():
    targets = pd.DataFrame([
        dict(_target("grdp_growth_pct", value=11.0, year=2030, unit="%/năm"), value_high=12.0, target_id="G"),
        dict(_target("tfp_share_pct", value=55.0, year=2030, unit="%"), target_id="T")])
    check = tg.consistency_checks(targets, _kpi(), 2.6515).iloc[0]
    record_pct = 100 * (math.exp(0.026515) - 1)  # 2,687 %
    assert "2,69 %/năm" in check["finding_vi"]
    assert f"{6.05 / record_pct:.1f}–{6.60 / record_pct:.1f} times" in check["finding_en"]  # 2.3–2.5
