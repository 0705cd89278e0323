"""One :class:`Layer` per traced call: its kind, numbers, size checks and multiply-adds."""

from __future__ import annotations

from ..architecture import (
    Layer,
    LayerKind,
    SizeCheck,
)
from ..trace.records import Call
from .arithmetic import conv_macs, linear_macs, size_checks, transposed_conv_macs

CONV, LINEAR, POOL = LayerKind.CONV, LayerKind.LINEAR, LayerKind.POOL


_KINDS = {kind.value: kind for kind in LayerKind}  # the member for a kind's string
_WEIGHTED = (CONV, LINEAR)

#: The size checks of a conv or pool and its start padding, by everything they are computed
#: from: (input map, output map, kernel, stride, padding, dilation, ceil_mode, same padding,
#: transposed, output padding).
_ChecksFor = dict[tuple, tuple[tuple[SizeCheck, ...], tuple[int, ...]]]


def layers_of(calls: list[Call]) -> list[Layer]:
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
