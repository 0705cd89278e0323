"""The questions: for each kind of exercise, every one that a traced model offers.

Each function reads the Architecture (and nothing else, except ``v1-vs-v1.5``, which reads a
second trace) and returns its exercises in the order of the network, one per different
question: two convolutions with the same kernel, channels and bias make one
``conv-params`` question, not two. A candidate whose worked arithmetic does not give the
traced number is dropped, never shown with a wrong derivation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..architecture import (
    BATCH_NORM,
    CONV,
    MODEL_INPUT,
    POOL,
    Role,
    ShortcutKind,
    StageKind,
)
from ..notation import dims, dims_or_one
from ..render import numbers as fmt
from ..words import AXES, a_or_an, count, units
from . import Exercise

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer, Shape


def candidates(arch: Architecture, kinds: Sequence[str],
               other: Architecture | None = None) -> dict[str, list[Exercise]]:
    """Every exercise of each kind in ``kinds`` that ``arch`` offers."""
    makers: dict[str, Callable[[], list[Exercise]]] = {
        "output-size": lambda: output_size(arch),
        "depth": lambda: depth(arch),
        "conv-params": lambda: conv_params(arch),
        "projection": lambda: projection(arch),
        "receptive-field": lambda: receptive_field(arch),
        "v1-vs-v1.5": lambda: v1_vs_v15(arch, other),
    }
    return {kind: makers[kind]() for kind in kinds}


# --- small words ------------------------------------------------------------------------
def _code(name: str) -> str:
    return f"`{name}`"


def _spatial(shape: Shape | None) -> tuple[int, ...]:
    return tuple(shape[2:]) if shape is not None and len(shape) > 2 else ()


def _chw(shape: Shape) -> str:
    """A map without its batch: ``64×56×56``."""
    return dims(shape[1:])


def _window_words(layer: Layer) -> str:
    """``kernel 3×3, stride 2, padding 1`` (dilation and ceil mode where they matter)."""
    kernel = layer.kernel_size or ()
    parts = [f"kernel {dims(kernel)}", f"stride {dims_or_one(layer.stride or kernel)}",
             f"padding {dims_or_one(layer.padding or (0,) * len(kernel))}"]
    if layer.dilation and any(d != 1 for d in layer.dilation):
        parts.append(f"dilation {dims_or_one(layer.dilation)}")
    if any(check.ceil_mode for check in layer.size_checks):
        parts.append("ceil_mode")
    return ", ".join(parts)


def _what(layer: Layer) -> str:
    """``a Conv2d with kernel 3×3, stride 2, padding 1``."""
    return f"{a_or_an(layer.type)} with {_window_words(layer)}"


def _consumers(arch: Architecture) -> dict[int, list[int]]:
    readers: dict[int, list[int]] = {}
    for layer in arch.layers:
        for source in layer.inputs:
            readers.setdefault(source, []).append(layer.index)
    return readers


def _field_size(layer: Layer) -> int:
    field = layer.receptive_field
    return 0 if field is None or field.whole_input else max(field.size)


def deciding_path(arch: Architecture, layer: Layer) -> list[Layer]:
    """The layers from the input to ``layer`` (included) along the inputs that decide its
    receptive field: at a join, the input with the largest field (a block's main path, not
    its shortcut), the one on the longest path among equals."""
    path = [layer]
    current = layer
    while True:
        sources = [arch.layers[i] for i in current.inputs if i != MODEL_INPUT]
        if not sources:
            break
        current = max(sources, key=lambda s: (_field_size(s), s.on_longest_path, -s.index))
        path.append(current)
    return path[::-1]


# --- output-size ------------------------------------------------------------------------
def output_size(arch: Architecture) -> list[Exercise]:
    """The output size of a conv or pool at the model's input size, from the input on."""
    if arch.spatial_dims == 0:
        return []
    image = _spatial(arch.input_map)
    found: dict[tuple, Exercise] = {}
    for layer in arch.layers:
        if layer.kind not in (CONV, POOL) or not layer.size_checks or not layer.formula_ok \
                or layer.size_checks[0].transposed or layer.call:
            continue
        key = (layer.type, layer.formula, _spatial(layer.input_shape))
        if key in found:
            continue
        exercise = _output_size(arch, layer, image)
        if exercise is not None:
            found[key] = exercise
    return list(found.values())


def _output_size(arch: Architecture, layer: Layer, image: tuple[int, ...]) -> Exercise | None:
    steps, kept, padded = [], 0, True  # padded: every size kept by stride 1, K = 2P + 1
    size = image
    for step in deciding_path(arch, layer):
        before, after = _spatial(step.input_shape), _spatial(step.output_shape)
        if before != size:  # the chain must go on from the size the last step gave
            return None
        if any(check.transposed for check in step.size_checks):
            return None  # another formula: not this exercise's
        if step.size_checks and step.formula_ok:
            if before != after or step is layer:
                kernel = fmt.kernel(step.kernel_size, step.stride, step.padding, step.dilation)
                steps.append(f"{_code(step.name)} ({kernel}): {step.formula}")
            else:
                kept += 1
                padded = padded and _keeps_by_padding(step)
        elif before != after:  # a size change without a formula: no worked answer
            return None
        size = after
    out = _spatial(layer.output_shape)
    if size != out:
        return None
    axes = "×".join(AXES.get(len(out), ()))
    ceil = " (⌈…⌉ for a pool in ceil_mode)" if any("⌈" in step for step in steps) else ""
    derivation = [f"out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1{ceil} along each axis, from the "
                  f"input's {dims(image)} on:", *steps]
    if kept:
        why = " (stride 1, K = 2P + 1)" if padded else ""
        derivation.append(f"{kept} more {'conv or pool' if kept == 1 else 'convs and pools'} "
                          f"on the way {'keeps' if kept == 1 else 'keep'} the size{why}")
    before = _spatial(layer.input_shape)
    return Exercise(
        kind="output-size", concerns=layer.name,
        question=(f"{_code(arch.model)} reads {a_or_an(_chw(arch.input_map))} input. What "
                  f"size ({axes}) is the output of {_code(layer.name)}, {_what(layer)}?"),
        answer=(f"{dims(out)}: {_code(layer.name)} turns {dims(before)} into "
                f"{dims(out)}."),
        derivation=tuple(derivation), value=out)


def _keeps_by_padding(layer: Layer) -> bool:
    return all(check.stride == 1 and check.dilation == 1 and not check.transposed
               and check.kernel == 2 * check.padding + 1 for check in layer.size_checks)


# --- depth ------------------------------------------------------------------------------
def depth(arch: Architecture) -> list[Exercise]:
    """Which weighted layers the plain depth leaves out."""
    weighted = [layer for layer in arch.layers if layer.weighted and not layer.call]
    if not weighted or not arch.plain_depth:
        return []
    left = [layer for layer in weighted if not layer.on_longest_path]
    if len(weighted) - len(left) != arch.plain_depth:
        return []
    names = ", ".join(_code(layer.name) for layer in left)
    if not left:
        kinds = [block.kind for block in arch.blocks]
        padded = kinds.count(ShortcutKind.PADDED)
        why = (f" Its {count(padded, 'zero-padded identity shortcut')} (option A) carry no "
               f"weights." if padded else "")
        answer = (f"None: every one of its {count(len(weighted), 'weighted layer')} is on "
                  f"the longest path.{why}")
    else:
        what = count(len(left), "shortcut projection") \
            if all(layer.role == Role.SHORTCUT for layer in left) else \
            f"{count(len(left), 'weighted layer')} off the longest path"
        they = ("It sits", "it does") if len(left) == 1 else ("They sit", "they do")
        answer = (f"The {what}: {names}. "
                  f"{they[0]} beside the main path, so {they[1]} not make the network "
                  f"deeper.")
    formula = arch.depth_formula
    if not formula.startswith(f"{arch.plain_depth} "):
        formula = f"{arch.plain_depth} ({formula})" if formula else str(arch.plain_depth)
    derivation = (f"weighted layers (convolutions and fully connected): {len(weighted)}",
                  f"off the longest input→output path: {len(left)}",
                  f"{len(weighted)} − {len(left)} = {formula}")
    return [Exercise(
        kind="depth", concerns=arch.model,
        question=(f"{_code(arch.model)} has {count(len(weighted), 'weighted layer')} "
                  f"(convolutions and fully connected layers); its depth, the number a "
                  f"ResNet's name counts, is {arch.plain_depth}. Which weighted layers does "
                  f"that number leave out, and why?"),
        answer=answer, derivation=derivation,
        value=tuple(layer.name for layer in left))]


# --- conv-params ------------------------------------------------------------------------
def conv_params(arch: Architecture) -> list[Exercise]:
    """A convolution's parameters: K·K·C_in/groups·C_out + bias."""
    readers = _consumers(arch)
    found: dict[tuple, Exercise] = {}
    for layer in arch.layers:
        if layer.kind != CONV or layer.call or layer.shared_with or not layer.kernel_size \
                or layer.in_channels is None or layer.out_channels is None:
            continue
        groups = layer.groups or 1
        key = (layer.kernel_size, layer.in_channels, layer.out_channels, groups, layer.bias)
        if key in found:
            continue
        weights = math.prod(layer.kernel_size) * layer.in_channels // groups * \
            layer.out_channels
        bias = layer.out_channels if layer.bias else 0
        if weights + bias != layer.params or layer.in_channels % groups:
            continue
        kernel = "·".join(map(str, layer.kernel_size))
        per_group = f"/{groups}" if groups != 1 else ""
        derivation = [f"{_kernel_letters(layer)}·C_in/groups·C_out + bias = {kernel}·"
                      f"{layer.in_channels}{per_group}·{layer.out_channels} + {bias} = "
                      f"{layer.params:,}"]
        after = [arch.layers[i] for i in readers.get(layer.index, [])]
        if len(after) == 1 and after[0].kind == BATCH_NORM:
            derivation.append(
                f"{'a' if layer.bias else 'no'} bias: {_code(after[0].name)}, the BatchNorm "
                f"after it, subtracts each channel's mean, which "
                + ("cancels this bias: its parameters do nothing" if layer.bias else
                   "would cancel one"))
        grouped = f" in {groups} groups" if groups != 1 else ""
        found[key] = Exercise(
            kind="conv-params", concerns=layer.name,
            question=(f"How many parameters does {_code(layer.name)} hold? It is "
                      f"{_a_convolution(layer.kernel_size)} from "
                      f"{layer.in_channels} to {layer.out_channels} channels{grouped}, "
                      f"{'with' if layer.bias else 'without'} a bias."),
            answer=f"{layer.params:,}.", derivation=tuple(derivation), value=layer.params)
    return list(found.values())


def _kernel_letters(layer: Layer) -> str:
    """``K·K`` for a 2-D kernel, ``K`` for 1-D, ``K·K·K`` for 3-D."""
    return "·".join("K" * len(layer.kernel_size or (1,)))


def _a_convolution(kernel: Sequence[int]) -> str:
    """``a 3×3 convolution``; ``a convolution with kernel 3`` in 1-D."""
    if len(kernel) == 1:
        return f"a convolution with kernel {kernel[0]}"
    return f"{a_or_an(dims(kernel))} convolution"


# --- projection -------------------------------------------------------------------------
def projection(arch: Architecture) -> list[Exercise]:
    """Why a block's shortcut is not the identity."""
    return [_projection(arch, block) for block in arch.blocks
            if block.kind in (ShortcutKind.PROJECTION, ShortcutKind.PADDED)]


def _projection(arch: Architecture, block: Block) -> Exercise:
    x, fx = block.input_shape, block.output_shape
    changes = []
    if x[1] != fx[1]:
        changes.append(f"the channels change from {x[1]} to {fx[1]}")
    if _spatial(x) != _spatial(fx):
        halves = all(-(-a // 2) == b for a, b in zip(_spatial(x), _spatial(fx)))
        changes.append(f"the map {'halves' if halves else 'shrinks'}, "
                       f"{dims(_spatial(x))} → {dims(_spatial(fx))} (stride {block.stride})")
    shortcut = [arch.layers[i] for i in block.shortcut_layers]
    if block.kind == ShortcutKind.PADDED:
        extra = fx[1] - x[1]
        holds = (f"option A's zero-padded identity: it subsamples the map by "
                 f"{block.stride} and fills the {count(extra, 'missing channel')} with zeros, "
                 f"with no parameters")
    else:
        parts = [f"{_code(layer.name)}, {a_or_an(layer.type)}"
                 + (f" ({_window_words(layer)}; {layer.params:,} parameters)"
                    if layer.kernel_size else "")
                 for layer in shortcut if layer.params]
        holds = "a projection: " + " and ".join(parts)
    if changes:
        answer = (f"x ({_chw(x)}) and F(x) ({_chw(fx)}) must have the same shape to be "
                  f"added, and {' and '.join(changes)}. So the shortcut is {holds}.")
    else:
        answer = (f"x and F(x) have the same shape ({_chw(x)}): the identity would fit. "
                  f"This network's shortcut is {holds} anyway, as the paper's option C "
                  f"projects every shortcut.")
    derivation = [f"x: {_chw(x)}; F(x): {_chw(fx)}"]
    for layer in shortcut:
        if layer.kind == CONV and layer.formula and layer.kernel_size:
            derivation.append(f"{_code(layer.name)}: {layer.formula}")
            derivation.append(
                f"{_code(layer.name)}: {'·'.join(map(str, layer.kernel_size))}·"
                f"{layer.in_channels}·{layer.out_channels} = {layer.params:,} parameters"
                if not layer.bias and (layer.groups or 1) == 1 else
                f"{_code(layer.name)}: {layer.params:,} parameters")
    what = "a projection" if block.kind == ShortcutKind.PROJECTION else \
        "a zero-padded identity"
    return Exercise(
        kind="projection", concerns=block.paper_name,
        question=(f"Why does block {_code(block.paper_name)} ({_code(block.name)}) of "
                  f"{_code(arch.model)} have {what} shortcut and not the plain identity?"),
        answer=answer, derivation=tuple(derivation),
        value=(x[1], fx[1], _spatial(x), _spatial(fx)))


# --- receptive-field --------------------------------------------------------------------
def receptive_field(arch: Architecture) -> list[Exercise]:
    """The receptive field after each stage of blocks, with the jump, step by step."""
    found = []
    for stage in arch.stages:
        if stage.kind != StageKind.BLOCKS or not stage.layers:
            continue
        exercise = _receptive_field(arch, stage.name, arch.layers[stage.layers[-1]])
        if exercise is not None:
            found.append(exercise)
    return found


def _receptive_field(arch: Architecture, stage: str, last: Layer) -> Exercise | None:
    field = last.receptive_field
    if field is None or field.whole_input or field.inferred or len(set(field.size)) != 1:
        return None
    steps: list[tuple[Layer, int, int, int]] = []  # layer, kernel, stride, dilation
    for layer in deciding_path(arch, last):
        if layer.kind in (CONV, POOL) and layer.kernel_size:
            kernel, stride = layer.kernel_size, layer.stride or layer.kernel_size
            dilation = layer.dilation or (1,) * len(kernel)
            if len({*kernel}) != 1 or len({*stride}) != 1 or len({*dilation}) != 1:
                return None
            steps.append((layer, kernel[0], stride[0], dilation[0]))
        elif _spatial(layer.input_shape) != _spatial(layer.output_shape):
            return None  # a size change without a kernel: the field is not worked by hand
    lines, r, j = _field_lines(steps, len(field.size))
    if (r, j) != (field.size[0], field.jump[0]):
        return None
    short, long = units(arch.spatial_dims)
    axis = AXES.get(arch.spatial_dims, ("H",))[0]
    along = f" along {axis}" if arch.spatial_dims > 1 else ""
    return Exercise(
        kind="receptive-field", concerns=stage,
        question=(f"How many {long} of {_code(arch.model)}'s input can one position of "
                  f"{_code(stage)}'s output (after {_code(last.name)}) see{along}? Count "
                  f"the theoretical receptive field, padding included."),
        answer=(f"{r} {long}; neighbouring positions are {j} {short} apart (the jump)."),
        derivation=("r = 1 and j = 1 at the input; a conv or pool with kernel K, stride S "
                    "and dilation D adds (K − 1)·D·j to r and multiplies j by S:", *lines),
        value=r)


def _field_lines(steps: list[tuple[Layer, int, int, int]],
                 rank: int) -> tuple[list[str], int, int]:
    """The recurrence, one line per step; 1×1 stride-1 steps, which add nothing, are left
    out and counted at the end, and a run of steps with stride 1 and the same kernel is one
    line (``r = 11 + 4·(3−1)·4``)."""
    lines: list[str] = []
    r, j = 1, 1
    growing = [step for step in steps if step[1:3] != (1, 1)]
    nothing = len(steps) - len(growing)
    one = "×".join("1" * rank)
    i = 0
    while i < len(growing):
        layer, k, s, d = growing[i]
        run = [layer]
        if s == 1:
            while i + len(run) < len(growing) and growing[i + len(run)][1:] == (k, 1, d):
                run.append(growing[i + len(run)][0])
        grow = f"({k}−1)" + (f"·{d}" if d != 1 else "") + f"·{j}"
        new_r, new_j = r + len(run) * (k - 1) * d * j, j * s
        times = f"{len(run)}·" if len(run) > 1 else ""
        names = _code(layer.name) if len(run) == 1 else \
            f"{_code(run[0].name)} … {_code(run[-1].name)} ({len(run)} layers, "
        where = f"kernel {dims((k,) * rank)}, stride {s})"
        where = where if len(run) > 1 else f"({where}"
        lines.append(f"{names}{'' if len(run) > 1 else ' '}{where}: r = {r} + {times}{grow} "
                     f"= {new_r}, j = {j}·{s} = {new_j}")
        r, j = new_r, new_j
        i += len(run)
    if nothing:
        lines.append(f"{count(nothing, 'more layer')} on the way "
                     f"{'is' if nothing == 1 else 'are'} {one} with stride 1: "
                     f"{'it adds' if nothing == 1 else 'they add'} nothing (K − 1 = 0)")
    return lines, r, j


# --- v1-vs-v1.5 -------------------------------------------------------------------------
def v1_vs_v15(arch: Architecture, other: Architecture | None) -> list[Exercise]:
    """A downsampling Bottleneck's multiply-adds with the stride on the first 1×1 (v1)
    against the 3×3 (v1.5)."""
    mine = arch.layout
    if mine is None:
        return []
    if other is None:
        from ..traced import layout_twin

        other = layout_twin(arch)
    if other is None or other.layout in (None, mine):
        return []
    v1, v15 = (arch, other) if mine == "v1" else (other, arch)
    found = []
    for block in v1.blocks:
        if not block.strided_layers:
            continue
        try:
            twin = v15.block(block.name)
        except KeyError:
            continue
        exercise = _v1_vs_v15(v1, block, v15, twin)
        if exercise is not None:
            found.append(exercise)
    return found


def _macs_line(tag: str, layer: Layer, batch: int) -> str | None:
    """``v1 `layer2.0.conv1`: 1·1·256·128·28·28 = 25,690,112``, or None when the formula
    does not give the traced figure."""
    if layer.kernel_size is None or layer.in_channels is None or layer.out_channels is None:
        return None
    groups = layer.groups or 1
    out = _spatial(layer.output_shape)
    macs = math.prod(layer.kernel_size) * layer.in_channels // groups * layer.out_channels * \
        math.prod(out)
    if macs * batch != layer.macs:
        return None
    per_group = f"/{groups}" if groups != 1 else ""
    factors = "·".join(map(str, (*layer.kernel_size,)))
    return (f"{tag} {_code(layer.name)}: {factors}·{layer.in_channels}{per_group}·"
            f"{layer.out_channels}·{'·'.join(map(str, out))} = {macs:,}")


def _v1_vs_v15(v1: Architecture, block: Block, v15: Architecture,
               twin: Block) -> Exercise | None:
    pairs = []
    for index in block.main_layers + block.shortcut_layers:
        layer = v1.layers[index]
        if not layer.weighted:
            continue
        try:
            other = v15.layer(layer.name)
        except KeyError:
            return None
        pairs.append((layer, other))
    lines = []
    for layer, other in pairs:
        same = layer.macs // v1.batch_size == other.macs // v15.batch_size
        first = _macs_line("v1 and v1.5" if same else "v1", layer, v1.batch_size)
        second = _macs_line("v1.5", other, v15.batch_size)
        if first is None or second is None:
            return None
        lines += [first] if same else [first, second]
    a, b = block.macs // v1.batch_size, twin.macs // v15.batch_size
    if a != sum(p[0].macs for p in pairs) // v1.batch_size or \
            b != sum(p[1].macs for p in pairs) // v15.batch_size:
        return None
    strided_v1 = [v1.layers[i] for i in block.strided_layers]
    strided_v15 = [v15.layers[i] for i in twin.strided_layers]
    differ = [(x, y) for x, y in pairs
              if x.macs // v1.batch_size != y.macs // v15.batch_size]
    same = [(x, y) for x, y in pairs if (x, y) not in differ and
            (x.name in {s.name for s in strided_v1 + strided_v15})]
    said = [f"v1: {a:,}; v1.5: {b:,} ({b - a:+,} in v1.5)."]
    for x, y in differ:
        said.append(f"{_code(x.name)} makes the difference: "
                    f"{x.macs // v1.batch_size:,} → {y.macs // v15.batch_size:,}, because its "
                    f"output is {dims(_spatial(x.output_shape))} in v1 and "
                    f"{dims(_spatial(y.output_shape))} in v1.5.")
    for x, _y in same:
        said.append(f"{_code(x.name)} costs {x.macs // v1.batch_size:,} in both (its output "
                    f"is {dims(_spatial(x.output_shape))} either way).")
    for layer in strided_v1:
        if layer.kernel_size and set(layer.kernel_size) == {1} and layer.stride:
            skipped = math.prod(layer.stride)
            lines.append(f"v1's {_code(layer.name)} is a 1×1 conv with stride "
                         f"{dims_or_one(layer.stride)}: it never reads {skipped - 1} of every "
                         f"{skipped} input positions, the reason given for v1.5's better "
                         f"accuracy")
    where = " and ".join(f"{_code(s.name)} ({dims(s.kernel_size or ())})" for s in strided_v1)
    where15 = " and ".join(f"{_code(s.name)} ({dims(s.kernel_size or ())})"
                           for s in strided_v15)
    return Exercise(
        kind="v1-vs-v1.5", concerns=block.paper_name,
        question=(f"Block {_code(block.paper_name)} ({_code(block.name)}) has stride "
                  f"{block.stride}. "
                  f"The paper's layout (v1, {_code(v1.model)}) puts its stride on {where}; "
                  f"torchvision's (v1.5, {_code(v15.model)}) on {where15}. How many "
                  f"multiply-adds per {_item(v1)} does the block cost in each, and which "
                  f"convolution makes the difference?"),
        answer=" ".join(said),
        derivation=("K·K·C_in·C_out·H_out·W_out per convolution:", *lines),
        value=(a, b))


def _item(arch: Architecture) -> str:
    from ..words import ITEMS

    return ITEMS.get(arch.spatial_dims, "input")
