"""Table 1 of He et al. 2015, rebuilt from traced Architectures — one column per model.

Every cell comes from the traced layers and blocks; nothing is read from a list of what the
paper says a ResNet is, so a student's model gets its own column and a wrong one shows up:

* **conv1** — the stem's weighted layers, ``7×7, 64, stride 2`` (kernel, filters, stride).
* **conv2_x … conv5_x** — the stem's pools that already run at the stage's resolution (the
  paper lists the 3×3 max-pool under conv2_x), then the stage's blocks in the paper's bracket
  notation: the main path's weighted layers ``[1×1, 64; 3×3, 64; 1×1, 256] ×3``, for a run of
  consecutive blocks whose main paths have the same kernels and filters. The stride of a
  stage's first block is not written in the bracket, as in the paper (the output size says it).
* **head** — the global pool and the fc layer (``global average pool, 1000-d fc``).
* **output size** — the stage's output map (the stem's conv, 112×112 at 224×224; 1×1 for
  the head's pooled map).
* **FLOPs** — the traced multiply-adds of the convolutions and fc layers per image (what the
  paper's "FLOPs" count), beside the paper's rounded figure for a zoo model at its own input
  size. The paper's figures are for v1 (stride on a downsampling Bottleneck's first 1×1);
  the column of a Bottleneck network says which layout the *trace* found, so ``resnet50``
  (torchvision, v1.5) shows 4.09 against the paper's 3.8, and a note says why: which conv
  costs more, read from the traced layers of both layouts
  (:func:`~resnet_explain.analysis.stridemove.compare_layouts`; the v1 trace is a v1 column of the
  table, or the zoo's ``-v1`` model).
* **params** — the traced parameter count, beside the paper's for its CIFAR nets.
* **depth** — the depth formula of the analysis; ``= 6·n + 2`` where the network has the
  CIFAR shape (three stages of n two-layer blocks, one stem conv, one fc).

The title names where the paper describes the columns' networks: Table 1 for the ImageNet
ResNets, section 4.2 (and Table 6 for the parameters) for the CIFAR-10 shape; the notes say
what the paper's figures beside the computed ones are, only for the figures shown (the paper
gives no FLOPs for its CIFAR-10 nets).

The paper's figures come from the zoo registry (:mod:`resnet_explain.zoo.registry`), the one
place that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..architecture import LayerKind, Pooling, Role, StageKind
from ..i18n import N_, _, translated
from ..notation import dims, dims_or_one

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer, Stage

#: The paper's ImageNet networks in its own layout (v1: a downsampling Bottleneck strides its
#: first 1×1; ``resnet50`` … are torchvision's v1.5), and its CIFAR-10 nets (section 4.2).
IMAGENET_MODELS = ("resnet18", "resnet34", "resnet50-v1", "resnet101-v1", "resnet152-v1")
CIFAR_MODELS = ("resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202")


@dataclass(frozen=True)
class Bracket:
    """A run of identical blocks: the main path's layers (``3×3, 64``) and the block count."""

    layers: tuple[str, ...]
    repeat: int

    @property
    def text(self) -> str:
        return f"[{'; '.join(self.layers)}] ×{self.repeat}"


#: One line of a cell: plain text or a bracket.
Line = str | Bracket


@dataclass
class Column:
    """One model: its name, the paper-style title (``50-layer``) and what the trace found."""

    model: str
    title: str
    layout: str | None  # "v1", "v1.5" for Bottleneck networks, else None
    input_size: str  # "224×224"


@dataclass
class Row:
    """One row: a stage (``conv1`` …), the head, or a figure (``FLOPs``, ``params``)."""

    name: str
    output_size: str
    cells: list[list[Line]]  # per model, the lines of its cell
    kind: str = "stage"  # "stage" | "figure"

    @property
    def shared(self) -> bool:
        """Every model's cell is the same (the paper writes it once across the columns)."""
        return len(self.cells) > 1 and all(cell == self.cells[0] for cell in self.cells)


@dataclass
class Table1:
    """The table, as data; :mod:`.render` lays it out as text, Markdown, HTML, LaTeX, JSON."""

    title: str
    columns: list[Column]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    # --- views ---------------------------------------------------------------------------
    def render(self, format: str = "text", width: int | None = None) -> str:
        """``text``, ``markdown``, ``html``, ``latex`` or ``json``; ``width``: the text fits
        that many columns (models in panels, brackets stacked; ``None``: no limit)."""
        from .formats import render

        return render(self, format, width)

    def __str__(self) -> str:
        return self.render("text")

    def __repr__(self) -> str:
        models = ", ".join(column.model for column in self.columns)
        return f"<Table1 of {models}>"

    def _repr_html_(self) -> str:
        return self.render("html")

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def to_dict(self) -> dict[str, Any]:
        from .formats import to_dict

        return to_dict(self)


# --- building ---------------------------------------------------------------------------
def build(models: list[tuple[Architecture, str | None]]) -> Table1:
    """The table of ``models``: each an Architecture and its zoo name (``None`` otherwise)."""
    if not models:
        raise ValueError("Table 1 needs at least one model")
    archs = [arch for arch, _ in models]
    names: list[str] = []
    for arch in archs:
        for stage in arch.stages:
            if stage.name not in names:
                names.append(stage.name)
    heads = [n for n in names if _stage(archs, n).kind == StageKind.HEAD]
    names = [n for n in names if n not in heads] + heads
    rows = [_stage_row(archs, name) for name in names]
    rows.append(_flops_row(models))
    rows.append(_params_row(models))
    rows.append(Row("depth", "", [_depth_cell(arch) for arch in archs], kind="figure"))
    columns = [_column(arch) for arch in archs]
    sizes = sorted({column.input_size for column in columns})
    title = _("{source}, rebuilt from traces at {sizes}", source=_source(archs),
              sizes=_(", ").join(sizes))
    return Table1(title=title, columns=columns, rows=rows, notes=_notes(models, columns, rows))


def _source(archs: list[Architecture]) -> str:
    """Where the paper describes these networks: Table 1 for the ImageNet ResNets; section
    4.2 (its parameters in Table 6) for networks of the CIFAR-10 shape (:func:`cifar_n`)."""
    cifar = [cifar_n(arch) is not None for arch in archs]
    if all(cifar):
        return _("CIFAR-10 ResNets (He et al. 2015, section 4.2; parameters in Table 6)")
    if any(cifar):
        return _("Table 1 and the CIFAR-10 ResNets of section 4.2 (He et al. 2015)")
    return _("Table 1 (He et al. 2015)")


def cifar_n(arch: Architecture) -> int | None:
    """n where ``arch`` has the shape of the paper's CIFAR-10 nets (section 4.2): three
    stages of n two-layer blocks, one stem conv and one fc, depth 6n + 2; else None."""
    stages = [s for s in arch.stages if s.kind == StageKind.BLOCKS]
    counts = {len(s.blocks) for s in stages}
    per_block = {b.main_weighted for b in arch.blocks}
    if len(stages) == 3 and len(counts) == 1 and per_block == {2}:
        n = counts.pop()
        return n if arch.plain_depth == 6 * n + 2 else None
    return None


def _stage(archs: list[Architecture], name: str) -> Stage:
    return next(s for arch in archs for s in arch.stages if s.name == name)


def _column(arch: Architecture) -> Column:
    found = arch.layout
    title = _("{depth}-layer ({layout})", depth=arch.plain_depth, layout=found) if found \
        else _("{depth}-layer", depth=arch.plain_depth)
    return Column(model=arch.model, title=title, layout=found,
                  input_size=dims(arch.input_map[2:])
                  or _("{n} features", n=arch.input_shape[1]))


def _kernel(layer: Layer) -> str:
    return dims(layer.kernel_size or ())


def _conv(layer: Layer, stride: bool = False) -> str:
    """``3×3, 64`` (``, C=32`` for a grouped conv; ``, stride 2`` when asked and not 1)."""
    if layer.kind == LayerKind.LINEAR:
        return _("{width}-d fc", width=layer.out_channels)
    text = f"{_kernel(layer)}, {layer.out_channels}"
    if layer.groups and layer.groups > 1:
        text += f", C={layer.groups}"
    if stride and layer.stride and max(layer.stride) > 1:
        text = _("{layer}, stride {stride}", layer=text, stride=dims_or_one(layer.stride))
    return text


def _pool(layer: Layer) -> str:
    biggest = layer.pooling == Pooling.MAX
    if layer.kernel_size:
        text = _("{kernel} max pool", kernel=_kernel(layer)) if biggest else \
            _("{kernel} average pool", kernel=_kernel(layer))
        if layer.stride and max(layer.stride) > 1:
            text = _("{layer}, stride {stride}", layer=text, stride=dims_or_one(layer.stride))
        return text
    return _("global max pool") if biggest else _("global average pool")


def _stage_row(archs: list[Architecture], name: str) -> Row:
    cells, sizes = [], []
    for arch in archs:
        stage = next((s for s in arch.stages if s.name == name), None)
        if stage is None:
            cells.append(["—"])
            continue
        sizes.append(_output_size(arch, stage))
        cells.append(_stage_cell(arch, stage))
    if len(set(sizes)) <= 1:
        return Row(name, sizes[0] if sizes else "", cells)
    # The models disagree (different input sizes or layouts): each cell says its own size.
    for arch, cell in zip(archs, cells):
        stage = next((s for s in arch.stages if s.name == name), None)
        if stage is not None:
            cell.insert(0, f"({_output_size(arch, stage)})")
    return Row(name, _("varies"), cells)


def _output_size(arch: Architecture, stage: Stage) -> str:
    if stage.kind == StageKind.HEAD:
        maps = [arch.layers[i].output_shape for i in stage.layers
                if len(arch.layers[i].output_shape) > 2]
        # Without a map in the head, the global pool's 1×1 (1 for a signal, none for vectors)
        return dims(maps[-1][2:] if maps else [1] * arch.spatial_dims)
    shape = stage.output_shape or ()
    return dims(shape[2:]) if len(shape) > 2 else ""


def _stage_cell(arch: Architecture, stage: Stage) -> list[Line]:
    members = [arch.layers[i] for i in stage.layers]
    if stage.kind == StageKind.STEM:
        return [_conv(layer, stride=True) if layer.weighted else _pool(layer)
                for layer in members if layer.weighted or layer.kind == LayerKind.POOL]
    if stage.kind == StageKind.HEAD:
        lines: list[Line] = []
        for layer in members:
            if layer.weighted:
                lines.append(_conv(layer))
            elif _is_pool(layer):
                lines.append(_pool(layer))
        return [_(", ").join(str(line) for line in lines)] if lines else ["—"]
    lines = [_pool(layer) for layer in members
             if layer.role == Role.STEM and layer.kind == LayerKind.POOL]
    blocks = [b for b in arch.blocks if b.stage == stage.name]
    if not blocks:  # a network without residual blocks: its weighted layers, runs counted
        return lines + _runs([(_conv(layer),) for layer in members if layer.weighted])
    return lines + _runs([_main_path(arch, block) for block in blocks])


def _is_pool(layer: Layer) -> bool:
    if layer.kind in (LayerKind.POOL, LayerKind.ADAPTIVE_POOL):
        return True
    rf = layer.receptive_field  # a mean over H and W: a global average pool by another name
    return (layer.kind == LayerKind.OTHER and rf is not None and rf.whole_input
            and len(layer.input_shape or ()) > 2 and len(layer.output_shape) <= 2)


def _main_path(arch: Architecture, block: Block) -> tuple[str, ...]:
    """The weighted layers on the block's main path that count towards the depth."""
    return tuple(_conv(arch.layers[i]) for i in block.main_layers
                 if arch.layers[i].weighted and arch.layers[i].on_longest_path)


def _runs(items: list[tuple[str, ...]]) -> list[Line]:
    runs: list[Line] = []
    for item in items:
        last = runs[-1] if runs else None
        if isinstance(last, Bracket) and last.layers == item:
            runs[-1] = Bracket(item, last.repeat + 1)
        else:
            runs.append(Bracket(item, 1))
    return runs


# --- the figures --------------------------------------------------------------------------
def _info(zoo: str | None) -> Any:
    if zoo is None:
        return None
    from ..zoo.registry import describe

    return describe(zoo)


def _at_own_size(arch: Architecture, info: Any) -> bool:
    return info is not None and tuple(arch.input_shape[1:]) == tuple(info.input_size)


def _flops_row(models: list[tuple[Architecture, str | None]]) -> Row:
    cells = []
    for arch, zoo in models:
        per_image = arch.macs_per_image
        computed = (f"{per_image / 1e9:.2f}×10⁹" if per_image >= 1e9
                    else f"{per_image / 1e6:.1f}×10⁶")
        found = arch.layout
        if found:
            computed += f" ({found})"
        cell: list[Line] = [computed]
        info = _info(zoo)
        if _at_own_size(arch, info) and info.paper_flops_g is not None:
            paper = f"{info.paper_flops_g:g}×10⁹"
            cell.append(_("paper {figure} (v1)", figure=paper) if found == "v1.5"
                        else _("paper {figure}", figure=paper))
        cells.append(cell)
    return Row("FLOPs", "", cells, kind="figure")


def _params_row(models: list[tuple[Architecture, str | None]]) -> Row:
    cells = []
    for arch, zoo in models:
        params = arch.total_params
        cell: list[Line] = [f"{params / 1e6:.2f}M" if params >= 1e5 else f"{params / 1e3:.1f}K"]
        info = _info(zoo)
        if _at_own_size(arch, info) and info.paper_params_m is not None:
            cell.append(_("paper {figure}", figure=f"{info.paper_params_m:g}M"))
        cells.append(cell)
    return Row("params", "", cells, kind="figure")


def _depth_cell(arch: Architecture) -> list[Line]:
    cell: list[Line] = [arch.depth_terms.equation]
    n = cifar_n(arch)
    if n is not None:
        cell.append(f"= 6·{n} + 2")
    return cell


def _notes(models: list[tuple[Architecture, str | None]], columns: list[Column],
           rows: list[Row]) -> list[str]:
    notes = [_("Brackets: the main path of one residual block (kernel, filters), × the number "
               "of consecutive blocks alike.")]
    first = {}  # the downsampling first blocks: stage → shortcut kinds
    for arch, _zoo in models:
        for block in arch.blocks:
            if block.index_in_stage == 1 and block.stride > 1:
                first.setdefault(block.stage, set()).add(str(block.kind))
    if first:
        kinds = sorted(set().union(*first.values()))
        words = {"projection": N_("a projection shortcut (1×1 conv, stride 2)"),
                 "padded": N_("a zero-padded identity shortcut (option A)"),
                 "identity": N_("an identity shortcut")}
        notes.append(_("The first block of {stages} halves the map (stride 2) and takes "
                       "{shortcuts}.", stages=_(", ").join(first),
                       shortcuts=_(" or ").join(translated(words.get(kind, kind))
                                                for kind in kinds)))
    notes.extend(_figure_notes(rows, all(cifar_n(arch) is not None for arch, _ in models)))
    v15 = next((model for model, column in zip(models, columns) if column.layout == "v1.5"),
               None)
    if v15 is not None:
        notes.append(_v15_note(models, *v15))
    if any(_info(zoo) is not None and not _at_own_size(arch, _info(zoo)) for arch, zoo in models):
        notes.append(_("The paper's figures are left out where the input differs from the "
                       "model's own size."))
    return notes


def _figure_notes(rows: list[Row], cifar: bool) -> list[str]:
    """What the FLOPs and params rows count, and where the paper's figures beside them come
    from — only for the figures the table shows."""
    # A figure's cell has a second line only for the paper's figure beside it.
    shown = {row.name: any(len(cell) > 1 for cell in row.cells)
             for row in rows if row.kind == "figure"}
    if shown.get("FLOPs"):
        flops = _("FLOPs: multiply-adds of the convolutions and the fc layer for one image, as "
                  "counted here; the paper's (Table 1) are rounded.")
    elif cifar:
        flops = _("FLOPs: multiply-adds of the convolutions and the fc layer for one image, as "
                  "counted here (the paper gives none for its CIFAR-10 nets).")
    else:
        flops = _("FLOPs: multiply-adds of the convolutions and the fc layer for one image, as "
                  "counted here.")
    notes = [flops]
    if shown.get("params"):
        notes.append(_("params: the paper's are Table 6's, rounded, for its CIFAR-10 nets with "
                       "option A shortcuts."))
    return notes


def _v15_note(models: list[tuple[Architecture, str | None]], arch: Architecture,
              zoo: str | None) -> str:
    """Where v1.5's extra cost sits, from the traced layers of ``arch`` and of the same
    network in the v1 layout: a v1 column of the table, or the zoo's ``-v1`` model."""
    from ..analysis.stridemove import compare_layouts

    note = _("v1.5 (torchvision) puts a downsampling Bottleneck's stride 2 on its 3×3 conv "
             "instead of the first 1×1 (v1, the layout of the paper's FLOPs).")
    v1 = next((a for a, _ in models if a.layout == "v1" and a.plain_depth == arch.plain_depth
               and a.input_shape == arch.input_shape), None)
    if v1 is None and zoo is not None:
        from ..zoo.registry import MODEL_NAMES

        if f"{zoo}-v1" in MODEL_NAMES:
            from ..traced import zoo_model

            v1 = zoo_model(f"{zoo}-v1", tuple(arch.input_shape))
    if v1 is None:
        return _("{note} Its first 1×1 conv then runs on the block's full input map, which "
                 "costs more multiply-adds.", note=note)
    return " ".join([note, *compare_layouts(v1, arch).sentences()])
