"""English for the messages: the article a number or a name takes when it is read aloud, a
counted noun's plural, and the words for a map's axes and positions."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+")


def a_or_an(text: str) -> str:
    """``text`` after "a" or "an", as it sounds: "an 8-channel", "an 11×11", "a 16×16",
    "an AvgPool2d", "a ReLU". A number is read aloud by its leading group of three digits
    ("eighteen thousand"): an 8, 11, 18 or 8x/8xx there starts with a vowel sound."""
    number = _NUMBER.match(text)
    if number:
        digits = number.group()
        lead = digits[: len(digits) % 3 or 3]
        vowel = lead in ("11", "18") or lead.startswith("8")
    else:
        vowel = text[:1].lower() in ("a", "e", "i", "o", "u")
    return f"{'an' if vowel else 'a'} {text}"


def count(number: int, noun: str) -> str:
    """``"1 block"``, ``"3 blocks"``: a number and a noun with a regular plural."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


#: The axes of a map with 1, 2 or 3 spatial dimensions, named as PyTorch's documentation
#: names them (N, C, L for Conv1d; N, C, H, W; N, C, D, H, W for Conv3d).
AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}

#: What one input with 1, 2 or 3 spatial dimensions is called (a video or a volume: a clip).
ITEMS = {1: "signal", 2: "image", 3: "clip"}


def letters(spatial: int) -> str:
    """The spatial axes of an input as a size spells them: ``"H×W"``, ``"L"``, ``""``."""
    return "×".join(AXES.get(spatial, ()))


#: What one line of positions across each axis is called: the rows of an image are along H.
LINES = {"L": "sample", "H": "row", "W": "column", "D": "plane"}


def position(axis: str) -> str:
    """One position of an input along ``axis``: a signal's sample, an image's (or a video's,
    a volume's) pixel."""
    return "sample" if axis == "L" else "pixel"


#: A shortcut kind as the views say it. Option A's kind is ``padded`` in the data (JSON, CSV,
#: ``Block.kind``); in words it is a "zero-padded identity", which a conv's padding cannot be
#: mistaken for.
SHORTCUT_WORDS = {"padded": "zero-padded identity"}


def shortcut_kind(kind: str) -> str:
    """``"identity"``, ``"projection"``, ``"zero-padded identity"`` (option A's ``padded``)."""
    return SHORTCUT_WORDS.get(str(kind), str(kind))


def units(spatial: int) -> tuple[str, str]:
    """A length along a map with ``spatial`` dimensions, short and long: ``("px",
    "pixels")`` for an image, a video or a volume, ``("samples", "samples")`` for a signal."""
    return ("samples", "samples") if spatial == 1 else ("px", "pixels")
