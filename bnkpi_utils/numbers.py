"""Parsing numbers written in Vietnamese or English notation, without guessing.

Vietnamese notation uses a decimal comma and a thousands dot (``45,92``; ``1.260``); English notation the
reverse. Most values tell by themselves which notation they use (``45,92`` can only be a decimal comma).
A value such as ``1.260`` or ``1,260`` does not: it is resolved from the notation of the other values in the
same column, and is an error when the column does not tell either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

VI = "vi"
EN = "en"

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_MINUS_SIGNS = ("\u2212", "\u2013")  # minus sign, en dash typed for a minus
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
# A space inside a number (also a non-breaking or narrow one) only groups thousands: 67 200, 1 234 567,5.
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+(?![\d ])")

# No figure of this suite comes near 10^15 (Việt Nam's GDP is about 10^10 million VND); a larger number is a
# typing or export accident, and one that float() turns into infinity breaks every computation downstream.
MAX_ABS_VALUE = 1e15


class NumberError(ValueError):
    """A cell that is not a number, or not one we can read without guessing."""


def _strip(text: str) -> tuple[str, str]:
    """Return (sign, body) with spaces, a trailing % and the sign removed."""
    body = _SPACES.sub("", text)
    for minus in _MINUS_SIGNS:
        body = body.replace(minus, "-")
    if body.endswith("%"):
        body = body[:-1]
    sign = ""
    if body[:1] in "+-":
        sign, body = ("-" if body[0] == "-" else ""), body[1:]
    return sign, body


def notation_of(text: str) -> str | None:
    """The notation a single value proves (``vi``/``en``), or None when it proves nothing."""
    _, body = _strip(str(text))
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        return VI if body.rfind(",") > body.rfind(".") else EN
    if not (has_dot or has_comma):
        return None
    sep = "." if has_dot else ","
    parts = body.split(sep)
    if len(parts) > 2:  # 1.260.000 or 1,260,000: the separator groups thousands
        return VI if sep == "." else EN
    whole, frac = parts
    if len(frac) != 3 or whole in ("", "0"):
        # the separator is a decimal mark: 45,92 / 0,500 / 3.5
        return VI if sep == "," else EN
    return None  # 1.260 or 1,260: thousands or decimals, cannot tell alone


def notations(values: Iterable[object]) -> list[str | None]:
    """The notation each value proves by itself (None for numbers stored as numbers, empty or ambiguous text)."""
    return [None if value is None or isinstance(value, (int, float)) or not str(value).strip()
            else notation_of(str(value).strip()) for value in values]


def column_notation(values: Iterable[object]) -> str | None:
    """The notation the values of one column prove together; raises NumberError when they mix both."""
    values = list(values)
    proved = notations(values)
    seen = {found: str(value).strip() for value, found in zip(values, proved) if found}
    if len(seen) == 2:
        raise NumberError(
            f"the column mixes Vietnamese ({seen[VI]!r}) and English ({seen[EN]!r}) number notation"
        )
    return next(iter(seen), None)


def majority_notation(values: Iterable[object]) -> str | None:
    """The notation most values of a column prove (None on a tie): the column's notation when one value strays."""
    proved = [p for p in notations(values) if p]
    vi, en = proved.count(VI), proved.count(EN)
    return VI if vi > en else EN if en > vi else None


def parse_number(value: object, notation: str | None = None) -> float:
    """Read one number; ``notation`` is the column's notation, used only for ambiguous values."""
    if isinstance(value, bool):
        raise NumberError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return _checked(float(value), repr(value))
    text = str(value).strip()
    if not text:
        raise NumberError("empty value")
    _check_spaces(text)
    sign, body = _strip(text)
    if re.fullmatch(r"\d+", body):
        return _checked(float(sign + body), text)
    if not re.fullmatch(r"[\d.,]+", body) or body[0] in ".," or body[-1] in ".,":
        raise NumberError(f"not a number: {text!r}")
    used = notation_of(text) or notation
    if used is None:
        raise NumberError(
            f"ambiguous number {text!r}: it can be read as thousands or as decimals; "
            "write it without a thousands separator (e.g. 1260) or with its decimals (e.g. 1,26)"
        )
    decimal_mark, thousands_mark = (",", ".") if used == VI else (".", ",")
    if thousands_mark in body:
        whole = body.split(decimal_mark)[0]
        if not _GROUPED.fullmatch(whole.replace(thousands_mark, ",")):
            raise NumberError(f"not a number: {text!r} (thousands separators in the wrong places)")
    if body.count(decimal_mark) > 1:
        raise NumberError(f"not a number: {text!r} (more than one decimal mark)")
    normalised = body.replace(thousands_mark, "").replace(decimal_mark, ".")
    return _checked(float(sign + normalised), text)


def _check_spaces(text: str) -> None:
    """A space inside the digits is accepted only where it separates groups of three (``67 200``), as dots are;
    ``6 5`` or ``6 72 00`` are errors, not 65 and 67 200."""
    core = _SPACES.sub(" ", text.strip())
    core = re.sub(r"^[+\-\u2212\u2013] ?", "", core)  # a sign, maybe followed by a space
    core = re.sub(r" ?%$", "", core)
    if " " not in core:
        return
    if not _SPACE_GROUPED.match(core) or " " in core[_SPACE_GROUPED.match(core).end():]:
        raise NumberError(f"not a number: {_short(text)!r} (a space inside a number may only separate thousands, "
                          "in groups of three digits: 67 200)")


def _checked(number: float, text: str) -> float:
    if not math.isfinite(number):
        raise NumberError(f"not a finite number: {_short(text)}")
    if abs(number) >= MAX_ABS_VALUE:
        raise NumberError(f"implausibly large number: {_short(text)} (no value of this suite reaches 10^15)")
    return number


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{text[-6:]} ({len(text)} characters)"


def format_vi(value: float, decimals: int = 2) -> str:
    """Format a number the Vietnamese way: ``48,76``; ``1.260,5``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def format_issued(text: object, lang: str = "vi") -> str:
    """A document date as the tables keep it (``2025-05-06``, ``2026-04``) the way a reader writes it:
    ``06/05/2025``, ``tháng 4/2026`` (English: ``6 May 2025``, ``April 2026``); anything else unchanged."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text).strip()
    day = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if day:
        y, m, d = (int(x) for x in day.groups())
        if 1 <= m <= 12 and 1 <= d <= 31:
            return f"{d:02d}/{m:02d}/{y}" if lang == "vi" else f"{d} {_MONTHS_EN[m - 1]} {y}"
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        y, m = (int(x) for x in month.groups())
        if 1 <= m <= 12:
            return f"tháng {m}/{y}" if lang == "vi" else f"{_MONTHS_EN[m - 1]} {y}"
    return text
