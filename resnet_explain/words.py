"""Words for the messages: the article a number or a name takes when it is read aloud, a
counted noun's plural, and the words for a map's axes and positions.

The English words are catalog ids (:mod:`resnet_explain.i18n`): :func:`count` takes each
counted noun's forms from :data:`COUNTED` through ``ngettext``, so "3 blocks" is "3 个残差块" in
Chinese; a noun missing from the table is counted in English (tests/test_i18n.py checks
that every noun the code counts is in it)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .i18n import N_, ngettext, translated

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
    """``"1 block"``, ``"3 blocks"``: a number and a noun with a regular plural, in the
    current language (:data:`COUNTED`)."""
    forms = COUNTED.get(noun)
    if forms is not None:
        return forms(number)
    return f"{number} {noun}" + ("" if number == 1 else "s")


#: Every counted noun, as ``ngettext`` forms with ``{n}`` (the ids the catalogs translate).
COUNTED: dict[str, Callable[[int], str]] = {
    "block": lambda n: ngettext("{n} block", "{n} blocks", n),
    "channel": lambda n: ngettext("{n} channel", "{n} channels", n),
    "convolution": lambda n: ngettext("{n} convolution", "{n} convolutions", n),
    "parameter": lambda n: ngettext("{n} parameter", "{n} parameters", n),
    "missing channel": lambda n: ngettext("{n} missing channel", "{n} missing channels", n),
    "more layer": lambda n: ngettext("{n} more layer", "{n} more layers", n),
    "tensor": lambda n: ngettext("{n} tensor", "{n} tensors", n),
    "zero-padded identity shortcut": lambda n: ngettext(
        "{n} zero-padded identity shortcut", "{n} zero-padded identity shortcuts", n),
    "weighted layer": lambda n: ngettext("{n} weighted layer", "{n} weighted layers", n),
    "shortcut projection": lambda n: ngettext("{n} shortcut projection",
                                              "{n} shortcut projections", n),
    "dimension": lambda n: ngettext("{n} dimension", "{n} dimensions", n),
    "warning": lambda n: ngettext("{n} warning", "{n} warnings", n),
    "place": lambda n: ngettext("{n} place", "{n} places", n),
    "more place": lambda n: ngettext("{n} more place", "{n} more places", n),
    "lazy module": lambda n: ngettext("{n} lazy module", "{n} lazy modules", n),
    "difference": lambda n: ngettext("{n} difference", "{n} differences", n),
    "image": lambda n: ngettext("{n} image", "{n} images", n),
    "signal": lambda n: ngettext("{n} signal", "{n} signals", n),
    "clip": lambda n: ngettext("{n} clip", "{n} clips", n),
    "pixel": lambda n: ngettext("{n} pixel", "{n} pixels", n),
    "sample": lambda n: ngettext("{n} sample", "{n} samples", n),
}

#: Single words the messages put in a template (an axis's line, an input's item, a unit),
#: marked for the catalog; :func:`word` says one in the current language.
WORDS = (N_("sample"), N_("row"), N_("column"), N_("plane"), N_("position"), N_("pixel"),
         N_("pixels"), N_("samples"), N_("image"), N_("signal"), N_("clip"), N_("px"),
         # roles, stage kinds and shortcut kinds, as the tables show them
         N_("stem"), N_("main"), N_("shortcut"), N_("head"), N_("blocks"), N_("identity"),
         N_("projection"), N_("zero-padded identity"), N_("padded"),
         # layer kinds (LayerKind)
         N_("conv"), N_("linear"), N_("pool"), N_("adaptive_pool"), N_("batch_norm"),
         N_("norm"), N_("activation"), N_("reshape"), N_("other"))


def word(text: str) -> str:
    """One of :data:`WORDS` in the current language."""
    return translated(text)


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
    """``"identity"``, ``"projection"``, ``"zero-padded identity"`` (option A's ``padded``),
    in the current language."""
    return translated(SHORTCUT_WORDS.get(str(kind), str(kind)))


def units(spatial: int) -> tuple[str, str]:
    """A length along a map with ``spatial`` dimensions, short and long: ``("px",
    "pixels")`` for an image, a video or a volume, ``("samples", "samples")`` for a signal."""
    return ("samples", "samples") if spatial == 1 else ("px", "pixels")
