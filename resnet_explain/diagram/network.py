"""A whole network at three levels of detail, drawn from the Architecture's data flow.

* ``stage`` — the paper's Table 1 as a graph: stem, conv2_x … conv5_x (each with its block
  recipe "[3×3, 64 · 3×3, 64] × 2"), head; tensor shapes on the edges.
* ``block`` — every residual block a node, grouped by stage; projection blocks are drawn with
  a dashed border (option A: dotted), like the shortcut they hold.
* ``layer`` — every traced layer call a node, each block in a titled frame. Runs of identical
  consecutive blocks can be collapsed into one "× n" node (on by default at this level).

Edges come from ``Layer.inputs``: an edge joins two nodes when a layer in one reads the output
of a layer in the other, so a model whose stages do not simply follow each other is drawn as
it is. Node ids are built from layer and block numbers only, so the same model always gives
byte-identical DOT source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import graphviz

from ..architecture import (
    MODEL_INPUT,
    Architecture,
    Block,
    Layer,
    Role,
    Shape,
    ShortcutKind,
    Stage,
)
from ..i18n import N_, _, translated
from ..words import count
from . import labels, style
from .block import is_shortcut_edge
from .dot import Diagram, html_title, new_diagram, title_node


# --- runs of identical blocks ---------------------------------------------------------
def block_runs(arch: Architecture) -> list[list[Block]]:
    """The blocks in order, grouped into runs of identical consecutive blocks
    (:meth:`Architecture.block_runs`, by the analysis's ``Block.signature``)."""
    return arch.block_runs()


@dataclass
class _Unit:
    """A node of a network diagram and the layers it stands for."""

    id: str
    layers: list[int]
    label: str
    attrs: dict[str, str]
    cluster: str | None = None  # cluster key for layer-level frames
    blocks: list[Block] = field(default_factory=list)


# --- labels ---------------------------------------------------------------------------
def _table(rows: Iterable[str]) -> str:
    cells = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def _heading(title: str, note: str = "") -> str:
    text = f"<B>{labels.escape(title)}</B>"
    if note:
        text += "  " + labels.detail_line(note)
    return text


def compact_lines(layers: list[Layer]) -> list[str]:
    """Layer titles, a new line at each conv/fc/pool, BN and ReLU folded into the line before:
    ``conv 7×7, 64, stride 2, pad 3 · BN · ReLU``."""
    lines: list[list[str]] = []
    for layer in layers:
        kind = labels.layer_kind(layer)
        title = _("add") if kind == "add" else labels.layer_title(layer)
        if kind in ("weighted", "pool") or not lines:
            lines.append([title])
        else:
            lines[-1].append(title)
    return [" · ".join(line) for line in lines]


def _recipes(arch: Architecture, blocks: list[Block]) -> list[tuple[str, int]]:
    """Distinct main-path recipes of consecutive blocks, with how many blocks share each."""
    out: list[tuple[str, int]] = []
    for block in blocks:
        recipe = " · ".join(labels.block_recipe(arch, block)) or _("no convolutions")
        if out and out[-1][0] == recipe:
            out[-1] = (recipe, out[-1][1] + 1)
        else:
            out.append((recipe, 1))
    return out


def _shortcut_rows(arch: Architecture, blocks: list[Block]) -> list[str]:
    colour = style.ROLE_COLOURS["shortcut"][1]
    rows = []
    for block in blocks:
        if block.kind != "identity":
            text = _("{block}: {shortcut} shortcut", block=block.paper_name,
                     shortcut=labels.shortcut_text(arch, block))
            rows.append(labels.detail_line(text, colour=colour))
    return rows


def stage_label(arch: Architecture, stage_layers: list[Layer], title: str, note: str,
                blocks: list[Block]) -> str:
    rows = [_heading(title, note)]
    loose = [layer for layer in stage_layers if layer.block is None]
    rows += [labels.escape(line) for line in compact_lines(loose)]
    for recipe, n in _recipes(arch, blocks):
        rows.append(labels.escape(f"[ {recipe} ] × {n}"))
    rows += _shortcut_rows(arch, blocks)
    return _table(rows)


def block_node_label(arch: Architecture, blocks: list[Block]) -> str:
    first, last = blocks[0], blocks[-1]
    if len(blocks) == 1:
        rows = [_heading(first.paper_name, first.name if first.name != first.paper_name else "")]
    else:
        modules = f"{first.name} … {last.name}" if first.name != first.paper_name else ""
        rows = [f"<B>{labels.escape(first.paper_name)} … {labels.escape(last.paper_name)}"
                f"</B>  <FONT POINT-SIZE=\"14\"><B>× {len(blocks)}</B></FONT>"]
        if modules:
            rows.append(labels.detail_line(_("{modules} · identical blocks", modules=modules)))
    rows.append(labels.escape(" → ".join(labels.block_recipe(arch, first)) or "—"))
    shortcut = labels.shortcut_text(arch, first)
    colour = style.ROLE_COLOURS["shortcut"][1] if first.kind != "identity" else style.MUTED
    rows.append(labels.detail_line(_("+ {shortcut} shortcut", shortcut=shortcut), colour=colour))
    return _table(rows)


def run_label(arch: Architecture, blocks: list[Block], names: bool) -> str:
    """A collapsed run at layer level: the repeated block's layers, listed once, "× n"."""
    first, last = blocks[0], blocks[-1]
    rows = [f"<B>{labels.escape(first.paper_name)} … {labels.escape(last.paper_name)}</B>"
            f"  <FONT POINT-SIZE=\"15\"><B>× {len(blocks)}</B></FONT>"]
    if names and first.name != first.paper_name:
        rows.append(labels.detail_line(_("{modules} · identical blocks",
                                         modules=f"{first.name} … {last.name}")))
    else:
        rows.append(labels.detail_line(_("identical blocks")))
    layers = [arch.layers[i] for i in first.layers if i not in first.shortcut_layers]
    rows += [labels.escape(line) for line in compact_lines(layers)]
    colour = style.ROLE_COLOURS["shortcut"][1]
    rows.append(labels.detail_line(_("{shortcut} shortcut",
                                     shortcut=labels.shortcut_text(arch, first)),
                                   colour=colour))
    rows.append(labels.detail_line(f"→ {labels.shape_text(last.output_shape)}"))
    return _table(rows)


def _block_node_attrs(block: Block, *, run: bool = False) -> dict[str, str]:
    tint, line = style.ROLE_COLOURS["main"]
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": tint, "color": line,
             "penwidth": "1.4", "margin": "0.14,0.06"}
    if block.kind != "identity":
        attrs["color"] = style.ROLE_COLOURS["shortcut"][1]
        attrs["style"] = f"rounded,filled,{style.SHORTCUT_STYLE[block.kind]}"
        attrs["penwidth"] = "1.8"
    if run:
        attrs["peripheries"] = "2"
    return attrs


def _group_attrs(role: str) -> dict[str, str]:
    tint, line = style.ROLE_COLOURS[role]
    return {"shape": "box", "style": "rounded,filled", "fillcolor": tint, "color": line,
            "penwidth": "1.4", "margin": "0.14,0.06"}


# --- units per level ------------------------------------------------------------------
def _stage_units(arch: Architecture, prefix: str) -> list[_Unit]:
    units = []
    by_name = {block.name: block for block in arch.blocks}
    for number, stage in enumerate(arch.stages):
        layers = [arch.layers[i] for i in stage.layers]
        blocks = [by_name[name] for name in stage.blocks if name in by_name]
        note_parts = [stage.module] if stage.module else []
        if blocks:
            note_parts.append(count(len(blocks), "block"))
        role = {"stem": "stem", "head": "head"}.get(stage.kind, "main")
        label = stage_label(arch, layers, stage.name or group_word(str(stage.kind)),
                            " · ".join(note_parts),
                            blocks)
        units.append(_Unit(f"{prefix}S{number}", list(stage.layers), label, _group_attrs(role),
                           blocks=blocks))
    return units


def _group_units(arch: Architecture, group: Stage | None, prefix: str) -> list[_Unit]:
    """The analysis's stem or head group (``Architecture.stem`` / ``.head``) as nodes, one
    per paper stage of its layers: the stem's max-pool, which makes conv2_x's map, is drawn
    inside conv2_x's frame, where the paper's Table 1 (and the stage view) list it."""
    if group is None:
        return []
    layers = [arch.layers[i] for i in group.layers]
    title = str(group.kind)
    parts: list[list[Layer]] = []
    for layer in layers:
        if parts and parts[-1][-1].stage != layer.stage:
            parts.append([layer])
        elif parts:
            parts[-1].append(layer)
        else:
            parts.append([layer])
    stages = {stage.name for stage in arch.stages if stage.kind == "blocks"}
    units = []
    for number, part in enumerate(parts):
        own = number == 0 or part[0].stage not in stages
        rows = [_heading(group_word(title), part[0].stage or "")] if own else []
        rows += [labels.escape(line) for line in compact_lines(part)]
        units.append(_Unit(f"{prefix}{title}" + (f"{number}" if number else ""),
                           [layer.index for layer in part], _table(rows), _group_attrs(title),
                           cluster=None if own else part[0].stage))
    return units


def _block_units(arch: Architecture, prefix: str, collapse: bool) -> list[_Unit]:
    units = _group_units(arch, arch.stem, prefix)
    groups = block_runs(arch) if collapse else [[block] for block in arch.blocks]
    number = {block.name: n for n, block in enumerate(arch.blocks)}
    for group in groups:
        first, last = number[group[0].name], number[group[-1].name]
        ident = f"{prefix}B{first}" if first == last else f"{prefix}run{first}_{last}"
        members = [i for block in group for i in block.layers]
        units.append(_Unit(ident, members, block_node_label(arch, group),
                           _block_node_attrs(group[0], run=len(group) > 1),
                           cluster=group[0].stage, blocks=group))
    # A transition is a node of its own in the frame of the stage it starts, before its
    # first block (the units are drawn in layer order).
    for number, group in enumerate(arch.transitions):
        rows = [_heading(_("transition"), group.name)]
        rows += [labels.escape(line)
                 for line in compact_lines([arch.layers[i] for i in group.layers])]
        units.append(_Unit(f"{prefix}T{number}", list(group.layers), _table(rows),
                           _group_attrs("main"), cluster=group.name))
    units += _group_units(arch, arch.head, prefix)
    owned = {i for unit in units for i in unit.layers}
    loose: list[list[int]] = []  # layers in no block, stem or head (a network without blocks)
    for layer in arch.layers:
        if layer.index in owned:
            continue
        if loose and loose[-1][-1] == layer.index - 1:
            loose[-1].append(layer.index)
        else:
            loose.append([layer.index])
    for run in loose:
        rows = [_heading(_("layers"))]
        rows += [labels.escape(line) for line in compact_lines([arch.layers[i] for i in run])]
        units.append(_Unit(f"{prefix}X{run[0]}", run, _table(rows), _group_attrs("main")))
    return sorted(units, key=lambda unit: min(unit.layers))


def _layer_units(arch: Architecture, prefix: str, collapse: bool, names: bool) -> list[_Unit]:
    units = []
    runs = block_runs(arch) if collapse else [[block] for block in arch.blocks]
    collapsed = {}
    number = {block.name: n for n, block in enumerate(arch.blocks)}
    for run in runs:
        if len(run) > 1:
            first, last = number[run[0].name], number[run[-1].name]
            unit = _Unit(f"{prefix}run{first}_{last}", [i for b in run for i in b.layers],
                         run_label(arch, run, names), _block_node_attrs(run[0], run=True),
                         blocks=run)
            for index in unit.layers:
                collapsed[index] = unit
    block_of = {i: block for block in arch.blocks for i in block.layers}
    # the stem's max-pool is framed with its stage (conv2_x), as the paper's Table 1 lists it
    staged = {stage.name for stage in arch.stages if stage.kind == "blocks"}
    emitted: set[str] = set()
    for layer in arch.layers:
        if layer.index in collapsed:
            unit = collapsed[layer.index]
            if unit.id not in emitted:
                emitted.add(unit.id)
                units.append(unit)
            continue
        block = block_of.get(layer.index)
        role = layer.role
        note = labels.padded_note(block) if block and role == Role.SHORTCUT and \
            block.kind == ShortcutKind.PADDED else None
        attrs = style.layer_node(role, labels.layer_kind(layer))
        attrs["tooltip"] = layer.name or layer.type
        cluster = (f"b{number[block.name]}" if block
                   else f"pre_{layer.stage}" if role == Role.STEM and layer.stage in staged
                   else f"to_{layer.stage}" if role == Role.TRANSITION
                   else layer.role)
        units.append(_Unit(f"{prefix}L{layer.index}", [layer.index],
                           labels.layer_label(layer, name=names, note=note), attrs,
                           cluster=cluster, blocks=[block] if block else []))
    return units


# --- edges ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Edge:
    tail: str
    head: str
    label: str
    shortcut: str | None  # the shortcut kind when the edge runs along a shortcut


def _edges(arch: Architecture, units: list[_Unit], prefix: str, *, shapes: bool,
           styled: bool) -> list[_Edge]:
    owner = {i: unit.id for unit in units for i in unit.layers}
    block_of = {i: block for block in arch.blocks for i in block.layers}
    edges: list[_Edge] = []
    seen: set[tuple[str, str]] = set()
    entry, exit_ = f"{prefix}input", f"{prefix}output"
    for layer in arch.layers:
        head = owner[layer.index]
        for source in layer.inputs:
            tail = entry if source == MODEL_INPUT else owner[source]
            if tail == head or (tail, head) in seen:
                continue
            seen.add((tail, head))
            shape = arch.input_shape if source == MODEL_INPUT else arch.layers[source].output_shape
            label = labels.shape_text(shape) if shapes and source != MODEL_INPUT else ""
            block = block_of.get(layer.index)
            kind = None
            if styled and block is not None and is_shortcut_edge(block, source, layer.index):
                kind = block.kind
            edges.append(_Edge(tail, head, label, kind))
    for index in arch.output_layers:  # every output the model returns, as the trace saw it
        tail = owner[index]
        if (tail, exit_) in seen:
            continue
        seen.add((tail, exit_))
        # Several outputs are listed in the output node: one edge may carry several of them.
        label = (labels.shape_text(arch.layers[index].output_shape)
                 if shapes and len(arch.output_layers) == 1 else "")
        edges.append(_Edge(tail, exit_, label, None))
    return edges


def _shape_only(shape: Shape) -> str:
    return labels.escape(labels.shape_text(shape))


def _outputs_label(arch: Architecture) -> str:
    """``output  1000`` or, for a model that returns several tensors (a feature pyramid),
    ``4 outputs  16×16×16, 8×8×16, …``: each of their shapes."""
    shapes = arch.output_shapes or [arch.output_shape]
    said = ", ".join(map(_shape_only, shapes))
    if len(shapes) == 1:
        return "<" + _("output  {shape}", shape=said) + ">"
    return "<" + _("{n} outputs  {shapes}", n=len(shapes), shapes=said) + ">"


# --- drawing --------------------------------------------------------------------------
def draw_network(graph: graphviz.Digraph, arch: Architecture, level: str, *,
                 collapse: bool, names: bool, prefix: str = "", columns: bool = False) -> None:
    """Add the network's nodes and edges to ``graph`` (a diagram or one comparison panel).

    ``columns`` (block level) lays each stage out as its own column, side by side: the edge
    from one stage to the next does not push the next stage below it.
    """
    if level == "stage":
        units = _stage_units(arch, prefix)
    elif level == "block":
        units = _block_units(arch, prefix, collapse)
    else:
        units = _layer_units(arch, prefix, collapse, names)
    graph.node(f"{prefix}input",
               label="<" + _("input  {shape}", shape=_shape_only(arch.input_shape)) + ">",
               **style.terminal_node())
    if level == "layer":
        _emit_layer_clusters(graph, arch, units, prefix)
    elif level == "block":
        _emit_stage_clusters(graph, arch, units, prefix)
    else:
        for unit in units:
            graph.node(unit.id, label=unit.label, **unit.attrs)
    graph.node(f"{prefix}output", label=_outputs_label(arch), **style.terminal_node())
    stage_of = {unit.id: unit.cluster for unit in units if unit.cluster} \
        if columns and level == "block" else {}
    if stage_of:  # the columns start level with each other
        firsts = list({stage: unit for unit, stage in reversed(stage_of.items())}.values())
        with graph.subgraph() as row:
            row.attr(rank="same")
            for unit_id in reversed(firsts):
                row.node(unit_id)
    for edge in _edges(arch, units, prefix, shapes=level != "layer", styled=level == "layer"):
        attrs = style.shortcut_edge(edge.shortcut) if edge.shortcut else style.main_edge()
        if edge.tail in stage_of and edge.head in stage_of \
                and stage_of[edge.tail] != stage_of[edge.head]:
            attrs["constraint"] = "false"  # the next stage starts a new column
        if edge.label:
            attrs["label"] = f" {edge.label}"
        graph.edge(edge.tail, edge.head, **attrs)


def _emit_stage_clusters(graph: graphviz.Digraph, arch: Architecture, units: list[_Unit],
                         prefix: str) -> None:
    stage_of = {stage.name: (n, stage) for n, stage in enumerate(arch.stages)}
    pending: list[_Unit] = []
    current: str | None = None

    def flush() -> None:
        if not pending:
            return
        if current is None:
            for unit in pending:
                graph.node(unit.id, label=unit.label, **unit.attrs)
        else:
            number, stage = stage_of[current]
            shape = labels.shape_text(stage.output_shape)
            size = shape.partition("×")[2] or shape  # C×H×W → the maps' H×W
            title = f"{stage.name}" + (f" · {stage.module}" if stage.module else "")
            with graph.subgraph(name=f"cluster_{prefix}s{number}") as frame:
                frame.attr(**style.cluster_attrs("", plain=True))
                for unit in pending:
                    frame.node(unit.id, label=unit.label, **unit.attrs)
                title_node(frame, f"{prefix}t_s{number}",
                           html_title(title, _("{size} feature maps", size=size),
                                      align="LEFT"),
                           pending[0].id)
        pending.clear()

    for unit in units:
        key = unit.cluster if unit.cluster in stage_of else None
        if key != current:
            flush()
            current = key
        pending.append(unit)
    flush()


def _emit_layer_clusters(graph: graphviz.Digraph, arch: Architecture, units: list[_Unit],
                         prefix: str) -> None:
    """Consecutive layer nodes of one block (or the stem, or the head) share a titled frame."""
    groups: list[tuple[str | None, list[_Unit]]] = []
    for unit in units:
        if groups and unit.cluster is not None and groups[-1][0] == unit.cluster:
            groups[-1][1].append(unit)
        else:
            groups.append((unit.cluster, [unit]))
    for key, members in groups:
        if key is None:
            for unit in members:
                graph.node(unit.id, label=unit.label, **unit.attrs)
            continue
        if key.startswith("b") and key[1:].isdigit():
            block = arch.blocks[int(key[1:])]
            title = labels.block_caption(block)
            subtitle = _("{shortcut} shortcut", shortcut=labels.shortcut_text(arch, block))
            attrs = style.cluster_attrs("", kind=block.kind)
        elif key.startswith("pre_"):  # the stem's pool, in its stage
            title, subtitle = key[4:], _("as in the paper's Table 1")
            attrs = style.cluster_attrs("", plain=True)
        elif key.startswith("to_"):  # a transition, in no block: into the stage it starts
            title, subtitle = _("transition"), _("into {stage}", stage=key[3:])
            attrs = style.cluster_attrs("", plain=True)
        else:
            title = group_word(key) if key in ("stem", "head") else key or _("layers")
            subtitle = None
            attrs = style.cluster_attrs("", plain=True)
        with graph.subgraph(name=f"cluster_{prefix}{key}") as frame:
            frame.attr(**attrs)
            for unit in members:
                frame.node(unit.id, label=unit.label, **unit.attrs)
            title_node(frame, f"{prefix}t_{key}", html_title(title, subtitle, align="LEFT"),
                       members[0].id)


_LEVEL_TITLES = {"stage": N_("{model} · stages"), "block": N_("{model} · blocks"),
                 "layer": N_("{model} · layers")}
_GROUP_WORDS = {"stem": N_("stem"), "head": N_("head")}


def group_word(kind: str) -> str:
    """``stem`` or ``head`` in the current language (any other name as it is)."""
    return translated(_GROUP_WORDS[kind]) if kind in _GROUP_WORDS else kind


def default_title(arch: Architecture, level: str) -> tuple[str, str]:
    total = arch.total_params
    if total >= 1e6:
        subtitle = _("depth {formula} · {millions} M parameters",
                     formula=arch.depth_formula, millions=f"{total / 1e6:.1f}")
    else:
        subtitle = _("depth {formula} · {count} parameters", formula=arch.depth_formula,
                     count=f"{total:,}")
    return translated(_LEVEL_TITLES[level], model=arch.model), subtitle


def network_diagram(arch: Architecture, level: str = "stage", *,
                    compare: Architecture | None = None, collapse: bool | None = None,
                    names: bool = True, title: str | None = None,
                    columns: bool = False) -> Diagram:
    """``arch`` (and ``compare`` beside it) at ``level``: ``stage``, ``block`` or ``layer``."""
    if collapse is None:
        collapse = level == "layer"
    graph = new_diagram(f"{arch.model} {level}")
    if compare is None:
        heading, subtitle = default_title(arch, level)
        graph.attr(label=html_title(title or heading, subtitle), labelloc="t", labeljust="c")
        draw_network(graph, arch, level, collapse=collapse, names=names, columns=columns)
        return graph
    if title:
        graph.attr(label=html_title(title), labelloc="t", labeljust="c")
    for number, model in enumerate((arch, compare)):
        heading, subtitle = default_title(model, level)
        with graph.subgraph(name=f"cluster_m{number}") as frame:
            frame.attr(**style.cluster_attrs(html_title(heading, subtitle), plain=True))
            draw_network(frame, model, level, collapse=collapse, names=names,
                         prefix=f"m{number}_", columns=columns)
    return graph
