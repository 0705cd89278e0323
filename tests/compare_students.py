"""Student ResNets for the comparison tests, written the ways students and blogs write them
(homework code, kuangliu's and d2l's style, blocks in an ``nn.ModuleList``, a Sequential of
Sequentials, functional ReLUs, names like ``self.c1``) — never like the zoo.

Each model carries the differences from its reference that were planted in it:
``PLANTED[name] = (reference, {(what, paper_name of the first place), …})``. The comparison
must report exactly those (top-level records), and nothing for the three correct models.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


# --- a homework-style BasicBlock: every option a mistake can flip ------------------------------
class Basic(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1, *, bias: bool = False,
                 relu_before_add: bool = False, project: bool | None = None,
                 act: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias)
        self.n1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=bias)
        self.n2 = nn.BatchNorm2d(cout)
        self.act = act()
        self.relu_before_add = relu_before_add
        needs = stride != 1 or cin != cout
        if project is None:
            project = needs
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                  nn.BatchNorm2d(cout)) if project else nn.Sequential()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.n1(self.c1(x)))
        y = self.n2(self.c2(y))
        if self.relu_before_add:
            y = self.act(y)
        return self.act(y + self.skip(x))


class HomeworkResNet(nn.Module):
    """An ImageNet ResNet with BasicBlocks; ``blocks`` per stage, every option a mistake."""

    def __init__(self, blocks: tuple[int, ...] = (2, 2, 2, 2),
                 widths: tuple[int, ...] = (64, 128, 256, 512), *, pool_padding: int = 1,
                 stem_kernel: int = 7, stem_relu: bool = True, head_pool: int | None = None,
                 every_stride: bool = False, classes: int = 1000, in_channels: int = 3,
                 **block_options: object) -> None:
        super().__init__()
        pad = stem_kernel // 2
        self.c1 = nn.Conv2d(in_channels, 64, stem_kernel, 2, pad, bias=False)
        self.n1 = nn.BatchNorm2d(64)
        self.stem_relu = stem_relu
        self.pool = nn.MaxPool2d(3, 2, pool_padding)
        stages: list[nn.Module] = []
        cin = 64
        for i, (n, width) in enumerate(zip(blocks, widths)):
            stride = 1 if i == 0 else 2
            units = []
            for j in range(n):
                s = stride if (j == 0 or every_stride) else 1
                units.append(Basic(cin, width, s, **block_options))  # type: ignore[arg-type]
                cin = width
            stages.append(nn.Sequential(*units))
        self.stages = nn.ModuleList(stages)
        self.head_pool = head_pool
        side = 7 // head_pool if head_pool else 1
        self.out = nn.Linear(cin * side * side, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.n1(self.c1(x))
        if self.stem_relu:
            x = F.relu(x)
        x = self.pool(x)
        for stage in self.stages:
            x = stage(x)
        if self.head_pool:
            x = F.avg_pool2d(x, self.head_pool)
        else:
            x = F.adaptive_avg_pool2d(x, 1)
        return self.out(torch.flatten(x, 1))


# --- a Sequential of Sequentials with Bottlenecks (d2l-like naming) ----------------------------
class Bottle(nn.Module):
    def __init__(self, cin: int, mid: int, stride: int, v1: bool = False) -> None:
        super().__init__()
        cout = mid * 4
        s1, s2 = (stride, 1) if v1 else (1, stride)
        self.net = nn.Sequential(
            nn.Conv2d(cin, mid, 1, s1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, mid, 3, s2, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
            nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.net(x) + (x if self.proj is None else self.proj(x)))


def d2l_resnet50(v1: bool = False, blocks: tuple[int, ...] = (3, 4, 6, 3)) -> nn.Sequential:
    b1 = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(3, 2, 1))
    parts: list[nn.Module] = [b1]
    cin = 64
    for i, (n, mid) in enumerate(zip(blocks, (64, 128, 256, 512))):
        units = []
        for j in range(n):
            units.append(Bottle(cin, mid, 2 if (j == 0 and i > 0) else 1, v1=v1))
            cin = mid * 4
        parts.append(nn.Sequential(*units))
    parts += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*parts)


# --- a CIFAR ResNet-20 with option A as a lambda layer (akamaster's style) ----------------------
class Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


class CifarBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, option: str = "A") -> None:
        super().__init__()
        self.conv_a = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn_a = nn.BatchNorm2d(cout)
        self.conv_b = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn_b = nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            if option == "A":
                pad = (cout - cin) // 2
                self.shortcut = Lambda(lambda x: F.pad(x[:, :, ::2, ::2],
                                                       (0, 0, 0, 0, pad, pad)))
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn_a(self.conv_a(x)))
        out = self.bn_b(self.conv_b(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet20(nn.Module):
    def __init__(self, option: str = "A", classes: int = 10) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for width, stride in ((16, 1), (32, 2), (64, 2)):
            for j in range(3):
                blocks.append(CifarBlock(cin, width, stride if j == 0 else 1, option))
                cin = width
        self.blocks = nn.ModuleList(blocks)
        self.linear = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.conv(x)))
        for block in self.blocks:
            x = block(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.linear(x)


# --- the models -------------------------------------------------------------------------------
def correct_resnet18() -> nn.Module:
    return HomeworkResNet()


def correct_resnet50() -> nn.Module:
    return d2l_resnet50()


def correct_resnet20() -> nn.Module:
    return CifarResNet20()


MODELS = {
    # three correct ones
    "correct_resnet18": (correct_resnet18, "resnet18", set()),
    "correct_resnet50": (correct_resnet50, "resnet50", set()),
    "correct_resnet20": (correct_resnet20, "resnet20", set()),
    # one to three planted mistakes each
    "missing_block": (lambda: HomeworkResNet((2, 2, 2, 1)), "resnet18",
                      {("blocks", "conv5_x")}),
    "resnet34_short": (lambda: HomeworkResNet((3, 4, 6, 2)), "resnet34",
                       {("blocks", "conv5_x")}),
    "unpadded_pool": (lambda: HomeworkResNet(pool_padding=0), "resnet18",
                      {("padding", "conv2_x")}),
    "biased_convs": (lambda: HomeworkResNet(bias=True), "resnet18", {("bias", "conv2_1")}),
    "relu_before_add": (lambda: HomeworkResNet(relu_before_add=True, pool_padding=0),
                        "resnet18", {("activation", "conv2_1"), ("padding", "conv2_x")}),
    "bare_small_stem": (lambda: HomeworkResNet(stem_kernel=3, stem_relu=False), "resnet18",
                        {("kernel", "conv1"), ("activation", "conv1")}),
    "option_c": (lambda: HomeworkResNet(project=True), "resnet18", {("shortcut", "conv2_1")}),
    "unpooled_head": (lambda: HomeworkResNet(head_pool=2, classes=10), "resnet18",
                      {("head", "fc"), ("classes", "fc")}),
    "narrow_stage": (lambda: HomeworkResNet(widths=(64, 128, 128, 512)), "resnet18",
                     {("channels", "conv4_1")}),
    "leaky": (lambda: HomeworkResNet(act=nn.LeakyReLU, bias=True), "resnet18",
              {("activation", "conv2_1"), ("bias", "conv2_1")}),
    "v1_strides": (lambda: d2l_resnet50(v1=True), "resnet50", {("stride", "conv3_1")}),
    "d2l_short": (lambda: d2l_resnet50(blocks=(3, 4, 5, 3)), "resnet50",
                  {("blocks", "conv4_x")}),
    "every_stride": (lambda: HomeworkResNet(every_stride=True), "resnet18",
                     {("stride", "conv3_2")}),
    "cifar_option_b_100": (lambda: CifarResNet20("B", classes=100), "resnet20",
                           {("shortcut", "conv3_1"), ("classes", "fc")}),
}
