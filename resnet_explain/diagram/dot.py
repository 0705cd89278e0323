"""The :class:`Diagram`: a ``graphviz.Digraph`` that renders without a system Graphviz.

The graphviz package builds DOT source in pure Python but calls the ``dot`` executable for
everything else — ``pipe()``, ``render()`` and the Jupyter display. :class:`Diagram` routes
those through :mod:`.render` (graphviz-pure, else pygraphviz, else a system ``dot``), so
``explain("resnet50").diagram()`` displays inline in Jupyter after ``pip install`` alone,
silently, and no wider than the output area.
"""

from __future__ import annotations

import base64
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import graphviz

from ..errors import UserError
from . import output as _render
from . import style

#: Inline CSS of the SVG a notebook shows: shrink to the output area's width, never grow.
DISPLAY_STYLE = "max-width:100%;height:auto"
#: A drawing wider than this (CSS px) is shown ``width="100%"`` (its viewBox kept): the
#: narrowest output area the display is made for. JupyterLab shows an SVG as an ``<img>``
#: that no host CSS narrows, so the SVG's own width must be relative to fit; a narrower
#: drawing keeps its natural size (it fits every area from this width up, unscaled).
FLUID_FROM_PX = 600
_PT_TO_PX = 4 / 3
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


class Diagram(graphviz.Digraph):
    """A Graphviz digraph of (part of) an Architecture; display it, or save it by suffix."""

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None) -> Any:
        """Render with graphviz-pure, pygraphviz or a system Graphviz (see :mod:`.render`)
        and return the bytes (or text when ``encoding`` is given). Graphviz's own
        ``renderer``/``formatter``/``engine`` options are not supported."""
        data = _render.render(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding else data

    #: What the drawing shows, for the text/plain fallback ("resnet50 block conv3_1 …");
    #: :func:`resnet_explain.diagram.diagram` sets it.
    about: str = ""
    #: The language of its labels (``None``: the one in force when it is shown); the
    #: text/plain fallback speaks it too. :func:`resnet_explain.diagram.diagram` sets it.
    language: str | None = None

    def _repr_image_svg_xml(self) -> str:
        """The SVG Jupyter shows: never wider than the output area.

        Shown inline (VS Code, classic Notebook) ``max-width:100%`` shrinks it; JupyterLab and
        Notebook 7 show it as an ``<img>`` that no CSS narrows, so a drawing wider than
        :data:`FLUID_FROM_PX` is written ``width="100%"`` with its viewBox (it scales to the
        area, proportions kept) and ``max-width`` its natural width (inline, it never grows).
        """
        return fluid_svg(self.pipe(format="svg", encoding="utf-8"))

    def _repr_image_png(self) -> bytes:
        return self.pipe(format="png")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **_: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """SVG, PNG and a sentence, so that the drawing survives a saved notebook.

        A trusted notebook shows the SVG (sharp at any zoom). An untrusted one — any notebook
        reopened from disk — renders no SVG, but does show a PNG: drawn at
        :data:`~.render.RASTER_DPI` (twice the screen's), its metadata ``width`` is the
        natural width in CSS px, so it shows at the SVG's size, and shrinks to the area.
        text/plain says what the drawing is, for a front end that shows neither.
        """
        raw = self.pipe(format="svg", encoding="utf-8")
        data: dict[str, Any] = {"image/svg+xml": fluid_svg(raw), "text/plain": self.describe()}
        metadata: dict[str, Any] = {}
        wanted = [kind for kind in ("image/svg+xml", "image/png", "text/plain")
                  if (not include or kind in include) and not (exclude and kind in exclude)]
        if "image/png" in wanted:
            data["image/png"] = base64.b64encode(self._repr_image_png()).decode("ascii")
            width, height = natural_size_px(raw)
            metadata["image/png"] = {"width": round(width), "height": round(height)}
        return {kind: data[kind] for kind in wanted}, metadata

    def describe(self) -> str:
        """One line for text/plain: what the drawing is, how many boxes, and where to see it.

        ``resnet50 block conv3_1 diagram (SVG and PNG, 12 nodes) — shown as a picture in
        Jupyter; diagram.write("x.svg") saves it``
        """
        from ..i18n import _, speaking

        nodes = sum(1 for line in self.body if _is_box(line))
        with speaking(self.language):
            return _('{what} diagram (SVG and PNG, {nodes} nodes) — shown as a picture in '
                     'Jupyter; .write("name.svg") or .write("name.png") saves it',
                     what=self.about or self.name or "ResNet", nodes=nodes)

    def _repr_image_jpeg(self) -> bytes:
        return self.pipe(format="jpeg")

    def fit(self, where: str | None) -> Diagram:
        """Scale the drawing down, if it is larger, to fit ``where``: ``"notebook"`` (the
        default: at most 1000 px wide), ``"slide"`` (1280 × 720 px) or ``"none"``. Returns
        the diagram itself."""
        key = "none" if where is None else str(where).lower()
        if key not in style.FITS:
            raise UserError(f"unknown fit {where!r}",
                            f"Choose one of {', '.join(style.FITS)}")
        size = style.FITS[key]
        if size is None:
            self.graph_attr.pop("size", None)
        else:
            self.graph_attr["size"] = size
        return self

    def orient(self, rankdir: str) -> Diagram:
        """Lay the drawing out top to bottom (``"TB"``, ``"vertical"``), left to right
        (``"LR"``, ``"horizontal"``), or ``"BT"``/``"RL"``. Returns the diagram itself."""
        key = style.ORIENTATIONS.get(str(rankdir).lower(), str(rankdir).upper())
        if key not in style.RANKDIRS:
            raise UserError(f"unknown rankdir {rankdir!r}",
                            f"Choose one of {', '.join(style.RANKDIRS)}, or "
                            f"{' / '.join(style.ORIENTATIONS)}")
        self.graph_attr["rankdir"] = key
        return self

    def svg(self) -> str:
        """The diagram as SVG text."""
        return self.pipe(format="svg", encoding="utf-8")

    def write(self, path: str | os.PathLike[str], *, renderer: str | None = None) -> Path:
        """Write ``.svg``, ``.png``, ``.pdf`` or ``.dot`` (format by suffix). ``renderer``
        names the renderers to try (see :func:`.render.renderer_order`)."""
        return _render.write(self.source, path, renderer=renderer)

    def render(self, filename: str | os.PathLike[str] | None = None,
               directory: str | os.PathLike[str] | None = None, view: bool = False,
               cleanup: bool = False, format: str | None = None, *args: Any,
               outfile: str | os.PathLike[str] | None = None, **kwargs: Any) -> str:
        """Like ``graphviz.Digraph.render`` (source file + rendered file, or just ``outfile``),
        drawn with the bundled or system Graphviz. ``view`` is not supported."""
        if outfile is not None:
            return os.fspath(self.write(outfile))
        fmt = format or self.format or "svg"
        source_path = Path(directory or "") / (filename or self.filename or "diagram.gv")
        source_path.write_text(self.source, encoding="utf-8")
        target = Path(f"{source_path}.{fmt}")
        target.write_bytes(_render.render(self.source, fmt))
        if cleanup:
            source_path.unlink()
        return os.fspath(target)


def _is_box(line: str) -> bool:
    """Whether a DOT body line draws a box: a node statement with a label, not an edge, a
    title's plain text or an invisible helper."""
    head = line.strip().split(" ", 1)[0]
    return ("[" in line and "label=" in line and " -> " not in line
            and head not in ("graph", "node", "edge") and "plaintext" not in line
            and "invis" not in line)


def natural_size_px(svg: str) -> tuple[float, float]:
    """The width and height (CSS px) Graphviz gave the drawing (``1pt`` = ``4/3 px``)."""
    found = _SIZE.search(svg)
    if found is None:
        return 0.0, 0.0
    return float(found[1]) * _PT_TO_PX, float(found[2]) * _PT_TO_PX


def fluid_svg(svg: str) -> str:
    """``svg`` as a notebook shows it: never wider than the area (see
    :meth:`Diagram._repr_image_svg_xml`)."""
    width, _ = natural_size_px(svg)
    if width <= FLUID_FROM_PX:
        return svg.replace("<svg ", f'<svg style="{DISPLAY_STYLE}" ', 1)
    return _SIZE.sub(f'<svg width="100%" style="max-width:{width:.0f}px;height:auto"', svg,
                     count=1)


def new_diagram(name: str, *, title: str | None = None, rankdir: str = "TB") -> Diagram:
    """An empty :class:`Diagram` with the house style."""
    return Diagram(name=name, graph_attr=style.graph_attrs(rankdir, title=title),
                   node_attr=style.node_defaults(), edge_attr=style.edge_defaults())


def html_title(title: str, subtitle: str | None = None, *, width: int = 64,
               align: str = "CENTER") -> str:
    """A cluster or graph title: a bold line, then an optional muted subtitle wrapped at
    ``width`` characters."""
    from .labels import detail_line, escape

    lines = [f"<B>{escape(title)}</B>"]
    if subtitle:
        lines += [detail_line(part, size=style.SIZE_DETAIL + 1)
                  for part in balanced_wrap(subtitle, width)]
    brk = {"LEFT": '<BR ALIGN="LEFT"/>', "RIGHT": '<BR ALIGN="RIGHT"/>'}.get(align, "<BR/>")
    return "<" + brk.join(lines) + (brk if align != "CENTER" else "") + ">"


def balanced_wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` into as few lines as ``width`` allows, of about equal length (no orphan
    word on a last line). A word is never split (a number must not break across lines), so
    a word longer than ``width`` gets a line of its own. Text with CJK characters is wrapped
    by :func:`cjk_wrap`."""
    from .cjk import has_cjk

    if has_cjk(text):
        return cjk_wrap(text, width)
    lines = textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False) or [text]
    if len(lines) == 1:
        return lines
    for narrower in range(-(-len(text) // len(lines)), width):
        attempt = textwrap.wrap(text, narrower, break_on_hyphens=False, break_long_words=False)
        if len(attempt) == len(lines):
            return attempt
    return lines


_CJK_BREAK = re.compile(r"(?<=[；，、。！？）])|(?<= )")


def cjk_wrap(text: str, width: int) -> list[str]:
    """Wrap Chinese ``text`` at ``width`` terminal columns (a CJK character counts two),
    breaking after its punctuation (；，、。) or at a space, never inside a number or an
    identifier; the lines are then evened out as :func:`balanced_wrap` does."""
    from ..textwidth import width as columns

    pieces = [piece for piece in _CJK_BREAK.split(text) if piece]

    def fill(limit: int) -> list[str]:
        lines: list[str] = []
        for piece in pieces:
            if lines and columns(lines[-1] + piece.rstrip()) <= limit:
                lines[-1] += piece
            else:
                lines.append(piece)
        return [line.strip() for line in lines if line.strip()]

    lines = fill(width)
    if len(lines) > 1:
        for narrower in range(-(-columns(text) // len(lines)), width):
            attempt = fill(narrower)
            if len(attempt) == len(lines):
                return attempt
    return lines


def title_node(frame: graphviz.Digraph, node_id: str, label: str, beside: str) -> None:
    """A frame's title as a text node left of its first node ``beside``.

    A cluster's own label sits where edges enter the cluster from above, so they would cross
    it; a plain-text node on the first rank, held to the left by an invisible flat edge,
    never is.
    """
    frame.node(node_id, label=label, shape="plaintext", style="", margin="0.02,0",
               fontsize=str(style.SIZE_CLUSTER))
    with frame.subgraph() as row:
        row.attr(rank="same")
        row.edge(beside, node_id, style="invis", weight="0")
