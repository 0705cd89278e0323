"""The paper's CIFAR-10 ResNets (He et al. 2015, section 4.2): depth 6n + 2.

Input 32x32. A 3x3 conv with 16 filters (+ BN + ReLU), then three stages of n BasicBlocks
on 32x32, 16x16 and 8x8 maps with 16, 32 and 64 filters, global average pool, a 10-way fc:
1 + 2n·3 + 1 = 6n + 2 weighted layers. With option A shortcuts (the paper's choice here) the
shortcuts add no parameters, so ResNet-20 has exactly 269,722 of them — and so has the plain
net of the same depth (``block=PlainBasicBlock``), which differs only by the additions.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import BasicBlock, ResidualBlock, conv3x3, make_layer

__all__ = ["CifarResNet"]


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for 32x32 inputs: no 7x7 conv and no max-pool, unlike the ImageNet nets.

    ``block`` is :class:`BasicBlock` for the ResNets, :class:`PlainBasicBlock` for the paper's
    plain baselines (no shortcuts; ``shortcut`` is then ignored).
    """

    def __init__(self, n: int, *, num_classes: int = 10, shortcut: str = "A",
                 block: type[ResidualBlock] = BasicBlock) -> None:
        super().__init__()
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        channels = 16
        self.layer1, channels = make_layer(block, channels, 16, n, 1, shortcut)
        self.layer2, channels = make_layer(block, channels, 32, n, 2, shortcut)
        self.layer3, channels = make_layer(block, channels, 64, n, 2, shortcut)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)
