"""Diagrams: golden DOT, node/edge counts against the Architecture, collapsing, figures/, CLI.

Rendering tests run with every renderer this machine has (graphviz-pure, a dependency, at
least); the fallbacks are tested by hiding the renderers (``hide``).
``UPDATE_GOLDENS=1 pytest tests/test_diagram.py`` rewrites ``tests/golden/diagram_*.dot``.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import pairwise
from pathlib import Path

import graphviz
import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain.cli import main
from resnet_explain.diagram import diagram, style
from resnet_explain.diagram import output as render_module
from resnet_explain.diagram.lessons import LESSONS, figures, lesson
from resnet_explain.diagram.network import block_runs
from resnet_explain.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
needs_renderer = pytest.mark.skipif(render_module.available_renderer() is None,
                                    reason="no renderer: graphviz-pure, pygraphviz, dot")
needs_pure = pytest.mark.skipif(render_module.graphviz_pure_executable() is None,
                                reason="graphviz-pure is not installed")
#: The renderers that run on this machine (graphviz-pure at least, where it is installed).
RENDERERS_HERE = [name for name in render_module.RENDERERS
                  if render_module.renderer_problem(name) is None]


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
    # Chinese: the same drawings in the Architecture's language (labels, legends, titles)
    "diagram_zh_tiny_block_conv3_1": lambda a: _in_chinese(a, block="conv3_1"),
    "diagram_zh_tiny_layer_collapsed": lambda a: _in_chinese(a, level="layer"),
}


def _in_chinese(arch, **options):
    """``arch``'s model explained in Chinese (its block reasons are made then), drawn."""
    if arch.model == "tiny":
        arch = explain(TinyResNet(), (3, 16, 16), name="tiny", lang="zh")
    else:
        arch = explain(arch.model, lang="zh")
    return arch.diagram(**options)


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
    # every frame (a block, the stem, the max-pool framed as conv2_x's, the head) has exactly
    # one title node
    assert len(nodes) - len(drawn) == len(arch.blocks) + 3


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
    assert any("256×56×56" in text for text in labels)  # tensor shapes on the edges, C×H×W


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
                            "v1-vs-v2", "v1-vs-v2-identity", "shortcut-A-vs-B"}
    source = lesson("v1-vs-v1.5", zoo).source
    assert "stride 2 on the first conv (1×1)" in source  # the paper's v1
    assert "stride 2 on the second conv (3×3)" in source  # torchvision's v1.5
    source = lesson("v1-vs-v2", zoo).source
    assert "post-activation" in source and "pre-activation" in source
    source = lesson("v1-vs-v2-identity", zoo).source  # identity units: no projection drawn
    assert "ReLU after the add" in source and "nothing after the add" in source
    assert "downsample" not in source


def test_the_v1_v15_lesson_states_each_convs_cost(zoo):
    """Weights × output positions = multiply-adds, per conv; by hand (docs/facts.md): the
    first 1×1 of conv3_1 costs 256·128·28² in v1 and 256·128·56² in v1.5, the 3×3 the same."""
    from resnet_explain.diagram.block import find_block
    from resnet_explain.diagram.lessons import cost_fact

    v1 = [f"1×1: {256 * 128:,} weights × 28·28 = {256 * 128 * 28**2:,} multiply-adds",
          f"3×3: {9 * 128 * 128:,} weights × 28·28 = {9 * 128 * 128 * 28**2:,} multiply-adds",
          f"1×1: {128 * 512:,} weights × 28·28 = {128 * 512 * 28**2:,} multiply-adds"]
    v15 = [f"1×1: {256 * 128:,} weights × 56·56 = {256 * 128 * 56**2:,} multiply-adds",
           *v1[1:]]
    source = lesson("v1-vs-v1.5", zoo).source
    for model, parts in (("resnet50-v1", v1), ("resnet50", v15)):
        arch = zoo(model)
        fact = cost_fact(arch, find_block(arch, "conv3_1"))
        assert fact.replace("\u00a0", " ") == "; ".join(parts)
        for part in fact.split("; "):  # each conv's part whole on one line of the caption
            assert part in source
    assert 256 * 128 * (56**2 - 28**2) == 77_070_336


def test_a_caption_never_splits_a_word_or_number():
    from resnet_explain.diagram.dot import balanced_wrap

    nbsp = "\u00a0"
    text = f"stride 2 on the first conv; 1×1:{nbsp}32,768{nbsp}weights = 25,690,112 and more"
    for width in range(5, 70):
        lines = balanced_wrap(text, width)
        assert " ".join(lines) == text  # only spaces became line breaks
        assert all(len(line) <= width or " " not in line for line in lines)


# --- figures/ -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drawn_figures(zoo):
    return figures(zoo)


def test_committed_figures_match_what_the_code_draws(drawn_figures):
    committed = sorted(p.stem for p in (ROOT / "figures").glob("*.dot"))
    assert committed == sorted(drawn_figures), "run: python scripts/make_figures.py"
    for name, graph in drawn_figures.items():
        assert (ROOT / "figures" / f"{name}.svg").is_file()
        dot = (ROOT / "figures" / f"{name}.dot").read_text(encoding="utf-8")
        assert dot == graph.source, f"figures/{name}.dot is stale: python scripts/make_figures.py"


@needs_pure
def test_committed_svgs_are_what_graphviz_pure_draws_on_this_machine(drawn_figures):
    """graphviz-pure measures text with built-in metrics, so its SVG does not depend on the
    machine: the committed figures, made elsewhere, must come out byte for byte (by the same
    version of graphviz-pure: another may lay out differently, and then only the DOT is
    compared, by the test above)."""
    made_with = (ROOT / "figures" / "rendered-with.txt").read_text(encoding="utf-8").strip()
    here = render_module.renderer_version("graphviz-pure")
    if here != made_with:
        pytest.skip(f"figures/ were drawn by {made_with}, this machine has {here}")
    for name, graph in drawn_figures.items():
        svg = render_module.render(graph.source, "svg", renderer="graphviz-pure")
        committed = (ROOT / "figures" / f"{name}.svg").read_bytes()
        assert svg == committed, f"figures/{name}.svg differs: python scripts/make_figures.py"


# --- rendering ------------------------------------------------------------------------
@pytest.fixture
def hide(monkeypatch, tmp_path):
    """``hide("pygraphviz", "dot", ...)``: make those renderers unavailable for this test.

    pygraphviz is hidden for real (``sys.modules["pygraphviz"] = None`` makes its import fail,
    as a wheel without its system libraries does), ``dot`` by an empty PATH, graphviz-pure by
    not finding its program.
    """
    forget_pygraphviz = render_module.pygraphviz_problem.cache_clear

    def hide_them(*names: str) -> None:
        for name in names:
            if name == "pygraphviz":
                monkeypatch.setitem(sys.modules, "pygraphviz", None)
                forget_pygraphviz()
            elif name == "dot":
                monkeypatch.setenv("PATH", str(tmp_path / "empty"))
            elif name == "graphviz-pure":
                monkeypatch.setattr(render_module, "graphviz_pure_executable", lambda: None)

    yield hide_them
    forget_pygraphviz()


def svg_size_px(svg: str | bytes) -> tuple[float, float]:
    """The width and height a browser shows an SVG at, in CSS pixels (1 pt = 4/3 px)."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    px = []
    for attribute in ("width", "height"):
        number, unit = re.fullmatch(r"([\d.]+)(pt|px|)", root.get(attribute)).groups()
        px.append(float(number) * (4 / 3 if unit == "pt" else 1))
    return px[0], px[1]


@pytest.mark.parametrize("renderer", RENDERERS_HERE)
def test_every_renderer_draws_every_node(tiny, renderer):
    graph = diagram(tiny, "layer", collapse=False)
    svg = render_module.render(graph.source, "svg", renderer=renderer)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//s:g[@class='node']", ns)
    nodes, _ = parse(graph.source)
    assert len(groups) == len(nodes)
    # laid out with Arial's widths, shown with the fonts that share them
    assert f'font-family="{style.SVG_FONT_FAMILY}"'.encode() in svg
    assert b'font-family="Arial"' not in svg
    png = render_module.render(graph.source, "png", renderer=renderer)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@needs_pure
def test_graphviz_pure_is_the_default_and_deterministic(tiny):
    assert render_module.renderer_order() == ("graphviz-pure", "pygraphviz", "dot")
    assert render_module.available_renderer() == "graphviz-pure"
    source = diagram(tiny, block="conv3_1").source
    assert render_module.render(source) == render_module.render(source)


@needs_pure
def test_diagrams_render_with_pygraphviz_hidden(tiny, hide, tmp_path):
    hide("pygraphviz", "dot")
    assert "not installed" in render_module.pygraphviz_problem()
    with pytest.raises(ImportError):
        import pygraphviz  # noqa: F401
    assert render_module.available_renderer() == "graphviz-pure"
    graph = diagram(tiny, "layer")
    assert ET.fromstring(graph.svg()).tag.endswith("svg")
    assert graph.write(tmp_path / "tiny.png").read_bytes()[:4] == b"\x89PNG"
    # PDF is what graphviz-pure cannot write: a one-line error that says what to install
    with pytest.raises(UserError, match=r"graphviz-pure cannot write PDF.*resnet-explain\[pdf\]"
                       ) as error:
        graph.write(tmp_path / "tiny.pdf")
    assert "\n" not in str(error.value)
    assert not (tmp_path / "tiny.pdf").exists()


def test_a_pygraphviz_wheel_without_its_system_libraries_falls_back(tmp_path):
    """In a fresh interpreter whose pygraphviz fails to load the way a slim container's does,
    a diagram still renders, and nothing reaches stderr."""
    code = textwrap.dedent("""
        import importlib.abc, importlib.machinery, sys
        class Unloadable(importlib.abc.Loader):
            def create_module(self, spec):
                raise ImportError("libgobject-2.0.so.0: cannot open shared object file")
            def exec_module(self, module):
                pass
        class Broken(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "pygraphviz":
                    return importlib.machinery.ModuleSpec(name, Unloadable())
        sys.meta_path.insert(0, Broken())
        from resnet_explain.diagram import output as render
        print(render.pygraphviz_problem())
        print(render.available_renderer())
        svg = render.render('digraph { a -> b }')
        print(svg[:5].decode())
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    problem, chosen, start = result.stdout.splitlines()
    assert "libgobject" in problem
    if render_module.graphviz_pure_executable() is None:
        pytest.skip("graphviz-pure is not installed here")
    assert (chosen, start, result.stderr) == ("graphviz-pure", "<?xml", "")


def test_no_renderer_is_a_clear_error(tiny, hide):
    hide("graphviz-pure", "pygraphviz", "dot")
    assert render_module.available_renderer() is None
    with pytest.raises(UserError, match="pip install graphviz-pure") as error:
        diagram(tiny).svg()
    assert "\n" not in str(error.value)


def test_a_pygraphviz_that_does_not_load_names_the_missing_libraries(tiny, hide, monkeypatch):
    hide("graphviz-pure", "dot")
    problem = "pygraphviz is installed but does not load: libglib-2.0.so.0: cannot open"
    monkeypatch.setattr(render_module, "pygraphviz_problem", lambda: problem)
    assert render_module.available_renderer() is None
    with pytest.raises(UserError, match=r"pip install graphviz-pure.*libglib2\.0-0"):
        diagram(tiny).svg()


def test_renderer_order_from_argument_and_environment(monkeypatch):
    monkeypatch.setenv("RESNET_EXPLAIN_RENDERER", "dot, PyGraphviz")
    assert render_module.renderer_order() == ("dot", "pygraphviz")
    assert render_module.renderer_order("graphviz-pure") == ("graphviz-pure",)
    assert render_module.renderer_order(["pygraphviz", "dot"]) == ("pygraphviz", "dot")
    monkeypatch.setenv("RESNET_EXPLAIN_RENDERER", "")
    assert render_module.renderer_order() == render_module.RENDERERS
    monkeypatch.setenv("RESNET_EXPLAIN_RENDERER", "cairo")
    with pytest.raises(UserError, match="names no renderer 'cairo'"):
        render_module.renderer_order()


@needs_pure
def test_renderer_environment_variable_picks_the_renderer(tiny, hide, monkeypatch):
    monkeypatch.setenv("RESNET_EXPLAIN_RENDERER", "pygraphviz")
    hide("pygraphviz")
    with pytest.raises(UserError, match="no Graphviz renderer"):
        diagram(tiny).svg()  # graphviz-pure is there, but not among those named
    monkeypatch.setenv("RESNET_EXPLAIN_RENDERER", "pygraphviz,graphviz-pure")
    assert render_module.available_renderer() == "graphviz-pure"


@pytest.mark.skipif(render_module.available_renderer("pdf") is None,
                    reason="neither pygraphviz nor a system dot: no PDF here")
def test_pdf_comes_from_a_renderer_that_can_write_it(tiny, tmp_path):
    path = diagram(tiny, block="conv3_1").write(tmp_path / "block.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"


# --- no stray output ------------------------------------------------------------------
@pytest.mark.parametrize("capture", ["capfd", "capsys"])
@pytest.mark.parametrize("renderer", RENDERERS_HERE)
def test_rendering_writes_nothing_to_stdout_or_stderr(tiny, renderer, capture, request):
    captured = request.getfixturevalue(capture)  # capfd: file descriptors 1 and 2
    source = diagram(tiny, block="conv3_1").source
    for format in ("svg", "png"):
        assert render_module.render(source, format, renderer=renderer)
    assert captured.readouterr() == ("", "")


STDERR_LIKE_IPYKERNEL = textwrap.dedent("""
    # ipykernel replaces sys.stderr with a stream whose fileno() is not 2, and forwards fd 2
    # itself to the notebook: both must stay silent.
    import os, sys, tempfile
    fake = tempfile.TemporaryFile(mode="w+")
    assert fake.fileno() != 2
    sys.stderr = fake
    from resnet_explain.diagram import output as render
    for renderer in sys.argv[1:]:
        for format in ("svg", "png"):
            data = render.render('digraph { a [label="conv 3×3"]; a -> b }', format,
                                 renderer=renderer)
            assert data, renderer
    sys.stderr.flush()
    fake.seek(0)
    print(repr(fake.read()))
""")


@pytest.mark.skipif(not RENDERERS_HERE, reason="no renderer here")
def test_a_fresh_kernel_like_process_renders_silently():
    """The first render of a process is where fontconfig complains about a newer config;
    run it in a fresh interpreter whose sys.stderr is not fd 2, as in Jupyter."""
    result = subprocess.run([sys.executable, "-c", STDERR_LIKE_IPYKERNEL, *RENDERERS_HERE],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nothing on fd 2
    assert result.stdout.strip() == "''"  # nothing on sys.stderr


# --- fitting the page -----------------------------------------------------------------
NOTEBOOK_WIDTH_PX = 1000
SLIDE_PX = (1280, 720)


@needs_renderer
def test_every_figure_fits_a_notebook_at_default_settings(drawn_figures, zoo):
    drawings = dict(drawn_figures)
    for model in ("resnet50", "resnet152"):
        for level in ("stage", "block", "layer"):
            drawings[f"{model} {level}"] = diagram(zoo(model), level)
    drawings["compare 18/34"] = diagram(zoo("resnet18"), "block", compare=zoo("resnet34"))
    drawings["compare conv3_1"] = diagram(zoo("resnet50-v1"), block="conv3_1",
                                          compare=zoo("resnet50"))
    for name, graph in drawings.items():
        width, _ = svg_size_px(graph.svg())
        assert width <= NOTEBOOK_WIDTH_PX, f"{name} is {width:.0f} px wide"


@needs_renderer
def test_fit_slide_and_none(zoo):
    kinds = lesson("resnet50-block-kinds", zoo)
    natural = svg_size_px(kinds.fit("none").svg())
    assert natural[0] > NOTEBOOK_WIDTH_PX  # so the default fit does shrink it
    slide = svg_size_px(kinds.fit("slide").svg())
    assert slide[0] <= SLIDE_PX[0] and slide[1] <= SLIDE_PX[1]
    assert slide[0] / slide[1] == pytest.approx(natural[0] / natural[1], rel=0.01)
    stages = diagram(zoo("resnet50"), fit="slide")
    width, height = svg_size_px(stages.svg())
    assert width <= SLIDE_PX[0] and height <= SLIDE_PX[1]
    small = diagram(zoo("resnet50"), block="conv2_2")
    assert svg_size_px(small.svg()) == svg_size_px(small.fit("none").svg())  # never enlarged
    with pytest.raises(UserError, match="unknown fit 'poster'"):
        diagram(zoo("resnet50"), fit="poster")


@needs_renderer
def test_rankdir_lays_the_network_out_left_to_right(tiny):
    tall = svg_size_px(diagram(tiny, "stage", fit="none").svg())
    wide_graph = diagram(tiny, "stage", rankdir="LR", fit="none")
    assert "rankdir=LR" in wide_graph.source
    wide = svg_size_px(wide_graph.svg())
    assert tall[1] > tall[0] and wide[0] > wide[1]
    assert diagram(tiny, rankdir="horizontal").source == diagram(tiny, rankdir="lr").source
    assert "rankdir=TB" in diagram(tiny, block="conv3_1", rankdir="vertical").source
    with pytest.raises(UserError, match="unknown rankdir 'diagonal'"):
        diagram(tiny, rankdir="diagonal")
    with pytest.raises(TypeError, match="unexpected options: colour"):
        diagram(tiny, colour="red")


def node_tops(svg: str | bytes) -> dict[str, float]:
    """Each node's id → the y of its first line of text, from a rendered SVG."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    tops = {}
    for group in root.findall(".//s:g[@class='node']", ns):
        text = group.find("s:text", ns)
        if text is not None:
            tops[group.find("s:title", ns).text] = float(text.get("y"))
    return tops


def test_columns_put_each_stage_beside_the_last(zoo):
    arch = zoo("resnet50")
    graph = diagram(arch, "block", columns=True, fit="slide")
    _, edges = parse(graph.source)
    stage_blocks = [[n for n, b in enumerate(arch.blocks) if b.stage == stage.name]
                    for stage in arch.stages]
    stage_blocks = [blocks for blocks in stage_blocks if blocks]
    assert len(stage_blocks) == 4
    loose = [(tail, head) for tail, head, attrs in edges if "constraint=false" in attrs]
    assert loose == [(f"B{a[-1]}", f"B{b[0]}") for a, b in pairwise(stage_blocks)]
    # each column starts with its stage's first node: conv2_x's is the stem's max-pool, which
    # the paper's Table 1 (and the stage view) list under conv2_x
    firsts = ["stem1"] + [f"B{blocks[0]}" for blocks in stage_blocks[1:]]
    assert re.search(r"\{\s*rank=same\s+" + r"\s+".join(firsts) + r"\s*\}", graph.source)
    assert "constraint" not in diagram(arch, "block").source
    if render_module.available_renderer() is None:
        return
    svg = graph.svg()
    tops = node_tops(svg)
    assert len({tops[first] for first in firsts[1:]}) == 1  # level with each other
    # the one-line pool node is centred on that row: its text within a line of the others'
    assert abs(tops["stem1"] - tops[firsts[1]]) < 20 and tops["stem1"] < tops["B0"]
    width, height = svg_size_px(svg)
    assert width <= SLIDE_PX[0] and height <= SLIDE_PX[1] and width > 2 * height
    with pytest.raises(UserError, match="columns=True lays out the stages of a block-level"):
        diagram(arch, "stage", columns=True)


@needs_renderer
def test_jupyter_display_fits_the_output_area_and_is_silent(tiny, capfd, monkeypatch):
    graph = diagram(tiny, block="conv2_1")
    assert isinstance(graph, graphviz.Digraph)
    monkeypatch.setenv("PATH", "")  # no system dot: must not matter
    if render_module.available_renderer() is None:
        pytest.skip("only a system dot is available")
    bundle, metadata = graph._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.get("style") == "max-width:100%;height:auto"
    assert root.get("viewBox")  # what lets the browser scale it down
    assert svg_size_px(svg)[0] <= NOTEBOOK_WIDTH_PX
    png = graph._repr_mimebundle_(include=["image/png"])[0]["image/png"]
    assert base64.b64decode(png)[:4] == b"\x89PNG"  # a saved, untrusted notebook shows it
    assert metadata["image/png"]["width"] == round(svg_size_px(svg)[0])  # shown at SVG size
    assert bundle["text/plain"].startswith("tiny block conv2_1 diagram (SVG and PNG, ")
    assert capfd.readouterr() == ("", "")


def test_the_text_plain_fallback_speaks_the_diagrams_language():
    """The sentence a front end without pictures shows is in the language of the drawing's
    labels, even when it is shown later, outside ``explain(..., lang="zh")``'s reach."""
    chinese, english = explain("resnet50", lang="zh"), explain("resnet50")
    drawings = {"stage": chinese.diagram(), "block": chinese.diagram(block="conv3_1"),
                "compare": chinese.diagram(block="conv3_1", compare=explain("resnet50-v1")),
                "layer": chinese.diagram(level="layer")}
    said = {key: drawing.describe() for key, drawing in drawings.items()}
    assert said["stage"].startswith("结构图：resnet50 的阶段视图（SVG 和 PNG，8 个节点）")
    assert said["block"].startswith("结构图：resnet50 的残差块 conv3_1（SVG 和 PNG，")
    assert "与 resnet50-v1 对照" in said["compare"] and "逐层视图" in said["layer"]
    for text in said.values():
        assert not re.search(r"\b(diagram|nodes|shown|saves|beside|level)\b", text), text
    assert english.diagram().describe().startswith(
        "resnet50 stage-level diagram (SVG and PNG, 8 nodes) — shown as a picture")
    assert english.diagram(block="conv3_1", compare=english).describe().startswith(
        "resnet50 block conv3_1 beside resnet50's diagram")


# --- command line ---------------------------------------------------------------------
@needs_renderer
def test_cli_writes_svg_and_dot(tmp_path):
    svg, dot = tmp_path / "r18.svg", tmp_path / "r18.dot"
    assert main(["diagram", "resnet18", "--level", "block", "-o", str(svg)]) == 0
    ET.parse(svg)
    assert main(["diagram", "resnet18", "--block", "conv3_1", "-o", str(dot)]) == 0
    assert dot.read_text(encoding="utf-8") == diagram(explain("resnet18"),
                                                      block="layer2.0").source


@needs_pure
def test_cli_without_a_pdf_renderer_says_what_to_install(tmp_path, hide, capsys):
    hide("pygraphviz", "dot")
    assert main(["diagram", "resnet18", "-o", str(tmp_path / "r18.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "cannot write PDF" in err and "pip install" in err
    assert not (tmp_path / "r18.pdf").exists()


@needs_renderer
def test_cli_rankdir_and_fit(tmp_path):
    svg = tmp_path / "r18.svg"
    assert main(["diagram", "resnet18", "--rankdir", "LR", "--fit", "slide", "-o", str(svg)]) == 0
    width, height = svg_size_px(svg.read_bytes())
    assert width > height and width <= SLIDE_PX[0] and height <= SLIDE_PX[1]


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
    code = ("import sys, resnet_explain.cli; "
            "resnet_explain.cli.build_parser(); "
            "print(sorted(m for m in ('torch', 'graphviz', 'pygraphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.skipif(not RENDERERS_HERE, reason="no renderer here")
def test_a_jupyter_kernel_shows_the_diagram_and_no_stderr():
    """In a real kernel: the first pygraphviz render of a process is where the bundled
    fontconfig complains, on fd 2, which ipykernel forwards to the notebook as red text."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    order = sorted(RENDERERS_HERE, key=lambda name: name != "pygraphviz")
    cells = ["import os, resnet_explain\nprint(resnet_explain.__file__)\n"
             "from resnet_explain import explain\narch = explain('resnet18')"]
    cells += [f"os.environ['RESNET_EXPLAIN_RENDERER'] = {name!r}\n"
              "arch.diagram(block='conv3_1')" for name in order]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(str(error))
    except Exception as error:  # no kernel spec, no zmq: not what this test is about
        pytest.skip(f"cannot start a kernel: {error}")
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    assert [o for o in outputs if o.get("name") == "stderr"] == []
    first = notebook.cells[0].outputs[0]["text"]
    assert first.strip() == str(ROOT / "resnet_explain" / "__init__.py")  # this tree
    for cell in notebook.cells[1:]:
        (shown,) = cell.outputs
        svg = shown["data"]["image/svg+xml"]
        assert svg.startswith("<?xml") and "max-width:" in svg and "height:auto" in svg
        # The PNG beside it, which a saved (untrusted) notebook shows instead of the SVG.
        assert base64.b64decode(shown["data"]["image/png"])[:4] == b"\x89PNG"
        assert shown["metadata"]["image/png"]["width"] > 0
        assert "diagram (SVG and PNG" in shown["data"]["text/plain"]


def test_a_model_with_several_outputs_shows_each_shape_at_its_output():
    import structures as S

    arch = explain(S.FPN(), (3, 64, 64))
    for level in ("stage", "block", "layer"):
        source = arch.diagram(level=level).source
        node = next(line for line in source.splitlines() if line.strip().startswith("output ["))
        # The pyramid's four maps, finest first, as the forward returns them (C×H×W).
        assert "label=<4 outputs  16×16×16, 16×8×8, 16×4×4, 16×2×2>" in node
        # The node lists them; an edge into it, which may carry several, names none.
        into = [line for line in source.splitlines() if "-> output" in line]
        assert into and not [line for line in into if "label=" in line]
    single = explain("resnet20").diagram().source
    assert "label=<output  10>" in single


# --- Chinese text: boxes that fit it, a font that has it ----------------------------------
def test_chinese_labels_are_padded_for_graphviz_pure_only_when_chinese():
    from resnet_explain.diagram import cjk

    english = 'digraph { a [label=<conv 3×3, 64<BR/>→ 64×8×8>] }'
    assert cjk.widen_labels(english) == english
    chinese = 'digraph { a [label=<卷积 3×3，64<BR/>→ 64×8×8> fontsize=10] }'
    widened = cjk.widen_labels(chinese)
    # 3 CJK characters at 10 pt, each 1 em drawn and 0.834 em measured: 4.98 pt short, and
    # 2 pt to spare, on each side
    assert '<TD WIDTH="7"></TD><TD>卷积 3×3，64<BR/>→ 64×8×8</TD><TD WIDTH="7"></TD>' \
        in widened
    plain = cjk.widen_labels('digraph { a -> b [label=" 恒等（实线） "] }')
    assert "label=<<TABLE" in plain and "恒等（实线）" in plain


def test_place_text_moves_a_piece_after_chinese_text():
    from resnet_explain.diagram import cjk

    svg = ('<text text-anchor="start" x="10" y="-5" font-size="10.00">卷积，</text>'
           '<text text-anchor="start" x="30" y="-5" font-size="10.00">步距 2</text>'
           '<text text-anchor="start" x="10" y="-20" font-size="10.00">BN</text>')
    moved = cjk.place_text(svg)
    assert 'x="10" y="-5"' in moved and 'x="34.98" y="-5"' in moved  # 3 × 1.66 pt later
    assert 'x="10" y="-20"' in moved


@needs_pure
def test_a_chinese_svg_names_cjk_fonts_and_an_english_one_does_not(zoo):
    from resnet_explain.diagram import style

    english = diagram(zoo("resnet18"), block="conv3_1").svg()
    assert style.SVG_FONT_FAMILY_CJK not in english and "Noto Sans CJK" not in english
    chinese = _in_chinese(zoo("resnet18"), block="conv3_1").svg()
    assert f'font-family="{style.SVG_FONT_FAMILY_CJK}"' in chinese
    assert "卷积 3×3" in chinese


@needs_pure
def test_a_chinese_png_is_drawn_by_a_renderer_with_cjk_glyphs_or_says_so(zoo, monkeypatch):
    import warnings

    source = _in_chinese(zoo("resnet18"), block="conv3_1").source
    others = [name for name in ("pygraphviz", "dot")
              if render_module.renderer_problem(name) is None]
    render_module._hint_cjk_raster.cache_clear()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        data = render_module.render(source, "png")
    assert data.startswith(b"\x89PNG")
    hints = [w for w in said if "CJK" in str(w.message)]
    assert (len(hints) == 0) if others else (len(hints) == 1)


def test_chinese_titles_wrap_by_columns_at_punctuation():
    from resnet_explain.diagram.dot import balanced_wrap
    from resnet_explain.textwidth import width

    text = ("步距 2 在第 1 个卷积（1×1）上；1×1：32,768\u00a0个权重；3×3：147,456\u00a0个权重；"
            "1×1：65,536\u00a0个权重")
    lines = balanced_wrap(text, 40)
    assert len(lines) > 1 and all(width(line) <= 40 for line in lines)
    assert "".join(lines) == text.replace("上；1×1", "上；1×1")  # nothing lost, no space added
    assert all(not line.startswith(("；", "，", "：")) for line in lines)
    assert balanced_wrap("conv 3×3, 64, stride 2", 64) == ["conv 3×3, 64, stride 2"]
