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


#: Punctuation that never starts a line (Chinese line breaking), and that never ends one.
NO_BREAK_BEFORE = "，。、；：？！）》」』”’·…—"
NO_BREAK_AFTER = "（《「『“‘"


def wrap_wide(text: str, limit: int, first: str = "", later: str = "") -> list[str]:
    """:func:`textwrap.wrap` for text with CJK characters: a line may break at a space or
    between two wide characters (not before closing punctuation, not after opening), a wide
    character taking two terminal columns; a name in backticks is never broken. ``first``
    and ``later`` start the first and the following lines."""
    tokens: list[str] = []
    for part in re.split(r"(`[^`]*`)", text):
        if part.startswith("`"):
            tokens[-1:] = [tokens[-1] + part] if tokens and not tokens[-1].endswith(" ") \
                else [*tokens[-1:], part]
            continue
        for word in part.split(" "):
            piece = ""
            for char in word:
                wide = width(char) == 2
                if not piece and tokens and char in NO_BREAK_BEFORE:
                    piece = tokens.pop()  # stays at the end of the word before it
                if piece and wide and char not in NO_BREAK_BEFORE:
                    tokens.append(piece)
                    piece = ""
                piece += char
                if wide and char not in NO_BREAK_AFTER:
                    tokens.append(piece)
                    piece = ""
            tokens.append(piece + " ")
        tokens[-1] = tokens[-1][:-1]  # the split added one space too many
    lines: list[str] = []
    current = first
    for token in tokens:
        if width(current + token.rstrip()) > limit and current.strip():
            lines.append(current.rstrip())
            current = later + token.lstrip()
        else:
            current += token
    if current.strip():
        lines.append(current.rstrip())
    return lines
