"""Pre-activation ResNets (v2; He et al. 2016, "Identity Mappings in Deep Residual Networks")."""

from __future__ import annotations

import torch
from torch import nn

from .blocks import ResidualBlock, make_layer

__all__ = ["PreActResNet"]


class PreActResNet(nn.Module):
    """7x7/2 stem conv, BN + ReLU, 3x3/2 max-pool, four stages of v2 units, BN + ReLU, pool, fc.

    **The first and the last unit, as the v2 paper's appendix builds them** (He et al. 2016,
    "Implementation details"): "for the first Residual Unit (that follows a stand-alone
    convolutional layer, conv1), we adopt the first activation right after conv1 and before
    splitting into two paths; for the last Residual Unit […] we adopt an extra activation
    right after its element-wise addition." So conv1 is followed by BN + ReLU (``bn1``,
    ``relu``), the first unit has no pre-activation of its own (no ``layer1.0.bn1``) and its
    identity carries the activated map; after the last unit comes ``postnorm`` (BN + ReLU),
    because the sum leaving it has never been normalised. The parameters are the same as
    without the first activation (conv1's BN replaces the first unit's): timm's resnetv2_*.

    This is a convention, and implementations differ: kuangliu's pytorch-cifar
    ``PreActResNet``, TF-slim's ``resnet_v2`` and timm's ``resnetv2`` leave conv1 bare and let
    the first unit pre-activate its input itself, so its identity shortcut carries conv1's
    un-normalised output.
    """

    def __init__(
        self,
        block: type[ResidualBlock],
        layers: tuple[int, ...],
        *,
        num_classes: int = 1000,
        shortcut: str = "B",
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)  # the first unit's activation, before the split
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = 64
        self.layer1, channels = make_layer(block, channels, 64, layers[0], 1, shortcut,
                                           activated=True)
        self.layer2, channels = make_layer(block, channels, 128, layers[1], 2, shortcut)
        self.layer3, channels = make_layer(block, channels, 256, layers[2], 2, shortcut)
        self.layer4, channels = make_layer(block, channels, 512, layers[3], 2, shortcut)
        self.postnorm = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.postnorm(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)
