"""From a trace to an :class:`Architecture`: blocks, stages, roles and the depth, by data flow.

Nothing here looks at class or attribute names to decide what a layer *does*:

* a **residual block** is where two branches of the data flow are added; the branch with fewer
  weighted layers is the **shortcut**, the other the **main** path;
* the **fork** of a block is the latest layer both branches descend from (the block's input);
* a **stage** is a run of consecutive blocks with the same output resolution (the paper's
  conv2_x … conv5_x: a new stage starts where the feature map shrinks);
* the **plain depth** is the number of weighted layers on the longest input→output path — the
  number in a ResNet's name. Projection shortcuts are off that path, so they are not counted,
  and neither are side branches whose output is broadcast over the map: a gate multiplied in
  (squeeze-and-excitation) or a context added to it (a global-context block).

Module names are only used for what they are: labels, and to tell which of two neighbouring
blocks a layer between them belongs to (a ReLU after the add sits in the block's module).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from collections.abc import Iterable
from itertools import groupby

from .architecture import (
    MODEL_INPUT,
    Activation,
    Architecture,
    Block,
    BlockFamily,
    DepthFormula,
    Layer,
    LayerKind,
    Layout,
    Role,
    Shape,
    ShortcutKind,
    SizeCheck,
    Stage,
    StageKind,
    joins_two_branches,
    with_channel_axis,
)
from .arithmetic import conv_macs, linear_macs, size_checks, transposed_conv_macs
from .checks import find_mistakes
from .depthname import name_note
from .findings import Finding
from .receptive import assign_receptive_fields
from .trace import Call, Trace
from .words import a_or_an

CONV, LINEAR, POOL = LayerKind.CONV, LayerKind.LINEAR, LayerKind.POOL
_NORMS = (LayerKind.BATCH_NORM, LayerKind.NORM)


def analyse(trace: Trace, model: str) -> Architecture:
    layers = _layers(trace.calls)
    input_map = with_channel_axis(trace.input_shape, trace.channel_axis_added)
    assign_receptive_fields(layers, input_map)
    graph = _Graph(layers)
    # Every output counts (a tuple or dict of feature maps): the plain path is the longest
    # weighted path to any of them. An output that is the input itself has no path.
    outputs = [i for i in trace.output_producers if 0 <= i < len(layers)]
    if not outputs and not trace.output_producers and layers:
        outputs = [len(layers) - 1]  # a trace that could not tell: its last layer
    output = max(outputs, key=lambda i: graph.depth[i], default=None)
    if output is not None:
        for index in graph.longest_path(output):
            layers[index].on_longest_path = True
    blocks = _find_blocks(layers, graph, input_map)
    stages, stem_layers, head_layers = _assign(layers, blocks)
    stem, head = _group(stem_layers, Role.STEM), _group(head_layers, Role.HEAD)
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
        depth_terms=_depth_terms(plain_depth, blocks, stages, stem, head),
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


# --- one layer ------------------------------------------------------------------------
_KINDS = {kind.value: kind for kind in LayerKind}  # the member for a kind's string
_WEIGHTED = (CONV, LINEAR)

#: The size checks of a conv or pool and its start padding, by everything they are computed
#: from: (input map, output map, kernel, stride, padding, dilation, ceil_mode, same padding,
#: transposed, output padding).
_ChecksFor = dict[tuple, tuple[tuple[SizeCheck, ...], tuple[int, ...]]]


def _layers(calls: list[Call]) -> list[Layer]:
    """One :class:`Layer` per traced call, in call order.

    A network repeats a few configurations many times (every 3×3 conv of a stage, on the
    same map), so the size checks are computed once per distinct configuration in this
    trace and each layer gets its own list of the (frozen) results.
    """
    checks_for: _ChecksFor = {}
    return [_layer(call, checks_for) for call in calls]


def _layer(call: Call, checks_for: _ChecksFor) -> Layer:
    """The layer of one call. It takes over the call's ``inputs``, ``input_shapes`` and
    ``scope`` lists rather than copies: a trace is read once, and nothing changes them."""
    a = call.attrs
    kind = _KINDS[a.kind]
    out = call.output_shape
    shape_in = call.input_shapes[0] if call.input_shapes else ()
    macs = 0
    if kind is CONV and a.transposed:
        macs = transposed_conv_macs(a.kernel_size, a.in_channels, a.out_channels, a.groups,
                                    shape_in)
    elif kind is CONV:
        macs = conv_macs(a.kernel_size, a.in_channels, a.out_channels, a.groups, out)
    elif kind is LINEAR:
        macs = linear_macs(a.in_channels, a.out_channels, out)
    checks: list[SizeCheck] = []
    padding = a.padding
    if (kind is CONV or kind is POOL) and len(shape_in) >= 3 and len(out) == len(shape_in):
        spatial = len(a.kernel_size)
        in_map, out_map = shape_in[-spatial:], out[-spatial:]
        ran = call.ran  # a forward of the layer's own: what it ran, its own padding included
        key = (in_map, out_map, a.kernel_size, a.stride, a.padding, a.dilation, a.ceil_mode,
               a.same_padding, a.transposed, a.output_padding, ran)
        found = checks_for.get(key)
        if found is None and ran is not None:
            computed = size_checks(in_map, out_map, ran.kernel_size, ran.stride,
                                   ran.padding_start, ran.dilation, ran.ceil_mode,
                                   padding_end=ran.padding_end)
            found = checks_for[key] = (tuple(computed),
                                       tuple(check.padding for check in computed))
        elif found is None:
            computed = size_checks(in_map, out_map, a.kernel_size, a.stride, a.padding,
                                   a.dilation, a.ceil_mode, same=a.same_padding,
                                   transposed=a.transposed, output_padding=a.output_padding)
            found = checks_for[key] = (tuple(computed),
                                       tuple(check.padding for check in computed))
        checks, padding = list(found[0]), found[1]  # the start padding of each dimension
    # Positional, in the order of Layer's fields (a keyword call costs twice as much, and
    # this runs once per traced call); tests/test_structures.py holds the order.
    return Layer(
        call.index, call.name, call.type, call.is_op, call.call,
        call.inputs, call.input_shapes, out,  # inputs, input_shapes, output_shape
        a.params, a.trainable_params, list(a.shared_with),
        macs, kind in _WEIGHTED, kind, a.pooling,  # macs, weighted, kind, pooling
        a.kernel_size, a.stride, padding, a.dilation, a.groups,
        a.in_channels, a.out_channels, a.bias,
        checks, call.scope, a.own_forward,  # size_checks, scope, own_forward
    )


# --- the data-flow graph --------------------------------------------------------------
class _Graph:
    """Predecessors and weighted depth of every layer; forks and branches of a merge.

    Layers are in execution order, so every predecessor has a smaller index than the layer it
    feeds: the index order is a topological order, which is what :meth:`branches` walks.
    """

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = layers
        # A layer's inputs without the model's input (most layers' inputs are that already:
        # the list is then shared, and read only).
        self.preds = [
            layer.inputs if MODEL_INPUT not in layer.inputs
            else [i for i in layer.inputs if i != MODEL_INPUT] for layer in layers]
        self.depth: list[int] = []
        self.best_pred: list[int | None] = []
        depth = self.depth
        for layer, preds in zip(layers, self.preds):
            best, best_pred = 0, None
            for pred in self.path_preds(layer, preds) if len(preds) > 1 else preds:
                if best_pred is None or depth[pred] > best:
                    best, best_pred = depth[pred], pred
            depth.append(best + layer.weighted)
            self.best_pred.append(best_pred)

    def path_preds(self, layer: Layer, preds: list[int]) -> list[int]:
        """Inputs through which the plain path may run.

        A multiplication whose other input is broadcast (squeeze-and-excitation, ECA,
        selective-kernel attention) scales the feature map by a gate; an addition whose other
        input is broadcast (a global-context block's per-channel context, GCNet) shifts it.
        Either way the side branch's layers are off the path, which continues through the
        full-size input only.
        """
        if not layer.is_op or len(preds) < 2:
            return preds
        if layer.type == "mul":
            # The gate is the smaller operand, broadcast over the map: compare sizes, not
            # shapes, as a selective-kernel unit multiplies a stack of its paths.
            sizes = [math.prod(self.layers[p].output_shape) for p in preds]
            full = [p for p, size in zip(preds, sizes) if size == max(sizes)]
            if len(full) < len(preds):
                return full
        elif layer.type == "add" and len(layer.inputs) == len(layer.input_shapes):
            # The context is an operand broadcast to the sum's shape (its own shape, not its
            # producer's: Res2Net adds a channel slice of a wider map, which is no context).
            out = layer.output_shape
            full = [p for p, shape in zip(layer.inputs, layer.input_shapes)
                    if not _broadcast(shape, out)]
            if full and len(full) < len(layer.inputs):
                return [p for p in full if p != MODEL_INPUT]
        return preds

    def is_side_merge(self, index: int) -> bool:
        """Whether layer ``index`` merges a side branch broadcast over the map (a gate or a
        context; see :meth:`path_preds`)."""
        preds = self.preds[index]
        return len(preds) > 1 and len(self.path_preds(self.layers[index], preds)) < len(preds)

    def longest_path(self, end: int) -> list[int]:
        path: list[int] = []
        node: int | None = end if self.layers else None
        while node is not None:
            path.append(node)
            node = self.best_pred[node]
        return path[::-1]

    def branches(self, a: int, b: int) -> tuple[int, list[int], list[int]]:
        """The fork of two merging tensors and the two branches that lead from it to them.

        With ``anc(x)`` the layers ``x`` descends from, ``x`` included: the fork is the
        latest layer in ``anc(a) ∩ anc(b)`` (``MODEL_INPUT`` when there is none) and the
        branches are ``anc(a) − anc(fork)`` and ``anc(b) − anc(fork)``, in index order.

        One walk back from ``a`` and ``b``, latest layer first (a heap of indices): a layer is
        taken from the heap only after every later layer that feeds on it, so its marks (which
        of ``a``, ``b`` and the fork it leads to) are complete by then. The first layer that
        leads to both is the fork. The walk stops once every layer still waiting leads to the
        fork: all their ancestors do too. A residual block costs the size of the block, not of
        the network.
        """
        chains = self._chain_branches(a, b)
        if chains is not None:
            return chains
        to_a, to_b, to_fork = 1, 2, 4
        marks: dict[int, int] = {}
        heap: list[int] = []  # negated indices: heapq is a min-heap
        open_ = 0  # layers in the heap that do not lead to the fork (yet)
        for node, mark in ((a, to_a), (b, to_b)):
            if node != MODEL_INPUT:
                if node not in marks:
                    heapq.heappush(heap, -node)
                    open_ += 1
                marks[node] = marks.get(node, 0) | mark
        fork = MODEL_INPUT
        branch_a: list[int] = []
        branch_b: list[int] = []
        while heap and open_:
            node = -heapq.heappop(heap)
            mark = marks[node]
            if mark & to_fork:
                pass  # an ancestor of the fork: on neither branch
            elif fork == MODEL_INPUT and mark & to_a and mark & to_b:
                fork, mark = node, mark | to_fork
                marks[node] = mark
                open_ -= 1
            else:
                open_ -= 1
                if mark & to_a:
                    branch_a.append(node)
                if mark & to_b:
                    branch_b.append(node)
            for pred in self.preds[node]:  # pass the marks on to its inputs
                old = marks.get(pred)
                if old is None:
                    marks[pred] = mark
                    heapq.heappush(heap, -pred)
                    open_ += not mark & to_fork
                elif old | mark != old:
                    marks[pred] = old | mark
                    open_ -= bool(mark & to_fork and not old & to_fork)
        return fork, branch_a[::-1], branch_b[::-1]


    def _chain_branches(self, a: int, b: int) -> tuple[int, list[int], list[int]] | None:
        """:meth:`branches` where both branches are chains (each layer with one input, as
        conv → BN → ReLU → … is), else ``None``. Walking back from the later of the two
        layers one input at a time, the walks meet at the fork: every layer on them before
        that is on its branch."""
        if a == MODEL_INPUT or b == MODEL_INPUT:
            return None
        branch_a: list[int] = []
        branch_b: list[int] = []
        while a != b:
            if a > b:
                preds = self.preds[a]
                if len(preds) != 1:
                    return None
                branch_a.append(a)
                a = preds[0]
            else:
                preds = self.preds[b]
                if len(preds) != 1:
                    return None
                branch_b.append(b)
                b = preds[0]
        return a, branch_a[::-1], branch_b[::-1]


# --- residual blocks ------------------------------------------------------------------
def _find_blocks(layers: list[Layer], graph: _Graph, input_shape: Shape) -> list[Block]:
    # (add, fork, main, shortcut, route, shortcut_weighted): see _route for the route.
    found: list[tuple[Layer, int, list[int], list[int], list[int], int]] = []
    # Blocks do not nest or share layers: an add whose branches hold other blocks' layers
    # is a long skip around several blocks (a global residual), or a second use of the same
    # F(x), not a block of the network's hierarchy. One exception: a main path that holds
    # exactly one identity block, whole, is a block with a residual unit inside (a
    # non-local or bilinear attention unit, ``x + attn(x)``, between its convs): the outer
    # add is the block, the inner one part of its main path.
    owned: set[int] = set()
    for layer in layers:
        if not joins_two_branches(layer):
            continue
        if graph.is_side_merge(layer.index):
            continue  # a context broadcast over the map (GCNet): not x + F(x)
        a, b = layer.inputs
        fork, branch_a, branch_b = graph.branches(a, b)
        if not branch_a and not branch_b:
            continue
        # The main branch has more weighted layers, then more layers; a tie keeps a's first.
        weighted_a, weighted_b = _weighted(layers, branch_a), _weighted(layers, branch_b)
        main, shortcut, shortcut_weighted = branch_a, branch_b, weighted_b
        if (weighted_b, len(branch_b)) > (weighted_a, len(branch_a)):
            main, shortcut, shortcut_weighted = branch_b, branch_a, weighted_a
        if weighted_a == weighted_b >= 2:
            continue  # two equal paths summed (shake-shake's branches, CBAM's pooled MLPs)
        inner = None
        if not (owned.isdisjoint(main) and owned.isdisjoint(shortcut)):
            inner = _unit_inside(found, main, shortcut)
            if inner is None:
                continue
        fork_shape = layers[fork].output_shape if fork != MODEL_INPUT else input_shape
        route = _route(graph, layer, main)
        if _is_residual(layers, layer, fork, fork_shape, shortcut, route):
            if inner is not None:
                found.remove(inner)
            found.append((layer, fork, main, shortcut, route, shortcut_weighted))
            owned.update(main, shortcut, (layer.index,))

    module_names = _block_modules(layers, found)
    uses = Counter(module_names)
    blocks: list[Block] = []
    stage_number, index_in_stage = 1, 0
    previous: tuple[Shape, str | None] | None = None
    for (add, fork, main, shortcut, route, shortcut_weighted), module in zip(found,
                                                                              module_names):
        in_shape = layers[fork].output_shape if fork != MODEL_INPUT else input_shape
        out_shape = add.output_shape
        parent = module.rpartition(".")[0] if module and uses[module] == 1 else None
        if previous is None or _starts_stage(previous, out_shape, parent):
            stage_number, index_in_stage = stage_number + 1, 0
        previous = (out_shape, parent)
        index_in_stage += 1
        paper = f"conv{stage_number}_{index_in_stage}"
        unique = module and uses[module] == 1
        stride = _path_stride(layers, graph, route)
        kind, reason = _shortcut_kind(layers, shortcut, in_shape, out_shape, stride)
        blocks.append(Block(
            name=module if unique else paper, paper_name=paper, stage=f"conv{stage_number}_x",
            index_in_stage=index_in_stage, kind=kind, reason=reason,
            input_shape=in_shape, output_shape=out_shape, main_layers=main,
            shortcut_layers=shortcut, add_layer=add.index,
            shortcut_weighted=shortcut_weighted, stride=stride,
        ))
    return blocks


def _starts_stage(previous: tuple[Shape, str | None], out_shape: Shape,
                  parent: str | None) -> bool:
    """Whether a block starts a new stage after the block before it (its output shape and
    the module holding it).

    A stage is the paper's group of blocks at one map size and one number of filters: a new
    one starts where the resolution changes, and where the width changes in the paper's way —
    doubled or more (conv3_x's 128 after 64; a dilated ResNet's later stages keep the map
    size and still double, so it keeps [3, 4, 6, 3]) — or where the model puts the block in
    a module of its own kind (``layer2`` after ``layer1``). Widths that grow a little every
    block (PyramidNet's +α/N channels) are one stage, not one stage per block."""
    before, before_parent = previous
    if out_shape[2:] != before[2:] or len(out_shape) != len(before):
        return True
    if len(out_shape) < 2 or out_shape[1] == before[1]:
        return False
    if parent is not None and before_parent is not None and parent != before_parent:
        return True
    wide, narrow = max(out_shape[1], before[1]), min(out_shape[1], before[1])
    return wide >= 2 * narrow


def _unit_inside(found: list[tuple], main: list[int], shortcut: list[int]) -> tuple | None:
    """The one block already found that lies whole inside ``main`` and has the identity as
    its shortcut (a residual unit inside a block), if the branches hold no other block's
    layers; else None."""
    taken = set(main) | set(shortcut)
    overlapping = []  # the found blocks (add, fork, main, shortcut, …) these branches touch
    for entry in found:
        add, _, inner_main, *_ = entry
        if add.index in taken or not taken.isdisjoint(inner_main):
            overlapping.append(entry)
    if len(overlapping) != 1:
        return None
    add, _, inner_main, inner_shortcut, *_ = overlapping[0]
    inside = set(main)
    if inner_shortcut or add.index not in inside or not inside.issuperset(inner_main):
        return None
    return overlapping[0]


def _is_residual(layers: list[Layer], add: Layer, fork: int, fork_shape: Shape,
                 shortcut: list[int], route: list[int]) -> bool:
    """Whether an add of two branches is a residual block ``x + F(x)``; ``route`` is the
    main branch without its gates (see :func:`_route`).

    * The shortcut carries the block's *whole* input: what it reads of the fork has all the
      fork's channels (the identity, a projection of it, or option A's subsample padded with
      zeros). Res2Net's ``sp + spx[i]`` adds a *slice* of the input: not a block.
    * Each branch carries the map at the block's output resolution on at least one path from
      the fork: a feature pyramid's top-down add joins a map that only comes back up from a
      coarser level, not ``F(x)`` (whichever of the two branches has more layers). A side
      path that dips and comes back (SCNet's self-calibration: a gate computed at a quarter
      of the resolution) does not stop the map itself from flowing at full size.
    """
    # What reads the fork on the shortcut: its layers, or for the identity the add itself.
    readers = [layers[i] for i in shortcut] if shortcut else [add]
    for reader in readers:
        for source, shape in zip(reader.inputs, reader.input_shapes):
            if source == fork and _fewer_channels(shape, fork_shape):
                return False
    if len(add.output_shape) < 3:
        return True  # no map to keep
    return _keeps_resolution(layers, route, add) and _keeps_resolution(layers, shortcut, add)


def _keeps_resolution(layers: list[Layer], branch: list[int], add: Layer) -> bool:
    """Whether the data can flow from the fork to ``add`` through ``branch`` (in call order)
    without a map smaller than the add's: a layer is reached when it keeps the resolution
    and one of its inputs is reached or comes from outside the branch (the fork)."""
    out = add.output_shape
    out_map, rank = out[2:], len(out)
    below = set()
    for index in branch:
        shape = layers[index].output_shape
        if len(shape) == rank:
            for size, kept in zip(shape[2:], out_map):
                if size < kept:
                    below.add(index)
                    break
    if not below:
        return True  # the common case, every block of a plain ResNet: nothing to walk
    inside = set(branch)
    reached: set[int] = set()
    for index in branch:
        if index not in below and any(i not in inside or i in reached
                                      for i in layers[index].inputs):
            reached.add(index)
    return any(i in reached for i in add.inputs)


def _broadcast(shape: Shape, whole: Shape) -> bool:
    """Whether an operand of ``shape`` is stretched to ``whole``: the same rank, each size
    equal or 1, and fewer elements."""
    return (len(shape) == len(whole) and math.prod(shape) < math.prod(whole)
            and all(size in (1, full) for size, full in zip(shape, whole)))


def _fewer_channels(shape: Shape, whole: Shape) -> bool:
    return len(shape) == len(whole) >= 2 and shape[1] < whole[1]


def _own_stride(layer: Layer) -> int:
    stride = layer.stride  # None for most layers: checked first
    if stride and layer.kind in (CONV, POOL):
        return max(stride)
    return 1


def _route(graph: _Graph, add: Layer, main: list[int]) -> list[int]:
    """The main branch's layers that the data flows through from the fork to the add: the
    branch without its side paths (gates and contexts that only scale or shift the map)."""
    layers, preds = graph.layers, graph.preds
    for i in main:
        if len(preds[i]) > 1 and graph.is_side_merge(i):
            break
    else:  # Without a side path the data flows through every layer of the branch: each one
        return main  # leads to the add by a path inside the branch (not through the fork).
    branch = set(main)
    todo = [i for i in add.inputs if i in branch]
    seen: set[int] = set()
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        layer = layers[index]
        todo += [p for p in graph.path_preds(layer, graph.preds[index]) if p in branch]
    return sorted(seen)


def _path_stride(layers: list[Layer], graph: _Graph, route: list[int]) -> int:
    """The product of the strides along the route, up to the add: the largest over its
    parallel paths, so parallel strided convs (Res2Net's splits) count once, not once each."""
    strided = [i for i in route if _own_stride(layers[i]) > 1]
    if len(strided) < 2:  # every path through it has its stride, the others have none
        return _own_stride(layers[strided[0]]) if strided else 1
    stride: dict[int, int] = {}  # of the route's layers so far (a layer's inputs run first)
    for index in route:
        before = 1
        for pred in graph.preds[index]:
            before = max(before, stride.get(pred, 1))
        stride[index] = _own_stride(layers[index]) * before
    return max(stride.values(), default=1)


def _weighted(layers: list[Layer], indices: list[int]) -> int:
    """How many of these layers are weighted."""
    count = 0
    for i in indices:
        if layers[i].weighted:
            count += 1
    return count


def _block_modules(layers: list[Layer], found: list[tuple]) -> list[str]:
    """The module each block is: the one its add runs in, where no other block's add runs
    there too. Otherwise, where the forward calls the block's layers directly from outside
    the module that holds them (a model flattened by ``torch.fx``, whose graph calls
    ``layer1.0.conv1`` itself, inside one wrapper module or none; a forward that reaches into
    a ``ModuleDict``; a block class that overrides ``__call__``, which no hook sees), that
    holder: the module whose qualified name is a prefix of all of the block's layers — its
    branches' and the activation that takes the add's output — and of nothing that runs
    before the previous block's add or after this block. "" where neither names one; blocks
    that would share a name take the paper's (see :func:`_find_blocks`)."""
    runs_in = [add.scope[-1] if add.scope else "" for add, *_ in found]
    adds_in = Counter(runs_in)
    by_name: list[tuple[str, int]] = []  # module layers by name, sorted where first needed
    names = []
    previous_add = -1
    for (add, _, main, shortcut, *_), module in zip(found, runs_in):
        start, previous_add = previous_add, add.index
        if module and adds_in[module] == 1:
            names.append(module)
            continue
        members = main + shortcut
        end = add.index
        if (end + 1 < len(layers) and layers[end + 1].kind == LayerKind.ACTIVATION
                and layers[end + 1].inputs == [add.index]):
            end += 1  # the ReLU after the add, part of the block
            members = [*members, end]
        holder = _holder(layers, members)
        inside = holder.startswith(f"{module}.") or bool(holder and not module)
        # Not a holder that ran as a module itself (a branch's ConvBnAct inside a block of
        # several adds is a part of the block), nor one with layers that run elsewhere (a
        # list of branches summed one add at a time).
        called = any(holder in layers[i].scope for i in members)
        if not by_name:
            by_name = sorted((layer.name, layer.index) for layer in layers if not layer.is_op)
        held = by_name[bisect.bisect_left(by_name, (f"{holder}.",)):
                       bisect.bisect_left(by_name, (f"{holder}/",))]  # "/" follows "."
        alone = all(start < index <= end for _, index in held)
        names.append(holder if inside and not called and alone else module)
    return names


def _holder(layers: list[Layer], indices: list[int]) -> str:
    """The innermost module whose qualified name is a prefix of every module layer's among
    ``indices`` ("" for none)."""
    parts = [layers[i].name.split(".")[:-1] for i in indices if not layers[i].is_op]
    if not parts:
        return ""
    common = parts[0]
    for names in parts[1:]:
        while names[:len(common)] != common:
            common = common[:-1]
    return ".".join(common)


def _shortcut_kind(layers: list[Layer], shortcut: list[int], shape_in: tuple[int, ...],
                   shape_out: tuple[int, ...], stride: int) -> tuple[ShortcutKind, str]:
    """The shortcut's kind and why, in words. ``stride`` is the main path's (a fact of its
    layers), so an odd size (57×57 → 29×29) still reads "stride 2"."""
    changes = []
    if len(shape_in) > 1 and len(shape_out) > 1 and shape_in[1] != shape_out[1]:
        changes.append(f"channels {shape_in[1]}→{shape_out[1]}")
    if len(shape_in) != len(shape_out):
        shapes = " → ".join("×".join(map(str, shape[1:])) for shape in (shape_in, shape_out))
        changes.append(f"shape {shapes}")
    elif shape_in[2:] != shape_out[2:]:
        size_in = "×".join(map(str, shape_in[2:]))
        size_out = "×".join(map(str, shape_out[2:]))
        changes.append(f"stride {stride}: {size_in}→{size_out}")
    change = " and ".join(changes)
    convs = [layers[i] for i in shortcut if layers[i].weighted]
    if convs:
        what = ", ".join(_describe_conv(layer) for layer in convs)
        if change:
            return ShortcutKind.PROJECTION, f"{change}, so the shortcut needs {what}"
        return (ShortcutKind.PROJECTION,
                f"shapes agree, yet the shortcut holds {what} (option C)")
    if change:
        return (ShortcutKind.PADDED,
                f"{change} with a parameter-free shortcut (option A: zero-padded)")
    return (ShortcutKind.IDENTITY,
            "input and output shapes agree, so the shortcut is the identity")


def _describe_conv(layer: Layer) -> str:
    """``a 1×1 conv, stride 2``; a 1-D conv's kernel in 1-D words, ``a conv with a kernel of
    1, stride 2`` (not "a 1 conv")."""
    if layer.kernel_size:
        stride = layer.stride[0] if layer.stride else 1
        if len(layer.kernel_size) == 1:
            return f"a conv with a kernel of {layer.kernel_size[0]}, stride {stride}"
        kernel = "×".join(map(str, layer.kernel_size))
        return f"{a_or_an(kernel)} conv, stride {stride}"
    return a_or_an(layer.type)


# --- stages and roles -----------------------------------------------------------------
def _assign(layers: list[Layer], blocks: list[Block]) -> tuple[list[Stage], list[Layer],
                                                                list[Layer]]:
    """Give every layer its role, stage and block; the stages, the stem's and the head's
    layers."""
    if not blocks:  # a plain network: one stage holding everything, all on the main path
        for layer in layers:
            layer.role, layer.stage = Role.MAIN, "network"
        return _stages(layers, blocks, "fc"), [], []
    owned: set[int] = set()  # the layers of the blocks' branches and adds
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
        if following < len(blocks) and _inside(layer, blocks[following].name):
            blocks[following].pre_layers.append(layer.index)
            _join(layers, blocks[following], (layer.index,), Role.MAIN)
        elif following == 0:
            stem.append(layer)
        elif following == len(blocks) and not _inside(layer, blocks[-1].name):
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
            if _own_stride(layers[i]) > 1:
                block.strided_layers.append(i)
        block.family = _family(layers, block)
        block.activation = _activation(layers, block, own_path)
        block.signature = _signature(block, members)
    return _stages(layers, blocks, head_name), stem, head


def _activation(layers: list[Layer], block: Block, own_path: list[int]) -> Activation:
    """v2 (``pre``) where the block's own path starts with a norm (BN → ReLU → conv), or
    where its main path ends in a weighted layer and no activation follows the add — the v2
    paper's first unit, whose input was activated right after conv1, and normalizer-free
    pre-activation units; v1 (``post``: conv → BN → ReLU, a ReLU after the add) otherwise."""
    if own_path and layers[own_path[0]].kind in _NORMS:
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


def _inside(layer: Layer, module: str) -> bool:
    return bool(module) and (module in layer.scope or layer.name.startswith(module + "."))


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


def _group(members: list[Layer], role: Role) -> Stage | None:
    """All the layers of one role (the stem, the head) as one group with its totals."""
    if not members:
        return None
    kind = StageKind.STEM if role == Role.STEM else StageKind.HEAD
    params, macs, on_path = _totals(members)
    return Stage(
        name=str(role), module="", kind=kind, layers=[layer.index for layer in members],
        input_shape=members[0].input_shape, output_shape=members[-1].output_shape,
        params=params, macs=macs, weighted_on_path=on_path,
    )


# --- the depth formula ----------------------------------------------------------------
def _depth_terms(depth: int, blocks: list[Block], stages: list[Stage], stem_group: Stage | None,
                 head_group: Stage | None) -> DepthFormula:
    """``34 = 1 + 2×(3+4+6+3) + 1``: stem + per-block depth × blocks per stage + head.

    Blocks of different depths are written stage by stage, a run of equal blocks as depth ×
    count: Res2Net-50's ``(3 + 5×2) + (3 + 5×3) + …`` (each stage's first block does not
    chain its 3×3 splits); blocks that sit in no stage make one group, block by block."""
    if not blocks:
        return DepthFormula(depth)
    stem = stem_group.weighted_on_path if stem_group is not None else 0
    head = head_group.weighted_on_path if head_group is not None else 0
    total = stem + sum(b.main_weighted for b in blocks) + head
    block_stages = [stage for stage in stages if stage.kind == "blocks"]
    if len({b.main_weighted for b in blocks}) == 1:
        per_block = blocks[0].main_weighted
        runs = tuple(((per_block, len(stage.blocks)),) for stage in block_stages)
        return DepthFormula(depth, stem, runs, head, total)
    by_name = {block.name: block for block in blocks}
    groups = [[by_name[name].main_weighted for name in stage.blocks if name in by_name]
              for stage in block_stages]
    if sum(map(len, groups)) != len(blocks):
        groups = [[block.main_weighted for block in blocks]]
        runs = (tuple((d, 1) for d in groups[0]),)
    else:
        runs = tuple(tuple((d, len(list(run))) for d, run in groupby(depths))
                     for depths in filter(None, groups))
    return DepthFormula(depth, stem, runs, head, total)
