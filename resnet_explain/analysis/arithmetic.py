"""Hand-checkable arithmetic: the output-size formula and multiply-accumulate counts.

Pure functions on integers, no torch, so that the property tests can hold them against
PyTorch's own convolutions and pools for any configuration.
"""

from __future__ import annotations

import math

from ..architecture import SizeCheck
from ..words import AXES


def output_size(in_size: int, kernel: int, stride: int = 1, padding: int = 0,
                dilation: int = 1, ceil_mode: bool = False) -> int:
    """out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1 (⌈…⌉ in ceil_mode).

    With D = 1 this is ⌊(in + 2P − K)/S⌋ + 1: with S = 1, K = 2P + 1 keeps the size (3x3, P=1);
    K = 3, P = 1, S = 2 halves it. In ``ceil_mode`` PyTorch drops a last window that would
    start inside the right-hand padding, so that every window sees at least one input value.
    """
    return _output_size(in_size + 2 * padding, kernel, stride, dilation, ceil_mode,
                        in_size + padding)


def _output_size(padded: int, kernel: int, stride: int, dilation: int, ceil_mode: bool,
                 last_start: int) -> int:
    """The formula on a padded length; in ``ceil_mode`` a window must start before
    ``last_start`` (the input plus its start padding)."""
    span = padded - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= last_start:
        out -= 1
    return out


def transposed_output_size(in_size: int, kernel: int, stride: int = 1, padding: int = 0,
                           dilation: int = 1, output_padding: int = 0) -> int:
    """out = (in − 1)·S − 2P + D·(K − 1) + output_padding + 1: a transposed convolution
    spreads each input position over a K-wide window S apart — the forward formula run
    backwards, with ``output_padding`` choosing among the sizes a strided forward maps to
    the same ``in``."""
    return (in_size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def same_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """``padding="same"``: D·(K − 1) zeros in all, start = total // 2, end = the rest, as
    PyTorch pads (an even kernel pads the end one more)."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def size_checks(in_hw: tuple[int, ...], out_hw: tuple[int, ...] | None,
                kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                dilation: tuple[int, ...], ceil_mode: bool = False, *, same: bool = False,
                transposed: bool = False,
                output_padding: tuple[int, ...] | None = None,
                padding_end: tuple[int, ...] | None = None) -> list[SizeCheck]:
    """One :class:`SizeCheck` per spatial dimension, named L; H, W; or D, H, W.

    ``out_hw`` is the traced output size; ``None`` when nothing was traced (a layer that
    failed), in which case each check holds the formula alone. ``same``: a convolution with
    ``padding="same"`` (``padding`` is then ignored; see :func:`same_padding`).
    ``transposed``: a transposed convolution (see :func:`transposed_output_size`).
    ``padding_end``: the padding after the map where it differs from ``padding`` before it
    (a forward that pads its input itself, see :mod:`.ownforward`).
    """
    names = AXES.get(len(in_hw)) or tuple(f"D{i}" for i in range(len(in_hw)))
    checks = []
    for i in range(len(in_hw)):
        start, end = (same_padding(kernel[i], dilation[i]) if same
                      else (padding[i], padding_end[i] if padding_end else padding[i]))
        extra = output_padding[i] if output_padding else 0
        if transposed:
            expected = transposed_output_size(in_hw[i], kernel[i], stride[i], start,
                                              dilation[i], extra)
        else:
            expected = _output_size(in_hw[i] + start + end, kernel[i], stride[i], dilation[i],
                                    ceil_mode, in_hw[i] + start)
        checks.append(SizeCheck(
            dim=names[i], in_size=in_hw[i], kernel=kernel[i], stride=stride[i],
            padding=start, dilation=dilation[i], ceil_mode=ceil_mode, expected=expected,
            traced=expected if out_hw is None else out_hw[i], transposed=transposed,
            output_padding=extra, padding_end=end if end != start else None))
    return checks


def conv_macs(kernel: tuple[int, ...], in_channels: int, out_channels: int, groups: int,
              output_shape: tuple[int, ...]) -> int:
    """K_h·K_w·(C_in/groups)·C_out·H_out·W_out per image, times the batch."""
    batch, spatial = output_shape[0], output_shape[2:]
    return (math.prod(kernel) * (in_channels // groups) * out_channels
            * math.prod(spatial) * batch)


def transposed_conv_macs(kernel: tuple[int, ...], in_channels: int, out_channels: int,
                         groups: int, input_shape: tuple[int, ...]) -> int:
    """K_h·K_w·C_in·(C_out/groups)·H_in·W_in per image, times the batch: every input value
    is multiplied by each weight that spreads it over its window (the forward count
    with input and output swapped — counting by the output would be S² times too many)."""
    batch, spatial = input_shape[0], input_shape[2:]
    return (math.prod(kernel) * in_channels * (out_channels // groups)
            * math.prod(spatial) * batch)


def linear_macs(in_features: int, out_features: int, output_shape: tuple[int, ...]) -> int:
    """in·out for every row the layer sees (the batch, and any extra leading dimensions)."""
    rows = math.prod(output_shape[:-1]) if len(output_shape) > 1 else 1
    return in_features * out_features * rows
