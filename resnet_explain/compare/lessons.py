"""The lesson of a difference: why the reference does it its way, in one sentence.

Each lesson is a small function of the record (its two values and the ``facts`` the
alignment stored with it); a sentence that names a number takes it from the record. The
teaching follows He et al. 2015 (and 2016 for v2) and says where torchvision departs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..words import count

if TYPE_CHECKING:
    from .differences import Difference


def _blocks(d: Difference) -> str:
    per_block = d.facts.get("weighted_per_block", 2)
    name = d.facts.get("reference_name", "the reference")
    return (f"{d.paper_name} has {count(d.yours, 'block')}; {name} has {d.reference}: each "
            f"block adds "
            f"{per_block} weighted layers to the depth, so the count of blocks per stage is "
            f"what the number in the name is made of")


def _stage_first(d: Difference) -> str:
    first = d.facts.get("first_block", "the stage's first block")
    subject = f"{d.place_names} is not the first block of its stage" if len(d.places) == 1 \
        else f"{d.place_names} are not the first blocks of their stages"
    return (f"{subject}: only the first block ({first} in {d.paper_name.split('_')[0]}_x) "
            f"takes the stride (and the projection shortcut); the others run at stride 1, so a "
            f"stage keeps one map size — in _make_layer, pass stride to the first block only")


def _stride_position(d: Difference) -> str:
    return ("the paper (v1) strides the first 1×1 conv of a downsampling Bottleneck; "
            "torchvision (v1.5) strides the 3×3, which costs more multiply-adds (the 1×1 "
            "then runs on the full map) and gains about 0.5 % top-1 (a 1×1 conv with stride 2 "
            "never reads 3 of every 4 input positions)")


def _stride(d: Difference) -> str:
    if d.facts.get("region") in ("stem", "head"):
        return (f"the reference has stride {d.reference} here: an ImageNet stem halves the map "
                f"twice (the 7×7 conv and the 3×3 max-pool, stride 2 each), a CIFAR stem keeps "
                f"it; every later halving is at the first block of a stage")
    return (f"the reference has stride {d.reference} here: the map is halved by a stride "
            f"where the width doubles (at the first block of a stage), never elsewhere")


def _padding(d: Difference) -> str:
    kernel = d.facts.get("kernel", 3)
    keep = (kernel - 1) // 2
    return (f"a {kernel}×{kernel} window needs padding {keep} (K = 2P + 1) to keep the map at "
            f"stride 1 and to halve it exactly at stride 2; downsampling is done by the "
            f"stride, never by a missing padding")


def _kernel(d: Difference) -> str:
    return (f"the reference uses a {d.reference} kernel here; the kernel sets the parameters "
            f"and multiply-adds of the layer and, with the padding, its output size")


def _bias(d: Difference) -> str:
    return ("BatchNorm subtracts each channel's mean, so a bias just before it is cancelled: "
            "parameters that do nothing (the reference builds these convolutions with "
            "bias=False)")


def _relu_shortcut(d: Difference) -> str:
    return ("the shortcut carries x unchanged (or a linear projection of it) so the block "
            "learns the residual F(x) = H(x) − x; an activation on it changes what is added")


def _relu_before_add(d: Difference) -> str:
    return ("the ReLU comes after the add, H(x) = ReLU(F(x) + x); a ReLU before it makes "
            "F(x) ≥ 0, so the block can only add to its input")


def _stem_relu(d: Difference) -> str:
    return ("the stem is conv → BatchNorm → ReLU → max-pool; without the ReLU the stem is "
            "linear up to the pool")


def _v2_first_activation(d: Difference) -> str:
    return ("the v2 paper activates the first unit's input right after conv1, before the split "
            "(its appendix), so the first unit's identity carries the activated map; code that "
            "leaves conv1 bare and pre-activates inside the first unit (kuangliu's, TF-slim's, "
            "timm's) follows another convention: the same parameters, another identity path")


def _norm_after_add(d: Difference) -> str:
    return ("the reference has no BatchNorm after the add: the sum goes on unchanged (but for "
            "the ReLU), so the identity path carries x from block to block")


def _activation(d: Difference) -> str:
    return (f"the reference has {_or_none(d.reference)} here and you have {_or_none(d.yours)}: "
            f"the activations sit after each BatchNorm and after the add (v1), or before each "
            f"conv (v2)")


def _norm(d: Difference) -> str:
    return (f"the reference has {_or_none(d.reference)} here and you have {_or_none(d.yours)}: "
            f"a BatchNorm follows each convolution (v1) or precedes it (v2)")


def _option_c(d: Difference) -> str:
    yours, reference = d.facts.get("projections", ("more", "fewer"))
    return (f"option B projects only where the shape changes (the first block of a stage: "
            f"{reference} projections in the reference); a projection on every block ({yours} "
            f"here) is option C, which the paper found marginally better and dropped for its "
            f"parameters and cost")


def _shortcut(d: Difference) -> str:
    return (f"the reference's shortcut here is {_or_none(d.reference)}: the identity where "
            f"input and output shapes agree (no parameters), a 1×1 projection with the block's "
            f"stride where they do not (option B), zero padding in the CIFAR nets (option A)")


def _forced(d: Difference) -> str:
    return (f"the block's stride decides its shortcut: a block that keeps the map and the "
            f"width adds the identity (no parameters), one that halves the map needs a 1×1 "
            f"projection with stride 2 — here {d.yours} against the reference's {d.reference}")


def _projection(d: Difference) -> str:
    return ("a projection shortcut is a 1×1 conv with the block's stride: it matches the "
            "channels and the map, and reads each position once")


def _channels(d: Difference) -> str:
    return (f"the reference has {d.reference} filters here: the same map size keeps the same "
            f"number of filters, and halving the map doubles them")


def _pooling(d: Difference) -> str:
    return (f"the reference has {_or_none(d.reference)} here: the stem's max-pool (3×3, stride "
            f"2, padding 1) halves the map before conv2_x")


def _head_pool(d: Difference) -> str:
    channels = d.facts.get("channels")
    ends = f" ({channels} numbers)" if channels else ""
    return (f"a global average pool leaves one number per channel{ends}, whatever the input "
            f"size; the fc then needs only that many inputs, not the whole map")


def _head_in(d: Difference) -> str:
    return (f"the fc reads what the global pool leaves: {d.reference} features, the last "
            f"stage's width × the block's expansion")


def _input_channels(d: Difference) -> str:
    return (f"the reference reads {d.reference}-channel images; the first convolution's "
            f"in_channels must be what the data has")


def _classes(d: Difference) -> str:
    return (f"the reference classifies {d.reference} classes (its data set); a different count "
            f"is a different task, not a different architecture (accept it with --allow "
            f"classes, or allow=[\"classes\"])")


def _deep_stem(d: Difference) -> str:
    return ("the paper's stem is one 7×7 conv (stride 2); several 3×3 convs in its place are "
            "the deep stem of later variants (ResNet-C in Bag of Tricks, timm's resnet*d), "
            "which the name's depth does not count")


def _layer(d: Difference) -> str:
    side = "the reference has" if d.what == "missing_layer" else "the reference has no"
    layer = d.reference if d.what == "missing_layer" else d.yours
    return f"{side} {layer} here"


def _generic(d: Difference) -> str:
    return f"the reference has {_or_none(d.reference)} here"


def _or_none(value: object) -> str:
    return "none" if value is None else str(value)


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


def lesson(d: Difference) -> str:
    """The lesson of ``d`` (its ``lesson`` key, else its ``what``)."""
    return _LESSONS.get(d.lesson or d.what, _generic)(d)
