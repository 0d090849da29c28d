"""The quarterly data round (docs/contracts.md, "The quarterly data round — contract").

``bnkpi request`` writes one workbook per responsible agency (``write_requests``); the agencies return them and
the department saves them unchanged in ``RAW/reports/YYYY-QN/``; ``bnkpi validate`` checks them
(``validate_reports``, every problem located as ``reports/YYYY-QN/file.xlsx:row:column: message``) and cleaning
joins the accepted values to the actuals (``report_kpi_rows``, ``report_macro_rows``). ``coverage`` says which
agencies returned their workbook and which targets are still without data.

Territory: in a workbook the ``region`` cell says which territory a value describes. ``Bắc Ninh`` is the province
as it is from 1 July 2025 (old Bắc Ninh + Bắc Giang) for every year, also past years; ``Bắc Ninh (cũ)`` and
``Bắc Giang (cũ)`` are the old provinces (years before 2025 only).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from . import provinces
from .numbers import NumberError, parse_number

SHEET = "Số liệu"
GUIDE_SHEET = "Hướng dẫn"
COLUMNS = ("target_id", "indicator", "name_vi", "region", "year", "value", "unit", "kind", "source", "note")
LABELS_VI = ("Mã chỉ tiêu", "Mã chỉ số", "Tên chỉ tiêu / chuỗi số liệu", "Địa bàn", "Năm", "Giá trị",
             "Đơn vị tính", "Loại số liệu", "Nguồn (số, ngày văn bản báo cáo)", "Ghi chú")
# Shown beside the data columns, read-only: what the department already holds, so the agency can correct it.
HELD_COLUMNS = ("held_value", "held_source")
HELD_LABELS_VI = ("Số liệu Sở KH&CN đang có (để đối chiếu)", "Nguồn của số liệu đang có")
KINDS = ("actual", "estimate", "plan")
KIND_WORDS_VI = {"actual": "số thực hiện", "estimate": "số ước thực hiện", "plan": "số kế hoạch"}
PERIOD = re.compile(r"^(20\d\d)-Q([1-4])$")
YEAR_LOW, YEAR_HIGH = 2015, 2030
FIRST_YEAR_ASKED = 2021  # the first year of the 2021–2025 plan: two points at least for every target's trend
TFP_FIRST_YEAR = 2010

MERGED, OLD = "merged", "old"
REGION_LABELS = {"Bắc Ninh": ("Bắc Ninh", MERGED), "Bắc Ninh (cũ)": ("Bắc Ninh", OLD),
                 "Bắc Giang (cũ)": ("Bắc Giang", OLD)}

DEPARTMENT = "Sở KH&CN"  # also collects the targets that no document assigns to an agency
STATISTICS_OFFICE = "Thống kê tỉnh Bắc Ninh"
UNASSIGNED_NOTE = "Chỉ tiêu chưa giao cơ quan chủ trì: Sở KH&CN tổng hợp"
# The series the TFP needs (growth accounting, docs/contracts.md "Methods"), asked of the statistics office.
TFP_SERIES = (
    ("grdp_const", "billion VND, 2010 prices", "Tổng sản phẩm trên địa bàn (GRDP) theo giá so sánh 2010"),
    ("employment", "thousand persons", "Lao động từ 15 tuổi trở lên đang làm việc (bình quân năm)"),
    ("investment_const", "billion VND, 2010 prices", "Vốn đầu tư thực hiện trên địa bàn theo giá so sánh 2010"),
    ("investment_current", "billion VND", "Vốn đầu tư thực hiện trên địa bàn theo giá hiện hành"),
)
TFP_UNITS = {indicator: unit for indicator, unit, _ in TFP_SERIES}
# Targets stated as a growth rate or an increase over a base year are computed from a yearly count: the round
# asks for the count (the base series), in this unit.
_DERIVED = re.compile(r"^(?P<base>.+?)_(?:growth_pct|increase_since_(?P<year>\d{4}))$")
BASE_UNITS = {
    # QĐ 123's patent growth targets grow KH 20's yearly counts: one reported count feeds both codes
    "ip_applications_per_year": "Đơn đăng ký",
    "patents_utility_solutions_per_year": "Sáng chế, giải pháp",
    "industrial_design_applications": "Đơn",
    "trademark_applications": "Đơn",
    "plant_variety_applications": "Đơn",
    "st_enterprises_startups": "Doanh nghiệp",
}


class RoundError(ValueError):
    """A request that cannot be written (unknown agency, wrong period)."""


def check_period(period: str) -> tuple[int, int]:
    match = PERIOD.match(str(period).strip())
    if not match:
        raise RoundError(f"the period must look like 2026-Q4 (a year and a quarter), not {period!r}")
    return int(match.group(1)), int(match.group(2))


def slug(agency: str) -> str:
    """An ASCII file name for an agency: ``Sở KH&CN`` → ``so-khcn`` (safe in e-mail, zip files and on Windows)."""
    text = unicodedata.normalize("NFD", agency.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower().replace("&", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "co-quan"


def base_indicator(indicator: str) -> str | None:
    """The yearly count a growth or increase target is computed from (``patent_applications_growth_pct``)."""
    match = _DERIVED.match(indicator)
    return match["base"] if match and match["base"] in BASE_UNITS else None


# --------------------------------------------------------------------------------------------- requests


def _held(kpi: pd.DataFrame | None, indicator: str, year: int, unit: str) -> tuple[object, str]:
    """The value the department holds for Bắc Ninh (actual first), with its source and territory."""
    if kpi is None or kpi.empty:
        return None, ""
    rows = kpi[(kpi["indicator"] == indicator) & (kpi["region"] == "Bắc Ninh") & (kpi["year"] == year)]
    if rows.empty:
        return None, ""
    rows = rows.assign(_order=rows["kind"].map({k: i for i, k in enumerate(KINDS)})).sort_values("_order")
    row = rows.iloc[0]
    territory = row.get("territory") or provinces.default_territory("Bắc Ninh", year)
    where = "Bắc Ninh cũ" if territory == OLD else "Bắc Ninh mới"
    other_unit = f", đơn vị {row['unit']}" if str(row["unit"]).strip() != unit else ""
    return float(row["value"]), f"{row['source']} [{KIND_WORDS_VI[row['kind']]}, {where}{other_unit}]"


def request_rows(targets: pd.DataFrame, kpi: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """Every value asked in the round: one row per agency, indicator and year (``agency`` + the sheet's columns)."""
    year_of_period, _ = check_period(period)
    current = targets[targets["is_current"].astype(bool)] if "is_current" in targets.columns else targets
    asked: dict[tuple[str, str], dict] = {}
    for _, t in current.sort_values("target_id").iterrows():
        agency = "" if _blank(t.get("agency")) else str(t["agency"]).strip()
        indicator, unit, name = t["indicator"], t["unit"], t["name_vi"]
        note = "" if agency else UNASSIGNED_NOTE
        base = base_indicator(indicator)
        first = FIRST_YEAR_ASKED
        if base:
            start = _DERIVED.match(indicator)["year"]
            first = min(first, int(start)) if start else first
            name = f"Số lượng trong năm (chuỗi gốc để tính chỉ tiêu: {name})"
            indicator, unit = base, BASE_UNITS[base]
        key = (agency or DEPARTMENT, indicator)
        entry = asked.setdefault(key, dict(target_ids=[], name_vi=name, unit=unit, note=note, first=first))
        entry["target_ids"].append(t["target_id"])
        entry["first"] = min(entry["first"], first)
        if agency:
            entry["note"] = ""
    rows = []
    for (agency, indicator), entry in asked.items():
        for year in range(entry["first"], year_of_period + 1):
            value, source = _held(kpi, indicator, year, entry["unit"])
            rows.append(dict(agency=agency, target_id=", ".join(entry["target_ids"]), indicator=indicator,
                             name_vi=entry["name_vi"], region="Bắc Ninh", year=year, value=None,
                             unit=entry["unit"], kind="estimate" if year == year_of_period else "actual", source="",
                             note=entry["note"], held_value=value, held_source=source))
    out = pd.concat([pd.DataFrame(rows), statistics_office_rows(period)], ignore_index=True)
    return out.sort_values(["agency", "indicator", "region", "year"], kind="stable").reset_index(drop=True)


def statistics_office_rows(period: str) -> pd.DataFrame:
    """The TFP series asked of the statistics office: the merged province up to the last full year, and the two
    old provinces up to 2024."""
    year_of_period, _ = check_period(period)
    rows = []
    for indicator, unit, name in TFP_SERIES:
        for label, last in (("Bắc Ninh", year_of_period - 1), ("Bắc Ninh (cũ)", provinces.FIRST_MERGED_YEAR - 1),
                            ("Bắc Giang (cũ)", provinces.FIRST_MERGED_YEAR - 1)):
            for year in range(TFP_FIRST_YEAR, last + 1):
                rows.append(dict(agency=STATISTICS_OFFICE, target_id="", indicator=indicator, name_vi=name,
                                 region=label, year=year, value=None, unit=unit, kind="actual", source="", note="",
                                 held_value=None, held_source=""))
    return pd.DataFrame(rows)


def guide_lines(agency: str, period: str) -> list[str]:
    year, quarter = check_period(period)
    return [
        f"Báo cáo số liệu theo dõi chỉ tiêu khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số — quý {quarter}/{year}",
        "",
        "1. Điền số liệu ở trang «Số liệu», từ dòng 3. Dòng 1 (mã cột) và dòng 2 (tên cột) giữ nguyên.",
        "   Các ô đã điền sẵn (mã, tên chỉ tiêu, địa bàn, năm, đơn vị tính) được khóa; chỉ điền các cột Giá trị, "
        "Loại số liệu, Nguồn, Ghi chú.",
        "2. Giá trị: chỉ nhập con số (ví dụ 12,5), không nhập chữ («khoảng 30», «trên 90%»), không nhập dấu %. "
        "Giải thích, nếu có, ghi ở cột Ghi chú.",
        "3. Giá trị theo đúng Đơn vị tính đã ghi. Nếu đơn vị của cơ quan khác, hãy quy đổi; không sửa cột Đơn vị tính.",
        "4. Loại số liệu: actual = số thực hiện; estimate = số ước thực hiện; plan = số kế hoạch.",
        "5. Nguồn: bắt buộc với mỗi giá trị — số và ngày của văn bản/báo cáo (ví dụ «Báo cáo số 125/BC-STC ngày 15/12/2026»).",
        "6. Địa bàn: «Bắc Ninh» là tỉnh Bắc Ninh mới (gồm Bắc Ninh và Bắc Giang cũ, từ ngày 01/7/2025) cho MỌI năm, "
        "kể cả các năm trước 2025.",
        "   Nếu số liệu một năm trước 2025 chỉ có cho tỉnh cũ, chọn «Bắc Ninh (cũ)» hoặc «Bắc Giang (cũ)» ở cột Địa bàn.",
        "7. Cột «Số liệu Sở KH&CN đang có» cho biết con số Sở đang dùng và nguồn của nó: nếu sai hoặc đã có số chính thức, "
        "hãy điền số đúng ở cột Giá trị.",
        "   Số liệu khác với số đang có không bị ghi đè mà được lưu thành một phiên bản mới, có ghi nguồn.",
        "8. Có thể thêm dòng cho các năm khác (2015–2030; chuỗi số liệu cho TFP từ 2010), chép mã chỉ tiêu, mã chỉ số "
        "và đơn vị từ dòng có sẵn.",
        "9. Dòng chưa có số liệu: để trống Giá trị và Nguồn. Không điền số ước đoán.",
        "10. Lưu tệp (định dạng .xlsx, giữ tên trang «Số liệu») và gửi lại Sở KH&CN.",
        "",
        "Mật khẩu bảo vệ trang: không có (Review → Unprotect Sheet); chỉ nhằm tránh sửa nhầm các ô điền sẵn.",
    ]


def write_workbook(rows: pd.DataFrame, agency: str, period: str, path: Path) -> Path:
    """One agency's request workbook: the data sheet per the contract and a Vietnamese instruction sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    keys = list(COLUMNS) + list(HELD_COLUMNS)
    sheet.append(keys)
    sheet.append(list(LABELS_VI) + list(HELD_LABELS_VI))
    for _, row in rows.iterrows():
        sheet.append([None if pd.isna(row[k]) or row[k] == "" else row[k] for k in keys])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text from data stays text: "=…" never becomes a formula
    last = sheet.max_row
    spare = last + 200  # room for rows the agency adds: unlocked, validated
    grey, header_fill, held_fill, input_fill = Font(color="808080", size=9), PatternFill("solid", fgColor="DDEBF7"), \
        PatternFill("solid", fgColor="EDEDED"), PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[1]:
        cell.font = grey
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    editable = {keys.index(k) + 1 for k in ("value", "kind", "source", "note")}
    for r in range(3, spare + 1):
        for c in range(1, len(keys) + 1):
            cell = sheet.cell(row=r, column=c)
            if r > last or c in editable:
                cell.protection = Protection(locked=False)
            if r <= last and c in editable and c != keys.index("note") + 1:
                cell.fill = input_fill
            if c > len(COLUMNS):
                cell.fill = held_fill
    widths = dict(target_id=14, indicator=26, name_vi=48, region=13, year=6, value=11, unit=14, kind=10, source=34,
                  note=18, held_value=16, held_source=40)
    for name in keys:
        sheet.column_dimensions[chr(ord("A") + keys.index(name))].width = widths[name]
    sheet.row_dimensions[2].height = 60
    wrapped = [keys.index(k) + 1 for k in ("target_id", "indicator", "name_vi", "note", "held_source")]
    for r in range(3, last + 1):
        lines = 1
        for c in wrapped:  # spreadsheets do not grow a row for wrapped text when exporting: set its height
            cell = sheet.cell(row=r, column=c)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            lines = max(lines, -(-len(str(cell.value or "")) // int(widths[keys[c - 1]] * 1.1)))
        sheet.row_dimensions[r].height = 15 * lines
        for c in range(1, len(keys) + 1):
            if c not in wrapped:
                sheet.cell(row=r, column=c).alignment = Alignment(vertical="top")
    sheet.freeze_panes = "C3"
    for page in (sheet,):  # printed or exported to PDF: one page wide, landscape, headers on every page
        page.page_setup.orientation = "landscape"
        page.page_setup.paperSize = page.PAPERSIZE_A4
        page.page_setup.fitToWidth, page.page_setup.fitToHeight = 1, 0
        page.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.print_area = f"A1:{chr(ord('A') + len(keys) - 1)}{last}"

    def column(name: str) -> str:
        return chr(ord("A") + keys.index(name))

    value_check = DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                                 formula2="1000000000000", allow_blank=True, showErrorMessage=True,
                                 errorTitle="Giá trị", error="Chỉ nhập con số; ghi giải thích ở cột Ghi chú.")
    kind_check = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="Loại số liệu",
                                error="actual (thực hiện), estimate (ước thực hiện) hoặc plan (kế hoạch).")
    first_year = min([YEAR_LOW] + [int(y) for y in rows["year"]])
    year_check = DataValidation(type="whole", operator="between", formula1=str(first_year), formula2=str(YEAR_HIGH),
                                allow_blank=True, showErrorMessage=True, errorTitle="Năm",
                                error=f"Năm từ {first_year} đến {YEAR_HIGH}.")
    region_check = DataValidation(type="list", formula1='"' + ",".join(REGION_LABELS) + '"', allow_blank=True,
                                  showErrorMessage=True, errorTitle="Địa bàn",
                                  error="Bắc Ninh (tỉnh mới, mọi năm), Bắc Ninh (cũ) hoặc Bắc Giang (cũ).")
    for check, name in ((value_check, "value"), (kind_check, "kind"), (year_check, "year"), (region_check, "region")):
        sheet.add_data_validation(check)
        check.add(f"{column(name)}3:{column(name)}{spare}")
    sheet.protection.sheet = True  # no password: it prevents slips, it is not a security measure
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.insertRows = False
    sheet.protection.autoFilter = False

    guide = book.create_sheet(GUIDE_SHEET)
    guide.append(["Cơ quan báo cáo", agency])
    guide.append(["Kỳ báo cáo", period])
    guide.append([])
    for line in guide_lines(agency, period):
        guide.append([line])
        guide.merge_cells(start_row=guide.max_row, start_column=1, end_row=guide.max_row, end_column=2)
    guide.column_dimensions["A"].width = 22
    guide.page_setup.orientation = "landscape"
    guide.page_setup.fitToWidth, guide.page_setup.fitToHeight = 1, 0
    guide.sheet_properties.pageSetUpPr.fitToPage = True
    guide.column_dimensions["B"].width = 110
    guide["A1"].font = guide["A2"].font = Font(bold=True)
    guide["B1"].font = Font(bold=True, size=13)
    guide["A4"].font = Font(bold=True, size=13)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_requests(targets: pd.DataFrame, kpi: pd.DataFrame | None, period: str, output_dir: Path,
                   agency: str | None = None) -> list[Path]:
    """``OUTPUT/requests/PERIOD/<slug>.xlsx`` for every agency (or the one named, matched without diacritics)."""
    rows = request_rows(targets, kpi, period)
    agencies = list(dict.fromkeys(rows["agency"]))
    if agency:
        chosen = [a for a in agencies if provinces.fold(a) == provinces.fold(agency) or slug(a) == slug(agency)]
        if not chosen:
            raise RoundError(f"no agency {agency!r} among the current targets; agencies: {', '.join(agencies)}")
        agencies = chosen
    folder = Path(output_dir) / "requests" / period
    return [write_workbook(rows[rows["agency"] == a].drop(columns=["agency"]), a, period, folder / f"{slug(a)}.xlsx")
            for a in agencies]


# --------------------------------------------------------------------------------------------- returned reports


def expected_units(targets: pd.DataFrame) -> dict[str, str]:
    """indicator → the unit a report must use (targets' units, base counts, TFP series)."""
    units = dict(TFP_UNITS)
    for indicator, unit in zip(targets["indicator"], targets["unit"]):
        base = base_indicator(indicator)
        if base:
            units[base] = BASE_UNITS[base]
        units.setdefault(indicator, unit)
    return units


def value_range(indicator: str, unit: str) -> tuple[float | None, float | None]:
    """The range a value of this indicator can take (None = open)."""
    if indicator in TFP_UNITS:
        return 0.0, None  # strictly positive, checked separately
    if indicator.endswith("_growth_pct"):
        return -100.0, None
    if indicator.endswith("_rank"):
        return 1.0, 63.0
    if indicator.endswith("_pct") or unit.strip().startswith("%"):
        return 0.0, 100.0
    return 0.0, None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)


def _fold_label(text: str) -> str:
    return re.sub(r"\s+", " ", provinces.fold(text).replace("(", " (").replace(" )", ")")).strip()


_REGION_INDEX = {_fold_label(label): target for label, target in REGION_LABELS.items()}


def parse_region(value: object, year: int | None) -> tuple[str, str]:
    text = str(value or "").strip()
    found = _REGION_INDEX.get(_fold_label(text))
    if found is None:
        raise ValueError(f"the region must be one of: {', '.join(REGION_LABELS)} (not {text!r})")
    if found[1] == OLD and year is not None and year >= provinces.FIRST_MERGED_YEAR:
        raise ValueError(f"{text} (an old province) has no figures from 2025: write Bắc Ninh for the merged province")
    return found


def parse_value(value: object) -> float:
    """A number typed in the cell; text is an error even when it reads as a number (see the README)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        reading = parse_number(text)
    except NumberError:
        raise ValueError(f"{text!r} is not a number: type the figure only (e.g. 30) and put any remark in note") \
            from None
    raise ValueError(f"{text!r} is text, not a number: type it as a number in the cell (it reads as "
                     f"{reading:g}), so that no reading has to be guessed")


def _cells(row: tuple, header: list[str]) -> dict[str, object]:
    return {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}


def read_report(path: Path, name: str, period: str, targets: pd.DataFrame, problems: list) -> pd.DataFrame:
    """The accepted rows of one returned workbook; every problem appended as ``name:row:column: message``."""
    from openpyxl import load_workbook

    from .validate import Problem

    empty = pd.DataFrame(columns=REPORT_TABLE_COLUMNS)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        problems.append(Problem(name, 1, "-", f"the Excel file cannot be opened: {exc}"))
        return empty
    try:
        if SHEET not in book.sheetnames:
            problems.append(Problem(name, 1, "-", f"no sheet named {SHEET!r} (the workbook has: "
                                                  f"{', '.join(book.sheetnames)}); return the workbook the "
                                                  "department sent, with its data sheet"))
            return empty
        rows = list(book[SHEET].iter_rows(values_only=True))
        agency = None
        if GUIDE_SHEET in book.sheetnames:
            for record in book[GUIDE_SHEET].iter_rows(min_row=1, max_row=1, values_only=True):
                agency = str(record[1]).strip() if len(record) > 1 and record[1] else None
    finally:
        book.close()
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(Problem(name, 1, missing[0], f"row 1 must hold the column keys {', '.join(COLUMNS)}; "
                                                     f"missing: {', '.join(missing)}"))
        return empty
    by_id = targets.set_index("target_id")["indicator"].to_dict() if len(targets) else {}
    units = expected_units(targets)
    agency_of = ({k: ("" if _blank(v) else v) for k, v in targets.set_index("target_id")["agency"].items()}
                 if "agency" in targets.columns else {})
    records, seen = [], {}
    for line, record in enumerate(rows[2:], start=3):
        cells = _cells(record, header)
        if all(_blank(cells.get(c)) for c in ("value", "source")):
            continue  # a row the agency did not fill
        found: list[tuple[str, str]] = []

        def bad(column: str, message: str) -> None:
            found.append((column, message))

        indicator = str(cells.get("indicator") or "").strip()
        if indicator not in units:
            bad("indicator", f"unknown indicator {indicator!r}: copy the indicator of a prefilled row")
        ids = [i.strip() for i in re.split(r"[,;]", str(cells.get("target_id") or "")) if i.strip()]
        for target_id in ids:
            if target_id not in by_id:
                bad("target_id", f"unknown target_id {target_id!r}")
            elif indicator in units and indicator not in (by_id[target_id], base_indicator(by_id[target_id])):
                bad("target_id", f"{target_id} is measured by {by_id[target_id]}, not {indicator}")
        year = None
        low = TFP_FIRST_YEAR if indicator in TFP_UNITS else YEAR_LOW  # the TFP series reach back further
        try:
            year_value = parse_number(cells.get("year"))
            if not float(year_value).is_integer() or not low <= year_value <= YEAR_HIGH:
                raise ValueError
            year = int(year_value)
        except (NumberError, ValueError, TypeError):
            bad("year", f"the year must be a whole year {low}–{YEAR_HIGH}, not {cells.get('year')!r}")
        region = territory = None
        try:
            region, territory = parse_region(cells.get("region"), year)
        except ValueError as exc:
            bad("region", str(exc))
        value = None
        if _blank(cells.get("value")):
            bad("value", "a source is given but no value: fill the value or clear the source")
        else:
            try:
                value = parse_value(cells.get("value"))
            except ValueError as exc:
                bad("value", str(exc))
        unit = str(cells.get("unit") or "").strip()
        if indicator in units and unit != units[indicator]:
            bad("unit", f"the unit was changed to {unit!r}: give the value in {units[indicator]!r} "
                        "(convert it), the unit cell stays as sent")
        if value is not None and indicator in units:
            low, high = value_range(indicator, units[indicator])
            if (indicator in TFP_UNITS and value <= 0) or (low is not None and value < low) \
                    or (high is not None and value > high):
                bounds = "positive" if indicator in TFP_UNITS else \
                    f"{low:g} to {high:g}" if high is not None else f"at least {low:g}"
                bad("value", f"{value:g} is outside the range of {units[indicator]!r} ({bounds})")
        kind = str(cells.get("kind") or "").strip()
        if kind not in KINDS:
            bad("kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        elif indicator in TFP_UNITS and kind != "actual":
            bad("kind", "the TFP series take realised figures only (kind actual): leave estimates and plans out")
        source = "" if _blank(cells.get("source")) else str(cells["source"]).strip()
        if not source:
            bad("source", "the value has no source: write the report's number and date")
        for column, message in found:
            problems.append(Problem(name, line, column, message))
        if found:
            continue
        key = (indicator, region, territory, year, kind)
        if key in seen:
            first_line, first_value = seen[key]
            if first_value != value:
                problems.append(Problem(name, line, "value",
                                        f"conflicting duplicate of row {first_line}: {indicator} {region} {year} "
                                        f"({kind}) is {first_value:g} there and {value:g} here"))
            continue
        seen[key] = (line, value)
        records.append(dict(indicator=indicator, region=region, territory=territory, year=year, value=value,
                            unit=unit, kind=kind, source=source,
                            note="" if _blank(cells.get("note")) else str(cells["note"]).strip(),
                            target_id=", ".join(ids), period=period, file=name, row=line))
    out = pd.DataFrame.from_records(records, columns=[c for c in REPORT_TABLE_COLUMNS if c != "agency"])
    if not agency:  # the instruction sheet was removed: the agency of most of its targets
        owners = [agency_of.get(i) or DEPARTMENT for ids in out["target_id"] for i in ids.split(", ") if i]
        agency = max(set(owners), key=owners.count) if owners else STATISTICS_OFFICE
    out.insert(0, "agency", agency)
    return out


REPORT_TABLE_COLUMNS = ("agency", "indicator", "region", "territory", "year", "value", "unit", "kind", "source",
                        "note", "target_id", "period", "file", "row")


def report_files(raw_dir: Path) -> list[Path]:
    folder = Path(raw_dir) / "reports"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("~$", ".")))


def validate_reports(raw_dir: Path, result) -> None:
    """Checks ``RAW/reports/YYYY-QN/*.xlsx`` into ``result`` (problems, files, and the table ``reports``)."""
    from .validate import Problem

    raw_dir = Path(raw_dir)
    targets = result.tables.get("targets")
    if targets is None:
        targets = pd.DataFrame(columns=["target_id", "indicator", "unit", "agency"])
    frames = []
    for path in report_files(raw_dir):
        name = path.relative_to(raw_dir).as_posix()
        result.files.append(path)
        parts = path.relative_to(raw_dir / "reports").parts
        if path.suffix.lower() != ".xlsx":
            result.problems.append(Problem(name, 0, "-", "only .xlsx workbooks belong in reports/ (save the "
                                                         "returned workbook as Excel .xlsx)"))
            continue
        if len(parts) != 2 or not PERIOD.match(parts[0]):
            result.problems.append(Problem(name, 0, "-", "a returned workbook belongs in reports/YYYY-QN/ "
                                                         "(e.g. reports/2026-Q4/), the period of the round"))
            continue
        frames.append(read_report(path, name, parts[0], targets, result.problems))
    reports = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REPORT_TABLE_COLUMNS)
    # Two workbooks of one period that disagree on the same fact: the department must settle it.
    key = ["period", "indicator", "region", "territory", "year", "kind"]
    for _, group in reports.groupby(key, sort=False):
        if group["value"].nunique() > 1:
            first = group.iloc[0]
            for _, row in group.iloc[1:].iterrows():
                if row["value"] != first["value"]:
                    result.problems.append(Problem(
                        row["file"], int(row["row"]), "value",
                        f"conflicting duplicate of {first['file']} row {first['row']}: {row['indicator']} "
                        f"{row['region']} {row['year']} is {first['value']:g} there and {row['value']:g} here"))
    result.tables["reports"] = reports


# --------------------------------------------------------------------------------------------- joining


def cited_source(reports: pd.DataFrame) -> pd.Series:
    """The agency's source with the report that carried it: what the tables and the brief cite."""
    return (reports["source"] + " (báo cáo " + reports["agency"] + ", kỳ " + reports["period"] + ", "
            + reports["file"] + ", dòng " + reports["row"].astype(str) + ")")


def report_kpi_rows(reports: pd.DataFrame) -> pd.DataFrame:
    """Report values of the targets' indicators as kpi_actuals rows (with ``territory`` and ``report_period``)."""
    rows = reports[~reports["indicator"].isin(list(TFP_UNITS))]
    return pd.DataFrame(dict(indicator=rows["indicator"], region=rows["region"], year=rows["year"].astype(int),
                             value=rows["value"].astype(float), unit=rows["unit"], kind=rows["kind"],
                             source=cited_source(rows), territory=rows["territory"], report_period=rows["period"]))


def report_macro_rows(reports: pd.DataFrame) -> pd.DataFrame:
    """The statistics office's series as macro rows, vintage ``[report]``."""
    rows = reports[reports["indicator"].isin(list(TFP_UNITS))]  # validation accepts only kind actual here
    return pd.DataFrame(dict(region=rows["region"], year=rows["year"].astype(int).astype(str),
                             indicator=rows["indicator"], value=rows["value"].astype(float), unit=rows["unit"],
                             source=cited_source(rows), note=("[report] " + rows["note"]).str.strip(),
                             territory=rows["territory"], report_period=rows["period"]))


# --------------------------------------------------------------------------------------------- coverage


def coverage(assessment: pd.DataFrame, reports: pd.DataFrame | None = None, period: str | None = None
             ) -> pd.DataFrame:
    """By responsible agency: targets, how many have data, and the round (returned?, values delivered, gaps).

    ``period`` defaults to the latest period among the reports (empty when there are none).
    """
    df = assessment.copy()
    df["agency"] = df["agency"].fillna("").replace("", DEPARTMENT)
    from .targets import no_verdict_reasons  # why a target has no verdict, as its assessment says

    df["no_verdict_reason"] = no_verdict_reasons(df, round_held=reports is not None and len(reports) > 0)
    df["no_data"] = df["no_verdict_reason"].isin(("not_asked", "not_returned"))
    df["one_point"] = df["n_points"] == 1
    df["two_or_more"] = df["n_points"] >= 2
    out = df.groupby("agency").agg(targets=("target_id", "size"), no_data=("no_data", "sum"),
                                   one_point=("one_point", "sum"), two_or_more=("two_or_more", "sum"))
    missing = df[df["no_data"]].groupby("agency")["target_id"].apply(lambda ids: ";".join(sorted(ids)))
    out["no_data_pct"] = (100 * out["no_data"] / out["targets"]).round(1)
    if STATISTICS_OFFICE not in out.index:
        out.loc[STATISTICS_OFFICE] = dict(targets=0, no_data=0, one_point=0, two_or_more=0, no_data_pct=float("nan"))
    out["targets_without_data"] = missing.reindex(out.index).fillna("")
    why = df[df["no_verdict_reason"] != ""].sort_values("target_id").groupby("agency").apply(
        lambda g: ";".join(f"{i}: {r}" for i, r in zip(g["target_id"], g["no_verdict_reason"])), include_groups=False)
    out["targets_no_verdict"] = why.reindex(out.index).fillna("")
    reports = reports if reports is not None else pd.DataFrame(columns=REPORT_TABLE_COLUMNS)
    if period is None:
        period = max(reports["period"], default="") if len(reports) else ""
    current = reports[reports["period"] == period] if period else reports.iloc[0:0]
    delivered = current.groupby("agency").size()
    out["period"] = period
    out["workbook_returned"] = [a in set(current["agency"]) for a in out.index]
    out["values_delivered"] = delivered.reindex(out.index).fillna(0).astype(int)
    out = out.sort_values(["no_data", "targets"], ascending=False).reset_index()
    for column in ("targets", "no_data", "one_point", "two_or_more"):
        out[column] = out[column].astype(int)
    total = dict(agency="Tổng cộng", targets=out["targets"].sum(), no_data=out["no_data"].sum(),
                 one_point=out["one_point"].sum(), two_or_more=out["two_or_more"].sum(),
                 no_data_pct=round(100 * out["no_data"].sum() / out["targets"].sum(), 1),
                 targets_without_data=";".join(sorted(df.loc[df["no_data"], "target_id"])), period=period,
                 workbook_returned=bool(out["workbook_returned"].all()),
                 values_delivered=int(out["values_delivered"].sum()))
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def latest_source(assessment: pd.DataFrame, kpi: pd.DataFrame) -> pd.Series:
    """The source of each target's latest actual value (a report's citation when a returned workbook gave it)."""
    actual = kpi[kpi["kind"] == "actual"].copy()
    actual["_report"] = actual["source"].str.contains(" (báo cáo ", regex=False).astype(int)
    actual = actual.sort_values("_report", ascending=False)
    sources = {}
    for (indicator, region, year), group in actual.groupby(["indicator", "region", "year"], sort=False):
        sources[(indicator, region, int(year))] = group["source"].iloc[0]
    out = []
    for indicator, region, year in zip(assessment["indicator"], assessment["region"], assessment["latest_year"]):
        if year is None or pd.isna(year):
            out.append("")
            continue
        base = base_indicator(indicator) or indicator
        out.append(sources.get((indicator, region, int(year))) or sources.get((base, region, int(year))) or "")
    return pd.Series(out, index=assessment.index, name="latest_source")


def report_summary(reports: pd.DataFrame) -> pd.DataFrame:
    """One row per returned workbook: agency, period, file, values accepted."""
    if reports is None or reports.empty:
        return pd.DataFrame(columns=["period", "agency", "file", "values"])
    return (reports.groupby(["period", "agency", "file"]).size().rename("values").reset_index()
            .sort_values(["period", "agency"]).reset_index(drop=True))
