"""The row model shared by the text, Markdown, HTML and CSV views.

:func:`build_table` turns an :class:`~resnet_explain.architecture.Architecture` into a
:class:`Table`: columns, rows, the totals block and the explanation lines. Each view only lays
that table out in its own syntax, so the three tables always hold the same rows and the same
numbers, and the CSV holds the same rows with plain numbers.

Three depths:

``layer``
    One row per traced layer (a module call or a structural op such as ``add``), grouped as
    a tree: a header row per stage (``conv2_x  layer1  ×3 blocks  56×56``), a header row per
    residual block (``conv2_1  layer1.0  projection: …``), then the layers. Header rows carry
    no numbers, so the Param # and Mult-Adds columns of the layer rows add up to the totals.
``block``
    One row for the stem, one per residual block, one for the head.
``stage``
    One row per stage (``conv1``, ``conv2_x`` … ``fc``).

Conventions, the same as torchinfo's where torchinfo has one:

* **Param #** is the layer's own parameters. A module called more than once (torchvision's
  single ``relu`` is called three times per Bottleneck) appears once per call, but its
  parameters belong to the module, not to the call: they are counted on the first call and the
  later calls show ``(shared)`` (or ``--`` when the module has no parameters). That is what
  makes the column add up to "Total params".
* **Mult-Adds** are multiply-accumulates of convolutions and linear layers for the traced
  batch (``K_h·K_w·C_in/groups·C_out·H_out·W_out`` per image for a conv), the quantity the
  ResNet paper calls "FLOPs" and torchinfo "mult-adds". BatchNorm, ReLU, pooling and the
  additions cost nothing in this count, which is why they show ``--``.
* **RF /jump** is the layer's receptive field and effective stride in input pixels
  (``435 /32``: one output position sees 435×435 pixels, neighbours are 32 pixels apart);
  ``all 224`` marks a layer that sees the whole input (global pool, fc). See ``receptive.py``.
* No number is computed here that the Architecture already holds: block and stage rows show
  ``Block.params``/``Stage.params``; the stem and head rows of the block view, and the counts
  in the explanation lines, only add up or count what the layers say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from itertools import repeat
from typing import TYPE_CHECKING, Any

from ..architecture import LayerKind, Role, ShortcutKind, Stage, StageKind
from ..choices import DEPTHS
from ..i18n import N_, _, ngettext, translated
from ..notation import typed
from ..sentences import short
from ..words import shortcut_kind, word
from . import numbers as fmt
from .columns import LAYER_KEYS, block_dict, each_check, each_once, layer_columns, stage_dict

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.receptive import ReceptiveField
    from ..architecture import Architecture, Block, Layer
    from ..findings import Finding


#: The general output-size formula, as the explanation lines state it.
FORMULA = "out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1"

#: The order in which block kinds are counted in the explanation.
KINDS = tuple(ShortcutKind)

OK_MARK, BAD_MARK, WARN_MARK = "✓", "✗", "⚠"


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``priority`` and ``under`` say how the text view narrows the table to a width
    (``text.py``; no other view reads them). The columns with the highest priority stay in
    the row, in their own order, as long as they fit; the others move under the row: a
    column marked ``under`` ("line") gets a line of its own, wrapped at word boundaries (the
    formula, a block's details), the rest share aligned lines below the row. The first
    column — the layer, block or stage name — has the highest priority and never moves.
    """

    key: str
    title: str
    numeric: bool = False  # right-aligned (and monospace in HTML)
    priority: int = 0  # narrowing: the higher, the longer the column stays in the row
    under: str = "grid"  # narrowing, when folded: "grid" (aligned line) or "line" (own line)


@dataclass(slots=True)
class Row:
    """One row of a table.

    ``cells`` holds one text per column of the table, in the table's column order. A
    *header* row (a stage or a block in the layer view) has ``span`` set instead: one text
    written across the row. ``prefix`` is the tree drawing in front of the first cell
    (``"│  ├─ "``), ``level`` the tree depth (0 for a stage header). ``marks`` tag a row for
    the views that colour or flag it: the layer's role, ``projection``/``identity``/``padded``
    for a block, ``mismatch`` when a traced size disagrees with the formula. The CSV's
    plain values of the rows are made apart, on demand (:meth:`Table.records`).
    """

    kind: str  # "stage" | "block" | "layer" | "stem" | "head" | "transition"
    cells: tuple[str, ...] = ()
    level: int = 0
    prefix: str = ""
    span: str | None = None
    marks: tuple[str, ...] = ()

    @property
    def is_header(self) -> bool:
        return self.span is not None


@dataclass
class Table:
    depth: str
    title: str  # "resnet50: [1, 3, 224, 224] → [1, 1000]"
    model: str
    input_shape: str
    output_shape: str
    columns: list[Column]
    rows: list[Row]
    totals: list[tuple[str, str]]  # ("Total params", "25,557,032"), … torchinfo's block
    lines: list[str]  # the explanation after the totals: depth, blocks, formula, warnings
    #: The CSV records of the body rows, made on demand (only the CSV reads them).
    make_records: Callable[[], list[dict[str, Any]]] | None = None

    @property
    def body_rows(self) -> list[Row]:
        return [row for row in self.rows if row.span is None]

    def records(self) -> list[dict[str, Any]]:
        """The plain values of the body rows, in CSV column order (what the CSV writes)."""
        return self.make_records() if self.make_records is not None else []


def check_depth(depth: str) -> None:
    if depth not in DEPTHS:
        raise ValueError(f"unknown depth {depth!r}; choose one of {', '.join(DEPTHS)}")


def build_table(arch: Architecture, depth: str = "layer") -> Table:
    """The rows, totals and explanation of ``arch`` at ``depth`` (stage, block or layer)."""
    check_depth(depth)
    builder = {"layer": _layer_table, "block": _block_table, "stage": _stage_table}[depth]
    columns, rows = builder(arch)
    columns = [replace(column, title=translated(column.title)) for column in columns]
    shape_in = fmt.shape(arch.input_shape)
    shape_out = fmt.outputs(arch.output_shapes, arch.output_shape)
    return Table(
        depth=depth, title=f"{arch.model}: {shape_in} → {shape_out}", model=arch.model,
        input_shape=shape_in, output_shape=shape_out, columns=columns, rows=rows,
        totals=totals(arch), lines=explanation(arch),
        make_records=partial(_RECORDS[depth], arch),
    )


# --- totals and explanation -----------------------------------------------------------
def totals(arch: Architecture) -> list[tuple[str, str]]:
    """torchinfo's totals block, from the Architecture's own totals."""
    unit, value = fmt.readable(arch.macs)
    items = [
        (_("Total params"), fmt.thousands(arch.total_params)),
        (_("Trainable params"), fmt.thousands(arch.trainable_params)),
        (_("Non-trainable params"), fmt.thousands(arch.non_trainable_params)),
        (_("Total mult-adds ({unit})", unit=unit), value),
        (_("Params size (MB)"), fmt.megabytes(arch.param_bytes)),
    ]
    in_rows = sum(layer.params for layer in arch.layers)
    if in_rows != arch.total_params:
        # Parameters that no traced call owns (an unused module, a bare nn.Parameter used
        # by a functional op): say so rather than let the column silently fall short.
        items.append((_("Params in no traced layer"), fmt.thousands(arch.total_params - in_rows)))
    return items


def explanation(arch: Architecture) -> list[str]:
    """Depth, blocks, the output-size check, then the Architecture's warnings and notes."""
    lines = [_weighted_line(arch), _("Plain depth: {formula}", formula=arch.depth_formula),
             _blocks_line(arch), _sizes_line(arch)]
    lines += [_("Warning: {text}", text=text) for text in arch.warnings]
    lines += [_("Note: {text}", text=text) for text in getattr(arch, "notes", None) or []]
    return lines


def _weighted_line(arch: Architecture) -> str:
    values = {"weighted": arch.weighted_layers, "depth": arch.plain_depth}
    projections = arch.shortcut_projections
    if arch.plain_depth + projections == arch.weighted_layers:
        if not projections:
            return _("Weighted layers (conv + fc): {weighted} — all {depth} on the main path, "
                     "no shortcut projections", **values)
        return ngettext("Weighted layers (conv + fc): {weighted} — {depth} on the main path + "
                        "{n} shortcut projection",
                        "Weighted layers (conv + fc): {weighted} — {depth} on the main path + "
                        "{n} shortcut projections", projections, **values)
    return _("Weighted layers (conv + fc): {weighted}; on the longest (main) path: {depth}; "
             "shortcut projections: {projections}", projections=projections, **values)


def _blocks_line(arch: Architecture) -> str:
    if not arch.blocks:
        return _("Residual blocks: none ({reason})", reason=arch.no_blocks_reason())
    kinds = [b.kind for b in arch.blocks]
    order = [*KINDS, *sorted(set(kinds) - set(KINDS))]
    parts = [_("{n} {kind}", n=kinds.count(kind), kind=shortcut_kind(kind))
             for kind in order if kind in kinds]
    return _("Residual blocks: {n} — {kinds}", n=len(kinds), kinds=_(", ").join(parts))


def _sizes_line(arch: Architecture) -> str:
    checked = [layer for layer in arch.layers if layer.size_checks]
    if not checked:
        return _("Output sizes: no conv/pool layer to check")
    head = ngettext("Output sizes: {n} conv/pool layer checked against {formula}",
                    "Output sizes: {n} conv/pool layers checked against {formula}",
                    len(checked), formula=FORMULA)
    bad = [layer for layer in checked if not layer.formula_ok]
    if not bad:
        return _("{head}, all agree", head=head)
    names = _(", ").join(_call_name(layer) for layer in bad)
    return ngettext("{head}; {n} disagrees: {names}", "{head}; {n} disagree: {names}",
                    len(bad), head=head, names=names)


def _call_name(layer: Layer) -> str:
    return layer.name if not layer.call else _("{name} (call {call})", name=layer.name,
                                               call=layer.call + 1)


# --- layer depth ------------------------------------------------------------------------
LAYER_COLUMNS = [
    Column("layer", N_("Layer (type)"), priority=100),
    Column("kernel", N_("Kernel/Stride/Pad"), priority=60),
    Column("input", N_("Input Shape"), priority=30),
    Column("output", N_("Output Shape"), priority=90),
    Column("params", N_("Param #"), numeric=True, priority=80),
    Column("macs", N_("Mult-Adds"), numeric=True, priority=70),
    Column("role", N_("Role"), priority=20),
    Column("rf", N_("RF /jump"), numeric=True, priority=40),
    Column("formula", N_("Output size = formula"), priority=10, under="line"),
]


def _layer_table(arch: Architecture) -> tuple[list[Column], list[Row]]:
    """The layer rows under their stage and block headers. Each stage's layers form a
    tree: layers outside any block are its children, a block's layers the children of the
    block's header row; layers outside every stage come first-level, without a header."""
    layers = arch.layers
    cells, marks = _layer_cells(arch)
    stage_of: dict[int, Stage] = {i: stage for stage in arch.stages for i in stage.layers}
    blocks: dict[str, Block] = {block.name: block for block in arch.blocks}

    # Runs of layers: per stage, its entries; an entry is a layer or a block's layers.
    groups: list[tuple[Stage | None, list[int | tuple[Block, list[int]]]]] = []
    entries: list[int | tuple[Block, list[int]]] = []
    current_stage: Stage | None = None
    current_block: str | None = None
    members: list[int] = []
    for number, layer in enumerate(layers):
        stage = stage_of.get(layer.index)
        if not groups or stage is not current_stage:
            current_stage, current_block, entries = stage, None, []
            groups.append((stage, entries))
        block = blocks.get(layer.block) if layer.block is not None else None
        if block is None:
            current_block = None
            entries.append(number)
            continue
        if current_block != block.name:
            current_block, members = block.name, []
            entries.append((block, members))
        members.append(number)

    rows: list[Row] = []
    for stage, entries in groups:
        draw = stage is not None
        if draw:
            rows.append(_stage_header(stage))
        level = int(draw)
        for number, entry in enumerate(entries):
            last = number == len(entries) - 1
            prefix = (_LAST if last else _MIDDLE) if draw else ""
            if isinstance(entry, int):
                rows.append(Row("layer", cells[entry], level, prefix, None, marks[entry]))
                continue
            block, members = entry
            header = _block_header(block)
            header.prefix, header.level = prefix, level
            rows.append(header)
            below = (_SPACE if last else _LINE) if draw else ""
            final = members[-1]
            rows += [Row("layer", cells[index], level + 1,
                         below + (_LAST if index == final else _MIDDLE), None, marks[index])
                     for index in members]
    return LAYER_COLUMNS, rows


# The tree drawing: a child, the last child, and what continues below a child.
_MIDDLE, _LAST, _LINE, _SPACE = "├─ ", "└─ ", "│  ", "   "


def _layer_cells(arch: Architecture) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The cells of every layer row, in :data:`LAYER_COLUMNS` order, and its marks (role,
    ``mismatch``, ``weighted``).

    One pass over the layers, in which whatever repeats is formatted once per distinct
    value: the type label; the kernel, shapes, Param #, Mult-Adds and role of each distinct
    combination (one per kind of layer of a repeated block); the receptive field of each
    distinct field; the formula of each distinct list of size checks
    (``jsonview.each_check``). A plain loop reads a slotted Layer's attributes faster than
    ``attrgetter`` does, and one loop touches each Layer once; the names are made relative
    to the block (``conv1 (Conv2d)``, ``add (op)``)."""
    layers = arch.layers
    scopes = {block.name: block.name + "." for block in arch.blocks if block.name}
    first = {layer.name: layer.params for layer in layers if not layer.call}
    formulas = each_check(layers, _formula_cells, ("", True))
    sizes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    fields: dict[int, str] = {}
    by_value: dict[Any, str] = {}
    cells, marks = [], []
    for layer, (formula, ok) in zip(layers, formulas):
        name = layer.name
        params = translated(_SHARED) if layer.call and first.get(name, 0) else layer.params
        shapes = layer.input_shapes
        key = (layer.is_op, layer.type, layer.kernel_size, layer.stride, layer.padding,
               layer.dilation, layer.groups, shapes[0] if shapes else None,
               layer.output_shape, params, layer.macs, layer.role, layer.weighted)
        made = sizes.get(key)
        if made is None:
            made = sizes[key] = _sizes_cells(key)
        kind, texts, mark, mismatch = made
        field = layer.receptive_field
        rf = fields.get(id(field))
        if rf is None:
            rf = fields[id(field)] = _field_label(field, by_value)
        cells.append((name.removeprefix(scopes.get(layer.block, "")) + kind, *texts, rf,
                      formula))
        marks.append(mark if ok else mismatch)
    for index, found in arch.layer_warnings().items():  # a warning on its layer's row
        cell = warned_cell(layers[index], found)
        if cell is not None:
            cells[index] = (*cells[index][:-1], cell)
            marks[index] = (*marks[index], "warning")
    return cells, marks


_SHARED = N_("(shared)")


def _sizes_cells(key: tuple[Any, ...]) -> tuple[str, tuple[str, ...], tuple[str, ...],
                                                 tuple[str, ...]]:
    """What a layer's row shows of ``key`` (see :func:`_layer_cells`): the type after its
    name (``" (Conv2d)"``, ``" (op)"``); Kernel/Stride/Pad, Input Shape, Output Shape,
    Param #, Mult-Adds and Role; the marks of the row when its formula holds, and when not
    (:func:`_marks`)."""
    is_op, type_name, *kernel, first_input, output, params, macs, role, weighted = key
    texts = (fmt.kernel(*kernel), fmt.shape(first_input), fmt.shape(output),
             params if isinstance(params, str) else fmt.count(params), fmt.count(macs),
             word(str(role)))
    return (_(" (op)") if is_op else f" ({type_name})", texts,
            _marks((str(role), True, weighted)), _marks((str(role), False, weighted)))


def _field_label(field: ReceptiveField | None, by_value: dict[Any, str]) -> str:
    """The RF /jump cell of a field, made once per distinct field value (equal fields,
    compared by their values as the dataclass compares them, have equal labels)."""
    if field is None:
        return ""
    key = tuple(vars(field).values())
    label = by_value.get(key)
    if label is None:
        label = by_value[key] = field.label
    return label


def _formula_cells(layer: Layer) -> tuple[str, bool]:
    return formula_cell(layer), layer.formula_ok


def _marks(key: tuple[str, bool, bool]) -> tuple[str, ...]:
    role, formula_ok, weighted = key
    return (role, *(() if formula_ok else ("mismatch",)), *(("weighted",) if weighted else ()))


def _stage_header(stage: Stage) -> Row:
    parts = [stage.name]
    if stage.module:
        parts.append(stage.module)
    if stage.kind == StageKind.BLOCKS:
        parts.append(fmt.blocks(len(stage.blocks)))
    else:
        parts.append(word(stage.kind))
    if stage.output_shape is not None:
        parts.append(fmt.spatial(stage.output_shape))
    return Row("stage", span="  ".join(parts), marks=(stage.kind,))


def _block_header(block: Block) -> Row:
    parts = [block.paper_name]
    if block.name != block.paper_name:
        parts.append(block.name)
    parts.append(_("identity shortcut") if block.kind == "identity"
                 else _("{kind}: {reason}", kind=shortcut_kind(block.kind), reason=block.reason))
    return Row("block", span="  ".join(parts), marks=(block.kind,))


def params_cell(layer: Layer, first_call_params: int) -> str:
    """Param # of one call: the count on the first call, ``(shared)`` on a later call of a
    module that has parameters, ``--`` when there are none."""
    if layer.call and first_call_params:
        return _("(shared)")
    return fmt.count(layer.params)


def formula_cell(layer: Layer) -> str:
    if layer.formula is None:
        return ""
    return f"{OK_MARK if layer.formula_ok else BAD_MARK} {layer.formula}"


def warned_cell(layer: Layer, warnings: list[Finding]) -> str | None:
    """The formula cell of a layer that warnings name: ⚠ instead of ✓ (✗ stays ✗), then the
    warnings in a few words each (``112 → 55, not 56: padding 1 keeps the division
    exact``); ``None`` where no warning has words for a row."""
    words = [w for w in dict.fromkeys(short(finding) for finding in warnings) if w]
    if not words:
        return None
    mark = WARN_MARK if layer.formula_ok else BAD_MARK
    formula = f" {layer.formula}" if layer.formula is not None else ""
    return f"{mark}{formula} — {'; '.join(words)}"


# --- CSV records: the JSON objects, flattened ------------------------------------------
#: The CSV columns of each depth, as ``(column, key of the JSON object)``. A record is the
#: JSON view's object for the layer, block or stage (``jsonview.layer_dict`` …), so the two
#: formats can never disagree; only the spelling of values differs (see :func:`csv_value`).
LAYER_RECORD = tuple((key, key) for key in (
    "index", "name", "type", "call", "stage", "block", "role", "kernel_size", "stride",
    "padding", "dilation", "groups", "input_shape", "output_shape", "params", "macs",
    "weighted", "formula", "formula_ok", "receptive_field", "jump"))
BLOCK_RECORD = (
    ("name", "name"), ("paper_name", "paper_name"), ("stage", "stage"), ("kind", "kind"),
    ("input_shape", "input_shape"), ("output_shape", "output_shape"), ("params", "params"),
    ("macs", "macs"), ("depth", "main_weighted"), ("shortcut_weighted", "shortcut_weighted"),
    ("reason", "reason"))
STAGE_RECORD = (
    ("name", "name"), ("module", "module"), ("kind", "kind"), ("blocks", "blocks"),
    ("input_shape", "input_shape"), ("output_shape", "output_shape"), ("params", "params"),
    ("macs", "macs"), ("depth", "weighted_on_path"))


def csv_value(value: Any) -> Any:
    """A JSON value as a CSV cell: ``null`` → empty, booleans → 0/1, a list of numbers
    (a shape, a kernel) → ``1x64x56x56``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple)):
        return typed(value)
    return value


def csv_record(data: dict[str, Any], columns: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {column: csv_value(data[key]) for column, key in columns}


def layer_records(arch: Architecture) -> list[dict[str, Any]]:
    """The CSV records of the layer rows, in layer order: the JSON view's values
    (:func:`~resnet_explain.render.jsonview.layer_columns`), each distinct value of a
    column spelled once by :func:`csv_value`. ``formula_ok`` is blank where there is no
    formula (nothing to check), where JSON says true."""
    columns = dict(zip(LAYER_KEYS, layer_columns(arch.layers)))
    names = [name for name, _ in LAYER_RECORD]
    values = [each_once(columns[key], csv_value) for _, key in LAYER_RECORD]
    ok = names.index("formula_ok")
    values[ok] = ["" if formula is None else flag
                  for formula, flag in zip(columns["formula"], values[ok])]
    return list(map(dict, map(zip, repeat(names), zip(*values))))


# --- block depth ------------------------------------------------------------------------
BLOCK_COLUMNS = [
    Column("block", N_("Block"), priority=100),
    Column("paper", N_("Paper"), priority=95),
    Column("kind", N_("Shortcut"), priority=50),
    Column("input", N_("Input Shape"), priority=30),
    Column("output", N_("Output Shape"), priority=90),
    Column("params", N_("Param #"), numeric=True, priority=80),
    Column("macs", N_("Mult-Adds"), numeric=True, priority=70),
    Column("depth", N_("Depth"), numeric=True, priority=60),
    Column("reason", N_("Details"), priority=10, under="line"),
]


def _block_parts(arch: Architecture) -> list[Block | tuple[Stage, Role]]:
    """What the rows of the block view show, in order: the stem, each block, the head (the
    stem and head as a group with its role); a network without blocks shows its stage."""
    if not arch.blocks:
        return [(stage, Role.MAIN) for stage in arch.stages]
    parts: list[Block | tuple[Stage, Role]] = []
    parts += [(group, Role.STEM) for group in _stem_parts(arch)]
    # A transition's row comes before the first block of the stage it starts.
    transitions = {group.name: group for group in arch.transitions}
    for block in arch.blocks:
        if block.index_in_stage == 1 and block.stage in transitions:
            parts.append((transitions[block.stage], Role.TRANSITION))
        parts.append(block)
    if arch.head is not None:
        parts.append((arch.head, Role.HEAD))
    return parts


def _stem_parts(arch: Architecture) -> list[Stage]:
    """The stem (``Architecture.stem``: every layer before the first block), split where the
    stage view splits it: the paper's conv1 (the stem stage), and the max-pool that makes
    conv2_x's map, which the paper's Table 1 lists under conv2_x. The second part's numbers
    are the stem's less conv1's, so the rows still add up to the stem."""
    stem = arch.stem
    if stem is None:
        return []
    own = next((s for s in arch.stages if s.kind == StageKind.STEM
                and set(s.layers) < set(stem.layers)), None)
    if own is None:
        return [stem]
    rest = [i for i in stem.layers if i not in own.layers]
    first = arch.layers[rest[0]]
    pooled = Stage(name=first.stage or "", module="", kind=StageKind.STEM, layers=rest,
                   input_shape=first.input_shape, output_shape=stem.output_shape,
                   params=stem.params - own.params, macs=stem.macs - own.macs,
                   weighted_on_path=stem.weighted_on_path - own.weighted_on_path)
    return [own, pooled]


def _part_name(arch: Architecture, group: Stage, role: Role) -> str:
    """``(stem)``, ``(head)``; ``(pool)`` for the stem's pool that the paper lists under
    conv2_x."""
    if (role == Role.STEM and arch.stem is not None and group is not arch.stem
            and group.layers[0] != arch.stem.layers[0]
            and all(arch.layers[i].kind == LayerKind.POOL for i in group.layers)):
        return _("(pool)")
    return translated(_PART_NAMES[role])


def _block_table(arch: Architecture) -> tuple[list[Column], list[Row]]:
    return BLOCK_COLUMNS, [_part_row(arch, *part) if isinstance(part, tuple)
                           else _block_row(part) for part in _block_parts(arch)]


def block_records(arch: Architecture) -> list[dict[str, Any]]:
    """The CSV records of the block view's rows."""
    return [_part_record(arch, *part) if isinstance(part, tuple) else _block_record(part)
            for part in _block_parts(arch)]


def _block_row(block: Block) -> Row:
    cells = (block.name, block.paper_name, shortcut_kind(block.kind),
             fmt.shape(block.input_shape), fmt.shape(block.output_shape),
             fmt.count(block.params), fmt.count(block.macs),
             str(block.main_weighted), block.reason)
    return Row("block", cells=cells, marks=(block.kind,))


def _block_record(block: Block) -> dict[str, Any]:
    return {"row": "block", **csv_record(block_dict(block), BLOCK_RECORD)}


_PART_NAMES = {Role.STEM: N_("(stem)"), Role.HEAD: N_("(head)"), Role.MAIN: N_("(layers)"),
               Role.TRANSITION: N_("(transition)")}
#: The part of a stem/head/network row's record that comes from the JSON stage object.
PART_RECORD = (
    ("input_shape", "input_shape"), ("output_shape", "output_shape"), ("params", "params"),
    ("macs", "macs"), ("depth", "weighted_on_path"))


def _part_names(arch: Architecture, group: Stage) -> tuple[str, str]:
    """The paper stage of a group's first layer, and ``layers conv1 … maxpool``."""
    first, last = arch.layers[group.layers[0]], arch.layers[group.layers[-1]]
    names = first.name if len(group.layers) == 1 else f"{first.name} … {last.name}"
    return first.stage, _("layers {names}", names=names)


def _part_row(arch: Architecture, group: Stage, role: Role) -> Row:
    """The stem or the head (``Architecture.stem`` / ``.head``: the layers before the first /
    after the last block), or the one stage of a network without blocks, as one row."""
    paper, names = _part_names(arch, group)
    cells = (_part_name(arch, group, role), paper, "", fmt.shape(group.input_shape),
             fmt.shape(group.output_shape), fmt.count(group.params), fmt.count(group.macs),
             str(group.weighted_on_path), names)
    kind = str(role) if role in (Role.STEM, Role.HEAD, Role.TRANSITION) else "layers"
    return Row(kind, cells=cells, marks=(role,))


def _part_record(arch: Architecture, group: Stage, role: Role) -> dict[str, Any]:
    paper, names = _part_names(arch, group)
    values = csv_record(stage_dict(group), PART_RECORD)
    return {
        "row": str(role), "name": _part_name(arch, group, role), "paper_name": paper,
        "stage": paper,
        "kind": "", "input_shape": values["input_shape"],
        "output_shape": values["output_shape"], "params": values["params"],
        "macs": values["macs"], "depth": values["depth"], "shortcut_weighted": 0,
        "reason": names,
    }


# --- stage depth ------------------------------------------------------------------------
STAGE_COLUMNS = [
    Column("stage", N_("Stage"), priority=100),
    Column("module", N_("Module"), priority=50),
    Column("blocks", N_("Blocks"), numeric=True, priority=40),
    Column("input", N_("Input Shape"), priority=30),
    Column("output", N_("Output Shape"), priority=90),
    Column("params", N_("Param #"), numeric=True, priority=80),
    Column("macs", N_("Mult-Adds"), numeric=True, priority=70),
    Column("depth", N_("Depth"), numeric=True, priority=60),
]


def _stage_table(arch: Architecture) -> tuple[list[Column], list[Row]]:
    return STAGE_COLUMNS, [_stage_row(stage) for stage in arch.stages]


def _stage_row(stage: Stage) -> Row:
    blocks = f"×{len(stage.blocks)}" if stage.kind == "blocks" and stage.blocks else fmt.DASH
    cells = (stage.name, stage.module or fmt.DASH, blocks, fmt.shape(stage.input_shape),
             fmt.shape(stage.output_shape), fmt.count(stage.params), fmt.count(stage.macs),
             str(stage.weighted_on_path))
    return Row("stage", cells=cells, marks=(stage.kind,))


def stage_records(arch: Architecture) -> list[dict[str, Any]]:
    """The CSV records of the stage view's rows."""
    records = []
    for stage in arch.stages:
        data = stage_dict(stage)
        data["blocks"] = len(stage.blocks)
        records.append(csv_record(data, STAGE_RECORD))
    return records


_RECORDS = {"layer": layer_records, "block": block_records, "stage": stage_records}
