"""Receptive fields, jumps and starts: against hand arithmetic, DESIGN.md's facts, and the
gradient of one output position with respect to the input (an independent oracle).

The oracle: with every weight positive (1/fan-in), BatchNorm the identity (eval mode, default
statistics) and a positive input, no path can cancel another and every ReLU passes, so the
input pixels with a non-zero gradient are exactly those that can affect the chosen output
position. (float32 is enough for these small nets: the smallest product of weights along a
path, about 36⁻¹⁹, is far above float32's smallest normal number, 1e-38.) Max-pools are
swapped for average pools with the same window for the oracle: a
max-pool's gradient reaches only the arg-max, although the whole window can affect it.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.analysis.receptive import ReceptiveField
from resnet_explain.zoo.blocks import BasicBlock, Bottleneck, BottleneckV1, make_layer


# --- small models -----------------------------------------------------------------------
class Stack3(nn.Module):
    """Three layers whose fields are derived by hand in the test below."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(1, 2, 3, stride=1, padding=1)
        self.b = nn.Conv2d(2, 2, 3, stride=2, padding=1)
        self.c = nn.Conv2d(2, 2, 3, stride=1, padding=2, dilation=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(self.b(self.a(x)))


class Narrow(nn.Module):
    """The ImageNet ResNet layout (7×7/2 stem, 3×3/2 max-pool, four stages) with 2-wide
    stages: the same kernels and strides as the zoo model, so the same fields, cheap to run."""

    def __init__(self, block: type, layers: tuple[int, ...], width: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        channels, stages = width, []
        for number, count in enumerate(layers):
            stage, channels = make_layer(block, channels, width, count, 1 if number == 0 else 2,
                                         "B")
            stages.append(stage)
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class NarrowCifar(nn.Module):
    """The CIFAR ResNet-20 layout with option A shortcuts (subsampling, zero channels)."""

    def __init__(self, n: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 2, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(2)
        self.relu = nn.ReLU()
        channels, stages = 2, []
        for number, width in enumerate((2, 3, 4)):
            stage, channels = make_layer(BasicBlock, channels, width, n, 1 if number == 0 else 2,
                                         "A")
            stages.append(stage)
        self.stages = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.relu(self.bn1(self.conv1(x))))


class Odd(nn.Module):
    """Dilation, a ceil-mode pool, an unpadded strided conv, a padded shortcut that is wider
    than the main path (so the union is decided by the shortcut), and a concatenation."""

    def __init__(self) -> None:
        super().__init__()
        self.dil = nn.Conv2d(1, 2, 3, padding=2, dilation=2)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.down = nn.Conv2d(2, 2, 3, stride=2)
        self.main = nn.Conv2d(2, 2, 1)
        self.wide = nn.Conv2d(2, 2, 5, padding=2)
        self.side = nn.Conv2d(2, 2, (1, 3), padding=(0, 1))
        self.last = nn.Conv2d(6, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(self.pool(self.dil(x)))
        y = self.main(x) + self.wide(x)
        return self.last(torch.cat([y, self.side(x), x], 1))


# --- the gradient oracle ----------------------------------------------------------------
def _positive(model: nn.Module) -> nn.Module:
    """Every weight 1/fan-in, biases 0, BatchNorm the identity, max-pools as average pools."""
    for name, child in list(model.named_children()):
        if isinstance(child, nn.MaxPool2d):
            setattr(model, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                              ceil_mode=child.ceil_mode))
        else:
            _positive(child)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, nn.BatchNorm2d):
                module.reset_parameters()
                module.reset_running_stats()
    return model.eval()


def _check_against_gradient(model: nn.Module, size: int, channels: int = 3) -> int:
    """Compare the field of every module call with a map output (first calls) with the
    gradient oracle, at the first output position whose field lies inside the image; every
    one of them must fit. Returns how many were checked."""
    arch = explain(model, (1, channels, size, size))
    model = _positive(model)
    outputs: dict[str, torch.Tensor] = {}

    def keep_first(name: str):  # a hook that returns None: it must not replace the output
        def hook(_module: nn.Module, _inputs: object, out: torch.Tensor) -> None:
            outputs.setdefault(name, out)
        return hook

    hooks = [module.register_forward_hook(keep_first(name))
             for name, module in model.named_modules() if name]
    x = (torch.rand(1, channels, size, size) + 0.5).requires_grad_()
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    checked = 0
    for layer in arch.layers:
        rf = layer.receptive_field
        if layer.is_op or layer.call or rf is None or rf.whole_input:
            continue
        if layer.name not in outputs:  # the max-pool was replaced: same name, same output
            continue
        out = outputs[layer.name]
        if out.dim() != 4:
            continue
        # the first position whose field starts inside the image: ⌈−start/jump⌉
        position = [max(0, math.ceil(-rf.start[dim] / rf.jump[dim])) for dim in range(2)]
        assert all(rf.start[d] + position[d] * rf.jump[d] + rf.size[d] <= size
                   and position[d] < out.shape[2 + d] for d in range(2)), (
            f"{layer.name}: the field does not fit a {size}×{size} input; use a larger one")
        (grad,) = torch.autograd.grad(out[0, :, position[0], position[1]].sum(), x,
                                      retain_graph=True)
        seen = grad[0].abs().sum(0) > 0
        rows = torch.nonzero(seen.any(1)).flatten().tolist()
        cols = torch.nonzero(seen.any(0)).flatten().tolist()
        for dim, found in enumerate((rows, cols)):
            expected_first = rf.start[dim] + position[dim] * rf.jump[dim]
            assert (found[0], found[-1] - found[0] + 1) == (expected_first, rf.size[dim]), (
                f"{layer.name} dim {dim}: gradient covers {found[0]}…{found[-1]}, "
                f"field says start {expected_first} size {rf.size[dim]}")
        # The jump: the next position along W sees the same field shifted by jump pixels
        # (checked where it changes: after a conv or pool).
        if layer.kernel_size and position[1] + 1 < out.shape[3] and (
                rf.start[1] + (position[1] + 1) * rf.jump[1] + rf.size[1] <= size):
            (grad,) = torch.autograd.grad(out[0, :, position[0], position[1] + 1].sum(), x,
                                          retain_graph=True)
            cols_next = torch.nonzero((grad[0].abs().sum(0) > 0).any(0)).flatten().tolist()
            assert cols_next[0] - cols[0] == rf.jump[1], layer.name
        checked += 1
    return checked


# --- tests ------------------------------------------------------------------------------
def test_three_layer_stack_by_hand():
    # a: K3 S1 P1 → size 1 + 2·1 = 3, jump 1, start 0 − 1·1 = −1
    # b: K3 S2 P1 → size 3 + 2·1 = 5, jump 2, start −1 − 1·1 = −2
    # c: K3 D2 P2 → size 5 + 2·2·2 = 13, jump 2, start −2 − 2·2 = −6
    arch = explain(Stack3(), (1, 1, 32, 32))
    got = {layer.name: layer.receptive_field for layer in arch.layers}
    assert got["a"] == ReceptiveField(size=(3, 3), jump=(1, 1), start=(-1, -1))
    assert got["b"] == ReceptiveField(size=(5, 5), jump=(2, 2), start=(-2, -2))
    assert got["c"] == ReceptiveField(size=(13, 13), jump=(2, 2), start=(-6, -6))


def test_three_layer_stack_against_the_gradient():
    assert _check_against_gradient(Stack3(), 40, channels=1) == 3


def test_odd_layers_against_the_gradient():
    # dilation, ceil_mode, an unpadded stride, a union decided by the wider branch, a cat
    assert _check_against_gradient(Odd(), 48, channels=1) == 7
    arch = explain(Odd(), (1, 1, 48, 48))
    last = arch.layer("last").receptive_field
    wide = arch.layer("wide").receptive_field
    assert arch.layer("add").receptive_field == wide  # the wider branch decides the union
    assert last.size == (wide.size[0] + 2 * wide.jump[0],) * 2


@pytest.mark.parametrize("block", [BasicBlock, BottleneckV1, Bottleneck])
def test_imagenet_blocks_against_the_gradient(block):
    # stem, an identity block and three projection blocks of each kind, every layer checked
    narrow = explain(Narrow(block, (2, 1, 1, 1)), (3, 224, 224))
    modules = {layer.name for layer in narrow.layers if not layer.is_op}
    assert _check_against_gradient(Narrow(block, (2, 1, 1, 1)), 256) == len(modules) - 1


@pytest.mark.parametrize(("block", "layers", "zoo", "expected"), [
    (BasicBlock, (2, 2, 2, 2), "resnet18", 435),
    (BottleneckV1, (3, 4, 6, 3), "resnet50-v1", 483),
    (Bottleneck, (3, 4, 6, 3), "resnet50", 427),
])
def test_imagenet_fields_equal_design_facts(block, layers, zoo, expected):
    full = explain(zoo)
    # DESIGN.md's hand-derived field of the last block
    last = [layer for layer in full.layers if layer.role != "head"][-1]
    assert last.receptive_field.size == (expected, expected)
    assert last.receptive_field.jump == (32, 32)
    assert last.receptive_field.start == (-(expected // 2),) * 2  # centred on position 0
    # the narrow copy that the gradient checks (same kernels and strides) has the same fields
    narrow = explain(Narrow(block, layers), (3, 224, 224))
    assert [layer.receptive_field for layer in narrow.layers] == [
        layer.receptive_field for layer in full.layers]


def test_cifar_resnet20_option_a_against_the_gradient_and_design_facts():
    full = explain("resnet20")
    last = [layer for layer in full.layers if layer.role != "head"][-1]
    assert last.receptive_field.size == (81, 81)
    assert not last.receptive_field.inferred  # option A's subsampling is inside the main field
    narrow = explain(NarrowCifar(), (3, 32, 32))
    assert [layer.receptive_field for layer in narrow.layers] == [
        layer.receptive_field for layer in full.layers if layer.role != "head"]
    shortcut = next(layer for layer in full.layers if layer.type == "PadShortcut")
    assert shortcut.receptive_field.inferred
    assert shortcut.receptive_field.label.startswith("≈")
    small = explain(NarrowCifar(n=2), (3, 32, 32))  # the oracle on 6 blocks: a field of 53
    modules = {layer.name for layer in small.layers if not layer.is_op}
    assert _check_against_gradient(NarrowCifar(n=2), 64) == len(modules)


def test_head_sees_the_whole_input():
    arch = explain("resnet18")
    for layer in arch.layers:
        rf = layer.receptive_field
        assert rf.whole_input == (layer.role == "head"), layer.name
    assert arch.layer("fc").receptive_field.size == (224, 224)
    assert arch.layer("fc").receptive_field.label == "all 224"


def test_layer_table_and_json_show_the_field():
    arch = explain("resnet18")
    text = arch.table("text")
    assert "RF /jump" in text.splitlines()[2]
    assert " 435 /32 " in text
    data = json.loads(arch.to_json())
    layer = data["layers"][-4]  # the last block's final ReLU, before the average pool
    assert (layer["name"], layer["call"]) == ("layer4.1.relu", 1)
    assert (layer["receptive_field"], layer["jump"], layer["rf_start"]) == (
        [435, 435], [32, 32], [-217, -217])
    fc = data["layers"][-1]
    assert (fc["receptive_field"], fc["jump"], fc["rf_start"]) == ([224, 224], None, None)
    assert data["schema_version"] == 1


@settings(max_examples=40, deadline=None)
@given(kernel=st.integers(1, 5), stride=st.integers(1, 3), padding=st.integers(0, 2),
       dilation=st.integers(1, 3), kernel2=st.integers(1, 4), stride2=st.integers(1, 3))
def test_two_convs_follow_the_closed_form(kernel, stride, padding, dilation, kernel2, stride2):
    """r₂ = 1 + D(K₁−1) + (K₂−1)·S₁, j₂ = S₁S₂, start₂ = −P₁ (the second conv is unpadded)."""
    model = nn.Sequential(nn.Conv2d(1, 1, kernel, stride, padding, dilation),
                          nn.Conv2d(1, 1, kernel2, stride2))
    size = dilation * (kernel - 1) + 1 + stride * (kernel2 + stride2) + 4
    arch = explain(model, (1, 1, size, size))
    second = arch.layers[1].receptive_field
    assert second.size == (1 + dilation * (kernel - 1) + (kernel2 - 1) * stride,) * 2
    assert second.jump == (stride * stride2,) * 2
    assert second.start == (-padding,) * 2


def test_transposed_convolution_against_the_gradient():
    """Upsampling: the field of a transposed conv, compared with the gradient oracle."""
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1),
                          nn.ConvTranspose2d(2, 2, 4, stride=2, padding=1))
    arch = explain(model, (1, 1, 32, 32))
    rf = arch.layers[1].receptive_field
    assert rf.inferred and rf.label.startswith("≈")
    positive = _positive(model)
    x = (torch.rand(1, 1, 32, 32) + 0.5).requires_grad_()
    out = positive(x)
    # output 11 reads inputs 5 and 6 of the transposed conv (i·2 − 1 + k = 11, k < 4), whose
    # fields (3 wide, 2 apart) cover pixels 9…11 and 11…13: 5 pixels
    (grad,) = torch.autograd.grad(out[0, :, 11, 11].sum(), x)
    rows = torch.nonzero((grad[0].abs().sum(0) > 0).any(1)).flatten().tolist()
    assert (rows[0], rows[-1] - rows[0] + 1) == (9, rf.size[0]) == (9, 5)
