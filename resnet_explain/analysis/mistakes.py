"""Mistakes that real ResNet implementations make, found in the traced data flow.

Each check reads the Architecture (never class names beyond the layer's own type, never the
model's code) and returns :class:`~resnet_explain.findings.Finding` records: what was found,
where, and the numbers; their sentences (in :mod:`resnet_explain.sentences`) say why it
matters:

* a convolution with a bias directly followed by BatchNorm — the BN subtracts the mean, so
  the bias is cancelled: parameters that do nothing (use ``bias=False``);
* a BatchNorm module that runs more than once — one set of statistics for two different
  tensors (seed 002 applies ``bn3`` before and after the add);
* an activation on a shortcut branch — the reference shortcut is the identity or a
  projection (conv + BN); the ReLU belongs after the add;
* a strided conv or pool that does not divide the size exactly — e.g. a 3×3 stride-2
  max-pool without ``padding=1`` turns 112 into 55 instead of 56; downsampling should be done
  by the stride, with K = 2P + 1 keeping the arithmetic exact (an explicit pad layer in front,
  BiT's ``ConstantPad2d(1)``, counts as that padding). Said where input rows are never read
  or a size the stride divides is not divided exactly; an odd map whose windows still read
  every pixel (Inception's unpadded 299 → 149) follows its own convention and is not;
* a fully connected layer fed by an unpooled feature map — 7·7·2048 inputs give a ≈100 M
  parameter head where a global average pool to 1×1 would give 2048;
* a forward that returns no tensor at all — most often a forgotten ``return``.
"""

from __future__ import annotations

import math

from ..architecture import (
    ACTIVATION,
    ADAPTIVE_POOL,
    BATCH_NORM,
    CONV,
    LINEAR,
    POOL,
    RESHAPE,
    Architecture,
    Layer,
    SizeCheck,
)
from ..findings import Finding


def find_mistakes(arch: Architecture) -> list[Finding]:
    return [
        *_bias_before_batchnorm(arch),
        *_batchnorm_reused(arch),
        *_activation_on_shortcut(arch),
        *_inexact_downsampling(arch),
        *_unpooled_head(arch),
        *_no_output(arch),
    ]


def _no_output(arch: Architecture) -> list[Finding]:
    """A forward whose result holds no tensor (None, a number): nothing to show as output."""
    if arch.output_layers or arch.output_shape != ():
        return []
    return [Finding("no_output")]


def _bias_before_batchnorm(arch: Architecture) -> list[Finding]:
    biased = {layer.index for layer in arch.layers
              if layer.kind == CONV and layer.bias and layer.call == 0}
    if not biased:
        return []
    consumers: dict[int, list[Layer]] = {}  # of the biased convs
    for layer in arch.layers:
        for source in layer.inputs:
            if source in biased:
                consumers.setdefault(source, []).append(layer)
    found = []
    for index in sorted(biased):
        after = consumers.get(index, [])
        if after and all(c.kind == BATCH_NORM for c in after):
            found.append(arch.layers[index].name)
    if not found:
        return []
    return [Finding("bias_before_batchnorm", {"layers": found}, layers=tuple(found))]


def _batchnorm_reused(arch: Architecture) -> list[Finding]:
    reused = sorted({layer.name for layer in arch.layers
                     if layer.kind == BATCH_NORM and not layer.is_op and layer.call > 0})
    if not reused:
        return []
    return [Finding("batchnorm_reused", {"layers": reused}, layers=tuple(reused))]


def _activation_on_shortcut(arch: Architecture) -> list[Finding]:
    blocks, layers = [], []
    for block in arch.blocks:
        active = [arch.layers[i].name for i in block.shortcut_layers
                  if arch.layers[i].kind == ACTIVATION]
        if active:
            blocks.append(block.name)
            layers += active
    if not blocks:
        return []
    return [Finding("activation_on_shortcut", {"blocks": blocks}, layers=tuple(layers),
                    blocks=tuple(blocks))]


def _inexact_downsampling(arch: Architecture) -> list[Finding]:
    found = []
    for layer in arch.layers:
        if not layer.size_checks:
            continue
        for axis, check in enumerate(layer.size_checks):
            if check.stride <= 1 or check.transposed:
                continue  # no downsampling to judge (a transposed conv's stride upsamples)
            size = _unpadded_size(arch, layer, axis - len(layer.size_checks), check.in_size)
            expected = math.ceil(size / check.stride)
            unread = _unread(check, size)
            # An odd map whose windows still read every pixel follows another convention
            # (Inception's "valid" 299 → 149 → 147 → 73): nothing is lost, nothing to warn.
            lost = unread is None or unread > 0 or size % check.stride == 0
            if check.traced != expected and lost:
                name = layer.name or layer.type
                found.append(Finding("inexact_downsampling", {
                    "layer": name, "axis": check.dim, "size": size, "traced": check.traced,
                    "expected": expected, "derivation": check.derivation,
                    "stride": check.stride, "kernel": check.kernel,
                    "padding": _exact_padding(size, check, expected),
                    "axes": len(layer.size_checks), "unread": unread,
                }, layers=(name,)))
                break
    return found


def _exact_padding(size: int, check: SizeCheck, expected: int) -> int | None:
    """The smallest padding that gives ``expected`` = ⌈size/S⌉ by the formula,
    ⌊(size + 2P − D·(K − 1) − 1)/S⌋ + 1: P = (K − 1)/2 for an odd kernel (K = 2P + 1);
    ``None`` where no padding up to K does (a window wider than twice the stride)."""
    span = check.dilation * (check.kernel - 1)
    for padding in range(check.kernel + 1):
        if (size + 2 * padding - span - 1) // check.stride + 1 == expected:
            return padding
    return None


def _unread(check: SizeCheck, size: int) -> int | None:
    """How many of its input's last lines a strided layer's windows never read: the last
    input index the last window reaches is (out − 1)·S − P + D·(K − 1). ``None`` where the
    layer does not read the map itself (an explicit pad layer in front, whose rows would be
    padding); 0 where the windows still read every line."""
    if size != check.in_size or check.transposed:
        return None
    reached = (check.traced - 1) * check.stride - check.padding + \
        check.dilation * (check.kernel - 1)
    return max(check.in_size - 1 - reached, 0)


def _unpadded_size(arch: Architecture, layer: Layer, axis: int, size: int) -> int:
    """The size before any explicit padding layer in front of ``layer`` (BiT's
    ``ConstantPad2d(1)`` before a padding-0 max-pool): that layer pads for it, so the
    downsampling is judged from the map it was given. ``axis`` counts from the end."""
    while layer.inputs and layer.inputs[0] >= 0:
        before = arch.layers[layer.inputs[0]]
        shape_in, shape_out = before.input_shape or (), before.output_shape
        # Only through a layer whose output is the very map this one read: a channels-last
        # norm (ConvNeXt's LayerNorm2d permutes to N, H, W, C) has its sizes elsewhere.
        if (shape_out != layer.input_shape
                or before.weighted or before.kind in (POOL, ADAPTIVE_POOL)
                or len(shape_in) != len(shape_out) or len(shape_out) < -axis
                or shape_in[1:2] != shape_out[1:2] or shape_out[axis] < shape_in[axis]):
            break  # walk back through pads and size-keeping layers (BN, ReLU) only
        size, layer = shape_in[axis], before
    return size


def _unpooled_head(arch: Architecture) -> list[Finding]:
    found = []
    for layer in arch.layers:
        if layer.kind != LINEAR or not layer.inputs:
            continue
        source = layer.inputs[0]
        if source < 0:
            continue
        before = arch.layers[source]
        shape = before.input_shapes[0] if before.input_shapes else ()
        # The flatten must be what fills the layer's inputs: a transformer's reshape of
        # (windows, heads, tokens, dims) to tokens × width feeds a linear layer that reads
        # each token's width only (torchvision's Swin), not every value of a map.
        if (before.kind == RESHAPE and len(shape) == 4 and shape[2] * shape[3] > 1
                and layer.in_channels == shape[1] * shape[2] * shape[3]):
            found.append(Finding("unpooled_head", {
                "layer": layer.name, "channels": shape[1], "height": shape[2],
                "width": shape[3], "params": layer.params}, layers=(layer.name,)))
    return found
