"""Student ResNets with the mistakes the seeds' code and tutorials make, each one raising in
its forward. Loaded by the error tests through the API and through the CLI
(``tests/student_mistakes.py:MissingProjection``)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    """A BasicBlock that always adds its input unchanged: fine until the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int, pool: bool = False,
                 projection: bool = False) -> None:
        super().__init__()
        # A downsampling main path written with a max pool without padding (112 → 55).
        self.pool = nn.MaxPool2d(3, stride) if pool else None
        self.conv1 = nn.Conv2d(cin, cout, 3, 1 if pool else stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if projection else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pool(x) if self.pool is not None else x
        out = F.relu(self.bn1(self.conv1(out)))
        out = self.bn2(self.conv2(out))
        skip = x if self.shortcut is None else self.shortcut(x)
        out = out + skip
        return F.relu(out)


class _Net(nn.Module):
    def __init__(self, second: Block, width: int = 32, head: nn.Module | None = None,
                 pool: bool = True) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1)
        self.layer1 = nn.Sequential(Block(16, 16, 1))
        self.layer2 = nn.Sequential(second)
        self.avgpool = nn.AdaptiveAvgPool2d(1) if pool else nn.Identity()
        self.fc = head if head is not None else nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer2(self.layer1(F.relu(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MissingProjection(_Net):
    """layer2.0 doubles the width and halves the map, but adds its input unchanged."""

    def __init__(self) -> None:
        super().__init__(Block(16, 32, 2))


class MissingStride(_Net):
    """layer2.0 keeps the width and halves the map, but adds its input unchanged."""

    def __init__(self) -> None:
        super().__init__(Block(16, 16, 2), width=16)


class UnpaddedPool(_Net):
    """layer2.0's main path downsamples with a 3×3 max pool without padding; its projection
    shortcut with a 1×1 conv, stride 2: 55 against 56 at an input of 112."""

    def __init__(self) -> None:
        super().__init__(Block(16, 32, 2, pool=True, projection=True))


class WrongHeadWidth(_Net):
    """The fc is built for 64 features; the last stage makes 32."""

    def __init__(self) -> None:
        super().__init__(Block(16, 32, 2, projection=True), head=nn.Linear(64, 10))


class UnpooledHead(_Net):
    """The map reaches the fc flattened, without the global average pool."""

    def __init__(self) -> None:
        super().__init__(Block(16, 32, 2, projection=True), pool=False)


class WrongInChannels(nn.Module):
    """The second conv is built for 16 input channels; the first makes 32."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class InPlaceBlock(Block):
    """The most copied CIFAR ResNet's block (``out += self.shortcut(x)``, with an empty
    nn.Sequential as the identity shortcut), here without the projection it needs."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__(cin, cout, stride)
        self.shortcut = nn.Sequential()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class MissingProjectionInPlace(_Net):
    """MissingProjection with an in-place add."""

    def __init__(self) -> None:
        super().__init__(InPlaceBlock(16, 32, 2))


class WrongHeadWidthViewed(WrongHeadWidth):
    """WrongHeadWidth flattened with ``x.view(x.size(0), -1)``, which an empty batch cannot
    run: the meta engine meets the mistake."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.layer2(self.layer1(F.relu(self.conv1(x)))))
        return self.fc(x.view(x.size(0), -1))
