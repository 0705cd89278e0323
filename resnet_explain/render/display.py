"""Short reprs, and tables that display as themselves in Jupyter.

Everything a student touches shows one readable line at a prompt (``repr``) and a small
HTML view in Jupyter (``_repr_html_``, from ``notebook.py``). The one-line reprs:

* ``<Architecture resnet34: [1, 3, 224, 224] → [1, 1000], depth 34 = 1 + 2×(3+4+6+3) + 1, …>``
  (``str(arch)`` stays the text table);
* ``<Stage conv3_x layer2 ×4 blocks: [1, 64, 56, 56] → [1, 128, 28, 28]>``;
* ``<Block layer2.0 conv3_1 projection: [1, 64, 56, 56] → [1, 128, 28, 28]>``;
* ``<Layer layer2.0.conv1 Conv2d in conv3_1, main: [1, 64, 56, 56] → [1, 128, 28, 28]>``.

:class:`Rendered` is what ``Architecture.table(format)`` returns: a ``str`` (so code that
compares, writes or splits it keeps working, and ``str()`` of it is the source text) that
Jupyter shows as what it is — Markdown rendered, HTML rendered, JSON as a tree, text and CSV
as preformatted text — instead of a quoted, escaped string.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..words import count, shortcut_kind
from . import numbers as fmt

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer, Stage


def _shapes(first: Any, last: Any) -> str:
    return f"{fmt.shape(first)} → {fmt.shape(last)}"


def architecture_repr(arch: Architecture) -> str:
    parts = [f"depth {arch.depth_formula}", f"{len(arch.blocks)} blocks",
             f"{fmt.thousands(arch.total_params)} params"]
    unit, value = fmt.readable(arch.macs)
    parts.append(f"{value} {unit} mult-adds")
    if arch.warnings:
        parts.append(count(len(arch.warnings), "warning"))
    shapes = (f"{fmt.shape(arch.input_shape)} → "
              f"{fmt.outputs(arch.output_shapes, arch.output_shape)}")
    return (f"<Architecture {arch.model}: {shapes}, "
            + ", ".join(parts) + ">")


def stage_repr(stage: Stage) -> str:
    head = f"{stage.name} {stage.module}".strip()
    if stage.kind == "blocks":
        head += f" {fmt.blocks(len(stage.blocks))}"
    else:
        head += f" {stage.kind}"
    return f"<Stage {head}: {_shapes(stage.input_shape, stage.output_shape)}>"


def block_repr(block: Block) -> str:
    return (f"<Block {block.name} {block.paper_name} {shortcut_kind(block.kind)}: "
            f"{_shapes(block.input_shape, block.output_shape)}>")


def layer_repr(layer: Layer) -> str:
    where = layer.stage or "no stage"
    arch = layer.owner()
    if layer.block is not None:
        where = layer.block
        if arch is not None:
            where = next((b.paper_name for b in arch.blocks if b.name == layer.block), where)
    name = layer.name if not layer.call else f"{layer.name} (call {layer.call + 1})"
    kind = "op " + layer.type if layer.is_op else layer.type
    return (f"<Layer {name} {kind} in {where}, {layer.role}: "
            f"{_shapes(layer.input_shape, layer.output_shape)}>")


class Rendered(str):
    """A rendered table: a ``str`` that Jupyter displays in its own format.

    ``format`` is ``text``, ``markdown``, ``html``, ``json`` or ``csv``. ``str(table)`` is the
    source text; ``print(table)`` prints it; in Jupyter Markdown shows as Markdown, HTML as
    HTML, JSON as a collapsible tree (text where the front end has no JSON viewer), text and
    CSV as preformatted text.
    """

    format: str

    def __new__(cls, text: str, format: str) -> Rendered:
        obj = super().__new__(cls, text)
        obj.format = format
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Rendered, (str(self), self.format))

    def _repr_markdown_(self) -> str | None:
        return str(self) if self.format == "markdown" else None

    def _repr_html_(self) -> str | None:
        return str(self) if self.format == "html" else None

    def _repr_json_(self) -> Any:
        return json.loads(self) if self.format == "json" else None

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text/plain: the text itself, not a quoted string."""
        printer.text(str(self).rstrip("\n"))
