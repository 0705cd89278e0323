"""Small models with the structures real ResNet code builds, for tests/test_structures.py.

Each one is a miniature of a published design, written here from its paper's description:
a feature pyramid on a ResNet body (Lin et al. 2017), Res2Net's hierarchical splits (Gao et
al. 2019), selective-kernel attention (Li et al. 2019), a dilated ResNet (torchvision's
``replace_stride_with_dilation``), BiT's explicit pad before the stem pool (timm resnetv2,
``stem_type="fixed"``), a deep stem (ResNet-C/D: three 3×3 convs instead of one 7×7),
global-context blocks (Cao et al. 2019, GCNet; timm's gcresnet*), self-calibrated
convolutions (Liu et al. 2020, SCNet) and PyramidNet's additive widening (Han et al. 2017).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(c_in: int, c_out: int, k: int = 3, stride: int = 1, dilation: int = 1) -> nn.Module:
    pad = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, pad, dilation=dilation, bias=False),
                         nn.BatchNorm2d(c_out))


class Basic(nn.Module):
    """torchvision's BasicBlock: 3×3, 3×3, a 1×1 projection where the shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.a = conv_bn(c_in, c_out, 3, stride, dilation)
        self.b = conv_bn(c_out, c_out, 3, 1, dilation)
        self.down = conv_bn(c_in, c_out, 1, stride) if stride != 1 or c_in != c_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.down is None else self.down(x)
        return F.relu(self.b(F.relu(self.a(x))) + shortcut)


def stage(c_in: int, c_out: int, n: int, stride: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(Basic(c_in, c_out, stride, dilation),
                         *[Basic(c_out, c_out, 1, dilation) for _ in range(n - 1)])


class TinyResNet(nn.Module):
    """A ResNet-18-like net with ``counts`` blocks per stage; ``dilate`` replaces the stride
    of the last two stages by dilation (torchvision's replace_stride_with_dilation)."""

    def __init__(self, counts: tuple[int, ...] = (2, 2, 2, 2), dilate: bool = False,
                 classes: int = 10) -> None:
        super().__init__()
        self.stem = conv_bn(3, 8, 7, 2)
        self.pool = nn.MaxPool2d(3, 2, 1)
        widths = (8, 16, 32, 64)
        layers, c_in = [], 8
        for number, (width, n) in enumerate(zip(widths, counts)):
            dilated = dilate and number >= 2
            stride = 1 if number == 0 or dilated else 2
            layers.append(stage(c_in, width, n, stride, 2 if dilated else 1))
            c_in = width
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.fc = nn.Linear(64, classes)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.pool(F.relu(self.stem(x)))
        c2 = self.layer1(x)
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        return [c2, c3, c4, c5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c5 = self.features(x)[-1]
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(c5, 1), 1))


class FPN(nn.Module):
    """A feature pyramid on the TinyResNet body: lateral 1×1 convs, top-down adds of the
    upsampled coarser map, a 3×3 output conv per level; returns the four maps."""

    def __init__(self) -> None:
        super().__init__()
        self.body = TinyResNet()
        self.lateral = nn.ModuleList(nn.Conv2d(c, 16, 1) for c in (8, 16, 32, 64))
        self.output = nn.ModuleList(nn.Conv2d(16, 16, 3, padding=1) for _ in range(4))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        feats = self.body.features(x)
        top = self.lateral[3](feats[3])
        maps = [self.output[3](top)]
        for level in (2, 1, 0):
            top = self.lateral[level](feats[level]) + F.interpolate(top, scale_factor=2.0)
            maps.insert(0, self.output[level](top))
        return tuple(maps)


class Res2Block(nn.Module):
    """Res2Net's bottleneck: a 1×1, the width split in ``scale`` parts, each 3×3 fed the sum
    of its own slice and the previous part's output (``sp + spx[i]``), a 1×1 after the cat."""

    def __init__(self, channels: int = 32, width: int = 8, scale: int = 4,
                 chain: bool = True) -> None:
        super().__init__()
        self.width, self.scale, self.chain = width, scale, chain
        self.conv1 = conv_bn(channels, width * scale, 1)
        self.convs = nn.ModuleList(conv_bn(width, width) for _ in range(scale - 1))
        self.conv3 = conv_bn(width * scale, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.conv1(x))
        spx = torch.split(out, self.width, 1)
        parts = []
        sp = spx[0]
        for i, conv in enumerate(self.convs):
            # The first block of a stage ("stype='stage'") does not chain: each 3×3 its slice.
            sp = spx[i] if i == 0 or not self.chain else sp + spx[i]
            sp = F.relu(conv(sp))
            parts.append(sp)
        parts.append(spx[-1])
        out = self.conv3(torch.cat(parts, 1))
        return F.relu(out + x)


class Res2Net(nn.Module):
    def __init__(self, blocks: int = 2) -> None:
        super().__init__()
        self.stem = conv_bn(3, 32, 3)
        self.blocks = nn.Sequential(*[Res2Block() for _ in range(blocks)])
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Res2NetStages(nn.Module):
    """Res2Net as published: per stage, a first block whose 3×3s do not chain, then chained
    ones; a stride-2 max pool between the stages."""

    def __init__(self, blocks: tuple[int, ...] = (3, 2)) -> None:
        super().__init__()
        self.stem = conv_bn(3, 32, 3)
        self.layers = nn.ModuleList(
            nn.Sequential(*[Res2Block(chain=i > 0) for i in range(count)]) for count in blocks)
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem(x))
        for number, layer in enumerate(self.layers):
            x = layer(F.max_pool2d(x, 2) if number else x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class SelectiveKernel(nn.Module):
    """Two 3×3 paths (dilation 1 and 2), a squeeze of their sum, two 1×1 "fc" convs and a
    softmax over the paths: the attention weights multiply the stacked paths."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.paths = nn.ModuleList(conv_bn(channels, channels, 3, 1, d) for d in (1, 2))
        self.reduce = nn.Conv2d(channels, 8, 1)
        self.select = nn.Conv2d(8, 2 * channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        paths = torch.stack([F.relu(path(x)) for path in self.paths], dim=1)
        squeeze = paths.sum(1).mean((2, 3), keepdim=True)
        attn = self.select(F.relu(self.reduce(squeeze)))
        attn = attn.view(x.shape[0], 2, x.shape[1], 1, 1).softmax(dim=1)
        return (paths * attn).sum(1)


class SKBlock(nn.Module):
    """skresnet18's block: a selective-kernel 3×3, then a plain 3×3, identity shortcut."""

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        self.sk = SelectiveKernel(channels)
        self.conv = conv_bn(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv(self.sk(x)) + x)


class Classifier(nn.Module):
    """A stem conv, a stack of blocks, a global average pool and a 10-way fc."""

    def __init__(self, stem: int, blocks: list[nn.Module], width: int) -> None:
        super().__init__()
        self.stem = conv_bn(3, stem)
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def SKNet(blocks: int = 3) -> nn.Module:
    return Classifier(16, [SKBlock() for _ in range(blocks)], 16)


class GlobalContext(nn.Module):
    """GCNet's context block: a 1×1 conv scores every position, a softmax over the map pools
    the input with those weights into one vector per image, a bottleneck of two 1×1 convs
    transforms it, and it is *added* to every position of the map (broadcast)."""

    def __init__(self, channels: int, hidden: int = 4) -> None:
        super().__init__()
        self.score = nn.Conv2d(channels, 1, 1)
        self.transform = nn.Sequential(nn.Conv2d(channels, hidden, 1), nn.LayerNorm([hidden, 1, 1]),
                                       nn.ReLU(), nn.Conv2d(hidden, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        weights = self.score(x).reshape(n, 1, h * w).softmax(dim=-1).unsqueeze(3)
        context = (x.reshape(n, c, h * w).unsqueeze(1) @ weights).view(n, c, 1, 1)
        return x + self.transform(context)


class AttendedBasic(Basic):
    """A basic block with an attention module after its second conv, where GCNet and CBAM put
    theirs; ``attention`` makes it for the block's width (a global context by default)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1,
                 attention: Callable[[int], nn.Module] = GlobalContext) -> None:
        super().__init__(c_in, c_out, stride)
        self.attention = attention(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.down is None else self.down(x)
        return F.relu(self.attention(self.b(F.relu(self.a(x)))) + shortcut)


def GCResNet() -> nn.Module:
    """Two stages of two GC basic blocks: 8 → 16 channels, stride 2 into the second."""
    blocks = [AttendedBasic(8, 8), AttendedBasic(8, 8), AttendedBasic(8, 16, 2),
              AttendedBasic(16, 16)]
    return Classifier(8, blocks, 16)


class SelfCalibrated(nn.Module):
    """SCNet's self-calibrated 3×3: a gate computed at a quarter of the resolution (average
    pool 4×4/4, a 3×3 conv, upsampled back and added to the input, then a sigmoid) scales a
    full-resolution 3×3 conv; a second 3×3 follows."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.down = nn.Sequential(nn.AvgPool2d(4, 4), conv_bn(channels, channels))
        self.conv1 = conv_bn(channels, channels)
        self.conv2 = conv_bn(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(x + F.interpolate(self.down(x), size=x.shape[2:]))
        return F.relu(self.conv2(self.conv1(x) * gate))


class SCBlock(nn.Module):
    """An SCNet bottleneck: two halves of the width, one through a plain 1×1 → 3×3, the
    other through a 1×1 → self-calibrated 3×3s; concatenated, then a 1×1 back to the width."""

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        half = channels // 4
        self.a = nn.Sequential(conv_bn(channels, half, 1), nn.ReLU(), conv_bn(half, half))
        self.b1 = conv_bn(channels, half, 1)
        self.b2 = SelfCalibrated(half)
        self.out = conv_bn(2 * half, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        joined = torch.cat([F.relu(self.a(x)), self.b2(F.relu(self.b1(x)))], dim=1)
        return F.relu(self.out(joined) + x)


def SCNet(blocks: int = 2) -> nn.Module:
    return Classifier(32, [SCBlock() for _ in range(blocks)], 32)


class PaddedPoolStem(nn.Module):
    """BiT's stem: 7×7/2 conv, an explicit ConstantPad2d(1), a 3×3/2 max-pool with padding 0."""

    def __init__(self, explicit_pad: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 7, 2, 3)
        self.pad = nn.ConstantPad2d(1, 0.0) if explicit_pad else nn.Identity()
        self.pool = nn.MaxPool2d(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.pad(self.conv(x)))


class ResNet26DLike(nn.Module):
    """A deep stem (three 3×3 convs, ResNet-C/D) on [2, 2, 2, 2] BasicBlocks: the longest
    path holds 3 + 16 + 1 = 20 weighted layers where resnet18 holds 18."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 8, 3, 2), nn.ReLU(), conv_bn(8, 8), nn.ReLU(),
                                  conv_bn(8, 8), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.body = nn.Sequential(stage(8, 8, 2, 1), stage(8, 16, 2, 2), stage(16, 32, 2, 2),
                                  stage(32, 64, 2, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class FlattenFork(nn.Module):
    """A fork that is 4-D on one side and 2-D at the add (a classifier's skip)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc1 = nn.Linear(4 * 8 * 8, 16)
        self.fc2 = nn.Linear(4 * 8 * 8, 16)
        self.fc3 = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return self.fc3(F.relu(self.fc1(torch.flatten(y, 1)))) + self.fc2(y.flatten(1))


class SignalBlock(nn.Module):
    """A basic block for a signal (audio, ECG): the same design as torchvision's, with
    ``conv`` and ``norm`` of one or three dimensions."""

    def __init__(self, conv: type, norm: type, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = conv(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = norm(c_out)
        self.conv2 = conv(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = norm(c_out)
        self.down = (nn.Sequential(conv(c_in, c_out, 1, stride, bias=False), norm(c_out))
                     if stride != 1 or c_in != c_out else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.down is None else self.down(x)
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))) + shortcut)


class SignalResNet(nn.Module):
    """A ResNet of one (``dims=1``: ``nn.Conv1d``, a waveform) or three (``dims=3``:
    ``nn.Conv3d``, a video clip) spatial dimensions: a 7-wide stride-2 stem, two stages of
    two basic blocks (16 and 32 filters, the second with stride 2), global pool, fc."""

    def __init__(self, dims: int = 1, classes: int = 5) -> None:
        super().__init__()
        conv, norm, pool = {1: (nn.Conv1d, nn.BatchNorm1d, nn.AdaptiveAvgPool1d),
                            3: (nn.Conv3d, nn.BatchNorm3d, nn.AdaptiveAvgPool3d)}[dims]
        self.stem = conv(1, 16, 7, 2, 3)
        self.layer1 = nn.Sequential(SignalBlock(conv, norm, 16, 16, 1),
                                    SignalBlock(conv, norm, 16, 16, 1))
        self.layer2 = nn.Sequential(SignalBlock(conv, norm, 16, 32, 2),
                                    SignalBlock(conv, norm, 32, 32, 1))
        self.pool = pool(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.layer2(self.layer1(self.stem(x)))).flatten(1))


class TabularBlock(nn.Module):
    """A residual block of fully connected layers (Gorishniy et al. 2021's ResNet for tabular
    data): BatchNorm, a linear layer twice as wide, ReLU, a linear layer back, added."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(width)
        self.fc1 = nn.Linear(width, 2 * width)
        self.fc2 = nn.Linear(2 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(F.relu(self.fc1(self.norm(x))))


class TabularResNet(nn.Module):
    """20 features in, a 64-wide linear stem, three blocks, two classes out."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(20, 64)
        self.blocks = nn.Sequential(*(TabularBlock(64) for _ in range(3)))
        self.head = nn.Linear(64, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))


class PyramidUnit(nn.Module):
    """PyramidNet's unit (Han et al. 2017): BN, conv, BN, ReLU, conv, BN; the shortcut is the
    identity with the new channels zero-padded (and average-pooled where the map halves)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.stride, self.extra = stride, c_out - c_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn3(self.conv2(F.relu(self.bn2(self.conv1(self.bn1(x))))))
        short = F.avg_pool2d(x, 2) if self.stride == 2 else x
        return out + F.pad(short, (0, 0, 0, 0, 0, self.extra))


class PyramidNet(nn.Module):
    """Widths that grow by α/(3n) every unit, 16 → 16 + α, over three resolutions: in three
    stage modules, or (``flat``) in one Sequential."""

    def __init__(self, n: int = 3, alpha: int = 24, flat: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.widths = [16 + round(alpha * (i + 1) / (3 * n)) for i in range(3 * n)]
        units, c_in = [], 16
        for i, width in enumerate(self.widths):
            units.append(PyramidUnit(c_in, width, 2 if i in (n, 2 * n) else 1))
            c_in = width
        self.flat = flat
        if flat:
            self.units = nn.Sequential(*units)
        else:
            self.layer1 = nn.Sequential(*units[:n])
            self.layer2 = nn.Sequential(*units[n:2 * n])
            self.layer3 = nn.Sequential(*units[2 * n:])
        self.fc = nn.Linear(c_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn1(self.conv1(x))
        x = self.units(x) if self.flat else self.layer3(self.layer2(self.layer1(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class SegmentationHead(nn.Module):
    """Two residual blocks, then a DeepLab-style head (Chen et al. 2017): an image-pooling
    branch — a 1×1 conv on the globally pooled map, upsampled — beside a 3×3 branch, fused by
    a 1×1 classifier per pixel. A 1×1 conv on a pooled map, but no fc layer."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.Sequential(Basic(16, 16), Basic(16, 16))
        self.pool_conv = nn.Conv2d(16, 8, 1)
        self.branch = nn.Conv2d(16, 8, 3, padding=1)
        self.classifier = nn.Conv2d(16, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        pooled = F.interpolate(self.pool_conv(F.adaptive_avg_pool2d(x, 1)), size=x.shape[2:])
        return self.classifier(torch.cat([self.branch(x), pooled], 1))


class Residual(nn.Module):
    """``x + conv(relu(conv(x)))``: a block of two 3×3 convs with biases, identity shortcut."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, padding=1)
        self.b = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.b(F.relu(self.a(x)))


class DarkStage(nn.Module):
    """timm's DarkStage: a stride-2 down-sampling conv (conv, BN, LeakyReLU), then blocks."""

    def __init__(self, c_in: int, c_out: int, n: int) -> None:
        super().__init__()
        self.conv_down = nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False),
                                       nn.BatchNorm2d(c_out), nn.LeakyReLU(0.1))
        self.blocks = nn.Sequential(*(Residual(c_out) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.conv_down(x))


class DarknetLike(nn.Module):
    """Darknet-53's shape in miniature: a stem conv, one block at 8 channels, then a stride-2
    conv that joins the next stage in no block, and two blocks at 16 (Redmon & Farhadi 2018).
    ``staged``: the down-sampling conv sits in the next stage's module (timm's DarkStage);
    otherwise the forward calls it between two Sequentials:
    ``x = self.block2(self.down(self.block1(self.stem(x))))``."""

    def __init__(self, staged: bool = False) -> None:
        super().__init__()
        self.staged = staged
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block1 = nn.Sequential(Residual(8))
        if staged:
            self.stage2 = DarkStage(8, 16, 2)
        else:
            self.down = DarkStage(8, 16, 0).conv_down
            self.block2 = nn.Sequential(Residual(16), Residual(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block1(self.stem(x))
        x = self.stage2(x) if self.staged else self.block2(self.down(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def halves(y: torch.Tensor, how: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The two channel halves of ``y``, by ``split``, ``chunk`` or slicing."""
    c = y.shape[1] // 2
    if how == "split":
        first, second = y.split(c, 1)
    elif how == "chunk":
        first, second = y.chunk(2, 1)
    else:
        first, second = y[:, :c], y[:, c:]
    return first, second


class CSPStage(nn.Module):
    """A CSPNet stage (Wang et al. 2020): a 1×1 conv widens the map, its channels are split,
    one half runs through the blocks, and the halves are joined again."""

    def __init__(self, c_in: int, c: int, n: int, how: str, stride: int = 1) -> None:
        super().__init__()
        self.how = how
        self.down = nn.Conv2d(c_in, c_in, 3, 2, 1) if stride == 2 else None
        self.exp = nn.Conv2d(c_in, 2 * c, 1)
        self.blocks = nn.Sequential(*(Residual(c) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.down is not None:
            x = self.down(x)
        xs, xb = halves(self.exp(x), self.how)
        return torch.cat([xs, self.blocks(xb)], 1)


class CSPLike(nn.Module):
    """A stem conv, then CSP stages of two blocks each: one at 32×32 (``stages=1``), or a
    second one behind a stride-2 conv."""

    def __init__(self, how: str = "split", stages: int = 1) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.stages = nn.Sequential(CSPStage(16, 16, 2, how),
                                    *(CSPStage(32, 16, 2, how, 2) for _ in range(stages - 1)))
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def standardise(weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Weight standardisation (Qiao et al. 2019): each filter to mean 0 and variance 1."""
    mean = weight.mean(dim=(1, 2, 3), keepdim=True)
    var = weight.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
    return (weight - mean) / torch.sqrt(var + eps)


class DynamicPad(nn.Module):
    """TensorFlow's "SAME" padding, computed from the input's size at every call."""

    def __init__(self, kernel: int, stride: int) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size in x.shape[:1:-1]:  # W, then H: F.pad's order
            total = max((-(-size // self.stride) - 1) * self.stride + self.kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads)


class WSConvSame(nn.Conv2d):
    """BiT's ``StdConv2dSame`` (Kolesnikov et al. 2020): a Conv2d subclass that holds a
    dynamic-padding child and convolves with its weight standardised."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__(c_in, c_out, kernel, stride, padding=0, bias=False)
        self.pad = DynamicPad(kernel, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(self.pad(x), standardise(self.weight), self.bias, self.stride, 0,
                        self.dilation, self.groups)


class BiTUnit(nn.Module):
    """BiT's pre-activation bottleneck: GroupNorm, ReLU, then weight-standardised convs."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(4, c_in)
        self.down = WSConvSame(c_in, c_out, 1, stride) if stride != 1 or c_in != c_out else None
        self.conv1 = WSConvSame(c_in, c_out, 1)
        self.norm2 = nn.GroupNorm(4, c_out)
        self.conv2 = WSConvSame(c_out, c_out, 3, stride)
        self.norm3 = nn.GroupNorm(4, c_out)
        self.conv3 = WSConvSame(c_out, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = F.relu(self.norm1(x))
        shortcut = self.down(pre) if self.down is not None else x
        y = self.conv2(F.relu(self.norm2(self.conv1(pre))))
        return self.conv3(F.relu(self.norm3(y))) + shortcut


class BiTLike(nn.Module):
    """A stride-2 7×7 weight-standardised stem, three units (the last one stride 2), a
    GroupNorm and ReLU, and a 1×1 conv classifier on the pooled map."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = WSConvSame(3, 16, 7, 2)
        self.units = nn.Sequential(BiTUnit(16, 32, 1), BiTUnit(32, 32, 1), BiTUnit(32, 64, 2))
        self.norm = nn.GroupNorm(4, 64)
        self.head = nn.Conv2d(64, 10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.norm(self.units(self.stem(x))))
        return self.head(F.adaptive_avg_pool2d(x, 1)).flatten(1)


class NFUnit(nn.Module):
    """A normalizer-free pre-activation unit (Brock et al. 2021): ReLU, then convs with no
    norm, the residual scaled by a learnt gain (SkipInit) before the add."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(c_in, c_out, 1, stride) if stride != 1 or c_in != c_out else None
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.gain = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = F.relu(x)
        shortcut = self.down(pre) if self.down is not None else x
        return self.conv2(F.relu(self.conv1(pre))) * self.gain + shortcut
