"""The analysis reads the structures real ResNet code builds (see tests/structures.py).

Rules under test (docs/depth.md and docs/findings.md):

* a residual block is ``x + F(x)`` where the shortcut carries the block's whole input — not a
  slice of it (Res2Net), not a map from another pyramid level (FPN), and a gate (SE/SK) is a
  multiplication whose layers are off the plain path;
* a stage starts where a block changes the width or the resolution (dilated ResNets);
* the plain depth is the longest weighted path to any of the model's outputs;
* an explicit pad layer in front of a pool counts as its padding;
* the analysis never raises on a model PyTorch runs (a property over random data-flow graphs).

Expected numbers are derived by hand in each test from the model's definition.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest
import structures as S
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.analysis import analyse
from resnet_explain.analysis.depthname import named_depth
from resnet_explain.architecture import Role, ShortcutKind, StageKind
from resnet_explain.errors import BadInputSize, TraceFailure
from resnet_explain.trace import trace


def _counts(arch) -> list[int]:
    return [len(stage.blocks) for stage in arch.stages if stage.kind == StageKind.BLOCKS]


# --- blocks ----------------------------------------------------------------------------
def test_a_feature_pyramid_adds_no_blocks_and_no_stages():
    arch = explain(S.FPN(), (3, 64, 64))
    # The body's 8 BasicBlocks; the 3 top-down adds join a map from a coarser level.
    assert len(arch.blocks) == 8 and _counts(arch) == [2, 2, 2, 2]
    assert [s.name for s in arch.stages] == ["conv1", "conv2_x", "conv3_x", "conv4_x",
                                             "conv5_x", "head"]
    top_down = [la for la in arch.layers if la.type == "add" and la.block is None]
    assert len(top_down) == 3 and {la.role for la in top_down} == {Role.HEAD}
    # The pyramid's convs are the head, not an "fc".
    assert all(arch.layers[i].role == Role.HEAD for i in arch.head.layers)
    # First output (the finest map): stem 1 + 8 blocks × 2 + lateral 1x1 of c5 + output 3x3.
    assert arch.plain_depth == 1 + 16 + 1 + 1


def test_res2net_inner_adds_are_not_blocks():
    arch = explain(S.Res2Net(blocks=2), (3, 16, 16))
    assert len(arch.blocks) == 2
    assert {b.kind for b in arch.blocks} == {ShortcutKind.IDENTITY}
    inner = [la for la in arch.layers if la.type == "add" and
             all(la.index != b.add_layer for b in arch.blocks)]
    assert len(inner) == 2 * 2  # scale 4: adds before the 2nd and 3rd 3×3 of each block
    assert all(la.block is not None and la.role == Role.MAIN for la in inner)
    # The hierarchical 3×3s run one after another: 1×1, 3 × 3×3, 1×1 on the longest path.
    assert {b.main_weighted for b in arch.blocks} == {5}
    assert arch.plain_depth == 1 + 2 * 5 + 1


def test_blocks_of_different_depths_are_summed_stage_by_stage():
    # Stage 1: an unchained first block (1×1, 3×3, 1×1) and two chained ones (1×1, three
    # 3×3 in a row, 1×1); stage 2: one of each. Runs of equal blocks read depth × count.
    arch = explain(S.Res2NetStages(blocks=(3, 2)), (3, 16, 16))
    assert [b.main_weighted for b in arch.blocks] == [3, 5, 5, 3, 5]
    assert arch.plain_depth == 1 + (3 + 5 + 5) + (3 + 5) + 1
    assert arch.depth_formula == "23 = 1 + (3 + 5×2) + (3 + 5) + 1"


def test_selective_kernel_attention_is_off_the_plain_path():
    arch = explain(S.SKNet(blocks=3), (3, 16, 16))
    assert len(arch.blocks) == 3
    # Per block: one of the two parallel 3×3 paths + the plain 3×3; the reduce/select 1×1s
    # form the attention gate, which multiplies.
    assert {b.main_weighted for b in arch.blocks} == {2}
    assert arch.plain_depth == 1 + 3 * 2 + 1
    gate = [la for la in arch.layers if la.name.endswith(("reduce", "select"))]
    assert len(gate) == 6 and not any(la.on_longest_path for la in gate)


def test_a_global_context_added_to_the_map_is_off_the_plain_path():
    # GCNet adds a per-channel context (pooled over the whole map, 1×1) to every position:
    # a side branch, like SE's gate but added. Found before: its 1×1 context made every
    # block's main path "drop below the output resolution", so no block was found at all.
    model = S.GCResNet()
    arch = explain(model, (3, 16, 16))
    assert len(arch.blocks) == 4 and _counts(arch) == [2, 2]
    assert [b.kind for b in arch.blocks] == [ShortcutKind.IDENTITY, ShortcutKind.IDENTITY,
                                             ShortcutKind.PROJECTION, ShortcutKind.IDENTITY]
    # Per block 3×3, 3×3 on the plain path; the score and the two transform convs are not.
    assert {b.main_weighted for b in arch.blocks} == {2}
    assert arch.plain_depth == 1 + 4 * 2 + 1
    assert arch.depth_formula == "10 = 1 + 2×(2+2) + 1"
    context = [la for la in arch.layers if ".attention." in la.name and la.weighted]
    assert len(context) == 4 * 3 and not any(la.on_longest_path for la in context)
    assert arch.weighted_layers == arch.plain_depth + arch.shortcut_projections + len(context)
    assert arch.shortcut_projections == 1
    # The context's add stays inside its block's main path; it is no block of its own.
    adds = [la for la in arch.layers if la.type == "add"]
    assert len(adds) == 8 and {la.role for la in adds} == {Role.MAIN}
    assert arch.total_params == sum(p.numel() for p in model.parameters())


class DownUp(nn.Module):
    """A top-down add with no residual block: a lateral 1×1 of a map plus the same map
    taken down to half size and brought back up (a one-level feature pyramid)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.lateral = nn.Conv2d(8, 8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.lateral(x) + F.interpolate(self.down(x), scale_factor=2.0)


def test_a_gate_computed_at_a_lower_resolution_does_not_hide_the_block():
    # The gate dips to a quarter of the map and comes back; the data itself flows at full
    # size (1×1, 3×3, ×gate, 3×3, 1×1), so each add is x + F(x). Found before: the dip made
    # the main path "drop below the block's resolution" and SCNet had no blocks at all.
    arch = explain(S.SCNet(blocks=2), (3, 16, 16))
    assert len(arch.blocks) == 2 and {b.kind for b in arch.blocks} == {ShortcutKind.IDENTITY}
    # Longest path per block: b1 1×1 → conv1 3×3 → (× gate) → conv2 3×3 → out 1×1 = 4; the
    # gate's own path (b1 → down's 3×3 → add → sigmoid → ×) is no longer.
    assert {b.main_weighted for b in arch.blocks} == {4}
    assert arch.depth_formula == "10 = 1 + 4×(2) + 1"
    # The gate's inner add (x + its upsampled coarse map) is no block of its own.
    inner = [la for la in arch.layers if la.type == "add" and ".b2." in la.name]
    assert len(inner) == 2 and {la.role for la in inner} == {Role.MAIN}


class AttentionUnit(nn.Module):
    """A residual attention unit (a non-local block, timm's bilinear attention transform):
    ``x + conv(attention(x))``, the attention computed at a coarser 4×4 grid."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.query = nn.Conv2d(channels, channels, 1)
        self.mix = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grid = F.adaptive_avg_pool2d(self.query(x), 4)
        weights = F.interpolate(grid, size=x.shape[2:]).sigmoid()
        return x + self.mix(x * weights)


class AttentionBlock(nn.Module):
    """A basic block with an attention unit between its two 3×3 convs."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.a = S.conv_bn(c_in, c_out, 3, stride)
        self.attn = AttentionUnit(c_out)
        self.b = S.conv_bn(c_out, c_out)
        self.down = S.conv_bn(c_in, c_out, 1, stride) if stride != 1 or c_in != c_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.down is None else self.down(x)
        return F.relu(self.b(self.attn(F.relu(self.a(x)))) + shortcut)


def test_a_residual_unit_inside_a_block_is_part_of_its_main_path():
    # Found before: the inner unit's add (first in call order) became the block, and the
    # real block around it was dropped because blocks do not nest.
    model = nn.Sequential(S.conv_bn(3, 8), AttentionBlock(8, 8), AttentionBlock(8, 16, 2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    arch = explain(model, (3, 16, 16))
    assert [b.name for b in arch.blocks] == ["1", "2"]
    assert [b.kind for b in arch.blocks] == [ShortcutKind.IDENTITY, ShortcutKind.PROJECTION]
    # Per block: a, then query → mix inside the unit (its longest path), then b = 4.
    assert {b.main_weighted for b in arch.blocks} == {4}
    assert arch.depth_formula == "10 = 1 + 4×(1+1) + 1"
    inner = [la for la in arch.layers if la.name.endswith("attn.add")]
    assert [la.block for la in inner] == ["1", "2"] and {la.role for la in inner} == {Role.MAIN}
    # (A skip around two blocks stays no block: test_blocks_do_not_nest.)


class ChannelGate(nn.Module):
    """CBAM's channel attention: one MLP (two 1×1 convs) on the average- and on the
    max-pooled map, the two results summed, a sigmoid, the map scaled by it."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Conv2d(channels, 4, 1), nn.ReLU(), nn.Conv2d(4, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        summed = self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1))
        return x * torch.sigmoid(summed)


class ShakeBlock(nn.Module):
    """Shake-shake: two parallel 3×3-3×3 branches, summed (the random weights of training
    are ½ each at test time), plus the identity."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.b1, self.b2 = (nn.Sequential(S.conv_bn(channels, channels), nn.ReLU(),
                                          S.conv_bn(channels, channels)) for _ in range(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + (0.5 * self.b1(x) + 0.5 * self.b2(x)))


def test_two_equal_paths_summed_are_no_block():
    # Found before: the first add of each block (CBAM's two MLP results, shake-shake's two
    # branches) became the "block", its second path a "projection shortcut" (cbam_resnet50:
    # 32 projections; shake-shake ResNet-20: 18), and the real block was dropped.
    cbam = explain(nn.Sequential(S.conv_bn(3, 8), S.AttendedBasic(8, 8, attention=ChannelGate),
                                 S.AttendedBasic(8, 16, 2, attention=ChannelGate)), (3, 16, 16))
    assert [b.name for b in cbam.blocks] == ["1", "2"]
    assert [b.kind for b in cbam.blocks] == [ShortcutKind.IDENTITY, ShortcutKind.PROJECTION]
    assert cbam.shortcut_projections == 1
    # The gate multiplies: its MLPs are off the plain path (1 + 2 × 2).
    assert {b.main_weighted for b in cbam.blocks} == {2} and cbam.plain_depth == 5
    shake = explain(nn.Sequential(S.conv_bn(3, 8), ShakeBlock(8), ShakeBlock(8)), (3, 16, 16))
    assert [b.name for b in shake.blocks] == ["1", "2"]
    assert {b.kind for b in shake.blocks} == {ShortcutKind.IDENTITY}
    assert shake.shortcut_projections == 0
    # Either branch is the longest path through a block: 2 weighted layers.
    assert {b.main_weighted for b in shake.blocks} == {2} and shake.plain_depth == 1 + 2 * 2


def test_a_network_without_blocks_says_why():
    from resnet_explain.diagram.block import find_block
    from resnet_explain.errors import UserError

    pyramid = explain(DownUp(), (3, 16, 16))
    assert pyramid.blocks == [] and len(pyramid.branch_adds) == 1
    line = "Residual blocks: none (an add joins two branches, but none is x + F(x) of a " \
        "block's whole input)"
    assert line in pyramid.table("text").splitlines()
    with pytest.raises(UserError, match="an add joins two branches, but none is x"):
        find_block(pyramid, "conv2_1")
    plain = explain(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3)),
                    (3, 16, 16))
    assert plain.branch_adds == []
    assert "Residual blocks: none (no two branches are added anywhere)" in plain.table("text")
    assert plain.depth_formula == "2 = 2 weighted layers on the longest path (no residual blocks)"
    # Its one stage has no blocks, said in words rather than "×0 blocks" (and "--" in a cell).
    assert "network  no residual blocks" in plain.table("text", depth="layer")
    assert repr(plain.stages[0]).startswith("<Stage network no residual blocks:")
    assert "no residual blocks" in plain._repr_html_() and "×0" not in plain._repr_html_()
    stage_row = plain.table("text", depth="stage").splitlines()[4].split()
    assert stage_row[:3] == ["network", "--", "--"]
    one = explain(nn.Conv2d(3, 8, 3), (3, 16, 16))
    assert one.depth_formula == "1 = 1 weighted layer on the longest path (no residual blocks)"


def test_the_tiny_resnet_reference():
    arch = explain(S.TinyResNet(), (3, 64, 64))
    assert _counts(arch) == [2, 2, 2, 2] and arch.plain_depth == 18
    assert [b.stride for b in arch.blocks] == [1, 1, 2, 1, 2, 1, 2, 1]


def test_a_dilated_resnet_keeps_its_stages():
    plain, dilated = explain(S.TinyResNet((2, 3, 4, 2)), (3, 64, 64)), \
        explain(S.TinyResNet((2, 3, 4, 2), dilate=True), (3, 64, 64))
    assert _counts(plain) == _counts(dilated) == [2, 3, 4, 2]
    assert plain.plain_depth == dilated.plain_depth == 1 + 2 * 11 + 1
    # The dilated stages keep the 8×8 map: stride 1, channels 16→32 and 32→64.
    first = [b for b in dilated.blocks if b.index_in_stage == 1]
    assert [b.stride for b in first] == [1, 2, 1, 1]
    assert [b.output_shape[1:] for b in first][2:] == [(32, 8, 8), (64, 8, 8)]


def test_a_fork_4d_on_one_side_and_2d_at_the_add_does_not_crash():
    arch = explain(S.FlattenFork(), (3, 8, 8))
    assert arch.plain_depth == 1 + 2  # conv, then fc1 → fc3 (fc2 is the shortcut)
    block = arch.blocks[0]
    assert block.kind == ShortcutKind.PROJECTION and "shape 4×8×8 → 16" in block.reason
    assert arch.table("text") and arch.to_json()


class GlobalSkip(nn.Module):
    """EDSR-style: residual blocks inside a body whose input is added back at the end."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.body = nn.Sequential(S.Basic(8, 8), S.Basic(8, 8), nn.Conv2d(8, 8, 3, padding=1))
        self.tail = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.tail(self.body(x) + x)


def test_blocks_do_not_nest():
    arch = explain(GlobalSkip(), (3, 16, 16))
    assert len(arch.blocks) == 2  # the two BasicBlocks; the global add is a long skip
    assert sum(b.params for b in arch.blocks) + arch.stem.params + arch.head.params \
        == arch.total_params
    assert arch.plain_depth == 1 + 2 * 2 + 1 + 1


class TwiceAdded(nn.Module):
    """The same F(x) added to x twice (found by the property test below)."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn(x)
        return (x + y) * (x + y)


def test_blocks_share_no_layers():
    arch = explain(TwiceAdded(), (3, 4, 4))
    assert len(arch.blocks) == 1 and arch.blocks[0].params == 6 == arch.total_params


# --- one layer per call ------------------------------------------------------------------
class _Distinct(nn.Module):
    """A conv whose hyper-parameters all differ (kernel 5, stride 2, padding 4, dilation 3,
    3 → 8 channels), a pool, a linear layer reusing a tensor, and functional ops."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=5, stride=2, padding=4, dilation=3)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.fc = nn.Linear(8 * 4 * 4, 6, bias=False)
        self.out = nn.Linear(6, 6)
        self.out.weight = nn.Parameter(torch.zeros(6, 6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(F.relu(self.conv(x)))
        return self.out(self.fc(torch.flatten(y, 1))) + 1


def test_each_layer_holds_its_calls_record():
    # The analysis builds each Layer with positional arguments (its hottest constructor): a
    # field out of place would put one number under another's name.
    traced = trace(_Distinct(), (1, 3, 16, 16))
    arch = analyse(traced, "distinct")
    assert len(arch.layers) == len(traced.calls) > 5
    for call, layer in zip(traced.calls, arch.layers):
        attrs = call.attrs
        for name in ("index", "name", "type", "is_op", "call", "inputs", "input_shapes",
                     "output_shape", "scope"):
            assert getattr(layer, name) == getattr(call, name), name
        for name in ("params", "trainable_params", "pooling", "kernel_size", "stride",
                     "dilation", "groups", "in_channels", "out_channels", "bias"):
            assert getattr(layer, name) == getattr(attrs, name), name
        assert layer.shared_with == list(attrs.shared_with)
        assert layer.own_forward == attrs.own_forward
        assert layer.kind == attrs.kind
        assert layer.weighted == (attrs.kind in ("conv", "linear"))
        assert layer.padding == attrs.padding
        assert [check.padding for check in layer.size_checks] == list(layer.padding or ()) or \
            not layer.size_checks
    conv = arch.layer("conv")
    assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == (
        (5, 5), (2, 2), (4, 4), (3, 3))
    assert (conv.in_channels, conv.out_channels, conv.groups, conv.bias) == (3, 8, 1, True)
    assert conv.params == 3 * 8 * 25 + 8
    assert conv.macs == 3 * 25 * 8 * 6 * 6  # 16 → ⌊(16 + 2·4 − 3·4 − 1)/2⌋ + 1 = 6
    assert [check.traced for check in conv.size_checks] == [6, 6]
    assert arch.layer("fc").macs == 128 * 6 and arch.layer("fc").params == 128 * 6


# --- several outputs -------------------------------------------------------------------
def test_depth_is_the_longest_path_to_any_output():
    model = S.FPN()
    traced = trace(model, (1, 3, 64, 64))
    output = {layer.name: layer.index for layer in traced.calls}
    finest, coarsest = output["output.0"], output["output.3"]
    both = analyse(dataclasses.replace(traced, output_producers=[coarsest, finest]), "fpn")
    only_coarse = analyse(dataclasses.replace(traced, output_producers=[coarsest]), "fpn")
    assert only_coarse.plain_depth == 1 + 16 + 1 + 1  # body, lateral, output conv
    assert both.plain_depth == 1 + 16 + 1 + 1
    assert both.output_layers == [coarsest, finest]
    assert len(both.blocks) == 8


def test_every_output_is_said_with_its_shape():
    # A pyramid returns four maps: the header says so, not just the first one's shape.
    model = S.FPN()
    arch = explain(model, (2, 3, 64, 64))
    with torch.no_grad():
        real = [tuple(t.shape) for t in model.eval()(torch.zeros(2, 3, 64, 64))]
    assert arch.output_shapes == real and arch.output_shape == real[0]
    assert arch.to_dict()["output_shapes"] == [list(shape) for shape in real]
    said = ("[2, 3, 64, 64] → 4 outputs: [2, 16, 16, 16], [2, 16, 8, 8], [2, 16, 4, 4], "
            "[2, 16, 2, 2]")
    assert arch.table("text", depth="stage").splitlines()[0] == f"FPN: {said}"
    assert repr(arch).startswith(f"<Architecture FPN: {said}, depth 19")
    assert said in re.sub(r"<[^>]+>", "", arch._repr_html_())
    # One output is said as before.
    single = explain(S.TinyResNet(), (3, 32, 32))
    assert len(single.output_shapes) == 1
    assert " → 4 outputs" not in single.table("text") and "outputs:" not in repr(single)


# --- explicit padding ------------------------------------------------------------------
def test_an_explicit_pad_before_the_pool_is_its_padding():
    padded = explain(S.PaddedPoolStem(), (3, 224, 224))
    assert padded.output_shape == (1, 8, 56, 56)  # 224 → 112 → pad 114 → 56
    assert not [w for w in padded.warnings if "divides the size" in w]
    bare = explain(S.PaddedPoolStem(explicit_pad=False), (3, 224, 224))
    assert bare.output_shape == (1, 8, 55, 55)
    assert [w for w in bare.warnings if "turns 112 into 55" in w]


# --- name vs count ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "number"), [
    ("resnet26d", 26), ("wide_resnet28_10", 28), ("WRN-28-10", 28), ("resnetrs50", 50),
    ("ResNet-RS-50", 50), ("res2net50_26w_4s", 50), ("seed002/net.py:resnet_50(224)", 50),
    ("tests/toy_models.py:StudentNet", None), ("SENet", None), ("resnet18-v2", 18),
    ("ResNet1d", None), ("Net1D", None), ("resnet3d", None),  # dimensions, not depths
    ("resnet10d", 10),
])
def test_the_depth_a_name_states(name, number):
    assert named_depth(name) == number


def test_a_deep_stem_explains_the_count():
    arch = explain(S.ResNet26DLike(), (3, 64, 64), name="resnet18d")
    assert arch.plain_depth == 3 + 16 + 1
    assert any("the name says 18, the longest path holds 20" in n and "deep stem" in n
               for n in arch.notes)


class WideResNet(nn.Module):
    """Zagoruyko & Komodakis' WRN-d-k for CIFAR (depth d = 6n + 4; k = 2 here, 10 in WRN-28-10):
    a 3×3 stem, three groups of n pre-activation basic blocks (16k, 32k, 64k filters), the
    first of each with a 1×1 projection, then BN, ReLU, pool and fc."""

    def __init__(self, depth: int = 28, k: int = 1) -> None:
        super().__init__()
        n = (depth - 4) // 6
        self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        blocks, c_in = [], 16
        for number, width in enumerate((16 * k, 32 * k, 64 * k)):
            for i in range(n):
                blocks.append(_WideBlock(c_in, width, 2 if number and not i else 1))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(c_in)
        self.fc = nn.Linear(c_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.blocks(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _WideBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(c_in), nn.BatchNorm2d(c_out)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.short = None if c_in == c_out and stride == 1 else \
            nn.Conv2d(c_in, c_out, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = F.relu(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(self.conv1(o))))
        return y + (x if self.short is None else self.short(o))


def test_the_wide_resnet_convention_explains_the_count():
    arch = explain(WideResNet(28, k=2), (3, 32, 32), name="WRN-28-10")
    # 1 + 2 × 12 + 1 = 26 on the path; 28 = 26 + 3 projections − the fc.
    assert arch.plain_depth == 26 and arch.shortcut_projections == 3
    assert _counts(arch) == [4, 4, 4]
    assert any("the name says 28, the longest path holds 26" in n and "6n + 4" in n
               for n in arch.notes)


def test_no_note_when_the_name_and_the_count_agree():
    assert not [n for n in explain("resnet50").notes if "the name says" in n]


# --- the analysis never raises on a model PyTorch runs --------------------------------
class Program(nn.Module):
    """A random data-flow graph: ``steps`` are (op, input value indices, module index)."""

    def __init__(self, steps: list[tuple[str, tuple[int, ...], int | None]],
                 modules: list[nn.Module], outputs: list[int]) -> None:
        super().__init__()
        self.steps, self.outputs = steps, outputs
        self.mods = nn.ModuleList(modules)

    def forward(self, x: torch.Tensor):
        values = [x]
        for op, args, mod in self.steps:
            values.append(_apply(op, [values[i] for i in args],
                                 self.mods[mod] if mod is not None else None))
        outs = [values[i] for i in self.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)


def _apply(op: str, ins: list[torch.Tensor], module: nn.Module | None) -> torch.Tensor:
    if module is not None:
        return module(ins[0])
    a = ins[0]
    if op == "add":
        return a + ins[1]
    if op == "mul":
        return a * ins[1]
    if op == "cat":
        return torch.cat(ins, 1)
    if op == "flatten":
        return torch.flatten(a, 1)
    if op == "gate":
        return a * torch.sigmoid(F.adaptive_avg_pool2d(a, 1))
    if op == "slice":
        return a[:, : max(1, a.shape[1] // 2)]
    if op == "upsample":
        return F.interpolate(a, scale_factor=2.0)
    return F.relu(a)


_OPS = ("conv", "conv", "pool", "linear", "add", "add", "mul", "cat", "flatten", "gate",
        "relu", "bn", "slice", "upsample")


def _module(op: str, value: torch.Tensor, draw) -> nn.Module | None:
    if op == "conv" and value.dim() == 4:
        k = draw(st.sampled_from((1, 3)))
        return nn.Conv2d(value.shape[1], draw(st.sampled_from((2, 4, 8))), k,
                         draw(st.sampled_from((1, 2))), k // 2)
    if op == "pool" and value.dim() == 4:
        pool = draw(st.sampled_from((nn.MaxPool2d, nn.AvgPool2d)))
        return pool(draw(st.sampled_from((2, 3))), draw(st.sampled_from((1, 2))),
                    draw(st.sampled_from((0, 1))))
    if op == "linear" and value.dim() == 2:
        return nn.Linear(value.shape[1], draw(st.sampled_from((3, 8))))
    if op == "bn" and value.dim() == 4:
        return nn.BatchNorm2d(value.shape[1])
    return None


@st.composite
def programs(draw) -> tuple[Program, tuple[int, ...]]:
    size = (3, draw(st.integers(4, 12)), draw(st.integers(4, 12)))
    values = [torch.zeros(1, *size)]
    steps: list[tuple[str, tuple[int, ...], int | None]] = []
    modules: list[nn.Module] = []
    for _ in range(draw(st.integers(1, 14))):
        op = draw(st.sampled_from(_OPS))
        arity = 2 if op in ("add", "mul", "cat") else 1
        args = tuple(draw(st.integers(0, len(values) - 1)) for _ in range(arity))
        module = None
        if op in ("conv", "pool", "linear", "bn"):
            module = _module(op, values[args[0]], draw)
            if module is None:
                continue
        try:
            with torch.no_grad():
                out = _apply(op, [values[i] for i in args], module)
        except (RuntimeError, ValueError, IndexError):
            continue  # PyTorch refuses this graph: not one the analysis must read
        mod_index = None
        if module is not None:
            modules.append(module)
            mod_index = len(modules) - 1
        steps.append((op, args, mod_index))
        values.append(out)
    count = draw(st.integers(1, min(3, len(values))))
    outputs = sorted(set(draw(st.lists(st.integers(1 if len(values) > 1 else 0,
                                                   len(values) - 1),
                                       min_size=1, max_size=count))))
    return Program(steps, modules, outputs).eval(), size


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_the_analysis_never_raises_on_a_graph_pytorch_runs(program):
    model, size = program
    arch = explain(model, size)
    weighted_calls = sum(layer.weighted for layer in arch.layers)
    assert 0 <= arch.plain_depth <= weighted_calls
    assert sorted(i for stage in arch.stages for i in stage.layers) == \
        [layer.index for layer in arch.layers]
    for block in arch.blocks:
        assert arch.layers[block.add_layer].type == "add" and block.stride >= 1
    assert sum(b.params for b in arch.blocks) <= sum(la.params for la in arch.layers)
    for depth in ("layer", "block", "stage"):
        assert arch.table("text", depth=depth)
    assert arch.to_json()


# --- one and three spatial dimensions -----------------------------------------------------
def _leaf_shapes(model: nn.Module, x: torch.Tensor) -> dict[str, tuple[int, ...]]:
    """Every leaf's output shape in a real forward (PyTorch's own answer)."""
    seen: dict[str, tuple[int, ...]] = {}

    def keeper(name: str):
        def hook(module: nn.Module, args: tuple, out: torch.Tensor) -> None:
            seen.setdefault(name, tuple(out.shape))  # the first call's
        return hook

    handles = [module.register_forward_hook(keeper(name))
               for name, module in model.named_modules() if name and not list(module.children())]
    with torch.no_grad():
        seen["(output)"] = tuple(model.eval()(x).shape)
    for handle in handles:
        handle.remove()
    return seen


@pytest.mark.parametrize(("dims", "size"), [(1, (1, 16000)), (3, (1, 8, 32, 32))])
def test_a_resnet_of_one_or_three_dimensions_takes_its_own_input_size(dims, size):
    model = S.SignalResNet(dims)
    arch = explain(model, size)  # C×L, C×D×H×W: a batch of one is added
    real = _leaf_shapes(model, torch.zeros(1, *size))
    assert arch.input_shape == (1, *size) and arch.output_shape == real["(output)"] == (1, 5)
    for layer in arch.layers:
        if not layer.is_op:
            assert layer.output_shape == real[layer.name], layer.name
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.depth_formula == "10 = 1 + 2×(2+2) + 1"  # stem, 2 stages of 2 blocks, fc
    assert arch.shortcut_projections == 1 and not arch.formula_mismatches
    if dims == 1:  # the stem's 7 at jump 2; a 3-wide conv adds 2 × its input's jump: five
        # at jump 2 (layer1's four, then layer2.0.conv1, stride 2), three at jump 4
        field = arch.layer("layer2.1.conv2").receptive_field
        assert (field.size, field.jump) == ((7 + 5 * 2 * 2 + 3 * 2 * 4,), (4,))
        assert not any("the name says" in note for note in arch.notes)  # "1d" is no depth
        # The projection's kernel in 1-D words (issue 23): "a conv with a kernel of 1"
        (projection,) = [b for b in arch.blocks if b.kind == "projection"]
        conv = arch.layers[projection.shortcut_layers[0]]
        assert conv.kernel_size == (1,) and conv.stride == (2,)
        assert projection.reason.endswith("so the shortcut needs a conv with a kernel of 1, "
                                          "stride 2")
    else:
        (projection,) = [b for b in arch.blocks if b.kind == "projection"]
        assert projection.reason.endswith("so the shortcut needs a 1×1×1 conv, stride 2")


def test_a_one_dimensional_model_asks_for_its_size_in_its_own_words():
    model = S.SignalResNet(1)
    with pytest.raises(BadInputSize) as refused:
        explain(model)  # no default length for a signal
    assert refused.value.message(cli=True) == (
        "SignalResNet is a 1-D model (its convolutions are Conv1d): there is no default size "
        "for it. Give C×L or N×C×L, e.g. --input 1x16000")
    assert refused.value.message(cli=False).endswith("e.g. input_size=(1, 16000)")
    with pytest.raises(BadInputSize, match=r"has 4 dimensions, and the model's forward "
                                           r"refuses it .*\. Give C×L or N×C×L"):
        explain(model, (1, 1, 16000, 2))
    assert explain(model, (4, 1, 800)).input_shape == (4, 1, 800)  # N×C×L keeps its batch


def test_a_signal_and_a_volume_are_spoken_of_in_their_own_axes():
    # The axes as PyTorch's documentation names them: L for Conv1d, D, H, W for Conv3d.
    signal = nn.Sequential(nn.Conv1d(1, 8, 7, stride=2, padding=3),
                           nn.Conv1d(8, 8, 3, stride=2))
    arch = explain(signal, (1, 100))
    assert [check.dim for check in arch.layers[1].size_checks] == ["L"]
    # 100 → 50; then ⌊(50 − 3)/2⌋ + 1 = 24, not ⌈50/2⌉ = 25: the last window starts at 46
    # and ends at 48, so sample 49 is never read.
    assert arch.warnings == [
        "1 turns 50 into 24 (24 = ⌊(50 − 3)/2⌋ + 1), not 25 (its windows never read the last "
        "sample): with stride 2, padding 1 for a kernel of 3 divides the size exactly"]
    volume = explain(nn.Sequential(nn.Conv3d(3, 8, 3, stride=2)), (3, 8, 16, 16))
    assert [check.dim for check in volume.layers[0].size_checks] == ["D", "H", "W"]
    assert "never read the last plane): with stride 2, padding 1 for a 3×3×3 kernel" in \
        volume.warnings[0]
    with pytest.raises(TraceFailure, match=r"The input is too small: 0 receives 4 samples in L "
                                           r"and its output size would be -2 = ⌊\(4 − 7\)/1⌋ \+ 1"):
        explain(nn.Sequential(nn.Conv1d(1, 8, 7)), (1, 4))


def test_a_resnet_of_linear_layers_takes_its_features():
    model = S.TabularResNet()
    arch = explain(model, (20,))  # F: a batch of one is added
    real = _leaf_shapes(model, torch.zeros(1, 20))
    assert arch.input_shape == (1, 20) and arch.output_shape == real["(output)"] == (1, 2)
    for layer in arch.layers:
        if not layer.is_op:
            assert layer.output_shape == real[layer.name], layer.name
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.depth_formula == "8 = 1 + 2×(3) + 1"  # the stem, 3 blocks of 2, the head
    assert arch.macs == 20 * 64 + 3 * (64 * 128 * 2) + 64 * 2  # in × out per linear layer
    with pytest.raises(BadInputSize, match=r"has 5 dimensions, and the model's forward "
                                           r"refuses it .*\. Give F or N×F \(features\), "
                                           r"or C×H×W or N×C×H×W, e.g\. input_size=\(20,\)"):
        explain(model, (1, 1, 1, 1, 20))
    # Without a size it gets an image's, and the lesson says what its first layer expects.
    with pytest.raises(TraceFailure, match=r"stem reads the model's input and expects its last "
                                           r"dimension to be 20, but it is 224"):
        explain(model)
    assert explain(model, (16, 20)).output_shape == (16, 2)  # N×F keeps its batch
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))  # an MNIST MLP takes its image
    assert explain(mlp, (1, 28, 28)).output_shape == (1, 10)


@pytest.mark.parametrize("flat", [False, True], ids=["stage modules", "one Sequential"])
def test_widths_that_grow_every_block_are_one_stage_per_resolution(flat):
    """PyramidNet adds α/(3n) channels every unit: three stages of three units (one per map
    size), not nine stages; the widths in each stage are the model's own."""
    model = S.PyramidNet(n=3, alpha=24, flat=flat)
    arch = explain(model, (3, 32, 32))
    stages = [s for s in arch.stages if s.kind == "blocks"]
    assert [len(s.blocks) for s in stages] == [3, 3, 3]
    assert arch.depth_formula == "20 = 1 + 2×(3+3+3) + 1"
    # Each stage's blocks, checked against a real forward: one map size per stage.
    x = torch.zeros(1, 3, 32, 32)
    sizes, widths = [], []
    x = model.bn1(model.conv1(x))
    units = list(model.units) if flat else [*model.layer1, *model.layer2, *model.layer3]
    for unit in units:
        x = unit(x)
        sizes.append(x.shape[-1])
        widths.append(x.shape[1])
    assert widths == model.widths and len(set(widths)) == 9  # a new width every unit
    for number, stage in enumerate(stages):
        shapes = {arch.block(name).output_shape[2:] for name in stage.blocks}
        assert shapes == {(sizes[3 * number],) * 2}
    assert [b.kind for b in arch.blocks].count("padded") == 9


def test_a_segmentation_head_with_an_image_pooling_branch_is_the_head_not_fc():
    """Issue 23: a 1×1 conv on a pooled map beside the output (DeepLab's image pooling) is no
    classifier: the part after the blocks is called "head"; a ResNet's stays "fc" (its last
    weighted layer on the path is the fc)."""
    model = S.SegmentationHead()
    arch = explain(model, (3, 32, 32))
    assert [s.name for s in arch.stages] == ["conv1", "conv2_x", "head"]
    assert arch.output_shape == tuple(model(torch.zeros(1, 3, 32, 32)).shape) == (1, 4, 32, 32)
    assert explain("resnet18").stages[-1].name == "fc"


def _real_outputs(model: nn.Module, x: torch.Tensor) -> dict[str, tuple[int, ...]]:
    """The output shape of every named module in a real forward of ``x``."""
    shapes: dict[str, tuple[int, ...]] = {}

    def keep(name: str):
        def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            shapes.setdefault(name, tuple(output.shape))  # returns None: output unchanged
        return hook

    handles = [module.register_forward_hook(keep(name))
               for name, module in model.named_modules() if name]
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


@pytest.mark.parametrize("staged", [False, True], ids=["between Sequentials", "in its stage"])
def test_a_down_sampling_conv_between_blocks_is_a_transition(staged):
    """Issue 23: Darknet-53's stride-2 conv that joins two stages in no block is its own row
    of the stage it starts, not the previous block's tail. By hand: stem 3·8·9+8 = 224; a
    block of two 8→8 3×3 convs 2·(576+8) = 1,168; the down conv 16·8·9 = 1,152 and its BN 32
    = 1,184; two blocks at 16, 2·2·(2,304+16) = 9,280; fc 170: 12,026 in all, and
    9 = 1 + (2) + 1 + (2×2) + 1 weighted layers on the path."""
    model = S.DarknetLike(staged)
    arch = explain(model, (1, 3, 32, 32))
    assert arch.depth_formula == "9 = 1 + (2) + 1 + (2×2) + 1"
    assert arch.total_params == sum(p.numel() for p in model.parameters()) == 12026
    assert [b.params for b in arch.blocks] == [1168, 4640, 4640]
    assert [b.tail_layers for b in arch.blocks] == [[], [], []]
    down = "stage2.conv_down" if staged else "down"
    (transition,) = arch.transitions
    assert transition.name == "conv3_x" and transition.kind == StageKind.TRANSITION
    assert [arch.layers[i].name for i in transition.layers] == [f"{down}.{k}" for k in "012"]
    assert (transition.params, transition.weighted_on_path) == (1184, 1)
    for i in transition.layers:
        layer = arch.layers[i]
        assert (layer.role, layer.stage, layer.block) == (Role.TRANSITION, "conv3_x", None)
    stages = {s.name: s for s in arch.stages}
    assert list(stages) == ["conv1", "conv2_x", "conv3_x", "fc"]
    assert stages["conv3_x"].params == 1184 + 9280
    assert stages["conv3_x"].layers[:3] == transition.layers
    # The stages' shapes against a real forward: conv2_x ends with block1's output, conv3_x
    # starts from it and ends with the last block's.
    real = _real_outputs(model, torch.zeros(1, 3, 32, 32))
    last = "stage2.blocks" if staged else "block2"
    assert stages["conv2_x"].output_shape == real["block1"] == (1, 8, 32, 32)
    assert stages["conv3_x"].input_shape == real["block1"]
    assert stages["conv3_x"].output_shape == real[last] == (1, 16, 16, 16)
    assert arch.depth_terms.transitions == (0, 1)
    data = arch.to_dict()
    assert data["depth_terms"]["transitions"] == [0, 1]
    assert {layer["role"] for layer in data["layers"]} >= {"transition"}


def test_a_network_without_transitions_keeps_its_formula_and_its_json():
    """A ResNet has no layer between its blocks: no transition, no ``transitions`` key."""
    arch = explain(S.TinyResNet(), (1, 3, 64, 64))
    assert arch.transitions == [] and arch.depth_terms.transitions == ()
    assert "transitions" not in arch.to_dict()["depth_terms"]


@pytest.mark.parametrize("how", ["split", "chunk", "slice"])
def test_a_block_on_a_channel_split_is_found(how):
    """Issue 23: a CSP stage splits the widened map and runs blocks on one half,
    ``xs, xb = self.exp(x).split(c, 1)``: both blocks are found, the first one's input is
    the half (16 of the 32 channels) and its identity shortcut carries all of it. By hand:
    stem 448, exp 16·32+32 = 544, two blocks of 2·(16·16·9+16) = 4,640, fc 330; the path
    7 = 2 + 2×(2) + 1 (stem and exp, the two blocks, the fc)."""
    model = S.CSPLike(how)
    arch = explain(model, (1, 3, 32, 32))
    assert len(arch.blocks) == 2
    assert arch.depth_formula == "7 = 2 + 2×(2) + 1"
    for block in arch.blocks:
        assert block.kind == ShortcutKind.IDENTITY and block.shortcut_layers == []
        assert block.input_shape == block.output_shape == (1, 16, 32, 32)
        assert block.params == 4640
    first = arch.layers[arch.blocks[0].main_layers[0]]
    (fork,) = first.inputs
    part = arch.layers[fork]
    assert part.type == ("slice" if how == "slice" else how) and part.is_op
    assert part.input_shape == (1, 32, 32, 32) and part.output_shape == (1, 16, 32, 32)
    assert arch.layers[arch.blocks[0].add_layer].inputs == [fork, first.index + 2]
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.output_shape == tuple(model(torch.zeros(1, 3, 32, 32)).shape)


def test_a_split_after_a_transition_goes_with_it():
    """Two CSP stages: the second one's stride-2 conv and its widening 1×1 are the
    transition into conv3_x, with both parts of its split (the part the blocks skip too).
    By hand: the down conv 32·32·9+32 = 9,248, the exp 32·32+32 = 1,056; the path
    13 = 2 + (2×2) + 2 + (2×2) + 1."""
    model = S.CSPLike("chunk", stages=2)
    arch = explain(model, (1, 3, 32, 32))
    assert len(arch.blocks) == 4
    assert arch.depth_formula == "13 = 2 + (2×2) + 2 + (2×2) + 1"
    (transition,) = arch.transitions
    names = [arch.layers[i].name for i in transition.layers]
    assert names == ["stages.1.down", "stages.1.exp", "stages.1.chunk", "stages.1.chunk"]
    assert transition.params == 9248 + 1056
    stage = next(s for s in arch.stages if s.name == "conv3_x")
    assert stage.params == 9248 + 1056 + 2 * 4640
    real = _real_outputs(model, torch.zeros(1, 3, 32, 32))
    assert stage.input_shape == real["stages.0"] == (1, 32, 32, 32)
    assert arch.blocks[2].input_shape == (1, 16, 16, 16)


def test_res2net_slices_added_stay_no_blocks():
    """The part records do not make Res2Net's ``sp + spx[i]`` a block: that shortcut takes
    a slice of the input (it is a part record), not all of it."""
    arch = explain(S.Res2Net(), (1, 3, 32, 32))
    assert all(arch.layers[i].type not in ("split", "chunk", "slice")
               for b in arch.blocks for i in b.shortcut_layers)


def test_an_index_that_takes_no_part_is_no_record():
    """Only an index by slices that takes some of the channels is a part: ``x[:, None]``,
    ``x[:]``, ``x[..., :]`` and a subsample of the map ``x[:, :, ::2]`` are not recorded."""
    class Indexing(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x)
            return y[:][..., :][:, None].squeeze(1)[:, :, ::2] + y[:, :2].sum()

    arch = explain(Indexing(), (1, 3, 8, 8))
    assert [layer.type for layer in arch.layers if layer.is_op] == ["slice", "add"]


def test_a_conv_subclass_with_a_padding_child_is_one_layer():
    """Issue 23, item 5: BiT's weight-standardised conv holds a dynamic-padding child and
    runs ``F.conv2d(self.pad(x), standardise(self.weight), …)``. It is one conv row with its
    own parameters, kernel, stride and the padding its child added, not a ``conv2d`` op with
    none. By hand, TF "SAME" at 32×32 for the stem's 7×7 stride 2: (16−1)·2+7−32 = 5 pixels,
    2 before and 3 after; at 16×16 for the 3×3 stride 2: 1 pixel, after."""
    model = S.BiTLike()
    arch = explain(model, (1, 3, 32, 32))
    modules = dict(model.named_modules())
    convs = [layer for layer in arch.layers if isinstance(modules.get(layer.name), S.WSConvSame)]
    assert len(convs) == 12 and not [layer for layer in arch.layers if layer.type == "conv2d"]
    real = _real_outputs(model, torch.zeros(1, 3, 32, 32))
    for layer in convs:
        module = modules[layer.name]
        assert layer.type == "WSConvSame" and layer.kind == "conv" and layer.weighted
        assert layer.params == module.weight.numel()
        assert layer.kernel_size == module.kernel_size and layer.stride == module.stride
        assert layer.output_shape == real[layer.name]
        assert layer.formula_ok
    assert sum(layer.params for layer in arch.layers) == arch.total_params == 71386
    stem = arch.layer("stem")
    assert (stem.size_checks[0].padding, stem.size_checks[0].padding_end) == (2, 3)
    strided = arch.layer("units.2.conv2")
    assert (strided.size_checks[0].padding, strided.size_checks[0].padding_end) == (0, 1)
    assert strided.output_shape == (1, 64, 8, 8)
    assert arch.depth_formula == "11 = 1 + 3×(2+1) + 1"
    assert [b.activation for b in arch.blocks] == ["pre"] * 3


def test_a_normalizer_free_unit_is_pre_activation():
    """Issue 23: a normalizer-free unit starts with its activation and scales its residual
    by a learnt gain before the add (no norm, nothing after the add): pre-activation."""
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), S.NFUnit(16, 32, 1),
                          S.NFUnit(32, 32, 1), S.NFUnit(32, 64, 2), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(64, 10))
    arch = explain(model, (1, 3, 32, 32))
    assert len(arch.blocks) == 3
    assert [b.activation for b in arch.blocks] == ["pre"] * 3


def test_a_transition_is_a_row_a_node_and_a_bar_of_its_own():
    """The views show a transition where it runs: a ``(transition)`` row of the block table
    (and the CSV) before the first block of conv3_x, whose rows add up to the total; a node
    of the block diagram in conv3_x's frame; a frame of the layer diagram; a bar of the
    block plot."""
    from resnet_explain.plots.data import block_costs

    arch = explain(S.DarknetLike(), (1, 3, 32, 32))
    table = str(arch.table(depth="block"))
    rows = [line.split()[0] for line in table.splitlines()
            if line.startswith(("(", "block1", "block2"))]
    assert rows == ["(stem)", "block1.0", "(transition)", "block2.0", "block2.1", "(head)"]
    records = list(csv.DictReader(io.StringIO(str(arch.table("csv", depth="block")))))
    assert [r["row"] for r in records] == ["stem", "block", "transition", "block", "block",
                                           "head"]
    assert sum(int(r["params"]) for r in records) == arch.total_params
    assert records[2]["params"] == "1184" and records[2]["stage"] == "conv3_x"
    block_dot = arch.diagram("block").source
    assert "<B>transition</B>" in block_dot
    assert "cluster_to_conv3_x" in arch.diagram("layer").source
    costs = block_costs(arch)
    assert costs.names == ["stem", "conv2_1", "↓conv3", "conv3_1", "conv3_2", "head"]
    assert sum(costs.params) == arch.total_params
