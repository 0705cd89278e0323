"""Real implementations' mistakes (the seed notes' point 8) are made visible, with the reason."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.zoo import MODEL_NAMES


@pytest.fixture(scope="module")
def seed002():
    path = Path(__file__).parent / "fixtures" / "seed002_resnet50.py"
    spec = importlib.util.spec_from_file_location("seed002_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return explain(module.resnet_50(224), (1, 3, 224, 224))


def test_seed_002_mistakes_are_each_reported(seed002):
    text = "\n".join(seed002.warnings)
    # 3 biased convs per block × 16 blocks, each feeding only a BatchNorm.
    assert "48 conv layer(s) with a bias feed straight into BatchNorm" in text
    assert "16 BatchNorm module(s) run more than once (layer_1.0.bn3" in text
    assert "16 shortcut(s) hold an activation (layer_1.0" in text
    assert "fc takes 2048·7·7 = 100,352 inputs from an unpooled 7×7 map" in text
    assert f"({7 * 7 * 2048 * 1000 + 1000:,} parameters)" in text
    assert "Warning: 16 BatchNorm" in seed002.table("text", depth="stage")


def test_max_pool_without_padding_is_reported():
    stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3), nn.MaxPool2d(3, 2))
    arch = explain(stem, (1, 3, 224, 224))
    assert arch.layer("1").output_shape[2] == 55
    (warning,) = arch.warnings
    assert warning.startswith("1 turns 112 into 55 (55 = ⌊(112 − 3)/2⌋ + 1), not 56")
    # The last window starts at 2·54 = 108 and ends at 110: pixel 111 is never read.
    assert "(its windows never read the last row)" in warning
    assert warning.endswith("padding 1 for a 3×3 kernel divides the size exactly")


def test_an_odd_map_that_loses_no_pixel_is_not_warned_about():
    # Inception's stem at 299: valid (unpadded) 3×3/2 convs and pools give 149, 147, 73 — the
    # sizes its paper prints. The last window of 299 → 149 covers 296–298: every pixel is
    # read, so nothing is lost and there is nothing to warn about (issue 23).
    stem = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2), nn.ReLU(), nn.Conv2d(32, 32, 3),
                         nn.ReLU(), nn.MaxPool2d(3, 2))
    arch = explain(stem, (1, 3, 299, 299))
    assert [layer.output_shape[2] for layer in arch.layers if layer.size_checks] == \
        [149, 147, 73]
    assert arch.warnings == []
    # An odd map that does lose pixels is told the ceiling: 13 → 5 with a 4×4/2 window
    # reads up to 2·4 + 3 = 11, so row 12 is never read.
    (warning,) = explain(nn.Conv2d(3, 8, 4, 2), (1, 3, 13, 13)).warnings
    assert warning.startswith("Conv2d turns 13 into 5 (5 = ⌊(13 − 4)/2⌋ + 1), not 7 ")
    assert "(its windows never read the last row)" in warning
    assert warning.endswith("gives ⌈13/2⌉ = 7") and "exactly" not in warning
    # An even map the stride should halve, over-padded: every pixel read, the size still off.
    (warning,) = explain(nn.Conv2d(3, 8, 3, 2, padding=2), (1, 3, 56, 56)).warnings
    assert "turns 56 into 29" in warning and "(its windows still read every input pixel)" \
        in warning
    # A 5×5/2 conv without padding on 12: windows end at 2·3 + 4 = 10, so column 11 is lost.
    (warning,) = explain(nn.Conv2d(3, 8, 5, 2), (1, 3, 12, 12)).warnings
    assert "not 6 (its windows never read the last row)" in warning


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if n != "resnet1202"])
def test_the_reference_zoo_is_clean(name):
    assert explain(name).warnings == []


def test_kinds_come_from_the_base_class_not_the_class_name():
    class Normaliser(nn.BatchNorm2d):  # a BatchNorm under another name
        pass

    class Gate(nn.ReLU):
        pass

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)  # bias=True, then BatchNorm
            self.norm = Normaliser(8)
            self.skip = nn.Sequential(nn.Conv2d(3, 8, 1, bias=False), Gate())

        def forward(self, x):
            return self.norm(self.conv(x)) + self.skip(x)

    arch = explain(Net(), (1, 3, 8, 8))
    assert arch.layer("norm").kind == "batch_norm" and arch.layer("skip.1").kind == "activation"
    text = "\n".join(arch.warnings)
    assert "1 conv layer(s) with a bias feed straight into BatchNorm (conv)" in text
    assert "1 shortcut(s) hold an activation" in text


class SamePadConv(nn.Conv2d):
    """timm's Conv2dSame: TensorFlow's 'same' padding, done in its own forward (more at the
    end than at the start when the total is odd); its ``padding`` attribute stays 0."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size, (k,), (s,) = x.shape[-1], set(self.kernel_size), set(self.stride)
        total = max((-(-size // s) - 1) * s + k - size, 0)
        x = F.pad(x, (total // 2, total - total // 2) * 2)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class PoolFirstConv(nn.Conv2d):
    """An octave convolution's low-frequency path: the forward average-pools its input to
    half size before the conv, so its stride attribute (1) is not how it downsamples."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.avg_pool2d(x, 2), self.weight, self.bias, self.stride, self.padding)


@pytest.mark.parametrize(("side", "formula"), [
    (16, "8 = ⌊(16 + 0 + 1 − 3)/2⌋ + 1"),   # 'same': ⌈16/2⌉, one more row at the end
    (15, "8 = ⌊(15 + 2·1 − 3)/2⌋ + 1"),     # an even total, split evenly
    (17, "9 = ⌊(17 + 2·1 − 3)/2⌋ + 1"),
])
def test_a_conv_that_pads_in_its_own_forward_is_checked_against_what_ran(side, formula):
    arch = explain(nn.Sequential(SamePadConv(3, 8, 3, stride=2)), (1, 3, side, side))
    (layer,) = arch.layers
    # The module holds padding=0; its forward's F.pad and F.conv2d are what ran. The check
    # uses them, on the layer's own input: ⌈side/2⌉, as PyTorch traced.
    assert layer.own_forward and layer.output_shape[-1] == -(-side // 2)
    assert layer.formula == formula and layer.formula_ok
    assert arch.warnings == []


class SamePadPool(nn.MaxPool2d):
    """timm's MaxPool2dSame: pads with -inf in its own forward, then pools unpadded."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 1, 0, 1), value=float("-inf"))
        return F.max_pool2d(x, self.kernel_size, self.stride, 0, self.dilation, self.ceil_mode)


def test_a_pool_that_pads_in_its_own_forward_is_checked_against_what_ran():
    (layer,) = explain(nn.Sequential(SamePadPool(3, 2)), (1, 3, 16, 16)).layers
    assert layer.formula == "8 = ⌊(16 + 0 + 1 − 3)/2⌋ + 1" and layer.own_forward


def test_a_conv_whose_own_forward_cannot_be_read_says_why_it_may_disagree():
    arch = explain(nn.Sequential(PoolFirstConv(3, 8, 3, padding=1)), (1, 3, 16, 16))
    (layer,) = arch.layers
    # Its conv reads a pooled map, not the layer's input: the attributes stand, and disagree.
    assert layer.output_shape == (1, 8, 8, 8) and layer.own_forward
    assert layer.formula == "16 = ⌊(16 + 2·1 − 3)/1⌋ + 1  ≠ traced 8"
    assert arch.warnings[0] == (
        "0: traced size disagrees with the formula: 16 = ⌊(16 + 2·1 − 3)/1⌋ + 1  ≠ traced 8 — "
        "PoolFirstConv replaces PyTorch's forward with one that is not a single conv or pool "
        "on its padded input (an octave convolution pools first), so the kernel, stride and "
        "padding it holds need not be what ran")
    # A subclass that keeps PyTorch's forward is PyTorch's conv: no such excuse.
    class Renamed(nn.Conv2d):
        pass

    assert not explain(Renamed(3, 8, 3, stride=2), (1, 3, 16, 16)).layers[0].own_forward


class TokenProjection(nn.Module):
    """A transformer's attention output (torchvision's Swin): heads × tokens × dims put back
    to tokens × width by a reshape, then a linear layer on each token's 32 values."""

    def __init__(self) -> None:
        super().__init__()
        self.patches = nn.Conv2d(3, 32, 4, 4)
        self.proj = nn.Linear(32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patches(x)  # (B, 32, 4, 4): 16 tokens of width 32
        b = x.shape[0]
        heads = x.reshape(b, 4, 8, 16).transpose(2, 3)  # (B, 4 heads, 16 tokens, 8 dims)
        return self.proj(heads.transpose(1, 2).reshape(b, 16, 32))


def test_a_linear_layer_on_tokens_is_no_unpooled_head():
    # The reshape's input is 4-D with 4·8 positions, but the linear layer reads 32 values,
    # not 16·4·8 = 512: nothing was flattened into it. Found on torchvision's swin_t.
    arch = explain(TokenProjection(), (1, 3, 16, 16))
    assert arch.layer("proj").input_shape == (1, 16, 32)
    assert arch.warnings == []


def test_a_transposed_conv_upsamples_and_is_no_downsampling_to_judge():
    # A stride-2 transposed conv takes 7 to 14 = (7 − 1)·2 − 2·1 + (4 − 1) + 1 (a decoder's
    # upsampling, CenterNet's); it was told "not 4 = ⌈7/2⌉" as if it downsampled.
    decoder = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ConvTranspose2d(8, 8, 4, 2, 1))
    arch = explain(decoder, (1, 3, 7, 7))
    assert arch.layer("1").output_shape == (1, 8, 14, 14) and arch.layer("1").formula_ok
    assert arch.warnings == []


class ChannelsLastMLP(nn.Module):
    """ConvNeXt's pattern: a linear layer and a dropout on a channels-last map (N, H, W, C),
    permuted back, a norm, then a 2×2 stride-2 conv that halves the map exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 4, 4)
        self.mlp = nn.Linear(16, 16)
        self.drop = nn.Dropout(0.1)
        self.norm = nn.BatchNorm2d(16)
        self.down = nn.Conv2d(16, 32, 2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = self.drop(self.mlp(x.permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        return self.down(self.norm(x))


def test_the_size_before_a_pad_is_not_read_across_a_channels_last_layer():
    # Walking back from `down` for a pad in front of it, the dropout's (1, 14, 14, 16) was
    # read as a map of width 16: "down turns 16 into 7, not 8" (timm's convnext_* had 19
    # such warnings). 14 → 7 is exact.
    arch = explain(ChannelsLastMLP(), (1, 3, 56, 56))
    assert arch.layer("down").output_shape == (1, 32, 7, 7)
    assert arch.warnings == []


class _Forgot(nn.Module):
    """A forward that computes and forgets to return."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> None:
        self.conv(x)


class _Loss(_Forgot):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # a 0-dim tensor is an output
        return self.conv(x).mean()


class _Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # the input, returned, is one too
        return x


def test_a_forward_that_returns_nothing_is_asked_about_its_return():
    warning = ("The model's forward returns no tensor, so its output has no shape: does it "
               "miss its `return` statement?")
    assert explain(_Forgot(), (1, 3, 8, 8)).warnings == [warning]
    assert explain(_Loss(), (1, 3, 8, 8)).warnings == []
    assert explain(_Identity(), (1, 3, 8, 8)).warnings == []


class _ListBlock(nn.Module):
    """A student's block whose two convolutions live in a plain Python list: the forward runs
    them, but the model does not register them."""

    def __init__(self, width: int, registered: bool) -> None:
        super().__init__()
        convs = [nn.Conv2d(width, width, 3, padding=1) for _ in range(2)]
        self.convs = nn.ModuleList(convs) if registered else convs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for conv in self.convs:
            out = F.relu(conv(out))
        return out + x


class _ListNet(nn.Module):
    def __init__(self, registered: bool) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = nn.Sequential(_ListBlock(16, registered), _ListBlock(16, registered))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))


def test_layers_in_a_plain_list_are_found_by_their_unregistered_parameters():
    student = _ListNet(registered=False)
    arch = explain(student, (3, 32, 32))
    # 2 blocks × 2 convs × (16·16·3·3 weights + 16 biases) = 9,280 values
    assert arch.warnings == [
        "The modules 'blocks.0' and 'blocks.1' compute with 8 parameters (9,280 values) that "
        "the model does "
        "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
        "nn.ModuleDict): the optimizer does not train them, .to() does not move them, "
        "state_dict() does not save them, and the parameter counts here leave them out"]
    assert arch.total_params == sum(p.numel() for p in student.parameters()) == 618
    fixed = explain(_ListNet(registered=True), (3, 32, 32))
    assert fixed.warnings == [] and fixed.total_params == 618 + 9_280
    assert fixed.depth_formula == "6 = 1 + 2×(2) + 1"
    # Holding no registered module, each student block is one opaque layer of its own: the
    # depth cannot see inside it, and the warning above says why.
    assert arch.depth_formula == "2 = 2 weighted layers on the longest path (no residual blocks)"


@settings(max_examples=40, deadline=None)
@given(size=st.integers(5, 40), kernel=st.integers(1, 5), stride=st.integers(2, 3),
       padding=st.integers(0, 2))
def test_an_inexact_downsampling_warning_states_true_arithmetic(size, kernel, stride,
                                                                padding):
    """Whatever the sizes: a warning's padding gives ⌈size/S⌉ in a real forward, its
    "never read" is the windows' own reach, and no warning is given where the stride divides
    exactly or an odd map loses no pixel."""
    if 2 * padding > kernel - 1 or kernel > size + 2 * padding:
        return  # PyTorch refuses padding over half the kernel; the map must fit a window
    conv = nn.Conv1d(1, 1, kernel, stride, padding)
    arch = explain(conv, (1, 1, size))
    traced = arch.layers[0].output_shape[-1]
    expected = -(-size // stride)
    found = [f for f in arch.findings if f.kind == "inexact_downsampling"]
    reach = (traced - 1) * stride - padding + kernel - 1  # the last input index read
    if not found:
        assert traced == expected or (size % stride and reach >= size - 1)
        return
    (finding,) = found
    assert traced != expected and finding.facts["expected"] == expected
    assert finding.facts["unread"] == max(size - 1 - reach, 0)
    fix = finding.facts["padding"]
    if fix is not None:
        fixed = nn.Conv1d(1, 1, kernel, stride, fix)(torch.zeros(1, 1, size))
        assert fixed.shape[-1] == expected
