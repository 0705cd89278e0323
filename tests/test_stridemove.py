"""v1 against v1.5 (issue 20, item 1): the extra multiply-adds sit in the first 1×1 conv, which
v1.5 runs on the block's full input map; the 3×3 costs the same. Checked against a real
forward's shapes, docs/facts.md's hand arithmetic, and the sentences against the numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_explain import explain, table1
from resnet_explain.analysis.stridemove import compare_layouts, v1_from_trace
from resnet_explain.errors import UserError
from resnet_explain.zoo import build

ROOT = Path(__file__).resolve().parent.parent
_CACHE: dict[tuple[str, int], object] = {}


def traced(model: str, size: int = 224):
    if (model, size) not in _CACHE:
        _CACHE[model, size] = explain(model, input_size=(3, size, size))
    return _CACHE[model, size]


def real_conv_macs(model: str, block: str) -> list[int]:
    """Multiply-adds of ``block``'s main-path convs from a real forward: output elements ×
    (input channels / groups) × kernel area."""
    net = build(model).eval()
    macs: list[int] = []
    convs = [m for n, m in net.get_submodule(block).named_children() if n.startswith("conv")]
    hooks = [conv.register_forward_hook(lambda m, _i, out: macs.append(
        out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]))
        for conv in convs]
    try:
        with torch.no_grad():
            net(torch.zeros(1, 3, 224, 224))
    finally:
        for hook in hooks:
            hook.remove()
    return macs


def test_resnet50_conv3_1_against_a_real_forward_and_the_hand_arithmetic():
    cost = compare_layouts(traced("resnet50-v1"), traced("resnet50"))
    first = cost.blocks[0]
    assert first.block == "conv3_1" and (first.input_map, first.output_map) == ("56×56", "28×28")
    v1 = [c.macs[0] for c in first.convs]
    v15 = [c.macs[1] for c in first.convs]
    assert v1 == real_conv_macs("resnet50-v1", "layer2.0")
    assert v15 == real_conv_macs("resnet50", "layer2.0")
    # docs/facts.md: 256·128 at 28² (v1) and 56² (v1.5); the 3×3 128·128·9 at 28² in both
    assert v1 == [256 * 128 * 28 * 28, 128 * 128 * 9 * 28 * 28, 128 * 512 * 28 * 28]
    assert v15 == [256 * 128 * 56 * 56, 128 * 128 * 9 * 28 * 28, 128 * 512 * 28 * 28]
    assert (v1[0], v15[0], v1[1]) == (25_690_112, 102_760_448, 115_605_504)
    # 77,070,336 in each of conv3_1, conv4_1, conv5_1: the whole 4.089 G − 3.858 G
    assert [b.extra for b in cost.blocks] == [77_070_336] * 3
    assert cost.extra == 231_211_008 == cost.total_macs[1] - cost.total_macs[0]


def test_either_order_and_the_sentences():
    cost = compare_layouts(traced("resnet50"), traced("resnet50-v1"))
    assert (cost.v1, cost.v15) == ("resnet50-v1", "resnet50")
    text = " ".join(cost.sentences())
    assert "its 1×1 conv conv1, which runs on the block's full 56×56 input map" in text
    assert "25,690,112 to 102,760,448 (+77,070,336)" in text
    assert "the 3×3 conv conv2 costs 115,605,504 (its output is 28×28 either way)" in text
    assert "+231,211,008 in all, the whole difference" in text
    assert "never reads 3 of every 4 positions of the 56×56 map" in text
    assert "larger map" not in text and "3×3 then" not in text


def _numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\d|\d", text)}


@settings(max_examples=4, deadline=None)
@given(st.integers(min_value=3, max_value=9))
def test_sentences_are_made_from_the_traced_numbers(n: int) -> None:
    """At any input size, every number a sentence states is one of the traced numbers (or a
    map size, a kernel, a stride, a conv's name), and the extra cost is the first 1×1's."""
    size = 32 * n
    cost = compare_layouts(traced("resnet50-v1", size), traced("resnet50", size))
    v15 = traced("resnet50", size)
    first = cost.blocks[0]
    conv1 = v15.layer("layer2.0.conv1")
    h_in, h_out = conv1.input_shape[2], v15.layer("layer2.0.conv2").output_shape[2]
    assert first.convs[0].extra == 256 * 128 * (h_in * h_in - h_out * h_out)
    assert [c.extra for c in first.convs[1:]] == [0, 0]
    allowed = {c.macs[i] for b in cost.blocks for c in b.convs for i in (0, 1)}
    allowed |= {b.extra for b in cost.blocks} | {cost.extra}
    allowed |= {int(side) for b in cost.blocks for m in (b.input_map, b.output_map)
                for side in m.split("×")}
    allowed |= {1, 2, 3, 4, 5}  # kernels, the stride, conv1 … conv5 (conv3_1 … conv5_1)
    said = " ".join(cost.sentences())
    giga = {f"{m / 1e9:.2f}" for m in cost.total_macs}
    said_without_giga = re.sub(r"\d+\.\d+ G|resnet50(-v1)?|v1(\.5)?", "", said)
    assert set(re.findall(r"(\d+\.\d+) G", said)) == giga
    assert _numbers(said_without_giga) <= allowed
    assert f"{first.convs[0].macs[0]:,} to {first.convs[0].macs[1]:,}" in said


def test_not_one_network_in_two_layouts_is_a_user_error():
    with pytest.raises(UserError, match=r"not one Bottleneck network in the v1 and the v1\.5"):
        compare_layouts(traced("resnet50"), traced("resnet101"))
    with pytest.raises(UserError, match="not one Bottleneck network"):
        compare_layouts(traced("resnet18"), traced("resnet50"))
    with pytest.raises(UserError, match="not the same block in two layouts"):
        compare_layouts(traced("resnet50-v1"), traced("resnet50", 160))


def test_table1_note_is_the_comparison_of_the_traces():
    sentences = compare_layouts(traced("resnet50-v1"), traced("resnet50")).sentences()
    for models in (["resnet50"], ["resnet50", "resnet50-v1"]):
        note = next(n for n in table1(models).notes if n.startswith("v1.5 (torchvision)"))
        assert note.endswith(" ".join(sentences))
        assert "larger map" not in note


def test_docs_show_the_comparison_as_printed():
    depth = (ROOT / "docs" / "depth.md").read_text(encoding="utf-8")
    assert str(compare_layouts(traced("resnet50-v1"), traced("resnet50"))) in depth


@settings(max_examples=6, deadline=None)
@given(name=st.sampled_from(["resnet50", "resnet101"]), height=st.integers(33, 120),
       width=st.integers(33, 120))
def test_the_v1_side_derived_from_one_trace_is_the_traced_v1(name, height, width):
    """The summary's note derives v1's cost from the v1.5 trace by the output-size formula;
    whatever the input size, it is what a trace of the v1 model gives, conv by conv."""
    size = (3, height, width)
    v15, v1 = explain(name, size), explain(f"{name}-v1", size)
    derived, traced_both = v1_from_trace(v15), compare_layouts(v1, v15)
    assert derived.blocks == traced_both.blocks
    assert derived.total_macs == traced_both.total_macs


def test_the_comparison_speaks_its_traces_language():
    """``compare_layouts`` of two ``lang="zh"`` traces is Chinese when it is shown, later and
    outside any ``with speaking(...)``: its column titles and its sentences."""
    from resnet_explain import explain
    from resnet_explain.analysis.stridemove import compare_layouts

    text = str(compare_layouts(explain("resnet50-v1", lang="zh"), explain("resnet50",
                                                                         lang="zh")))
    head, *_, last = text.splitlines()
    assert head.split()[:3] == ["残差块", "卷积", "卷积核"] and "乘加次数" in head
    assert last.startswith("v1.5 是更准确的布局")
    assert "mult-adds" not in text and "layout" not in text
    english = str(compare_layouts(explain("resnet50-v1"), explain("resnet50")))
    assert english.startswith("block name conv") and "v1.5 is the more accurate" in english
