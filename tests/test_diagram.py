"""Diagrams: golden DOT, node/edge counts against the Architecture, collapsing, figures/, CLI.

Rendering tests need pygraphviz (its wheel bundles Graphviz) or a system ``dot``; they are
skipped when neither is there. ``UPDATE_GOLDENS=1 pytest tests/test_diagram.py`` rewrites
``tests/golden/diagram_*.dot``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import graphviz
import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain.cli import main
from resnet_explain.diagram import diagram
from resnet_explain.diagram import render as render_module
from resnet_explain.diagram.lessons import LESSONS, figures, lesson
from resnet_explain.diagram.network import block_runs
from resnet_explain.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
needs_renderer = pytest.mark.skipif(render_module.available_renderer() is None,
                                    reason="neither pygraphviz nor a system dot")


# --- a small ResNet of our own (independent of the zoo) ----------------------------------
class Basic(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        skip = x if self.downsample is None else self.downsample(x)
        return self.relu(y + skip)


class TinyResNet(nn.Module):
    """Stem, two identity blocks, a projection block and two more identity blocks, head."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.layer1 = nn.Sequential(Basic(8, 8, 1), Basic(8, 8, 1))
        self.layer2 = nn.Sequential(Basic(8, 16, 2), Basic(16, 16, 1), Basic(16, 16, 1))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


@pytest.fixture(scope="module")
def tiny():
    return explain(TinyResNet(), (3, 16, 16), name="tiny")


@pytest.fixture(scope="module")
def zoo():
    cache = {}

    def load(model, shortcut=None):
        if (model, shortcut) not in cache:
            cache[model, shortcut] = explain(model, shortcut=shortcut)
        return cache[model, shortcut]

    return load


# --- a small DOT reader ---------------------------------------------------------------
_KEYWORDS = {"graph", "node", "edge", "subgraph"}


def parse(source: str):
    """Nodes {id: attribute text} and edges [(tail, head, attribute text)] of our DOT."""
    nodes, edges = {}, []
    for line in source.splitlines():
        line = line.strip()
        edge = re.match(r"^(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if edge:
            edges.append((edge[1], edge[2], edge[3] or ""))
            continue
        node = re.match(r"^(\w+) \[(.*)\]$", line)
        if node and node[1] not in _KEYWORDS:
            nodes[node[1]] = node[2]
    return nodes, edges


def visible(edges):
    return [e for e in edges if "style=invis" not in e[2]]


def drawn_nodes(nodes):
    """Nodes other than the frames' title nodes."""
    return {k: v for k, v in nodes.items() if "shape=plaintext" not in v}


# --- golden DOT -----------------------------------------------------------------------
GOLDENS = {
    "diagram_tiny_stage": lambda a: diagram(a, "stage"),
    "diagram_tiny_block_level": lambda a: diagram(a, "block"),
    "diagram_tiny_layer_collapsed": lambda a: diagram(a, "layer"),
    "diagram_tiny_block_conv3_1": lambda a: diagram(a, block="conv3_1"),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden_dot(tiny, name):
    source = GOLDENS[name](tiny).source
    path = GOLDEN / f"{name}.dot"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert path.is_file(), f"missing {path}; run with UPDATE_GOLDENS=1"
    assert source == path.read_text(encoding="utf-8")


def test_same_model_gives_byte_identical_dot():
    first = explain(TinyResNet(), (3, 16, 16), name="tiny")
    second = explain(TinyResNet(), (3, 16, 16), name="tiny")
    for level in ("stage", "block", "layer"):
        assert diagram(first, level).source == diagram(second, level).source
    assert diagram(first, block="layer2.0").source == diagram(second, block="conv3_1").source


# --- counts against the Architecture --------------------------------------------------
def test_layer_level_uncollapsed_has_one_node_per_layer_call(zoo):
    arch = zoo("resnet50")
    nodes, edges = parse(diagram(arch, "layer", collapse=False).source)
    drawn = drawn_nodes(nodes)
    layer_ids = {f"L{layer.index}" for layer in arch.layers}
    assert set(drawn) == layer_ids | {"input", "output"}
    assert len(drawn) == len(arch.layers) + 2
    expected = {(f"L{i}" if i >= 0 else "input", f"L{layer.index}")
                for layer in arch.layers for i in layer.inputs}
    expected.add((f"L{arch.layers[-1].index}", "output"))
    shown = [(tail, head) for tail, head, _ in visible(edges)]
    assert len(shown) == len(set(shown)) == sum(len(set(la.inputs)) for la in arch.layers) + 1
    assert set(shown) == expected
    # every frame (a block, the stem, the head) has exactly one title node
    assert len(nodes) - len(drawn) == len(arch.blocks) + 2


def test_shortcut_edges_are_styled_by_kind(zoo):
    arch = zoo("resnet50")
    _, edges = parse(diagram(arch, "layer", collapse=False).source)
    dashed = [e for e in edges if "style=dashed" in e[2]]
    # 4 projection blocks, each: fork → conv, conv → BN, BN → add
    assert len(dashed) == 3 * arch.shortcut_projections == 12
    orange_solid = [e for e in edges if "#E65100" in e[2] and "style=solid" in e[2]]
    assert len(orange_solid) == sum(b.kind == "identity" for b in arch.blocks)


def test_block_level_and_stage_level_counts(zoo):
    arch = zoo("resnet50")
    nodes, edges = parse(diagram(arch, "block").source)
    blocks = [k for k in drawn_nodes(nodes) if re.fullmatch(r"B\d+", k)]
    assert len(blocks) == len(arch.blocks) == 16
    projection = [k for k in blocks if "dashed" in nodes[k]]
    assert len(projection) == sum(b.kind == "projection" for b in arch.blocks) == 4
    nodes, edges = parse(diagram(arch, "stage").source)
    stages = [k for k in nodes if re.fullmatch(r"S\d+", k)]
    assert len(stages) == len(arch.stages) == 6
    assert "× 3" in nodes["S1"] and "× 5" in nodes["S3"]  # conv2_x: 3 blocks; conv4_x: 1 + 5
    labels = [e[2] for e in visible(edges)]
    assert any("56×56×256" in text for text in labels)  # tensor shapes on the edges


def test_projection_block_has_a_dashed_edge_identity_none(zoo):
    arch = zoo("resnet50")
    for name, kind in (("conv2_1", "projection"), ("conv3_1", "projection"),
                       ("conv2_2", "identity"), ("layer4.2", "identity")):
        block = arch.block(name)
        nodes, edges = parse(diagram(arch, block=name).source)
        dashed = [e for e in edges if "style=dashed" in e[2]]
        assert block.kind == kind
        assert bool(dashed) == (kind == "projection")
        assert len(drawn_nodes(nodes)) == len(block.layers) + 2
        if kind == "identity":
            shortcut = [e for e in edges if "#E65100" in e[2]]
            assert shortcut == [("in", f"L{block.add_layer}", shortcut[0][2])]
            assert "identity" in shortcut[0][2]


def test_option_a_is_dotted_and_v2_projection_reads_the_preactivated_input(zoo):
    padded = zoo("resnet20")
    _, edges = parse(diagram(padded, block="conv3_1").source)
    assert any("style=dotted" in e[2] for e in edges)
    assert not any("style=dashed" in e[2] for e in edges)
    v2 = zoo("resnet18-v2")
    block = v2.block("conv3_1")
    nodes, edges = parse(diagram(v2, block="conv3_1").source)
    conv = f"L{block.shortcut_layers[0]}"
    (tail,) = [t for t, h, _ in edges if h == conv]
    assert "ReLU" in nodes[tail]  # BN → ReLU, then the fork
    assert not block.tail_layers  # nothing after the add


def test_collapsing_resnet50_layers_gives_x2_x3_x5(zoo):
    arch = zoo("resnet50")
    nodes, _ = parse(diagram(arch, "layer").source)
    runs = {k: v for k, v in nodes.items() if k.startswith("run")}
    counts = Counter(re.search(r"× (\d+)", v)[1] for v in runs.values())
    assert counts == {"2": 2, "3": 1, "5": 1}
    covered = 0
    for ident, label in runs.items():
        first, last = map(int, re.fullmatch(r"run(\d+)_(\d+)", ident).groups())
        assert f"× {last - first + 1}" in label
        blocks = arch.blocks[first:last + 1]
        assert len({b.stage for b in blocks}) == 1 and all(b.kind == "identity" for b in blocks)
        covered += sum(len(b.layers) for b in blocks)
    layers = [k for k in nodes if re.fullmatch(r"L\d+", k)]
    assert len(layers) + covered == len(arch.layers)
    assert [len(run) for run in block_runs(arch)] == [1, 2, 1, 3, 1, 5, 1, 2]


def test_compare_draws_two_prefixed_panels(zoo):
    source = diagram(zoo("resnet18"), "stage", compare=zoo("resnet34")).source
    assert "cluster_m0" in source and "cluster_m1" in source
    nodes, _ = parse(source)
    assert "m0_input" in nodes and "m1_output" in nodes
    blocks = diagram(zoo("resnet50-v1"), block="conv3_1", compare=zoo("resnet50")).source
    assert blocks.count("subgraph cluster_") == 2


def test_a_network_without_blocks_is_drawn_at_every_level():
    plain = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 4))
    arch = explain(plain, (3, 8, 8))
    for level in ("stage", "block", "layer"):
        nodes, edges = parse(diagram(arch, level).source)
        assert {"input", "output"} <= set(nodes) and edges
    with pytest.raises(UserError, match="no residual blocks"):
        diagram(arch, block="conv2_1")


def test_unknown_block_is_a_user_error(tiny):
    with pytest.raises(UserError, match=r"no block named 'conv9_9'.*conv2_1"):
        diagram(tiny, block="conv9_9")
    with pytest.raises(UserError):
        diagram(tiny, level="pixel")


def test_lessons_are_drawn_from_the_trace(zoo):
    assert set(LESSONS) == {"basic-vs-bottleneck", "resnet50-block-kinds", "v1-vs-v1.5",
                            "v1-vs-v2", "shortcut-A-vs-B"}
    source = lesson("v1-vs-v1.5", zoo).source
    assert "stride 2 on the first conv (1×1)" in source  # the paper's v1
    assert "stride 2 on the second conv (3×3)" in source  # torchvision's v1.5
    source = lesson("v1-vs-v2", zoo).source
    assert "post-activation" in source and "pre-activation" in source


# --- figures/ -------------------------------------------------------------------------
def test_committed_figures_match_what_the_code_draws(zoo):
    drawn = figures(zoo)
    committed = sorted(p.stem for p in (ROOT / "figures").glob("*.dot"))
    assert committed == sorted(drawn), "run: python scripts/make_figures.py"
    for name, graph in drawn.items():
        assert (ROOT / "figures" / f"{name}.svg").is_file()
        dot = (ROOT / "figures" / f"{name}.dot").read_text(encoding="utf-8")
        assert dot == graph.source, f"figures/{name}.dot is stale: python scripts/make_figures.py"


# --- rendering ------------------------------------------------------------------------
@needs_renderer
def test_svg_parses_and_has_every_node(tiny):
    graph = diagram(tiny, "layer", collapse=False)
    svg = graph.svg()
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag.endswith("svg")
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//s:g[@class='node']", ns)
    nodes, _ = parse(graph.source)
    assert len(groups) == len(nodes)


@needs_renderer
def test_jupyter_display_goes_through_our_renderer(tiny, monkeypatch):
    graph = diagram(tiny, block="conv2_1")
    assert isinstance(graph, graphviz.Digraph)
    monkeypatch.setenv("PATH", "")  # no system dot: must not matter with pygraphviz
    if render_module.available_renderer() is None:
        pytest.skip("only a system dot is available")
    bundle = graph._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert graph.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_renderer_is_a_clear_error(tiny, monkeypatch):
    monkeypatch.setattr(render_module, "available_renderer", lambda: None)
    with pytest.raises(UserError, match="pip install pygraphviz"):
        diagram(tiny).svg()


def test_a_pygraphviz_that_does_not_load_names_the_missing_libraries(tiny, monkeypatch):
    problem = "pygraphviz is installed but does not load: libglib-2.0.so.0: cannot open"
    monkeypatch.setattr(render_module, "pygraphviz_problem", lambda: problem)
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    assert render_module.available_renderer() is None
    with pytest.raises(UserError, match=r"libglib2\.0-0"):
        diagram(tiny).svg()


# --- command line ---------------------------------------------------------------------
@needs_renderer
def test_cli_writes_svg_and_dot(tmp_path):
    svg, dot = tmp_path / "r18.svg", tmp_path / "r18.dot"
    assert main(["diagram", "resnet18", "--level", "block", "-o", str(svg)]) == 0
    ET.parse(svg)
    assert main(["diagram", "resnet18", "--block", "conv3_1", "-o", str(dot)]) == 0
    assert dot.read_text(encoding="utf-8") == diagram(explain("resnet18"),
                                                      block="layer2.0").source


def test_cli_prints_dot_without_output(capsys):
    assert main(["diagram", "resnet18", "--level", "layer", "--no-collapse"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "resnet18 layer"')


@pytest.mark.parametrize("argv, message", [
    (["--block", "conv9_1"], "no block named 'conv9_1'"),
    (["-o", "out.bmp"], "cannot tell the format"),
    (["-o", "/nonexistent/dir/out.dot"], "cannot write"),
])
def test_cli_user_errors_are_one_line_exit_2(capsys, argv, message):
    assert main(["diagram", "resnet18", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1


def test_cli_import_stays_light():
    code = ("import sys, resnet_explain.cli, resnet_explain.diagram.cli; "
            "resnet_explain.cli.build_parser(); "
            "print(sorted(m for m in ('torch', 'graphviz', 'pygraphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
