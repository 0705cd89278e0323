"""Turn a failed forward into the ResNet lesson behind it.

The tracer records where the user's forward raised — a leaf layer with the shapes it received,
or a functional op (the residual ``+``) with its operands, the records that produced them and
the module it ran in. From that, and the records traced before the failure, this module names
the mistake in the paper's terms:

- an add whose two branches disagree: the block's shortcut needs a projection (channels), a
  stride (map size), or a layer on one branch lost pixels to missing padding;
- a fully connected head whose ``in_features`` is not what reaches it;
- a convolution whose ``in_channels`` is not what reaches it;
- an input too small for a kernel (the output-size formula gives ≤ 0).

Pure inspection of shapes and records; nothing here runs the model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..analysis.arithmetic import output_size, size_checks
from ..architecture import CONV, LINEAR, MODEL_INPUT, OTHER, POOL, RESHAPE
from ..i18n import N_, _, translated
from ..notation import dims, typed
from ..words import a_or_an, count, position
from .channelaxis import axis_added

if TYPE_CHECKING:
    from .layerinfo import LayerAttrs
    from .records import Call

Shape = tuple[int, ...]


@dataclass
class FailedOp:
    """A functional op that raised: its name, the module it ran in, its tensor operands."""

    op: str
    scope: list[str]
    shapes: list[Shape]
    producers: list[tuple[int, ...]]  # per operand: the records that produced it
    error: BaseException | None = None
    call: tuple[Any, tuple, dict] | None = None  # (func, args, kwargs), to ask PyTorch again


@dataclass
class FailedLayer:
    """A leaf layer that raised, with what it received."""

    name: str
    type: str
    attrs: LayerAttrs
    shapes: list[Shape]
    producers: list[int] = field(default_factory=list)


def _spatial(shape: Shape) -> Shape:
    return tuple(shape[2:])


def explain_failed_op(failed: FailedOp, calls: Sequence[Call]) -> dict[str, Any]:
    """``layer`` (where, with the operand shapes) and, for a residual add, ``fix`` (the lesson)."""
    scope = failed.scope[-1] if failed.scope else ""
    where = _("{scope}'s {op}", scope=scope, op=failed.op) if scope \
        else _("the {op} in the model's forward", op=failed.op)
    shapes = _(" and ").join(str(list(s)) for s in failed.shapes)
    context: dict[str, Any] = {"layer": _("{where} of {shapes}", where=where, shapes=shapes)
                               if shapes else where}
    if failed.op == "add" and len(failed.shapes) == 2:
        fix = _add_lesson(scope, failed, calls)
        if fix:
            context["fix"] = fix
    return context


def _inside(scope: str, producers: tuple[int, ...], calls: Sequence[Call]) -> bool:
    """Whether an operand was made inside the module ``scope`` (not passed into it)."""
    if not scope:
        return False
    makers = (_maker(p, calls) for p in producers)
    return any(p >= 0 and scope in calls[p].scope for p in makers)


def _maker(producer: int, calls: Sequence[Call]) -> int:
    """The record that made an operand, past leaves that hand their one input on as it was:
    no parameters, no kind of their own, the same shape out (an empty ``nn.Sequential`` or an
    ``nn.Identity`` as the identity shortcut, the common CIFAR block's way)."""
    while producer >= 0:
        call = calls[producer]
        if (call.is_op or call.attrs.kind != OTHER or call.attrs.params
                or len(call.inputs) != 1 or call.input_shapes[:1] != [call.output_shape]):
            break
        producer = call.inputs[0]
    return producer


def _add_lesson(scope: str, failed: FailedOp, calls: Sequence[Call]) -> str | None:
    (a, b), (pa, pb) = failed.shapes, failed.producers
    if len(a) != 4 or len(b) != 4:
        return None
    up_a, up_b = _upstream(pa, calls), _upstream(pb, calls)
    inside_a, inside_b = _inside(scope, pa, calls), _inside(scope, pb, calls)
    if inside_a != inside_b:  # one branch is the block's input: the identity shortcut
        a_is_main = inside_a
        identity = True
    else:  # the shortcut is the branch with fewer weighted layers of its own
        a_is_main = _weighted(up_a - up_b, calls) >= _weighted(up_b - up_a, calls)
        identity = False
    main, shortcut, main_up, short_up = (a, b, up_a, up_b) if a_is_main else (b, a, up_b, up_a)

    def head(main_size: str, short_size: str) -> str:
        """``Block layer1.0 adds a 56×56 main path to a 55×55 shortcut``."""
        short = _("{size} shortcut (the block's input)", size=short_size) if identity \
            else _("{size} shortcut", size=short_size)
        if scope:
            return _("Block {scope} adds {main} main path to {shortcut}", scope=scope,
                     main=main_size, shortcut=short)
        return _("The forward adds {main} main path to {shortcut}", main=main_size,
                 shortcut=short)

    # Only layers on one branch can explain a difference between the branches.
    lossy = _lossy_layer(main_up - short_up, calls) or _lossy_layer(short_up - main_up, calls)
    if _spatial(main) != _spatial(shortcut) and lossy is not None:
        name, check = lossy
        keep = check.dilation * (check.kernel - 1) // 2
        whole = output_size(check.in_size, check.kernel, check.stride, keep, check.dilation,
                            check.ceil_mode)
        lesson = _("{adds}: {layer} (kernel {kernel}, stride {stride}, padding {padding}) "
                   "gives {equation}, not ⌈{size}/{stride}⌉ = {whole_size}",
                   adds=head(_sized(dims(_spatial(main))), _sized(dims(_spatial(shortcut)))),
                   layer=name, kernel=check.kernel, stride=check.stride, padding=check.padding,
                   equation=check.equation, size=check.in_size,
                   whole_size=math.ceil(check.in_size / check.stride))
        if whole > check.traced:
            lesson += _(" — with padding={keep} it gives {whole}, as the paper's layers do",
                        keep=keep, whole=whole)
        return lesson
    channels = main[1] != shortcut[1]
    stride = _stride(shortcut, main)
    if not channels and stride is None:
        return None
    adds = head(_sized(dims(_spatial(main)), main[1]),
                _sized(dims(_spatial(shortcut)), shortcut[1]))
    stride_text = str(stride or 1)
    if channels and main[1] < shortcut[1]:  # ResNets widen or keep, never narrow
        return _("{adds}: a residual block never makes fewer channels than it receives, so the "
                 "main path's width ({width}) is the mistake, not the shortcut — a projection "
                 "to {width} channels would hide it. Build the block with its stage's width "
                 "(in _make_layer, a block count passed where the width goes gives this)",
                 adds=adds, width=main[1])
    if channels:
        return _("{adds}: the shortcut needs a projection (1×1 conv, stride {stride}, "
                 "{before}→{after} channels, then BatchNorm) — see option B, or option A "
                 "(zero-padded channels)", adds=adds, stride=stride_text, before=shortcut[1],
                 after=main[1])
    first = _first_sibling(scope, calls)
    if first is not None:  # seed 001's _make_layer: the stride given to every block
        return _("{adds}: {scope} is not the first block of its stage ({first} is), so it "
                 "takes stride 1 — only a stage's first block takes the stride (and the "
                 "projection); the others keep the map. Give {scope} stride=1 (in _make_layer, "
                 "pass stride to the first block only)", adds=adds, scope=scope, first=first)
    return _("{adds}: the main path has stride {stride}, so the shortcut needs stride {stride} "
             "too (a 1×1 conv, stride {stride} — option B, or option A's subsampling)",
             adds=adds, stride=stride_text)


def _sized(size: str, channels: int | None = None) -> str:
    """``a 56×56`` or ``a 64-channel 56×56`` (English's article, a phrase before a noun)."""
    if channels is None:
        return _("an {size}", size=size) if a_or_an(size).startswith("an ") \
            else _("a {size}", size=size)
    if a_or_an(f"{channels}-channel").startswith("an "):
        return _("an {channels}-channel {size}", channels=channels, size=size)
    return _("a {channels}-channel {size}", channels=channels, size=size)


def _first_sibling(scope: str, calls: Sequence[Call]) -> str | None:
    """The first block of the container that holds block ``scope`` (``layer2.0`` for
    ``layer2.1``), when ``scope`` is a later one and that block ran; else ``None``."""
    parent, _, position = scope.rpartition(".")
    if not position.isdigit() or int(position) == 0:
        return None
    first = f"{parent}.0" if parent else "0"
    return first if any(first in call.scope for call in calls) else None


def _block_of(name: str) -> str:
    """The module that holds a layer: ``layer1.0`` for ``layer1.0.conv1``."""
    return name.rpartition(".")[0]


def _maker_conv(producers: Sequence[int], calls: Sequence[Call]) -> Call | None:
    """The convolution that set the width of what a layer receives (back through
    BatchNorm, activations and adds, along the first input)."""
    index = producers[0] if producers else MODEL_INPUT
    while index >= 0:
        call = calls[index]
        if call.attrs.kind == CONV:
            return call
        index = call.inputs[0] if call.inputs else MODEL_INPUT
    return None


def _stride(before: Shape, after: Shape) -> int | None:
    """The stride that turns ``before``'s map into ``after``'s (⌈in/S⌉ = out), if any;
    ``None`` when the sizes are equal or no whole stride explains them."""
    if _spatial(before) == _spatial(after):
        return None
    for stride in range(2, 65):
        if all(math.ceil(i / stride) == o for i, o in zip(_spatial(before), _spatial(after),
                                                         strict=True)):
            return stride
    return None


def _weighted(records: set[int], calls: Sequence[Call]) -> int:
    return sum(calls[i].attrs.kind in (CONV, LINEAR) for i in records)


def _upstream(producers: tuple[int, ...], calls: Sequence[Call]) -> set[int]:
    """Every record an operand depends on."""
    seen: set[int] = set()
    frontier = [p for p in producers if p >= 0]
    while frontier:
        index = frontier.pop()
        if index not in seen:
            seen.add(index)
            frontier.extend(p for p in calls[index].inputs if p >= 0)
    return seen


def _lossy_layer(records: set[int], calls: Sequence[Call]) -> tuple[str, Any] | None:
    """The latest conv or pool among ``records`` whose output is smaller than ⌈in/S⌉: its
    padding is short of what keeps the map whole (a 3×3 max pool without padding=1 turns 112
    into 55, a 3×3 conv without padding=1 turns 56 into 54)."""
    for index in sorted(records, reverse=True):
        call = calls[index]
        attrs = call.attrs
        if attrs.kind not in (CONV, POOL) or not attrs.kernel_size or not call.input_shapes:
            continue
        spatial_in, spatial_out = call.input_shapes[0][2:], call.output_shape[2:]
        if len(spatial_in) == len(attrs.kernel_size) == len(spatial_out):
            checks = size_checks(spatial_in, spatial_out, attrs.kernel_size, attrs.stride,
                                 attrs.padding, attrs.dilation, attrs.ceil_mode)
            for check in checks:
                if check.traced < math.ceil(check.in_size / check.stride):
                    return call.name, check
    return None


def explain_failed_layer(failed: FailedLayer, calls: Sequence[Call]) -> dict[str, Any]:
    """``layer`` (name, type, the shape it received) and, where recognised, ``fix``."""
    received = failed.shapes[0] if failed.shapes else None
    context: dict[str, Any] = {"layer": f"{failed.name} ({failed.type})"}
    if received is not None:
        context["layer"] = _("{layer} ({type}) receiving {shape}", layer=failed.name,
                             type=failed.type, shape=list(received))
        # The channels first: an input turned round (32×32×3) also looks too small.
        added = _axis_added(failed, received)
        fix = added or (_channels(failed, received, calls)
                        or _too_small(failed.name, failed.attrs, received)
                        or _head(failed, received, calls))
        if fix:
            context["fix"] = fix
        if added:
            context["adds_axis"] = True  # the forward adds the channel axis itself
    return context


def _too_small(name: str, attrs: LayerAttrs, shape: Shape) -> str | None:
    """Name the formula that fails when an input is too small for a layer."""
    if attrs.kind in (CONV, POOL) and attrs.kernel_size and len(shape) >= 3:
        spatial = tuple(shape[-len(attrs.kernel_size):])
        checks = size_checks(spatial, None, attrs.kernel_size, attrs.stride, attrs.padding,
                             attrs.dilation, attrs.ceil_mode)
        bad = next((c for c in checks if c.expected <= 0), None)
        if bad is not None:
            return _("The input is too small: {layer} receives {positions} in {axis} and its "
                     "output size would be {equation} ≤ 0; give a larger input size with "
                     "{input}", layer=name, positions=count(bad.in_size, position(bad.dim)),
                     axis=bad.dim, equation=bad.equation, input="{input}")
    return None


def _head(failed: FailedLayer, received: Shape, calls: Sequence[Call]) -> str | None:
    """A fully connected layer fed the wrong number of features: say where they come from."""
    attrs = failed.attrs
    if attrs.kind != LINEAR or not received or received[-1] == attrs.in_channels:
        return None
    got, want = received[-1], attrs.in_channels
    lead = _("{layer} is a fixed-size head: it expects {want} input features but receives "
             "{got}", layer=failed.name, want=want, got=got)
    if _reads_input(failed):  # the first layer: a patch embedding fed an image
        return _("{layer} reads the model's input and expects its last dimension to be "
                 "{want}, but it is {got}: give an input of the shape the model was built for "
                 "with {input}", layer=failed.name, want=want, got=got, input="{input}")
    source = calls[failed.producers[0]] if len(failed.producers) == 1 else None
    if (source is not None and source.attrs.kind == RESHAPE and source.input_shapes
            and len(source.input_shapes[0]) == 4):
        _batch, c, h, w = source.input_shapes[0]
        if h * w > 1:
            return _("{lead} = {c}×{h}×{w}, the flattened {c}-channel {h}×{w} map: pool it to "
                     "1×1 first (nn.AdaptiveAvgPool2d(1)), or give the input size the model "
                     "was built for with {input}", lead=lead, c=c, h=h, w=w, input="{input}")
        return _("{lead}, the {c} channels of the last stage: build it with in_features={c} "
                 "(the last stage's width × the block's expansion)", lead=lead, c=c)
    return _("{lead}; give the input size the model was built for with {input}", lead=lead,
             input="{input}")


def _reads_input(failed: FailedLayer) -> bool:
    """Whether the layer's only input is the model's."""
    return failed.producers == [MODEL_INPUT]


def _axis_added(failed: FailedLayer, received: Shape) -> str | None:
    """A convolution that reads the model's input receives an axis the forward added."""
    if failed.attrs.kind != CONV or not failed.attrs.kernel_size or not _reads_input(failed):
        return None
    return axis_added(failed.name, received, len(failed.attrs.kernel_size))


def _channels(failed: FailedLayer, received: Shape,
              calls: Sequence[Call] = ()) -> str | None:
    attrs = failed.attrs
    if attrs.kind != CONV or len(received) < 2 or attrs.in_channels is None:
        return None
    if received[1] == attrs.in_channels:
        return None
    if _reads_input(failed) and len(received) >= 3 and received[-1] == attrs.in_channels:
        return _channels_last(failed.name, received, attrs.in_channels)
    if _reads_input(failed):  # a grayscale image into a network built for RGB
        got, want = received[1], attrs.in_channels
        if got == 1:
            return _("{layer} reads the model's input, which has 1 channel, but it was built "
                     "for {want}: give {size} input size with {input} (a grayscale image goes "
                     "in as x.repeat(1, {want}, 1, 1)), or build {layer} with in_channels=1",
                     layer=failed.name, want=want, size=_channel_size(want), input="{input}")
        return _("{layer} reads the model's input, which has {got} channels, but it was built "
                 "for {want}: give {size} input size with {input}, or build {layer} with "
                 "in_channels={got}", layer=failed.name, got=got, want=want,
                 size=_channel_size(want), input="{input}")
    maker = _maker_conv(failed.producers, calls)
    block, made_in = _block_of(failed.name), _block_of(maker.name) if maker else ""
    if maker is not None and block and made_in and made_in != block \
            and _block_of(block) == _block_of(made_in):
        # The block before set the wrong width (a block count passed where the width goes):
        # building this layer for it would hide the mistake.
        return _("{layer} expects {want} input channels, the width of its stage, but the "
                 "block before it makes {got} ({maker} has out_channels={got}): fix the width "
                 "{block} is built with, not {layer} (in _make_layer, a block count passed "
                 "where the width goes gives this)", layer=failed.name,
                 want=attrs.in_channels, got=received[1], maker=maker.name, block=made_in)
    return _("{layer} expects {want} input channels but the layer before it makes {got}: "
             "build it with in_channels={got} (in _make_layer, the next block's input width "
             "is the previous block's output width × expansion)", layer=failed.name,
             want=attrs.in_channels, got=received[1])


def _channel_size(channels: int) -> str:
    """``a 3-channel`` or ``an 8-channel`` (the article English needs before it)."""
    return _("an {channels}-channel", channels=channels) \
        if a_or_an(f"{channels}-channel").startswith("an ") \
        else _("a {channels}-channel", channels=channels)


#: What an input of 1 or 3 spatial axes is, with its article (2 axes: an image, said above).
_ITEM_WITH_ARTICLE = {1: N_("a signal"), 3: N_("a clip")}


def _channels_last(name: str, received: Shape, channels: int) -> str:
    """The input's channels are its last dimension (32×32×3): the order PIL, NumPy, OpenCV
    and TensorFlow keep an image in. PyTorch's layers read channels first."""
    batch, *sides, _last = received
    size = typed(([batch] if batch != 1 else []) + [channels, *sides])
    order = ", ".join(map(str, (0, len(received) - 1, *range(1, len(received) - 1))))
    shape = dims(received[1:])
    values = {"name": name, "channels": channels, "shape": shape, "order": order,
              "input": f"{{input={size}}}"}
    if len(sides) == 2:
        return _("{name} reads the model's input, whose {channels} channels come last "
                 "({shape}, the order in which PIL, NumPy and TensorFlow keep an image); "
                 "PyTorch takes channels first: give {input} (a tensor in hand: "
                 "x.permute({order}))", **values)
    return _("{name} reads the model's input, whose {channels} channels come last ({shape}, "
             "the order in which NumPy and TensorFlow keep {item}); PyTorch takes channels "
             "first: give {input} (a tensor in hand: x.permute({order}))",
             item=translated(_ITEM_WITH_ARTICLE.get(len(sides), N_("an input"))), **values)
