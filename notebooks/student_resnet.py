"""A student's ResNet-18, with the mistakes that real implementations make.

Used by the notebook "03 Check your own ResNet". ``StudentResNet()`` holds five mistakes
found in blog posts' code (the seeds of this project); ``StudentResNet(mistakes=False)`` is
the same network written correctly, which is torchvision's ResNet-18 layer for layer.

The mistakes, switched on together by ``mistakes=True``:

1. the convolutions keep their bias although BatchNorm follows them;
2. the stem's 3×3 max-pool has no ``padding=1``, so 112 becomes 55 instead of 56;
3. the projection shortcut ends with a ReLU;
4. each block applies its second BatchNorm twice, before and after the add;
5. the head is a stride-1 average pool and a fully connected layer on 7·7·512 inputs.

Two more mistakes stop the forward pass altogether; they have their own classes:
``CountAsWidthResNet`` passes the number of blocks where the width belongs, and
``NoProjectionNet`` adds a 16-channel shortcut to a 32-channel main path.
"""

from __future__ import annotations

import torch
from torch import nn


class Block(nn.Module):
    """A BasicBlock: 3×3 conv, BN, ReLU, 3×3 conv, BN, add the shortcut, ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1, mistakes: bool = True) -> None:
        super().__init__()
        self.mistakes = mistakes
        bias = mistakes  # mistake 1: a bias in front of BatchNorm
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=bias)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or cin != cout:
            layers: list[nn.Module] = [nn.Conv2d(cin, cout, 1, stride, bias=False),
                                       nn.BatchNorm2d(cout)]
            if mistakes:  # mistake 3: a ReLU on the shortcut
                layers.append(nn.ReLU(inplace=True))
            self.downsample = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + identity
        if self.mistakes:  # mistake 4: the same BatchNorm a second time
            out = self.bn2(out)
        return self.relu(out)


class StudentResNet(nn.Module):
    """ResNet-18 for 224×224 images, written by a student."""

    def __init__(self, mistakes: bool = True, num_classes: int = 1000) -> None:
        super().__init__()
        self.mistakes = mistakes
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        # mistake 2: no padding=1, so the 112×112 map becomes 55×55, not 56×56
        self.maxpool = nn.MaxPool2d(3, 2, padding=0 if mistakes else 1)
        self.layer1 = self._make_layer(64, 2, stride=1)
        self.layer2 = self._make_layer(128, 2, stride=2)
        self.layer3 = self._make_layer(256, 2, stride=2)
        self.layer4 = self._make_layer(512, 2, stride=2)
        if mistakes:  # mistake 5: no global pooling, so the fc sees all 7·7·512 values
            self.avgpool: nn.Module = nn.AvgPool2d(3, stride=1, padding=1)
            self.fc = nn.Linear(7 * 7 * 512, num_classes)
        else:
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = [Block(self.inplanes, planes, stride, self.mistakes)]
        self.inplanes = planes
        layers += [Block(planes, planes, 1, self.mistakes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


class CountAsWidthResNet(StudentResNet):
    """``_make_layer`` as one blog post wrote it: the number of blocks where the width goes."""

    def __init__(self) -> None:
        super().__init__(mistakes=False)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = [Block(self.inplanes, blocks, stride, mistakes=False)]  # `blocks`, not `planes`
        self.inplanes = planes
        layers += [Block(planes, planes, 1, mistakes=False) for _ in range(1, blocks)]
        return nn.Sequential(*layers)


class NoShortcutProjectionBlock(Block):
    """A block that doubles the channels and halves the map, but forgot its projection."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__(cin, cout, stride, mistakes=False)
        self.downsample = None  # the shortcut stays the identity: `cin` channels, full map


class NoProjectionNet(nn.Module):
    """A small CIFAR-style ResNet whose second stage forgot its projection shortcut."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.layer1 = Block(16, 16, 1, mistakes=False)
        self.layer2 = NoShortcutProjectionBlock(16, 32, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.pool(x), 1))
