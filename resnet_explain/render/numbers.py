"""Formatting of numbers and shapes, shared by every view.

Conventions (the same in the text, Markdown and HTML tables):

* Counts (``Param #``, ``Mult-Adds``) are integers with thousands separators, ``9,408``;
  a zero is shown as ``--`` the way torchinfo does, so the eye finds the layers that cost
  something. The per-row Mult-Adds stay exact integers so that a column adds up to the total.
* Totals follow torchinfo's block: ``Total mult-adds (G): 4.09`` (unit M, G or T, two
  decimals), ``Params size (MB): 102.23`` (bytes / 10⁶).
* Shapes are printed as torchinfo prints them, ``[1, 64, 56, 56]``; a spatial size alone as
  ``56×56``; in CSV as ``1x64x56x56`` (ASCII, one cell).
* Kernel, stride and padding of a conv or pool read ``7×7 /2 p3`` (kernel 7×7, stride 2,
  padding 3); dilation ``d2`` and groups ``g32`` are added only when they are not 1.

Nothing here computes a model quantity: these functions only turn numbers the
Architecture already holds into text.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import words
from ..i18n import _
from ..notation import dims, typed

DASH = "--"


def blocks(count: int) -> str:
    """A stage's residual blocks: ``×3 blocks``, ``×1 block``; a network with none (a plain
    CNN is one stage) says so rather than ``×0 blocks``."""
    if count == 0:
        return _("no residual blocks")
    return _("×{blocks}", blocks=words.count(count, "block"))


def thousands(value: int) -> str:
    """``25557032`` → ``25,557,032``."""
    return f"{value:,}"


def count(value: int) -> str:
    """A per-row count: thousands separators, ``--`` for zero."""
    return thousands(value) if value else DASH


def readable(value: float) -> tuple[str, str]:
    """torchinfo's automatic unit for mult-adds: ``("G", "4.09")``."""
    if abs(value) >= 1e12:
        return "T", f"{value / 1e12:.2f}"
    if abs(value) >= 1e9:
        return "G", f"{value / 1e9:.2f}"
    return "M", f"{value / 1e6:.2f}"


def megabytes(num_bytes: int) -> str:
    """Bytes as torchinfo's ``(MB)`` figures: 10⁶ bytes, two decimals."""
    return f"{num_bytes / 1e6:.2f}"


def shape(value: Sequence[int] | None) -> str:
    """``(1, 64, 56, 56)`` → ``[1, 64, 56, 56]``; ``None`` → ``""``."""
    if value is None:
        return ""
    return "[" + ", ".join(map(str, value)) + "]"


def outputs(shapes: Sequence[Sequence[int]], first: Sequence[int]) -> str:
    """What a model returns: ``[1, 1000]``, or for several tensors ``4 outputs: [1, 256,
    56, 56], [1, 256, 28, 28], …`` (``first`` where no list of them is known)."""
    if len(shapes) <= 1:
        return shape(first)
    return f"{len(shapes)} outputs: " + ", ".join(map(shape, shapes))


def shape_csv(value: Sequence[int] | None) -> str:
    """``(1, 64, 56, 56)`` → ``1x64x56x56``."""
    if value is None:
        return ""
    return typed(value)


def spatial(value: Sequence[int] | None) -> str:
    """The spatial part of a feature-map shape, ``56×56``; other shapes in full."""
    if value is None:
        return ""
    if len(value) >= 3:
        return dims(value[2:])
    return shape(value)


def _same_or_all(values: Sequence[int], sep: str) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return sep.join(map(str, values))


def kernel(kernel_size: Sequence[int] | None, stride: Sequence[int] | None,
           padding: Sequence[int] | None, dilation: Sequence[int] | None = None,
           groups: int | None = None) -> str:
    """``7×7 /2 p3``; blank when the layer has no kernel (not a conv or pool)."""
    if not kernel_size:
        return ""
    parts = [dims(kernel_size)]
    if stride:
        parts.append("/" + _same_or_all(stride, ","))
    if padding is not None and len(padding):
        parts.append("p" + _same_or_all(padding, ","))
    if dilation and any(d != 1 for d in dilation):
        parts.append("d" + _same_or_all(dilation, ","))
    if groups and groups != 1:
        parts.append(f"g{groups}")
    return " ".join(parts)


def tuple_csv(value: Sequence[int] | None) -> str:
    """A kernel/stride/padding tuple for CSV: ``3x3``; blank for ``None``."""
    if value is None:
        return ""
    return typed(value)
