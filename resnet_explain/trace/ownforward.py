"""What a layer with its own forward ran: the conv or pool inside it, and the padding it added.

A Conv2d subclass may replace PyTorch's forward. timm's ``Conv2dSame`` (in its TensorFlow
ports, ``tf_efficientnet_*``) holds ``padding=0`` and pads the input itself with ``F.pad``
before ``F.conv2d``, as TensorFlow's "SAME" does: 224 becomes 225 for a 3×3 conv of stride 2,
one row at the end. The module's attributes then do not give its output size; what ran does.
While such a leaf runs, the tracer notes its ``F.pad``, conv and pool calls, and
:func:`what_ran` reads them back as the padding the layer applied on each side of its own
input. The size check then holds ``out = ⌊(in + P_start + P_end − D·(K−1) − 1)/S⌋ + 1`` with
those paddings, and is checked like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .layerinfo import CONV, POOL, LayerAttrs, functional_attrs

# The ops noted inside a leaf with its own forward (by the tracer's op names: F.max_pool2d
# with indices is "max_pool2d" too).
INNER_OPS = frozenset(("conv1d", "conv2d", "conv3d", "max_pool2d", "avg_pool2d", "pad"))


@dataclass(frozen=True, slots=True)
class Ran:
    """The window op a layer's own forward ran, in terms of the layer's own input: padding
    on each side of every spatial dimension (its own padding plus what it padded first)."""

    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding_start: tuple[int, ...]
    padding_end: tuple[int, ...]
    ceil_mode: bool


Inner = tuple[str, Any, tuple[int, ...], tuple[int, ...]]  # (op, attrs or pad, in, out)


def inner_call(op: str, args: tuple, kwargs: dict, result: Any) -> Inner:
    """One noted call of ``op`` (one of :data:`INNER_OPS`): a pad with its widths, or a
    conv or pool with its attributes."""
    shape_in = tuple(args[0].shape) if args and isinstance(args[0], torch.Tensor) else ()
    out = result[0] if isinstance(result, tuple) else result  # max_pool2d_with_indices
    shape_out = tuple(out.shape) if isinstance(out, torch.Tensor) else ()
    if op == "pad":
        widths = args[1] if len(args) > 1 else kwargs.get("pad", ())
        return "pad", tuple(int(w) for w in widths), shape_in, shape_out
    return op, functional_attrs(op, args, kwargs), shape_in, shape_out


def what_ran(input_shapes: list[tuple[int, ...]], output_shape: tuple[int, ...],
             inner: list[Inner]) -> Ran | None:
    """The one conv or pool that made the layer's output, with the padding a single
    ``F.pad`` of the layer's input added in front of it; None where the calls say anything
    else (two convs, a pad of something else, a reshape between), and the module's own
    attributes stand."""
    windows = [call for call in inner if call[0] != "pad"]
    pads = [call for call in inner if call[0] == "pad"]
    if len(windows) != 1 or len(pads) > 1 or not input_shapes:
        return None
    _, attrs, conv_in, conv_out = windows[0]
    if not isinstance(attrs, LayerAttrs) or attrs.kind not in (CONV, POOL) or attrs.transposed \
            or attrs.same_padding or conv_out != output_shape or not attrs.kernel_size:
        return None
    spatial = len(attrs.kernel_size)
    own_in = input_shapes[0]
    if len(own_in) < spatial or len(conv_in) != len(own_in):
        return None
    start = list(attrs.padding or (0,) * spatial)
    end = list(start)
    if pads:
        _, widths, pad_in, pad_out = pads[0]
        if pad_in != own_in or pad_out != conv_in:
            return None
        for i in range(spatial):  # F.pad's widths run from the last dimension backwards
            j = spatial - 1 - i
            if 2 * j + 1 < len(widths):
                start[i] += widths[2 * j]
                end[i] += widths[2 * j + 1]
    elif conv_in != own_in:
        return None
    return Ran(tuple(attrs.kernel_size), tuple(attrs.stride or (1,) * spatial),
               tuple(attrs.dilation or (1,) * spatial), tuple(start), tuple(end),
               bool(attrs.ceil_mode))
