"""Checks on the meaning of the raw data, after every cell has been read and typed (validate.py).

Parsing proves that a cell is a number or a province; these checks prove that the tables can be analysed:
the required tables have rows, the province the suite reports on is there, nothing is dated in the future,
no target is due before its document was issued, and every value lies in the plausible range of its unit
(data/raw/README.md, "What validation checks beyond the format").
"""

from __future__ import annotations

import datetime as dt
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

    def matches(self, unit: str) -> bool:
        return re.search(self.pattern, unit) is not None


# First match wins. Counts and amounts cannot be negative; the upper bounds are an order of magnitude or
# more above anything Việt Nam as a whole reaches, so they only catch typing and export accidents.
UNIT_RANGES: tuple[UnitRange, ...] = (
    UnitRange(r"^(%|percent)", "a percentage (a share or a growth rate)", -100, 1000),
    UnitRange(r"^(points|điểm)\b", "a score out of 100", 0, 100),
    UnitRange(r"^index \(0-1\)$", "an index from 0 to 1", 0, 1),
    UnitRange(r"^(thứ bậc|rank\b)", "a rank among the provinces", 1, 63),
    UnitRange(r"^(works|tasks|enterprises|organi[sz]ations|certificates|initiatives|patents|projects|articles|"
              r"applications|công trình|doanh nghiệp|nhiệm vụ|tổ chức|sáng chế|dự án|bài báo|đơn đăng ký|"
              r"sáng kiến)\b", "a count", 0, 1e7),
    UnitRange(r"^persons$", "a number of persons", 0, 2e8),
    UnitRange(r"^thousand persons", "thousands of persons", 0, 2e5),
    UnitRange(r"^million persons", "millions of persons", 0, 200),
    UnitRange(r"^billion vnd", "an amount in billion VND", 0, 1e8),
    UnitRange(r"^million vnd", "an amount in million VND", 0, 1e11),
    UnitRange(r"^million usd", "an amount in million USD", 0, 1e7),
    UnitRange(r"^usd", "an amount in USD", 0, 1e6),
    UnitRange(r"^hours per person", "hours in a year", 0, 8784),
    UnitRange(r"^người/vạn dân", "persons per 10 000 inhabitants", 0, 10000),
    UnitRange(r"^ratio$", "a ratio", -1000, 1000),
)
_RANK_OF = re.compile(r"^rank of (\d+)$")

# Where each table keeps its values and units.
VALUE_COLUMNS = {"kpi_actuals": ("value",), "macro": ("value",), "targets": ("value", "value_high")}


def unit_range(unit: str) -> UnitRange | None:
    """The plausible range of a unit, or None for a unit this table does not know (then only the format
    checks and the general limit of parse_number apply)."""
    text = re.sub(r"\s+", " ", str(unit).strip().lower())
    match = _RANK_OF.match(text)
    if match:
        return UnitRange(_RANK_OF.pattern, f"a rank among {match.group(1)} units", 1, int(match.group(1)))
    return next((r for r in UNIT_RANGES if r.matches(text)), None)


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
        for _, row in kpi[(kpi["kind"] == "actual") & (kpi["year"] > year)].iterrows():
            problems.append(_at(row, "year", (
                f"an 'actual' value for {row['year']}, after today ({today.isoformat()}): a result cannot be "
                "measured before its year; use kind 'plan' or 'estimate' for a value expected later")))
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


def check_ranges(tables: dict[str, pd.DataFrame], problems: list[Finding]) -> None:
    """Every value inside the plausible range of its unit (negative counts, 10^308 % growth rates…)."""
    for name, columns in VALUE_COLUMNS.items():
        df = tables.get(name)
        if df is None or not len(df):
            continue
        for unit, rows in df.groupby("unit", sort=False):
            bounds = unit_range(unit)
            if bounds is None:
                continue
            for column in columns:
                values = pd.to_numeric(rows[column], errors="coerce")
                outside = values.notna() & ((values < bounds.low) | (values > bounds.high))
                for _, row in rows[outside].iterrows():
                    value = row[column]
                    side = "below" if value < bounds.low else "above"
                    problems.append(_at(row, column, (
                        f"{_number(value)} is {side} the plausible range for unit {unit!r} "
                        f"({bounds.label}: {_number(bounds.low)} to {_number(bounds.high)})")))


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
    return found
