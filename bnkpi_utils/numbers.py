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


def column_notation(values: Iterable[object]) -> str | None:
    """The notation the values of one column prove together; raises NumberError when they mix both."""
    seen: dict[str, str] = {}
    for value in values:
        if value is None or isinstance(value, (int, float)):
            continue
        text = str(value).strip()
        if not text:
            continue
        found = notation_of(text)
        if found and found not in seen:
            seen[found] = text
    if len(seen) == 2:
        raise NumberError(
            f"the column mixes Vietnamese ({seen[VI]!r}) and English ({seen[EN]!r}) number notation"
        )
    return next(iter(seen), None)


def parse_number(value: object, notation: str | None = None) -> float:
    """Read one number; ``notation`` is the column's notation, used only for ambiguous values."""
    if isinstance(value, bool):
        raise NumberError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            raise NumberError("empty value")
        return float(value)
    text = str(value).strip()
    if not text:
        raise NumberError("empty value")
    sign, body = _strip(text)
    if re.fullmatch(r"\d+", body):
        return float(sign + body)
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
    return float(sign + normalised)


def format_vi(value: float, decimals: int = 2) -> str:
    """Format a number the Vietnamese way: ``48,76``; ``1.260,5``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
