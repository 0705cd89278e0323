"""Pre-activation ResNets (v2; He et al. 2016, "Identity Mappings in Deep Residual Networks")."""

from __future__ import annotations

import torch
from torch import nn

from .blocks import ResidualBlock, make_layer

__all__ = ["PreActResNet"]


class PreActResNet(nn.Module):
    """Bare 7x7/2 stem conv, 3x3/2 max-pool, four stages of v2 units, BN + ReLU, pool, fc.

    The stem conv has **no** BN/ReLU after it: every unit begins with BN → ReLU, so the first
    unit normalises the stem's output itself. Since the units end with a plain addition, the
    sum leaving the last unit has never been normalised — hence the extra ``postnorm``
    (BatchNorm + ReLU) before the average pool.
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
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = 64
        self.layer1, channels = make_layer(block, channels, 64, layers[0], 1, shortcut)
        self.layer2, channels = make_layer(block, channels, 128, layers[1], 2, shortcut)
        self.layer3, channels = make_layer(block, channels, 256, layers[2], 2, shortcut)
        self.layer4, channels = make_layer(block, channels, 512, layers[3], 2, shortcut)
        self.postnorm = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=True))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.postnorm(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)
