"""Views of an :class:`~resnet_explain.architecture.Architecture`: text, Markdown, HTML, JSON, CSV.

``render(arch, format="text", depth="layer")`` is the one entry point (``Architecture.table``,
``str(arch)``, ``arch._repr_html_()`` and the ``summary`` command call it).

The views read only the Architecture and never import torch. They format numbers the
Architecture holds (totals, depth, the depth formula, mult-adds, the output-size derivations);
they do not compute them again. ``rows.py`` builds the rows that the text, Markdown, HTML and
CSV views share, so every format shows the same rows with the same numbers; ``numbers.py``
holds the formatting conventions; ``jsonview.py`` documents the JSON contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..choices import DEPTHS, TABLE_FORMATS
from ..gcpause import without_collector
from .rows import build_table, check_depth
from .width import check_width

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture

FORMATS = TABLE_FORMATS

__all__ = ["DEPTHS", "FORMATS", "render"]


@without_collector
def render(arch: Architecture, format: str = "text", depth: str = "layer",
           width: int | None = None) -> str:
    """The summary of ``arch`` as ``text``, ``markdown``, ``html``, ``json`` or ``csv``.

    ``depth`` is ``stage``, ``block`` or ``layer`` (rows per stage, per residual block or per
    traced layer). JSON ignores ``depth``: it always holds everything. ``width``: the text
    view fits that many columns (see ``text.py``; ``None``, the default: no limit); the other
    formats ignore it.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    check_depth(depth)
    check_width(width)
    if format == "json":
        from .jsonview import to_json

        return to_json(arch) + "\n"
    table = build_table(arch, depth)
    if format == "text":
        from .text import render_table

        return render_table(table, width)
    if format == "markdown":
        from .markdown import render_table
    elif format == "html":
        from .html import render_table
    else:
        from .csvview import render_table
    return render_table(table)
