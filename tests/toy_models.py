"""Small models written the way students write them, for tests that must not lean on the zoo."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class StudentBlock(nn.Module):
    """A BasicBlock with functional ReLUs and a conditional projection, as in many tutorials."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.n1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.n2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.n1(self.c1(x)))
        y = self.n2(self.c2(y))
        skip = x if self.proj is None else self.proj(x)
        return F.relu(y + skip)


class StudentNet(nn.Module):
    """Stem, two stages of two blocks, head with ``x.view(x.size(0), -1)``.

    That reshape cannot work on an empty batch, so tracing it exercises the meta fallback.
    """

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1)
        self.stages = nn.Sequential(StudentBlock(16, 16, 1), StudentBlock(16, 16, 1),
                                    StudentBlock(16, 32, 2), StudentBlock(32, 32, 1))
        self.fc = nn.Linear(32, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem(x))
        x = self.stages(x)
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(x.view(x.size(0), -1))


class Broken(nn.Module):
    """A model whose forward raises half-way, after BatchNorm has run."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        raise RuntimeError("student bug: forgot to return")


def build_student() -> nn.Module:
    return StudentNet()


def not_a_model() -> int:
    return 42


class SEBlock(nn.Module):
    """A BasicBlock with squeeze-and-excitation: two 1x1 convs on a gate that is broadcast."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.fc1 = nn.Conv2d(channels, channels // 4, 1)
        self.fc2 = nn.Conv2d(channels // 4, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv2(F.relu(self.conv1(x)))
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(y.mean((2, 3), keepdim=True)))))
        return F.relu(y * gate + x)


class SENet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.Sequential(SEBlock(16), SEBlock(16), SEBlock(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1))


class LazyResidual(nn.Module):
    """Dive into Deep Learning's residual block: lazy convs and norms, widths from the data."""

    def __init__(self, channels: int, use_1x1conv: bool = False, strides: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.LazyConv2d(channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(channels, kernel_size=3, padding=1)
        self.conv3 = nn.LazyConv2d(channels, kernel_size=1, stride=strides) \
            if use_1x1conv else None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.conv3:
            x = self.conv3(x)
        y += x
        return F.relu(y)


class LazyResNet18(nn.Module):
    """Dive into Deep Learning's ResNet-18 (for 1×96×96 Fashion-MNIST): nothing has a shape
    until the first batch."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3), nn.LazyBatchNorm2d(),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1)))
        for i, (blocks, channels) in enumerate(((2, 64), (2, 128), (2, 256), (2, 512))):
            self.net.add_module(f"b{i + 2}", nn.Sequential(*(
                LazyResidual(channels, use_1x1conv=True, strides=2) if j == 0 and i > 0
                else LazyResidual(channels) for j in range(blocks))))
        self.net.add_module("last", nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
