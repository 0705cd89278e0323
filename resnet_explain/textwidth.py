"""Text width in terminal columns: a CJK character (East Asian Wide or Fullwidth, as
:func:`unicodedata.east_asian_width` says) takes two columns, every other character one, so a
Chinese table lines up in a monospace terminal. Text without wide characters is measured by
``len`` (the English bytes stay exactly as before)."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """The columns ``text`` takes in a monospace terminal."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def ljust(text: str, columns: int) -> str:
    """``text`` padded on the right to ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def rjust(text: str, columns: int) -> str:
    """``text`` padded on the left to ``columns`` terminal columns."""
    return " " * max(columns - width(text), 0) + text
