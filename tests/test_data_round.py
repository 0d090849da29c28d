"""The quarterly data round: request workbooks, returned reports (validation, vintages, territory), coverage, TFP.

Every number typed into a workbook here is a synthetic test number, made up inside the test; none is shipped
in data/raw.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from bnkpi_utils import clean, data_round, harmonise, provinces
from bnkpi_utils import targets as tg
from bnkpi_utils.validate import validate_raw

from conftest import RAW, ROOT, run_bnkpi

PERIOD = "2026-Q4"
SOURCE = "Báo cáo số 99/BC-TEST ngày 15/12/2026 (số liệu thử nghiệm)"
KEYS = list(data_round.COLUMNS) + list(data_round.HELD_COLUMNS)


@pytest.fixture(scope="module")
def shipped():
    validated = validate_raw(RAW)
    assert validated.ok, validated.problems[:3]
    return clean.clean_all(validated).tables


@pytest.fixture(scope="module")
def requests(tmp_path_factory, shipped) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("requests")
    paths = data_round.write_requests(shipped["targets"], shipped["kpi_actuals"], PERIOD, out)
    return {p.stem: p for p in paths}


def sheet_rows(path: Path) -> list[dict]:
    sheet = load_workbook(path)[data_round.SHEET]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, [c.value for c in row]), _row=row[0].row) for row in sheet.iter_rows(min_row=3)
            if row[1].value is not None]


def fill(source: Path, target: Path, edits: dict[int, dict], added: list[dict] = ()) -> Path:
    """Fill a request workbook as an agency would: edit rows (by spreadsheet row) and add rows at the end."""
    book = load_workbook(source)
    sheet = book[data_round.SHEET]
    column = {c.value: c.column for c in sheet[1]}
    for row, values in edits.items():
        for key, value in values.items():
            sheet.cell(row=row, column=column[key], value=value)
    for values in added:
        sheet.append([values.get(k) for k in KEYS])
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def row_of(rows: list[dict], indicator: str, year: int, region: str = "Bắc Ninh") -> int:
    return next(r["_row"] for r in rows if r["indicator"] == indicator and r["year"] == year and r["region"] == region)


def workbook_of(requests: dict[str, Path], target_id: str) -> Path:
    found = [p for p in requests.values() if any(target_id in (r["target_id"] or "").split(", ")
                                                   for r in sheet_rows(p))]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------------------------- requests


def test_one_workbook_per_agency_with_the_contract_sheet(requests, shipped):
    current = shipped["targets"][shipped["targets"]["is_current"]]
    current = current[[not not_asked(t) for _, t in current.iterrows()]]
    agencies = set(current["agency"].fillna("").replace("", data_round.DEPARTMENT)) | {data_round.STATISTICS_OFFICE}
    assert set(requests) == {data_round.slug(a) for a in agencies}
    assert data_round.slug("Sở KH&CN") == "so-khcn" and data_round.slug("Công an tỉnh") == "cong-an-tinh"
    book = load_workbook(requests["so-khcn"])
    assert book.sheetnames == [data_round.SHEET, data_round.GUIDE_SHEET]
    sheet = book[data_round.SHEET]
    assert [c.value for c in sheet[1]] == KEYS
    assert [c.value for c in sheet[2]][:3] == ["Mã chỉ tiêu", "Mã chỉ số", "Tên chỉ tiêu / chuỗi số liệu"]
    assert sheet.freeze_panes == "C3" and sheet.protection.sheet
    assert sheet["A3"].protection.locked and not sheet["F3"].protection.locked  # target locked, value open
    assert not sheet.cell(row=sheet.max_row, column=1).protection.locked  # spare rows to add are open
    kinds = {v.type: str(v.sqref) for v in sheet.data_validations.dataValidation}
    assert kinds["decimal"].startswith("F3:") and kinds["whole"].startswith("E3:")
    assert book[data_round.GUIDE_SHEET]["B1"].value == "Sở KH&CN"
    # every current target is asked for in exactly one workbook
    asked = [i for p in requests.values() for r in sheet_rows(p) if r["target_id"] for i in r["target_id"].split(", ")]
    assert set(asked) == set(current["target_id"])
    owners = {i: p.stem for p in requests.values() for r in sheet_rows(p) if r["target_id"]
              for i in r["target_id"].split(", ")}
    unassigned = current[current["agency"].fillna("") == ""]["target_id"]
    assert {owners[i] for i in unassigned} == {"so-khcn"}


def not_asked(t) -> bool:
    """Targets no value can judge (63-unit scale, merged-province year) and series the suite computes."""
    return data_round._never_comparable(t) or harmonise.rule_of(t["indicator"])["ask"] == "no"


def test_only_what_can_change_a_verdict_is_asked(requests, shipped):
    current = shipped["targets"][shipped["targets"]["is_current"]]
    skipped = sorted(current.loc[[not_asked(t) for _, t in current.iterrows()], "target_id"])
    # the KH 279 pillar and score targets (63-unit scale) and the PII rank MOST publishes; the TFP shares and
    # GRDP growth, which the suite computes from the statistics office's series
    assert skipped == sorted(["KH279-P1", "KH279-P2", "KH279-P3", "KH279-P4", "KH279-P5", "KH279-P6", "KH279-P7",
                              "KH279-PII-2025", "KH279-PII-SCORE", "KH20-11", "KH20-10", "QD123-2.1c",
                              "SKHCN-2030-GRDP"])
    indicators = {r["indicator"] for p in requests.values() for r in sheet_rows(p)}
    assert not indicators & {"tfp_share_pct", "grdp_growth_pct", "pii_rank", "pii_p1_score", "pii_score"}


def test_before_2025_the_old_provinces_are_asked_from_2025_the_merged_province(requests):
    rows = sheet_rows(requests["van-phong-ubnd-tinh"])
    # a ratio: numerator and denominator for each old province before 2025, the share itself from 2025
    regions = {(r["indicator"], r["year"]): set() for r in rows}
    for r in rows:
        regions[(r["indicator"], r["year"])].add(r["region"])
    old = {"Bắc Ninh (cũ)", "Bắc Giang (cũ)"}
    assert regions[("admin_dossiers_online_count", 2024)] == old == regions[("admin_dossiers_count", 2021)]
    assert regions[("admin_dossiers_online_pct", 2025)] == {"Bắc Ninh"}
    assert ("admin_dossiers_online_pct", 2024) not in regions
    part = next(r for r in rows if r["indicator"] == "admin_dossiers_count")
    assert part["unit"] == "Hồ sơ" and part["target_id"] == "KH20-29" and "để tính" in part["name_vi"]
    # a rank (rule none): the merged province only, from 2025, out of 34
    ranks = [r for r in rows if r["indicator"] == "public_service_index_rank"]
    assert {r["region"] for r in ranks} == {"Bắc Ninh"} and min(r["year"] for r in ranks) == 2025
    assert "trên 34 tỉnh, thành" in ranks[0]["name_vi"]
    # a count (rule sum): each old province, then the merged province
    tasks = [(r["region"], r["year"]) for r in sheet_rows(requests["so-khcn"]) if r["indicator"] == "st_tasks_per_year"]
    assert tasks[:3] == [("Bắc Ninh (cũ)", 2021), ("Bắc Giang (cũ)", 2021), ("Bắc Ninh (cũ)", 2022)]
    assert ("Bắc Ninh", 2025) in tasks and ("Bắc Ninh", 2024) not in tasks


def test_a_period_total_is_asked_as_yearly_parts_of_it(requests):
    rows = [r for r in sheet_rows(requests["so-khcn"]) if r["indicator"] == "st_enterprises_supported_2023_2025"]
    assert rows and all("các năm 2023–2025 được cộng lại" in r["name_vi"] for r in rows)


def test_the_guide_gives_the_deadline_and_the_contact(tmp_path, shipped):
    path = data_round.write_requests(shipped["targets"], shipped["kpi_actuals"], PERIOD, tmp_path,
                                     agency="Sở Y tế", due="2027-01-15", contact="Phòng Quản lý khoa học, 0222 000")[0]
    guide = [c.value for c in load_workbook(path)[data_round.GUIDE_SHEET]["A"] if c.value]
    assert "Hạn gửi lại: 15/01/2027." in guide and "Đầu mối liên hệ: Phòng Quản lý khoa học, 0222 000." in guide
    with pytest.raises(data_round.RoundError, match="YYYY-MM-DD"):
        data_round.check_due("15/01/2027")


def test_the_value_already_held_is_shown_beside_with_its_source(requests, shipped):
    kpi = shipped["kpi_actuals"]
    held = kpi[(kpi["indicator"] == "coverage_5g_pct") & (kpi["year"] == 2025)].iloc[0]
    rows = sheet_rows(requests["so-khcn"])
    row = next(r for r in rows if r["indicator"] == "coverage_5g_pct" and r["year"] == 2025)
    assert row["held_value"] == held["value"] == 53
    assert row["held_source"].startswith(held["source"]) and "số thực hiện" in row["held_source"]
    assert row["value"] is None and row["unit"] == "% dân số" and row["held_source"].endswith("đơn vị %]")
    # an old-territory value sits beside the old province's row, never beside the merged province's
    old = next(r for r in rows if r["indicator"] == "digital_economy_share_grdp_pct" and r["year"] == 2022
               and r["region"] == "Bắc Ninh (cũ)")
    assert old["held_value"] == 46.7 and "[số thực hiện" in old["held_source"]
    assert not any(r["held_value"] is not None for r in rows if r["region"] == "Bắc Ninh" and r["year"] < 2025)


def test_statistics_office_workbook_asks_the_tfp_series_for_each_territory(requests):
    rows = sheet_rows(requests[data_round.slug(data_round.STATISTICS_OFFICE)])
    # 4 series × (merged Bắc Ninh 2010–2025 + old Bắc Ninh 2010–2024 + old Bắc Giang 2010–2024), and the 2 weights
    # of the harmonisation rule × 2 old provinces × 2021–2024
    assert len(rows) == 4 * (16 + 15 + 15) + 2 * 2 * 4
    assert {r["indicator"] for r in rows} == {"grdp_const", "employment", "investment_const", "investment_current",
                                              "population_avg", "grdp_current"}
    merged = [r["year"] for r in rows if r["region"] == "Bắc Ninh" and r["indicator"] == "employment"]
    old = [r["year"] for r in rows if r["region"] == "Bắc Giang (cũ)" and r["indicator"] == "employment"]
    assert (min(merged), max(merged), min(old), max(old)) == (2010, 2025, 2010, 2024)


def test_growth_and_increase_targets_ask_for_their_base_count(requests):
    rows = sheet_rows(requests["so-khcn"])
    base = [r for r in rows if r["indicator"] == "st_enterprises_startups"]
    assert base and "QD123-2.1g" in base[0]["target_id"] and "QD123-2.2g-1" in base[0]["target_id"]
    assert min(r["year"] for r in base) == 2020 and base[0]["unit"] == "Doanh nghiệp"
    assert data_round.base_indicator("ip_applications_per_year_growth_pct") == "ip_applications_per_year"
    # one reported yearly count feeds KH 20's count target and QĐ 123's growth target
    ip = [r for r in rows if r["indicator"] == "ip_applications_per_year"]
    assert ip and ip[0]["target_id"] == "KH20-08, QD123-2.2dd-1" and ip[0]["unit"] == "Đơn đăng ký"
    assert data_round.base_indicator("grdp_growth_pct") is None


def test_request_command_writes_one_agency_and_refuses_a_bad_period(tmp_path):
    result = run_bnkpi("request", "--period", PERIOD, "--output-dir", str(tmp_path), "--agency", "cong an tinh",
                       "--due", "2027-01-15", "--contact", "Phòng Quản lý khoa học")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "requests" / PERIOD).iterdir()) == ["cong-an-tinh.xlsx"]
    guide = load_workbook(tmp_path / "requests" / PERIOD / "cong-an-tinh.xlsx")[data_round.GUIDE_SHEET]
    assert "Hạn gửi lại: 15/01/2027." in [c.value for c in guide["A"]]
    bad = run_bnkpi("request", "--period", "2026-4", "--output-dir", str(tmp_path))
    assert bad.returncode == 64 and "2026-Q4" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_bnkpi("request", "--period", PERIOD, "--due", "15/01/2027", "--output-dir", str(tmp_path))
    assert bad.returncode == 64 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


# --------------------------------------------------------------------------------------------- returned reports

TARGET = "KH20-42"  # adults with a digital signature, ≥ 70 % in 2030: no actual value held


def agency_filling(requests, raw: Path, name: str, corrected: bool) -> Path:
    """The agency's returned workbook: with the typical mistakes, or corrected."""
    source = workbook_of(requests, TARGET)
    rows = sheet_rows(source)
    ind = "adults_digital_signature_pct"
    old = "Bắc Ninh (cũ)"  # before 2025 each old province is asked
    r22, r23, r24 = (row_of(rows, ind, y, old) for y in (2022, 2023, 2024))
    r25 = row_of(rows, ind, 2025)
    if corrected:
        # the merged province in 2025 and, added by the agency, a merged figure it holds for 2024
        edits = {r25: dict(value=52, kind="actual", source=SOURCE)}
        added = [dict(target_id=TARGET, indicator=ind, region="Bắc Ninh", year=2024, value=40, unit="%",
                      kind="actual", source=SOURCE)]
    else:
        edits = {r23: dict(value="12,5", source=SOURCE), r24: dict(value="khoảng 30", source=SOURCE),
                 r25: dict(value=55), r22: dict(value=30, source=SOURCE, unit="phần trăm")}
        added = [dict(target_id="KH20-99", indicator=ind, region="Bắc Ninh", year=2024, value=50, unit="%",
                      kind="actual", source=SOURCE),
                 dict(target_id=TARGET, indicator=ind, region="Bắc Ninh", year=2035, value=50, unit="%",
                      kind="actual", source=SOURCE),
                 dict(target_id=TARGET, indicator=ind, region="Bắc Ninh", year=2021, value=140, unit="%",
                      kind="actual", source=SOURCE),
                 dict(target_id=TARGET, indicator=ind, region="Bắc Giang (cũ)", year=2025, value=50, unit="%",
                      kind="actual", source=SOURCE),
                 dict(target_id=TARGET, indicator=ind, region="Bắc Ninh", year=2020, value=20, unit="%",
                      kind="actual", source=SOURCE),
                 dict(target_id=TARGET, indicator=ind, region="Bắc Ninh", year=2020, value=21, unit="%",
                      kind="actual", source=SOURCE)]
    return fill(source, raw / "reports" / PERIOD / name, edits, added)


def test_a_filled_workbook_with_typical_mistakes_is_rejected_with_every_problem_located(requests, raw_copy):
    path = agency_filling(requests, raw_copy, "tra loi cua co quan.xlsx", corrected=False)
    last = max(r["_row"] for r in sheet_rows(path))
    wrong_sheet = raw_copy / "reports" / PERIOD / "doi-ten-trang.xlsx"
    book = load_workbook(path)
    book[data_round.SHEET].title = "Sheet1"
    book.save(wrong_sheet)
    rows = sheet_rows(workbook_of(requests, TARGET))
    ind = "adults_digital_signature_pct"
    r22, r23, r24 = (row_of(rows, ind, y, "Bắc Ninh (cũ)") for y in (2022, 2023, 2024))
    r25 = row_of(rows, ind, 2025)
    before = set(p.name for p in raw_copy.rglob("*"))
    result = validate_raw(raw_copy)
    name = f"reports/{PERIOD}/tra loi cua co quan.xlsx"
    found = {(p.file, p.row, p.column) for p in result.problems}
    expected = {
        (name, r23, "value"),  # "12,5" typed as text
        (name, r24, "value"),  # "khoảng 30"
        (name, r25, "source"),  # a value without a source
        (name, r22, "unit"),  # the unit changed
        (name, last - 5, "target_id"),  # unknown target
        (name, last - 4, "year"),  # 2035
        (name, last - 3, "value"),  # 140 %
        (name, last - 2, "region"),  # an old province in 2025
        (name, last, "value"),  # conflicting duplicate of the row above
        (f"reports/{PERIOD}/doi-ten-trang.xlsx", 1, "-"),  # the wrong sheet
    }
    assert found == expected, sorted(found ^ expected)
    messages = {(p.row, p.column): p.message for p in result.problems if p.file == name}
    # in Vietnamese, at the sheet and cell as Excel shows them, quoting the cell as typed
    assert messages[(r23, "value")].startswith(f"Trang «Số liệu», ô F{r23} (cột Giá trị): «12,5» được nhập dưới "
                                               "dạng chữ") and "đọc được là 12,5" in messages[(r23, "value")]
    assert "«khoảng 30» không phải là con số" in messages[(r24, "value")]
    assert messages[(r25, "source")].startswith(f"Trang «Số liệu», ô I{r25} (cột Nguồn") \
        and "chưa có nguồn" in messages[(r25, "source")]
    assert "«phần trăm»" in messages[(r22, "unit")]
    assert f"trùng với dòng {last - 1}" in messages[(last, "value")]
    assert any(str(p).startswith(f"{name}:{r23}:value: ") for p in result.problems)
    assert set(p.name for p in raw_copy.rglob("*")) == before  # nothing written into the raw folder


def test_a_corrected_workbook_is_accepted_and_changes_the_target_status(requests, raw_copy, shipped):
    before = tg.assess(shipped["targets"], shipped["kpi_actuals"])
    assert before.set_index("target_id").loc[TARGET, "status"] == "insufficient_data"
    agency_filling(requests, raw_copy, "bat ky ten nao.xlsx", corrected=True)
    result = validate_raw(raw_copy)
    assert result.ok, result.problems
    tables = clean.clean_all(result).tables
    kpi = tables["kpi_actuals"]
    rows = kpi[kpi["indicator"] == "adults_digital_signature_pct"].set_index("year")
    assert rows.loc[2024, "value"] == 40 and rows.loc[2025, "value"] == 52
    assert set(rows["territory"]) == {"merged"}  # "Bắc Ninh" in a workbook is the merged province, every year
    assert rows.loc[2025, "source"].startswith(SOURCE) and f"kỳ {PERIOD}" in rows.loc[2025, "source"]
    after = tg.assess(tables["targets"], kpi).set_index("target_id")
    assert after.loc[TARGET, "n_points"] == 2 and after.loc[TARGET, "latest_value"] == 52
    assert after.loc[TARGET, "status"] != "insufficient_data"
    source = data_round.latest_source(after.reset_index(), kpi)
    assert source[after.index.get_loc(TARGET)].startswith(SOURCE)


def test_a_reported_value_that_differs_from_the_held_one_is_another_vintage(requests, raw_copy, shipped):
    held = shipped["kpi_actuals"]
    held = held[(held["indicator"] == "coverage_5g_pct") & (held["year"] == 2025)].iloc[0]
    path = requests["so-khcn"]
    row = row_of(sheet_rows(path), "coverage_5g_pct", 2025)
    fill(path, raw_copy / "reports" / PERIOD / "so-khcn.xlsx", {row: dict(value=60, kind="actual", source=SOURCE)})
    result = validate_raw(raw_copy)
    assert result.ok, result.problems
    cleaned = clean.clean_all(result)
    kpi, every = cleaned.tables["kpi_actuals"], cleaned.tables["kpi_actuals_all_vintages"]
    fact = kpi[(kpi["indicator"] == "coverage_5g_pct") & (kpi["year"] == 2025)
               & (kpi["kind"] == "actual") & (kpi["region"] == "Bắc Ninh")]
    # three vintages: the department's document (53), a public page (54, [secondary]) and the report (60)
    assert len(fact) == 1 and fact["value"].iloc[0] == 60 and fact["n_vintages"].iloc[0] == 3
    assert fact["alternatives"].iloc[0].startswith("53 [official] (")
    both = every[(every["indicator"] == "coverage_5g_pct") & (every["year"] == 2025)
                 & (every["kind"] == "actual") & (every["region"] == "Bắc Ninh")]
    assert sorted(both["value"]) == [held["value"], 54, 60]
    assert any(line.startswith("kpi: coverage_5g_pct Bắc Ninh 2025 actual (merged territory): "
                               f"kept 60 [report {PERIOD}] over 53 [official]; 54 [secondary]") for line in cleaned.log)


def test_the_shipped_yearbook_template_is_the_statistics_office_workbook(raw_copy):
    """Unfilled it is skipped; a filled row without source is located; filled rows join macro as [report]."""
    template = raw_copy / "templates" / "yearbook_template.xlsx"
    target = raw_copy / "reports" / PERIOD / "nien giam.xlsx"
    target.parent.mkdir(parents=True)
    shutil.copy(template, target)
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    assert result.tables["reports"].empty
    rows = sheet_rows(target)
    r10, r11 = (row_of(rows, "employment", y, "Bắc Ninh (cũ)") for y in (2010, 2011))
    fill(target, target, {r10: dict(value=612.5, source="Niên giám thống kê tỉnh Bắc Ninh 2015, biểu 10 (test)"),
                          r11: dict(value=615.0)})
    result = validate_raw(raw_copy)
    assert [str(p) for p in result.problems] == [
        f"reports/{PERIOD}/nien giam.xlsx:{r11}:source: Trang «Số liệu», ô I{r11} (cột Nguồn (số, ngày văn bản báo "
        "cáo)): giá trị chưa có nguồn: ghi số và ngày của văn bản, báo cáo"]
    fill(target, target, {r11: dict(source="Niên giám thống kê tỉnh Bắc Ninh 2015, biểu 10 (test)")})
    result = validate_raw(raw_copy)
    assert result.ok, result.problems
    macro = clean.clean_all(result).tables["macro"]
    filled = macro[(macro["indicator"] == "employment") & (macro["region"] == "Bắc Ninh")
                   & (macro["vintage"] == "report")]
    assert filled[["year", "value", "territory"]].values.tolist() == [["2010", 612.5, "old"], ["2011", 615.0, "old"]]


# --------------------------------------------------------------------------------------------- territory


def test_territory_default_rule_and_checks(raw_copy):
    assert provinces.default_territory("Bắc Ninh", 2024) == "old"
    assert provinces.default_territory("Bắc Ninh", 2025) == "merged"
    assert data_round.parse_region("bac ninh (cu)", 2020) == ("Bắc Ninh", "old")
    assert data_round.parse_region("Bắc Ninh", 2020) == ("Bắc Ninh", "merged")
    with pytest.raises(ValueError):
        data_round.parse_region("Bắc Giang (cũ)", 2025)
    # kpi_actuals.csv with the optional column: a merged value for 2023 beside the old one, and a bad one
    path = raw_copy / "kpi_actuals.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    lines = [text[0] + ",territory"] + [line + "," for line in text[1:]]
    lines.append(f'adults_digital_signature_pct,Bắc Ninh,2023,41,%,actual,"{SOURCE}",merged')
    lines.append(f'adults_digital_signature_pct,Bắc Ninh,2023,30,%,actual,"{SOURCE}",')
    lines.append(f'adults_digital_signature_pct,Bắc Giang,2023,30,%,actual,"{SOURCE}",merged')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = validate_raw(raw_copy)
    assert [(p.row, p.column) for p in result.problems] == [(len(lines), "territory")]
    kpi = result.tables["kpi_actuals"]
    rows = kpi[kpi["indicator"] == "adults_digital_signature_pct"]
    assert sorted(zip(rows["region"], rows["territory"], rows["value"])) == [
        ("Bắc Giang", "merged", 30), ("Bắc Ninh", "merged", 41), ("Bắc Ninh", "old", 30)]


def test_reported_merged_series_replace_the_sum_of_the_old_provinces():
    log: list[str] = []
    macro = pd.DataFrame(dict(region=["Bắc Ninh", "Bắc Giang"], year_start=[2020, 2020], year_end=[2020, 2020],
                              indicator="employment", value=[900.0, 1000.0], unit="thousand persons",
                              vintage="official", source=["a", "b"], territory="old"))
    mergers = pd.DataFrame(dict(old_province_2024=["Bắc Ninh", "Bắc Giang"], new_province_2025="Bắc Ninh"))
    summed = clean.harmonise_2025(macro, mergers, log)
    assert summed["value"].tolist() == [1900.0]
    reported = macro.iloc[:1].assign(value=1950.0, territory="merged", source="report")
    given = clean.harmonise_2025(macro, mergers, log, reported)
    assert given["value"].tolist() == [1950.0] and given["unit_basis"].tolist() == ["reported_merged"]
    assert "1900 (sum of the old units)" in log[-1]


# --------------------------------------------------------------------------------------------- end to end


def statistics_office_filling(requests, raw: Path) -> dict[str, dict[int, float]]:
    """Synthetic merged-province series 2015–2025 with constant growth: GRDP +8 %, labour +2 %, investment +10 %."""
    source = requests[data_round.slug(data_round.STATISTICS_OFFICE)]
    rows = sheet_rows(source)
    series = {"grdp_const": (100_000.0, 1.08), "employment": (1_000.0, 1.02), "investment_const": (20_000.0, 1.10),
              "investment_current": (30_000.0, 1.12)}
    values = {k: {y: round(v0 * g ** (y - 2015), 6) for y in range(2015, 2026)} for k, (v0, g) in series.items()}
    edits = {r["_row"]: dict(value=values[r["indicator"]][r["year"]], kind="actual", source=SOURCE)
             for r in rows if r["region"] == "Bắc Ninh" and r["year"] >= 2015}
    fill(source, raw / "reports" / PERIOD / "thong ke.xlsx", edits)
    return values


@pytest.fixture(scope="module")
def round_run(tmp_path_factory, requests):
    base = tmp_path_factory.mktemp("round")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    agency_filling(requests, raw, "co quan.xlsx", corrected=True)
    values = statistics_office_filling(requests, raw)
    notebooks = base / "notebooks"  # cleaning, TFP and targets: the PII notebook and the brief add nothing here
    notebooks.mkdir()
    for name in ("01_clean.ipynb", "03_tfp.ipynb", "04_targets.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    result = run_bnkpi("run", "--raw-dir", str(raw), "--output-dir", str(base / "out"), "--processed-dir",
                       str(base / "processed"), "--lang", "vi", "--notebook-dir", str(notebooks))
    return dict(result=result, out=base / "out", processed=base / "processed", values=values)


def test_the_run_joins_the_reports_status_source_and_coverage(round_run):
    assert round_run["result"].returncode == 0, round_run["result"].stderr[-3000:]
    tables = round_run["out"] / "tables"
    assessment = pd.read_csv(tables / "targets_assessment.csv").set_index("target_id")
    assert assessment.loc[TARGET, "latest_value"] == 52 and assessment.loc[TARGET, "status"] != "insufficient_data"
    assert assessment.loc[TARGET, "latest_source"].startswith(SOURCE)
    coverage = pd.read_csv(tables / "targets_coverage.csv", dtype=str, keep_default_na=False).set_index("agency")
    agency = load_workbook(workbook_of_run(round_run))[data_round.GUIDE_SHEET]["B1"].value
    assert coverage.loc[agency, "period"] == PERIOD and coverage.loc[agency, "workbook_returned"] == "True"
    assert int(coverage.loc[agency, "values_delivered"]) == 2
    assert coverage.loc[data_round.STATISTICS_OFFICE, "workbook_returned"] == "True"
    assert int(coverage.loc[data_round.STATISTICS_OFFICE, "values_delivered"]) == 4 * 11
    not_returned = coverage[(coverage.index != "Tổng cộng") & (coverage["workbook_returned"] == "False")]
    assert len(not_returned) and (not_returned["values_delivered"].astype(int) == 0).all()
    total = coverage.loc["Tổng cộng"]
    assert TARGET not in total["targets_without_data"].split(";")
    assert int(total["no_data"]) == len(total["targets_without_data"].split(";"))
    log = (round_run["processed"] / "cleaning_log.txt").read_text(encoding="utf-8")
    assert "reports: 2 values of the returned workbooks joined to the actuals" in log


def workbook_of_run(round_run) -> Path:
    return next((round_run["out"].parent / "raw" / "reports" / PERIOD).glob("co quan.xlsx"))


def test_a_filled_statistics_office_workbook_gives_the_merged_province_tfp(round_run):
    """Hand computation: constant growth gives g_y = 100 ln 1.08, g_l = 100 ln 1.02 and, with the perpetual
    inventory's steady-state start, a capital stock growing like investment, g_k = 100 ln 1.10."""
    assert round_run["result"].returncode == 0, round_run["result"].stderr[-3000:]
    growth = pd.read_csv(round_run["out"] / "tables" / "tfp_growth_accounting.csv")
    rows = growth[growth["region"].str.startswith("Bắc Ninh") & (growth["method"] == "cobb_douglas")
                  & growth["year"].between(2016, 2025)]
    rows = rows[rows["region"] != "Bắc Ninh"] if rows["region"].nunique() > 1 else rows
    assert sorted(rows["year"]) == list(range(2016, 2026))
    alpha = float(rows["alpha"].iloc[0])
    g_y, g_l, g_k = 100 * math.log(1.08), 100 * math.log(1.02), 100 * math.log(1.10)
    g_tfp = g_y - alpha * g_k - (1 - alpha) * g_l
    for column, expected in (("g_y", g_y), ("g_l", g_l), ("g_k", g_k), ("g_tfp", g_tfp),
                             ("tfp_share_pct", 100 * g_tfp / g_y)):
        assert rows[column].to_numpy() == pytest.approx(expected, abs=1e-5), column
    periods = pd.read_csv(round_run["out"] / "tables" / "tfp_periods.csv")
    period = periods[periods["region"].isin(set(rows["region"])) & (periods["period_start"] == 2021)
                     & (periods["period_end"] == 2025) & (periods["method"] == "cobb_douglas")]
    assert period["tfp_share_pct"].to_numpy() == pytest.approx([100 * g_tfp / g_y], abs=1e-5)


def test_a_workbook_outside_a_period_folder_or_not_xlsx_is_located(requests, raw_copy):
    (raw_copy / "reports" / "quy4").mkdir(parents=True)
    shutil.copy(requests["so-khcn"], raw_copy / "reports" / "quy4" / "so-khcn.xlsx")
    (raw_copy / "reports" / PERIOD).mkdir()
    (raw_copy / "reports" / PERIOD / "so-khcn.csv").write_text("a,b\n", encoding="utf-8")
    problems = [str(p) for p in validate_raw(raw_copy).problems]
    assert problems == [
        f"reports/{PERIOD}/so-khcn.csv:0:-: Thư mục reports/ chỉ nhận tệp Excel .xlsx: mở tệp và lưu lại dưới "
        "dạng Excel .xlsx (File → Save As → .xlsx)",
        "reports/quy4/so-khcn.xlsx:0:-: Tệp báo cáo gửi lại phải nằm trong thư mục của kỳ báo cáo, "
        "reports/YYYY-QN/ (ví dụ reports/2026-Q4/)"]


def test_text_from_data_never_becomes_a_formula_in_a_workbook(tmp_path):
    rows = pd.DataFrame([dict(target_id="X", indicator="x_pct", name_vi="=HYPERLINK(\"http://evil\")", region="Bắc Ninh",
                              year=2025, value=None, unit="%", kind="actual", source="", note="", held_value=1.0,
                              held_source="=1+1")])
    path = data_round.write_workbook(rows, "Sở KH&CN", PERIOD, tmp_path / "x.xlsx")
    sheet = load_workbook(path)[data_round.SHEET]
    assert sheet["C3"].data_type == "s" and sheet["C3"].value.startswith("=HYPERLINK")
    assert sheet["L3"].data_type == "s"


# --------------------------------------------------------------------------------------------- simulated round

SIM_SOURCE = "Báo cáo số 01/BC-MO-PHONG ngày 10/01/2027 (số liệu mô phỏng cho kiểm thử)"
SIM_SHARE = {"Bắc Ninh (cũ)": 1.0, "Bắc Giang (cũ)": 0.6, "Bắc Ninh": 1.6}  # size of each territory, synthetic
SIM_WEIGHTS = {("population_avg", "Bắc Ninh (cũ)"): 1_480_000, ("population_avg", "Bắc Giang (cũ)"): 1_920_000,
               ("grdp_current", "Bắc Ninh (cũ)"): 220_000, ("grdp_current", "Bắc Giang (cũ)"): 180_000}


def simulated_value(row: dict, period_year: int) -> float | None:
    """What an agency that holds only its own records would type (None: it leaves the row empty).

    Synthetic, plausible series: counts grow by a step a year, shares rise by 5 points a year, ranks and
    composite indices exist for the merged province only. The statistics office gives the weights of the
    ``weighted`` rule for the old provinces; the TFP series are left to their own test.
    """
    indicator, region, year = row["indicator"], row["region"], int(row["year"])
    if year >= period_year:
        return None  # the current year is only an estimate, never counted: left empty
    size, step = SIM_SHARE[region], year - 2021
    rules = harmonise.load_rules()
    numerators = set(rules["numerator"]) - {""}
    denominators = set(rules["denominator"]) - {""}
    if (indicator, region) in SIM_WEIGHTS:
        return float(SIM_WEIGHTS[(indicator, region)] * (1.01 ** step))
    if indicator in data_round.STATISTICS_UNITS:
        return None
    if indicator in denominators:
        return round(1000 * size + 50 * step)
    if indicator in numerators:
        return round((1000 * size + 50 * step) * min(0.35 + 0.06 * step, 1.0))
    if indicator.endswith("_rank"):
        return 6.0
    if indicator in ("dti_score", "hdi"):
        return 0.72
    if indicator == "epi_score":
        return 56.0
    if str(row["unit"]).strip().startswith("%"):
        return min(40.0 + 5 * step + 3 * (region == "Bắc Ninh (cũ)"), 99.0)
    if indicator in ("rd_staff_per_10k", "iot_connections_per_person"):
        return round(2.0 + 0.8 * step, 2)
    return float(round(size * (8 + 3 * step)))  # counts


@pytest.fixture(scope="module")
def simulated_round(requests, tmp_path_factory):
    raw = tmp_path_factory.mktemp("simulated") / "raw"
    shutil.copytree(RAW, raw)
    year, _ = data_round.check_period(PERIOD)
    delivered = 0
    for name, path in requests.items():
        edits = {}
        for row in sheet_rows(path):
            value = simulated_value(row, year)
            if value is not None:
                edits[row["_row"]] = dict(value=value, kind="actual", source=SIM_SOURCE)
        delivered += len(edits)
        fill(path, raw / "reports" / PERIOD / f"{name}.xlsx", edits)
    result = validate_raw(raw)
    assert result.ok, [str(p) for p in result.problems[:5]]
    tables = clean.clean_all(result).tables
    assessment = tg.assess(tables["targets"], tables["kpi_actuals"], tables["macro"], as_of_year=year)
    return dict(tables=tables, assessment=assessment, delivered=delivered)


VERDICT = ("achieved", "not_achieved", "on_track", "at_risk", "off_track")


def test_a_round_filled_with_what_agencies_hold_gives_most_targets_a_verdict(simulated_round):
    """The issue's "done when": old provinces 2021–2024, the merged province from 2025, no merged figure before
    2025 — at least 60 % of the current targets get a verdict (25 % when the old provinces cannot be combined)."""
    assessment = simulated_round["assessment"]
    judged = assessment[assessment["status"].isin(VERDICT)]
    share = len(judged) / len(assessment)
    print(f"\nsimulated round: {len(judged)} of {len(assessment)} current targets with a verdict ({100 * share:.1f} %)")
    assert len(assessment) == 98 and share >= 0.60, assessment.groupby("status").size().to_dict()
    # each verdict built from combined values says so, by rule
    built = judged[judged["derived_years"] != ""]
    assert set(built["derived_rule"]) == {"sum", "ratio", "weighted"}
    assert all("Số liệu 20" in note for note in built["note_vi"]), built[["target_id", "derived_years", "note_vi"]].values
    tasks = assessment.set_index("target_id").loc["KH20-02"]
    assert tasks["derived_years"] == "2021–2024" and tasks["note_vi"].endswith("cộng số liệu hai tỉnh cũ.")
    # merged ranks and indices rest on the merged province's own figure only
    assert (judged.loc[judged["indicator"].str.endswith("_rank"), "derived_years"] == "").all()
    # without the combined back series (the old code) the same returns leave most targets at one merged point
    kpi = simulated_round["tables"]["kpi_actuals"]
    own = kpi[kpi["derived_rule"] == ""]
    tables = simulated_round["tables"]
    without = tg.assess(tables["targets"], own, tables["macro"], as_of_year=2026)
    assert without["status"].isin(VERDICT).mean() < 0.45  # 36.7 % at the time of writing (75.5 % with)


def test_the_simulated_merged_values_are_the_hand_computed_combinations(simulated_round):
    kpi = simulated_round["tables"]["kpi_actuals"]
    merged = kpi[(kpi["region"] == "Bắc Ninh") & (kpi["territory"] == "merged") & (kpi["kind"] == "actual")]
    at = merged.set_index(["indicator", "year"])
    # sum: st_tasks 2023 = round(1.0 × (8 + 3·2)) + round(0.6 × (8 + 3·2)) = 14 + 8 = 22
    assert at.loc[("st_tasks_per_year", 2023), "value"] == 22
    assert at.loc[("st_tasks_per_year", 2023), "derived_rule"] == "sum"
    # ratio of sums, 2022: Bắc Ninh (cũ) 1050 × 0.41 → 430 of 1050, Bắc Giang (cũ) 650 × 0.41 → 266 of 650
    # → 100 × (430 + 266) / (1050 + 650) = 100 × 696 / 1700 = 40.941…
    assert at.loc[("admin_dossiers_online_pct", 2022), "value"] == pytest.approx(100 * 696 / 1700)
    # weighted by population, 2021: (43 × 1 480 000 + 40 × 1 920 000) / 3 400 000 = 41.305…
    assert at.loc[("coverage_5g_pct", 2021), "value"] == pytest.approx((43 * 1_480_000 + 40 * 1_920_000) / 3_400_000)
    assert "Bắc Giang (cũ) 40" in at.loc[("coverage_5g_pct", 2021), "derived_from"]
    # ranks are never combined: no merged rank before 2025
    assert not len(merged[merged["indicator"].str.endswith("_rank") & (merged["year"] < 2025)])


# --------------------------------------------------------------------------------------------- silent mistakes, feedback

OFFICE = "van-phong-ubnd-tinh"


def office_returned(requests, raw: Path, name: str, edits=None, added=(), tweak=None) -> tuple[Path, list[dict]]:
    """The office's workbook with two good values (the rank 2025 in row 3, dossiers online 2025) plus ``edits``;
    ``tweak(book)`` then makes the mistake under test, as a clerk would in Excel."""
    source = requests[OFFICE]
    rows = sheet_rows(source)
    good = {3: dict(value=7, kind="actual", source=SOURCE),
            row_of(rows, "admin_dossiers_online_pct", 2025): dict(value=82, kind="actual", source=SOURCE)}
    path = fill(source, raw / "reports" / PERIOD / name, {**good, **(edits or {})}, added)
    if tweak:
        book = load_workbook(path)
        tweak(book)
        book.save(path)
    return path, rows


def problems_of(raw: Path, name: str) -> list:
    return [p for p in validate_raw(raw).problems if p.file == f"reports/{PERIOD}/{name}"]


def test_a_deleted_label_row_is_reported_not_a_silently_dropped_first_row(requests, raw_copy):
    office_returned(requests, raw_copy, "x.xlsx", tweak=lambda book: book[data_round.SHEET].delete_rows(2))
    found = problems_of(raw_copy, "x.xlsx")
    assert [(p.row, p.column) for p in found] == [(2, "-")]
    assert "dòng tên cột đã bị xóa" in found[0].message and found[0].message.startswith("Trang «Số liệu», dòng 2")


def test_an_altered_label_row_is_reported(requests, raw_copy):
    def rename(book):
        book[data_round.SHEET]["F2"] = "Số liệu năm"

    office_returned(requests, raw_copy, "x.xlsx", tweak=rename)
    found = problems_of(raw_copy, "x.xlsx")
    assert [(p.row, p.column) for p in found] == [(2, "-")] and "đã bị sửa ở: Giá trị" in found[0].message


def test_data_on_another_sheet_is_reported(requests, raw_copy):
    def extra(book):
        other = book.create_sheet("Bổ sung 2020")
        other.append(["KH20-29", "admin_dossiers_online_pct", "", "Bắc Ninh", 2020, 15])
        other.append(["KH20-29", "admin_dossiers_online_pct", "", "Bắc Ninh", 2019, 12])

    office_returned(requests, raw_copy, "x.xlsx", tweak=extra)
    found = problems_of(raw_copy, "x.xlsx")
    assert len(found) == 1 and found[0].message.startswith("Trang «Bổ sung 2020», ô A1: trang này có 10 ô có dữ liệu")


def test_a_percent_entered_as_a_fraction_or_in_a_percent_cell_is_reported(requests, raw_copy):
    rows = sheet_rows(requests[OFFICE])
    fraction = row_of(rows, "admin_dossiers_online_pct", 2026)  # 0,85 beside 82 in 2025
    formatted = row_of(rows, "full_online_public_services_pct", 2025)  # «40%» typed in Excel: 0,4 with format 0%

    def percent_cell(book):
        book[data_round.SHEET].cell(row=formatted, column=6).number_format = "0%"

    office_returned(requests, raw_copy, "x.xlsx", {fraction: dict(value=0.85, kind="estimate", source=SOURCE),
                                                   formatted: dict(value=0.4, kind="actual", source=SOURCE)},
                    tweak=percent_cell)
    found = {(p.row, p.column): p.message for p in problems_of(raw_copy, "x.xlsx")}
    assert set(found) == {(fraction, "value"), (formatted, "value")}
    assert "«0,85» có vẻ là tỷ lệ thập phân" in found[(fraction, "value")] and "85 chứ không phải 0,85" in \
        found[(fraction, "value")]
    assert "định dạng phần trăm nên Excel lưu «40%» thành 0,4" in found[(formatted, "value")]
    # a share that is really small (0,2 beside 3: ×100 it would be far from its neighbours) stays accepted
    small = row_of(rows, "full_online_public_services_pct", 2026)
    office_returned(requests, raw_copy, "y.xlsx", {formatted: dict(value=3, kind="actual", source=SOURCE),
                                                   small: dict(value=0.2, kind="estimate", source=SOURCE)})
    assert problems_of(raw_copy, "y.xlsx") == []


def test_a_conflicting_duplicate_names_the_old_province_as_the_row_writes_it(requests, raw_copy):
    rows = sheet_rows(requests[OFFICE])
    first = row_of(rows, "admin_dossiers_count", 2023, "Bắc Ninh (cũ)")
    path, _ = office_returned(requests, raw_copy, "x.xlsx", {first: dict(value=1000, kind="actual", source=SOURCE)},
                              added=[dict(target_id="KH20-29", indicator="admin_dossiers_count", region="Bắc Ninh (cũ)",
                                          year=2023, value=1100, unit="Hồ sơ", kind="actual", source=SOURCE)])
    last = load_workbook(path)[data_round.SHEET].max_row
    found = {(p.row, p.column): p.message for p in problems_of(raw_copy, "x.xlsx")}
    assert list(found) == [(last, "value")]
    assert (f"trùng với dòng {first} (admin_dossiers_count, Bắc Ninh (cũ), 2023, actual) nhưng khác số: 1.000 ở "
            "dòng đó, 1.100 ở dòng này") in found[(last, "value")]


def test_a_formula_whose_result_the_file_does_not_store_is_reported_not_read_as_empty(requests, raw_copy):
    """A workbook filled by a program (openpyxl, a script) keeps "=300+10" without its result: read with the
    results the cell is empty, and without a source the row would pass as one the agency did not fill."""
    rows = sheet_rows(requests[OFFICE])
    with_source = row_of(rows, "admin_dossiers_count", 2022, "Bắc Ninh (cũ)")
    without = row_of(rows, "admin_dossiers_count", 2023, "Bắc Ninh (cũ)")
    office_returned(requests, raw_copy, "x.xlsx", {with_source: dict(value="=1000+20", kind="actual", source=SOURCE),
                                                   without: dict(value="=SUM(1,2)")})
    found = {(p.row, p.column): p.message for p in problems_of(raw_copy, "x.xlsx")}
    assert set(found) == {(with_source, "value"), (without, "value")}
    assert found[(without, "value")] == (f"Trang «Số liệu», ô F{without} (cột Giá trị): ô có công thức «=SUM(1,2)» "
                                         "nhưng tệp không lưu kết quả của công thức: nhập con số, hoặc mở tệp bằng "
                                         "Excel hay LibreOffice rồi lưu lại")


def test_merged_cells_are_reported_once_not_as_missing_sources(requests, raw_copy):
    rows = sheet_rows(requests[OFFICE])
    r = [row_of(rows, "admin_dossiers_count", y, "Bắc Ninh (cũ)") for y in (2021, 2022)]
    edits = {row: dict(value=1000 + i, kind="actual") for i, row in enumerate(r)}
    edits[r[0]]["source"] = SOURCE

    def merge(book):
        book[data_round.SHEET].merge_cells(f"I{r[0]}:I{r[1]}")

    office_returned(requests, raw_copy, "x.xlsx", edits, tweak=merge)
    found = problems_of(raw_copy, "x.xlsx")
    assert [(p.row, p.column) for p in found] == [(r[0], "source")]
    assert f"các ô I{r[0]}:I{r[1]} bị gộp (merge)" in found[0].message and "chưa có nguồn" not in found[0].message


def test_a_value_typed_in_the_note_and_a_date_in_the_year_are_reported_as_typed(requests, raw_copy):
    import datetime

    rows = sheet_rows(requests[OFFICE])
    noted = row_of(rows, "admin_dossiers_count", 2023, "Bắc Giang (cũ)")
    path, _ = office_returned(requests, raw_copy, "x.xlsx", {noted: dict(note="75")}, added=[
        dict(target_id="KH20-29", indicator="admin_dossiers_count", region="Bắc Ninh (cũ)",
             year=datetime.datetime(2024, 12, 31), value=1200, unit="Hồ sơ", kind="actual", source=SOURCE)])
    last = load_workbook(path)[data_round.SHEET].max_row
    found = {(p.row, p.column): p.message for p in problems_of(raw_copy, "x.xlsx")}
    assert set(found) == {(noted, "note"), (last, "year")}
    assert found[(noted, "note")].startswith(f"Trang «Số liệu», ô J{noted} (cột Ghi chú): có con số «75»")
    assert "«31/12/2024»" in found[(last, "year")] and "datetime" not in found[(last, "year")]


def test_validate_writes_an_annotated_copy_and_leaves_the_returned_file_alone(requests, raw_copy, tmp_path):
    import hashlib

    rows = sheet_rows(requests[OFFICE])
    bad_row = row_of(rows, "admin_dossiers_online_pct", 2026)
    path, _ = office_returned(requests, raw_copy, "van phong.xlsx",
                              {bad_row: dict(value="khoảng 85", kind="estimate", source=SOURCE)})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy), "--output-dir", str(out))
    assert result.returncode == 2 and f"reports/{PERIOD}/van phong.xlsx:{bad_row}:value: Trang «Số liệu», ô F" \
        in result.stdout and "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the returned file is never modified
    copy = out / "feedback" / PERIOD / "van phong.xlsx"
    book = load_workbook(copy)
    assert book.sheetnames[0] == data_round.FEEDBACK_SHEET
    listed = [[c.value for c in row] for row in book[data_round.FEEDBACK_SHEET].iter_rows(min_row=3)]
    assert listed == [[f"F{bad_row}", bad_row, listed[0][2], "«khoảng 85»"]]
    cell = book[data_round.SHEET][f"F{bad_row}"]
    assert cell.comment is not None and "«khoảng 85» không phải là con số" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert book[data_round.SHEET].protection.sheet and book[data_round.SHEET].freeze_panes == "C3"
    # after correction the same workbook is accepted and no feedback copy is written for it
    shutil.rmtree(out)
    fill(path, path, {bad_row: dict(value=85)})
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy), "--output-dir", str(out))
    assert result.returncode == 0, result.stdout[-2000:]
    assert not (out / "feedback").exists()


def test_coverage_says_who_returned_what_and_why_targets_have_no_verdict(simulated_round):
    tables = simulated_round["tables"]
    coverage = data_round.coverage(simulated_round["assessment"], tables["reports"]).set_index("agency")
    total = coverage.loc["Tổng cộng"]
    assert total["period"] == PERIOD
    # every agency asked returned; Sở GD&ĐT is asked nothing (its one target, a PII pillar, is not comparable)
    returned = coverage.drop(index="Tổng cộng")["workbook_returned"]
    assert set(returned[returned.isna()].index) == {"Sở Giáo dục và Đào tạo"}  # not asked: empty, not False
    assert returned.dropna().astype(bool).all() and bool(total["workbook_returned"])
    assert total["values_delivered"] == simulated_round["delivered"]
    assert total["no_verdict"] == 98 - 74
    why = dict(item.split(" (", 1) for item in total["why_no_verdict"].split("; "))
    assert why["KH279-P1"].startswith("không so sánh được")
    assert why["KH20-15"] == "cần số liệu năm sau)"  # DTI: the merged province has one edition (2025)
    assert why["KH20-10"].startswith("không hỏi")  # the TFP share is computed, never asked
    assert coverage.loc["Sở Y tế", "no_verdict"] == 0 and coverage.loc["Sở Y tế", "why_no_verdict"] == ""
    # an agency that has not returned its workbook is named as the reason
    partial = tables["reports"][tables["reports"]["agency"] != "Sở Nội vụ"]
    without = data_round.coverage(simulated_round["assessment"].assign(
        status=lambda a: a["status"].where(a["agency"] != "Sở Nội vụ", "insufficient_data"),
        method=lambda a: a["method"].where(a["agency"] != "Sở Nội vụ", "no_data")), partial).set_index("agency")
    assert not without.loc["Sở Nội vụ", "workbook_returned"]
    assert "cơ quan chưa gửi báo cáo" in without.loc["Sở Nội vụ", "why_no_verdict"]


# --------------------------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice(tmp_path: Path, source: Path, target: str) -> Path:
    """Open ``source`` in headless LibreOffice Calc and save it as ``target`` (``xlsx`` or ``pdf``)."""
    import subprocess

    out = tmp_path / f"lo-{target}"
    out.mkdir(exist_ok=True)
    profile = tmp_path / "lo-profile"
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf"}
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                             filters[target], "--outdir", str(out), str(source)], capture_output=True, text=True,
                            timeout=300, env={**__import__("os").environ, "HOME": str(tmp_path)})
    converted = out / f"{source.stem}.{target}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_workbook_saved_by_libreoffice_is_accepted_and_feedback_opens(requests, raw_copy, tmp_path):
    rows = sheet_rows(requests[OFFICE])
    good = {3: dict(value=7, kind="actual", source=SOURCE),
            row_of(rows, "admin_dossiers_online_pct", 2025): dict(value=82, kind="actual", source=SOURCE),
            row_of(rows, "admin_dossiers_count", 2024, "Bắc Giang (cũ)"): dict(value=1250, kind="actual",
                                                                               source=SOURCE)}
    filled = fill(requests[OFFICE], tmp_path / "filled" / f"{OFFICE}.xlsx", good)
    saved = libreoffice(tmp_path, filled, "xlsx")
    book = load_workbook(saved)
    sheet = book[data_round.SHEET]
    assert sheet.protection.sheet and sheet["A3"].protection.locked and not sheet["F3"].protection.locked
    assert {v.type for v in sheet.data_validations.dataValidation} >= {"decimal", "list", "whole"}
    target = raw_copy / "reports" / PERIOD / saved.name
    target.parent.mkdir(parents=True)
    shutil.copy(saved, target)
    result = validate_raw(raw_copy)
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert sorted(result.tables["reports"]["value"]) == [7, 82, 1250]
    # a feedback copy (problems marked) opens in LibreOffice and prints its list of problems
    fill(target, target, {3: dict(value="thứ 7")})
    problems = validate_raw(raw_copy).problems
    copies = data_round.write_feedback(raw_copy, problems, tmp_path / "out")
    assert len(copies) == 1
    pdf = libreoffice(tmp_path, copies[0], "pdf")
    assert pdf.stat().st_size > 10_000


def test_the_statistics_office_sees_its_held_series_in_vietnamese_units(shipped):
    rows = data_round.statistics_office_rows(PERIOD, shipped["macro"])
    assert set(rows["unit"]) == set(data_round.UNITS_VI.values())
    macro = shipped["macro"]
    held = macro[(macro["indicator"] == "grdp_current") & (macro["region"] == "Bắc Ninh")
                 & (macro["year_start"] == 2023) & (macro["territory"] == "old")].iloc[0]
    row = rows[(rows["indicator"] == "grdp_current") & (rows["region"] == "Bắc Ninh (cũ)") & (rows["year"] == 2023)]
    assert row["held_value"].iloc[0] == held["value"] and row["held_source"].iloc[0].startswith(held["source"])
    vintage = row["held_source"].iloc[0].rsplit("[", 1)[1]
    assert vintage.rstrip("]") in data_round.VINTAGE_VI.values()  # the vintage said in Vietnamese
    # nothing of the old territory beside the merged province's rows
    merged = rows[(rows["region"] == "Bắc Ninh") & (rows["year"] < 2025)]
    assert merged["held_value"].isna().all()
