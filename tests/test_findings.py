"""Findings are records, and their sentences are made from their facts.

The facts a sentence states are checked here against independent sources: the v1.5 cost
against a trace of the v1 model (the paper's layout, built by the zoo), the CIFAR note's
projection parameters against PyTorch's own count of the shortcut modules. Issue 20's wrong
sentences are tested by their rule: a note that compares two numbers compares them the way
the numbers do, whatever the options.
"""

from __future__ import annotations

import copy
import gc
import json
import pickle
import re
import weakref

import pytest
from torch import nn

from resnet_explain import explain
from resnet_explain.findings import KINDS, Finding, Severity
from resnet_explain.sentences import SENTENCES
from resnet_explain.zoo import build


def _finding(arch, kind: str) -> Finding:
    return next(f for f in arch.findings if f.kind == kind)


def test_every_kind_has_a_sentence_and_nothing_else_does() -> None:
    assert set(SENTENCES) == set(KINDS)
    with pytest.raises(ValueError, match="unknown finding kind 'nonsense'"):
        Finding("nonsense")


def test_warnings_and_notes_are_the_findings_sentences_by_severity() -> None:
    arch = explain("resnet50")
    assert arch.notes == [f.text for f in arch.findings if f.severity is Severity.NOTE]
    assert arch.warnings == [] and arch.notes  # the paper's figures are notes


@pytest.mark.parametrize("name", ["resnet50", "resnet101", "resnet152"])
def test_v1_5_cost_is_the_first_1x1_and_matches_a_trace_of_v1(name: str) -> None:
    v15, v1 = explain(name), explain(f"{name}-v1")
    cost = _finding(v15, "v1_5_cost")
    facts = cost.facts
    assert facts["blocks"] == ["conv3_1", "conv4_1", "conv5_1"]
    assert facts["v1_macs"] == v1.macs_per_image  # the v1 model, traced
    assert facts["macs"] == v15.macs_per_image
    # conv3_1's first 1×1 in each layout, read off the two traces
    first_v15, first_v1 = (next(v.layers[i] for i in v.block("conv3_1").main_layers
                                if v.layers[i].weighted) for v in (v15, v1))
    assert (facts["v1_5_first"], facts["v1_first"]) == (first_v15.macs, first_v1.macs)
    assert (first_v15.macs, first_v1.macs) == (102_760_448, 25_690_112)  # DESIGN.md, item 4
    # The 3×3 costs the same in both layouts: the sentence says so because it is so.
    three_v15 = v15.layers[v15.block("conv3_1").strided_layers[0]]
    three_v1 = next(v1.layers[i] for i in v1.block("conv3_1").main_layers
                    if v1.layers[i].kernel_size == (3, 3))
    assert three_v15.macs == three_v1.macs == 115_605_504
    text = cost.text
    assert "102,760,448 multiply-adds in conv3_1 instead of v1's 25,690,112" in text
    assert f"+{v15.macs_per_image - v1.macs_per_image:,} multiply-adds" in text
    assert "the 3×3 costs the same" in text and "larger map" not in text
    assert "never reads 3 of every 4 input positions" in text


def test_v1_5_cost_by_the_model_s_own_numbers_with_option_a() -> None:
    """Issue 20, item 2: `--shortcut A` made a note say "3.73 G … costs more than v1 (3.86 G)".
    The comparison is now made from this model's numbers and the v1 twin with the same
    shortcuts."""
    a, a_v1 = explain("resnet50", shortcut="A"), explain("resnet50-v1", shortcut="A")
    cost = _finding(a, "v1_5_cost")
    assert cost.facts["v1_macs"] == a_v1.macs_per_image < a.macs_per_image
    assert "v1.5 costs more than v1: 3.73 G against 3.50 G" in cost.text


def test_every_note_that_compares_g_figures_orders_them_as_the_numbers_do() -> None:
    """The rule behind item 2, for every zoo Bottleneck model and option: "X against Y" after
    "costs more than" has X > Y."""
    for name in ("resnet50", "resnet101"):
        for option in "ABC":
            for note in explain(name, shortcut=option).notes:
                for more, less in re.findall(r"costs more than v1: ([\d.]+) G against "
                                             r"([\d.]+) G", note):
                    assert float(more) > float(less)


def test_no_v1_5_note_for_v1_basic_or_v2_where_it_would_not_hold() -> None:
    for name in ("resnet50-v1", "resnet18", "resnet34", "resnet20"):
        assert not [f for f in explain(name).findings if f.kind == "v1_5_cost"]


def test_cifar_note_says_the_paper_counts_option_a() -> None:
    """Item 6: "Paper: 0.85M; counted 855,770" on `resnet56 --shortcut B` now says the
    paper's figure is option A's, and how many parameters the projections add."""
    a, b = explain("resnet56"), explain("resnet56", shortcut="B")
    built = build("resnet56", shortcut="B")
    projections = sum(p.numel() for name, m in built.named_modules()
                      if name.endswith("downsample") for p in m.parameters())
    assert projections == b.total_params - a.total_params  # option A has no parameters
    note = _finding(b, "paper_cifar_params")
    assert note.facts["projection_params"] == projections
    assert "with option A shortcuts" in note.text
    assert f"hold {projections:,} of those parameters" in note.text
    assert "not option A" not in _finding(a, "paper_cifar_params").text


def test_warnings_name_their_layers_and_blocks() -> None:
    class Biased(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=True)
            self.bn = nn.BatchNorm2d(8)
            self.pool = nn.MaxPool2d(3, 2)  # no padding: 32 → 15

        def forward(self, x):
            return self.pool(self.bn(self.conv(x)))

    arch = explain(Biased(), (3, 32, 32))
    kinds = {f.kind: f for f in arch.findings}
    assert kinds["bias_before_batchnorm"].layers == ("conv",)
    assert kinds["inexact_downsampling"].layers == ("pool",)
    assert kinds["inexact_downsampling"].facts["traced"] == \
        arch.layer("pool").output_shape[2] == 15
    assert kinds["inexact_downsampling"].facts["expected"] == 16


def test_findings_in_json_carry_facts_and_sentences() -> None:
    arch = explain("resnet50")
    data = json.loads(arch.to_json())
    assert [f["kind"] for f in data["findings"]] == [f.kind for f in arch.findings]
    cost = next(f for f in data["findings"] if f["kind"] == "v1_5_cost")
    assert cost["severity"] == "note" and cost["facts"]["v1_first"] == 25_690_112
    assert cost["text"] == _finding(arch, "v1_5_cost").text
    assert data["notes"] == arch.notes


def test_depth_formula_is_a_structure_whose_text_is_the_sum() -> None:
    arch = explain("resnet34")
    terms = arch.depth_terms
    assert (terms.stem, terms.blocks_per_stage, terms.per_block, terms.head) == \
        (1, (3, 4, 6, 3), 2, 1)
    assert terms.stem + terms.per_block * sum(terms.blocks_per_stage) + terms.head == 34
    assert arch.depth_formula == str(terms) == "34 = 1 + 2×(3+4+6+3) + 1"


@pytest.mark.parametrize(("name", "layout"), [("resnet50", "v1.5"), ("resnet50-v1", "v1"),
                                               ("resnet18", None), ("resnet20", None)])
def test_layout_is_a_fact_of_the_architecture(name: str, layout: str | None) -> None:
    assert explain(name).layout == layout


def test_an_architecture_is_freed_by_reference_counting_alone() -> None:
    """No reference cycle: a layer, block or stage links back to its Architecture weakly, so
    the Architecture goes the moment its last name does, with the cyclic collector off."""
    explain("resnet18")  # the first call's imports keep frames of their own
    gc.collect()
    gc.disable()
    try:
        arch = explain("resnet18")
        gone = weakref.ref(arch)
        block = arch.block("conv3_1")
        assert block.owner() is arch and arch.layers[0].owner() is arch
        del arch
        assert gone() is None and block.owner() is None
    finally:
        gc.enable()


def test_copies_and_pickles_link_to_their_own_architecture() -> None:
    arch = explain("resnet18")
    for other in (copy.deepcopy(arch), pickle.loads(pickle.dumps(arch))):
        assert other == arch
        assert all(item.owner() is other
                   for item in (*other.layers, *other.blocks, *other.stages))


# --- warnings on their rows (issue 21, item 4) ---------------------------------------------
def _student():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))
    from student_resnet import StudentResNet

    return explain(StudentResNet())


def test_a_flagged_layer_shows_the_warning_in_its_own_row_not_a_tick() -> None:
    arch = _student()
    text = str(arch.table("text"))
    pool = next(line for line in text.splitlines() if "maxpool (MaxPool2d)" in line)
    # 112 → 55 by the formula, and the row says what is wrong with it
    assert "⚠ 55 = ⌊(112 − 3)/2⌋ + 1 — 112 → 55, not 56: needs padding 1" in pool
    assert "✓" not in pool
    relu = [line for line in text.splitlines() if "downsample.2 (ReLU)" in line]
    assert len(relu) == 3 and all("⚠ — activation on the shortcut" in line for line in relu)


def test_every_row_a_warning_names_is_marked_and_no_other() -> None:
    arch = _student()
    named = {name for finding in arch.findings if finding.severity == "warning"
             for name in finding.layers}
    html = arch.table("html", depth="layer")
    rows = [row for row in str(arch.table("text")).splitlines() if "(" in row[:60]]
    marked = sum("⚠" in row for row in rows)
    assert marked == sum(layer.name in named for layer in arch.layers) > 0
    assert len(re.findall(r'<tr class="layer [^"]*\bwarning\b', html)) == marked


def test_the_notebook_tree_marks_the_row_and_keeps_the_sentence_on_hover() -> None:
    arch = _student()
    html = arch._repr_html_()
    assert "⚠ 55 = ⌊(112 − 3)/2⌋ + 1 — 112 → 55, not 56: needs padding 1" in html
    assert 'title="maxpool turns 112 into 55' in html
    assert "✓ 55 = ⌊(112 − 3)/2⌋ + 1" not in html


def test_a_model_without_warnings_has_no_marked_row() -> None:
    arch = explain("resnet18")
    assert arch.layer_warnings() == {} and "⚠" not in str(arch.table("text"))
