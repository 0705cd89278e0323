"""Table 1 rebuilt from traces: goldens (text, Markdown, LaTeX), the figures against DESIGN.md's
facts, the cells against the paper's notation, and a student's model in its own column.

``UPDATE_GOLDENS=1 pytest tests/test_table1.py -k golden`` rewrites the golden files (or
``python scripts/update_goldens.py``); read the diff.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from resnet_explain import explain, table1
from resnet_explain.paper.table1 import IMAGENET_MODELS, Bracket

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"

_CACHE: dict[str, object] = {}


def paper_table():
    if "paper" not in _CACHE:
        _CACHE["paper"] = table1()
    return _CACHE["paper"]


def cifar_table():
    if "cifar" not in _CACHE:
        _CACHE["cifar"] = table1(cifar=True)
    return _CACHE["cifar"]


def row(table, name):
    return next(r for r in table.rows if r.name == name)


@pytest.mark.parametrize(("filename", "which", "format"), [
    ("table1_paper.txt", "paper", "text"),
    ("table1_paper.md", "paper", "markdown"),
    ("table1_paper.tex", "paper", "latex"),
    ("table1_cifar.txt", "cifar", "text"),
])
def test_golden(filename: str, which: str, format: str) -> None:
    got = (paper_table() if which == "paper" else cifar_table()).render(format)
    path = GOLDEN / filename
    if UPDATE:
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; create it with UPDATE_GOLDENS=1 and read it"
    expected = path.read_text(encoding="utf-8")
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                            fromfile=filename, tofile="rendered"))
        pytest.fail(f"{filename} differs (UPDATE_GOLDENS=1 to accept):\n{diff}", pytrace=False)


# --- the figures against DESIGN.md's facts ---------------------------------------------------
def test_flops_row_is_design_md_v1_figures_beside_the_papers():
    flops = row(paper_table(), "FLOPs").cells
    # DESIGN.md: computed conv+fc MACs for v1 1.814, 3.664, 3.858, 7.570, 11.282 G; paper
    # (Table 1) 1.8, 3.6, 3.8, 7.6, 11.3
    computed = ["1.81", "3.66", "3.86", "7.57", "11.28"]
    paper = ["1.8", "3.6", "3.8", "7.6", "11.3"]
    for cell, ours, theirs in zip(flops, computed, paper):
        assert cell[0].startswith(f"{ours}×10⁹"), cell
        assert cell[1] == f"paper {theirs}×10⁹", cell
    assert [c.title for c in paper_table().columns] == [
        "18-layer", "34-layer", "50-layer (v1)", "101-layer (v1)", "152-layer (v1)"]
    assert [c.model for c in paper_table().columns] == list(IMAGENET_MODELS)


def test_v15_is_marked_and_costs_more():
    table = table1(["resnet50", "resnet50-v1"])
    flops = row(table, "FLOPs").cells
    assert flops[0] == ["4.09×10⁹ (v1.5)", "paper 3.8×10⁹ (v1)"]  # torchinfo: 8.18 G at N=2
    assert flops[1] == ["3.86×10⁹ (v1)", "paper 3.8×10⁹"]
    assert [c.layout for c in table.columns] == ["v1.5", "v1"]
    assert any("v1.5 (torchvision)" in note for note in table.notes)


def test_cifar_table_sizes_filters_depth_and_params():
    table = cifar_table()
    assert [c.model for c in table.columns] == [
        "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet1202"]
    # section 4.2: output maps 32, 16, 8 with 16, 32, 64 filters; n = 3, 5, 7, 9, 18, 200
    sizes = {r.name: r.output_size for r in table.rows if r.kind == "stage"}
    assert sizes == {"conv1": "32×32", "conv2_x": "32×32", "conv3_x": "16×16",
                     "conv4_x": "8×8", "fc": "1×1"}
    for stage, width in (("conv2_x", 16), ("conv3_x", 32), ("conv4_x", 64)):
        for n, cell in zip((3, 5, 7, 9, 18, 200), row(table, stage).cells):
            assert cell == [Bracket((f"3×3, {width}", f"3×3, {width}"), n)]
    for n, cell in zip((3, 5, 7, 9, 18, 200), row(table, "depth").cells):
        assert cell[1] == f"= 6·{n} + 2"
        assert cell[0].startswith(f"{6 * n + 2} = ")
    # the paper's parameter counts beside the computed ones (DESIGN.md; 269,722 for ResNet-20)
    params = row(table, "params").cells
    assert [c[1] for c in params] == [f"paper {p}M" for p in
                                      ("0.27", "0.46", "0.66", "0.85", "1.7", "19.4")]
    assert [c[0] for c in params] == ["0.27M", "0.46M", "0.66M", "0.85M", "1.73M", "19.42M"]
    assert any("zero-padded identity shortcut (option A)" in note for note in table.notes)


def test_title_and_figure_notes_name_the_papers_source():
    """Issue 20, item 5: the CIFAR nets are section 4.2 (parameters in Table 6), not Table 1,
    and the paper gives no FLOPs for them; a note speaks only of the figures shown."""
    cifar = cifar_table()
    assert cifar.title.startswith("CIFAR-10 ResNets (He et al. 2015, section 4.2; "
                                  "parameters in Table 6)")
    assert not any(line.startswith("paper") for cell in row(cifar, "FLOPs").cells
                   for line in cell)
    assert any(line.startswith("paper") for cell in row(cifar, "params").cells
               for line in cell)
    assert "the paper gives none for its CIFAR-10 nets" in cifar.notes[2]
    assert "paper's (Table 1)" not in " ".join(cifar.notes)
    assert any(note.startswith("params: the paper's are Table 6's") for note in cifar.notes)
    paper = paper_table()
    assert paper.title.startswith("Table 1 (He et al. 2015)")
    assert "the paper's (Table 1) are rounded" in " ".join(paper.notes)
    assert not any(note.startswith("params:") for note in paper.notes)
    both = table1(["resnet18", "resnet20"])
    assert both.title.startswith("Table 1 and the CIFAR-10 ResNets of section 4.2")
    # a CIFAR shape at another size: no paper figure shown, so no note about the paper's
    other = table1(["resnet20"], input_size="3x64x64")
    assert other.title.startswith("CIFAR-10 ResNets")
    assert not any(note.startswith("params:") for note in other.notes)


# --- the cells are the traced blocks ------------------------------------------------------------
def test_cells_in_the_papers_notation():
    table = paper_table()
    assert row(table, "conv1").cells[0] == ["7×7, 64, stride 2"]
    assert row(table, "conv1").output_size == "112×112"
    conv2 = row(table, "conv2_x")
    assert conv2.output_size == "56×56"
    assert conv2.cells[0] == ["3×3 max pool, stride 2", Bracket(("3×3, 64", "3×3, 64"), 2)]
    assert conv2.cells[2][1].text == "[1×1, 64; 3×3, 64; 1×1, 256] ×3"
    repeats = {r.name: [c[-1].repeat for c in r.cells]
               for r in table.rows if r.name in ("conv2_x", "conv3_x", "conv4_x", "conv5_x")}
    assert repeats == {"conv2_x": [2, 3, 3, 3, 3], "conv3_x": [2, 4, 4, 4, 8],
                       "conv4_x": [2, 6, 6, 23, 36], "conv5_x": [2, 3, 3, 3, 3]}
    assert [r.output_size for r in table.rows if r.kind == "stage"] == [
        "112×112", "56×56", "28×28", "14×14", "7×7", "1×1"]
    assert row(table, "fc").cells[0] == ["global average pool, 1000-d fc"]


def test_repeats_add_up_to_the_traced_blocks():
    """Property: every stage's brackets hold all of its traced blocks, each block's main path."""
    for model in ("resnet18", "resnet50", "resnet20", "resnet18-v2"):
        arch = explain(model)
        table = table1([arch])
        for stage in arch.stages:
            if stage.kind != "blocks":
                continue
            brackets = [line for line in row(table, stage.name).cells[0]
                        if isinstance(line, Bracket)]
            assert sum(b.repeat for b in brackets) == len(stage.blocks)
            assert all(len(b.layers) == arch.block(stage.blocks[0]).main_weighted
                       for b in brackets)


def test_a_students_model_gets_its_own_column():
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from toy_models import StudentNet
    finally:
        sys.path.remove(str(ROOT / "tests"))
    table = table1(["resnet18", StudentNet()], input_size=(3, 32, 32))
    assert [c.model for c in table.columns] == ["resnet18", "StudentNet"]
    conv2 = row(table, "conv2_x")
    assert conv2.output_size == "varies"  # 8×8 for resnet18 at 32×32, 32×32 for the student
    assert conv2.cells[1] == ["(32×32)", Bracket(("3×3, 16", "3×3, 16"), 2)]
    assert row(table, "conv4_x").cells[1] == ["—"]
    flops = row(table, "FLOPs").cells
    assert len(flops[0]) == 1  # not at 224×224: no paper figure beside it
    assert any("left out" in note for note in table.notes)


# --- formats ------------------------------------------------------------------------------------
def test_formats_hold_the_same_cells():
    table = paper_table()
    data = json.loads(table.render("json"))
    assert [m["model"] for m in data["models"]] == list(IMAGENET_MODELS)
    conv3 = next(r for r in data["rows"] if r["name"] == "conv3_x")
    assert conv3["cells"][2] == [{"layers": ["1×1, 128", "3×3, 128", "1×1, 512"], "repeat": 4}]
    html = table._repr_html_()
    assert html.count("<tr") == len(table.rows) + 1
    assert "<script" not in html and "http" not in html
    assert 'colspan="5"' in html  # conv1 is the same for all five, written once
    assert table._repr_markdown_() == table.render("markdown")
    assert str(table) == table.render("text")
    latex = table.render("latex")
    assert latex.count(r"\toprule") == latex.count(r"\bottomrule") == 1
    assert r"\multicolumn{5}{c}{7${\times}$7, 64, stride 2}" in latex
    assert all(line.count("&") == 6 for line in latex.splitlines() if line.endswith(r"\\")
               and "multicolumn" not in line)
    with pytest.raises(ValueError, match="unknown format"):
        table.render("pdf")


def test_text_layout_is_a_grid():
    text = paper_table().render("text")
    lines = text.splitlines()
    assert all(line == line.rstrip() for line in lines)
    header = lines[2]
    for model in IMAGENET_MODELS:
        assert model in header
    starts = [header.index(model) for model in IMAGENET_MODELS]
    for line in lines:  # every bracket starts at its model's column
        for match in re.finditer(r"\[1×1", line):
            assert match.start() in starts


# --- the command line ---------------------------------------------------------------------------
def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_explain", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)


def test_cli_table1(tmp_path: Path) -> None:
    done = run("table1", "resnet18", "resnet50", "-o", str(tmp_path / "t.tex"))
    assert done.returncode == 0, done.stderr
    tex = (tmp_path / "t.tex").read_text(encoding="utf-8")
    assert tex == table1(["resnet18", "resnet50"]).render("latex")
    done = run("table1", "resnet20", "--format", "markdown")
    assert done.returncode == 0 and done.stdout.startswith("**CIFAR-10 ResNets (He et al. "
                                                           "2015, section 4.2")


def test_cli_table1_errors() -> None:
    done = run("table1", "resnet5O")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "resnet50" in done.stderr
    done = run("table1", "--cifar", "resnet20")
    assert done.returncode == 2 and done.stderr.startswith("error: --cifar")
