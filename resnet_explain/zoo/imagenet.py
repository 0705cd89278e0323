"""ImageNet ResNets, v1.5 (torchvision's layout) and v1 (the paper's stride placement).

The module tree, state-dict keys and shapes equal torchvision's ``resnet18`` … ``resnet152``
so that torchvision weights load into these models with ``strict=True``.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import ResidualBlock, make_layer

__all__ = ["ResNet"]


class ResNet(nn.Module):
    """Stem (7x7/2 conv, BN, ReLU, 3x3/2 max-pool), four stages, global average pool, fc.

    Sizes at 224x224: 224 → 112 (conv1: K=7, S=2, P=3) → 56 (maxpool: K=3, S=2, P=1) →
    56, 28, 14, 7 (layer1..layer4; each later stage halves H and W by the stride of its first
    block, never by padding) → 1 (avgpool). Widths 64/128/256/512 × ``block.expansion``.
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
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        channels = 64
        self.layer1, channels = make_layer(block, channels, 64, layers[0], 1, shortcut)
        self.layer2, channels = make_layer(block, channels, 128, layers[1], 2, shortcut)
        self.layer3, channels = make_layer(block, channels, 256, layers[2], 2, shortcut)
        self.layer4, channels = make_layer(block, channels, 512, layers[3], 2, shortcut)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)
