"""The quarterly data round (docs/contracts.md, "The quarterly data round — contract").

``bnkpi request`` writes one workbook per responsible agency (``write_requests``); the agencies return them and
the department saves them unchanged in ``RAW/reports/YYYY-QN/``; ``bnkpi validate`` checks them
(``validate_reports``, every problem located as ``reports/YYYY-QN/file.xlsx:row:column: message``) and cleaning
joins the accepted values to the actuals (``report_kpi_rows``, ``report_macro_rows``). ``coverage`` says which
agencies returned their workbook and which targets are still without data.

Territory: in a workbook the ``region`` cell says which territory a value describes. ``Bắc Ninh`` is the province
as it is from 1 July 2025 (old Bắc Ninh + Bắc Giang) for every year, also past years; ``Bắc Ninh (cũ)`` and
``Bắc Giang (cũ)`` are the old provinces (years before 2025 only). Agencies are asked what they hold: the old
provinces before 2025 (by each indicator's harmonisation rule, ``bnkpi_utils/harmonise.py``), the merged province
from 2025. Messages about returned workbooks are Vietnamese and name the sheet and cell as Excel shows them;
``write_feedback`` writes the annotated copies ``bnkpi validate`` hands back.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path

import pandas as pd

from . import provinces
from .numbers import NumberError, format_vi, parse_number
from .safe_text import escape

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
# The weights of the ``weighted`` harmonisation rule (bnkpi_utils/harmonise.py), asked for the old provinces.
WEIGHT_SERIES = (
    ("population_avg", "persons", "Dân số trung bình (người) — trọng số để ghép số liệu hai tỉnh cũ"),
    ("grdp_current", "billion VND", "Tổng sản phẩm trên địa bàn (GRDP) theo giá hiện hành — trọng số để ghép số liệu"),
)
WEIGHT_UNITS = {indicator: unit for indicator, unit, _ in WEIGHT_SERIES}
STATISTICS_UNITS = {**TFP_UNITS, **WEIGHT_UNITS}  # the statistics office's series: macro rows, kind actual
# The statistics office's workbook shows its units in Vietnamese; either wording is accepted back and stored in the
# unit of macro.csv, so that its series join the held ones.
UNITS_VI = {"grdp_const": "tỷ đồng, giá so sánh 2010", "employment": "nghìn người",
            "investment_const": "tỷ đồng, giá so sánh 2010", "investment_current": "tỷ đồng, giá hiện hành",
            "population_avg": "người", "grdp_current": "tỷ đồng, giá hiện hành"}
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


def check_due(due: str | None) -> None:
    if due is None:
        return
    try:
        datetime.date.fromisoformat(str(due).strip())
    except ValueError:
        raise RoundError(f"the deadline must be a date YYYY-MM-DD (e.g. 2027-01-15), not {due!r}") from None


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


def _held(kpi: pd.DataFrame | None, indicator: str, year: int, unit: str, region: str = "Bắc Ninh",
          territory: str | None = None) -> tuple[object, str]:
    """The value the department holds for this territory (actual first), with its source; a value of another
    territory is never shown beside a row (copying it would be a territory error nothing detects)."""
    if kpi is None or kpi.empty:
        return None, ""
    rows = kpi[(kpi["indicator"] == indicator) & (kpi["region"] == region) & (kpi["year"] == year)]
    territory = territory or provinces.default_territory(region, year)
    if "territory" in rows.columns:
        given = rows["territory"].fillna("").astype(str)
        rows = rows[[(t or provinces.default_territory(region, year)) == territory for t in given]]
    if "derived_rule" in rows.columns:
        rows = rows[rows["derived_rule"].fillna("") == ""]  # a value built by the suite is not the agency's
    if rows.empty:
        return None, ""
    rows = rows.assign(_order=rows["kind"].map({k: i for i, k in enumerate(KINDS)})).sort_values("_order")
    row = rows.iloc[0]
    other_unit = f", đơn vị {row['unit']}" if str(row["unit"]).strip() != unit else ""
    return float(row["value"]), f"{row['source']} [{KIND_WORDS_VI[row['kind']]}{other_unit}]"


OLD_LABELS = ("Bắc Ninh (cũ)", "Bắc Giang (cũ)")


def _never_comparable(t: pd.Series) -> bool:
    """A target that can only be ``not_comparable`` (set on the 63-unit scale, measured on the 34-unit one):
    no value can change its verdict, so nothing is asked for it."""
    from .targets import MERGED_FROM, MERGER_DATE, scale_dependent

    return (int(t["target_year"]) >= MERGED_FROM and scale_dependent(t["indicator"], t["operator"])
            and str(t.get("issued", "")) < MERGER_DATE)


def _period_total(t: pd.Series) -> tuple[int, int] | None:
    """(start, end) of a target stated as a total over a period: aggregation ``period_sum``, or an older ``level``
    row whose indicator names the period (``…_2023_2025``)."""
    if _blank(t.get("period_start")) or _blank(t.get("period_end")) or base_indicator(t["indicator"]):
        return None
    if str(t.get("aggregation")) == "period_sum":
        return int(t["period_start"]), int(t["period_end"])
    if str(t.get("aggregation")) != "level":
        return None
    match = re.search(r"_(\d{4})_(\d{4})$", str(t["indicator"]))
    return (int(match[1]), int(match[2])) if match else None


def request_rows(targets: pd.DataFrame, kpi: pd.DataFrame | None, period: str,
                 macro: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every value asked in the round: one row per agency, indicator, territory and year (``agency`` + the
    sheet's columns).

    What agencies hold is asked: before 2025 the two old provinces (a ratio's numerator and denominator, by the
    indicator's harmonisation rule), from 2025 the merged province; ranks and composite indices (rule ``none``)
    only for the merged province. Targets no value can judge and series the suite computes are not asked.
    """
    from . import harmonise

    year_of_period, _ = check_period(period)
    rules = harmonise.load_rules()
    current = targets[targets["is_current"].astype(bool)] if "is_current" in targets.columns else targets
    asked: dict[tuple[str, str], dict] = {}
    for _, t in current.sort_values("target_id").iterrows():
        agency = "" if _blank(t.get("agency")) else str(t["agency"]).strip()
        indicator, unit, name = t["indicator"], t["unit"], t["name_vi"]
        rule = harmonise.rule_of(indicator, rules)
        if _never_comparable(t) or (rule is not None and rule["ask"] == "no"):
            continue
        if rule is not None and rule["quantity_vi"]:
            name = rule["quantity_vi"]
        note = "" if agency else UNASSIGNED_NOTE
        base = base_indicator(indicator)
        first = FIRST_YEAR_ASKED
        if base:
            start = _DERIVED.match(indicator)["year"]
            first = min(first, int(start)) if start else first
            base_rule = harmonise.rule_of(base, rules)
            quantity = base_rule["quantity_vi"] if base_rule is not None and base_rule["quantity_vi"] else "Số lượng"
            name = f"{quantity} (chuỗi gốc để tính chỉ tiêu: {t['name_vi']})"
            indicator, unit = base, BASE_UNITS[base]
        total = _period_total(t)
        if total:
            name = (f"{name} — số trong năm; các năm {total[0]}–{total[1]} được cộng lại để so với mục tiêu "
                    "cả giai đoạn")
        key = (agency or DEPARTMENT, indicator)
        entry = asked.setdefault(key, dict(target_ids=[], name_vi=name, unit=unit, note=note, first=first))
        entry["target_ids"].append(t["target_id"])
        entry["first"] = min(entry["first"], first)
        if agency:
            entry["note"] = ""
    rows = []

    def add(agency, entry, indicator, name, label, year, unit, kind):
        region, territory = REGION_LABELS[label]
        value, source = _held(kpi, indicator, year, unit, region, territory)
        rows.append(dict(agency=agency, target_id=", ".join(entry["target_ids"]), indicator=indicator,
                         name_vi=name, region=label, year=year, value=None, unit=unit, kind=kind, source="",
                         note=entry["note"], held_value=value, held_source=source))

    for (agency, indicator), entry in asked.items():
        rule = harmonise.rule_of(indicator, rules)
        combine = "none" if rule is None else rule["rule"]
        for year in range(entry["first"], year_of_period + 1):
            kind = "estimate" if year == year_of_period else "actual"
            if year >= provinces.FIRST_MERGED_YEAR:
                add(agency, entry, indicator, entry["name_vi"], "Bắc Ninh", year, entry["unit"], kind)
            elif combine == "ratio":
                for part, part_name, part_unit in harmonise.components(indicator, rules):
                    for label in OLD_LABELS:
                        add(agency, entry, part, f"{part_name} (để tính: {entry['name_vi']})", label, year,
                            part_unit, kind)
            elif combine in ("sum", "weighted"):
                for label in OLD_LABELS:
                    add(agency, entry, indicator, entry["name_vi"], label, year, entry["unit"], kind)
    asked_rows = pd.DataFrame(rows)
    if len(asked_rows):  # a denominator shared by two targets (all communes) is asked once, for both
        key = ["agency", "indicator", "region", "year"]
        ids = asked_rows.groupby(key, sort=False)["target_id"].agg(lambda t: ", ".join(dict.fromkeys(
            i for text in t for i in text.split(", "))))
        asked_rows = asked_rows.drop_duplicates(key).drop(columns=["target_id"]).merge(
            ids.reset_index(), on=key, how="left")[list(asked_rows.columns)]
    out = pd.concat([asked_rows, statistics_office_rows(period, macro)], ignore_index=True)
    # one block per quantity asked, year by year, the old provinces before the merged province
    order = {label: i for i, label in enumerate(OLD_LABELS + ("Bắc Ninh",))}
    return (out.assign(_group=out["target_id"].where(out["target_id"] != "", out["indicator"]),
                       _region=out["region"].map(order))
            .sort_values(["agency", "_group", "year", "_region"], kind="stable")
            .drop(columns=["_group", "_region"]).reset_index(drop=True))


VINTAGE_VI = {"report": "số báo cáo", "yearbook": "niên giám", "revised": "số điều chỉnh", "official": "số chính thức",
              "preliminary": "số sơ bộ", "estimate": "số ước tính", "early estimate": "số ước sớm",
              "secondary": "nguồn thứ cấp", "alternative": "phương án khác", "approximate": "số xấp xỉ"}


def _held_macro(macro: pd.DataFrame | None, indicator: str, label: str, year: int) -> tuple[object, str]:
    """The statistics office's own series as the department holds it (the best vintage), for its workbook."""
    if macro is None or macro.empty:
        return None, ""
    region, territory = REGION_LABELS[label]
    rows = macro[(macro["indicator"] == indicator) & (macro["region"] == region)
                 & (macro["year_start"] == year) & (macro["year_end"] == year)]
    if "territory" in rows.columns:
        rows = rows[rows["territory"].fillna(provinces.default_territory(region, year)) == territory]
    if rows.empty:
        return None, ""
    row = rows.iloc[0]
    other_unit = f", đơn vị {row['unit']}" if str(row["unit"]).strip() != STATISTICS_UNITS.get(indicator) else ""
    vintage = VINTAGE_VI.get(str(row.get("vintage", "")), str(row.get("vintage", "")))
    return float(row["value"]), f"{row['source']} [{vintage}{other_unit}]"


def statistics_office_rows(period: str, macro: pd.DataFrame | None = None) -> pd.DataFrame:
    """The TFP series asked of the statistics office: the merged province up to the last full year, and the two
    old provinces up to 2024; and the weights of the ``weighted`` harmonisation rule for the old provinces. With
    ``macro`` (the processed series), each row shows the value already held."""
    year_of_period, _ = check_period(period)
    rows = []
    series = [(i, u, n, TFP_FIRST_YEAR, True) for i, u, n in TFP_SERIES] + \
             [(i, u, n, FIRST_YEAR_ASKED, False) for i, u, n in WEIGHT_SERIES]
    for indicator, unit, name, first, merged_too in series:
        for label, last in (("Bắc Ninh", year_of_period - 1), ("Bắc Ninh (cũ)", provinces.FIRST_MERGED_YEAR - 1),
                            ("Bắc Giang (cũ)", provinces.FIRST_MERGED_YEAR - 1)):
            if label == "Bắc Ninh" and not merged_too:
                continue
            for year in range(first, last + 1):
                value, source = _held_macro(macro, indicator, label, year)
                rows.append(dict(agency=STATISTICS_OFFICE, target_id="", indicator=indicator, name_vi=name,
                                 region=label, year=year, value=None, unit=UNITS_VI.get(indicator, unit),
                                 kind="actual", source="", note="",
                                 held_value=value, held_source=source))
    return pd.DataFrame(rows)


def guide_lines(agency: str, period: str, due: str | None = None, contact: str | None = None) -> list[str]:
    year, quarter = check_period(period)
    deadline = []
    if due:
        deadline.append(f"Hạn gửi lại: {_date_vi(due)}.")
    if contact:
        deadline.append(f"Đầu mối liên hệ: {contact}.")
    statistics = agency == STATISTICS_OFFICE
    return [
        f"Báo cáo số liệu theo dõi chỉ tiêu khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số — quý {quarter}/{year}",
        *deadline,
        "",
        "1. Điền số liệu ở trang «Số liệu», từ dòng 3. Dòng 1 (mã cột) và dòng 2 (tên cột) giữ nguyên, không xóa, "
        "không chèn dòng lên trên. Không nhập số liệu ở trang khác.",
        "   Các ô đã điền sẵn (mã, tên chỉ tiêu, địa bàn, năm, đơn vị tính) được khóa; chỉ điền các cột Giá trị, "
        "Loại số liệu, Nguồn, Ghi chú. Không gộp ô (merge).",
        "2. Giá trị: chỉ nhập con số (ví dụ 12,5), không nhập chữ («khoảng 30», «trên 90%»). Với đơn vị %, nhập "
        "số phần trăm: 35 (không nhập 0,35, không nhập 35%). Giải thích, nếu có, ghi ở cột Ghi chú; "
        "không ghi con số vào cột Ghi chú.",
        "3. Giá trị theo đúng Đơn vị tính đã ghi. Nếu đơn vị của cơ quan khác, hãy quy đổi; không sửa cột Đơn vị tính.",
        ("4. Loại số liệu: actual = số thực hiện (chuỗi số liệu thống kê chỉ nhận số thực hiện)." if statistics else
         "4. Loại số liệu: actual = số thực hiện; estimate = số ước thực hiện; plan = số kế hoạch."),
        "5. Nguồn: bắt buộc với mỗi giá trị — số và ngày của văn bản/báo cáo (ví dụ «Báo cáo số 125/BC-STC ngày 15/12/2026»).",
        "6. Địa bàn: điền số liệu cơ quan đang có. Các năm trước 2025: số của từng tỉnh cũ, «Bắc Ninh (cũ)» và "
        "«Bắc Giang (cũ)», mỗi tỉnh một dòng; từ năm 2025: «Bắc Ninh» (tỉnh mới, từ ngày 01/7/2025).",
        "   Sở KH&CN tự ghép số liệu hai tỉnh cũ thành số của tỉnh mới theo quy tắc của từng chỉ tiêu (cộng; tỷ lệ "
        "tính từ tổng tử số và tổng mẫu số; bình quân gia quyền theo dân số hoặc GRDP) và ghi rõ số nào là số ghép.",
        "   Nếu cơ quan đã có số của tỉnh mới cho một năm trước 2025 (đã tính lại), có thể thêm một dòng «Bắc Ninh» "
        "cho năm đó: số này được ưu tiên dùng thay số ghép.",
        "   Thứ hạng và chỉ số tổng hợp công bố (PCI, PAR Index, SIPAS, DTI…) chỉ hỏi cho tỉnh mới, từ năm đầu "
        "tiên được công bố: không cộng được số của hai tỉnh cũ.",
        "7. Chỉ tiêu tính trên tổng cả giai đoạn (ví dụ 2023–2025): điền số của từng năm; Sở KH&CN cộng các năm lại "
        "để so với mục tiêu.",
        "8. Cột «Số liệu Sở KH&CN đang có» cho biết con số Sở đang dùng cho đúng địa bàn và năm đó, và nguồn của nó: "
        "nếu sai hoặc đã có số chính thức, hãy điền số đúng ở cột Giá trị.",
        "   Số liệu khác với số đang có không bị ghi đè mà được lưu thành một phiên bản mới, có ghi nguồn.",
        "9. Có thể thêm dòng cho các năm khác (2015–2030; chuỗi số liệu cho TFP từ 2010) ở cuối bảng, chép mã chỉ "
        "tiêu, mã chỉ số và đơn vị từ dòng có sẵn.",
        "10. Dòng chưa có số liệu: để trống Giá trị và Nguồn. Không điền số ước đoán.",
        "11. Lưu tệp (định dạng .xlsx, giữ tên trang «Số liệu») và gửi lại Sở KH&CN. Nếu tệp có lỗi, Sở gửi lại "
        "bản có đánh dấu ô cần sửa (trang «Lỗi cần sửa»).",
        "",
        "Mật khẩu bảo vệ trang: không có (Review → Unprotect Sheet); chỉ nhằm tránh sửa nhầm các ô điền sẵn.",
    ]


def _date_vi(text: str) -> str:
    """``2027-01-15`` → ``15/01/2027`` (the way a Vietnamese document writes a date)."""
    try:
        return datetime.date.fromisoformat(str(text).strip()).strftime("%d/%m/%Y")
    except ValueError:
        return str(text).strip()


def write_workbook(rows: pd.DataFrame, agency: str, period: str, path: Path, due: str | None = None,
                   contact: str | None = None) -> Path:
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
    for line in guide_lines(agency, period, due, contact):
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
                   agency: str | None = None, macro: pd.DataFrame | None = None, due: str | None = None,
                   contact: str | None = None) -> list[Path]:
    """``OUTPUT/requests/PERIOD/<slug>.xlsx`` for every agency (or the one named, matched without diacritics)."""
    rows = request_rows(targets, kpi, period, macro)
    agencies = list(dict.fromkeys(rows["agency"]))
    if agency:
        chosen = [a for a in agencies if provinces.fold(a) == provinces.fold(agency) or slug(a) == slug(agency)]
        if not chosen:
            raise RoundError(f"no agency {agency!r} among the current targets; agencies: {', '.join(agencies)}")
        agencies = chosen
    folder = Path(output_dir) / "requests" / period
    return [write_workbook(rows[rows["agency"] == a].drop(columns=["agency"]), a, period, folder / f"{slug(a)}.xlsx",
                           due, contact)
            for a in agencies]


# --------------------------------------------------------------------------------------------- returned reports


def expected_units(targets: pd.DataFrame) -> dict[str, str]:
    """indicator → the unit a report must use (targets' units, base counts, TFP series)."""
    from . import harmonise

    units = dict(STATISTICS_UNITS)
    for indicator, unit in zip(targets["indicator"], targets["unit"]):
        base = base_indicator(indicator)
        if base:
            units[base] = BASE_UNITS[base]
        units.setdefault(indicator, unit)
        for part, _, part_unit in harmonise.components(indicator):  # a ratio's numerator and denominator
            units.setdefault(part, part_unit)
    return units


def measures(indicator: str) -> tuple[str, ...]:
    """The indicators a workbook row of a target of ``indicator`` may carry: itself, its base count, and a ratio's
    numerator and denominator."""
    from . import harmonise

    return (indicator, base_indicator(indicator) or indicator) + tuple(p for p, _, _ in harmonise.components(indicator))


def value_range(indicator: str, unit: str) -> tuple[float | None, float | None]:
    """The range a value of this indicator can take (None = open)."""
    if indicator in STATISTICS_UNITS:
        return 0.0, None  # strictly positive, checked separately
    if indicator.endswith("_growth_pct"):
        return -100.0, None
    if indicator.endswith("_rank"):
        return 1.0, 63.0
    if indicator.endswith("_pct") or unit.strip().startswith("%"):
        return 0.0, 100.0
    return 0.0, None


def _formulas_without_results(path: Path, values: list[list]) -> dict[tuple[int, int], str]:
    """(row, column) → formula text of the cells of the data sheet that hold a formula whose result the file
    does not store (a workbook written by a program, not saved by Excel or LibreOffice): read with the results,
    such a cell is empty. Opened a second time only when the file holds a formula at all."""
    import zipfile

    from .io import load_workbook

    with zipfile.ZipFile(path) as archive:
        if not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in archive.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            return {}
    book = load_workbook(path)
    try:
        found = {}
        for row in book[SHEET].iter_rows():
            for cell in row:
                text = cell.value
                if isinstance(text, str) and text.startswith("=") and cell.row <= len(values) \
                        and cell.column <= len(values[cell.row - 1]) and values[cell.row - 1][cell.column - 1] is None:
                    found[(cell.row, cell.column)] = text
        return found
    finally:
        book.close()


def _as_typed(cell, fallback: str) -> str:
    """The place as the agency's row writes it («Bắc Ninh (cũ)»), not the suite's normalised name."""
    return fallback if _blank(cell) else " ".join(str(cell).split())


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)


def _fold_label(text: str) -> str:
    return re.sub(r"\s+", " ", provinces.fold(text).replace("(", " (").replace(" )", ")")).strip()


_REGION_INDEX = {_fold_label(label): target for label, target in REGION_LABELS.items()}


def parse_region(value: object, year: int | None) -> tuple[str, str]:
    text = str(value or "").strip()
    found = _REGION_INDEX.get(_fold_label(text))
    if found is None:
        raise ValueError(f"Địa bàn phải là một trong: {', '.join(REGION_LABELS)} (ô đang ghi {typed(text)})")
    if found[1] == OLD and year is not None and year >= provinces.FIRST_MERGED_YEAR:
        raise ValueError(f"{text} là tỉnh cũ, không có số liệu từ năm 2025: ghi «Bắc Ninh» (tỉnh mới)")
    return found


def parse_value(value: object, number_format: str = "General") -> float:
    """A number typed in the cell; text is an error even when it reads as a number (see the README)."""
    if isinstance(value, bool):
        raise ValueError(f"{typed(value)} không phải là con số")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise ValueError(f"ô chứa ngày tháng {typed(value)}, không phải con số: nhập con số (ví dụ 30)")
    text = str(value).strip()
    try:
        reading = parse_number(text)
    except NumberError:
        raise ValueError(f"{typed(text)} không phải là con số: chỉ nhập con số (ví dụ 30), lời giải thích ghi ở "
                         "cột Ghi chú") from None
    raise ValueError(f"{typed(text)} được nhập dưới dạng chữ, không phải con số: nhập lại thành số trong ô "
                     f"(đọc được là {format_vi(reading, 6).rstrip('0').rstrip(',')}) để không phải đoán cách đọc")


def typed(value: object, number_format: str = "General") -> str:
    """The cell as the clerk sees it in Excel: ``«31/12/2024»``, ``«12,5»``, ``«35%»``, ``«khoảng 30»``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(ô trống)"
    if isinstance(value, datetime.datetime) and (value.hour, value.minute, value.second) == (0, 0, 0):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, datetime.datetime):
        text = value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, datetime.date):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, (int, float)):
        if "%" in str(number_format):
            text = format_vi(100 * float(value), 6).rstrip("0").rstrip(",") + "%"
        else:
            text = format_vi(float(value), 6).rstrip("0").rstrip(",") if float(value) % 1 else \
                format_vi(float(value), 0)
    else:
        text = str(value)
    return f"«{text}»"


def _cells(row: tuple, header: list[str]) -> dict[str, object]:
    return {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


LABEL_OF = dict(zip(COLUMNS + HELD_COLUMNS, LABELS_VI + HELD_LABELS_VI))
_NUMBER_IN_NOTE = re.compile(r"^\s*(khoảng|trên|dưới|gần|đạt|ước|~|>|<|≥|≤)?\s*[-+]?\d[\d.,]*\s*(%|phần trăm)?\s*$",
                             re.IGNORECASE)
# A value v ≤ 1 in a % row is read as a fraction typed for a percent when 100·v lies within this factor of a held or
# neighbouring value above 1 of the same indicator (0,35 beside 30: yes; 0,2 beside 3: no, a real small share).
PERCENT_MATCH = (0.5, 2.0)


def _where(sheet: str, column: int | None, row: int, key: str) -> str:
    cell = f"ô {column_letter(column)}{row}" if column else f"dòng {row}"
    label = f" (cột {LABEL_OF[key]})" if key in LABEL_OF else ""
    return f"Trang «{sheet}», {cell}{label}: "


def _label_row_problem(labels: list[object], header: list[str], units: dict[str, str]) -> str | None:
    """Why row 2 does not hold the Vietnamese labels (deleted, overwritten by data, or altered), or None."""
    cells = {h: labels[i] if i < len(labels) else None for i, h in enumerate(header) if h}
    if all(str(cells.get(k) or "").strip() == label for k, label in zip(COLUMNS, LABELS_VI)):
        return None
    looks_like_data = str(cells.get("indicator") or "").strip() in units or isinstance(cells.get("year"), (int, float))
    if looks_like_data:
        return ("dòng 2 phải là dòng tên cột (Mã chỉ tiêu, Mã chỉ số, …) nhưng đang chứa số liệu: dòng tên cột đã bị "
                "xóa, nên dòng số liệu đầu tiên bị đẩy lên. Khôi phục dòng 2 (dán lại từ tệp Sở gửi) để không mất "
                "dòng số liệu này")
    changed = [LABEL_OF[k] for k, label in zip(COLUMNS, LABELS_VI) if str(cells.get(k) or "").strip() != label]
    return (f"dòng 2 (tên cột) đã bị sửa ở: {', '.join(changed)}. Giữ nguyên dòng 1 và dòng 2 như tệp Sở gửi, "
            "để các cột được đọc đúng")


def read_report(path: Path, name: str, period: str, targets: pd.DataFrame, problems: list) -> pd.DataFrame:
    """The accepted rows of one returned workbook; every problem appended as ``name:row:column: message``, the
    message in Vietnamese, naming the sheet, the cell as Excel shows it and the value as the clerk typed it."""
    from openpyxl import load_workbook

    from .validate import Problem
    from .io import load_workbook  # noqa: F811 - openpyxl's within io's limits, every row whatever the dimension

    empty = pd.DataFrame(columns=REPORT_TABLE_COLUMNS)
    try:
        book = load_workbook(path, data_only=True)  # not read-only: merged cells and number formats are needed
    except Exception as exc:  # openpyxl raises many types for a broken file
        problems.append(Problem(name, 1, "-", f"Không mở được tệp Excel ({type(exc).__name__}): lưu lại tệp dưới "
                                              "dạng Excel .xlsx và gửi lại"))
        return empty
    try:
        if SHEET not in book.sheetnames:
            problems.append(Problem(name, 1, "-", f"Không có trang «{SHEET}» (tệp có các trang: "
                                                  f"{', '.join(book.sheetnames)}): dùng đúng tệp Sở gửi, giữ tên "
                                                  f"trang «{SHEET}»"))
            return empty
        sheet = book[SHEET]
        # data typed on another sheet would be silently ignored: say where it is
        for other in book.worksheets:
            if other.title in (SHEET, GUIDE_SHEET):
                continue
            filled = [c for row in other.iter_rows() for c in row if not _blank(c.value)]
            if filled:
                problems.append(Problem(name, filled[0].row, "-", (
                    f"Trang «{other.title}», ô {filled[0].coordinate}: trang này có {len(filled)} ô có dữ liệu, "
                    f"nhưng Sở chỉ đọc trang «{SHEET}». Chuyển số liệu sang trang «{SHEET}» (thêm dòng ở cuối "
                    "bảng) rồi xóa trang này")))
        merged = [r for r in sheet.merged_cells.ranges if r.max_row >= 2]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        unresolved = _formulas_without_results(path, rows)
        formats = [[c.number_format for c in row] for row in sheet.iter_rows()]
        agency = None
        if GUIDE_SHEET in book.sheetnames:
            first = book[GUIDE_SHEET]["B1"].value
            agency = str(first).strip() if first else None
    finally:
        book.close()
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(Problem(name, 1, missing[0], (
            f"Trang «{SHEET}», dòng 1: dòng 1 phải giữ nguyên mã cột ({', '.join(COLUMNS)}); đang thiếu: "
            f"{', '.join(missing)}. Dán lại dòng 1 từ tệp Sở gửi")))
        return empty
    col = {key: header.index(key) + 1 for key in header if key}
    by_id = targets.set_index("target_id")["indicator"].to_dict() if len(targets) else {}
    units = expected_units(targets)
    label_problem = _label_row_problem(rows[1] if len(rows) > 1 else [], header, units)
    if label_problem:
        problems.append(Problem(name, 2, "-", f"Trang «{SHEET}», dòng 2: {label_problem}"))
        return empty  # the rows cannot be read without guessing which one was lost
    covered: dict[tuple[int, int], str] = {}  # (row, column) inside a merged range → the range
    for block in merged:
        problems.append(Problem(name, max(block.min_row, 3), header[block.min_col - 1] or "-", (
            f"Trang «{SHEET}», các ô {block.coord} bị gộp (merge): Excel chỉ giữ nội dung ở ô đầu "
            f"{column_letter(block.min_col)}{block.min_row}, các ô còn lại bị coi là trống. Bỏ gộp ô "
            "(Unmerge) và điền riêng cho từng dòng")))
        for r in range(block.min_row, block.max_row + 1):
            for c in range(block.min_col, block.max_col + 1):
                covered[(r, c)] = block.coord
    agency_of = ({k: ("" if _blank(v) else v) for k, v in targets.set_index("target_id")["agency"].items()}
                 if "agency" in targets.columns else {})
    # neighbouring values of each indicator in this workbook, for the percent-as-fraction check
    numbers: dict[str, list[float]] = {}
    for record in rows[2:]:
        cells = _cells(record, header)
        for key in ("value", "held_value"):
            if isinstance(cells.get(key), (int, float)) and not isinstance(cells.get(key), bool):
                numbers.setdefault(str(cells.get("indicator") or "").strip(), []).append(float(cells[key]))
    records, seen = [], {}
    for line, record in enumerate(rows[2:], start=3):
        cells = _cells(record, header)
        fmt = {k: (formats[line - 1][i] if i < len(formats[line - 1]) else "General") for i, k in enumerate(header) if k}
        found: list[tuple[str, str]] = []

        def bad(column: str, message: str) -> None:
            found.append((column, _where(SHEET, col.get(column), line, column) + message))

        note = "" if _blank(cells.get("note")) else str(cells["note"]).strip()
        formula = unresolved.get((line, col["value"]))
        if formula:  # read as an empty cell otherwise: the row would pass as one the agency did not fill
            problems.append(Problem(name, line, "value", _where(SHEET, col["value"], line, "value") + (
                f"ô có công thức {typed(formula)} nhưng tệp không lưu kết quả của công thức: nhập con số, hoặc mở "
                "tệp bằng Excel hay LibreOffice rồi lưu lại")))
            continue
        if all(_blank(cells.get(c)) for c in ("value", "source")):
            if note and _NUMBER_IN_NOTE.match(note):
                bad("note", f"có con số {typed(note)} ở cột Ghi chú nhưng cột Giá trị trống: nhập con số vào ô "
                            f"{column_letter(col['value'])}{line} (cột Giá trị) và ghi nguồn; cột Ghi chú chỉ để "
                            "giải thích")
                for column, message in found:
                    problems.append(Problem(name, line, column, message))
            continue  # a row the agency did not fill

        indicator = str(cells.get("indicator") or "").strip()
        if indicator not in units:
            bad("indicator", f"mã chỉ số {typed(indicator)} không có trong danh mục: chép mã chỉ số từ một dòng có sẵn")
        ids = [i.strip() for i in re.split(r"[,;]", str(cells.get("target_id") or "")) if i.strip()]
        for target_id in ids:
            if target_id not in by_id:
                bad("target_id", f"mã chỉ tiêu {typed(target_id)} không có trong danh mục chỉ tiêu")
            elif indicator in units and indicator not in measures(by_id[target_id]):
                bad("target_id", f"chỉ tiêu {target_id} được đo bằng {by_id[target_id]}, không phải {indicator}")
        year = None
        low = TFP_FIRST_YEAR if indicator in STATISTICS_UNITS else YEAR_LOW  # the TFP series reach back further
        try:
            year_value = cells.get("year")
            if isinstance(year_value, (datetime.date, datetime.datetime)):
                raise ValueError
            year_value = parse_number(year_value)
            if not float(year_value).is_integer() or not low <= year_value <= YEAR_HIGH:
                raise ValueError
            year = int(year_value)
        except (NumberError, ValueError, TypeError):
            bad("year", f"năm phải là một năm từ {low} đến {YEAR_HIGH} (ví dụ 2024), ô đang ghi "
                        f"{typed(cells.get('year'), fmt.get('year', 'General'))}")
        region = territory = None
        try:
            region, territory = parse_region(cells.get("region"), year)
        except ValueError as exc:
            bad("region", str(exc))
        value = None
        value_cell = (line, col["value"])
        if _blank(cells.get("value")):
            if value_cell in covered:
                pass  # said once for the merged range
            elif note and _NUMBER_IN_NOTE.match(note):
                bad("note", f"có con số {typed(note)} ở cột Ghi chú nhưng cột Giá trị trống: nhập con số vào ô "
                            f"{column_letter(col['value'])}{line} (cột Giá trị); cột Ghi chú chỉ để giải thích")
            else:
                bad("value", "có nguồn nhưng chưa có giá trị: điền giá trị, hoặc xóa nguồn nếu chưa có số liệu")
        else:
            try:
                value = parse_value(cells.get("value"))
            except ValueError as exc:
                bad("value", str(exc))
        unit = str(cells.get("unit") or "").strip()
        if indicator in UNITS_VI and unit == UNITS_VI[indicator]:
            unit = units[indicator]  # stored in the unit of macro.csv
        if indicator in units and unit != units[indicator]:
            bad("unit", f"đơn vị tính đã bị sửa thành {typed(unit)}: giữ nguyên đơn vị "
                        f"«{UNITS_VI.get(indicator, units[indicator])}» và quy đổi giá trị theo đơn vị đó")
        is_percent = indicator in units and (units[indicator].startswith("%") or indicator.endswith("_pct"))
        if value is not None and is_percent and "%" in str(fmt.get("value", "")):
            bad("value", f"ô được định dạng phần trăm nên Excel lưu {typed(cells['value'], fmt['value'])} thành "
                         f"{format_vi(value, 4).rstrip('0').rstrip(',')}: nhập số phần trăm trong ô định dạng số "
                         f"(ví dụ 35, không phải 35% hay 0,35)")
            value = None
        elif value is not None and is_percent and 0 < value <= 1:
            near = [n for n in numbers.get(indicator, [])
                    if n > 1 and PERCENT_MATCH[0] <= 100 * value / n <= PERCENT_MATCH[1]]
            if near:
                bad("value", f"{typed(cells['value'])} có vẻ là tỷ lệ thập phân trong khi các số khác của chỉ tiêu này "
                             f"là số phần trăm (ví dụ {format_vi(max(near), 2)}): nhập số phần trăm, ví dụ "
                             f"{format_vi(100 * value, 2).rstrip('0').rstrip(',')} chứ không phải "
                             f"{format_vi(value, 4).rstrip('0').rstrip(',')}")
                value = None
        if value is not None and indicator in units:
            low, high = value_range(indicator, units[indicator])
            if (indicator in STATISTICS_UNITS and value <= 0) or (low is not None and value < low) \
                    or (high is not None and value > high):
                bounds = "lớn hơn 0" if indicator in STATISTICS_UNITS else \
                    f"từ {format_vi(low, 0)} đến {format_vi(high, 0)}" if high is not None else \
                    f"từ {format_vi(low, 0)} trở lên"
                bad("value", f"{typed(cells['value'])} nằm ngoài khoảng hợp lệ của đơn vị «{units[indicator]}» "
                             f"({bounds})")
        kind = str(cells.get("kind") or "").strip()
        if kind not in KINDS:
            bad("kind", f"Loại số liệu phải là actual (thực hiện), estimate (ước thực hiện) hoặc plan (kế hoạch), ô "
                        f"đang ghi {typed(cells.get('kind'))}")
        elif indicator in STATISTICS_UNITS and kind != "actual":
            bad("kind", "chuỗi số liệu thống kê chỉ nhận số thực hiện (actual): bỏ số ước và số kế hoạch")
        source = "" if _blank(cells.get("source")) else str(cells["source"]).strip()
        if not source and (line, col["source"]) not in covered:
            bad("source", "giá trị chưa có nguồn: ghi số và ngày của văn bản, báo cáo")
        elif not source:
            found.append(("source", ""))  # inside a merged range: already reported, the row is not accepted
        for column, message in found:
            if message:
                problems.append(Problem(name, line, column, message))
        if found:
            continue
        key = (indicator, region, territory, year, kind)
        if key in seen:
            first_line, first_value = seen[key]
            if first_value != value:
                problems.append(Problem(name, line, "value", _where(SHEET, col["value"], line, "value") + (
                    f"trùng với dòng {first_line} ({indicator}, {_as_typed(cells.get('region'), region)}, {year}, "
                    f"{kind}) nhưng khác số: "
                    f"{format_vi(first_value, 6).rstrip('0').rstrip(',')} ở dòng đó, "
                    f"{format_vi(value, 6).rstrip('0').rstrip(',')} ở dòng này: giữ một dòng đúng")))
            continue
        seen[key] = (line, value)
        records.append(dict(indicator=indicator, region=region, territory=territory, year=year, value=value,
                            unit=unit, kind=kind, source=source, note=note,
                            target_id=", ".join(ids), period=period, file=name, row=line))
    out = pd.DataFrame.from_records(records, columns=[c for c in REPORT_TABLE_COLUMNS if c != "agency"])
    if not agency:  # the instruction sheet was removed: the agency of most of its targets
        owners = [agency_of.get(i) or DEPARTMENT for ids in out["target_id"] for i in ids.split(", ") if i]
        agency = max(set(owners), key=owners.count) if owners else STATISTICS_OFFICE
    out.insert(0, "agency", agency)
    return out


REPORT_TABLE_COLUMNS = ("agency", "indicator", "region", "territory", "year", "value", "unit", "kind", "source",
                        "note", "target_id", "period", "file", "row")


def report_files(raw_dir: Path, result=None) -> list[Path]:
    """The files of ``RAW/reports/``; with a validation ``result``, every entry checked into it first
    (validate.report_workbooks: links out, pipes, folders named like workbooks, limits, hidden sheets, periods)."""
    if result is not None:
        from .validate import report_workbooks

        return report_workbooks(raw_dir, result)
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
    for path in report_files(raw_dir, result):
        name = path.relative_to(raw_dir).as_posix()
        result.files.append(path)
        parts = path.relative_to(raw_dir / "reports").parts
        if path.suffix.lower() != ".xlsx":
            result.problems.append(Problem(name, 0, "-", "Thư mục reports/ chỉ nhận tệp Excel .xlsx: mở tệp và lưu "
                                                         "lại dưới dạng Excel .xlsx (File → Save As → .xlsx)"))
            continue
        if len(parts) != 2 or not PERIOD.match(parts[0]):
            result.problems.append(Problem(name, 0, "-", "Tệp báo cáo gửi lại phải nằm trong thư mục của kỳ báo "
                                                         "cáo, reports/YYYY-QN/ (ví dụ reports/2026-Q4/)"))
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
                        f"Trang «{SHEET}», dòng {row['row']} (cột Giá trị): {row['indicator']} {row['region']} "
                        f"{row['year']} đã có trong {first['file']} dòng {first['row']} với số "
                        f"{format_vi(first['value'], 6).rstrip('0').rstrip(',')}, ở đây là "
                        f"{format_vi(row['value'], 6).rstrip('0').rstrip(',')}: hai cơ quan báo cáo khác nhau, "
                        "Sở KH&CN cần thống nhất một số"))
    result.tables["reports"] = reports


FEEDBACK_SHEET = "Lỗi cần sửa"


def write_feedback(raw_dir: Path, problems: list, output_dir: Path) -> list[Path]:
    """For each returned workbook with problems, an annotated copy ``OUTPUT/feedback/YYYY-QN/<file>.xlsx``: each
    problem cell highlighted with a comment, and a sheet «Lỗi cần sửa» listing them. The department can send it
    back unchanged. The returned file itself is only read."""
    from .io import load_workbook  # within io's size limits; never opens a FIFO
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    raw_dir, output_dir = Path(raw_dir), Path(output_dir)
    by_file: dict[str, list] = {}
    for problem in problems:
        parts = Path(problem.file).parts
        if len(parts) == 3 and parts[0] == "reports" and PERIOD.match(parts[1]) and parts[2].lower().endswith(".xlsx"):
            by_file.setdefault(problem.file, []).append(problem)
    written = []
    for name, found in by_file.items():
        try:
            book = load_workbook(raw_dir / name)
        except Exception:  # a file that cannot be opened gets its message in the terminal only
            continue
        sheet = book[SHEET] if SHEET in book.sheetnames else None
        header = [str(c.value).strip() if c.value is not None else "" for c in sheet[1]] if sheet else []
        mark = PatternFill("solid", fgColor="FFC7CE")
        listed = []
        for problem in sorted(found, key=lambda p: (p.row, p.column)):
            cell = None
            if sheet is not None and problem.row >= 1 and problem.column in header:
                cell = sheet.cell(row=problem.row, column=header.index(problem.column) + 1)
                for merged in sheet.merged_cells.ranges:  # a comment goes on the range's first cell
                    if cell.coordinate in merged:
                        cell = sheet.cell(row=merged.min_row, column=merged.min_col)
                cell.fill = mark
                previous = cell.comment.text + "\n" if cell.comment else ""
                comment = Comment(previous + problem.message, "Sở KH&CN")
                comment.width, comment.height = 420, 160
                cell.comment = comment
            listed.append((cell.coordinate if cell is not None else "", problem.row or "", problem.message,
                           typed(cell.value, cell.number_format) if cell is not None else ""))
        if FEEDBACK_SHEET in book.sheetnames:
            del book[FEEDBACK_SHEET]
        errors = book.create_sheet(FEEDBACK_SHEET, 0)
        errors.append([f"Tệp {escape(Path(name).name)}: {len(listed)} lỗi cần sửa. Sửa các ô tô màu đỏ ở trang «{SHEET}» "
                       "(di chuột vào ô để xem ghi chú), rồi gửi lại tệp cho Sở KH&CN."])
        errors.append(["Ô", "Dòng", "Nội dung cần sửa", "Ô đang ghi"])
        for row in listed:
            errors.append(list(row))
        errors["A1"].font = Font(bold=True, size=12)
        for cell in errors[2]:
            cell.font = Font(bold=True)
        errors.column_dimensions["A"].width, errors.column_dimensions["B"].width = 8, 7
        errors.column_dimensions["C"].width, errors.column_dimensions["D"].width = 100, 18
        for row in errors.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=cell.column == 3, vertical="top")
            errors.row_dimensions[row[0].row].height = 15 * max(1, -(-len(str(row[2].value or "")) // 95))
        errors.page_setup.orientation = "landscape"  # printed or exported: the whole list on the page width
        errors.page_setup.fitToWidth, errors.page_setup.fitToHeight = 1, 0
        errors.sheet_properties.pageSetUpPr.fitToPage = True
        errors.print_title_rows = "2:2"
        book.active = 0
        target = output_dir / "feedback" / Path(name).relative_to("reports")
        target.parent.mkdir(parents=True, exist_ok=True)
        book.save(target)
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------- joining


def cited_source(reports: pd.DataFrame) -> pd.Series:
    """The agency's source with the report that carried it: what the tables and the brief cite."""
    return (reports["source"] + " (báo cáo " + reports["agency"] + ", kỳ " + reports["period"] + ", "
            + reports["file"] + ", dòng " + reports["row"].astype(str) + ")")


def report_kpi_rows(reports: pd.DataFrame) -> pd.DataFrame:
    """Report values of the targets' indicators as kpi_actuals rows (with ``territory`` and ``report_period``)."""
    rows = reports[~reports["indicator"].isin(list(STATISTICS_UNITS))]
    return pd.DataFrame(dict(indicator=rows["indicator"], region=rows["region"], year=rows["year"].astype(int),
                             value=rows["value"].astype(float), unit=rows["unit"], kind=rows["kind"],
                             source=cited_source(rows), territory=rows["territory"], report_period=rows["period"]))


def report_macro_rows(reports: pd.DataFrame) -> pd.DataFrame:
    """The statistics office's series as macro rows, vintage ``[report]``."""
    rows = reports[reports["indicator"].isin(list(STATISTICS_UNITS))]  # validation accepts only kind actual here
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
    # an agency asked nothing gets no workbook: it has not "not returned" one (empty, read as "not asked")
    out["workbook_returned"] = out["workbook_returned"].astype(object)
    out.loc[[not _asked(df[df["agency"] == a]) and a != STATISTICS_OFFICE and not r
             for a, r in zip(out.index, out["workbook_returned"])], "workbook_returned"] = pd.NA
    out["values_delivered"] = delivered.reindex(out.index).fillna(0).astype(int)
    returned = set(current["agency"])
    reasons = {agency: [] for agency in out.index}
    for _, row in df.iterrows():
        why = no_verdict_reason(row, row["agency"] in returned or not period)
        if why:
            reasons[row["agency"]].append(f"{row['target_id']} ({why})")
    out["no_verdict"] = [len(reasons[a]) for a in out.index]
    out["why_no_verdict"] = ["; ".join(reasons[a]) for a in out.index]
    out = out.sort_values(["no_data", "targets"], ascending=False).reset_index()
    for column in ("targets", "no_data", "one_point", "two_or_more"):
        out[column] = out[column].astype(int)
    total = dict(agency="Tổng cộng", targets=out["targets"].sum(), no_data=out["no_data"].sum(),
                 one_point=out["one_point"].sum(), two_or_more=out["two_or_more"].sum(),
                 no_data_pct=round(100 * out["no_data"].sum() / out["targets"].sum(), 1),
                 targets_without_data=";".join(sorted(df.loc[df["no_data"], "target_id"])), period=period,
                 workbook_returned=bool(out["workbook_returned"].dropna().all()),
                 values_delivered=int(out["values_delivered"].sum()), no_verdict=int(out["no_verdict"].sum()),
                 why_no_verdict="; ".join(w for w in out["why_no_verdict"] if w))
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


VERDICT_STATUSES = ("achieved", "not_achieved", "on_track", "at_risk", "off_track")
NO_VERDICT_VI = {
    "not_comparable": "không so sánh được: số liệu nào cũng không đổi được kết luận",
    "not_asked": "không hỏi: Sở tự tính hoặc đã có số công bố",
    "not_returned": "cơ quan chưa gửi báo cáo",
    "later_year": "cần số liệu năm sau",
    "no_data": "chưa có số liệu",
    "other_territory": "chỉ có số liệu tỉnh cũ, chưa ghép được",
}


def _asked(targets: pd.DataFrame) -> bool:
    """Whether the round asks an agency anything: some comparable target whose indicator is asked (harmonise rule)."""
    from . import harmonise

    indicators = targets["indicator"].astype(str) if "indicator" in targets else [""] * len(targets)
    for indicator, status in zip(indicators, targets["status"]):
        if status == "not_comparable":  # no value can change its verdict: nothing is asked for it
            continue
        rule = harmonise.rule_of(indicator)
        if rule is None or rule["ask"] != "no":
            return True
    return False


def no_verdict_reason(row: pd.Series, returned: bool) -> str:
    """Why a target has no verdict yet, in the terms of the round ("" when it has one): not comparable, not asked,
    workbook not returned, needs a later year, or no data."""
    from . import harmonise

    if row.get("status") in VERDICT_STATUSES:
        return ""
    if row.get("status") == "not_comparable":
        return NO_VERDICT_VI["not_comparable"]
    rule = harmonise.rule_of(str(row.get("indicator")))
    method = str(row.get("method") or "")
    if method in ("period_not_started", "one_point") or method.startswith("one_"):
        return NO_VERDICT_VI["later_year"]
    if method.endswith("_territory_only"):
        return NO_VERDICT_VI["other_territory"]
    if rule is not None and rule["ask"] == "no":
        return NO_VERDICT_VI["not_asked"]
    return NO_VERDICT_VI["no_data"] if returned else NO_VERDICT_VI["not_returned"]


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
