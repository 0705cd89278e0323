"""Any stage layout, any block, any shortcut option: the ImageNet ResNet is counted the way the
paper's arithmetic counts it (depth = 1 + k×(n₂+n₃+n₄+n₅) + 1, k = 2 for a basic block and 3
for a bottleneck), its shortcuts as the options define them, and every traced shape is the one
a real forward gives."""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.zoo.blocks import BasicBlock, Bottleneck, BottleneckV1
from resnet_explain.zoo.imagenet import ResNet

# block → (weighted layers per block, the layer of a downsampling block that strides)
BLOCKS = {BasicBlock: (2, "conv1"), Bottleneck: (3, "conv2"), BottleneckV1: (3, "conv1")}


def _real_shapes(model: nn.Module, size: tuple[int, ...]) -> dict[str, list[tuple[int, ...]]]:
    """Every leaf's output shapes, call by call, from a real forward."""
    seen: dict[str, list[tuple[int, ...]]] = {}
    handles = [module.register_forward_hook(
        lambda _m, _a, out, name=name: seen.setdefault(name, []).append(tuple(out.shape)))
        for name, module in model.named_modules() if name and not list(module.children())]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, *size))
    finally:
        for handle in handles:
            handle.remove()
    return seen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block=st.sampled_from(list(BLOCKS)),
       layers=st.tuples(*[st.integers(1, 2)] * 4),
       shortcut=st.sampled_from("ABC"),
       side=st.sampled_from((32, 47, 64)))
def test_any_layout_is_counted_as_the_paper_counts(block, layers, shortcut, side):
    model = ResNet(block, layers, num_classes=10, shortcut=shortcut)
    arch = explain(model, (3, side, side))
    per_block, strided = BLOCKS[block]
    depth = 2 + per_block * sum(layers)
    assert arch.plain_depth == depth
    assert arch.depth_formula == f"{depth} = 1 + {per_block}×({'+'.join(map(str, layers))}) + 1"
    assert len(arch.blocks) == sum(layers)
    # Option A pads with zeros (no weights); B projects where the shape changes (stages 3-5,
    # and stage 2 when a bottleneck widens 64 to 256); C projects on every block.
    changes = 3 + (block.expansion > 1)
    assert arch.shortcut_projections == {"A": 0, "B": changes, "C": sum(layers)}[shortcut]
    assert arch.total_params == sum(p.numel() for p in model.parameters())
    # The stride sits where the block puts it (v1: the first 1×1, v1.5: the 3×3).
    for stage in (3, 4, 5):
        block_found = arch.block(f"conv{stage}_1")
        names = [arch.layers[i].name for i in block_found.strided_layers]
        assert names == [f"layer{stage - 1}.0.{strided}"]
    real = _real_shapes(model, (3, side, side))
    for layer in arch.layers:
        if not layer.is_op:
            assert real[layer.name][layer.call] == layer.output_shape, layer.name
    assert arch.output_shape == (1, 10) and not arch.warnings


def test_a_bottleneck_net_of_two_blocks_a_stage_is_resnet26():
    # One example of the rule, in numbers (timm's resnet26 has this layout).
    arch = explain(ResNet(Bottleneck, (2, 2, 2, 2)), (3, 64, 64))
    assert arch.depth_formula == "26 = 1 + 3×(2+2+2+2) + 1"
    assert arch.shortcut_projections == 4
