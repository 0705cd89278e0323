"""torchvision's, timm's, pytorchcv's and transformers' ResNets, explained with no name-based
special case.

None of these packages is a dependency of the project or of CI (torchvision needs a 5.5 GB torch
build here), so these tests skip where they are missing; run them by hand in an environment
that has them. The torchvision state-dict keys and shapes are also covered without
torchvision, by the committed fixture (tests/fixtures/torchvision_resnets.json).
"""

from __future__ import annotations

import pytest

from resnet_explain import explain

torchvision = pytest.importorskip("torchvision")  # timm and pytorchcv need it too

# docs/facts.md's table: params, Conv2d+Linear, shortcut 1x1 convs, depth formula, GMACs at 224.
TORCHVISION = {
    "resnet18": (11_689_512, 21, 3, "18 = 1 + 2×(2+2+2+2) + 1", 1.814),
    "resnet34": (21_797_672, 37, 3, "34 = 1 + 2×(3+4+6+3) + 1", 3.664),
    "resnet50": (25_557_032, 54, 4, "50 = 1 + 3×(3+4+6+3) + 1", 4.089),
    "resnet101": (44_549_160, 105, 4, "101 = 1 + 3×(3+4+23+3) + 1", 7.801),
    "resnet152": (60_192_808, 156, 4, "152 = 1 + 3×(3+8+36+3) + 1", 11.514),
}


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_resnets(name):
    params, weighted, projections, formula, gmacs = TORCHVISION[name]
    arch = explain(getattr(torchvision.models, name)(weights=None), (1, 3, 224, 224))
    assert (arch.total_params, arch.weighted_layers, arch.shortcut_projections) == (
        params, weighted, projections)
    assert arch.depth_formula == formula
    assert round(arch.macs / 1e9, 3) == gmacs


def test_torchvision_resnext_and_wide_resnet_keep_the_depth_of_resnet50():
    for name in ("resnext50_32x4d", "wide_resnet50_2"):
        arch = explain(getattr(torchvision.models, name)(weights=None), (1, 3, 224, 224))
        assert arch.depth_formula == "50 = 1 + 3×(3+4+6+3) + 1"
        assert arch.shortcut_projections == 4


@pytest.mark.parametrize(("name", "formula", "projections"), [
    ("resnet50", "50 = 1 + 3×(3+4+6+3) + 1", 4),
    ("resnet50d", "52 = 3 + 3×(3+4+6+3) + 1", 4),      # 3-conv stem, avg-pool downsample
    ("resnet26d", "28 = 3 + 3×(2+2+2+2) + 1", 4),
    ("resnetv2_50", "50 = 1 + 3×(3+4+6+3) + 1", 4),    # pre-activation, act1/norm names
    ("seresnet50", "50 = 1 + 3×(3+4+6+3) + 1", 4),     # SE gates are off the plain path
    ("ecaresnet50d", "52 = 3 + 3×(3+4+6+3) + 1", 4),
    # A global-context block adds its pooled context to the map: off the plain path, like SE.
    ("gcresnet50t", "52 = 3 + 3×(3+4+6+3) + 1", 4),
    ("gcresnext26ts", "28 = 3 + 3×(2+2+2+2) + 1", 4),
    # Each stage's first block runs its 3×3 splits side by side, the others in a chain.
    ("res2net50_26w_4s", "74 = 1 + (3 + 5×2) + (3 + 5×3) + (3 + 5×5) + (3 + 5×2) + 1", 4),
])
def test_timm_resnets(name, formula, projections):
    timm = pytest.importorskip("timm")
    model = timm.create_model(name, pretrained=False)
    arch = explain(model, (1, 3, 224, 224))
    assert arch.depth_formula == formula
    assert arch.shortcut_projections == projections
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert not arch.formula_mismatches


def test_timm_v2_parameter_counts_equal_the_zoo():
    timm = pytest.importorskip("timm")
    for depth in (18, 50):
        theirs = timm.create_model(f"resnetv2_{depth}", pretrained=False)
        assert explain(f"resnet{depth}-v2").total_params == sum(
            p.numel() for p in theirs.parameters())


# pytorchcv's CIFAR ResNets (Zagoruyko & Komodakis' WRN-d-k: d = 6n + 4 with n basic blocks
# per group; He et al.'s CIFAR ResNet-6n+2 and the 9n+2 bottleneck pre-activation ResNet),
# counted by hand: conv1 + 2 or 3 convs per block + fc; one 1x1 projection per group whose
# width or map size changes.
@pytest.mark.parametrize(("name", "formula", "projections", "note"), [
    ("wrn28_10_cifar10", "26 = 1 + 2×(4+4+4) + 1", 3, "the name says 28"),
    ("wrn16_10_cifar10", "14 = 1 + 2×(2+2+2) + 1", 3, "the name says 16"),
    ("resnet20_cifar10", "20 = 1 + 2×(3+3+3) + 1", 2, None),
    ("resnet110_cifar10", "110 = 1 + 2×(18+18+18) + 1", 2, None),
    ("preresnet164bn_cifar10", "164 = 1 + 3×(18+18+18) + 1", 3, None),
])
def test_pytorchcv_cifar_resnets(name, formula, projections, note):
    provider = pytest.importorskip("pytorchcv.model_provider")
    model = provider.get_model(name, pretrained=False)
    arch = explain(model, (1, 3, 32, 32), name=name)
    assert arch.depth_formula == formula
    assert arch.shortcut_projections == projections
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert not arch.formula_mismatches
    if note is None:
        assert not arch.notes
    else:  # the wide-ResNet convention counts the projections and not the fc
        assert any(line.startswith(note) and "6n + 4" in line for line in arch.notes)


# Hugging Face transformers' ResNet (its own module tree: embedder, encoder.stages.i.layers.j,
# a ``shortcut`` that is nn.Identity or a conv + norm; ``downsample_in_bottleneck`` selects v1).
@pytest.mark.parametrize(("config", "formula", "projections", "strided"), [
    ({}, "50 = 1 + 3×(3+4+6+3) + 1", 4, "layer.1.convolution"),
    ({"downsample_in_bottleneck": True}, "50 = 1 + 3×(3+4+6+3) + 1", 4, "layer.0.convolution"),
    ({"layer_type": "basic", "depths": [2, 2, 2, 2], "hidden_sizes": [64, 128, 256, 512]},
     "18 = 1 + 2×(2+2+2+2) + 1", 3, "layer.0.convolution"),
])
def test_transformers_resnets(config, formula, projections, strided):
    transformers = pytest.importorskip("transformers")
    model = transformers.ResNetForImageClassification(transformers.ResNetConfig(**config))
    arch = explain(model, (1, 3, 224, 224))
    assert arch.depth_formula == formula
    assert arch.shortcut_projections == projections
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.output_shape == (1, model.config.num_labels)
    assert not arch.formula_mismatches and not arch.warnings
    conv3_1 = arch.block("conv3_1")
    assert [arch.layers[i].name.endswith(strided) for i in conv3_1.strided_layers] == [True]


def test_torchvision_and_timm_checkpoints_are_read_as_zoo_models(tmp_path):
    import timm
    import torch

    from resnet_explain.errors import ModelNotFound

    fine_tuned = torchvision.models.resnet18(weights=None, num_classes=100)
    torch.save({"epoch": 90, "model": fine_tuned.state_dict()}, tmp_path / "tv18.pth")
    arch = explain(str(tmp_path / "tv18.pth"))
    assert arch.total_params == sum(p.numel() for p in fine_tuned.parameters())
    assert arch.output_shape == (1, 100) and arch.plain_depth == 18
    torch.save(timm.create_model("resnet34").state_dict(), tmp_path / "timm34.pth")
    assert explain(str(tmp_path / "timm34.pth")).total_params == 21_797_672
    # timm's and torchvision's ResNet-50 are v1.5: their weights fit v1 as well.
    torch.save(timm.create_model("resnet50").state_dict(), tmp_path / "timm50.pth")
    with pytest.raises(ModelNotFound, match="fits 2 zoo models alike: resnet50 "):
        explain(str(tmp_path / "timm50.pth"))


@pytest.mark.parametrize(("name", "formula"), [
    ("r3d_18", "18 = 1 + 2×(2+2+2+2) + 1"), ("mc3_18", "18 = 1 + 2×(2+2+2+2) + 1"),
    # (2+1)D: every 3×3×3 conv is a 1×3×3 conv and a 3×1×1 conv, the stem too
    ("r2plus1d_18", "35 = 2 + 4×(2+2+2+2) + 1"),
])
def test_torchvision_video_resnets_take_a_clip(name, formula):
    import torch

    model = getattr(torchvision.models.video, name)(weights=None)
    arch = explain(model, (3, 16, 112, 112))  # C×T×H×W: the model's convolutions are 3-D
    with torch.no_grad():
        assert arch.output_shape == tuple(model.eval()(torch.zeros(1, 3, 16, 112, 112)).shape)
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    assert arch.depth_formula == formula and not arch.formula_mismatches


def test_feature_extractors_are_the_backbone_with_every_map_said():
    """torchvision's fx-based ``create_feature_extractor``, timm's ``features_only`` (hooked
    and fx), pytorchcv's TResNet (units that override ``__call__``): the blocks are found and
    named by their modules, and every returned map is an output, as a real forward gives."""
    import torch
    from torchvision.models.feature_extraction import create_feature_extractor

    timm = pytest.importorskip("timm")
    get_model = pytest.importorskip("pytorchcv.model_provider").get_model

    resnet50 = torchvision.models.resnet50(weights=None)
    extractors = {
        "torchvision fx": create_feature_extractor(resnet50, {"layer2": "c3", "layer4": "c5"}),
        "timm": timm.create_model("resnet50", features_only=True),
        "timm fx": timm.create_model("resnet50", features_only=True, feature_cls="fx"),
    }
    prefixes = {"torchvision fx": "", "timm": "", "timm fx": "graph_module."}
    for label, model in extractors.items():
        arch = explain(model, (1, 3, 224, 224))
        with torch.no_grad():
            out = model.eval()(torch.zeros(1, 3, 224, 224))
        maps = list(out.values()) if isinstance(out, dict) else list(out)
        assert arch.output_shapes == [tuple(t.shape) for t in maps], label
        assert arch.depth_formula == "49 = 1 + 3×(3+4+6+3)", label  # no fc: 50 − 1
        assert arch.shortcut_projections == 4, label
        assert arch.blocks[0].name == f"{prefixes[label]}layer1.0", label
    tresnet = explain(get_model("tresnet_m"), (1, 3, 224, 224))
    assert tresnet.blocks[0].name == "features.stage1.unit1"
    assert [tresnet.layers[i].name for i in tresnet.blocks[0].tail_layers] == \
        ["features.stage1.unit1.activ"]


def test_a_timm_hub_folder_is_built_from_its_config(tmp_path):
    import json

    import timm

    from resnet_explain.errors import ModelNotFound

    def folder(name: str, config: dict) -> str:
        path = tmp_path / name
        path.mkdir()
        (path / "config.json").write_text(json.dumps(config))
        (path / "model.safetensors").write_bytes(b"not read")
        return str(path)

    # As timm/resnet50.a1_in1k publishes it: DESIGN.md's resnet50 row.
    arch = explain(folder("resnet50.a1_in1k", {
        "architecture": "resnet50", "num_classes": 1000, "num_features": 2048,
        "pretrained_cfg": {"input_size": [3, 224, 224], "test_input_size": [3, 288, 288]}}))
    assert (arch.total_params, arch.weighted_layers, arch.shortcut_projections,
            arch.depth_formula) == (25_557_032, 54, 4, "50 = 1 + 3×(3+4+6+3) + 1")
    assert arch.model == "resnet50.a1_in1k (resnet50)" and arch.engine == "meta"
    # Its classes, model_args and input size are the config's; counts are PyTorch's.
    arch = explain(folder("resnet18d.custom", {
        "architecture": "resnet18d", "num_classes": 10, "model_args": {"drop_rate": 0.2},
        "pretrained_cfg": {"input_size": [3, 160, 160]}}))
    real = timm.create_model("resnet18d", num_classes=10, drop_rate=0.2)
    assert arch.input_shape == (1, 3, 160, 160) and arch.output_shape == (1, 10)
    assert arch.total_params == sum(p.numel() for p in real.parameters())
    assert arch.depth_formula == "20 = 3 + 2×(2+2+2+2) + 1"  # the deep stem's 3 convs
    with pytest.raises(ModelNotFound, match=r"has no model 'resnet9000'"):
        explain(folder("nine", {"architecture": "resnet9000", "num_classes": 10}))

