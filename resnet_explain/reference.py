"""Findings that set a zoo model's computed numbers beside the paper's.

The paper (He et al. 2015, Table 1) gives 1.8, 3.6, 3.8, 7.6 and 11.3 ×10⁹ "FLOPs" for
ResNet-18/34/50/101/152. They are multiply-adds, for the original layout (v1: the stride 2
of a downsampling Bottleneck on its first 1x1 conv), and they are rounded. torchvision's
layout (v1.5) moves that stride to the 3x3 conv. The 3x3's output is the same size either
way, so it costs the same; what costs more is the first 1x1, which in v1.5 runs on the full
map (4× the positions of v1's strided one). Where the extra cost comes from is read off the
trace itself (the layers' own multiply-adds, and the output-size formula for the v1 twin of
the first 1x1), so the sentence cannot disagree with the table; tests/test_findings.py checks
the v1 figures against a trace of the v1 model. The paper's figures come from the zoo
registry (docs/facts.md): both are shown, never one silently replaced by the other.
"""

from __future__ import annotations

import math

from .architecture import Architecture, Block, Layer, Layout
from .findings import Finding
from .words import dims


def paper_findings(arch: Architecture, zoo_name: str) -> list[Finding]:
    """The paper's figures beside the computed ones, and for a v1.5 Bottleneck network where
    its extra multiply-adds come from."""
    from .zoo.registry import describe

    info = describe(zoo_name)
    found: list[Finding] = []
    if info.paper_flops_g is not None:
        at_224 = arch.input_shape[1:] == (3, 224, 224)
        found.append(Finding("paper_flops", {
            "paper": info.paper_flops_g, "computed": arch.macs_per_image,
            "size": None if at_224 else dims(arch.input_map[2:]),
            "bottleneck": info.block == "bottleneck"}))
        cost = v1_5_cost(arch)
        if cost is not None:
            found.append(cost)
    if info.paper_params_m is not None and info.family == "cifar":
        projections = [arch.layers[i] for b in arch.blocks for i in b.shortcut_layers]
        found.append(Finding("paper_cifar_params", {
            "paper_m": info.paper_params_m, "params": arch.total_params,
            "depth": arch.plain_depth,
            "projections": sum(layer.weighted and layer.call == 0 for layer in projections),
            "projection_params": sum(layer.params for layer in projections)}))
    return found


def v1_5_cost(arch: Architecture) -> Finding | None:
    """Where a v1.5 network's extra multiply-adds are: the first 1×1 conv of each downsampling
    Bottleneck runs at stride 1 on the full map, where v1's runs at stride 2 (its output size
    by the formula, ⌊(in − 1)/S⌋ + 1 for K = 1, P = 0). The 3×3 that takes the stride in v1.5
    (K = 3, P = 1) gives that same size, ⌊(in + 2 − 3)/S⌋ + 1, so it and every later layer cost
    the same in both layouts. ``None`` where the network is not v1.5 or a block is not of that
    shape (then the sentence could not be true)."""
    if arch.layout != Layout.V1_5:
        return None
    moved: list[tuple[Block, Layer, int]] = []
    for block in arch.blocks:
        if block.stride == 1 or not block.strided_layers:
            continue
        twin = _v1_first_macs(arch, block)
        if twin is None:
            return None
        moved.append((block, *twin))
    if not moved:
        return None
    batch = arch.batch_size
    first_block, first, first_v1 = moved[0]
    saved = sum(layer.macs - v1 for _, layer, v1 in moved) // batch
    return Finding("v1_5_cost", {
        "blocks": [block.paper_name for block, _, _ in moved],
        "first_block": first_block.paper_name,
        "full_map": dims(first.output_shape[2:]),
        "half_map": dims(arch.layers[first_block.strided_layers[0]].output_shape[2:]),
        "v1_5_first": first.macs // batch, "v1_first": first_v1 // batch,
        "macs": arch.macs_per_image, "v1_macs": arch.macs_per_image - saved,
    }, layers=tuple(layer.name for _, layer, _ in moved),
        blocks=tuple(block.name for block, _, _ in moved))


def _v1_first_macs(arch: Architecture, block: Block) -> tuple[Layer, int] | None:
    """The block's first 1×1 conv and what it would cost with the block's stride (v1)."""
    weighted = [arch.layers[i] for i in block.main_layers if arch.layers[i].weighted]
    strided = arch.layers[block.strided_layers[0]]
    if len(weighted) < 2 or strided is not weighted[1] or not weighted[0].kernel_size:
        return None
    first = weighted[0]
    if (any(k != 1 for k in first.kernel_size) or any(s != 1 for s in first.stride or ())
            or any(k != 2 * p + 1 for k, p in zip(strided.kernel_size or (),
                                                   strided.padding or (), strict=False))):
        return None
    stride = strided.stride or ()
    full = first.output_shape[2:]
    if len(stride) != len(full):
        return None
    v1_map = [(size - 1) // s + 1 for size, s in zip(full, stride, strict=True)]
    return first, first.macs * math.prod(v1_map) // math.prod(full)
