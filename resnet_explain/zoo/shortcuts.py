"""The paper's three shortcut options (He et al. 2015, section 3.3).

* **A** — identity; where the shape changes, subsample H and W by the stride and append
  zero channels. It has **no parameters**: the extra channels carry nothing, and the
  subsampling simply drops positions. The paper uses it for its CIFAR nets.
* **B** — a 1x1 projection (stride = the block's stride) plus BatchNorm only where the shape
  changes, identity elsewhere. torchvision's default, and the zoo's ImageNet default.
* **C** — a projection on every shortcut, also where the identity would do.

Whatever the option, the shortcut module is stored as the block's ``downsample`` attribute
(``None`` for a plain identity), so a block's forward is the same for all three.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["PadShortcut", "make_shortcut", "projection"]


class PadShortcut(nn.Module):
    """Option A: ``x[:, :, ::s, ::s]`` followed by zero channels up to ``out_channels``.

    A leaf module with no parameters and no children, so a tracer sees it as one layer and a
    parameter count sees nothing. The new channels are appended after the existing ones.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(
                f"option A can only add channels ({in_channels} → {out_channels}); "
                "use a projection shortcut (option B or C) to reduce them"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        extra = self.out_channels - self.in_channels
        if extra:
            x = F.pad(x, (0, 0, 0, 0, 0, extra))
        return x

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def projection(in_channels: int, out_channels: int, stride: int, norm: bool) -> nn.Module:
    """A 1x1 convolution with the block's stride, padding 0, no bias; + BatchNorm if ``norm``.

    With BatchNorm it is ``Sequential(conv, bn)`` so the keys are ``downsample.0.weight`` /
    ``downsample.1.*`` as in torchvision. Without it (pre-activation nets, whose shortcut reads
    an already normalised input) it is the bare convolution.
    """
    conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)
    if not norm:
        return conv
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels))


def make_shortcut(
    option: str, in_channels: int, out_channels: int, stride: int, *, norm: bool = True
) -> nn.Module | None:
    """The ``downsample`` module of one block for shortcut ``option`` (``None`` = identity)."""
    changes_shape = stride != 1 or in_channels != out_channels
    if option == "A":
        return PadShortcut(in_channels, out_channels, stride) if changes_shape else None
    if option == "B":
        return projection(in_channels, out_channels, stride, norm) if changes_shape else None
    if option == "C":
        return projection(in_channels, out_channels, stride, norm)
    raise ValueError(f"unknown shortcut option {option!r}; use 'A', 'B' or 'C'")
