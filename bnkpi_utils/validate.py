"""Validation of the raw data against the contract, reporting every problem as ``file:row:column: message``.

``row`` is the line number a spreadsheet shows (header = 1). All problems are collected, not only the
first. Validation never modifies a raw file; it returns typed tables that cleaning builds on.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from . import data_round, provinces, semantic
from .io import CellError, RawFileError, RawTable, WorkbookLimitError, inspect_workbook, read_raw_bytes, read_table
from .safe_text import escape
from .numbers import EN, VI, NumberError, majority_notation, notations, parse_number
from .schema import MARKER_TAGS, TABLES, VINTAGE_RANK, DEFAULT_VINTAGE, Column, TableSpec


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at ``file:row:column``. Whatever it quotes from outside (a file name, a cell's text) prints as one
    line: control characters, line breaks and bidirectional overrides are shown escaped (safe_text.escape) — in the
    message from the start (it also reaches logs and feedback workbooks), in the file and column when printed (they
    still name the real file and header)."""

    file: str
    row: int
    column: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", escape(self.message))

    def __str__(self) -> str:
        return f"{escape(self.file)}:{self.row}:{escape(self.column)}: {self.message}"


@dataclass
class ValidationResult:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # information, not problems (e.g. unfilled template rows)
    today: dt.date | None = None  # the date that bounds what can have been measured or reported

    @property
    def ok(self) -> bool:
        return not self.problems


_INDICATOR_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TAG = re.compile(r"^\s*\[([^\]]+)\]")
_PERIOD = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")


def find_files(raw_dir: Path, spec: TableSpec) -> tuple[list[Path], list[Problem]]:
    """The files that make up one table: NAME.csv or NAME.xlsx, plus NAME_*.csv|xlsx supplements."""
    problems: list[Problem] = []
    main = [p for p in (raw_dir / f"{spec.name}.csv", raw_dir / f"{spec.name}.xlsx") if p.exists() or p.is_symlink()]
    if len(main) == 2:
        problems.append(Problem(main[1].name, 0, "-",
                                f"both {spec.name}.csv and {spec.name}.xlsx are present: keep only one"))
        main = main[:1]
    if not main and spec.required:
        problems.append(Problem(f"{spec.name}.csv", 0, "-",
                                f"required file missing from {raw_dir} (a .csv or .xlsx with this name)"))
    extra: list[Path] = []
    if spec.supplements:
        for pattern in (f"{spec.name}_*.csv", f"{spec.name}_*.xlsx"):
            extra.extend(sorted(raw_dir.glob(pattern)))
    return main + extra, problems


def parse_period(value: object) -> tuple[int, int]:
    """``2023`` → (2023, 2023); ``2011-2015`` → (2011, 2015)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return int(text), int(text)
    match = _PERIOD.match(text)
    if match and int(match.group(1)) <= int(match.group(2)):
        return int(match.group(1)), int(match.group(2))
    raise ValueError(f"not a year or a period: {text!r} (write 2023 or 2011-2015)")


def parse_month_or_date(value: object) -> str:
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            dt.datetime.strptime(text, fmt)
            return text
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r} (write 2025-05-06, or 2026-04 when the day is not known)")


def parse_tags(note: str) -> tuple[list[str], str]:
    """Tags opening a note (``[estimate][break] text``) and the rest of the note."""
    tags: list[str] = []
    rest = note or ""
    while True:
        match = _TAG.match(rest)
        if not match:
            return tags, rest.strip()
        tags.append(match.group(1).strip().lower())
        rest = rest[match.end():]


def _parse_cell(column: Column, value: object, notation: str | None):
    """Return the typed value of one cell (None when empty); raises ValueError with a clear message."""
    if isinstance(value, CellError):
        raise ValueError(value.message)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if column.required:
            if column.name == "source":
                raise ValueError("the row has no source: every fact needs a URL or a document citation")
            raise ValueError("empty value in a required column")
        return None
    kind = column.kind
    if kind == "text":
        return str(value).strip()
    if kind in ("number", "int"):
        try:
            number = parse_number(value, notation)
        except NumberError as exc:
            raise ValueError(str(exc)) from None
        if kind == "int":
            if not float(number).is_integer():
                raise ValueError(f"not a whole number: {value!r}")
            number = int(number)
        if column.allowed and number not in column.allowed:
            raise ValueError(f"{value!r} is not allowed here (allowed: {', '.join(map(str, column.allowed))})")
        if column.low is not None and number < column.low:
            raise ValueError(f"{value!r} is below the allowed range ({column.low} to {column.high})")
        if column.high is not None and number > column.high:
            raise ValueError(f"{value!r} is above the allowed range ({column.low} to {column.high})")
        return number
    if kind == "enum":
        text = str(value).strip()
        if text not in column.allowed:
            raise ValueError(f"{text!r} is not one of: {', '.join(map(str, column.allowed))}")
        return text
    if kind == "period":
        start, end = parse_period(value)
        if column.low is not None and (start < column.low or end > column.high):
            raise ValueError(f"year {value!r} is out of range")
        return f"{start}" if start == end else f"{start}-{end}"
    if kind == "date":
        text = str(value).strip()
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a date: {text!r} (write 2025-07-01)") from None
        return text
    if kind == "month_or_date":
        return parse_month_or_date(value)
    if kind in ("region", "province", "province_2024", "province_2025"):
        try:
            official = provinces.normalise_region(str(value))
        except provinces.UnknownProvince as exc:
            raise ValueError(str(exc)) from None
        if kind != "region" and official == provinces.NATION:
            raise ValueError("a province is needed here, not the whole country")
        if kind == "province_2024" and official not in provinces.PROVINCES_2024:
            raise ValueError(f"{official!r} is not one of the 63 provincial units of 2024")
        if kind == "province_2025" and official not in provinces.PROVINCES_2025:
            raise ValueError(f"{official!r} is not one of the 34 provincial units from 1 July 2025")
        return official
    raise AssertionError(f"unknown column kind {kind}")


def _column_notations(table: RawTable, spec: TableSpec, problems: list[Problem]) -> dict[str, str | None]:
    """Each numeric column's notation. A column that mixes both is read in the notation most of its values
    prove, and every value proving the other one is reported on its own row (not the rows around it)."""
    found: dict[str, str | None] = {}
    names = {"vi": "Vietnamese", "en": "English"}
    for column in spec.columns:
        if column.kind not in ("number", "int") or column.name not in table.header:
            continue
        values = [row.get(column.name) for row in table.rows]
        proved = notations(values)
        kinds = {p for p in proved if p}
        if len(kinds) < 2:
            found[column.name] = next(iter(kinds), None)
            continue
        majority = majority_notation(values)
        examples = {k: next(str(v).strip() for v, p in zip(values, proved) if p == k) for k in kinds}
        counts = {k: proved.count(k) for k in kinds}
        for value, notation, line in zip(values, proved, table.line_numbers):
            if notation and notation != majority:
                other = EN if notation == VI else VI
                problems.append(Problem(table.name, line, column.name, (
                    f"the column mixes Vietnamese and English number notation: {str(value).strip()!r} here is "
                    f"{names[notation]}, while {counts[other]} value(s) of the column are {names[other]} "
                    f"(e.g. {examples[other]!r}); write every number of the column in one notation")))
        found[column.name] = majority
    return found


def read_and_type(path: Path, spec: TableSpec, is_supplement: bool, result: ValidationResult) -> pd.DataFrame | None:
    """Read one file of a table, check its header and cells; returns typed rows (problem rows left out)."""
    problems = result.problems
    try:
        table = read_table(path, raw_dir=path.parent, columns=[c.name for c in spec.columns if c.required])
    except RawFileError as exc:
        problems.append(Problem(path.name, exc.row, "-", exc.message))
        return None
    for line, column, message in table.problems:
        problems.append(Problem(table.name, line, column, message))
    header = table.header
    missing = [c.name for c in spec.columns if c.name not in header and not c.may_be_absent]
    for name in missing:
        problems.append(Problem(table.name, 1, name,
                                f"missing column {name!r}; the header must have: {', '.join(spec.column_names)}"))
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    for name in duplicated:
        problems.append(Problem(table.name, 1, name, f"column {name!r} appears more than once in the header"))
    if missing or duplicated:
        return None
    notations = _column_notations(table, spec, problems)
    records = []
    skipped_unfilled = 0
    for row, line in zip(table.rows, table.line_numbers):
        if is_supplement and "value" in row and all(str(row.get(c, "")).strip() == "" for c in ("value", "source")):
            skipped_unfilled += 1
            continue
        record: dict[str, object] = {"_file": table.name, "_row": line}
        ok = True
        for column in spec.columns:
            try:
                record[column.name] = _parse_cell(column, row.get(column.name), notations.get(column.name))
            except ValueError as exc:
                problems.append(Problem(table.name, line, column.name, str(exc)))
                ok = False
        for column in semantic.VALUE_COLUMNS.get(spec.name, ()):
            message = semantic.percent_sign_problem(row.get(column), row.get("unit"))
            if ok and message:
                problems.append(Problem(table.name, line, column, message))
                ok = False
        if ok:
            records.append(record)
    if skipped_unfilled:
        result.notes.append(escape(f"{table.name}: {skipped_unfilled} template rows without value and source skipped"))
    return pd.DataFrame.from_records(records, columns=["_file", "_row"] + spec.column_names)


# --------------------------------------------------------------------------------------------- row checks


def _check_duplicates(df: pd.DataFrame, spec: TableSpec, problems: list[Problem], value_cols: list[str]) -> None:
    seen: dict[tuple, pd.Series] = {}
    for _, row in df.iterrows():
        key = tuple(row[k] for k in spec.key)
        if key in seen:
            first = seen[key]
            same = all(_same(first[c], row[c]) for c in value_cols)
            where = f"{first['_file']} row {first['_row']}"
            key_text = ", ".join(f"{k}={v}" for k, v in zip(spec.key, key))
            if same:
                message = f"duplicate row: the same fact ({key_text}) is already at {where}"
            else:
                diffs = "; ".join(f"{c} {first[c]!r} there, {row[c]!r} here"
                                  for c in value_cols if not _same(first[c], row[c]))
                message = f"conflicting duplicate of {where} ({key_text}): {diffs}"
            problems.append(Problem(row["_file"], int(row["_row"]), spec.key[-1], message))
        else:
            seen[key] = row


def blank(value: object) -> bool:
    """True for an empty cell (None, NaN or empty text)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _same(a: object, b: object) -> bool:
    if blank(a) or blank(b):
        return blank(a) and blank(b)
    return a == b


def check_pii_scores(df: pd.DataFrame, problems: list[Problem]) -> None:
    spec = TABLES["pii_scores"]
    _check_duplicates(df, spec, problems, ["score", "rank", "n_units"])
    for _, row in df.iterrows():
        file, line = row["_file"], int(row["_row"])
        expected_units = 34 if row["edition"] >= provinces.FIRST_MERGED_YEAR else 63
        if row["n_units"] != expected_units:
            problems.append(Problem(file, line, "n_units",
                                    f"edition {row['edition']} ranks {expected_units} units, not {row['n_units']}"))
        rank = row["rank"]
        if not blank(rank) and rank > row["n_units"]:
            problems.append(Problem(file, line, "rank", f"rank {rank} is above n_units {row['n_units']}"))
        if blank(row["score"]) and blank(rank):
            problems.append(Problem(file, line, "score", "the row has neither a score nor a rank"))
        units = provinces.PROVINCES_2025 if row["edition"] >= provinces.FIRST_MERGED_YEAR else provinces.PROVINCES_2024
        if row["province"] not in units:
            if row["edition"] >= provinces.FIRST_MERGED_YEAR:
                merged = provinces.MERGERS_2025.get(row["province"], "?")
                message = (f"{row['province']!r} is not a unit of the {row['edition']} edition "
                           f"(34 units; it is part of {merged} from 1 July 2025)")
            else:
                message = (provinces.year_unit_problem(row["province"], row["edition"])
                           or f"{row['province']!r} is not one of the 63 units of the {row['edition']} edition")
            problems.append(Problem(file, line, "province", message))
    ranked = df[(df["component"] == "PII") & df["rank"].notna()]
    for (edition, rank), group in ranked.groupby(["edition", "rank"]):
        if len(group) > 1:
            names = ", ".join(group["province"])
            for _, row in group.iloc[1:].iterrows():
                problems.append(Problem(row["_file"], int(row["_row"]), "rank",
                                        f"PII rank {rank} in edition {edition} is given to several provinces: {names}"))


def check_macro(df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Checks macro rows and adds year_start, year_end, vintage, tags, note_text."""
    starts, ends, vintages, tag_lists, texts = [], [], [], [], []
    for _, row in df.iterrows():
        start, end = parse_period(row["year"])
        tags, text = parse_tags("" if blank(row["note"]) else str(row["note"]))
        vintage_tags = [t for t in tags if t in VINTAGE_RANK]
        unknown = [t for t in tags if t not in VINTAGE_RANK and t not in MARKER_TAGS]
        if unknown:
            problems.append(Problem(row["_file"], int(row["_row"]), "note",
                                    f"unknown tag [{unknown[0]}]; allowed: "
                                    + ", ".join(f"[{t}]" for t in list(VINTAGE_RANK) + list(MARKER_TAGS))))
        if len(vintage_tags) > 1:
            problems.append(Problem(row["_file"], int(row["_row"]), "note",
                                    f"more than one vintage tag: {vintage_tags}"))
        if not _INDICATOR_NAME.match(str(row["indicator"])):
            problems.append(Problem(row["_file"], int(row["_row"]), "indicator",
                                    f"indicator names are lower_snake_case (e.g. grdp_const), not {row['indicator']!r}"))
        indicator = str(row["indicator"])
        value = row["value"]
        if (indicator.startswith("share_") or "_share_" in indicator) and not 0 <= value <= 100:
            problems.append(Problem(row["_file"], int(row["_row"]), "value", f"a share must be 0–100 %, not {value}"))
        if indicator == "labor_share" and not 0 < value < 1:
            problems.append(Problem(row["_file"], int(row["_row"]), "value", f"labor_share is a fraction 0–1, not {value}"))
        if indicator in ("grdp_const", "grdp_current", "capital_stock_const", "investment_const", "employment",
                         "hours", "population") and value <= 0:
            problems.append(Problem(row["_file"], int(row["_row"]), "value", f"{indicator} must be positive, not {value}"))
        starts.append(start)
        ends.append(end)
        vintages.append(vintage_tags[0] if vintage_tags else DEFAULT_VINTAGE)
        tag_lists.append(";".join(tags))
        texts.append(text)
    df = df.assign(year_start=starts, year_end=ends, vintage=vintages, tags=tag_lists, note_text=texts)
    # The same fact published more than once must say which vintage each row is.
    for key, group in df.groupby(["region", "year", "indicator", "territory"], sort=False):
        if len(group) < 2:
            continue
        units = set(group["unit"])
        if len(units) > 1:
            row = group.iloc[1]
            problems.append(Problem(row["_file"], int(row["_row"]), "unit",
                                    f"{key[2]} for {key[0]} {key[1]} is given in different units: {sorted(units)}"))
        for vintage, same_vintage in group.groupby("vintage"):
            if len(same_vintage) < 2:
                continue
            first = same_vintage.iloc[0]
            for _, row in same_vintage.iloc[1:].iterrows():
                where = f"{first['_file']} row {first['_row']}"
                if row["value"] == first["value"]:
                    if row["source"] == first["source"]:
                        problems.append(Problem(row["_file"], int(row["_row"]), "indicator",
                                                f"duplicate row: the same fact is already at {where}"))
                    continue
                problems.append(Problem(
                    row["_file"], int(row["_row"]), "value",
                    f"conflicting duplicate of {where}: {key[2]} for {key[0]} {key[1]} is {first['value']} there and "
                    f"{row['value']} here, both of vintage '{vintage}'; open each note with its vintage tag "
                    "([revised], [official], [preliminary], [estimate], …) so cleaning can choose"))
    return df


def check_targets(df: pd.DataFrame, problems: list[Problem]) -> None:
    _check_duplicates(df, TABLES["targets"], problems, ["indicator", "value", "operator", "target_year"])
    for _, row in df.iterrows():
        file, line = row["_file"], int(row["_row"])
        high = row["value_high"]
        has_high = not blank(high)
        if row["operator"] == "between":
            if not has_high:
                problems.append(Problem(file, line, "value_high", "a 'between' target needs value_high"))
            elif high < row["value"]:
                problems.append(Problem(file, line, "value_high", f"value_high {high} is below value {row['value']}"))
        if row["operator"] == "rank<=" and (row["value"] < 1 or not float(row["value"]).is_integer()):
            problems.append(Problem(file, line, "value", f"a rank target needs a whole rank ≥ 1, not {row['value']}"))
        if not _INDICATOR_NAME.match(str(row["indicator"])):
            problems.append(Problem(file, line, "indicator",
                                    f"indicator names are lower_snake_case, not {row['indicator']!r}"))
        start, end = row["period_start"], row["period_end"]
        if row["aggregation"] in ("period_mean", "period_sum", "increase_since"):
            if blank(start) or blank(end):
                problems.append(Problem(file, line, "period_start",
                                        f"a {row['aggregation']} target needs period_start and period_end"))
            elif start > end:
                problems.append(Problem(file, line, "period_end", f"period_end {end} is before period_start {start}"))
            elif row["target_year"] != end:
                problems.append(Problem(file, line, "target_year",
                                        f"target_year {row['target_year']} should be the period's last year {end}"))


def check_kpi(df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Checks kpi rows and adds ``vintage`` (the note's vintage tag, default official)."""
    vintages = []
    for _, row in df.iterrows():
        tags, _ = parse_tags("" if blank(row["note"]) else str(row["note"]))
        unknown = [t for t in tags if t not in VINTAGE_RANK and t not in MARKER_TAGS]
        if unknown:
            problems.append(Problem(row["_file"], int(row["_row"]), "note", f"unknown tag [{unknown[0]}]; allowed: "
                                    + ", ".join(f"[{t}]" for t in list(VINTAGE_RANK) + list(MARKER_TAGS))))
        vintages.append(next((t for t in tags if t in VINTAGE_RANK), DEFAULT_VINTAGE))
    df = df.assign(vintage=vintages)
    spec = TABLES["kpi_actuals"]
    key = spec.key[:-1] + ("vintage", spec.key[-1])  # the same fact may come in several vintages
    _check_duplicates(df, replace(spec, key=key), problems, ["value", "unit"])
    for _, row in df.iterrows():
        indicator = str(row["indicator"])
        if not _INDICATOR_NAME.match(indicator):
            problems.append(Problem(row["_file"], int(row["_row"]), "indicator",
                                    f"indicator names are lower_snake_case, not {indicator!r}"))
        if indicator.endswith("_pct") and not indicator.endswith("_growth_pct") and not 0 <= row["value"] <= 100:
            problems.append(Problem(row["_file"], int(row["_row"]), "value",
                                    f"a percentage share must be 0–100, not {row['value']}"))
        if indicator.endswith("_rank") and (row["value"] < 1 or not float(row["value"]).is_integer()):
            problems.append(Problem(row["_file"], int(row["_row"]), "value", f"a rank is a whole number ≥ 1, not {row['value']}"))
    return df


def check_mergers(df: pd.DataFrame, problems: list[Problem]) -> None:
    _check_duplicates(df, TABLES["province_mergers_2025"], problems, ["new_province_2025"])
    for _, row in df.iterrows():
        expected = provinces.MERGERS_2025.get(row["old_province_2024"])
        if expected and row["new_province_2025"] != expected:
            problems.append(Problem(row["_file"], int(row["_row"]), "new_province_2025",
                                    f"{row['old_province_2024']} became part of {expected} (Nghị quyết 202/2025/QH15), "
                                    f"not {row['new_province_2025']}"))
    listed = set(df["old_province_2024"])
    missing = [p for p in provinces.PROVINCES_2024 if p not in listed]
    if missing and len(df):
        problems.append(Problem(str(df["_file"].iloc[0]), 0, "old_province_2024",
                                f"{len(missing)} of the 63 units are missing, e.g. {', '.join(missing[:3])}"))


def check_territory(df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Fills ``territory`` by the default rule where it is empty; only a merged 2025 unit can be ``merged``."""
    years = [parse_period(y)[1] for y in df["year"]]
    filled = []
    for (_, row), year in zip(df.iterrows(), years):
        territory = row["territory"] if not blank(row["territory"]) else provinces.default_territory(row["region"], year)
        if (territory == "merged" and row["region"] != provinces.NATION
                and row["region"] not in provinces.PROVINCES_2025):
            problems.append(Problem(row["_file"], int(row["_row"]), "territory",
                                    f"{row['region']} is not a unit from 1 July 2025 (it is part of "
                                    f"{provinces.MERGERS_2025.get(row['region'], '?')}): its territory can only be old"))
        filled.append(territory)
    return df.assign(territory=filled)


def check_cross_tables(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    framework, indicators = tables.get("pii_framework"), tables.get("pii_indicators")
    if framework is not None and indicators is not None and len(framework):
        known = set(framework["indicator"])
        for _, row in indicators.iterrows():
            if row["indicator"] not in known:
                problems.append(Problem(row["_file"], int(row["_row"]), "indicator",
                                        f"indicator {row['indicator']!r} is not in pii_framework"))


CHECKS = {
    "pii_scores": check_pii_scores,
    "targets": check_targets,
    "kpi_actuals": check_kpi,
    "province_mergers_2025": check_mergers,
}


def report_workbooks(raw_dir: Path, result: ValidationResult) -> list[Path]:
    """The files of ``RAW/reports/`` to read, every entry checked (messages in Vietnamese: they concern the
    agencies' workbooks). The folder is walked without trusting links: a link leading out of the raw folder (the
    workbook, its period folder or ``reports/`` itself), a pipe, a device, or a folder named like a workbook is
    reported, never read and never skipped silently. A workbook of a period that has not begun, one that unpacks
    beyond the limits of io.inspect_workbook (reported without reading it), or one with data on a hidden sheet is
    reported. Regular files are returned for data_round to check their names and read them; Excel's lock files
    (``~$…``) and hidden files (``.…``) are left aside, as the README says."""
    raw_dir = Path(raw_dir)
    raw_real = raw_dir.resolve()
    root = raw_dir / "reports"
    today = result.today or dt.date.today()
    found: list[Path] = []
    seen: set[Path] = set()

    def refuse(path: Path, message: str) -> None:
        result.problems.append(Problem(path.relative_to(raw_dir).as_posix(), 0, "-", message))

    def visit(path: Path) -> None:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return refuse(path, "là liên kết (symbolic link) tới một tệp không tồn tại: chép tệp thật vào đây")
            if not target.is_relative_to(raw_real):
                return refuse(path, f"là liên kết (symbolic link) tới {target}, nằm ngoài thư mục dữ liệu gốc: "
                                    "không đọc; chép tệp vào thư mục (dữ liệu gốc phải nằm trọn trong thư mục)")
        try:
            info = path.stat()
        except OSError as exc:
            return refuse(path, f"không đọc được: {exc.strerror or exc}")
        if stat.S_ISDIR(info.st_mode):
            if path.suffix.lower() == ".xlsx":
                return refuse(path, "là một thư mục chứ không phải tệp Excel: lưu tệp báo cáo gửi lại vào đây")
            real = path.resolve()
            if real in seen:
                return None
            seen.add(real)
            for child in sorted(path.iterdir()):
                visit(child)
            return None
        if not stat.S_ISREG(info.st_mode):
            return refuse(path, "không phải tệp thông thường (ống dẫn FIFO, thiết bị hoặc socket): không đọc")
        if path.name.startswith(("~$", ".")):
            return None
        parts = path.relative_to(root).parts
        if len(parts) == 2 and data_round.PERIOD.match(parts[0]):
            late = semantic.period_problem(parts[0], today)
            if late:
                refuse(path, late)
        if path.suffix.lower() == ".xlsx":
            try:
                sheets = inspect_workbook(path, read_raw_bytes(path, raw_dir))
            except WorkbookLimitError as exc:
                return refuse(path, exc.vi)
            except RawFileError:
                sheets = []  # not a workbook: data_round's reading says so
            for sheet in sheets:
                if sheet.hidden and sheet.filled:
                    refuse(path, f"Trang «{sheet.name}» đang bị ẩn nhưng có {sheet.filled} ô có dữ liệu (từ ô "
                                 f"{sheet.first_filled}): người kiểm tra tệp trong Excel không nhìn thấy các ô này. "
                                 "Bỏ ẩn trang (nhấp phải vào tên trang → Unhide), kiểm tra rồi lưu lại")
        found.append(path)

    if root.exists() or root.is_symlink():
        visit(root)
    return found


def validate_raw(raw_dir: Path, today: dt.date | None = None) -> ValidationResult:
    """Validate every raw file in ``raw_dir``; returns typed tables and the full list of problems.

    ``today`` (default: the current date) bounds the dates a value may carry (semantic.check_not_future).
    """
    raw_dir = Path(raw_dir)
    result = ValidationResult(today=today or dt.date.today())
    if not raw_dir.is_dir():
        result.problems.append(Problem(str(raw_dir), 0, "-", "the raw-data folder does not exist"))
        return result
    for spec in TABLES.values():
        files, problems = find_files(raw_dir, spec)
        result.problems.extend(problems)
        frames = []
        for index, path in enumerate(files):
            result.files.append(path)
            is_supplement = path.stem != spec.name
            frame = read_and_type(path, spec, is_supplement, result)
            if frame is not None:
                frames.append(frame)
        if not frames:
            continue
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if "territory" in spec.column_names:
            df = check_territory(df, result.problems)
        if spec.name == "macro":
            df = check_macro(df, result.problems)
        elif spec.name == "kpi_actuals":
            df = check_kpi(df, result.problems)
        elif spec.name in CHECKS:
            CHECKS[spec.name](df, result.problems)
        elif len(df):
            _check_duplicates(df, spec, result.problems, [c for c in spec.column_names if c not in spec.key])
        result.tables[spec.name] = df
    check_cross_tables(result.tables, result.problems)
    data_round.validate_reports(raw_dir, result)
    located = {(p.file, p.row, p.column) for p in result.problems}
    for file, row, column, message in semantic.check(result.tables, result.files, {p.file for p in result.problems},
                                                     result.today):
        if (file, row, column) not in located:  # a cell already reported is not reported twice
            result.problems.append(Problem(file, row, column, message))
            located.add((file, row, column))
    result.problems.sort(key=lambda p: (p.file, p.row, p.column))
    return result
