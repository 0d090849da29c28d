"""Checks on the meaning of the raw data, after every cell has been read and typed (validate.py).

Parsing proves that a cell is a number or a province; these checks prove that the tables can be analysed:
the required tables have rows, the province the suite reports on is there, nothing is dated in the future,
no target is due before its document was issued, and every value lies in the plausible range of its unit
(data/raw/README.md, "What validation checks beyond the format").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import provinces
from .schema import TABLES


@dataclass(frozen=True)
class UnitRange:
    """The values a unit can take: ``pattern`` matches the unit in lower case."""

    pattern: str
    label: str
    low: float
    high: float
    label_vi: str = ""

    def matches(self, unit: str) -> bool:
        return re.search(self.pattern, unit) is not None


# First match wins. Counts and amounts cannot be negative; the upper bounds are an order of magnitude or
# more above anything Việt Nam as a whole reaches, so they only catch typing and export accidents.
UNIT_RANGES: tuple[UnitRange, ...] = (
    UnitRange(r"^(%|percent)", "a percentage (a share or a growth rate)", -100, 1000, "tỷ lệ phần trăm"),
    UnitRange(r"^(points|điểm)\b", "a score out of 100", 0, 100, "điểm trên thang 100"),
    UnitRange(r"^index \(0-1\)$", "an index from 0 to 1", 0, 1, "chỉ số từ 0 đến 1"),
    UnitRange(r"^(thứ bậc|rank\b)", "a rank among the provinces", 1, 63, "thứ hạng giữa các tỉnh, thành phố"),
    UnitRange(r"^(works|tasks|enterprises|organi[sz]ations|certificates|initiatives|patents|projects|articles|"
              r"applications|công trình|doanh nghiệp|nhiệm vụ|tổ chức|sáng chế|dự án|bài báo|đơn đăng ký|đơn|"
              r"sáng kiến)\b", "a count", 0, 1e7, "số đếm"),
    UnitRange(r"^(persons|người)$", "a number of persons", 0, 2e8, "số người"),
    UnitRange(r"^(thousand persons|nghìn người)", "thousands of persons", 0, 2e5, "nghìn người"),
    UnitRange(r"^million persons", "millions of persons", 0, 200, "triệu người"),
    UnitRange(r"^(billion vnd|tỷ đồng)", "an amount in billion VND", 0, 1e8, "số tiền tỷ đồng"),
    UnitRange(r"^(million vnd|triệu đồng)", "an amount in million VND", 0, 1e11, "số tiền triệu đồng"),
    UnitRange(r"^million usd", "an amount in million USD", 0, 1e7, "số tiền triệu USD"),
    UnitRange(r"^usd", "an amount in USD", 0, 1e6, "số tiền USD"),
    UnitRange(r"^hours per person", "hours in a year", 0, 8784, "số giờ trong năm"),
    UnitRange(r"^người/vạn dân", "persons per 10 000 inhabitants", 0, 10000, "số người trên một vạn dân"),
    UnitRange(r"^ratio$", "a ratio", -1000, 1000, "tỷ số"),
)
_RANK_OF = re.compile(r"^rank of (\d+)$")
_PROVINCE_RANK = UNIT_RANGES[3]
MERGED_UNITS = 34  # provincial units from 1 July 2025 (Nghị quyết 202/2025/QH15)

# Where each table keeps its values and units.
VALUE_COLUMNS = {"kpi_actuals": ("value",), "macro": ("value",), "targets": ("value", "value_high")}
YEAR_COLUMNS = {"kpi_actuals": "year", "macro": "year_end", "targets": "target_year"}


def unit_range(unit: str, year: int | None = None) -> UnitRange | None:
    """The plausible range of a unit (in ``year``: a rank among the provinces from 2025 is among 34 units), or None
    for a unit this table does not know (then only the format checks and the general limit of parse_number apply)."""
    text = re.sub(r"\s+", " ", str(unit).strip().lower())
    match = _RANK_OF.match(text)
    if match:
        n = int(match.group(1))
        return UnitRange(_RANK_OF.pattern, f"a rank among {n} units", 1, n, f"thứ hạng trong {n} đơn vị")
    found = next((r for r in UNIT_RANGES if r.matches(text)), None)
    if found is _PROVINCE_RANK and year is not None and not pd.isna(year) and int(year) >= provinces.FIRST_MERGED_YEAR:
        return UnitRange(found.pattern, f"a rank among the {MERGED_UNITS} provincial units of {int(year)}", 1,
                         MERGED_UNITS, f"thứ hạng trong {MERGED_UNITS} tỉnh, thành phố của năm {int(year)}")
    return found


def is_percentage(unit: str) -> bool:
    return re.match(r"^\s*(%|percent|phần trăm)", str(unit).lower()) is not None


def percent_sign_problem(text: object, unit: object) -> str | None:
    """``35%`` typed in a row whose unit is not a percentage (``billion VND``): the sign says the figure is not in
    the row's unit, so it is not read as 35."""
    if isinstance(text, str) and text.strip().endswith("%") and not is_percentage(str(unit or "")):
        return (f"{text.strip()!r} carries a percent sign but the row's unit is {str(unit).strip()!r}: give the "
                "value in the unit (without %), or correct the unit")
    return None


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if float(value).is_integer() else f"{value:g}"


# What a check finds: (file, row, column, message); validate.py turns them into its Problems.
Finding = tuple[str, int, str, str]


def _at(row: pd.Series, column: str, message: str) -> Finding:
    return str(row["_file"]), int(row["_row"]), column, message


def _file_of(name: str, files: Iterable[Path]) -> str:
    return next((p.name for p in files if p.stem == name), f"{name}.csv")


def check_not_empty(tables: dict[str, pd.DataFrame], files: list[Path], reported_files: set[str],
                    problems: list[Finding]) -> None:
    """A required table with a header and no rows would silently empty every analysis built on it (a table
    whose rows were all refused already has its problems, and is not reported again)."""
    for name, spec in TABLES.items():
        df = tables.get(name)
        if not spec.required or df is None or len(df):
            continue
        file = _file_of(name, files)
        if file not in reported_files:
            problems.append((file, 2, "-", f"the file has a header but no rows: the table '{name}' "
                                           f"({spec.description.lower()}) is required and must have rows"))


def check_home_province(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """The suite reports on one province: its rows must be there."""
    home = provinces.HOME_PROVINCE
    wanted = {
        "pii_scores": (lambda df: (df["province"] == home) & (df["component"] == "PII"), "province",
                       f"no PII score or rank for {home}"),
        "kpi_actuals": (lambda df: df["region"] == home, "region", f"no row for {home}"),
        "macro": (lambda df: df["region"] == home, "region", f"no row for {home}"),
    }
    for name, (selects, column, what) in wanted.items():
        df = tables.get(name)
        if df is None or not len(df) or selects(df).any():
            continue
        problems.append((str(df["_file"].iloc[0]), 0, column,
                         f"{what}: the suite reports on {home}, so this table must have its rows"))


def check_not_future(tables: dict[str, pd.DataFrame], today: dt.date, problems: list[Finding]) -> None:
    """A measured value, a published figure or a PII edition cannot be dated after today."""
    year = today.year
    kpi = tables.get("kpi_actuals")
    if kpi is not None and len(kpi):
        problems.extend(future_actuals(kpi, today))
    macro = tables.get("macro")
    if macro is not None and len(macro) and "year_end" in macro:
        for _, row in macro[macro["year_end"] > year].iterrows():
            problems.append(_at(row, "year", (
                f"a published figure for {row['year']}, after today ({today.isoformat()}): macro.csv holds "
                "published statistics only (targets belong in targets.csv)")))
    pii = tables.get("pii_scores")
    if pii is not None and len(pii):
        for _, row in pii[pii["edition"] > year].iterrows():
            problems.append(_at(row, "edition", (
                f"PII edition {row['edition']} is after today ({today.isoformat()}): it cannot have been published")))


def future_actuals(df: pd.DataFrame, today: dt.date, lang: str = "en", prefix=None) -> list[Finding]:
    """An ``actual`` value for a year after today's: a result cannot be measured before its year."""
    found = []
    for _, row in df[(df["kind"] == "actual") & (pd.to_numeric(df["year"]) > today.year)].iterrows():
        if lang == "vi":
            message = (f"số thực hiện (actual) của năm {row['year']}, sau hôm nay ({today:%d/%m/%Y}): chưa thể có số "
                       "thực hiện của một năm chưa qua; số dự kiến ghi loại estimate (ước thực hiện) hoặc plan (kế "
                       "hoạch)")
        else:
            message = (f"an 'actual' value for {row['year']}, after today ({today.isoformat()}): a result cannot be "
                       "measured before its year; use kind 'plan' or 'estimate' for a value expected later")
        found.append(_at(row, "year", (prefix(row, "year") if prefix else "") + message))
    return found


def not_finite(df: pd.DataFrame, columns: Iterable[str], lang: str = "en", prefix=None) -> list[Finding]:
    """A value that is infinite or 10^15 and beyond (no figure of the suite comes near): the limit of
    numbers.parse_number, for values that arrive as numbers (an Excel cell) rather than as text."""
    from .numbers import MAX_ABS_VALUE

    found = []
    for _, row in df.iterrows():
        for column in columns:
            value = pd.to_numeric(row.get(column), errors="coerce")
            if pd.isna(value) or (math.isfinite(value) and abs(value) < MAX_ABS_VALUE):
                continue
            if lang == "vi":
                message = (f"{value:g} không phải là một con số dùng được (vô hạn, hoặc từ 10^15 trở lên — không số "
                           "liệu nào của bộ chỉ tiêu lớn như vậy): nhập đúng con số")
            else:
                message = f"not a finite number, or implausibly large: {value:g} (no value of this suite reaches 10^15)"
            found.append(_at(row, column, (prefix(row, column) if prefix else "") + message))
    return found


def control_characters(df: pd.DataFrame, columns: Iterable[str], lang: str = "en", prefix=None) -> list[Finding]:
    """Text with a control character or a bidirectional override (io._CONTROL): refused in every cell."""
    from .io import _control_message, control_character

    found = []
    for _, row in df.iterrows():
        for column in columns:
            char = control_character(row.get(column))
            if char is None:
                continue
            message = (f"ô có ký tự điều khiển U+{ord(char):04X} (làm chữ hiển thị khác với nội dung, hoặc tệp bị "
                       "hỏng): xóa ký tự đó" if lang == "vi" else _control_message(char))
            found.append(_at(row, column, (prefix(row, column) if prefix else "") + message))
    return found


def period_problem(period: str, today: dt.date) -> str | None:
    """A round's period (``2099-Q4``) that has not begun yet: no agency can have reported on it (Vietnamese: the
    message is about a returned workbook)."""
    match = re.match(r"^(\d{4})-Q([1-4])$", period)
    if not match:
        return None
    start = dt.date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
    if start <= today:
        return None
    return (f"kỳ báo cáo {period} (thư mục reports/{period}/) chưa bắt đầu — hôm nay là {today:%d/%m/%Y}: tệp "
            "báo cáo gửi lại thuộc thư mục của kỳ đã hỏi (ví dụ reports/2026-Q4/); chuyển tệp vào đúng thư mục")


REPORT_SHEET = "Số liệu"
_LABELS_VI = {"value": "Giá trị", "year": "Năm", "source": "Nguồn", "note": "Ghi chú"}


def _report_prefix(row: pd.Series, column: str) -> str:
    return f"Trang «{REPORT_SHEET}», dòng {int(row['_row'])} (cột {_LABELS_VI.get(column, column)}): "


def check_reports(reports: pd.DataFrame | None, today: dt.date, problems: list[Finding]) -> None:
    """The values accepted from returned workbooks held to the rules of the raw tables (the same functions: finite
    numbers, nothing measured in the future, the plausible range of the unit and year, clean text), with the
    messages in Vietnamese for the agencies."""
    if reports is None or not len(reports):
        return
    df = reports.assign(_file=reports["file"], _row=reports["row"])
    problems.extend(not_finite(df, ("value",), "vi", _report_prefix))
    problems.extend(future_actuals(df, today, "vi", _report_prefix))
    finite = df[[pd.notna(v) and math.isfinite(float(v)) for v in pd.to_numeric(df["value"], errors="coerce")]]
    problems.extend(out_of_range(finite, ("value",), "year", "vi", _report_prefix))
    problems.extend(control_characters(df, [c for c in ("source", "note") if c in df], "vi", _report_prefix))


def check_target_dates(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """A target is set for the document's own year or later."""
    targets = tables.get("targets")
    if targets is None or not len(targets):
        return
    issued_year = targets["issued"].astype(str).str[:4].astype(int)
    for _, row in targets[targets["target_year"] < issued_year].iterrows():
        problems.append(_at(row, "target_year", (
            f"target year {row['target_year']} is before the document was issued ({row['issued']}): "
            "a document cannot set a target for a year already past")))


def _vi_number(value: float) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _range_message(value: float, unit: str, bounds: UnitRange, lang: str) -> str:
    side = value < bounds.low
    if lang == "vi":
        return (f"{_vi_number(value)} nằm {'dưới' if side else 'trên'} khoảng hợp lý của đơn vị «{str(unit).strip()}» "
                f"({bounds.label_vi}: từ {_vi_number(bounds.low)} đến {_vi_number(bounds.high)}): kiểm tra lại con số")
    return (f"{_number(value)} is {'below' if side else 'above'} the plausible range for unit {unit!r} "
            f"({bounds.label}: {_number(bounds.low)} to {_number(bounds.high)})")


def out_of_range(df: pd.DataFrame, columns: Iterable[str], year_column: str | None, lang: str = "en",
                 prefix=None) -> list[Finding]:
    """Every value outside the plausible range of its row's unit (and year, for ranks)."""
    found: list[Finding] = []
    for _, row in df.iterrows():
        year = row.get(year_column) if year_column else None
        bounds = unit_range(row["unit"], year)
        if bounds is None:
            continue
        for column in columns:
            value = pd.to_numeric(row.get(column), errors="coerce")
            if pd.notna(value) and (value < bounds.low or value > bounds.high):
                message = _range_message(float(value), row["unit"], bounds, lang)
                found.append(_at(row, column, (prefix(row, column) if prefix else "") + message))
    return found


def check_ranges(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """Every value inside the plausible range of its unit (negative counts, 10^308 % growth rates, rank 50 of 34…)."""
    for name, columns in VALUE_COLUMNS.items():
        df = tables.get(name)
        if df is None or not len(df):
            continue
        problems.extend(out_of_range(df, columns, YEAR_COLUMNS[name] if YEAR_COLUMNS[name] in df else None))


def check_units_of_year(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """A name that exists only on the 34-unit map (``Huế``, which ``Hue`` maps to) used for an earlier year.

    Rows that say ``territory = merged`` describe the merged unit on purpose (a back-cast series) and pass.
    """
    for name, year_column in (("kpi_actuals", "year"), ("macro", "year_end")):
        df = tables.get(name)
        if df is None or not len(df) or year_column not in df:
            continue
        later_names = df[df["region"].isin(set(provinces.PROVINCES_2025) - set(provinces.PROVINCES_2024))]
        for _, row in later_names.iterrows():
            if str(row.get("territory") or "").strip() == "merged":
                continue
            message = provinces.year_unit_problem(row["region"], int(row[year_column]))
            if message:
                problems.append(_at(row, "region", message))


def check_notebook_needs(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """What the notebooks need beyond each row being right, so that a run validation passed does not fail on the
    data's shape: notebook 02 computes the what-if and the gap to each rank target of the home province's latest
    PII edition from all seven pillar scores, so each must be there (a pillar row removed used to end the run in
    notebook 02 with ``KeyError: 'P1'``)."""
    from .schema import PILLAR_NAMES_EN

    _check_growth_target(tables.get("targets"), problems)
    pii = tables.get("pii_scores")
    if pii is None or not len(pii):
        return
    home = pii[pii["province"] == provinces.HOME_PROVINCE]
    ranked = home[(home["component"] == "PII")]
    if not len(ranked):
        return  # check_home_province says so
    latest = int(ranked["edition"].max())
    anchor = ranked[ranked["edition"] == latest].iloc[0]
    scored = home[(home["edition"] == latest) & home["score"].notna()]
    missing = [p for p in PILLAR_NAMES_EN if p not in set(scored["component"])]
    if missing:
        names = ", ".join(f"{p} ({PILLAR_NAMES_EN[p]})" for p in missing)
        problems.append(_at(anchor, "component", (
            f"{provinces.HOME_PROVINCE}'s latest PII edition, {latest}, has no score for pillar(s) {names}: the PII "
            "analysis (notebook 02: what-if, gap to each rank target) needs all seven pillar scores of the latest "
            "edition; add the missing rows from the published PII report")))


def _check_growth_target(targets: pd.DataFrame | None, problems: list[Finding]) -> None:
    """Notebook 03 sets the TFP arithmetic on the current GRDP growth target: one must be there."""
    if targets is None or not len(targets):
        return
    growth = targets[targets["indicator"] == "grdp_growth_pct"]
    if not len(growth):
        problems.append((str(targets["_file"].iloc[0]), 0, "indicator", (
            "no target for grdp_growth_pct: the TFP analysis (notebook 03) sets its arithmetic on the province's "
            "GRDP growth target; keep the row of the document that sets it")))


def check(tables: dict[str, pd.DataFrame], files: list[Path], reported_files: set[str],
          today: dt.date | None = None) -> list[Finding]:
    """Every semantic finding on the typed tables; ``reported_files`` already have problems of their own."""
    today = today or dt.date.today()
    found: list[Finding] = []
    check_not_empty(tables, files, reported_files, found)
    check_home_province(tables, found)
    check_not_future(tables, today, found)
    check_target_dates(tables, found)
    check_ranges(tables, found)
    check_units_of_year(tables, found)
    check_reports(tables.get("reports"), today, found)
    check_notebook_needs(tables, found)
    return found
