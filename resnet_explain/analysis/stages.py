"""Stages and roles: the stem, the paper's conv2_x … conv5_x groups, each block's layers
and the head."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

from ..architecture import (
    Activation,
    Block,
    BlockFamily,
    Layer,
    LayerKind,
    Role,
    Stage,
    StageKind,
)
from .blocks import in_module, own_stride

CONV, LINEAR = LayerKind.CONV, LayerKind.LINEAR
_NORMS = (LayerKind.BATCH_NORM, LayerKind.NORM)
#: What a pre-activation block's own path starts with: its norm, or its activation.
_PRE_ACTIVATION = (*_NORMS, LayerKind.ACTIVATION)


def assign_roles(layers: list[Layer], blocks: list[Block],
                 transitions: dict[int, list[int]] | None = None,
                 ) -> tuple[list[Stage], list[Layer], list[Layer], list[Stage]]:
    """Give every layer its role, stage and block; the stages, the stem's and the head's
    layers, and the transitions as groups. ``transitions``: for a block's number, the layers
    of the transition before it (:func:`~.blocks.find_blocks`), which belong to no block and
    to the stage that block starts."""
    if not blocks:  # a plain network: one stage holding everything, all on the main path
        for layer in layers:
            layer.role, layer.stage = Role.MAIN, "network"
        return _stages(layers, blocks, "fc"), [], [], []
    owned: set[int] = set()  # the layers of the blocks' branches and adds
    groups: list[Stage] = []
    for number, indices in sorted((transitions or {}).items()):
        members = [layers[i] for i in indices]
        for layer in members:
            layer.role, layer.stage, layer.block = Role.TRANSITION, blocks[number].stage, None
        owned.update(indices)
        transition = group(members, Role.TRANSITION)
        if transition is not None:
            transition.name = blocks[number].stage
            groups.append(transition)
    for block in blocks:
        _join(layers, block, block.main_layers, Role.MAIN)
        _join(layers, block, block.shortcut_layers, Role.SHORTCUT)
        add = layers[block.add_layer]
        add.role, add.stage, add.block = Role.MAIN, block.stage, block.name
        owned.update(block.main_layers, block.shortcut_layers, (block.add_layer,))
    # Layers between two adds belong to the next block when they run inside its module (v2's
    # pre-activation), otherwise to the previous one (the ReLU after the add). Before the
    # first block is the stem, after the last block the head.
    adds = [block.add_layer for block in blocks]
    stem: list[Layer] = []
    head: list[Layer] = []
    for layer in layers:
        if layer.index in owned:
            continue
        following = bisect.bisect_right(adds, layer.index)  # the next block's number
        if following < len(blocks) and in_module(layer, blocks[following].name):
            blocks[following].pre_layers.append(layer.index)
            _join(layers, blocks[following], (layer.index,), Role.MAIN)
        elif following == 0:
            stem.append(layer)
        elif following == len(blocks) and not in_module(layer, blocks[-1].name):
            head.append(layer)
        else:
            blocks[following - 1].tail_layers.append(layer.index)
            _join(layers, blocks[following - 1], (layer.index,), Role.MAIN)
    # The paper's Table 1 calls the head "fc": a head whose last weighted layer on the path is
    # fully connected. One without (a feature pyramid's convs, a detection neck, a
    # segmentation head whose image-pooling branch is a 1×1 conv on a pooled map) is called
    # what it is.
    head_name = "fc" if _ends_fully_connected(head) else "head"
    for layer in stem:
        layer.role, layer.stage, layer.block = Role.STEM, "conv1", None
    for layer in head:
        layer.role, layer.stage, layer.block = Role.HEAD, head_name, None
    _pool_into_first_stage(stem, blocks)
    for block in blocks:
        members = [layers[i] for i in block.layers]
        # main_weighted is what the block adds to the plain depth: its weighted layers on the
        # longest path (a squeeze-excitation gate is on the main branch but off that path).
        block.params, block.macs, block.main_weighted = _totals(members)
        # The block's own path, in call order: its pre-activation and its main branch.
        own_path = (sorted(block.pre_layers + block.main_layers) if block.pre_layers
                    else block.main_layers)
        block.strided_layers = []
        for i in own_path:
            if own_stride(layers[i]) > 1:
                block.strided_layers.append(i)
        block.family = _family(layers, block)
        block.activation = _activation(layers, block, own_path)
        block.signature = _signature(block, members)
    return _stages(layers, blocks, head_name), stem, head, groups


def _activation(layers: list[Layer], block: Block, own_path: list[int]) -> Activation:
    """v2 (``pre``) where the block's own path starts with a norm (BN → ReLU → conv) or
    with its activation (a normalizer-free unit: ReLU → conv, its output scaled by a learnt
    gain before the add), or where its main path ends in a
    weighted layer and no activation follows the add — the v2 paper's first unit, whose
    input was activated right after conv1; v1 (``post``: conv → BN → ReLU, a ReLU after the
    add) otherwise: a v1 block's own path starts with its conv."""
    if own_path and layers[own_path[0]].kind in _PRE_ACTIVATION:
        return Activation.PRE
    last = layers[block.main_layers[-1]] if block.main_layers else None
    after = any(layers[i].kind == LayerKind.ACTIVATION for i in block.tail_layers)
    return Activation.PRE if last is not None and last.weighted and not after \
        else Activation.POST


def _join(layers: list[Layer], block: Block, indices: Iterable[int], role: Role) -> None:
    """Put layers into a block, in the given role."""
    stage, name = block.stage, block.name
    for i in indices:
        layer = layers[i]
        layer.role, layer.stage, layer.block = role, stage, name


def _totals(members: list[Layer]) -> tuple[int, int, int]:
    """Parameters, multiply-adds and weighted layers on the longest path of a group."""
    params = macs = on_path = 0
    for layer in members:
        params += layer.params
        macs += layer.macs
        if layer.on_longest_path and layer.weighted:
            on_path += 1
    return params, macs, on_path


def _family(layers: list[Layer], block: Block) -> BlockFamily:
    """Basic (3×3, 3×3) or bottleneck (1×1, 3×3, 1×1), from the main path's conv kernels."""
    kernels = []
    for i in block.main_layers:
        layer = layers[i]
        if layer.kernel_size and layer.kind == CONV:
            kernels.append(max(layer.kernel_size))
    if kernels == [3, 3]:
        return BlockFamily.BASIC
    if kernels == [1, 3, 1]:
        return BlockFamily.BOTTLENECK
    return BlockFamily.OTHER


def _signature(block: Block, members: list[Layer]) -> tuple:
    """Everything that makes two blocks look the same: their layers' kinds, hyper-parameters
    and shapes (without the batch), the wiring inside the block and the shortcut kind.
    ``members`` are the block's layers in call order; an input from inside the block is
    its offset from the block's first layer, one from outside is ``"in"``."""
    start = members[0].index
    inside = {layer.index for layer in members}
    rows = []
    for layer in members:  # loops, not comprehensions: this runs once per layer
        inputs, input_shapes = layer.inputs, layer.input_shapes
        if len(inputs) == 1 == len(input_shapes):  # most layers: one input, said directly
            source = inputs[0]
            wiring = (source - start if source in inside else "in",)
            shapes = (input_shapes[0][1:],)
        else:
            wiring = tuple([i - start if i in inside else "in" for i in inputs])
            shapes = tuple([shape[1:] for shape in input_shapes])
        rows.append((
            layer.type, layer.is_op, layer.kernel_size, layer.stride, layer.padding,
            layer.dilation, layer.groups, layer.in_channels, layer.out_channels, layer.bias,
            shapes, layer.output_shape[1:], layer.role, wiring,
        ))
    return (block.kind, block.stage, block.input_shape[1:], block.output_shape[1:], tuple(rows))


def _ends_fully_connected(head: list[Layer]) -> bool:
    """Whether the head's last weighted layer on the longest path (else its last weighted
    layer) is fully connected: the classifier, not a branch beside the output."""
    weighted = [layer for layer in head if layer.weighted]
    on_path = [layer for layer in weighted if layer.on_longest_path]
    last = (on_path or weighted)[-1:]
    return bool(last) and _fully_connected(last[0])


def _fully_connected(layer: Layer) -> bool:
    """A linear layer, or a conv that sees a 1×1 map (BiT's classifier is a 1×1 conv)."""
    if layer.kind == LINEAR:
        return True
    shape = layer.input_shape or ()
    return layer.kind == CONV and len(shape) >= 3 and math.prod(shape[2:]) == 1


def _pool_into_first_stage(stem: list[Layer], blocks: list[Block]) -> None:
    """The paper's Table 1 lists the stem's max-pool under conv2_x: it makes the 56×56 map
    that conv2_x works on. Stem layers after the last stem conv that already have the first
    stage's resolution go to that stage (keeping their stem role)."""
    weighted = [layer for layer in stem if layer.weighted]
    if not weighted:
        return
    first_hw = blocks[0].input_shape[2:]
    if weighted[-1].output_shape[2:] == first_hw:
        return
    for layer in stem:
        if layer.index > weighted[-1].index and layer.output_shape[2:] == first_hw:
            layer.stage = blocks[0].stage


def _common_module(names: list[str]) -> str:
    parts = [name.split(".") for name in names if name]
    if not parts or len(parts) != len(names):
        return ""
    prefix: list[str] = []
    for column in zip(*parts):
        if len(set(column)) != 1:
            break
        prefix.append(column[0])
    if prefix == parts[0]:  # a single block: its parent module is the stage
        prefix = prefix[:-1]
    return ".".join(prefix)


def _stages(layers: list[Layer], blocks: list[Block], head: str) -> list[Stage]:
    members_of: dict[str, list[Layer]] = {}  # by stage, in order of first appearance
    for layer in layers:
        members_of.setdefault(layer.stage, []).append(layer)
    blocks_of: dict[str, list[str]] = {}
    for block in blocks:
        blocks_of.setdefault(block.stage, []).append(block.name)
    stages = []
    for name in sorted(members_of, key=lambda s: (s != "conv1", s == head)):
        members = members_of[name]
        stage_blocks = blocks_of.get(name, [])
        kind = (StageKind.STEM if name == "conv1" else StageKind.HEAD if name == head
                else StageKind.BLOCKS)
        module = _common_module(stage_blocks) if stage_blocks else _common_module(
            [layer.name.rsplit(".", 1)[0] if "." in layer.name else "" for layer in members])
        params, macs, on_path = _totals(members)
        stages.append(Stage(
            name=name, module=module, kind=kind, layers=[layer.index for layer in members],
            blocks=stage_blocks,
            input_shape=members[0].input_shape, output_shape=members[-1].output_shape,
            params=params, macs=macs, weighted_on_path=on_path,
        ))
    return stages


def group(members: list[Layer], role: Role) -> Stage | None:
    """All the layers of one role (the stem, the head) as one group with its totals."""
    if not members:
        return None
    kind = {Role.STEM: StageKind.STEM, Role.TRANSITION: StageKind.TRANSITION}.get(
        role, StageKind.HEAD)
    params, macs, on_path = _totals(members)
    return Stage(
        name=str(role), module="", kind=kind, layers=[layer.index for layer in members],
        input_shape=members[0].input_shape, output_shape=members[-1].output_shape,
        params=params, macs=macs, weighted_on_path=on_path,
    )
