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

from ..architecture import Architecture
from ..findings import Finding
from ..notation import dims


def paper_findings(arch: Architecture, zoo_name: str) -> list[Finding]:
    """The paper's figures beside the computed ones, and for a v1.5 Bottleneck network where
    its extra multiply-adds come from."""
    from ..zoo.registry import describe

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
    """Where a v1.5 network's extra multiply-adds are (:func:`~resnet_explain.analysis.stridemove.
    v1_from_trace`: the first 1×1 of each downsampling Bottleneck, on the full map), as a
    finding; ``None`` where the network is not v1.5 or the derivation does not hold."""
    from .stridemove import v1_from_trace

    cost = v1_from_trace(arch)
    if cost is None:
        return None
    first = cost.blocks[0]
    moved = first.convs[0]
    blocks = {block.paper_name: block for block in arch.blocks}
    return Finding("v1_5_cost", {
        "blocks": [block.block for block in cost.blocks], "first_block": first.block,
        "full_map": moved.maps[1], "half_map": moved.maps[0],
        "v1_5_first": moved.macs[1], "v1_first": moved.macs[0],
        "macs": cost.total_macs[1], "v1_macs": cost.total_macs[0],
    }, layers=tuple(f"{blocks[block.block].name}.{block.convs[0].name}"
                    for block in cost.blocks),
        blocks=tuple(blocks[block.block].name for block in cost.blocks))
