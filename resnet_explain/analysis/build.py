"""Assemble the :class:`Architecture`: layers, blocks, stages and the depth, then the
findings, in one place."""

from __future__ import annotations

import math

from ..architecture import (
    Architecture,
    Block,
    BlockFamily,
    Layer,
    Layout,
    Role,
    with_channel_axis,
)
from ..findings import Finding
from ..trace.records import Trace
from .blocks import find_blocks
from .depth import depth_terms
from .depthname import name_note
from .graph import Graph
from .layers import layers_of
from .mistakes import find_mistakes
from .receptive import assign_receptive_fields
from .stages import assign_roles, group


def analyse(trace: Trace, model: str) -> Architecture:
    layers = layers_of(trace.calls)
    input_map = with_channel_axis(trace.input_shape, trace.channel_axis_added)
    assign_receptive_fields(layers, input_map)
    graph = Graph(layers)
    # Every output counts (a tuple or dict of feature maps): the plain path is the longest
    # weighted path to any of them. An output that is the input itself has no path.
    outputs = [i for i in trace.output_producers if 0 <= i < len(layers)]
    if not outputs and not trace.output_producers and layers:
        outputs = [len(layers) - 1]  # a trace that could not tell: its last layer
    output = max(outputs, key=lambda i: graph.depth[i], default=None)
    if output is not None:
        for index in graph.longest_path(output):
            layers[index].on_longest_path = True
    blocks, transition_layers = find_blocks(layers, graph, input_map)
    stages, stem_layers, head_layers, transitions = assign_roles(layers, blocks,
                                                                 transition_layers)
    stem, head = group(stem_layers, Role.STEM), group(head_layers, Role.HEAD)
    plain_depth = graph.depth[output] if output is not None else 0
    weighted_names = {layer.name for layer in layers if layer.weighted}
    projections = {layers[i].name for b in blocks for i in b.shortcut_layers if layers[i].weighted}
    arch = Architecture(
        model=model,
        input_shape=trace.input_shape,
        output_shape=trace.output_shape,
        layers=layers,
        blocks=blocks,
        stages=stages,
        plain_depth=plain_depth,
        depth_terms=depth_terms(plain_depth, blocks, stages, stem, head, transitions),
        weighted_layers=len(weighted_names),
        shortcut_projections=len(projections),
        total_params=trace.total_params,
        trainable_params=trace.trainable_params,
        macs=sum(layer.macs for layer in layers),
        engine=trace.engine,
        param_bytes=trace.param_bytes,
        output_layers=list(trace.output_producers),
        output_shapes=list(trace.output_shapes),
        stem=stem,
        head=head,
        transitions=transitions,
        channel_axis_added=trace.channel_axis_added,
        layout=_layout(layers, blocks),
    )
    arch.findings.extend(_findings(arch, trace.stray_parameters))
    return arch


def _layout(layers: list[Layer], blocks: list[Block]) -> Layout | None:
    """v1 or v1.5, from the first downsampling Bottleneck: v1 where its stride sits on the
    first weighted layer of the main path and that layer is a 1×1 conv."""
    for block in blocks:
        if block.family != BlockFamily.BOTTLENECK or not block.strided_layers:
            continue
        weighted = [i for i in block.main_layers if layers[i].weighted]
        first = layers[block.strided_layers[0]]
        if weighted and block.strided_layers[0] == weighted[0] and \
                first.kernel_size and all(k == 1 for k in first.kernel_size):
            return Layout.V1
        return Layout.V1_5
    return None


def _findings(arch: Architecture, stray: list[tuple[str, tuple[int, ...]]]) -> list[Finding]:
    """Every warning and note the analysis has, in the order the summary says them: sizes
    the formula does not give, the mistakes, parameters the model does not register; then
    why the name's depth differs, and where tied weights are counted."""
    found = [Finding("size_formula", {"layer": layer.name, "formula": layer.formula,
                                      "type": layer.type, "own_forward": layer.own_forward},
                     layers=(layer.name,))
             for layer in arch.formula_mismatches]
    found += find_mistakes(arch)
    found += _stray_parameters(stray)
    named = name_note(arch)
    if named is not None:
        found.append(named)
    found += _tied_weights(arch.layers)
    return found


def _stray_parameters(stray: list[tuple[str, tuple[int, ...]]]) -> list[Finding]:
    """Parameters the forward computed with that the model does not register: most often
    layers kept in a plain Python list or dict instead of ``nn.ModuleList``/``ModuleDict``,
    which ``model.parameters()``, ``.to()`` and ``state_dict()`` do not see."""
    if not stray:
        return []
    where = list(dict.fromkeys(scope for scope, _ in stray))
    values = sum(math.prod(shape) for _, shape in stray)
    return [Finding("stray_parameters", {"modules": where, "tensors": len(stray),
                                         "values": values})]


def _tied_weights(layers: list[Layer]) -> list[Finding]:
    """Where tied weights are: a parameter used by several layers is counted once, in the
    first layer that uses it, so the Param # column adds up to the total; this says where
    the others' parameters went."""
    owners: dict[str, list[str]] = {}
    for layer in layers:
        if layer.shared_with:
            owners.setdefault(layer.name, [])
            for owner in layer.shared_with:
                if owner not in owners[layer.name]:
                    owners[layer.name].append(owner)
    return [Finding("tied_weights", {"layer": name, "owners": found}, layers=(name, *found))
            for name, found in owners.items()]
