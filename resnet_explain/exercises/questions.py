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
from ..i18n import _, is_chinese, ngettext
from ..notation import dims, dims_or_one
from ..render import numbers as fmt
from ..words import AXES, a_or_an, count, units, word
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
    parts = [_("kernel {kernel}", kernel=dims(kernel)),
             _("stride {stride}", stride=dims_or_one(layer.stride or kernel)),
             _("padding {padding}", padding=dims_or_one(layer.padding or (0,) * len(kernel)))]
    if layer.dilation and any(d != 1 for d in layer.dilation):
        parts.append(_("dilation {dilation}", dilation=dims_or_one(layer.dilation)))
    if any(check.ceil_mode for check in layer.size_checks):
        parts.append("ceil_mode")
    return _(", ").join(parts)


def _what(layer: Layer) -> str:
    """``a Conv2d with kernel 3×3, stride 2, padding 1``."""
    if a_or_an(layer.type).startswith("an "):
        return _("an {type} with {window}", type=layer.type, window=_window_words(layer))
    return _("a {type} with {window}", type=layer.type, window=_window_words(layer))


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
    if any("⌈" in step for step in steps):
        formula = _("out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1 (⌈…⌉ for a pool in ceil_mode) "
                    "along each axis, from the input's {image} on:", image=dims(image))
    else:
        formula = _("out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1 along each axis, from the "
                    "input's {image} on:", image=dims(image))
    derivation = [formula, *steps]
    if kept:
        if padded:
            derivation.append(ngettext(
                "{n} more conv or pool on the way keeps the size (stride 1, K = 2P + 1)",
                "{n} more convs and pools on the way keep the size (stride 1, K = 2P + 1)",
                kept))
        else:
            derivation.append(ngettext("{n} more conv or pool on the way keeps the size",
                                       "{n} more convs and pools on the way keep the size",
                                       kept))
    before = _spatial(layer.input_shape)
    chw = _chw(arch.input_map)
    values = dict(model=_code(arch.model), chw=chw, axes=axes, layer=_code(layer.name),
                  what=_what(layer))
    question = (_("{model} reads an {chw} input. What size ({axes}) is the output of "
                  "{layer}, {what}?", **values) if a_or_an(chw).startswith("an ") else
                _("{model} reads a {chw} input. What size ({axes}) is the output of "
                  "{layer}, {what}?", **values))
    return Exercise(
        kind="output-size", concerns=layer.name,
        question=question,
        answer=_("{out}: {layer} turns {before} into {out}.", out=dims(out),
                 layer=_code(layer.name), before=dims(before)),
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
    names = _(", ").join(_code(layer.name) for layer in left)
    if not left:
        kinds = [block.kind for block in arch.blocks]
        padded = kinds.count(ShortcutKind.PADDED)
        if padded:
            answer = _("None: every one of its {weighted} is on the longest path. Its "
                       "{padded} (option A) carry no weights.",
                       weighted=count(len(weighted), "weighted layer"),
                       padded=count(padded, "zero-padded identity shortcut"))
        else:
            answer = _("None: every one of its {weighted} is on the longest path.",
                       weighted=count(len(weighted), "weighted layer"))
    elif all(layer.role == Role.SHORTCUT for layer in left):
        answer = ngettext(
            "The {n} shortcut projection: {names}. It sits beside the main path, so it does "
            "not make the network deeper.",
            "The {n} shortcut projections: {names}. They sit beside the main path, so they "
            "do not make the network deeper.", len(left), names=names)
    else:
        answer = ngettext(
            "The {n} weighted layer off the longest path: {names}. It sits beside the main "
            "path, so it does not make the network deeper.",
            "The {n} weighted layers off the longest path: {names}. They sit beside the "
            "main path, so they do not make the network deeper.", len(left), names=names)
    formula = arch.depth_formula
    if not formula.startswith(f"{arch.plain_depth} "):
        formula = f"{arch.plain_depth} ({formula})" if formula else str(arch.plain_depth)
    derivation = (_("weighted layers (convolutions and fully connected): {n}",
                    n=len(weighted)),
                  _("off the longest input→output path: {n}", n=len(left)),
                  f"{len(weighted)} − {len(left)} = {formula}")
    return [Exercise(
        kind="depth", concerns=arch.model,
        question=_("{model} has {weighted} (convolutions and fully connected layers); its "
                   "depth, the number a ResNet's name counts, is {depth}. Which weighted "
                   "layers does that number leave out, and why?", model=_code(arch.model),
                   weighted=count(len(weighted), "weighted layer"), depth=arch.plain_depth),
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
        derivation = [_("{letters}·C_in/groups·C_out + bias = {product} + {bias} = {params}",
                        letters=_kernel_letters(layer), bias=bias, params=f"{layer.params:,}",
                        product=f"{kernel}·{layer.in_channels}{per_group}·"
                                f"{layer.out_channels}")]
        after = [arch.layers[i] for i in readers.get(layer.index, [])]
        if len(after) == 1 and after[0].kind == BATCH_NORM:
            derivation.append(
                _("a bias: {bn}, the BatchNorm after it, subtracts each channel's mean, "
                  "which cancels this bias: its parameters do nothing",
                  bn=_code(after[0].name)) if layer.bias else
                _("no bias: {bn}, the BatchNorm after it, subtracts each channel's mean, "
                  "which would cancel one", bn=_code(after[0].name)))
        values = dict(layer=_code(layer.name), conv=_a_convolution(layer.kernel_size),
                      c_in=layer.in_channels, c_out=layer.out_channels, groups=groups)
        if groups != 1:
            question = (_("How many parameters does {layer} hold? It is {conv} from {c_in} "
                          "to {c_out} channels in {groups} groups, with a bias.", **values)
                        if layer.bias else
                        _("How many parameters does {layer} hold? It is {conv} from {c_in} "
                          "to {c_out} channels in {groups} groups, without a bias.",
                          **values))
        else:
            question = (_("How many parameters does {layer} hold? It is {conv} from {c_in} "
                          "to {c_out} channels, with a bias.", **values)
                        if layer.bias else
                        _("How many parameters does {layer} hold? It is {conv} from {c_in} "
                          "to {c_out} channels, without a bias.", **values))
        found[key] = Exercise(
            kind="conv-params", concerns=layer.name, question=question,
            answer=_("{params}.", params=f"{layer.params:,}"), derivation=tuple(derivation),
            value=layer.params)
    return list(found.values())


def _kernel_letters(layer: Layer) -> str:
    """``K·K`` for a 2-D kernel, ``K`` for 1-D, ``K·K·K`` for 3-D."""
    return "·".join("K" * len(layer.kernel_size or (1,)))


def _a_convolution(kernel: Sequence[int]) -> str:
    """``a 3×3 convolution``; ``a convolution with kernel 3`` in 1-D."""
    if len(kernel) == 1:
        return _("a convolution with kernel {kernel}", kernel=kernel[0])
    if a_or_an(dims(kernel)).startswith("an "):
        return _("an {kernel} convolution", kernel=dims(kernel))
    return _("a {kernel} convolution", kernel=dims(kernel))


# --- projection -------------------------------------------------------------------------
def projection(arch: Architecture) -> list[Exercise]:
    """Why a block's shortcut is not the identity."""
    return [_projection(arch, block) for block in arch.blocks
            if block.kind in (ShortcutKind.PROJECTION, ShortcutKind.PADDED)]


def _projection(arch: Architecture, block: Block) -> Exercise:
    x, fx = block.input_shape, block.output_shape
    changes = []
    if x[1] != fx[1]:
        changes.append(_("the channels change from {before} to {after}", before=x[1],
                         after=fx[1]))
    if _spatial(x) != _spatial(fx):
        halves = all(-(-a // 2) == b for a, b in zip(_spatial(x), _spatial(fx)))
        values = dict(before=dims(_spatial(x)), after=dims(_spatial(fx)), stride=block.stride)
        changes.append(_("the map halves, {before} → {after} (stride {stride})", **values)
                       if halves else
                       _("the map shrinks, {before} → {after} (stride {stride})", **values))
    shortcut = [arch.layers[i] for i in block.shortcut_layers]
    if block.kind == ShortcutKind.PADDED:
        extra = fx[1] - x[1]
        holds = _("option A's zero-padded identity: it subsamples the map by {stride} and "
                  "fills the {missing} with zeros, with no parameters", stride=block.stride,
                  missing=count(extra, "missing channel"))
    else:
        parts = [_shortcut_layer(layer) for layer in shortcut if layer.params]
        holds = _("a projection: {layers}", layers=_(" and ").join(parts))
    if changes:
        answer = _("x ({x}) and F(x) ({fx}) must have the same shape to be added, and "
                   "{changes}. So the shortcut is {holds}.", x=_chw(x), fx=_chw(fx),
                   changes=_(" and ").join(changes), holds=holds)
    else:
        answer = _("x and F(x) have the same shape ({x}): the identity would fit. This "
                   "network's shortcut is {holds} anyway, as the paper's option C projects "
                   "every shortcut.", x=_chw(x), holds=holds)
    derivation = [f"x: {_chw(x)}; F(x): {_chw(fx)}"]
    for layer in shortcut:
        if layer.kind == CONV and layer.formula and layer.kernel_size:
            derivation.append(f"{_code(layer.name)}: {layer.formula}")
            derivation.append(
                _("{layer}: {product} = {params} parameters", layer=_code(layer.name),
                  product=f"{'·'.join(map(str, layer.kernel_size))}·{layer.in_channels}·"
                          f"{layer.out_channels}", params=f"{layer.params:,}")
                if not layer.bias and (layer.groups or 1) == 1 else
                _("{layer}: {params} parameters", layer=_code(layer.name),
                  params=f"{layer.params:,}"))
    values = dict(paper=_code(block.paper_name), block=_code(block.name),
                  model=_code(arch.model))
    question = (_("Why does block {paper} ({block}) of {model} have a projection shortcut "
                  "and not the plain identity?", **values)
                if block.kind == ShortcutKind.PROJECTION else
                _("Why does block {paper} ({block}) of {model} have a zero-padded identity "
                  "shortcut and not the plain identity?", **values))
    return Exercise(
        kind="projection", concerns=block.paper_name,
        question=question,
        answer=answer, derivation=tuple(derivation),
        value=(x[1], fx[1], _spatial(x), _spatial(fx)))


def _shortcut_layer(layer: Layer) -> str:
    """``a Conv2d`` named, with its window and parameters when it has a kernel."""
    values = dict(layer=_code(layer.name), type=layer.type)
    an = a_or_an(layer.type).startswith("an ")
    if layer.kernel_size:
        values.update(window=_window_words(layer), params=f"{layer.params:,}")
        return (_("{layer}, an {type} ({window}; {params} parameters)", **values) if an else
                _("{layer}, a {type} ({window}; {params} parameters)", **values))
    return _("{layer}, an {type}", **values) if an else _("{layer}, a {type}", **values)


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
    short, long = (word(unit) for unit in units(arch.spatial_dims))
    axis = AXES.get(arch.spatial_dims, ("H",))[0]
    values = dict(long=long, model=_code(arch.model), stage=_code(stage),
                  last=_code(last.name), axis=axis)
    question = (_("How many {long} of {model}'s input can one position of {stage}'s output "
                  "(after {last}) see along {axis}? Count the theoretical receptive field, "
                  "padding included.", **values) if arch.spatial_dims > 1 else
                _("How many {long} of {model}'s input can one position of {stage}'s output "
                  "(after {last}) see? Count the theoretical receptive field, padding "
                  "included.", **values))
    return Exercise(
        kind="receptive-field", concerns=stage,
        question=question,
        answer=_("{r} {long}; neighbouring positions are {j} {short} apart (the jump).",
                 r=r, long=long, j=j, short=short),
        derivation=(_("r = 1 and j = 1 at the input; a conv or pool with kernel K, stride S "
                      "and dilation D adds (K − 1)·D·j to r and multiplies j by S:"), *lines),
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
        step = f"r = {r} + {times}{grow} = {new_r}, j = {j}·{s} = {new_j}"
        if len(run) == 1:
            lines.append(_("{layer} (kernel {kernel}, stride {stride}): {step}",
                           layer=_code(layer.name), kernel=dims((k,) * rank), stride=s,
                           step=step))
        else:
            lines.append(_("{first} … {last} ({n} layers, kernel {kernel}, stride {stride}): "
                           "{step}", first=_code(run[0].name), last=_code(run[-1].name),
                           n=len(run), kernel=dims((k,) * rank), stride=s, step=step))
        r, j = new_r, new_j
        i += len(run)
    if nothing:
        lines.append(ngettext("{n} more layer on the way is {one} with stride 1: it adds "
                              "nothing (K − 1 = 0)",
                              "{n} more layers on the way are {one} with stride 1: they add "
                              "nothing (K − 1 = 0)", nothing, one=one))
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
        first = _macs_line(_("v1 and v1.5") if same else "v1", layer, v1.batch_size)
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
    said = [_("v1: {a}; v1.5: {b} ({diff} in v1.5).", a=f"{a:,}", b=f"{b:,}",
              diff=f"{b - a:+,}")]
    for x, y in differ:
        said.append(_("{layer} makes the difference: {a} → {b}, because its output is "
                      "{size} in v1 and {size15} in v1.5.", layer=_code(x.name),
                      a=f"{x.macs // v1.batch_size:,}", b=f"{y.macs // v15.batch_size:,}",
                      size=dims(_spatial(x.output_shape)),
                      size15=dims(_spatial(y.output_shape))))
    for x, _y in same:
        said.append(_("{layer} costs {macs} in both (its output is {size} either way).",
                      layer=_code(x.name), macs=f"{x.macs // v1.batch_size:,}",
                      size=dims(_spatial(x.output_shape))))
    for layer in strided_v1:
        if layer.kernel_size and set(layer.kernel_size) == {1} and layer.stride:
            skipped = math.prod(layer.stride)
            lines.append(_("v1's {layer} is a 1×1 conv with stride {stride}: it never reads "
                           "{skipped} of every {every} input positions, the reason given for "
                           "v1.5's better accuracy", layer=_code(layer.name),
                           stride=dims_or_one(layer.stride), skipped=skipped - 1,
                           every=skipped))
    where = _(" and ").join(f"{_code(s.name)} ({dims(s.kernel_size or ())})"
                            for s in strided_v1)
    where15 = _(" and ").join(f"{_code(s.name)} ({dims(s.kernel_size or ())})"
                              for s in strided_v15)
    return Exercise(
        kind="v1-vs-v1.5", concerns=block.paper_name,
        question=_("Block {paper} ({block}) has stride {stride}. The paper's layout (v1, "
                   "{v1}) puts its stride on {where}; torchvision's (v1.5, {v15}) on "
                   "{where15}. How many multiply-adds per {item} does the block cost in "
                   "each, and which convolution makes the difference?",
                   paper=_code(block.paper_name), block=_code(block.name),
                   stride=block.stride, v1=_code(v1.model), where=where,
                   v15=_code(v15.model), where15=where15, item=_item(v1)),
        answer=("" if is_chinese() else " ").join(said),
        derivation=(_("K·K·C_in·C_out·H_out·W_out per convolution:"), *lines),
        value=(a, b))


def _item(arch: Architecture) -> str:
    from ..words import ITEMS

    return word(ITEMS.get(arch.spatial_dims, "input"))
