"""Text width in terminal columns: a CJK character (East Asian Wide or Fullwidth, as
:func:`unicodedata.east_asian_width` says) takes two columns, every other character one, so a
Chinese table lines up in a monospace terminal. Text without wide characters is measured by
``len`` (the English bytes stay exactly as before)."""

from __future__ import annotations

import re
import unicodedata

#: The blocks that hold every Wide or Fullwidth character (Hangul Jamo, the technical symbols
#: and dingbats, CJK, Hangul, the compatibility and fullwidth forms, Tangut and the kana
#: supplements, emoji, the supplementary ideographs), leaving out the narrow symbols the
#: tables are made of: box drawing (``├─``), arrows, ``×``, ``·``, ``−``, ``…``. Text without
#: any of them is all narrow, and ``len`` measures it (a test checks every assigned code
#: point against :func:`unicodedata.east_asian_width`).
_MAYBE_WIDE = re.compile("[\u1100-\u115f\u2300-\u24ff\u2580-\u2bff\u2e80-\ua4cf"
                         "\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe6f"
                         "\uff00-\uffef\U00016fe0-\U0001b2ff\U0001f000-\U0001fbff"
                         "\U00020000-\U0003fffd]")


def width(text: str) -> int:
    """The columns ``text`` takes in a monospace terminal."""
    if text.isascii() or _MAYBE_WIDE.search(text) is None:
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def ljust(text: str, columns: int) -> str:
    """``text`` padded on the right to ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def rjust(text: str, columns: int) -> str:
    """``text`` padded on the left to ``columns`` terminal columns."""
    return " " * max(columns - width(text), 0) + text
