"""Text from outside (forms, spreadsheets): the one rule on control characters.

A control character (Unicode category Cc: NUL, ESC, DEL, the C1 set, ...) is invisible, cannot be
stored on PostgreSQL (NUL) and can break e-mail headers, CSV files and terminals. A multi-line
text keeps its line breaks (CRLF, CR and the Unicode line and paragraph separators become "\n")
and tabs; a single-line text keeps tabs only.
"""

from __future__ import annotations

import unicodedata

_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_KEPT_MULTI_LINE = frozenset("\n\t")
_KEPT_SINGLE_LINE = frozenset("\t")


def without_control_characters(text: str, *, multi_line: bool) -> str:
    """The text with every control character taken out, but for the line breaks and tabs the
    field may hold (a multi-line field's line breaks made "\n")."""
    text = _line_breaks_unified(text) if multi_line else text
    if text.isprintable():  # the usual case: nothing to look at character by character
        return text
    kept = _KEPT_MULTI_LINE if multi_line else _KEPT_SINGLE_LINE
    return "".join(c for c in text
                   if c in kept or not (unicodedata.category(c) == "Cc" or c in "\u2028\u2029"))


def has_control_characters(text: str, *, multi_line: bool) -> bool:
    """Whether the rule takes something out (a browser's CRLF line breaks are not a reason)."""
    return without_control_characters(text, multi_line=multi_line) != (
        _line_breaks_unified(text) if multi_line else text)


def _line_breaks_unified(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
