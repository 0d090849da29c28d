"""Text from outside (file names, cell texts, headers) made safe to print: one message is always one line.

A returned workbook's file name comes from an e-mail attachment, a cell's text from whoever typed it: a line break
in it would forge a second message line, an escape sequence would clear or retitle the terminal, a bidirectional
override would show the text reversed. Every such character is shown escaped instead: ``\\n``, ``\\x1b``,
``U+202E``. Letters of every script (Vietnamese with its diacritics) and ordinary spaces are kept.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Cc control characters, Cf format characters (bidi overrides and isolates, zero-width characters, BOM), line and
# paragraph separators, surrogates (undecodable bytes of a file name), private use and unassigned code points.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 in a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


def escape(text: object) -> str:
    """``text`` with every control, format or separator character written out, so that it prints as one line."""
    text = str(text)
    if text.isprintable():  # the common case: nothing to do (isprintable is False for every unsafe character)
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in _UNSAFE_CATEGORIES or c in _NAMED else c
                   for c in text)
