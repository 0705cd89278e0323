"""Every zoo number the tool prints, against the independent facts in docs/facts.md.

The expected values below are docs/facts.md's table (torchvision's parameter counts, the paper's
depth arithmetic, conv+fc multiply-adds at 224) and the paper's CIFAR figures; none of them
was produced by this tool.
"""

from __future__ import annotations

import pytest

from resnet_explain import explain

# model: (params, Conv2d+Linear, shortcut 1x1 convs, plain depth, formula, GMACs at 224)
IMAGENET = {
    "resnet18": (11_689_512, 21, 3, 18, "18 = 1 + 2×(2+2+2+2) + 1", 1.814),
    "resnet34": (21_797_672, 37, 3, 34, "34 = 1 + 2×(3+4+6+3) + 1", 3.664),
    "resnet50": (25_557_032, 54, 4, 50, "50 = 1 + 3×(3+4+6+3) + 1", 4.089),
    "resnet101": (44_549_160, 105, 4, 101, "101 = 1 + 3×(3+4+23+3) + 1", 7.801),
    "resnet152": (60_192_808, 156, 4, 152, "152 = 1 + 3×(3+8+36+3) + 1", 11.514),
}
# The paper's v1 (stride on the first 1x1): computed conv+fc MACs from docs/facts.md.
V1_GMACS = {"resnet50-v1": 3.858, "resnet101-v1": 7.570, "resnet152-v1": 11.282}
# The paper's CIFAR-10 nets (section 4.2): depth 6n + 2, parameters in millions.
CIFAR = {"resnet20": (3, 0.27), "resnet32": (5, 0.46), "resnet44": (7, 0.66),
         "resnet56": (9, 0.85), "resnet110": (18, 1.7), "resnet1202": (200, 19.4)}


@pytest.fixture(scope="module")
def archs():
    cache = {}

    def get(name, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = explain(name, **kwargs)
        return cache[key]

    return get


@pytest.mark.parametrize("name", IMAGENET)
def test_imagenet_numbers(archs, name):
    params, weighted, projections, depth, formula, gmacs = IMAGENET[name]
    arch = archs(name)
    assert arch.total_params == params
    assert arch.trainable_params == params
    assert arch.weighted_layers == weighted
    assert arch.shortcut_projections == projections
    assert arch.plain_depth == depth
    assert arch.depth_formula == formula
    assert round(arch.macs / 1e9, 3) == gmacs
    assert arch.output_shape == (1, 1000)
    # 37 weighted layers = 34 on the plain path + 3 projections (and so on for every model).
    assert arch.plain_depth + arch.shortcut_projections == arch.weighted_layers


@pytest.mark.parametrize("name", V1_GMACS)
def test_v1_has_fewer_macs_than_v15(archs, name):
    arch = archs(name)
    assert round(arch.macs / 1e9, 3) == V1_GMACS[name]
    v15 = IMAGENET[name.removesuffix("-v1")]
    assert arch.total_params == v15[0]  # the stride moves; the weights do not change
    assert arch.depth_formula == v15[4]


def test_torchinfo_total_mult_adds_at_batch_two():
    # torchinfo reports "Total mult-adds (G): 8.18" for resnet50 at batch 2.
    assert round(explain("resnet50", (2, 3, 224, 224)).macs / 1e9, 2) == 8.18


@pytest.mark.parametrize("name", CIFAR)
def test_cifar_numbers(archs, name):
    n, millions = CIFAR[name]
    arch = archs(name)
    depth = 6 * n + 2
    assert arch.plain_depth == depth
    assert arch.depth_formula == f"{depth} = 1 + 2×({n}+{n}+{n}) + 1"
    assert round(arch.total_params / 1e6, 2 if millions < 1 else 1) == millions
    assert arch.shortcut_projections == 0  # option A: the two padded shortcuts have no weights
    assert [b.kind for b in arch.blocks].count("padded") == 2
    assert arch.input_shape == (1, 3, 32, 32) and arch.output_shape == (1, 10)


def test_resnet20_exact_parameter_count(archs):
    assert archs("resnet20").total_params == 269_722


def test_resnet50_three_block_kinds(archs):
    arch = archs("resnet50")
    conv2_1, conv2_2, conv3_1 = (arch.block(n) for n in ("conv2_1", "conv2_2", "conv3_1"))
    assert (conv2_1.name, conv2_1.kind) == ("layer1.0", "projection")
    assert "channels 64→256" in conv2_1.reason and "stride" not in conv2_1.reason.split(",")[0]
    assert conv2_1.input_shape[2:] == conv2_1.output_shape[2:] == (56, 56)
    assert (conv2_2.name, conv2_2.kind) == ("layer1.1", "identity")
    assert conv2_2.shortcut_layers == []
    assert conv3_1.kind == "projection"
    assert "channels 256→512" in conv3_1.reason and "56×56→28×28" in conv3_1.reason
    shortcut = [arch.layers[i] for i in conv3_1.shortcut_layers]
    assert [(s.name, s.type) for s in shortcut] == [
        ("layer2.0.downsample.0", "Conv2d"), ("layer2.0.downsample.1", "BatchNorm2d")]
    assert shortcut[0].kernel_size == (1, 1) and shortcut[0].stride == (2, 2)
    assert shortcut[0].padding == (0, 0)
    assert [len(s.blocks) for s in arch.stages if s.kind == "blocks"] == [3, 4, 6, 3]
    assert [s.module for s in arch.stages] == ["", "layer1", "layer2", "layer3", "layer4", ""]


def test_v1_and_v15_put_the_stride_in_different_places(archs):
    v15, v1 = archs("resnet50"), archs("resnet50-v1")
    assert v15.layer("layer2.0.conv1").stride == (1, 1)
    assert v15.layer("layer2.0.conv2").stride == (2, 2)
    assert v1.layer("layer2.0.conv1").stride == (2, 2)
    assert v1.layer("layer2.0.conv2").stride == (1, 1)


def test_stem_shapes_and_formulas(archs):
    arch = archs("resnet50")
    conv1, maxpool = arch.layer("conv1"), arch.layer("maxpool")
    assert conv1.output_shape == (1, 64, 112, 112)
    assert conv1.formula == "112 = ⌊(224 + 2·3 − 7)/2⌋ + 1"
    assert maxpool.output_shape == (1, 64, 56, 56)
    assert maxpool.formula == "56 = ⌊(112 + 2·1 − 3)/2⌋ + 1"
    # The paper's Table 1 lists the max-pool under conv2_x; its role is still the stem.
    assert (conv1.stage, maxpool.stage, maxpool.role) == ("conv1", "conv2_x", "stem")
    assert arch.layer("fc").role == "head" and arch.layer("fc").macs == 2048 * 1000
    assert not arch.formula_mismatches


def test_roles_and_shared_relu(archs):
    arch = archs("resnet18")
    relu_calls = [layer for layer in arch.layers if layer.name == "layer1.0.relu"]
    assert [r.call for r in relu_calls] == [0, 1]  # torchvision's one ReLU, called twice
    assert arch.layer("layer2.0.downsample.0").role == "shortcut"
    assert arch.layer("layer2.0.conv1").role == "main"
    assert arch.layer("conv1").role == "stem"
    assert {layer.role for layer in arch.layers if layer.stage == "fc"} == {"head"}
    # The Param # column adds up to the total.
    assert sum(layer.params for layer in arch.layers) == arch.total_params
    assert sum(layer.macs for layer in arch.layers) == arch.macs


def test_preactivation_v2(archs):
    arch = archs("resnet50-v2")
    assert arch.depth_formula == "50 = 1 + 3×(3+4+6+3) + 1"
    assert arch.shortcut_projections == 4
    # The stem conv has no BN/ReLU after it; the last unit is followed by BN + ReLU.
    after_stem = arch.layers[arch.layer("conv1").index + 1]
    assert after_stem.type in ("MaxPool2d",)
    head_types = [layer.type for layer in arch.layers if layer.role == "head"]
    assert head_types[:2] == ["BatchNorm2d", "ReLU"]
    # A v2 projection reads the pre-activated input: the shortcut conv's input is a ReLU.
    block = arch.block("conv3_1")
    shortcut_conv = arch.layers[block.shortcut_layers[0]]
    assert arch.layers[shortcut_conv.inputs[0]].type == "ReLU"


def test_shortcut_options(archs):
    a, b, c = (archs("resnet34", shortcut=s) for s in "ABC")
    assert b.total_params == IMAGENET["resnet34"][0]
    assert a.shortcut_projections == 0 and a.total_params < b.total_params
    assert [blk.kind for blk in a.blocks].count("padded") == 3
    assert c.shortcut_projections == len(c.blocks) == 16
    assert c.total_params > b.total_params
    assert a.plain_depth == b.plain_depth == c.plain_depth == 34


def test_paper_figures_are_shown_beside_the_computed_ones(archs):
    v15, v1 = archs("resnet50").notes, archs("resnet50-v1").notes
    assert any("3.8×10⁹ FLOPs" in n and "4.09 G" in n for n in v15)
    assert any("4.09 G against 3.86 G per image" in n for n in v15)  # v1.5 beside v1
    assert any("3.8×10⁹ FLOPs" in n and "3.86 G" in n for n in v1)
    assert any("0.27M parameters" in n and "269,722" in n for n in archs("resnet20").notes)
    assert explain("resnet50", (3, 112, 112)).notes[0].count("at 112×112") == 1


# The paper's plain baselines (docs/facts.md): ResNet-18/34 less three projections of
# 64·128 + 2·128, 128·256 + 2·256, 256·512 + 2·512 = 173,824 parameters; the CIFAR plain nets
# have their ResNet's option-A count (option A has no parameters).
PLAIN = {"plain18": (11_515_688, 18), "plain34": (21_623_848, 34),
         "plain20": (269_722, 20), "plain56": (853_018, 56)}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_networks(archs, name):
    params, depth = PLAIN[name]
    arch = archs(name)
    assert arch.total_params == params
    assert arch.plain_depth == depth == arch.weighted_layers
    assert arch.blocks == [] and arch.shortcut_projections == 0
    assert arch.warnings == []
    if name in ("plain20", "plain56"):
        assert arch.total_params == archs("resnet" + name[len("plain"):]).total_params


def test_resnet34_adds_only_its_three_projections_to_plain34(archs):
    plain, resnet = archs("plain34"), archs("resnet34")

    def weighted(arch):
        return {layer.name: layer for layer in arch.layers if layer.weighted}

    ours, theirs = weighted(resnet), weighted(plain)
    added = sorted(set(ours) - set(theirs))
    assert set(theirs) <= set(ours)
    assert added == ["layer2.0.downsample.0", "layer3.0.downsample.0", "layer4.0.downsample.0"]
    for name in added:  # 1x1, stride 2, off the longest path
        layer = ours[name]
        assert layer.kernel_size == (1, 1) and layer.stride == (2, 2)
        assert not layer.on_longest_path
    for name, layer in theirs.items():  # every other weighted layer is the same layer
        other = ours[name]
        assert (other.kernel_size, other.stride, other.input_shapes, other.output_shape,
                other.params, other.macs) == (layer.kernel_size, layer.stride,
                                              layer.input_shapes, layer.output_shape,
                                              layer.params, layer.macs)
    # by hand: each projection costs c·2c·(its output map)² multiply-adds, 6,422,528 each,
    # and 2c² + 2·2c parameters (with its BatchNorm)
    assert resnet.macs - plain.macs == 64 * 128 * 28**2 + 128 * 256 * 14**2 + 256 * 512 * 7**2
    assert resnet.macs - plain.macs == 3 * 6_422_528
    assert resnet.total_params - plain.total_params == 173_824
    assert resnet.plain_depth == plain.plain_depth == 34
