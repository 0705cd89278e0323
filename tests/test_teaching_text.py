"""The sentences that the notebooks, Table 1, the plots and the diagrams teach (issue 20,
"Statements that are wrong or misleading"): each rule a sentence states is checked here
against the traced numbers and, where it can be, a real forward."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import torch

from resnet_explain import explain

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "notebooks"))

import make_notebooks  # noqa: E402
import student_resnet  # noqa: E402


def notebook_text(name: str) -> str:
    cells = make_notebooks.NOTEBOOKS_CELLS[name]
    return "\n".join(source for _kind, source in cells)


# --- item 3: a max-pool without padding puts only conv2_x off by one ---------------------------
def test_only_conv2_x_is_off_by_one_in_the_students_resnet():
    student = student_resnet.StudentResNet()
    arch, reference = explain(student, input_size=(3, 224, 224)), explain("resnet18")
    off = {mine.name: (mine.output_shape[2:], theirs.output_shape[2:])
           for mine, theirs in zip(arch.stages, reference.stages)
           if mine.output_shape != theirs.output_shape}
    assert off == {"conv2_x": ((55, 55), (56, 56))}
    # a real forward: only layer1 (conv2_x) ends in a map of another size than ResNet-18's
    seen: dict[str, tuple[int, ...]] = {}
    hooks = [getattr(student, name).register_forward_hook(
        lambda _m, _i, out, name=name: seen.update({name: tuple(out.shape[2:])}))
        for name in ("maxpool", "layer1", "layer2", "layer3", "layer4")]
    try:
        with torch.no_grad():
            student.eval()(torch.zeros(1, 3, 224, 224))
    finally:
        for hook in hooks:
            hook.remove()
    assert seen == {"maxpool": (55, 55), "layer1": (55, 55), "layer2": (28, 28),
                    "layer3": (14, 14), "layer4": (7, 7)}
    # the notebook names that one stage, and no longer says every later map is off
    text = notebook_text("03_check_your_own_resnet.ipynb")
    assert f"Only {next(iter(off))}'s map is off." in text
    assert "Every later map is off by one" not in text


# --- item 8: option A is a "zero-padded identity", drawn dotted everywhere ---------------------
def test_option_a_is_said_zero_padded_identity_and_kept_padded_in_the_data():
    import csv
    import io
    import json
    import re

    arch = explain("resnet20")
    block = arch.block("conv3_1")
    assert block.kind == "padded"  # the data's value: the JSON contract does not change
    assert {b["kind"] for b in json.loads(arch.to_json())["blocks"]} == {"identity", "padded"}
    rows = list(csv.DictReader(io.StringIO(arch.table("csv", depth="block"))))
    assert {row["kind"] for row in rows if row["row"] == "block"} == {"identity", "padded"}
    text = arch.table("text", depth="layer")
    assert "Residual blocks: 9 — 7 identity, 2 zero-padded identity" in text
    assert "  zero-padded identity: channels 16→32" in text
    block_table = arch.table("text", depth="block")
    assert re.search(r"conv3_1\s+zero-padded identity\s", block_table)
    assert repr(block).startswith("<Block layer2.0 conv3_1 zero-padded identity:")
    for view in (text, block_table, arch.table("markdown"), repr(block), block._repr_html_(),
                 arch._repr_html_()):
        assert not re.search(r"(?<!zero-)\bpadded\b(?! identity)", re.sub(r"<[^>]+>", "", view))


def test_option_a_rows_have_the_line_of_their_header_and_legend():
    """The notebook display and the HTML table mark a shortcut's rows with the line of its
    block: dotted purple for option A, as the legend and the block header say."""
    import re

    arch = explain("resnet20")
    html = arch.block("conv3_1")._repr_html_()
    lines = re.findall(r"border-left:\dpx (\w+ #\w+)", html)
    assert lines and set(lines) == {"dotted #8250df"}
    assert "dotted = option A (zero-padded)" in re.sub(r"<[^>]+>", "", arch._repr_html_())
    projection = explain("resnet18").block("conv3_1")._repr_html_()
    assert set(re.findall(r"border-left:\dpx (\w+ #\w+)", projection)) == {"dashed #d9822b"}
    table = arch.table("html")
    marks = re.findall(r'<tr class="([^"]+)" style="[^"]*border-left:3px (\w+)', table)
    assert ("layer shortcut", "dotted") in marks and ("block padded", "dotted") in marks
    assert not [kind for kind, line in marks if line == "dashed"]


def test_a_dashed_mark_is_announced_only_above_a_block_that_has_one():
    """Notebook 02 said "open the block below: the shortcut's rows have a dashed mark" above
    an identity block. Every markdown cell that announces a dashed mark or line is followed
    by a block whose shortcut has layers (drawn dashed); one that announces an identity block
    by a block without any."""
    import re

    traced = {"r34": explain("resnet34"),
              "arch": explain(student_resnet.StudentResNet(), input_size=(3, 224, 224))}
    checked = 0
    for name in ("02_blocks_and_shortcuts.ipynb", "03_check_your_own_resnet.ipynb"):
        cells = make_notebooks.NOTEBOOKS_CELLS[name]
        for (kind, text), (_, code) in pairwise(cells):
            shown = re.fullmatch(r'(\w+)\.block\("(\w+)"\)', code.strip())
            if kind != "md" or shown is None:
                continue
            block = traced[shown.group(1)].block(shown.group(2))
            text = text.split("\n\n")[-1]  # the paragraph right above the block
            if "dashed" in text:
                assert block.shortcut_layers and block.kind == "projection", (name, text)
                checked += 1
            elif "identity block" in text:
                assert not block.shortcut_layers and block.kind == "identity", (name, text)
                checked += 1
    assert checked == 3


def test_the_max_pool_is_in_conv2_x_in_every_view():
    """The paper's Table 1 lists the stem's 3×3 max-pool under conv2_x; the stage view, the
    block view (text and CSV), the block diagram and Table 1 all put it there."""
    import csv
    import io
    import re

    from resnet_explain import table1
    from resnet_explain.paper.table1 import Bracket

    for model in ("resnet18", "resnet50"):
        arch = explain(model)
        pool = arch.layer("maxpool")
        assert pool.stage == "conv2_x" and pool.index in arch.stem.layers
        stages = {s.name: s for s in arch.stages}
        assert pool.index in stages["conv2_x"].layers
        assert stages["conv1"].output_shape[2:] == (112, 112)  # the stem's conv, not the pool
        rows = list(csv.DictReader(io.StringIO(arch.table("csv", depth="block"))))
        assert [(r["name"], r["paper_name"], r["reason"]) for r in rows[:2]] == [
            ("(stem)", "conv1", "layers conv1 … relu"), ("(pool)", "conv2_x", "layers maxpool")]
        assert rows[0]["output_shape"] == "1x64x112x112" and rows[1]["output_shape"] == \
            "1x64x56x56"
        text = arch.table("text", depth="block")
        assert re.search(r"^\(pool\)\s+conv2_x\s+\[1, 64, 112, 112\]\s+\[1, 64, 56, 56\]", text,
                         re.MULTILINE)
        source = arch.diagram(level="block").source
        conv2 = source[source.index("subgraph cluster_s1"):source.index("subgraph cluster_s2")]
        assert "max pool 3×3, stride 2, pad 1" in conv2
        stem = source[source.index("\tstem [label"):source.index("subgraph cluster_s1")]
        assert "max pool" not in stem and "conv 7×7, 64, stride 2" in stem
        layers = arch.diagram(level="layer").source
        frame = layers[layers.index("subgraph cluster_pre_conv2_x"):]
        frame = frame[:frame.index("subgraph", 10)]
        assert "max pool 3×3" in frame and "<B>conv2_x</B>" in frame
        stem = layers[layers.index("subgraph cluster_stem"):layers.index("cluster_pre_conv2_x")]
        assert "max pool" not in stem
    cell = next(r for r in table1(["resnet18"]).rows if r.name == "conv2_x").cells[0]
    assert cell[0] == "3×3 max pool, stride 2" and isinstance(cell[1], Bracket)


# --- item 7: a broken line is not always a projection (the paper's ResNet-34 uses option A) ---
def test_the_papers_resnet34_with_option_a_has_the_plain_networks_parameters():
    from resnet_explain.zoo import build

    option_a, option_b = explain("resnet34", shortcut="A"), explain("resnet34")
    assert {str(b.kind) for b in option_a.blocks} == {"identity", "padded"}
    assert option_a.shortcut_projections == 0 and option_b.shortcut_projections == 3
    projections = sum(option_b.layers[i].params for block in option_b.blocks
                      for i in block.shortcut_layers)
    real = sum(p.numel() for p in build("resnet34", shortcut="A").parameters())
    # the issue's and docs/facts.md's figures: 21,797,672 less three projections' 173,824
    assert option_a.total_params == real == option_b.total_params - projections == 21_623_848
    assert projections == 173_824
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f'`explain("resnet34", shortcut="A")`: {option_a.total_params:,} parameters' in readme


def test_where_broken_lines_are_taught_option_a_is_said_too():
    """Notebooks 01 and 02 and the README teach the shape-changing shortcuts; each says that
    the paper's own ResNet-34 (Table 2) uses option A for them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (notebook_text("01_what_does_34_count.ipynb"),
                 notebook_text("02_blocks_and_shortcuts.ipynb"), readme):
        assert "ResNet-34" in text and "Table 2" in text and "option A" in text
        assert "dashed line = projection" not in text.lower()


# --- item 4: ResNet v2's first unit, as the v2 paper's appendix builds it ---------------------
def test_v2_first_unit_follows_the_papers_appendix_and_the_notebook_says_the_convention():
    v2 = explain("resnet18-v2")
    assert [v2.layers[i].type for i in v2.stages[0].layers] == ["Conv2d", "BatchNorm2d", "ReLU"]
    first, second = v2.block("conv2_1"), v2.block("conv2_2")
    assert [v2.layers[i].type for i in first.main_layers][:1] == ["Conv2d"]  # no bn1 of its own
    assert [v2.layers[i].type for i in second.main_layers][:2] == ["BatchNorm2d", "ReLU"]
    # the same parameters as the other convention (timm resnetv2_18 leaves conv1 bare)
    assert v2.total_params == 11_687_720
    text = notebook_text("02_blocks_and_shortcuts.ipynb")
    assert "not followed by BN + ReLU" not in text
    assert "conv1 *is* followed by BN + ReLU" in text and "convention" in text
    for other in ("kuangliu", "TF-slim", "timm"):
        assert other in text
