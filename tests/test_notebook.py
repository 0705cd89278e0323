"""Tests of the Jupyter display (``render/notebook.py``) and the short reprs (``display.py``).

The browser checks (alignment and width under a host's CSS, in headless Chromium) are in
``test_browser.py``; here: the golden HTML of a small model, well-formed HTML, styles that a
sanitizer keeps, escaping, the depth numbering, folding of long runs of blocks, the size of
the HTML, every repr, and tables that display as themselves in IPython.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import pickle
import re
from pathlib import Path

import pytest
from test_render import _Rows, arch_of

from resnet_explain.findings import Finding
from resnet_explain.render import notebook as nb
from resnet_explain.render import render
from resnet_explain.render.display import Rendered
from resnet_explain.render.jsonview import to_dict

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"

class _Parse(_Rows):
    """test_render's nesting check, plus what these tests look at (the display has no void
    elements, so every start tag must be closed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.styles: list[tuple[str, str]] = []  # (tag, style attribute)
        self.details: list[bool] = []  # open or not, in document order

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        values = dict(attrs)
        if "style" in values:
            self.styles.append((tag, values["style"] or ""))
        if tag == "details":
            self.details.append("open" in values)
        super().handle_starttag(tag, attrs)


def parse(html: str) -> _Parse:
    parser = _Parse()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert not parser.stack, parser.stack
    return parser


def declarations(style: str) -> list[tuple[str, str]]:
    out = []
    for part in style.split(";"):
        if part.strip():
            name, _, value = part.partition(":")
            out.append((name.strip(), value.strip()))
    return out


# --- golden --------------------------------------------------------------------------------
def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), text.splitlines(),
                                              "golden", "now", lineterm="", n=2))
        pytest.fail(f"{name} differs from its golden file:\n{diff[:6000]}")


def _pretty(html: str) -> str:
    """One element per line, so that the golden file diffs readably."""
    return re.sub(r"(<(?:div|details|summary|table|tr)[ >])", r"\n\1", html).lstrip() + "\n"


def test_golden_tiny_architecture() -> None:
    check_golden("notebook_tiny.html", _pretty(arch_of("tiny")._repr_html_()))


def test_golden_tiny_block_and_layer() -> None:
    arch = arch_of("tiny")
    text = (_pretty(arch.blocks[1]._repr_html_()) + _pretty(arch.stages[1]._repr_html_())
            + _pretty(arch.layer("block2.c1")._repr_html_()))
    check_golden("notebook_tiny_parts.html", text)


# --- structure -----------------------------------------------------------------------------
MODELS = ["tiny", "resnet18", "resnet50", "resnet20", "resnet18-v2", "resnet152"]


@pytest.mark.parametrize("model", MODELS)
def test_html_is_well_formed_inline_styled_and_collapsible(model: str) -> None:
    arch = arch_of(model)
    html = arch._repr_html_()
    parser = parse(html)
    assert "<style" not in html and "<script" not in html  # stripped when untrusted
    # Stages open, blocks closed: one <details> per stage and per shown block.
    assert parser.details.count(True) == len(arch.stages)
    assert 1 <= parser.details.count(False) <= len(arch.blocks)
    # Every cell states its alignment (a host's td rule would win otherwise).
    cells = [style for tag, style in parser.styles if tag in ("td", "th")]
    assert parser.tags.get("td", 0) + parser.tags.get("th", 0) == len(cells)
    assert all("text-align:" in style for style in cells)
    # Every table is fluid: never wider than the output area.
    tables = [style for tag, style in parser.styles if tag == "table"]
    assert len(tables) == parser.tags["table"]
    assert all("width:100%" in style for style in tables)


@pytest.mark.parametrize("model", ["tiny", "resnet50", "resnet20"])
def test_styles_use_only_properties_a_sanitizer_keeps(model: str) -> None:
    arch = arch_of(model)
    for html in (arch._repr_html_(), arch.blocks[0]._repr_html_(),
                 arch.stages[1]._repr_html_(), arch.layers[0]._repr_html_()):
        for _, style in parse(html).styles:
            for name, value in declarations(style):
                assert name in nb.SAFE_PROPERTIES, (name, style)
                assert value and "!important" not in value and "calc(" not in value


def test_every_layer_appears_once_in_the_unfolded_tree() -> None:
    arch = arch_of("resnet50")
    html = nb.architecture_html(arch, fold_after=None)
    rows = re.findall(r'<tr style="display:block[^"]*"><td', html)
    assert len(rows) == len(arch.layers)
    assert html.count("<details style") == len(arch.blocks)


@pytest.mark.parametrize("model", ["tiny", "resnet18", "resnet34", "resnet50-v1", "resnet20",
                                   "resnet18-v2", "resnet152"])
def test_depth_numbers_count_to_the_plain_depth(model: str) -> None:
    arch = arch_of(model)
    numbers = nb.depth_numbers(arch)
    assert sorted(numbers.values()) == list(range(1, arch.plain_depth + 1))
    html = nb.architecture_html(arch, fold_after=None)
    row = r'<tr style="display:block[^"]*"><td style="[^"]*">(\d+)</td>'
    cells = [int(n) for n in re.findall(row, html)]
    assert cells == list(range(1, arch.plain_depth + 1))
    assert all(arch.layers[i].weighted for i in numbers)


def test_projections_are_not_numbered_and_are_marked_dashed() -> None:
    arch = arch_of("resnet34")
    numbers = nb.depth_numbers(arch)
    projections = [layer for layer in arch.layers if layer.weighted and layer.role == "shortcut"]
    assert len(projections) == arch.shortcut_projections == 3
    assert not any(layer.index in numbers for layer in projections)
    html = nb.architecture_html(arch, fold_after=None)
    assert html.count("· shortcut") == sum(layer.role == "shortcut" for layer in arch.layers)
    assert html.count("dashed #d9822b;padding:0 4px") == 3  # the three projection blocks


def test_card_holds_the_architectures_numbers() -> None:
    arch = arch_of("resnet34")
    card = arch._repr_html_().split("<details", 1)[0]
    text = re.sub(r"<[^>]+>", "", card)
    assert "resnet34" in text and "[1, 3, 224, 224] → [1, 1000]" in text
    assert "34 = 1 + 2×(3+4+6+3) + 1" in text
    assert "37 — 34 on the main path + 3 shortcut projections" in text
    assert "16 — 13 identity, 3 projection" in text
    assert f"Total params {arch.total_params:,}" in text
    assert "Total mult-adds (G) 3.66" in text
    assert "all agree" in text


def test_warnings_are_highlighted_and_everything_is_escaped() -> None:
    arch = arch_of("tiny")
    arch.model = "<Net & 'Co' \"x\">"
    arch.findings.append(Finding("size_formula", {"layer": "a <b>bold</b> claim",
                                                  "formula": "1 = 1", "type": "Conv2d"}))
    arch.blocks[0].reason = "<script>alert(1)</script>"
    arch.layers[0].name = "stem<i>"
    html = arch._repr_html_()
    parse(html)
    assert "<Net" not in html and "<b>bold" not in html and "<script" not in html
    assert "&lt;Net &amp; &#x27;Co&#x27; &quot;x&quot;&gt;" in html
    assert "stem&lt;i&gt;" in html
    warning = re.search(r'<div style="background:#fff4e5[^"]*">([^<]*)</div>', html)
    assert warning is not None and "a &lt;b&gt;bold&lt;/b&gt; claim" in warning.group(1)
    for part in (arch.blocks[0], arch.stages[0], arch.layers[0]):
        assert "<script" not in part._repr_html_()


def test_a_size_mismatch_is_red_in_the_card_and_the_tree() -> None:
    arch = arch_of("tiny")
    layer = next(layer for layer in arch.layers if layer.size_checks)
    check = layer.size_checks[0]
    layer.size_checks[0] = type(check)(**{**check.__dict__, "traced": check.expected + 1})
    html = arch._repr_html_()
    assert html.count("color:#b00020") >= 2
    assert f"≠ traced {check.expected + 1}" in html


# --- folding ---------------------------------------------------------------------------------
def _shown_and_folded(html: str) -> tuple[list[str], int]:
    shown = re.findall(r"<summary style=\"cursor:pointer;padding[^\"]*\"><b>([^<]+)</b>", html)
    folded = sum(int(n) for n in re.findall(r"⋮ (\d+) more blocks identical", html))
    return shown, folded


@pytest.mark.parametrize("model", ["resnet34", "resnet50", "resnet101", "resnet152",
                                   "resnet110"])
def test_folding_keeps_every_block_accounted_for(model: str) -> None:
    arch = arch_of(model)
    shown, folded = _shown_and_folded(arch._repr_html_())
    assert len(shown) + folded == len(arch.blocks)
    assert len(set(shown)) == len(shown)
    for stage in arch.stages:  # the first and the last block of every stage stay visible
        if stage.blocks:
            names = [b.paper_name for b in arch.blocks if b.name in stage.blocks]
            assert names[0] in shown and names[-1] in shown
    if model in ("resnet34", "resnet50"):  # short stages are shown whole
        assert folded == 0


def test_only_identical_blocks_are_folded() -> None:
    arch = arch_of("resnet152")
    html = arch._repr_html_()
    shown, folded = _shown_and_folded(html)
    assert shown[:4] == ["conv2_1", "conv2_2", "conv2_3", "conv3_1"]
    assert folded == 5 + 33
    assert "33 more blocks identical to conv4_2: conv4_3 … conv4_35 (layer3.2 … layer3.34)" \
        in html
    assert "depth #41–#139" in html  # 33 blocks × 3 weighted layers, after conv4_2's #38–#40
    run = [b for b in arch.blocks if b.stage == "conv4_x"][1:]
    assert len({b.signature for b in run}) == 1
    assert arch.blocks[0].signature != arch.blocks[1].signature
    for block in arch.blocks:  # without signatures nothing is folded
        block.signature = ()
    assert _shown_and_folded(nb.architecture_html(arch)) == (
        [b.paper_name for b in arch.blocks], 0)


def test_html_size_stays_reasonable() -> None:
    """Measured: resnet34 ≈ 206 KB (all 16 blocks shown), resnet152 ≈ 210 KB (38 of 50
    blocks folded), resnet1202 ≈ 109 KB (592 of 600 folded) — twice what they were before
    the layer tables' cells carried their fixed-width, never-split field styles (issue 21)."""
    sizes = {model: len(arch_of(model)._repr_html_().encode()) for model in
             ("resnet34", "resnet152", "resnet1202")}
    assert sizes["resnet34"] < 240_000
    assert sizes["resnet152"] < 240_000
    assert sizes["resnet1202"] < 130_000


# --- parts -----------------------------------------------------------------------------------
def test_block_stage_layer_html() -> None:
    arch = arch_of("resnet34")
    block = arch.block("conv3_1")
    html = block._repr_html_()
    parse(html)
    assert "<details open" in html and "conv3_1" in html and "layer2.0" in html
    assert block.reason in html.replace("&gt;", ">")
    assert len(re.findall(r'<tr style="display:block[^"]*"><td', html)) == len(block.layers)
    stage = arch.stages[2]
    html = stage._repr_html_()
    parse(html)
    assert html.count("<details style") == len(stage.blocks)
    layer = arch.layer("maxpool")
    html = layer._repr_html_()
    parse(html)
    assert "✓ 56 = ⌊(112 + 2·1 − 3)/2⌋ + 1" in html and "MaxPool2d" in html
    conv = arch.layer("layer2.0.downsample.0")
    assert "a shortcut projection" in conv._repr_html_()
    assert "#34 of the 34" in arch.layer("fc")._repr_html_()


def test_parts_without_their_architecture_still_display() -> None:
    arch = arch_of("tiny")
    block, stage, layer = (copy.copy(arch.blocks[0]), copy.copy(arch.stages[1]),
                           copy.copy(arch.layers[0]))
    for item in (block, stage, layer):
        assert item.owner() is None  # a copy is held by no Architecture
        html = item._repr_html_()
        parse(html)
        assert len(repr(item)) < 160


# --- reprs -----------------------------------------------------------------------------------
def test_reprs_are_one_short_line() -> None:
    arch = arch_of("resnet34")
    assert repr(arch.block("conv3_1")) == \
        "<Block layer2.0 conv3_1 projection: [1, 64, 56, 56] → [1, 128, 28, 28]>"
    assert repr(arch.stages[2]) == \
        "<Stage conv3_x layer2 ×4 blocks: [1, 64, 56, 56] → [1, 128, 28, 28]>"
    assert repr(arch.stages[0]) == "<Stage conv1 stem: [1, 3, 224, 224] → [1, 64, 112, 112]>"
    assert repr(arch.layer("layer2.0.conv1")) == \
        "<Layer layer2.0.conv1 Conv2d in conv3_1, main: [1, 64, 56, 56] → [1, 128, 28, 28]>"
    assert repr(arch.layer("layer2.0.relu", 1)) == ("<Layer layer2.0.relu (call 2) ReLU in "
                                                    "conv3_1, main: [1, 128, 28, 28] → "
                                                    "[1, 128, 28, 28]>")
    assert repr(arch) == ("<Architecture resnet34: [1, 3, 224, 224] → [1, 1000], depth 34 = "
                          "1 + 2×(3+4+6+3) + 1, 16 blocks, 21,797,672 params, "
                          "3.66 G mult-adds>")
    for item in [arch, *arch.layers, *arch.blocks, *arch.stages]:
        text = repr(item)
        assert "\n" not in text and len(text) <= 160, text
    assert str(arch) == render(arch, "text")  # print(arch) is still the table


def test_architecture_repr_counts_warnings() -> None:
    arch = arch_of("tiny")
    arch.findings += [Finding("no_output"), Finding("batchnorm_reused", {"layers": ["bn"]})]
    assert repr(arch).endswith(", 2 warnings>")


def test_owner_link_is_not_data() -> None:
    arch = arch_of("resnet18")
    assert arch.blocks[0].owner() is arch
    copied = copy.deepcopy(arch)
    assert copied.blocks[0].owner() is copied and copied == arch
    assert "_arch" not in json.dumps(to_dict(arch))
    assert pickle.loads(pickle.dumps(arch)) == arch


# --- tables that display as themselves ----------------------------------------------------
@pytest.mark.parametrize("fmt,mime", [("markdown", "text/markdown"), ("html", "text/html"),
                                      ("json", "application/json")])
def test_tables_display_in_their_format(fmt: str, mime: str) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    arch = arch_of("tiny")
    table = arch.table(fmt, depth="block")
    source = render(arch, fmt, depth="block")
    assert isinstance(table, str) and table == source
    assert type(str(table)) is str and str(table) == source
    data, _ = formatters.DisplayFormatter().format(table)
    assert set(data) == {"text/plain", mime}
    expected = json.loads(source) if fmt == "json" else source
    assert data[mime] == expected
    assert data["text/plain"] == source.rstrip("\n")  # not a quoted, escaped string
    assert pickle.loads(pickle.dumps(table)).format == fmt


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_text_tables_display_as_text(fmt: str) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    arch = arch_of("tiny")
    table = arch.table(fmt)
    data, _ = formatters.DisplayFormatter().format(table)
    assert set(data) == {"text/plain"}
    assert data["text/plain"] == render(arch, fmt).rstrip("\n")
    assert isinstance(table, Rendered) and table.splitlines() == render(arch, fmt).splitlines()


def test_architecture_displays_card_and_short_text() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    arch = arch_of("tiny")
    data, _ = formatters.DisplayFormatter().format(arch)
    assert data["text/html"] == nb.architecture_html(arch)
    assert data["text/plain"] == repr(arch)
    data, _ = formatters.DisplayFormatter().format(arch.blocks[0])
    assert data["text/plain"] == repr(arch.blocks[0]) and "<details open" in data["text/html"]


def test_block_says_its_family_and_where_it_strides() -> None:
    for model, where in (("resnet50", "conv2"), ("resnet50-v1", "conv1")):  # v1.5 vs v1
        arch = arch_of(model)
        html = arch.block("conv3_1")._repr_html_()
        assert f"Bottleneck, post-activation, stride 2 on {where} — channels 256→512" in html
    arch = arch_of("resnet18-v2")
    html = arch.block("conv3_1")._repr_html_()
    assert "BasicBlock, pre-activation (v2), stride 2 on conv1 — " in html
    arch = arch_of("resnet34")
    html = arch.block("conv2_2")._repr_html_()
    assert "BasicBlock, post-activation — identity shortcut" in html


def test_a_block_whose_architecture_is_gone_says_how_to_see_it_whole() -> None:
    block = arch_of("resnet34").block("conv3_1")  # the Architecture is freed at once
    html = block._repr_html_()
    parse(html)
    assert "keep the Architecture in a variable" in html and "conv3_1" in html


def test_the_legend_names_the_shape_of_what_the_model_reads():
    import structures as S

    from resnet_explain import explain

    assert "Shapes are C×H×W of one image." in explain("resnet18")._repr_html_()
    assert "Shapes are C×L of one signal." in explain(S.SignalResNet(1),
                                                       (1, 800))._repr_html_()
    assert "Shapes are F of one sample (its features)." in explain(
        S.TabularResNet(), (20,))._repr_html_()


def test_a_long_dotted_name_may_wrap_after_its_dots_and_reads_whole() -> None:
    from collections import OrderedDict

    import torch

    from resnet_explain import explain

    stem = torch.nn.Sequential(OrderedDict(convolution=torch.nn.Conv2d(3, 8, 3)))
    model = torch.nn.Sequential(OrderedDict(embedder=torch.nn.Sequential(
        OrderedDict(embedder=stem))))
    html = nb.architecture_html(explain(model, (1, 3, 16, 16)))
    assert "embedder.<wbr>embedder.<wbr>convolution" in html
    # The text a reader sees (and copies) is the name, whole.
    assert "embedder.embedder.convolution" in re.sub(r"<[^>]+>", "", html)
