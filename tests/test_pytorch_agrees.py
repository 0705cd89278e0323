"""The tool refuses exactly what PyTorch refuses, and reports exactly PyTorch's shapes (issue 22).

A hypothesis property draws stacks of layers — convolutions, transposed convolutions, pools
and upsampling of 1, 2 and 3 spatial dimensions with random kernels, strides, paddings and
dilations, and the reshapes between them (flatten, unflatten, view) — and compares the tool
with a real forward of a small real batch: where PyTorch raises, the tool must refuse in one
line (a :class:`UserError`); where PyTorch runs, every layer's shape must be PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.errors import UserError

_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_TRANSPOSED = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
_MAX = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
_AVG = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}


class View(nn.Module):
    """``x.view(x.size(0), channels, *sizes)``: a reshape written in the forward."""

    def __init__(self, *sizes: int) -> None:
        super().__init__()
        self.sizes = sizes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), *self.sizes)


def _layer(draw: Any, shape: tuple[int, ...]) -> nn.Module:
    """One layer that fits the rank of ``shape`` (batch first); PyTorch may still refuse it."""
    rank, channels = len(shape) - 2, shape[1]
    kinds = ["conv", "transposed", "max", "avg", "upsample", "flatten", "view"]
    if rank == 1:
        kinds.append("unflatten")
    if rank == 0:
        kinds = ["linear", "unflatten"]
    kind = draw(st.sampled_from(kinds))
    kernel = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    if kind == "conv":
        return _CONV[rank](channels, draw(st.integers(1, 4)), kernel, stride=stride,
                           padding=draw(st.integers(0, 2)), dilation=dilation)
    if kind == "transposed":
        return _TRANSPOSED[rank](channels, draw(st.integers(1, 4)), kernel, stride=stride,
                                 padding=draw(st.integers(0, 3)),
                                 output_padding=draw(st.integers(0, max(stride, dilation) - 1)),
                                 dilation=dilation)
    if kind == "max":
        return _MAX[rank](kernel, stride=stride, padding=draw(st.integers(0, kernel // 2)),
                          dilation=dilation, ceil_mode=draw(st.booleans()))
    if kind == "avg":
        return _AVG[rank](kernel, stride=stride, padding=draw(st.integers(0, kernel // 2)),
                          ceil_mode=draw(st.booleans()))
    if kind == "upsample":
        return nn.Upsample(scale_factor=draw(st.sampled_from((0.3, 0.5, 1.5, 2.0))))
    if kind == "linear":
        return nn.Linear(channels, draw(st.integers(1, 8)))
    if kind == "flatten":  # to 1-D (the spatial axes into one) or to features
        return nn.Flatten(draw(st.sampled_from((1, 2))) if rank > 1 else 1)
    if kind == "view":  # the spatial axes into one, or channels and space split otherwise
        total = math.prod(shape[1:])
        divisors = [d for d in range(1, total + 1) if total % d == 0]
        first = draw(st.sampled_from(divisors))
        return View(first, total // first) if draw(st.booleans()) else View(first, -1)
    # unflatten: the last axis into two (1-D → 2-D), or features into channels × length
    size = shape[-1]
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = draw(st.sampled_from(divisors))
    return nn.Unflatten(len(shape) - 1, (first, size // first))


def _real(model: nn.Module, x: torch.Tensor) -> tuple[dict[str, tuple[int, ...]] | None, Any]:
    """Each layer's output shape in a real forward of ``x``, or None and PyTorch's error."""
    seen: dict[str, tuple[int, ...]] = {}

    def note(name: str) -> Any:
        def hook(_module: nn.Module, _args: Any, out: torch.Tensor) -> None:
            seen.setdefault(name, tuple(out.shape))
        return hook

    handles = [module.register_forward_hook(note(name))
               for name, module in model.named_children()]
    try:
        with torch.no_grad():
            model(x)
    except Exception as error:
        return None, error
    finally:
        for handle in handles:
            handle.remove()
    return seen, None


@st.composite
def stacks(draw: Any) -> tuple[nn.Sequential, tuple[int, ...]]:
    """A model of 1 to 5 layers and an input shape (batch 2): each layer is drawn for the
    shape a real forward gives the layer before; the stack ends where PyTorch refuses."""
    rank = draw(st.integers(1, 3))
    shape = (2, draw(st.integers(1, 3)),
             *draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank)))
    layers: list[nn.Module] = []
    current = torch.zeros(shape)
    for _ in range(draw(st.integers(1, 5))):
        layer = _layer(draw, tuple(current.shape))
        layers.append(layer)
        try:
            with torch.no_grad():
                current = layer(current)
        except Exception:
            break
        if current.dim() > 5 or current.numel() == 0 or current.numel() > 20_000:
            break
    return nn.Sequential(*layers), shape


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stacks())
def test_the_tool_refuses_what_pytorch_refuses_and_shows_its_shapes(case):
    model, shape = case
    real, _ = _real(model, torch.zeros(shape))
    if real is None:
        with pytest.raises(UserError):
            explain(model, torch.zeros(shape))
        return
    arch = explain(model, torch.zeros(shape))
    shown = {layer.name: layer.output_shape for layer in arch.layers
             if not layer.is_op and layer.call == 0}
    for name, real_shape in real.items():
        if name in shown:
            assert shown[name] == real_shape, (name, model)
    assert arch.output_shape == tuple(model(torch.zeros(shape)).shape)
