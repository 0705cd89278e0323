"""Residual blocks: where two branches of the data flow are added, which is the shortcut,
and what kind of shortcut it is."""

from __future__ import annotations

import bisect
from collections import Counter

from ..architecture import (
    MODEL_INPUT,
    Block,
    Layer,
    LayerKind,
    Shape,
    ShortcutKind,
    joins_two_branches,
)
from ..i18n import _
from ..notation import dims
from ..words import a_or_an
from .graph import Graph

CONV, POOL = LayerKind.CONV, LayerKind.POOL
#: The op types of the trace's part records (a split, chunk or slice of a traced tensor).
PART_OPS = frozenset(("split", "chunk", "slice"))


def find_blocks(layers: list[Layer], graph: Graph, input_shape: Shape,
                ) -> tuple[list[Block], dict[int, list[int]]]:
    """The residual blocks, in order, and the transitions between them: for a block's
    number in ``blocks``, the layers of the transition that runs just before it (see
    :func:`_transition`); a transition starts a stage."""
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
    transitions: dict[int, list[int]] = {}
    stage_number, index_in_stage = 1, 0
    previous: tuple[Shape, str | None] | None = None
    for number, ((add, fork, main, shortcut, route, shortcut_weighted), module) in enumerate(
            zip(found, module_names)):
        in_shape = layers[fork].output_shape if fork != MODEL_INPUT else input_shape
        out_shape = add.output_shape
        parent = module.rpartition(".")[0] if module and uses[module] == 1 else None
        if number:
            before = found[number - 1]
            transition = _transition(
                layers, graph, before[0].index, fork, min(main + shortcut, default=add.index),
                _own_module(module_names[number - 1], uses), _own_module(module, uses))
            if transition:
                transitions[number] = transition
        if previous is None or number in transitions or _starts_stage(previous, out_shape,
                                                                      parent):
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
    return blocks, transitions


def _own_module(module: str, uses: Counter) -> str:
    """The module a block is, where it is one block's alone ("" otherwise)."""
    return module if module and uses[module] == 1 else ""


def _transition(layers: list[Layer], graph: Graph, previous_add: int, fork: int, first: int,
                previous: str, following: str) -> list[int]:
    """The transition between two blocks: the weighted layers that lead from one block to
    the next without being in either (Darknet-53's and CSPNet's stride-2 down-sampling convs,
    a CSP stage's expanding 1×1 and its split), with what runs after them on that way.

    Of the layers between the earlier block's add (``previous_add``) and the later block's
    first layer (``first``), those that run outside both blocks' modules (``previous``,
    ``following``; "" for none), come from the earlier block's output and lead to the later
    block's input (its ``fork``, itself included) form the way between them; the transition
    is that way from its first weighted layer on (a ReLU after the add before it stays the
    earlier block's tail), and the other parts of a split the way takes. None without a
    weighted layer on the way: an activation or a pool between blocks is no transition, nor
    a branch that reads an earlier map and is added after the block (a third branch summed)."""
    if fork <= previous_add or fork == MODEL_INPUT:
        return []
    after = {previous_add}  # the layers in the gap that come from the earlier block's output
    for index in range(previous_add + 1, first):
        if not after.isdisjoint(graph.preds[index]):
            after.add(index)
    way: set[int] = set()
    todo = [fork]
    while todo:
        index = todo.pop()
        if index in way or index <= previous_add or index >= first or index not in after:
            continue
        if not (in_module(layers[index], previous) or in_module(layers[index], following)):
            way.add(index)  # (a pre-activation inside the later block is passed through)
        todo += graph.preds[index]
    weighted = [i for i in way if layers[i].weighted]
    if not weighted:
        return []
    start = min(weighted)
    taken = {i for i in way if i >= start}
    for index in range(start, first):  # the other parts of a split on the way
        layer = layers[index]
        if index not in taken and layer.is_op and layer.type in PART_OPS \
                and taken.issuperset(layer.inputs) and not in_module(layer, previous) \
                and not in_module(layer, following):
            taken.add(index)
    return sorted(taken)


def in_module(layer: Layer, module: str) -> bool:
    """Whether a layer runs inside ``module`` (never for "")."""
    return bool(module) and (module in layer.scope or layer.name.startswith(module + "."))


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
    # A shortcut that takes some of the fork's channels (a split, chunk or slice: the trace's
    # part records, see trace/ops.py PARTS) carries a part of it, whatever it reads; one
    # that subsamples the map (option A's ``x[:, :, ::2, ::2]``) still carries every channel.
    for i in shortcut:
        part = layers[i]
        if part.type in PART_OPS and part.is_op and part.input_shapes and \
                _fewer_channels(part.output_shape, part.input_shapes[0]):
            return False
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


def _fewer_channels(shape: Shape, whole: Shape) -> bool:
    return len(shape) == len(whole) >= 2 and shape[1] < whole[1]


def own_stride(layer: Layer) -> int:
    stride = layer.stride  # None for most layers: checked first
    if stride and layer.kind in (CONV, POOL):
        return max(stride)
    return 1


def _route(graph: Graph, add: Layer, main: list[int]) -> list[int]:
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


def _path_stride(layers: list[Layer], graph: Graph, route: list[int]) -> int:
    """The product of the strides along the route, up to the add: the largest over its
    parallel paths, so parallel strided convs (Res2Net's splits) count once, not once each."""
    strided = [i for i in route if own_stride(layers[i]) > 1]
    if len(strided) < 2:  # every path through it has its stride, the others have none
        return own_stride(layers[strided[0]]) if strided else 1
    stride: dict[int, int] = {}  # of the route's layers so far (a layer's inputs run first)
    for index in route:
        before = 1
        for pred in graph.preds[index]:
            before = max(before, stride.get(pred, 1))
        stride[index] = own_stride(layers[index]) * before
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
    that would share a name take the paper's (see :func:`find_blocks`)."""
    runs_in = [add.scope[-1] if add.scope else "" for add, *_ in found]
    adds_in = Counter(runs_in)
    by_name: list[tuple[str, int]] = []  # module layers by name, sorted where first needed
    names = []
    previous_add = -1
    for (add, _fork, main, shortcut, *_rest), module in zip(found, runs_in):
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
    layers), so an odd size (57×57 → 29×29) still reads "stride 2".

    The words are in the language in force when the model is analysed (``explain(...,
    lang="zh")`` analyses in Chinese): ``Block.reason`` is text, kept with the data."""
    changes = []
    if len(shape_in) > 1 and len(shape_out) > 1 and shape_in[1] != shape_out[1]:
        changes.append(_("channels {before}→{after}", before=shape_in[1], after=shape_out[1]))
    if len(shape_in) != len(shape_out):
        shapes = " → ".join(dims(shape[1:]) for shape in (shape_in, shape_out))
        changes.append(_("shape {shapes}", shapes=shapes))
    elif shape_in[2:] != shape_out[2:]:
        size_in = dims(shape_in[2:])
        size_out = dims(shape_out[2:])
        changes.append(_("stride {stride}: {before}→{after}", stride=stride, before=size_in,
                         after=size_out))
    change = _(" and ").join(changes)
    convs = [layers[i] for i in shortcut if layers[i].weighted]
    if convs:
        what = _(", ").join(_describe_conv(layer) for layer in convs)
        if change:
            return (ShortcutKind.PROJECTION,
                    _("{change}, so the shortcut needs {what}", change=change, what=what))
        return (ShortcutKind.PROJECTION,
                _("shapes agree, yet the shortcut holds {what} (option C)", what=what))
    if change:
        return (ShortcutKind.PADDED,
                _("{change} with a parameter-free shortcut (option A: zero-padded)",
                  change=change))
    return (ShortcutKind.IDENTITY,
            _("input and output shapes agree, so the shortcut is the identity"))


def _describe_conv(layer: Layer) -> str:
    """``a 1×1 conv, stride 2``; a 1-D conv's kernel in 1-D words, ``a conv with a kernel of
    1, stride 2`` (not "a 1 conv")."""
    if layer.kernel_size:
        stride = layer.stride[0] if layer.stride else 1
        if len(layer.kernel_size) == 1:
            return _("a conv with a kernel of {size}, stride {stride}",
                     size=layer.kernel_size[0], stride=stride)
        kernel = dims(layer.kernel_size)
        if a_or_an(kernel).startswith("an "):
            return _("an {kernel} conv, stride {stride}", kernel=kernel, stride=stride)
        return _("a {kernel} conv, stride {stride}", kernel=kernel, stride=stride)
    if a_or_an(layer.type).startswith("an "):
        return _("an {type}", type=layer.type)
    return _("a {type}", type=layer.type)
