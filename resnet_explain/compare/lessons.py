"""The lesson of a difference: why the reference does it its way, in one sentence.

Each lesson is a small function of the record (its two values and the ``facts`` the
alignment stored with it); a sentence that names a number takes it from the record. The
teaching follows He et al. 2015 (and 2016 for v2) and says where torchvision departs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..i18n import _
from ..words import count

if TYPE_CHECKING:
    from .differences import Difference


def _blocks(d: Difference) -> str:
    per_block = d.facts.get("weighted_per_block", 2)
    name = d.facts.get("reference_name", _("the reference"))
    return _("{stage} has {blocks}; {name} has {reference}: each block adds {per_block} "
             "weighted layers to the depth, so the count of blocks per stage is what the "
             "number in the name is made of", stage=d.paper_name, blocks=count(d.yours, "block"),
             name=name, reference=d.reference, per_block=per_block)


def _stage_first(d: Difference) -> str:
    first = d.facts.get("first_block", _("the stage's first block"))
    stage = f"{d.paper_name.split('_')[0]}_x"
    if len(d.places) == 1:
        return _("{places} is not the first block of its stage: only the first block ({first} "
                 "in {stage}) takes the stride (and the projection shortcut); the others run "
                 "at stride 1, so a stage keeps one map size — in _make_layer, pass stride to "
                 "the first block only", places=d.place_names, first=first, stage=stage)
    return _("{places} are not the first blocks of their stages: only the first block ({first} "
             "in {stage}) takes the stride (and the projection shortcut); the others run at "
             "stride 1, so a stage keeps one map size — in _make_layer, pass stride to the "
             "first block only", places=d.place_names, first=first, stage=stage)


def _stride_position(d: Difference) -> str:
    return _("the paper (v1) strides the first 1×1 conv of a downsampling Bottleneck; "
             "torchvision (v1.5) strides the 3×3, which costs more multiply-adds (the 1×1 "
             "then runs on the full map) and gains about 0.5 % top-1 (a 1×1 conv with stride 2 "
             "never reads 3 of every 4 input positions)")


def _stride(d: Difference) -> str:
    if d.facts.get("region") in ("stem", "head"):
        return _("the reference has stride {stride} here: an ImageNet stem halves the map "
                 "twice (the 7×7 conv and the 3×3 max-pool, stride 2 each), a CIFAR stem keeps "
                 "it; every later halving is at the first block of a stage",
                 stride=d.reference)
    return _("the reference has stride {stride} here: the map is halved by a stride where the "
             "width doubles (at the first block of a stage), never elsewhere",
             stride=d.reference)


def _padding(d: Difference) -> str:
    kernel = d.facts.get("kernel", 3)
    keep = (kernel - 1) // 2
    return _("a {k}×{k} window needs padding {p} (K = 2P + 1) to keep the map at stride 1 and "
             "to halve it exactly at stride 2; downsampling is done by the stride, never by a "
             "missing padding", k=kernel, p=keep)


def _kernel(d: Difference) -> str:
    return _("the reference uses a {kernel} kernel here; the kernel sets the parameters and "
             "multiply-adds of the layer and, with the padding, its output size",
             kernel=d.reference)


def _bias(d: Difference) -> str:
    return _("BatchNorm subtracts each channel's mean, so a bias just before it is cancelled: "
             "parameters that do nothing (the reference builds these convolutions with "
             "bias=False)")


def _relu_shortcut(d: Difference) -> str:
    return _("the shortcut carries x unchanged (or a linear projection of it) so the block "
             "learns the residual F(x) = H(x) − x; an activation on it changes what is added")


def _relu_before_add(d: Difference) -> str:
    return _("the ReLU comes after the add, H(x) = ReLU(F(x) + x); a ReLU before it makes "
             "F(x) ≥ 0, so the block can only add to its input")


def _stem_relu(d: Difference) -> str:
    return _("the stem is conv → BatchNorm → ReLU → max-pool; without the ReLU the stem is "
             "linear up to the pool")


def _v2_first_activation(d: Difference) -> str:
    return _("the v2 paper activates the first unit's input right after conv1, before the "
             "split (its appendix), so the first unit's identity carries the activated map; "
             "code that leaves conv1 bare and pre-activates inside the first unit (kuangliu's, "
             "TF-slim's, timm's) follows another convention: the same parameters, another "
             "identity path")


def _norm_after_add(d: Difference) -> str:
    return _("the reference has no BatchNorm after the add: the sum goes on unchanged (but for "
             "the ReLU), so the identity path carries x from block to block")


def _activation(d: Difference) -> str:
    return _("the reference has {reference} here and you have {yours}: the activations sit "
             "after each BatchNorm and after the add (v1), or before each conv (v2)",
             reference=shown(d.reference), yours=shown(d.yours))


def _norm(d: Difference) -> str:
    return _("the reference has {reference} here and you have {yours}: a BatchNorm follows "
             "each convolution (v1) or precedes it (v2)",
             reference=shown(d.reference), yours=shown(d.yours))


def _option_c(d: Difference) -> str:
    yours, reference = d.facts.get("projections", ("more", "fewer"))
    return _("option B projects only where the shape changes (the first block of a stage: "
             "{reference} projections in the reference); a projection on every block ({yours} "
             "here) is option C, which the paper found marginally better and dropped for its "
             "parameters and cost", reference=reference, yours=yours)


def _shortcut(d: Difference) -> str:
    return _("the reference's shortcut here is {reference}: the identity where input and "
             "output shapes agree (no parameters), a 1×1 projection with the block's stride "
             "where they do not (option B), zero padding in the CIFAR nets (option A)",
             reference=shown(d.reference))


def _forced(d: Difference) -> str:
    return _("the block's stride decides its shortcut: a block that keeps the map and the "
             "width adds the identity (no parameters), one that halves the map needs a 1×1 "
             "projection with stride 2 — here {yours} against the reference's {reference}",
             yours=shown(d.yours), reference=shown(d.reference))


def _projection(d: Difference) -> str:
    return _("a projection shortcut is a 1×1 conv with the block's stride: it matches the "
             "channels and the map, and reads each position once")


def _channels(d: Difference) -> str:
    return _("the reference has {reference} filters here: the same map size keeps the same "
             "number of filters, and halving the map doubles them", reference=d.reference)


def _pooling(d: Difference) -> str:
    return _("the reference has {reference} here: the stem's max-pool (3×3, stride 2, "
             "padding 1) halves the map before conv2_x", reference=shown(d.reference))


def _head_pool(d: Difference) -> str:
    channels = d.facts.get("channels")
    if channels:
        return _("a global average pool leaves one number per channel ({channels} numbers), "
                 "whatever the input size; the fc then needs only that many inputs, not the "
                 "whole map", channels=channels)
    return _("a global average pool leaves one number per channel, whatever the input size; "
             "the fc then needs only that many inputs, not the whole map")


def _head_in(d: Difference) -> str:
    return _("the fc reads what the global pool leaves: {reference} features, the last "
             "stage's width × the block's expansion", reference=d.reference)


def _input_channels(d: Difference) -> str:
    return _("the reference reads {reference}-channel images; the first convolution's "
             "in_channels must be what the data has", reference=d.reference)


def _classes(d: Difference) -> str:
    return _("the reference classifies {reference} classes (its data set); a different count "
             "is a different task, not a different architecture (accept it with --allow "
             "classes, or allow=[\"classes\"])", reference=d.reference)


def _deep_stem(d: Difference) -> str:
    return _("the paper's stem is one 7×7 conv (stride 2); several 3×3 convs in its place are "
             "the deep stem of later variants (ResNet-C in Bag of Tricks, timm's resnet*d), "
             "which the name's depth does not count")


def _layer(d: Difference) -> str:
    if d.what == "missing_layer":
        return _("the reference has {layer} here", layer=shown(d.reference))
    return _("the reference has no {layer} here", layer=shown(d.yours))


def _generic(d: Difference) -> str:
    return _("the reference has {reference} here", reference=shown(d.reference))


_LESSONS: dict[str, Callable[[Difference], str]] = {
    "blocks": _blocks, "stage_first": _stage_first, "stride_position": _stride_position,
    "stride": _stride, "padding": _padding, "kernel": _kernel, "bias": _bias,
    "relu_shortcut": _relu_shortcut, "relu_before_add": _relu_before_add,
    "stem_relu": _stem_relu, "v2_first_activation": _v2_first_activation,
    "norm_after_add": _norm_after_add, "activation": _activation,
    "norm": _norm, "option_c": _option_c, "shortcut": _shortcut, "forced": _forced,
    "projection": _projection,
    "channels": _channels, "pooling": _pooling, "head_pool": _head_pool, "head_in": _head_in,
    "input_channels": _input_channels, "classes": _classes, "layer": _layer,
    "deep_stem": _deep_stem,
}


def shown(value: object) -> str:
    """A record's value in words (see :func:`.differences.shown`)."""
    from .differences import shown as words

    return words(value)


def lesson(d: Difference) -> str:
    """The lesson of ``d`` (its ``lesson`` key, else its ``what``)."""
    return _LESSONS.get(d.lesson or d.what, _generic)(d)
