"""torchvision's and timm's ResNets, explained with no name-based special case.

Neither package is a dependency of the project or of CI (torchvision needs a 5.5 GB torch
build here), so these tests skip where they are missing; run them by hand in an environment
that has them. The torchvision state-dict keys and shapes are also covered without
torchvision, by the committed fixture (tests/fixtures/torchvision_resnets.json).
"""

from __future__ import annotations

import pytest

from resnet_explain import explain

torchvision = pytest.importorskip("torchvision")

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
