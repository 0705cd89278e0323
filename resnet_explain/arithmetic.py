"""Hand-checkable arithmetic: the output-size formula and multiply-accumulate counts.

Pure functions on integers, no torch, so that the property tests can hold them against
PyTorch's own convolutions and pools for any configuration.
"""

from __future__ import annotations

import math

from .architecture import SizeCheck


def output_size(in_size: int, kernel: int, stride: int = 1, padding: int = 0,
                dilation: int = 1, ceil_mode: bool = False) -> int:
    """out = ⌊(in + 2P − D·(K−1) − 1)/S⌋ + 1 (⌈…⌉ in ceil_mode).

    With D = 1 this is ⌊(in + 2P − K)/S⌋ + 1: with S = 1, K = 2P + 1 keeps the size (3x3, P=1);
    K = 3, P = 1, S = 2 halves it. In ``ceil_mode`` PyTorch drops a last window that would
    start inside the right-hand padding, so that every window sees at least one input value.
    """
    span = in_size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= in_size + padding:
        out -= 1
    return out


def size_checks(in_hw: tuple[int, ...], out_hw: tuple[int, ...] | None,
                kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                dilation: tuple[int, ...], ceil_mode: bool = False) -> list[SizeCheck]:
    """One :class:`SizeCheck` per spatial dimension (H, W for 2-d layers).

    ``out_hw`` is the traced output size; ``None`` when nothing was traced (a layer that
    failed), in which case each check holds the formula alone.
    """
    names = ("H", "W") if len(in_hw) == 2 else tuple(f"D{i}" for i in range(len(in_hw)))
    checks = []
    for i in range(len(in_hw)):
        expected = output_size(in_hw[i], kernel[i], stride[i], padding[i], dilation[i],
                               ceil_mode)
        checks.append(SizeCheck(
            dim=names[i], in_size=in_hw[i], kernel=kernel[i], stride=stride[i],
            padding=padding[i], dilation=dilation[i], ceil_mode=ceil_mode, expected=expected,
            traced=expected if out_hw is None else out_hw[i]))
    return checks


def conv_macs(kernel: tuple[int, ...], in_channels: int, out_channels: int, groups: int,
              output_shape: tuple[int, ...]) -> int:
    """K_h·K_w·(C_in/groups)·C_out·H_out·W_out per image, times the batch."""
    batch, spatial = output_shape[0], output_shape[2:]
    return (math.prod(kernel) * (in_channels // groups) * out_channels
            * math.prod(spatial) * batch)


def linear_macs(in_features: int, out_features: int, output_shape: tuple[int, ...]) -> int:
    """in·out for every row the layer sees (the batch, and any extra leading dimensions)."""
    rows = math.prod(output_shape[:-1]) if len(output_shape) > 1 else 1
    return in_features * out_features * rows
