"""Tests of the views (``resnet_explain.render``): goldens, columns that add up, the JSON
contract, well-formed HTML, escaping, and a hand-made ResNet that needs no zoo.

Golden files live in ``tests/golden``. They are produced by the code and checked by a human;
regenerate them only on purpose::

    UPDATE_GOLDENS=1 pytest tests/test_render.py

A failing golden test prints a unified diff.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import difflib
import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain.architecture import Architecture, SizeCheck
from resnet_explain.findings import Finding
from resnet_explain.render import DEPTHS, FORMATS, render
from resnet_explain.render.jsonview import to_dict, to_json

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


# --- a hand-made ResNet: two blocks, a tied (shared) conv, a projection --------------------
class TiedBlock(nn.Module):
    """An identity block whose two 3x3 convolutions are one module (weight tying)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn(self.conv(x)))
        y = self.conv(y)
        return self.relu(y + x)


class DownBlock(nn.Module):
    """A block that halves H and W and doubles the channels: a 1x1 stride-2 projection."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, 2, 1, bias=False)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.relu = nn.ReLU()
        self.proj = nn.Conv2d(cin, cout, 1, 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.c2(self.relu(self.c1(x))) + self.proj(x))


class TinyResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.block1 = TiedBlock(8)
        self.block2 = DownBlock(8, 16)
        self.head = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.stem(x))
        x = self.block2(self.block1(x))
        return self.head(x.mean((2, 3)))


_CACHE: dict[str, Architecture] = {}


def arch_of(name: str) -> Architecture:
    """A fresh copy of a traced model (tests may modify it)."""
    if name not in _CACHE:
        if name == "tiny":
            _CACHE[name] = explain(TinyResNet(), (3, 16, 16), name="tiny")
        else:
            _CACHE[name] = explain(name)
    return copy.deepcopy(_CACHE[name])


MODELS = ["tiny", "resnet18", "resnet50", "resnet20", "resnet18-v2"]


# --- parsing the rendered text -----------------------------------------------------------
def text_parts(text: str) -> tuple[str, list[str], list[str], list[str]]:
    """(column header, table rows, totals lines, explanation lines) of a text table."""
    lines = text.rstrip("\n").split("\n")
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"="}]
    assert len(rules) >= 4, text
    header = lines[rules[0] + 1]
    rows = lines[rules[1] + 1:rules[2]]
    totals = lines[rules[2] + 1:rules[3]]
    explanation = lines[rules[3] + 1:rules[4]] if len(rules) > 4 else []
    return header, rows, totals, explanation


def number(cell: str) -> int:
    return 0 if cell in ("--", "(shared)") else int(cell.replace(",", ""))


def total(totals: list[str], label: str) -> str:
    for line in totals:
        if line.startswith(label + ":"):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{label} not in {totals}")


LAYER_ROW = re.compile(r"\]\s+(\S+)\s+(\S+)\s+(stem|main|shortcut|head)(\s|$)")
NUMBERS_THEN_DEPTH = re.compile(r"\]\s+([\d,]+|--)\s+([\d,]+|--)\s+(\d+)(\s|$)")


def column_sums(text: str, depth: str) -> tuple[int, int, int]:
    """Sum of the Param #, Mult-Adds (and Depth, except at layer depth) columns."""
    _, rows, _, _ = text_parts(text)
    params = macs = depth_sum = 0
    matched = 0
    for row in rows:
        found = (LAYER_ROW if depth == "layer" else NUMBERS_THEN_DEPTH).search(row)
        if not found:
            continue
        matched += 1
        params += number(found.group(1))
        macs += number(found.group(2))
        if depth != "layer":
            depth_sum += int(found.group(3))
    assert matched, text
    return params, macs, depth_sum


# --- goldens -----------------------------------------------------------------------------
GOLDENS = [
    ("text_resnet18_stage.txt", "resnet18", "text", "stage"),
    ("text_resnet50_block.txt", "resnet50", "text", "block"),
    ("text_resnet20_layer.txt", "resnet20", "text", "layer"),
    ("text_resnet18_layer.txt", "resnet18", "text", "layer"),
    ("markdown_resnet18_layer.md", "resnet18", "markdown", "layer"),
    ("json_resnet20.json", "resnet20", "json", "layer"),
    ("csv_resnet18_block.csv", "resnet18", "csv", "block"),
    ("text_tiny_layer.txt", "tiny", "text", "layer"),
    ("html_tiny_block.html", "tiny", "html", "block"),
]


@pytest.mark.parametrize(("filename", "model", "format", "depth"), GOLDENS,
                         ids=[g[0] for g in GOLDENS])
def test_golden(filename: str, model: str, format: str, depth: str) -> None:
    got = render(arch_of(model), format=format, depth=depth)
    path = GOLDEN / filename
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} is missing; create it with UPDATE_GOLDENS=1 and read it")
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if got != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), got.splitlines(keepends=True),
            fromfile=f"golden/{filename}", tofile="rendered"))
        pytest.fail(f"{filename} differs from the golden file "
                    f"(UPDATE_GOLDENS=1 to accept on purpose):\n{diff}", pytrace=False)


#: The same views in Chinese (issue 26): explained with lang="zh", so the block reasons, made
#: while the model is analysed, are Chinese too; the text table lines up with CJK characters
#: counted as two columns.
GOLDENS_ZH = [
    ("zh_text_resnet50_block.txt", "resnet50", "text", "block"),
    ("zh_text_resnet18_layer.txt", "resnet18", "text", "layer"),
]


@pytest.mark.parametrize(("filename", "model", "format", "depth"), GOLDENS_ZH,
                         ids=[g[0] for g in GOLDENS_ZH])
def test_golden_chinese(filename: str, model: str, format: str, depth: str) -> None:
    from resnet_explain import explain

    arch = explain(model, lang="zh")
    got = arch.table(format=format, depth=depth)
    path = GOLDEN / filename
    if UPDATE:
        path.write_text(got, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with UPDATE_GOLDENS=1 and read it")
    expected = path.read_text(encoding="utf-8")
    assert got == expected, "".join(difflib.unified_diff(
        expected.splitlines(keepends=True), got.splitlines(keepends=True),
        fromfile=f"golden/{filename}", tofile="rendered"))


def test_rendering_is_deterministic() -> None:
    arch = arch_of("resnet18")
    again = explain("resnet18")
    for format in FORMATS:
        assert render(arch, format) == render(again, format)


# --- the text view -----------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_text_columns_add_up_to_the_printed_totals(model: str, depth: str) -> None:
    arch = arch_of(model)
    text = render(arch, "text", depth)
    _, _, totals, _ = text_parts(text)
    params, macs, depth_sum = column_sums(text, depth)
    assert params == number(total(totals, "Total params")) == arch.total_params
    assert macs == arch.macs
    unit = "G" if arch.macs >= 1e9 else "M"
    scale = 1e9 if unit == "G" else 1e6
    assert total(totals, f"Total mult-adds ({unit})") == f"{macs / scale:.2f}"
    if depth != "layer":  # the Depth column adds up to the plain depth
        assert depth_sum == arch.plain_depth


@pytest.mark.parametrize("model", MODELS)
def test_text_layout(model: str) -> None:
    arch = arch_of(model)
    for depth in DEPTHS:
        text = render(arch, "text", depth)
        assert "\x1b" not in text
        assert all(line == line.rstrip() for line in text.split("\n"))
        lines = text.split("\n")
        assert lines[0] == (f"{arch.model}: [{', '.join(map(str, arch.input_shape))}] → "
                            f"[{', '.join(map(str, arch.output_shape))}]")
        _, _, _, explanation = text_parts(text)
        assert f"Plain depth: {arch.depth_formula}" in explanation


def test_text_resnet50_numbers() -> None:
    arch = arch_of("resnet50")
    text = render(arch, "text", "layer")
    header, rows, totals, explanation = text_parts(text)
    for title in ("Layer (type)", "Output Shape", "Param #", "Mult-Adds", "Role"):
        assert title in header
    assert totals[:4] == ["Total params: 25,557,032", "Trainable params: 25,557,032",
                          "Non-trainable params: 0", "Total mult-adds (G): 4.09"]
    assert totals[4] == f"Params size (MB): {arch.param_bytes / 1e6:.2f}"
    assert explanation[0] == ("Weighted layers (conv + fc): 54 — 50 on the main path "
                              "+ 4 shortcut projections")
    assert explanation[1] == "Plain depth: 50 = 1 + 3×(3+4+6+3) + 1"
    assert explanation[2] == "Residual blocks: 16 — 12 identity, 4 projection"
    assert explanation[3].endswith("all agree")
    assert explanation[3].startswith("Output sizes: 54 conv/pool layers checked against")
    # tree rows: stage header, block header with its kind, layer rows with their derivation
    assert "conv2_x  layer1  ×3 blocks  56×56" in rows
    assert any(row.startswith("├─ conv2_1  layer1.0  projection: channels 64→256")
               for row in rows)
    stem = next(row for row in rows if "conv1 (Conv2d)" in row and "stem" in row)
    assert "7×7 /2 p3" in stem and "9,408" in stem
    assert stem.endswith("✓ 112 = ⌊(224 + 2·3 − 7)/2⌋ + 1")
    pool = next(row for row in rows if "maxpool (MaxPool2d)" in row)
    assert "3×3 /2 p1" in pool and pool.endswith("✓ 56 = ⌊(112 + 2·1 − 3)/2⌋ + 1")
    roles = [m.group(3) for m in map(LAYER_ROW.search, rows) if m]
    shortcut = [role for role in roles if role == "shortcut"]
    assert len(shortcut) == 8  # 4 projections × (conv + bn)


def test_shared_module_shows_its_parameters_once() -> None:
    text = render(arch_of("tiny"), "text", "layer")
    _, rows, _, _ = text_parts(text)
    convs = [row for row in rows if "conv (Conv2d)" in row]
    assert len(convs) == 2
    assert "576" in convs[0] and "(shared)" in convs[1]
    relus = [row for row in rows if "relu (ReLU)" in row]
    assert all("(shared)" not in row for row in relus)  # no parameters to share: "--"


def test_weighted_line_only_adds_when_the_numbers_add_up() -> None:
    # tiny: the tied conv is one module but two steps on the path: 6 modules, depth 6, 1 proj
    arch = arch_of("tiny")
    assert arch.plain_depth + arch.shortcut_projections != arch.weighted_layers
    _, _, _, explanation = text_parts(render(arch))
    line = explanation[0]
    assert "+" not in line.split(":", 1)[1]
    assert str(arch.weighted_layers) in line and str(arch.plain_depth) in line
    arch = arch_of("resnet20")  # option A: no projections at all
    _, _, _, explanation = text_parts(render(arch))
    assert explanation[0] == ("Weighted layers (conv + fc): 20 — all 20 on the main path, "
                              "no shortcut projections")


def test_mismatch_is_visible_and_warnings_and_notes_are_printed() -> None:
    arch = arch_of("tiny")
    layer = arch.layer("block2.c1")
    check = layer.size_checks[0]
    layer.size_checks = [dataclasses.replace(check, traced=check.expected + 1)]
    arch.findings += [Finding("size_formula", {"layer": "block2.c1", "formula": layer.formula,
                                               "type": "Conv2d", "own_forward": False},
                              layers=("block2.c1",)),
                      Finding("paper_flops", {"paper": 1.8, "computed": 1_810_000_000,
                                              "size": None, "bottleneck": False})]
    text = render(arch, "text", "layer")
    _, rows, _, explanation = text_parts(text)
    row = next(row for row in rows if "c1 (Conv2d)" in row)
    assert "✗ 4 = ⌊(8 + 2·1 − 3)/2⌋ + 1  ≠ traced 5" in row
    assert explanation[3].endswith("1 disagrees: block2.c1")
    assert ("Warning: block2.c1: traced size disagrees with the formula: "
            "4 = ⌊(8 + 2·1 − 3)/2⌋ + 1  ≠ traced 5") in explanation
    assert ("Note: Paper (He et al. 2015, Table 1): 1.8×10⁹ FLOPs — multiply-adds, rounded. "
            "Computed here: 1.81 G conv+fc multiply-adds per image.") in explanation
    assert "mismatch" in render(arch, "html")
    assert "✗ 4 = ⌊(8 + 2·1 − 3)/2⌋ + 1  ≠ traced 5" in render(arch, "markdown")
    rows = list(csv.DictReader(io.StringIO(render(arch, "csv"))))
    assert [row["name"] for row in rows if row["formula_ok"] == "0"] == ["block2.c1"]


def test_formula_derivation_with_dilation_and_ceil() -> None:
    check = SizeCheck("H", 14, 3, 2, 1, 2, True, 7, 7)
    assert check.derivation.startswith("7 = ⌈")  # views print it verbatim


# --- CSV -----------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("depth", DEPTHS)
def test_csv_rows_sum_to_the_totals(model: str, depth: str) -> None:
    arch = arch_of(model)
    rows = list(csv.DictReader(io.StringIO(render(arch, "csv", depth))))
    assert sum(int(row["params"]) for row in rows) == arch.total_params
    assert sum(int(row["macs"]) for row in rows) == arch.macs
    if depth == "layer":
        assert len(rows) == len(arch.layers)
        assert [int(row["index"]) for row in rows] == list(range(len(arch.layers)))
    elif depth == "stage":
        assert [row["name"] for row in rows] == [stage.name for stage in arch.stages]
        assert sum(int(row["depth"]) for row in rows) == arch.plain_depth
    else:
        # the stem split where the stage view splits it (conv1; the max-pool under conv2_x),
        # the blocks, the head
        order = [stage.name for stage in arch.stages]
        stem_stages = sorted({arch.layers[i].stage for i in arch.stem.layers}, key=order.index)
        assert [row["paper_name"] for row in rows if row["row"] == "stem"] == stem_stages
        assert len(rows) == len(arch.blocks) + len(stem_stages) + 1
        assert sum(int(row["depth"]) for row in rows) == arch.plain_depth


# --- JSON ----------------------------------------------------------------------------
TOP_KEYS = ["schema_version", "model", "input_shape", "output_shape", "engine", "plain_depth",
            "depth_formula", "shortcut_projections", "weighted_layers", "total_params",
            "trainable_params", "non_trainable_params", "macs", "warnings", "layers",
            "blocks", "stages"]
LAYER_KEYS = ["index", "name", "type", "call", "inputs", "input_shape", "output_shape",
              "kernel_size", "stride", "padding", "dilation", "groups", "params", "macs",
              "weighted", "role", "stage", "block", "formula", "formula_ok"]
BLOCK_KEYS = ["name", "paper_name", "stage", "kind", "reason", "input_shape", "output_shape",
              "main_layers", "shortcut_layers", "add_layer", "params", "macs"]
STAGE_KEYS = ["name", "module", "kind", "blocks", "input_shape", "output_shape", "params",
              "macs"]


def _in_order(keys: list[str], required: list[str]) -> bool:
    positions = [keys.index(key) for key in required]
    return positions == sorted(positions)


@pytest.mark.parametrize("model", MODELS)
def test_json_contract(model: str) -> None:
    arch = arch_of(model)
    text = render(arch, "json", "stage")
    assert text == render(arch, "json", "layer")  # depth is ignored
    data = json.loads(text)
    assert data == to_dict(arch) == json.loads(to_json(arch, indent=None))
    assert _in_order(list(data), TOP_KEYS)
    assert data["schema_version"] == 1
    assert data["depth_formula"] == arch.depth_formula
    assert (data["total_params"], data["macs"], data["plain_depth"]) == (
        arch.total_params, arch.macs, arch.plain_depth)
    assert data["non_trainable_params"] == data["total_params"] - data["trainable_params"]
    assert data["input_shape"] == list(arch.input_shape)
    layers = data["layers"]
    for i, layer in enumerate(layers):
        assert _in_order(list(layer), LAYER_KEYS)
        assert layer["index"] == i
        assert all(-1 <= j < i for j in layer["inputs"])
        assert isinstance(layer["output_shape"], list)
        assert (layer["formula"] is None) == (layer["kernel_size"] is None
                                              or not arch.layers[i].size_checks)
    assert sum(layer["params"] for layer in layers) == data["total_params"]
    names = [block["name"] for block in data["blocks"]]
    for block in data["blocks"]:
        assert _in_order(list(block), BLOCK_KEYS)
        for i in block["main_layers"]:
            assert layers[i]["block"] == block["name"] and layers[i]["role"] == "main"
        for i in block["shortcut_layers"]:
            assert layers[i]["block"] == block["name"] and layers[i]["role"] == "shortcut"
        assert layers[block["add_layer"]]["type"] == "add"
        assert (block["kind"] == "projection") == any(
            layers[i]["weighted"] for i in block["shortcut_layers"])
    for stage in data["stages"]:
        assert _in_order(list(stage), STAGE_KEYS)
        assert set(stage["blocks"]) <= set(names)
    assert sum(stage["params"] for stage in data["stages"]) == data["total_params"]


def test_json_contract_is_documented() -> None:
    from resnet_explain.render import jsonview

    doc = jsonview.__doc__ or ""
    for key in {*TOP_KEYS, *LAYER_KEYS, *BLOCK_KEYS, *STAGE_KEYS}:
        assert f"`{key}`" in doc, key


# --- HTML and Markdown ---------------------------------------------------------------
class _Rows(HTMLParser):
    VOID = frozenset({"br", "wbr"})  # elements HTML never closes

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.body_rows = 0
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and "tbody" in self.stack:
            self.body_rows += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("model", ["tiny", "resnet50"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_html_is_well_formed_and_has_the_text_rows(model: str, depth: str) -> None:
    arch = arch_of(model)
    parser = _Rows()
    parser.feed(render(arch, "html", depth))
    parser.close()
    assert not parser.errors and not parser.stack
    _, rows, _, _ = text_parts(render(arch, "text", depth))
    assert parser.body_rows == len(rows)


def test_special_characters_are_escaped() -> None:
    arch = arch_of("tiny")
    arch.model = "<Net & 'Co' | \"x\">"
    arch.findings.append(Finding("size_formula", {"layer": "a <b>bold</b> | claim",
                                                  "formula": "1 = 1", "type": "Conv2d"}))
    html = render(arch, "html")
    assert "<Net" not in html and "<b>bold" not in html
    assert "&lt;Net &amp; &#x27;Co&#x27; | &quot;x&quot;&gt;" in html
    parser = _Rows()
    parser.feed(html)
    assert "".join(parser.text).count("<Net & 'Co' | \"x\">") == 1
    markdown = render(arch, "markdown")
    assert "&lt;Net &amp; 'Co' \\| \"x\"&gt;" in markdown or "&lt;Net & 'Co' \\|" in markdown
    assert "a &lt;b&gt;bold&lt;/b&gt; \\| claim" in markdown
    assert arch.model in render(arch, "text")  # plain text is not escaped


def test_markdown_table_shape() -> None:
    arch = arch_of("resnet18")
    markdown = render(arch, "markdown")
    table = [line for line in markdown.split("\n") if line.startswith("|")]
    widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert len(widths) == 1  # every row has the same number of cells
    _, rows, _, _ = text_parts(render(arch, "text"))
    assert len(table) == len(rows) + 2  # header and alignment rows
    assert "- Total params: 11,689,512" in markdown
    assert "- Plain depth: 18 = 1 + 2×(2+2+2+2) + 1" in markdown


# --- the entry point -----------------------------------------------------------------
def test_unknown_format_or_depth_names_the_choices() -> None:
    arch = arch_of("tiny")
    with pytest.raises(ValueError, match="text, markdown, html, json, csv"):
        render(arch, format="yaml")
    with pytest.raises(ValueError, match="stage, block, layer"):
        render(arch, depth="module")
    assert str(arch) == render(arch)


def test_render_package_does_not_import_torch() -> None:
    code = ("import sys, resnet_explain.render as r, resnet_explain.render.text, "
            "resnet_explain.render.markdown, resnet_explain.render.html, "
            "resnet_explain.render.csvview, resnet_explain.render.jsonview; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
