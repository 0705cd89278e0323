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
