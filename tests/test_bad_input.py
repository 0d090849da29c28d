"""The bad-input corpus: each planted problem is reported as file:row:column with a clear message, without a
traceback, and a `bnkpi run` on the bad data exits 2 and leaves the previous outputs byte-for-byte unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import copy_previous, read_rows, run_bnkpi, sheet_row, snapshot, tree_hashes, write_rows


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


@pytest.mark.parametrize("plant", PLANTS, ids=[p.__name__.removeprefix("plant_") for p in PLANTS])
def test_planted_problem_is_reported_and_run_changes_nothing(plant, raw_copy, good_run, tmp_path):
    prefix, words = plant(raw_copy)
    result = run_bnkpi("validate", "--raw-dir", str(raw_copy))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    matching = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
    assert matching, f"no line starting {prefix!r} in:\n{result.stdout}"
    assert any(words in line for line in matching), matching

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
