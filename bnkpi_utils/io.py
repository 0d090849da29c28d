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
import math
import os
import re
import stat
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# A raw table of this project is a few hundred KB; the cap stops a link to /dev/zero or a runaway export from
# exhausting memory, and is far above any legitimate file (1000 × the shipped data is about 200 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024

# A legitimate long note (hundreds of KB) must not trip the csv module's default 128 KB field limit; the file
# size cap above bounds every field anyway.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# Control characters other than tab, LF and CR never belong in a cell (a NUL byte is a damaged file); nor do the
# bidirectional overrides and isolates, which make a text show other than it reads (a source shown reversed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

# What a workbook may unpack to. An .xlsx is a zip of XML files: a 575 KB file can unpack to 196 MB of XML and
# 4 million rows, and one stray cell at XFD1048576 makes a sheet span 17 billion cells. These limits are checked
# from the zip's directory and by a streaming count of each sheet's cells, before any workbook is parsed; they lie
# far above any table of this suite (the largest has a few hundred rows and 17 columns).
MAX_UNPACKED_BYTES = 128 * 1024 * 1024  # all parts of the workbook together, uncompressed
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 256
MAX_SHEET_CELLS = 2_000_000  # cells present in one sheet
MAX_SHEET_AREA = 4_000_000  # rows × columns of the rectangle a sheet's cells span (what a reader walks over)


@dataclass
class RawTable:
    """One raw file as read: its header, its rows (dict per row) and each row's spreadsheet line number.

    ``problems`` holds what reading itself found, as (row, column, message): rows with extra cells, quotes
    left open, control characters. Rows named there are left out of ``rows``.
    """

    path: Path
    header: list[str]
    rows: list[dict[str, object]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    sheet: str | None = None

    @property
    def name(self) -> str:
        return self.path.name


class RawFileError(Exception):
    """A file that cannot be read at all; ``row`` is the spreadsheet line where reading failed (0: the file)."""

    def __init__(self, path: Path, row: int, message: str):
        self.path, self.row, self.message = path, row, message
        super().__init__(f"{path.name}:{row}: {message}")


@dataclass(frozen=True)
class CellError:
    """A cell that holds something other than a value (a formula without a saved result, an infinite number)."""

    message: str

    def __str__(self) -> str:
        return self.message


def _clean_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return CellError(f"not a finite number: {value!r}")
    return value


def _clean_header(header: list[object]) -> list[str]:
    return [unicodedata.normalize("NFC", str(h or "").strip()).lstrip("\ufeff") for h in header]


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def read_raw_bytes(path: Path, raw_dir: Path | None = None) -> bytes:
    """The bytes of a raw file, refusing before opening it anything that is not a plain file of sane size.

    A folder, a pipe, a device (a link to /dev/zero) or a link leading out of ``raw_dir`` is refused with a
    RawFileError, never read; so is a file above MAX_FILE_BYTES or one the user may not read.
    """
    path = Path(path)
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise RawFileError(path, 0, "is a symbolic link to a file that does not exist") from None
        if raw_dir is not None and not target.is_relative_to(Path(raw_dir).resolve()):
            raise RawFileError(path, 0, f"is a symbolic link to {target}, outside the raw-data folder: "
                                        "copy the file into the folder instead (raw data must be self-contained)")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise RawFileError(path, 0, "the file does not exist") from None
    except OSError as exc:
        raise RawFileError(path, 0, f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RawFileError(path, 0, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise RawFileError(path, 0, "is not a regular file (a pipe, device or socket): refused without reading it")
    if info.st_size > MAX_FILE_BYTES:
        raise RawFileError(path, 0, f"is {_size_text(info.st_size)}; a raw file may be at most "
                                    f"{_size_text(MAX_FILE_BYTES)}")
    try:
        # O_NONBLOCK: should the path be swapped for a pipe after the check above, opening it does not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise RawFileError(path, 0, "cannot be read: permission denied (check the file's owner and mode)") from None
    except OSError as exc:
        raise RawFileError(path, 0, f"cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise RawFileError(path, 0, "is not a regular file: refused without reading it")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RawFileError(path, 0, f"is larger than {_size_text(MAX_FILE_BYTES)}, the limit for a raw file")
    return data


def _delimiter_problem(header_line: str, expected: list[str] | None) -> str | None:
    """A header written with another separator (Excel with Vietnamese regional settings uses ';')."""
    for sep, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        cells = [c.strip().strip('"') for c in header_line.split(sep)]
        if len(cells) < 2:
            continue
        if expected is None or sum(c in expected for c in cells) >= 2:
            return (f"the columns are separated by {name}, not commas: save the file as "
                    "'CSV UTF-8 (Comma delimited)' (Excel with Vietnamese regional settings writes semicolons)")
    return None


def _control_message(char: str) -> str:
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return (f"the cell contains the bidirectional control character U+{ord(char):04X}, which makes the text "
                "show other than it reads: remove it")
    what = "a NUL byte" if char == "\x00" else f"the control character U+{ord(char):04X}"
    return f"the cell contains {what}: the file is damaged or was not saved as text"


def control_character(text: object) -> str | None:
    """The first character of ``text`` that never belongs in a cell (see _CONTROL), or None."""
    found = _CONTROL.search(text) if isinstance(text, str) else None
    return found.group() if found else None


def _swallowed_lines(cell: str, width: int) -> int:
    """How many lines inside a quoted cell look like rows of their own (a quote opened and never closed)."""
    if "\n" not in cell and "\r" not in cell or width < 3:
        return 0
    inner = cell.splitlines()[1:]
    return sum(1 for line in inner if line.count(",") >= width - 2)


def read_csv_table(path: Path, raw_dir: Path | None = None, columns: list[str] | None = None) -> RawTable:
    data = read_raw_bytes(path, raw_dir)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RawFileError(path, 1, "the file is UTF-16 text (Excel's 'Unicode text'); save it as "
                                    "'CSV UTF-8 (Comma delimited)'")
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
    if len([h for h in header if h]) == 1:
        problem = _delimiter_problem(header[0], columns)
        if problem:
            raise RawFileError(path, 1, problem)
    table = RawTable(path=path, header=header)
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line, as spreadsheets leave at the end
        bad = False
        for position, cell in enumerate(record):
            column = header[position] if position < len(header) else "-"
            swallowed = _swallowed_lines(cell, len(header))
            if swallowed:
                table.problems.append((index, column, (
                    f"a quote (\") opens this cell and is not closed where the cell ends: {swallowed} following "
                    "line(s) that look like rows of their own were read into it; close the quote or remove it")))
                bad = True
                break
            found = _CONTROL.search(cell)
            if found:
                table.problems.append((index, column, _control_message(found.group())))
                bad = True
        if bad:
            continue
        if _clean_header(record[: len(header)]) == header:
            table.problems.append((index, "-", "the header row is repeated here (two exports joined?): remove this row"))
            continue
        if len(record) > len(header):
            extra = [c for c in record[len(header):] if c.strip()]
            if extra:
                table.problems.append((index, "-", (
                    f"the row has {len(record)} cells but the header has {len(header)}: "
                    "a value probably contains a comma and needs quotes")))
                continue
        cells = record + [""] * (len(header) - len(record))
        table.rows.append({h: _clean_cell(c) for h, c in zip(header, cells)})
        table.line_numbers.append(index)
    return table


@dataclass
class SheetInfo:
    """What the streaming count found in one sheet of a workbook (before any parsing by openpyxl)."""

    name: str
    state: str  # visible, hidden or veryHidden
    cells: int = 0  # cells present
    filled: int = 0  # cells holding a value
    max_row: int = 0
    max_column: int = 0
    first_filled: str = ""  # the first cell holding a value, e.g. "A1"

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


class WorkbookLimitError(RawFileError):
    """A workbook that unpacks to more than the limits allow; ``vi`` says it in Vietnamese (for the agencies)."""

    def __init__(self, path: Path, message: str, vi: str):
        super().__init__(path, 0, message)
        self.vi = vi


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(book) -> list[tuple[str, str, str]]:
    """(name, state, part) of every sheet, from xl/workbook.xml and its relationships."""
    from xml.etree import ElementTree

    names = set(book.namelist())
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return [(n.rsplit("/", 1)[-1], "visible", n) for n in sorted(names) if n.startswith("xl/worksheets/")
                and n.endswith(".xml")]
    targets = {r.get("Id"): r.get("Target", "") for r in rels if _local(r.tag) == "Relationship"}
    found = []
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part in names:
            found.append((sheet.get("name", part), sheet.get("state", "visible"), part))
    listed = {part for _, _, part in found}  # a worksheet the workbook does not list is counted all the same
    found += [(n, "visible", n) for n in sorted(names - listed) if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    return found


def _limit(path: Path, sheet: str, cell: str, what_en: str, what_vi: str) -> WorkbookLimitError:
    return WorkbookLimitError(
        path,
        f"the sheet '{sheet}' has a cell at {cell}: {what_en}. Delete the rows and columns beyond the table "
        "(or the stray cell) and save the file again; nothing of it was read",
        f"Trang «{sheet}» có ô {cell}: {what_vi}. Xóa các dòng, cột nằm ngoài bảng (hoặc ô lạc đó) rồi lưu lại "
        "tệp; tệp chưa được đọc")


def _vi_count(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _count_cells(path: Path, stream, info: SheetInfo) -> None:
    """Count a sheet's cells from its XML, streaming; stops at the first cell beyond a limit."""
    from xml.etree import ElementTree

    parser = ElementTree.XMLPullParser(events=("start", "end"))
    row = column = 0
    filled = False
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        parser.feed(chunk)
        for event, element in parser.read_events():
            tag = _local(element.tag)
            if event == "start" and tag == "row":
                row, column = int(element.get("r") or row + 1), 0
            elif event == "start" and tag == "c":
                match = _CELL_REF.match(element.get("r") or "")
                if match:
                    column, row = column_index(match.group(1).upper()), int(match.group(2))
                else:
                    column += 1
                filled = False
                cell = f"{column_letters(column)}{row}"
                info.cells += 1
                info.max_row, info.max_column = max(info.max_row, row), max(info.max_column, column)
                if row > MAX_SHEET_ROWS:
                    raise _limit(path, info.name, cell, f"a sheet may have at most {MAX_SHEET_ROWS:,} rows",
                                 f"một trang được có tối đa {_vi_count(MAX_SHEET_ROWS)} dòng")
                if column > MAX_SHEET_COLUMNS:
                    raise _limit(path, info.name, cell, f"a sheet may have at most {MAX_SHEET_COLUMNS} columns "
                                 f"(up to {column_letters(MAX_SHEET_COLUMNS)})",
                                 f"một trang được có tối đa {MAX_SHEET_COLUMNS} cột (đến cột "
                                 f"{column_letters(MAX_SHEET_COLUMNS)})")
                if info.cells > MAX_SHEET_CELLS:
                    raise _limit(path, info.name, cell, f"the sheet has more than {MAX_SHEET_CELLS:,} cells",
                                 f"trang có hơn {_vi_count(MAX_SHEET_CELLS)} ô")
                if info.max_row * info.max_column > MAX_SHEET_AREA:
                    area = f"A1:{column_letters(info.max_column)}{info.max_row}"
                    raise _limit(path, info.name, cell, f"the cells span {area}, more than {MAX_SHEET_AREA:,} "
                                 "cells", f"các ô trải trên vùng {area}, hơn {_vi_count(MAX_SHEET_AREA)} ô")
            elif event == "end" and tag in ("v", "t") and element.text:
                filled = True
            elif event == "end" and tag == "c":
                if filled:
                    info.filled += 1
                    info.first_filled = info.first_filled or f"{column_letters(column)}{row}"
                element.clear()
            elif event == "end" and tag == "row":
                element.clear()
    parser.close()


def inspect_workbook(path: Path, data: bytes) -> list[SheetInfo]:
    """Every sheet of a workbook with its cells counted, before any parsing; raises WorkbookLimitError beyond the
    limits (MAX_UNPACKED_BYTES, MAX_SHEET_*), RawFileError for a file that is not a workbook."""
    import zipfile
    from xml.etree import ElementTree

    try:
        book = zipfile.ZipFile(_io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RawFileError(path, 1, f"the Excel file cannot be opened: {exc}") from None
    with book:
        unpacked = sum(item.file_size for item in book.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            size, limit = _size_text(unpacked), _size_text(MAX_UNPACKED_BYTES)
            raise WorkbookLimitError(
                path, f"the workbook unpacks to {size} of data ({_size_text(len(data))} packed), more than the "
                      f"{limit} a workbook may hold; nothing of it was read",
                f"tệp giải nén ra {size} dữ liệu ({_size_text(len(data))} khi nén), vượt giới hạn {limit} của một "
                "tệp; tệp chưa được đọc")
        sheets = []
        try:
            for name, state, part in _sheet_parts(book):
                info = SheetInfo(name=name, state=state)
                with book.open(part) as stream:
                    _count_cells(path, stream, info)
                sheets.append(info)
        except WorkbookLimitError:
            raise
        except (ElementTree.ParseError, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
            raise RawFileError(path, 0, f"the Excel file is damaged and cannot be read: {exc}") from None
    return sheets


def load_workbook(filename, read_only: bool = False, data_only: bool = False, **kwargs):
    """openpyxl's load_workbook, only after inspect_workbook found the workbook within the limits; in read-only mode
    every row is read whatever dimension a sheet declares (openpyxl trusts a stale ``<dimension ref="A1:I50"/>``,
    which many exporters write, and silently drops the rows below it)."""
    data = bytes(filename) if isinstance(filename, (bytes, bytearray)) else read_raw_bytes(Path(filename))
    path = Path(filename) if not isinstance(filename, (bytes, bytearray)) else Path("workbook.xlsx")
    inspect_workbook(path, data)
    return _open_inspected(data, read_only, data_only, **kwargs)


def _open_inspected(data: bytes, read_only: bool, data_only: bool, **kwargs):
    from openpyxl import load_workbook as openpyxl_load

    book = openpyxl_load(_io.BytesIO(data), read_only=read_only, data_only=data_only, **kwargs)
    if read_only:
        for sheet in book.worksheets:
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()
    return book


def _sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _filled(row: tuple) -> int:
    return sum(1 for c in row if c not in (None, "") and str(c).strip())


def read_xlsx_table(path: Path, raw_dir: Path | None = None, columns: list[str] | None = None) -> RawTable:
    """Read the one sheet of a workbook that holds the table (the sheet whose first row has ``columns``).

    Other sheets may hold instructions; a second sheet that also holds rows of data is refused, since
    reading only one of them would drop rows silently. Without ``columns`` the first sheet is read.
    """
    data = read_raw_bytes(path, raw_dir)
    infos = inspect_workbook(path, data)
    try:
        values_book = _open_inspected(data, read_only=True, data_only=True)
        formula_book = _open_inspected(data, read_only=True, data_only=False)
    except RawFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise RawFileError(path, 1, f"the Excel file cannot be opened: {exc}") from None
    try:
        sheets = [(ws.title, _sheet_rows(ws)) for ws in values_book.worksheets]
        formulas = {ws.title: _sheet_rows(ws) for ws in formula_book.worksheets}
    except Exception as exc:  # a cell openpyxl cannot decode (e.g. the text 'inf' in a numeric cell)
        raise RawFileError(path, 0, f"the Excel file is damaged and cannot be read: {exc}") from None
    finally:
        values_book.close()
        formula_book.close()
    if not sheets or not sheets[0][1] and len(sheets) == 1:
        raise RawFileError(path, 1, "the first sheet is empty: it needs a header row")
    wanted = set(columns or [])
    with_header = [i for i, (_, rows) in enumerate(sheets)
                   if rows and wanted and wanted <= set(_clean_header(list(rows[0])))]
    if wanted and not with_header and len(sheets) > 1:
        matches = [len(wanted & set(_clean_header(list(rows[0])))) if rows else 0 for _, rows in sheets]
        closest = matches.index(max(matches))
        missing = [c for c in columns if c not in _clean_header(list(sheets[closest][1][0] or []))] \
            if sheets[closest][1] else list(columns)
        names = ", ".join(f"'{t}'" for t, _ in sheets)
        raise RawFileError(path, 1, (
            f"no sheet of the workbook ({names}) has the table's columns in its first row; the closest, "
            f"'{sheets[closest][0]}', lacks: {', '.join(missing)}"))
    chosen = with_header[0] if with_header else 0
    title, rows = sheets[chosen]
    header = _clean_header(list(rows[0])) if rows else []
    width = len([h for h in header if h])
    for i, (other, other_rows) in enumerate(sheets):
        if i == chosen or not wanted:  # without the columns, the first sheet is the table (as before)
            continue
        if i in with_header or any(_filled(r) >= max(3, width // 2) for r in other_rows):
            raise RawFileError(path, 0, (
                f"rows of data on more than one sheet ('{title}' and '{other}'): only one sheet is read, so put "
                "every row on one sheet (other sheets may hold instructions only)"))
    if not rows:
        raise RawFileError(path, 1, f"the sheet '{title}' is empty: it needs a header row")
    while header and not header[-1]:
        header.pop()
    formula_rows = formulas.get(title, [])
    table = RawTable(path=path, header=header, sheet=title)
    for info in infos:
        if info.hidden and info.filled:
            table.problems.append((0, "-", (
                f"the sheet '{info.name}' is hidden and holds {info.filled} filled cell(s) (from {info.first_filled}): "
                "whoever checked the workbook in a spreadsheet did not see them; unhide the sheet (right-click a "
                "sheet tab → Unhide), check it, and save")))
    for index, record in enumerate(rows[1:], start=2):
        cells = list(record)[: len(header)]
        raw_formulas = list(formula_rows[index - 1]) if index - 1 < len(formula_rows) else []
        for position, value in enumerate(cells):
            formula = raw_formulas[position] if position < len(raw_formulas) else None
            if value is None and isinstance(formula, str) and formula.startswith("="):
                cells[position] = CellError(
                    f"the cell holds the formula {formula!r} without a saved result (a program wrote the file, "
                    "Excel never calculated it): type the value, or open and save the file in Excel")
            elif isinstance(value, str) and _CONTROL.search(value):
                cells[position] = CellError(_control_message(_CONTROL.search(value).group()))
        if not any(isinstance(c, CellError) or (c not in (None, "") and str(c).strip()) for c in cells):
            continue
        cells += [None] * (len(header) - len(cells))
        table.rows.append({h: _clean_cell(c) for h, c in zip(header, cells)})
        table.line_numbers.append(index)
    return table


def read_table(path: Path, raw_dir: Path | None = None, columns: list[str] | None = None) -> RawTable:
    """Read a raw .csv or .xlsx file; raises RawFileError when it cannot be read.

    ``raw_dir``: links leading out of it are refused; ``columns``: the table's columns (to name a wrong
    separator, and to find the sheet of a workbook that holds them).
    """
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_table(path, raw_dir, columns)
    return read_csv_table(path, raw_dir, columns)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


# OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?$")


def _needs_quote(text: str) -> bool:
    # Cells already starting with the quote are quoted again, so that reading back undoes exactly one quote.
    body = text.lstrip("'")
    return body.startswith(_FORMULA_START) and not (body == text and _PLAIN_NUMBER.match(text))


def neutralise_formula(value: object) -> object:
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe (OWASP rule).

    Numbers, and text that is just a number (``-17``, ``+2.5``), stay as they are.
    """
    if isinstance(value, str) and value and _needs_quote(value):
        return "'" + value
    return value


def restore_formula_text(value: object) -> object:
    """The inverse of neutralise_formula, for reading a written table back."""
    if isinstance(value, str) and value.startswith("'") and value[1:].lstrip("'").startswith(_FORMULA_START):
        return value[1:]
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot run as formulas in a spreadsheet."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a processed/output table as UTF-8 CSV (no index), creating the folder.

    Every CSV the suite writes goes through here: text that Excel would run as a formula is neutralised.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


# Columns that look numeric but are codes or labels ("1.1" is a PII group, "2011-2015" a period).
TEXT_COLUMNS = ("group", "indicator", "target_id", "section", "issued", "source", "note", "alternatives",
                "tags", "components", "unit", "agency", "superseded_by", "value_text")


def read_processed(path: Path) -> pd.DataFrame:
    """Read a table written by write_table, keeping code and label columns as text."""
    df = pd.read_csv(path, encoding="utf-8", keep_default_na=True, dtype={c: str for c in TEXT_COLUMNS})
    df.columns = [restore_formula_text(c) for c in df.columns]
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].map(restore_formula_text)
    for column in ("superseded_by", "alternatives", "tags", "note", "agency"):
        if column in df.columns:
            df[column] = df[column].fillna("")
    return df
