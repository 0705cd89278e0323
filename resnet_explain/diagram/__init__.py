"""Graphviz diagrams drawn from a traced :class:`~resnet_explain.architecture.Architecture`.

>>> arch = explain("resnet50")
>>> arch.diagram()                      # stage level: stem, conv2_x … conv5_x "× n", head
>>> arch.diagram(level="layer")         # every layer; runs of identical blocks "× 5"
>>> arch.diagram(block="conv3_1")       # one block: layers, add, ReLUs, dashed projection
>>> arch.diagram().write("resnet50.svg")  # .svg/.png/.pdf/.dot, no system Graphviz needed

Importing this package imports neither torch nor graphviz; :func:`diagram` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import N_

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture
    from .dot import Diagram

LEVELS = ("stage", "block", "layer")
#: What a drawing of each level shows, for its text/plain (translated where it is made).
_LEVEL_ABOUT = {"stage": N_("{model} stage-level"), "block": N_("{model} block-level"),
                "layer": N_("{model} layer-level")}

__all__ = ["LEVELS", "diagram"]


def diagram(arch: Architecture, level: str = "stage", *, block: str | None = None,
            compare: Architecture | None = None, collapse: bool | None = None,
            names: bool = True, title: str | None = None, rankdir: str = "TB",
            columns: bool = False, fit: str | None = "notebook", **options: Any) -> Diagram:
    """Draw ``arch`` as a :class:`~.dot.Diagram` (a ``graphviz.Digraph``).

    ``level`` is ``stage``, ``block`` or ``layer``. ``block="layer3.0"`` (or ``"conv4_1"``)
    draws that one residual block instead. ``compare`` draws a second Architecture beside the
    first. ``collapse`` folds runs of identical consecutive blocks into one "× n" node
    (default: on at layer level, off at block level). ``names`` shows module names.
    ``rankdir`` lays the data flow out top to bottom (``"TB"``, or ``"vertical"``) or left to
    right (``"LR"``, or ``"horizontal"``). ``columns=True`` (block level) puts each stage in a
    column of its own, side by side: the shape that fits a slide. ``fit`` scales a drawing
    that is larger down to a ``"notebook"`` output area (1000 px wide, the default), a
    ``"slide"`` (1280 × 720 px), or not at all (``"none"``).
    """
    if options:
        unknown = ", ".join(sorted(options))
        raise TypeError(f"diagram() got unexpected options: {unknown}")
    if level not in LEVELS:
        from ..errors import UserError

        raise UserError(f"unknown diagram level {level!r}", f"Choose one of {', '.join(LEVELS)}")
    if block is not None:
        from .block import Panel, block_diagram, compare_blocks

        if compare is None:
            drawing = block_diagram(arch, block, names=names)
        else:
            drawing = compare_blocks([Panel(arch, block), Panel(compare, block)], title=title,
                                     names=names)
    else:
        from .network import network_diagram

        if columns and level != "block":
            from ..errors import UserError

            raise UserError("columns=True lays out the stages of a block-level diagram",
                            "Draw it with level='block' (--level block)")
        drawing = network_diagram(arch, level, compare=compare, collapse=collapse, names=names,
                                  title=title, columns=columns)
    from ..i18n import language

    drawing.about = _about(arch, level, block, compare)
    drawing.language = language()  # its text/plain, shown later, speaks as its labels do
    return drawing.orient(rankdir).fit(fit)


def _about(arch: Architecture, level: str, block: str | None,
           compare: Architecture | None) -> str:
    """``resnet50 block conv3_1 beside resnet50-v1's``: what a drawing shows, in words (in the
    language in force)."""
    from ..i18n import _, translated

    if block is not None:
        what = _("{model} block {block}", model=arch.model, block=block)
    else:
        what = translated(_LEVEL_ABOUT[level], model=arch.model)
    if compare is None:
        return what
    return _("{drawing} beside {other}'s", drawing=what, other=compare.model)
