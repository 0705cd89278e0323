"""How wide the text views may be, and the two ways they keep to it.

**Which width** (:func:`output_width`, the one function that decides it for the CLI):

1. ``--width N`` when given;
2. else, when the result goes to a terminal (standard output is a tty and no ``-o FILE``),
   the terminal's width from :func:`shutil.get_terminal_size` (which honours ``COLUMNS``
   itself);
3. else ``COLUMNS`` when it is set to a whole number (a pipe, ``less``, a test's capture);
4. else ``None``: unlimited — the text exactly as it always was, which is what files and the
   golden outputs get.

A width below :data:`MIN_WIDTH` from the terminal or ``COLUMNS`` is raised to it; ``--width``
below it is refused (:func:`parse_width`). The Python API never looks at the terminal:
``arch.table(width=80)``, ``table1(...).render(width=80)``, ``comparison.render(width=80)``.

**How the views keep to it:** a table folds columns by their priority (see
``rows.Column`` and ``text.py``); prose — notes, warnings, a wide header row — is wrapped at
word boundaries with a hanging indent by :func:`wrap`, which never breaks a word, so a
number, a shape or a module name is never split. A single word longer than the width is
the one thing that may overflow it; the zoo's words are all far shorter than
:data:`MIN_WIDTH`.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from typing import TextIO

#: The narrowest width the views lay out for (a tree row's name, a shape and a count fit).
MIN_WIDTH = 40


def parse_width(text: str) -> int:
    """``--width N``: a whole number of columns, at least :data:`MIN_WIDTH`; anything else
    raises ``ValueError`` with a sentence that says why (the CLI's one-line error)."""
    value = text.strip()
    if not value.lstrip("-").isdigit():
        raise ValueError(f"{text!r} is not a whole number of columns")
    width = int(value)
    if width < MIN_WIDTH:
        raise ValueError(f"{width} columns is too narrow: give at least {MIN_WIDTH}")
    return width


def check_width(width: int | None) -> int | None:
    """``width`` itself when it is ``None`` or a whole number ≥ :data:`MIN_WIDTH`; the
    Python API's ``ValueError`` otherwise."""
    if width is None:
        return None
    if isinstance(width, bool) or not isinstance(width, int):
        raise ValueError(f"width must be a whole number of columns or None, not {width!r}")
    if width < MIN_WIDTH:
        raise ValueError(f"width {width} is too narrow: give at least {MIN_WIDTH} (or None "
                         f"for no limit)")
    return width


def output_width(option: int | None, output: str | None = None, *,
                 stdout: TextIO | None = None,
                 environ: Mapping[str, str] | None = None) -> int | None:
    """The width a command's text result is laid out for: ``option`` (``--width``), else the
    terminal's when ``stdout`` is a terminal, else ``COLUMNS``, else ``None`` (unlimited).
    A result written to a file (``output``) is never narrowed unless ``--width`` says so."""
    if option is not None:
        return option
    if output is not None:
        return None
    stream = sys.stdout if stdout is None else stdout
    env = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return max(MIN_WIDTH, shutil.get_terminal_size().columns)
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    return None


def wrap(text: str, width: int, indent: str = "", hanging: str = "  ",
         subsequent: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken only at spaces: the first line
    starts with ``indent``, the others with ``subsequent`` (default ``indent + hanging``).
    Words are never broken (a word longer than the room left stays whole on its own line);
    a line that fits comes back as it was."""
    if len(indent) + len(text) <= width:
        return [indent + text]
    later = indent + hanging if subsequent is None else subsequent
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=later,
                         break_long_words=False, break_on_hyphens=False) or [indent]


def wrap_lines(lines: list[str], width: int | None, hanging: str = "  ") -> list[str]:
    """Each of ``lines`` wrapped by :func:`wrap` (its own leading spaces kept as its indent);
    ``width`` ``None`` leaves them as they are."""
    if width is None:
        return list(lines)
    out: list[str] = []
    for line in lines:
        body = line.lstrip(" ")
        out += wrap(body, width, line[:len(line) - len(body)], hanging)
    return out
