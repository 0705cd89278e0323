"""The numbers each plot shows, read from Architectures — no matplotlib, no arithmetic of its own.

Each function returns plain lists, so a test can compare a drawn Figure with the
Architecture, and the drawing code (:mod:`.draw`) only lays these numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..architecture import LayerKind, Pooling, StageKind
from ..i18n import _
from ..notation import dims
from ..words import units

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Stage


@dataclass
class StageSeries:
    """One value per stage with a feature map (the stem and conv2_x … conv5_x)."""

    names: list[str]
    maps: list[tuple[int, ...]]  # the spatial sizes of each stage's output (H, W; or L)
    channels: list[int]  # output channels of the stage
    widths: list[int] = field(default_factory=list)  # filters inside its blocks (_width)
    pools: list[str | None] = field(default_factory=list)  # a strided pool outside its blocks

    @property
    def map_size(self) -> list[int]:
        """The last spatial size of each map: W (= H for a square image), L of a 1-D map."""
        return [sizes[-1] for sizes in self.maps]

    @property
    def square(self) -> bool:
        """Whether every map is a square image (then one side stands for both)."""
        return all(len(sizes) == 2 and sizes[0] == sizes[1] for sizes in self.maps)


def stage_maps(arch: Architecture) -> StageSeries:
    stages = [s for s in arch.stages if s.kind != StageKind.HEAD
              and s.output_shape is not None and len(s.output_shape) > 2]
    return StageSeries(names=[s.name for s in stages],
                       maps=[tuple(s.output_shape[2:]) for s in stages],
                       channels=[s.output_shape[1] for s in stages],
                       widths=[_width(arch, s) for s in stages],
                       pools=[_halving_pool(arch, s) for s in stages])


def _width(arch: Architecture, stage: Stage) -> int:
    """The filters inside the stage's first block: the fewest output channels of a conv on
    its main path (a Bottleneck's 1×1 and 3×3; a BasicBlock's are its output's); the stage's
    output channels where it has no block."""
    block = next((b for b in arch.blocks if b.stage == stage.name), None)
    outs = ([arch.layers[i].out_channels for i in block.main_layers
             if arch.layers[i].weighted and arch.layers[i].out_channels]
            if block is not None else [])
    return min(outs) if outs else stage.output_shape[1]


def _halving_pool(arch: Architecture, stage: Stage) -> str | None:
    """The kind of a strided pool in the stage outside its blocks (the stem's max-pool, which
    the paper's Table 1 lists under conv2_x): ``"max"`` or ``"average"``."""
    for index in stage.layers:
        layer = arch.layers[index]
        if (layer.kind == LayerKind.POOL and layer.block is None and layer.stride
                and max(layer.stride) > 1):
            return "max" if layer.pooling == Pooling.MAX else "average"
    return None


def stage_rule(series: StageSeries) -> tuple[str, list[str]]:
    """The paper's design rule, as the stages follow it: "same map, same filters; halve the
    map, double the filters" (He et al. 2015, section 3.3). Returns the claim that holds —
    for every step between stages, or from the first stage after which every step keeps it —
    and one line for each step before that, with its numbers."""
    steps = list(range(1, len(series.names)))

    def keeps(i: int) -> bool:
        before, after = series.map_size[i - 1], series.map_size[i]
        channels = series.channels[i - 1], series.channels[i]
        return ((after == before and channels[1] == channels[0])
                or (2 * after in (before, before + 1) and channels[1] == 2 * channels[0]))

    broken = [i for i in steps if not keeps(i)]
    if not broken:
        return _("halve the map, double the filters"), []
    start = broken[-1]
    if start == len(series.names) - 1:
        return _("map size and filters per stage"), [_step(series, i) for i in broken]
    claim = _("from {stage} on, each stage halves the map and doubles the filters",
              stage=series.names[start])
    return claim, [_step(series, i) for i in steps if i <= start]


def _step(series: StageSeries, i: int) -> str:
    """``conv1 → conv2_x: max pool halves 112×112 → 56×56; filters 64 → 256 (its blocks: 64
    inside, ×4 out)`` — one step between stages, in numbers."""
    names, maps = series.names, [dims(m) for m in series.maps]
    before, after = series.channels[i - 1], series.channels[i]
    if series.maps[i] == series.maps[i - 1]:
        where = _("map stays {size}", size=maps[i])
    elif series.pools[i] == "max":
        where = _("max pool {before} → {after}", before=maps[i - 1], after=maps[i])
    elif series.pools[i]:
        where = _("average pool {before} → {after}", before=maps[i - 1], after=maps[i])
    else:
        where = _("map {before} → {after}", before=maps[i - 1], after=maps[i])
    width = series.widths[i]
    if after == before:
        filters = _("filters stay {count}", count=after)
    elif width != after:
        filters = _("filters {before} → {after} (its blocks: {width} inside, ×{factor} out)",
                    before=before, after=after, width=width, factor=after // width)
    else:
        filters = _("filters {before} → {after}", before=before, after=after)
    return _("{before} → {after}: {where}; {filters}", before=names[i - 1], after=names[i],
             where=where, filters=filters)


@dataclass
class CostSeries:
    """Parameters and multiply-adds (per image) per stage or per block."""

    names: list[str]
    params: list[int]
    macs: list[int]


def stage_costs(arch: Architecture) -> CostSeries:
    return CostSeries(names=[s.name for s in arch.stages],
                      params=[s.params for s in arch.stages],
                      macs=[s.macs // arch.batch_size for s in arch.stages])


def block_costs(arch: Architecture) -> CostSeries:
    """The stem, every residual block (by paper name), each transition before the first
    block of the stage it starts (``↓conv3``: its stage's name without ``_x``), the head."""
    names, params, macs = [], [], []
    transitions = {group.name: group for group in arch.transitions}
    parts: list[tuple[str, Block | Stage | None]] = [("stem", arch.stem)]
    for block in arch.blocks:
        if block.index_in_stage == 1 and block.stage in transitions:
            parts.append((f"↓{block.stage.removesuffix('_x')}", transitions[block.stage]))
        parts.append((block.paper_name, block))
    parts.append(("head", arch.head))
    for name, part in parts:
        if part is None:
            continue
        names.append(name)
        params.append(part.params)
        macs.append(part.macs // arch.batch_size)
    return CostSeries(names=names, params=params, macs=macs)


def identity_claim(arch: Architecture) -> str | None:
    """The lesson of the block plot, where the traced blocks keep it: every identity block
    costs the same multiply-adds (halving the map quarters the positions, doubling the
    filters quadruples a conv's weights). ``None`` where identity blocks differ in cost or
    there are none, so the title never claims what the bars do not show."""
    costs = {block.macs // arch.batch_size for block in arch.blocks if block.kind == "identity"}
    if len(costs) != 1:
        return None
    per_block = costs.pop()
    return _("every identity block costs the same, {macs} M multiply-adds",
             macs=f"{per_block / 1e6:,.1f}")


@dataclass
class FieldSeries:
    """The receptive field along the main path: one point per layer on the longest path
    whose field is local (not the whole input), in call order.

    A point's position is the number of weighted layers on the longest path so far — the
    ``#`` of the depth, so the axis of ResNet-50 ends at 50 and that of ResNet-20 at 20: a
    conv sits at its own number, a BatchNorm, ReLU, pool or add after it at the same one."""

    positions: list[int]  # weighted layers on the longest path up to this layer (0 before any)
    names: list[str]
    size: list[int]  # receptive field along H
    jump: list[int]
    stages: list[str]  # the stage of each point
    input_size: int  # the image's H
    whole_input: list[str]  # layers on the path that see the whole input (the head)
    unit: str = "px"  # "samples" for a 1-D input (audio, a signal)
    depth: int = 0  # the plain depth: the number of the last weighted layer (the fc)
    #: the weighted layers among ``whole_input`` (the fc) and their numbers: ``("fc", 50)``
    whole_weighted: list[tuple[str, int]] = field(default_factory=list)
    weighted: list[str] = field(default_factory=list)  # the local points that are weighted


def receptive_field(arch: Architecture) -> FieldSeries:
    from ..render.notebook import depth_numbers

    numbers = depth_numbers(arch)
    path = [layer for layer in arch.layers if layer.on_longest_path
            and layer.receptive_field is not None]
    at, number = {}, 0
    for layer in path:
        number = numbers.get(layer.index, number)
        at[layer.index] = number
    local = [layer for layer in path if not layer.receptive_field.whole_input]
    whole = [layer for layer in path if layer.receptive_field.whole_input]
    return FieldSeries(
        positions=[at[layer.index] for layer in local],
        names=[layer.name for layer in local],
        size=[layer.receptive_field.size[0] for layer in local],
        jump=[layer.receptive_field.jump[0] for layer in local],
        stages=[layer.stage for layer in local],
        input_size=arch.input_map[2] if arch.spatial_dims else 0,
        whole_input=[layer.name for layer in whole],
        unit=units(arch.spatial_dims)[0],
        depth=arch.plain_depth,
        whole_weighted=[(layer.name, numbers[layer.index]) for layer in whole
                        if layer.index in numbers],
        weighted=[layer.name for layer in local if layer.index in numbers],
    )


@dataclass
class ModelPoint:
    model: str
    depth: int
    params: int
    macs: int  # per image
    layout: str | None  # "v1" / "v1.5" for Bottleneck networks
    image: str = ""  # the input's spatial size, "224×224": models are compared at one size


def model_points(archs: list[Architecture]) -> list[ModelPoint]:
    return [ModelPoint(model=a.model, depth=a.plain_depth, params=a.total_params,
                       macs=a.macs_per_image, layout=a.layout,
                       image=dims(a.input_map[2:])) for a in archs]


def stage_names(archs: list[Architecture]) -> list[str]:
    """The stages of all ``archs`` in one order that keeps each model's own: a stage that
    only some models have goes right after the stage it follows in them (ResNet-18's
    conv5_x after conv4_x, before a CIFAR ResNet's fc)."""
    names: list[str] = []
    for arch in archs:
        place = 0
        for stage in arch.stages:
            if stage.name in names:
                place = names.index(stage.name) + 1
            else:
                names.insert(place, stage.name)
                place += 1
    return names
