"""Reading raw tables exactly as users deliver them: UTF-8 CSV (with or without BOM) or Excel .xlsx.

Cells are returned as text (CSV) or as Excel stores them (numbers stay numbers), each row with the line
number a spreadsheet shows (header = 1), so validation can point at file, row and column. Reading never
modifies a raw file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as _io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class RawTable:
    """One raw file as read: its header, its rows (dict per row) and each row's spreadsheet line number."""

    path: Path
    header: list[str]
    rows: list[dict[str, object]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


class RawFileError(Exception):
    """A file that cannot be read at all; ``row`` is the spreadsheet line where reading failed."""

    def __init__(self, path: Path, row: int, message: str):
        self.path, self.row, self.message = path, row, message
        super().__init__(f"{path.name}:{row}: {message}")


def _clean_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _clean_header(header: list[object]) -> list[str]:
    return [unicodedata.normalize("NFC", str(h or "").strip()).lstrip("\ufeff") for h in header]


def read_csv_table(path: Path) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RawFileError(
            path, line,
            "the file is not UTF-8 text (Excel: save as 'CSV UTF-8 (Comma delimited)'); "
            f"the first bad byte is on this line (byte {exc.start})",
        ) from None
    reader = csv.reader(_io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise RawFileError(path, reader.line_num, f"the CSV cannot be parsed: {exc}") from None
    if not records:
        raise RawFileError(path, 1, "the file is empty: it needs a header row")
    header = _clean_header(records[0])
    table = RawTable(path=path, header=header)
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line, as spreadsheets leave at the end
        if len(record) > len(header):
            extra = [c for c in record[len(header):] if c.strip()]
            if extra:
                raise RawFileError(
                    path, index,
                    f"the row has {len(record)} cells but the header has {len(header)}: "
                    "a value probably contains a comma and needs quotes",
                )
        cells = record + [""] * (len(header) - len(record))
        table.rows.append({h: _clean_cell(c) for h, c in zip(header, cells)})
        table.line_numbers.append(index)
    return table


def read_xlsx_table(path: Path) -> RawTable:
    from openpyxl import load_workbook  # imported here: only needed when a user drops an .xlsx

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise RawFileError(path, 1, f"the Excel file cannot be opened: {exc}") from None
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise RawFileError(path, 1, "the first sheet is empty: it needs a header row")
    header = _clean_header(list(rows[0]))
    while header and not header[-1]:
        header.pop()
    table = RawTable(path=path, header=header)
    for index, record in enumerate(rows[1:], start=2):
        cells = list(record)[: len(header)]
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        cells += [None] * (len(header) - len(cells))
        table.rows.append({h: _clean_cell(c) for h, c in zip(header, cells)})
        table.line_numbers.append(index)
    return table


def read_table(path: Path) -> RawTable:
    """Read a raw .csv or .xlsx file; raises RawFileError when it cannot be read."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_table(path)
    return read_csv_table(path)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a processed/output table as UTF-8 CSV (no index), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


# Columns that look numeric but are codes or labels ("1.1" is a PII group, "2011-2015" a period).
TEXT_COLUMNS = ("group", "indicator", "target_id", "section", "issued", "source", "note", "alternatives",
                "tags", "components", "unit", "agency", "superseded_by", "value_text")


def read_processed(path: Path) -> pd.DataFrame:
    """Read a table written by write_table, keeping code and label columns as text."""
    df = pd.read_csv(path, encoding="utf-8", keep_default_na=True, dtype={c: str for c in TEXT_COLUMNS})
    for column in ("superseded_by", "alternatives", "tags", "note", "agency"):
        if column in df.columns:
            df[column] = df[column].fillna("")
    return df
