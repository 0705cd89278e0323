"""Residual blocks and the stage builder shared by every zoo network.

Naming follows torchvision so that state dicts are interchangeable: inside a block
``conv1, bn1, conv2, bn2[, conv3, bn3], relu, downsample``. One ``relu`` module per block is
called several times by the forward, exactly as torchvision does (a ReLU has no parameters,
so sharing it changes nothing but the module count). Every convolution is bias-free because a
BatchNorm follows (or, in v2, precedes the next one) and its shift would cancel a bias.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from .shortcuts import PadShortcut, make_shortcut

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "BottleneckV1",
    "PlainBasicBlock",
    "PreActBasicBlock",
    "PreActBottleneck",
    "ResidualBlock",
    "conv1x1",
    "conv3x3",
    "make_layer",
]


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution, padding 1: keeps H and W at stride 1, halves them at stride 2."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution, padding 0: mixes channels; at stride 2 it keeps every other pixel."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


class ResidualBlock(nn.Module):
    """Common base: ``expansion`` (output channels = planes × expansion), ``preact``, and
    ``residual`` (``False`` for the paper's plain baselines, which add no shortcut)."""

    expansion: ClassVar[int] = 1
    preact: ClassVar[bool] = False
    residual: ClassVar[bool] = True

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        # Subclasses register their layers in torchvision's order (``downsample`` last), so
        # the state-dict key order matches too; the base class only fixes the signature.
        super().__init__()


class BasicBlock(ResidualBlock):
    """Two 3x3 convolutions (ResNet-18/34 and the CIFAR nets); the first carries the stride."""

    expansion = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__(inplanes, planes, stride, downsample)
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class PlainBasicBlock(BasicBlock):
    """A BasicBlock without its shortcut: the paper's plain baselines (plain-18/34, the CIFAR
    plain-20 … 110; He et al. 2015, section 3.3 and Fig. 3 middle).

    The same two 3x3 convolutions, BatchNorms and ReLUs as :class:`BasicBlock`, under the same
    names, so a plain net's state dict is its ResNet's less the projections. Nothing is added:
    the stack is conv → BN → ReLU → conv → BN → ReLU, and ``downsample`` is always ``None``.
    """

    residual = False

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        if downsample is not None:
            raise ValueError("a plain block has no shortcut, so it takes no downsample")
        super().__init__(inplanes, planes, stride, None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


class Bottleneck(ResidualBlock):
    """1x1 reduce → 3x3 → 1x1 expand (×4), ResNet-50/101/152.

    **Where the stride goes (v1 vs v1.5).** In the paper a downsampling Bottleneck strides its
    *first 1x1* convolution, which simply drops three of every four pixels before any 3x3 has
    looked at them. torchvision — and this class — put the stride on the *3x3* instead
    ("ResNet v1.5"): about +0.5 % top-1 on ImageNet, at the price of ≈4.1 G instead of ≈3.9 G
    multiply-adds for ResNet-50, because the first 1x1 now runs at full resolution.
    :class:`BottleneckV1` is the paper's variant; both have the same parameters and keys.
    """

    expansion = 4
    stride_on_1x1: ClassVar[bool] = False

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__(inplanes, planes, stride, downsample)
        stride_1x1, stride_3x3 = (stride, 1) if self.stride_on_1x1 else (1, stride)
        self.conv1 = conv1x1(inplanes, planes, stride_1x1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride_3x3)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class BottleneckV1(Bottleneck):
    """The paper's original Bottleneck: the stride sits on the first 1x1 convolution."""

    stride_on_1x1 = True


class _PreActBlock(ResidualBlock):
    """Shared forward logic of the pre-activation (v2) units.

    The unit starts with ``relu(bn1(x))`` (the "pre-activation") and ends with the addition —
    no BN and no ReLU after it, so the identity path runs untouched from unit to unit. A
    projection shortcut reads the pre-activated input (it would otherwise see an un-normalised
    sum), while an identity shortcut — and option A's zero-padded identity, which is an
    identity too — reads the raw input ``x``, as in the reference TF-slim / timm code.
    """

    preact = True

    def _shortcut(self, x: torch.Tensor, preact: torch.Tensor) -> torch.Tensor:
        if self.downsample is None:
            return x
        if isinstance(self.downsample, PadShortcut):
            return self.downsample(x)
        return self.downsample(preact)


class PreActBasicBlock(_PreActBlock):
    """v2 basic unit: BN → ReLU → 3x3 (stride) → BN → ReLU → 3x3, then add."""

    expansion = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__(inplanes, planes, stride, downsample)
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        preact = self.relu(self.bn1(x))
        shortcut = self._shortcut(x, preact)
        out = self.conv1(preact)
        out = self.conv2(self.relu(self.bn2(out)))
        out += shortcut
        return out


class PreActBottleneck(_PreActBlock):
    """v2 bottleneck unit: (BN → ReLU → conv) × 3 with 1x1, 3x3 (stride), 1x1 ×4, then add."""

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__(inplanes, planes, stride, downsample)
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = conv1x1(inplanes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        preact = self.relu(self.bn1(x))
        shortcut = self._shortcut(x, preact)
        out = self.conv1(preact)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        out += shortcut
        return out


def make_layer(
    block: type[ResidualBlock],
    inplanes: int,
    planes: int,
    blocks: int,
    stride: int,
    shortcut: str,
) -> tuple[nn.Sequential, int]:
    """One stage: ``blocks`` blocks of ``planes`` width; returns it and its output channels.

    Only the **first** block of a stage gets the stride and (if the shape changes) the
    projection: it is the one that halves H and W and widens the channels. After it, input and
    output shapes agree, so the remaining blocks run at stride 1 with identity shortcuts
    (except under option C). Design rule: halve the map ⇒ double the filters, which keeps
    the cost per layer roughly constant.
    """
    outplanes = planes * block.expansion
    norm = not block.preact  # v2 projections are bare convs: their input is already normalised

    def downsample(inputs: int, stride: int) -> nn.Module | None:
        if not block.residual:  # a plain block: no shortcut, whatever ``shortcut`` says
            return None
        return make_shortcut(shortcut, inputs, outplanes, stride, norm=norm)

    layers: list[nn.Module] = [block(inplanes, planes, stride, downsample(inplanes, stride))]
    for _ in range(1, blocks):
        layers.append(block(outplanes, planes, 1, downsample(outplanes, 1)))
    return nn.Sequential(*layers), outplanes
