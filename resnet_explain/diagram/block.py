"""One residual block as a small graph: every layer a node, the add, the ReLUs, the shortcut.

The drawing follows the block's own data flow (``Layer.inputs``): nothing is assumed about
where BatchNorm or ReLU sit, so v1 (post-activation), v2 (pre-activation, the projection
reading the pre-activated input) and a student's variant each come out as they are.
The shortcut is solid for the identity, dashed through its 1×1 conv + BN for a projection,
dotted for option A (zero-padded identity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import graphviz

from ..architecture import Architecture, Block, Role, ShortcutKind
from ..errors import UserError
from ..i18n import _
from ..words import shortcut_kind
from . import labels, style
from .dot import Diagram, html_title, new_diagram


@dataclass(frozen=True)
class Panel:
    """One block in a side-by-side comparison, with the title above it."""

    arch: Architecture
    block: str  # module name (layer3.0) or paper name (conv4_1)
    title: str | None = None  # default: "<model> · <conv3_1 · layer2.0>"
    subtitle: str | None = None  # default: why the shortcut is what it is


def find_block(arch: Architecture, name: str) -> Block:
    """``arch.block(name)``, with a UserError naming the blocks that exist."""
    try:
        return arch.block(name)
    except KeyError:
        pass
    if not arch.blocks:
        raise UserError(f"{arch.model} has no residual blocks ({arch.no_blocks_reason()})",
                        "Draw the network instead: --level layer") from None
    first, last = arch.blocks[0], arch.blocks[-1]
    raise UserError(
        f"no block named {name!r} in {arch.model}",
        f"Name a block by module or paper name, from {first.name} ({first.paper_name}) to "
        f"{last.name} ({last.paper_name})") from None


def _node_id(prefix: str, index: int) -> str:
    return f"{prefix}L{index}"


def is_shortcut_edge(block: Block, source: int, target: int) -> bool:
    """Whether the data-flow edge ``source → target`` runs along the block's shortcut."""
    if target in block.shortcut_layers:
        return True
    return target == block.add_layer and source not in block.main_layers


def shortcut_label(block: Block) -> str:
    return _("identity") if block.kind == "identity" else ""


def draw_block(graph: graphviz.Digraph, arch: Architecture, block: Block, *,
               prefix: str = "", names: bool = True, edge_labels: bool = True) -> None:
    """Add ``block``'s nodes and edges to ``graph`` (a diagram or a cluster).

    ``edge_labels`` writes "identity" on an identity shortcut; inside a frame it is left off,
    as Graphviz does not widen a frame for an edge's label (the caption says it instead).
    """
    members = block.layers
    member_set = set(members)
    entry, exit_ = f"{prefix}in", f"{prefix}out"
    graph.node(entry, label=_terminal(_("input  {shape}", shape=_shape(block.input_shape))),
               **style.terminal_node())
    for index in members:
        layer = arch.layers[index]
        role = layer.role  # the analysis's: shortcut, or main (pre-activation and tail too)
        note = labels.padded_note(block) if role == Role.SHORTCUT and \
            block.kind == ShortcutKind.PADDED else None
        graph.node(_node_id(prefix, index), label=labels.layer_label(layer, name=names, note=note),
                   tooltip=layer.name or layer.type,
                   **style.layer_node(role, labels.layer_kind(layer)))
    graph.node(exit_, label=_terminal(_("output  {shape}", shape=_shape(block.output_shape))),
               **style.terminal_node())
    for index in members:
        seen: set[int] = set()
        for source in arch.layers[index].inputs:
            if source in seen:
                continue
            seen.add(source)
            tail = _node_id(prefix, source) if source in member_set else entry
            if is_shortcut_edge(block, source, index):
                attrs = style.shortcut_edge(block.kind)
                if index == block.add_layer:
                    text = shortcut_label(block) if edge_labels else ""
                    if text:
                        attrs["label"] = f" {text} "
                else:  # keep the shortcut's conv and BN up by the fork, not by the add
                    attrs["weight"] = "4"
            else:
                attrs = style.main_edge()
            graph.edge(tail, _node_id(prefix, index), **attrs)
    graph.edge(_node_id(prefix, members[-1]), exit_, **style.main_edge())


def _shape(shape: tuple[int, ...]) -> str:
    return labels.shape_text(shape)


def _terminal(text: str) -> str:
    return f"<{labels.escape(text)}>"


def default_title(arch: Architecture, block: Block) -> str:
    return f"{arch.model} · {labels.block_caption(block)}"


def default_subtitle(block: Block) -> str:
    return _("{shortcut}: {reason}", shortcut=shortcut_kind(block.kind), reason=block.reason)


def block_diagram(arch: Architecture, name: str, *, names: bool = True) -> Diagram:
    """The block ``name`` (``layer3.0`` or ``conv4_1``) of ``arch`` as its own diagram."""
    block = find_block(arch, name)
    graph = new_diagram(f"{arch.model} {block.name}")
    graph.attr(label=html_title(default_title(arch, block), default_subtitle(block)),
               labelloc="t", labeljust="c")
    draw_block(graph, arch, block, names=names)
    return graph


def compare_blocks(panels: Sequence[Panel], *, title: str | None = None,
                   subtitle: str | None = None, names: bool = True,
                   name: str = "blocks", width: int = 64) -> Diagram:
    """Blocks side by side, each in a titled frame drawn in its shortcut's line style."""
    graph = new_diagram(name)
    if title:
        graph.attr(label=html_title(title, subtitle, width=width), labelloc="t",
                   labeljust="c")
    for number, panel in enumerate(panels):
        block = find_block(panel.arch, panel.block)
        heading = panel.title or default_title(panel.arch, block)
        caption = panel.subtitle if panel.subtitle is not None else default_subtitle(block)
        prefix = f"p{number}_"
        with graph.subgraph(name=f"cluster_{prefix}") as frame:
            frame.attr(**{**style.cluster_attrs(html_title(heading, caption), plain=True),
                          "margin": "20"})
            draw_block(frame, panel.arch, block, prefix=prefix, names=names,
                       edge_labels=False)
    return graph
