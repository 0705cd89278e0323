"""The reference zoo against independent facts: docs/facts.md's torchvision table, the paper's
CIFAR counts, torchvision's state-dict layout (a fixture made by hand, see
scripts/make_torchvision_fixture.py — torchvision itself is not needed here), timm's counts
for the pre-activation nets, and the structural rules the seeds teach."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resnet_explain.zoo import FAMILIES, MODEL_NAMES, build, describe, nearest
from resnet_explain.zoo.shortcuts import PadShortcut

FIXTURE = Path(__file__).parent / "fixtures" / "torchvision_resnets.json"

# docs/facts.md: torchvision's counts (v1 has the same parameters).
TORCHVISION_PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
}
TORCHVISION_WEIGHTED = {
    "resnet18": 21,
    "resnet34": 37,
    "resnet50": 54,
    "resnet101": 105,
    "resnet152": 156,
}  # Conv2d + Linear modules
TORCHVISION_SHORTCUT_CONVS = {
    "resnet18": 3,
    "resnet34": 3,
    "resnet50": 4,
    "resnet101": 4,
    "resnet152": 4,
}
# timm 1.0 resnetv2_<depth> (weights not needed): the same parameters. timm leaves conv1
# bare and lets the first unit pre-activate its input; the zoo activates right after conv1,
# as the v2 paper's appendix does (conv1's BN replaces the first unit's: the same count).
TIMM_V2_PARAMS = {
    "resnet18-v2": 11_687_720,
    "resnet34-v2": 21_795_880,
    "resnet50-v2": 25_549_352,
    "resnet101-v2": 44_541_480,
    "resnet152-v2": 60_185_128,
}
# He et al. 2015, section 4.2: CIFAR-10 nets with option A, in millions, as printed.
CIFAR_PAPER_M = {
    "resnet20": 0.27,
    "resnet32": 0.46,
    "resnet44": 0.66,
    "resnet56": 0.85,
    "resnet110": 1.7,
    "resnet1202": 19.4,
}
RESNET20_EXACT = 269_722

IMAGENET = tuple(TORCHVISION_PARAMS)
V1 = ("resnet50-v1", "resnet101-v1", "resnet152-v1")
PLAIN = ("plain18", "plain34", "plain20", "plain32", "plain44", "plain56", "plain110")
# docs/facts.md: what ResNet-18/34 add to their plain nets, by hand — three projections
# (1x1 conv + BatchNorm's weight and bias) in conv3_1, conv4_1, conv5_1.
PROJECTIONS_18_34 = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256) + (256 * 512 + 2 * 512)
PLAIN_PARAMS = {"plain18": 11_515_688, "plain34": 21_623_848}


@cache
def model(name: str, shortcut: str | None = None) -> nn.Module:
    """A shared, read-only build (tests that mutate a model build their own)."""
    return build(name, shortcut=shortcut)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def blocks(net: nn.Module) -> list[nn.Module]:
    return [
        blk for name, layer in net.named_children() if name.startswith("layer") for blk in layer
    ]


@cache
def fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- parameter counts


@pytest.mark.parametrize("name", IMAGENET)
def test_imagenet_params_match_torchvision(name: str) -> None:
    assert n_params(model(name)) == TORCHVISION_PARAMS[name]
    assert fixture()["models"][name]["params"] == TORCHVISION_PARAMS[name]


@pytest.mark.parametrize("name", V1)
def test_v1_has_the_same_params_as_v15(name: str) -> None:
    assert n_params(model(name)) == TORCHVISION_PARAMS[name.removesuffix("-v1")]


@pytest.mark.parametrize("name", tuple(TIMM_V2_PARAMS))
def test_v2_params_match_timm(name: str) -> None:
    assert n_params(model(name)) == TIMM_V2_PARAMS[name]


@pytest.mark.parametrize("name", tuple(CIFAR_PAPER_M))
def test_cifar_params_match_the_paper(name: str) -> None:
    count = n_params(model(name))
    paper = CIFAR_PAPER_M[name]
    decimals = 2 if paper < 1 else 1
    assert round(count / 1e6, decimals) == paper


def test_resnet20_exact_count() -> None:
    assert n_params(model("resnet20")) == RESNET20_EXACT


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_registry_reference_counts_are_what_build_gives(name: str) -> None:
    info = describe(name)
    if info.reference_params is not None:
        assert n_params(model(name)) == info.reference_params


@pytest.mark.parametrize("name", IMAGENET)
def test_weighted_layer_counts_match_design(name: str) -> None:
    net = model(name)
    weighted = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    shortcut = [
        m
        for m in net.modules()
        if isinstance(m, nn.Conv2d)
        and m.kernel_size == (1, 1)
        and any(m is d[0] for d in _downsamples(net))
    ]
    assert len(weighted) == TORCHVISION_WEIGHTED[name]
    assert len(shortcut) == TORCHVISION_SHORTCUT_CONVS[name]
    # the depth in the name counts the main path: all weighted layers but the shortcut convs
    assert len(weighted) - len(shortcut) == describe(name).depth == int(name[len("resnet") :])


def _downsamples(net: nn.Module) -> list[nn.Module]:
    return [blk.downsample for blk in blocks(net) if blk.downsample is not None]


@pytest.mark.parametrize("name", tuple(CIFAR_PAPER_M))
def test_cifar_depth_is_6n_plus_2(name: str) -> None:
    info = describe(name)
    n = info.layers[0]
    assert info.layers == (n, n, n)
    assert 6 * n + 2 == info.depth == int(name[len("resnet") :])
    assert info.input_size == (3, 32, 32) and info.num_classes == 10 and info.shortcut == "A"
    if name != "resnet1202":
        weighted = [m for m in model(name).modules() if isinstance(m, nn.Conv2d | nn.Linear)]
        assert len(weighted) == info.depth  # option A: no shortcut convs at all


# ---------------------------------------------------------------- shortcut options


def _projection_params(out_channels: int, norm: bool = True) -> int:
    return out_channels * out_channels + (2 * out_channels if norm else 0)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet50-v1", "resnet50-v2", "resnet20"])
def test_option_a_b_c_param_counts(name: str) -> None:
    a, b, c = (model(name, opt) for opt in "ABC")
    # A is B without the projections: its shortcuts hold nothing.
    assert n_params(a) == n_params(b) - sum(n_params(d) for d in _downsamples(b))
    # C adds a square projection (+ BN, except in v2) to every block whose shortcut is the
    # identity under B: all but the first of each stage, and also the first block of the first
    # stage of a basic-block net (its input already has the stage's width: 64 → 64, 16 → 16).
    info = describe(name)
    expansion = 1 if info.block == "basic" else 4
    norm = info.family != "preact-v2"
    extra = 0
    for stage, (count, width) in enumerate(zip(info.layers, info.widths, strict=True)):
        identities = count - 1 + (stage == 0 and info.block == "basic")
        extra += identities * _projection_params(width * expansion, norm)
    assert n_params(c) == n_params(b) + extra
    assert n_params(a) < n_params(b) < n_params(c)


@pytest.mark.parametrize("name", ["resnet34", "resnet50", "resnet50-v2", "resnet56"])
def test_option_a_shortcuts_are_parameter_free_leaves(name: str) -> None:
    net = model(name, "A")
    pads = [m for m in net.modules() if isinstance(m, PadShortcut)]
    assert pads
    for blk in blocks(net):
        assert blk.downsample is None or isinstance(blk.downsample, PadShortcut)
    for pad in pads:
        assert list(pad.children()) == [] and list(pad.parameters()) == []
        assert list(pad.buffers()) == []


def test_pad_shortcut_subsamples_and_zero_pads() -> None:
    x = torch.randn(2, 16, 8, 8)
    y = PadShortcut(16, 32, stride=2)(x)
    assert y.shape == (2, 32, 4, 4)
    assert torch.equal(y[:, :16], x[:, :, ::2, ::2])
    assert not y[:, 16:].any()
    assert torch.equal(PadShortcut(8, 8, 1)(x), x)
    with pytest.raises(ValueError, match="option A can only add channels"):
        PadShortcut(32, 16)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet50-v2", "resnet20"])
def test_option_c_projects_on_every_block(name: str) -> None:
    for blk in blocks(model(name, "C")):
        assert blk.downsample is not None
        conv = blk.downsample if isinstance(blk.downsample, nn.Conv2d) else blk.downsample[0]
        assert isinstance(conv, nn.Conv2d) and conv.kernel_size == (1, 1)
        assert conv.stride == (blk.stride, blk.stride)


@pytest.mark.parametrize("name", ["resnet34", "resnet50", "resnet50-v1", "resnet50-v2"])
def test_only_the_first_block_of_a_stage_strides_and_projects(name: str) -> None:
    net = model(name)
    for index in range(1, 5):
        layer = getattr(net, f"layer{index}")
        first, *rest = list(layer)
        assert first.stride == (1 if index == 1 else 2)
        changes = first.stride != 1 or (index == 1 and describe(name).block == "bottleneck")
        assert (first.downsample is not None) == changes
        for blk in rest:
            assert blk.stride == 1 and blk.downsample is None


def test_resnet50_layer1_projection_changes_channels_only() -> None:
    proj = model("resnet50").layer1[0].downsample
    assert isinstance(proj[0], nn.Conv2d) and isinstance(proj[1], nn.BatchNorm2d)
    assert (proj[0].in_channels, proj[0].out_channels, proj[0].stride) == (64, 256, (1, 1))
    assert proj[0].padding == (0, 0) and proj[0].bias is None


# ---------------------------------------------------------------- torchvision layout


@pytest.mark.parametrize("name", IMAGENET + V1)
def test_state_dict_keys_and_shapes_equal_torchvision(name: str) -> None:
    expected = fixture()["models"][name.removesuffix("-v1")]["state_dict"]
    got = {key: list(value.shape) for key, value in model(name).state_dict().items()}
    assert list(got) == list(expected)  # same keys, same order
    assert got == expected


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet152-v1"])
def test_torchvision_state_dict_loads_strictly(name: str) -> None:
    shapes = fixture()["models"][name.removesuffix("-v1")]["state_dict"]
    state = {
        key: torch.zeros(
            shape, dtype=torch.long if key.endswith("num_batches_tracked") else torch.float32
        )
        for key, shape in shapes.items()
    }
    result = build(name).load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_imagenet_module_tree_uses_torchvision_names() -> None:
    net = model("resnet50")
    assert [n for n, _ in net.named_children()] == [
        "conv1",
        "bn1",
        "relu",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "avgpool",
        "fc",
    ]
    assert [n for n, _ in net.layer2[0].named_children()] == [
        "conv1",
        "bn1",
        "conv2",
        "bn2",
        "conv3",
        "bn3",
        "relu",
        "downsample",
    ]
    assert [n for n, _ in model("resnet18").layer2[0].named_children()] == [
        "conv1",
        "bn1",
        "relu",
        "conv2",
        "bn2",
        "downsample",
    ]
    assert net.maxpool.padding == 1  # 112 → 56, not 55
    assert all(m.bias is None for m in net.modules() if isinstance(m, nn.Conv2d))


def _relu_calls(name: str) -> dict[str, int]:
    """How often each ReLU module runs in one forward."""
    calls: dict[str, int] = {}

    def count(module: nn.Module, args: object, output: object, *, key: str) -> None:
        calls[key] = calls.get(key, 0) + 1

    net = build(name, init=True).eval()
    for key, module in net.named_modules():
        if isinstance(module, nn.ReLU):
            module.register_forward_hook(lambda m, i, o, key=key: count(m, i, o, key=key))
    with torch.no_grad():
        net(torch.randn(1, 3, 64, 64))
    return calls


def test_the_shared_relu_is_called_like_torchvision() -> None:
    bottleneck = _relu_calls("resnet50")
    assert bottleneck["relu"] == 1 and bottleneck["layer1.0.relu"] == 3
    assert _relu_calls("resnet18")["layer3.1.relu"] == 2


# ---------------------------------------------------------------- v1 vs v1.5, v2


def test_v1_strides_the_first_1x1_and_v15_the_3x3() -> None:
    v1, v15 = model("resnet50-v1").layer2[0], model("resnet50").layer2[0]
    assert v1.conv1.stride == (2, 2) and v1.conv2.stride == (1, 1)
    assert v15.conv1.stride == (1, 1) and v15.conv2.stride == (2, 2)
    assert describe("resnet50-v1").stride_on == "1x1" and describe("resnet50").stride_on == "3x3"


def test_v2_structure() -> None:
    net = model("resnet50-v2")
    names = [n for n, _ in net.named_children()]
    assert names == [
        "conv1",
        "bn1",
        "relu",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "postnorm",
        "avgpool",
        "fc",
    ]  # the v2 paper's appendix: the first activation right after conv1, before the split
    assert net.layer1[0].bn1 is None  # so the first unit has none of its own
    assert [type(m) for m in net.postnorm] == [nn.BatchNorm2d, nn.ReLU]
    unit = net.layer2[0]
    assert isinstance(unit.downsample, nn.Conv2d)  # a bare 1x1 conv, no BN
    assert unit.bn1.num_features == 256  # BN before the conv: it sees the unit's input
    assert unit.conv2.stride == (2, 2)


def _capture_inputs(net: nn.Module, names: list[str]) -> dict[str, torch.Tensor]:
    seen: dict[str, torch.Tensor] = {}
    modules = dict(net.named_modules())
    for name in names:
        modules[name].register_forward_pre_hook(
            lambda m, args, name=name: seen.setdefault(name, args[0].clone())
        )
    return seen


@pytest.mark.parametrize("name", ["resnet18-v2", "resnet50-v2"])
def test_v2_first_unit_reads_the_map_activated_right_after_conv1(name: str) -> None:
    """He et al. 2016, appendix: "for the first Residual Unit (that follows a stand-alone
    convolutional layer, conv1), we adopt the first activation right after conv1 and before
    splitting into two paths". A real forward: both branches of the first unit read conv1's
    BN + ReLU (then max-pooled) output, so its identity carries the activated map; the
    parameters are timm's resnetv2 counts (conv1's BN replaces the first unit's)."""
    torch.manual_seed(0)
    net = build(name, init=True).eval()
    first = net.layer1[0]
    reads = ["layer1.0.conv1"] + (["layer1.0.downsample"] if first.downsample is not None
                                  else [])
    seen = _capture_inputs(net, ["layer1.0", *reads])
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        net(x)
        activated = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    assert torch.equal(seen["layer1.0"], activated) and (activated >= 0).all()
    for branch in reads:
        assert torch.equal(seen[branch], activated)
    assert sum(p.numel() for p in net.parameters()) == TIMM_V2_PARAMS[name]


def test_v2_projection_reads_the_preactivation_identity_reads_the_raw_input() -> None:
    torch.manual_seed(0)
    net = build("resnet18-v2", init=True).eval()
    seen = _capture_inputs(net, ["layer2.0.downsample", "layer2.0", "layer1.1"])
    with torch.no_grad():
        net(torch.randn(1, 3, 64, 64))
    unit = net.layer2[0]
    with torch.no_grad():
        preact = torch.relu(unit.bn1(seen["layer2.0"]))
    assert torch.equal(seen["layer2.0.downsample"], preact)
    assert (seen["layer1.1"] < 0).any()  # identity path: raw sums, never normalised

    padded = build("resnet18-v2", shortcut="A", init=True).eval()
    seen = _capture_inputs(padded, ["layer2.0.downsample", "layer2.0"])
    with torch.no_grad():
        padded(torch.randn(1, 3, 64, 64))
    assert torch.equal(seen["layer2.0.downsample"], seen["layer2.0"])  # option A: raw input


# ---------------------------------------------------------------- forward and build


@pytest.mark.parametrize(
    ("name", "shortcut", "size", "classes"),
    [
        ("resnet18", None, 64, 1000),
        ("resnet34", "A", 64, 1000),
        ("resnet50", None, 64, 1000),
        ("resnet50", "A", 64, 1000),
        ("resnet50", "C", 64, 1000),
        ("resnet50-v1", None, 64, 1000),
        ("resnet18-v2", None, 64, 1000),
        ("resnet50-v2", "A", 64, 1000),
        ("resnet50-v2", "C", 64, 1000),
        ("resnet20", None, 32, 10),
        ("resnet20", "B", 32, 10),
        ("resnet32", "C", 32, 10),
    ],
)
def test_forward_shape(name: str, shortcut: str | None, size: int, classes: int) -> None:
    net = model(name, shortcut)
    with torch.no_grad():
        out = net.eval()(torch.randn(2, 3, size, size))
    net.train()
    assert out.shape == (2, classes)


def test_forward_at_224_follows_the_stem_arithmetic() -> None:
    net = build("resnet18", init=True).eval()
    shapes: dict[str, tuple[int, ...]] = {}
    for name in ("conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"):
        getattr(net, name).register_forward_hook(
            lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape))
        )
    with torch.no_grad():
        out = net(torch.randn(1, 3, 224, 224))
    assert shapes == {
        "conv1": (1, 64, 112, 112),
        "maxpool": (1, 64, 56, 56),
        "layer1": (1, 64, 56, 56),
        "layer2": (1, 128, 28, 28),
        "layer3": (1, 256, 14, 14),
        "layer4": (1, 512, 7, 7),
        "avgpool": (1, 512, 1, 1),
    }
    assert out.shape == (1, 1000) and torch.isfinite(out).all()


def test_num_classes_override() -> None:
    net = build("resnet20", num_classes=100, shortcut="a")
    assert net.fc.out_features == 100
    assert build("resnet18-v2", num_classes=5).fc.out_features == 5


def test_uninitialised_build_is_an_ordinary_cpu_model() -> None:
    net = model("resnet152")
    tensors = [*net.parameters(), *net.buffers()]
    assert all(t.device.type == "cpu" and not t.is_meta for t in tensors)
    assert all(p.requires_grad for p in net.parameters())
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())
    storages = {t.untyped_storage().data_ptr() for t in tensors}
    assert len(storages) == len(tensors)  # each tensor has its own storage, none shared
    assert net.training


def test_build_under_a_meta_device_context_still_gives_cpu_storage() -> None:
    with torch.device("meta"):
        net = build("resnet20")
    assert all(t.device.type == "cpu" for t in [*net.parameters(), *net.buffers()])


def test_build_does_not_import_the_symbolic_shapes_machinery() -> None:
    # Module.to_empty on meta tensors imports sympy (a third of `import torch` again, paid by
    # every cold CLI run); the zoo allocates its tensors without it.
    # Before torch 2.9 there is nothing to save: torch 2.1's own import loads sympy, and in
    # 2.4 and 2.6 the meta device's factories (torch.zeros, uniform_) are Python references
    # that import it while any layer is built (measured by scripts/compat.sh).
    code = (
        "import sys, torch\n"
        "from resnet_explain._compat import version_tuple\n"
        "if version_tuple(torch.__version__)[:2] < (2, 9): print(torch.__version__); "
        "sys.exit()\n"
        "from resnet_explain.zoo import build\n"
        "build('resnet18'); build('resnet20', init=True)\n"
        "assert 'sympy' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, cwd=Path(__file__).parent.parent)
    if done.stdout.strip():
        pytest.skip(f"torch {done.stdout.strip()} imports sympy itself on the meta device")


def test_init_true_uses_torchvision_initialisation() -> None:
    torch.manual_seed(0)
    net = build("resnet50", init=True)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert torch.equal(m.weight, torch.ones_like(m.weight))
            assert not m.bias.any() and not m.running_mean.any()
            assert torch.equal(m.running_var, torch.ones_like(m.running_var))
    conv = net.layer4[0].conv2  # kaiming normal, fan_out: std = sqrt(2 / (512 * 3 * 3))
    assert conv.weight.std().item() == pytest.approx((2 / (512 * 9)) ** 0.5, rel=0.02)
    assert all(torch.isfinite(p).all() for p in net.parameters())


# ---------------------------------------------------------------- registry and errors


def test_model_names_order_and_infos() -> None:
    assert MODEL_NAMES[:5] == IMAGENET
    assert MODEL_NAMES[-7:] == PLAIN
    assert len(set(MODEL_NAMES)) == len(MODEL_NAMES) == 26
    assert FAMILIES == ("imagenet-v1.5", "imagenet-v1", "preact-v2", "cifar", "plain",
                        "plain-cifar")
    for name in MODEL_NAMES:
        info = describe(name)
        assert info.name == name
        assert info.family in FAMILIES
        cifar = info.family in {"cifar", "plain-cifar"}
        assert info.input_size == ((3, 32, 32) if cifar else (3, 224, 224))
        assert info.plain == name.startswith("plain") == (info.shortcut == "none")
        assert info.description and "\n" not in info.description
    with pytest.raises(AttributeError):
        describe("resnet50").name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("resnet51", "resnet50"),
        ("ResNet50", "resnet50"),
        ("resnet_v2_50", "resnet50-v2"),
        ("resnet50v1", "resnet50-v1"),
        ("resnet-101", "resnet101"),
        ("resnet1201", "resnet1202"),
        ("resnet50", "resnet50"),
        ("resnet18-v1", "resnet18"),
        ("Plain34", "plain34"),
        ("plain-56", "plain56"),
        ("vgg16", None),
        ("wide_resnet50_2", None),
    ],
)
def test_nearest(typed: str, expected: str | None) -> None:
    assert nearest(typed) == expected


def test_unknown_name_raises_value_error_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match=r"unknown zoo model 'resnet51'; did you mean 'resnet50'"):
        build("resnet51")
    with pytest.raises(ValueError, match="resnet-explain list"):
        describe("alexnet")


@pytest.mark.parametrize("bad", ["D", "projection", ""])
def test_unknown_shortcut_option_raises(bad: str) -> None:
    with pytest.raises(ValueError, match=r"unknown shortcut option .*'A'.*'B'.*'C'"):
        build("resnet18", shortcut=bad)


@pytest.mark.parametrize("bad", [0, -3, True, 2.5])
def test_bad_num_classes_raises(bad: object) -> None:
    with pytest.raises(ValueError, match="num_classes"):
        build("resnet20", num_classes=bad)  # type: ignore[arg-type]


def test_registry_and_zoo_import_without_torch() -> None:
    code = (
        "import sys\n"
        "import resnet_explain.zoo.registry\n"
        "from resnet_explain.zoo import MODEL_NAMES, describe, nearest\n"
        "describe('resnet50'); nearest('resnet51')\n"
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# ---------------------------------------------------------------- the plain baselines


def test_plain_imagenet_counts_are_the_resnets_less_three_projections() -> None:
    assert PROJECTIONS_18_34 == 173_824
    for name, count in PLAIN_PARAMS.items():
        resnet = "resnet" + name[len("plain"):]
        assert count == TORCHVISION_PARAMS[resnet] - PROJECTIONS_18_34
        assert n_params(model(name)) == count == describe(name).reference_params


@pytest.mark.parametrize("name", PLAIN[2:])
def test_plain_cifar_counts_equal_the_option_a_resnets(name: str) -> None:
    # option A's shortcuts hold nothing, so removing them removes no parameter
    resnet = "resnet" + name[len("plain"):]
    assert n_params(model(name)) == n_params(model(resnet, "A"))
    if name == "plain20":
        assert n_params(model(name)) == RESNET20_EXACT == describe(name).reference_params


@pytest.mark.parametrize("name", ["plain18", "plain34"])
def test_plain_state_dict_is_torchvisions_without_the_projections(name: str) -> None:
    resnet = fixture()["models"]["resnet" + name[len("plain"):]]["state_dict"]
    expected = {k: tuple(v) for k, v in resnet.items() if ".downsample." not in k}
    assert len(expected) < len(resnet)
    assert {k: tuple(v.shape) for k, v in model(name).state_dict().items()} == expected


@pytest.mark.parametrize("name", PLAIN)
def test_plain_depth_counts_every_weighted_layer(name: str) -> None:
    info = describe(name)
    net = model(name)
    weighted = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert len(weighted) == info.depth == int(name[len("plain"):])
    assert info.layers == describe("resnet" + name[len("plain"):]).layers
    assert all(blk.downsample is None for blk in blocks(net))


@pytest.mark.parametrize("name", ["plain20", "plain18"])
def test_plain_forward_is_the_chain_of_its_layers(name: str) -> None:
    """A real forward equals the layers run one after the other with no addition: the
    independent proof that a plain net has no shortcut."""
    torch.manual_seed(0)
    net = build(name, init=True).eval()
    for m in net.modules():  # non-trivial BatchNorm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    size = describe(name).input_size[1]
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        y = F.relu(net.bn1(net.conv1(x)))
        if hasattr(net, "maxpool"):
            y = net.maxpool(y)
        for blk in blocks(net):
            y = F.relu(blk.bn1(blk.conv1(y)))
            y = F.relu(blk.bn2(blk.conv2(y)))
        y = net.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))
        assert torch.allclose(net(x), y, atol=1e-5)


@pytest.mark.parametrize("option", ["A", "B", "C"])
def test_a_plain_net_takes_no_shortcut_option(option: str) -> None:
    with pytest.raises(ValueError, match=r"plain34 is a plain network: it has no shortcuts.*"
                                         r"use resnet34 for the same layers with shortcuts"):
        build("plain34", shortcut=option)
    assert describe("plain34").shortcut == "none"
