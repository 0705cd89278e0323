"""Plots: the Figure's data equals the Architecture's numbers; SVG structure and determinism;
slide-ready labels; figures/ up to date; the CLI; matplotlib stays out of --help and summary.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from resnet_explain import explain  # noqa: E402
from resnet_explain.plots import KINDS, draw, figures, plot_models  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
_CACHE: dict[str, object] = {}


def arch_of(name: str):
    if name not in _CACHE:
        _CACHE[name] = explain(name)
    return _CACHE[name]


def by_gid(figure, gid: str):
    """The lines of ``figure`` whose gid is ``gid``."""
    return [line for ax in figure.axes for line in ax.lines if line.get_gid() == gid]


def bar_heights(figure, gid: str) -> list[float]:
    """Heights of the bars drawn with ``gid`` (``ax.bar(gid=…)`` tags every bar), in order."""
    bars = [p for ax in figure.axes for p in ax.patches if p.get_gid() == gid]
    assert bars, gid
    return [bar.get_height() for bar in bars]


# --- the data is the Architecture's -----------------------------------------------------------
def test_stages_plot_is_map_size_and_channels_per_stage():
    arch = arch_of("resnet50")
    figure = arch.plot("stages")
    stages = [s for s in arch.stages if s.kind != "head"]
    assert bar_heights(figure, "channels") == [s.output_shape[1] for s in stages]
    (line,) = by_gid(figure, "map-size")
    assert list(line.get_ydata()) == [s.output_shape[2] for s in stages]
    # "halve the map, double the filters" from conv2_x on (the title's claim)
    assert [s.output_shape[2] for s in stages] == [112, 56, 28, 14, 7]
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"]


@pytest.mark.parametrize(("model", "claim"), [
    ("resnet18", "from conv2_x on, each stage halves the map and doubles the filters"),
    ("resnet50", "from conv2_x on, each stage halves the map and doubles the filters"),
    ("resnet20", "halve the map, double the filters"),
])
def test_stage_plot_title_is_the_rule_the_stages_keep(model, claim):
    """Issue 20, item 8: the title states the paper's rule only where the traced stages keep
    it; the step that does not (the max-pool halves the map without filters; ResNet-50's
    conv2_x goes 64 → 256, a 64-wide Bottleneck expanded ×4) is said in its numbers."""
    arch = arch_of(model)
    figure = arch.plot("stages")
    ax = figure.axes[0]
    assert ax.get_title() == f"{model}: {claim}"
    stages = [s for s in arch.stages if s.kind != "head"]
    names = [s.name for s in stages]
    sides = [s.output_shape[2] for s in stages]
    channels = [s.output_shape[1] for s in stages]
    start = names.index(claim.split()[1]) if claim.startswith("from") else 0
    for i in range(start + 1, len(stages)):  # same map, same filters; or halve and double
        assert ((sides[i], channels[i]) == (sides[i - 1], channels[i - 1])
                or (sides[i] * 2, channels[i]) == (sides[i - 1], channels[i - 1] * 2))
    if start:  # the step into the named stage does not keep the rule
        assert (sides[start] * 2, channels[start]) != (sides[start - 1], channels[start - 1] * 2)
    said = [t.get_text() for t in ax.texts if t.get_gid() == "rule-step"]
    assert len(said) == start
    if model == "resnet50":
        block = arch.blocks[0]
        width = min(arch.layers[i].out_channels for i in block.main_layers
                    if arch.layers[i].weighted)
        assert said == [f"conv1 → conv2_x: max pool {sides[0]}×{sides[0]} → {sides[1]}×"
                        f"{sides[1]}; filters {channels[0]} → {channels[1]} (its blocks: "
                        f"{width} inside, ×{channels[1] // width} out)"]
        assert (channels[0], channels[1], width) == (64, 256, 64)
        assert bar_heights(figure, "widths") == [64, 64, 128, 256, 512]
    if model == "resnet18":
        assert said == ["conv1 → conv2_x: max pool 112×112 → 56×56; filters stay 64"]
        assert not [p for p in ax.patches if p.get_gid() == "widths"]


@pytest.mark.parametrize("model", ["resnet18", "resnet50", "resnet20"])
def test_cost_plot_is_stage_params_and_macs(model):
    arch = arch_of(model)
    figure = arch.plot("cost")
    assert bar_heights(figure, "params") == pytest.approx([s.params / 1e6 for s in arch.stages])
    assert bar_heights(figure, "macs") == pytest.approx(
        [s.macs / arch.batch_size / 1e6 for s in arch.stages])
    # the bars add up to the totals
    assert sum(bar_heights(figure, "params")) == pytest.approx(arch.total_params / 1e6)


def test_block_plot_is_stem_blocks_head():
    arch = arch_of("resnet50")
    figure = arch.plot("blocks")
    parts = [arch.stem, *arch.blocks, arch.head]
    assert bar_heights(figure, "params") == pytest.approx([p.params / 1e6 for p in parts])
    assert bar_heights(figure, "macs") == pytest.approx([p.macs / 1e6 for p in parts])
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels[:3] == ["stem", "conv2_1", "conv2_2"] and labels[-1] == "head"
    assert sum(bar_heights(figure, "macs")) == pytest.approx(arch.macs / 1e6)


@pytest.mark.parametrize(("model", "last"), [("resnet18", 435), ("resnet50", 427),
                                             ("resnet50-v1", 483), ("resnet20", 81)])
def test_receptive_field_plot_is_the_layers_fields(model, last):
    arch = arch_of(model)
    figure = arch.plot("receptive-field")
    (line,) = by_gid(figure, "receptive-field")
    path = [layer for layer in arch.layers
            if layer.on_longest_path and not layer.receptive_field.whole_input]
    sizes = [layer.receptive_field.size[0] for layer in path]
    assert list(line.get_ydata()) == [*sizes, sizes[-1]]  # the last field held to the fc
    assert line.get_ydata()[-1] == last  # DESIGN.md's hand-derived fields
    (size,) = by_gid(figure, "input-size")
    assert list(size.get_ydata()) == [arch.input_shape[2]] * 2


@pytest.mark.parametrize(("model", "depth"), [("resnet18", 18), ("resnet50", 50),
                                              ("resnet20", 20), ("resnet50-v1", 50)])
def test_receptive_field_plot_counts_weighted_layers_on_its_axis(model, depth):
    """Issue 20, item 9: the x-axis is the # of the depth (conv and fc on the main path), not
    every call (BN, ReLU, pool, add): ResNet-50 ends at 50, ResNet-20 at 20."""
    arch = arch_of(model)
    figure = arch.plot("receptive-field")
    (line,) = by_gid(figure, "receptive-field")
    ax = line.axes
    x = [int(v) for v in line.get_xdata()]
    assert ax.get_xlim() == (0.5, depth + 0.5)
    assert x[-1] == depth and x == sorted(x)
    # a conv's field is drawn at its own number: the count of weighted main-path layers so far
    weighted = [layer for layer in arch.layers if layer.weighted and layer.on_longest_path]
    assert len(weighted) == depth == arch.plain_depth
    path = [layer for layer in arch.layers
            if layer.on_longest_path and not layer.receptive_field.whole_input]
    for position, layer in zip(x, path):
        if layer.weighted:
            assert weighted.index(layer) + 1 == position
    assert len(set(x[:-1])) == depth - 1  # every conv has a number; the fc (#depth) sees all
    (fc,) = by_gid(figure, "whole-input")
    assert list(fc.get_xdata()) == [depth]
    assert "weighted layers" in ax.get_xlabel()
    # every BN, ReLU, pool and add is on the path too, but shares its conv's number
    assert len(path) > depth


def test_models_plot_is_depth_params_and_macs_v1_and_v15():
    names = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnet50-v1",
             "resnet101-v1", "resnet152-v1"]
    archs = [arch_of(n) for n in names]
    figure = plot_models(archs)
    (params,) = by_gid(figure, "params")
    assert list(params.get_xdata()) == [18, 34, 50, 101, 152]
    assert list(params.get_ydata()) == pytest.approx(
        [11_689_512 / 1e6, 21_797_672 / 1e6, 25_557_032 / 1e6, 44_549_160 / 1e6,
         60_192_808 / 1e6])  # DESIGN.md's parameter counts
    (v15,) = by_gid(figure, "macs-v1.5")
    (v1,) = by_gid(figure, "macs-v1")
    # DESIGN.md: 1.814, 3.664, 4.089, 7.801, 11.514 G (v1.5); 3.858, 7.570, 11.282 G (v1)
    assert [round(m, 3) for m in v15.get_ydata()] == [1.814, 3.664, 4.089, 7.801, 11.514]
    assert [round(m, 3) for m in v1.get_ydata()] == [1.814, 3.664, 3.858, 7.570, 11.282]
    for number, arch in enumerate(archs):
        assert bar_heights(figure, f"stage-params-{number}") == pytest.approx(
            [s.params / 1e6 for s in arch.stages])


@pytest.mark.parametrize(("name", "size"), [
    ("resnet20", None), ("resnet50", None), ("resnet18", (3, 64, 64)),
    ("resnet56", (3, 48, 48)), ("resnet18-v2", (3, 112, 112)), ("resnet110", (3, 96, 96)),
])
def test_stage_plot_labels_cover_no_marker_and_no_other_label(name, size):
    # Measured by matplotlib's own renderer: every label's drawn box against the map-size
    # markers (10 points across) and against the other labels.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = explain(name, size).plot("stages")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [text for ax in figure.axes for text in ax.texts  # (the title's lines aside)
             if text.get_text() and text.get_gid() != "rule-step"]
    boxes = [text.get_window_extent(renderer) for text in texts]
    (line,) = by_gid(figure, "map-size")
    radius = 5 * figure.dpi / 72
    markers = line.get_transform().transform(line.get_xydata())
    assert len(texts) == 2 * len(markers)  # a count and a map size per stage
    for text, box in zip(texts, boxes):
        for x, y in markers:
            assert not (box.x0 < x < box.x1 and box.y0 < y + radius and y - radius < box.y1), \
                f"{name}: the label {text.get_text()!r} covers a marker"
    for first in range(len(boxes)):
        for second in range(first + 1, len(boxes)):
            assert not boxes[first].overlaps(boxes[second]), \
                f"{name}: {texts[first].get_text()!r} and {texts[second].get_text()!r} overlap"


def test_models_of_two_image_sizes_are_two_series_with_the_stages_in_order():
    archs = [arch_of("resnet20"), arch_of("resnet56"), arch_of("resnet18")]
    figure = plot_models(archs)
    left, right = figure.axes[0], figure.axes[1]
    assert [t.get_text() for t in right.get_xticklabels()] == [
        "conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "fc"]  # fc last, as in each model
    (cifar,) = by_gid(figure, "params-32×32")
    (imagenet,) = by_gid(figure, "params-224×224")
    assert list(cifar.get_xdata()) == [20, 56] and list(imagenet.get_xdata()) == [18]
    assert list(cifar.get_ydata()) == pytest.approx(
        [269_722 / 1e6, 853_018 / 1e6])  # DESIGN.md: 0.27M and 0.85M
    assert list(imagenet.get_ydata()) == pytest.approx([11_689_512 / 1e6])
    assert list(left.get_xticks()) == [18, 56]  # 20 would print over 18
    for number, arch in enumerate(archs):  # each model's bars under its own stages
        names = [t.get_text() for t in right.get_xticklabels()]
        by_name = dict(zip(names, bar_heights(figure, f"stage-params-{number}")))
        assert {s.name: by_name[s.name] for s in arch.stages} == pytest.approx(
            {s.name: s.params / 1e6 for s in arch.stages})


def test_stage_plot_labels_every_side_of_a_map():
    import structures as S

    wide = explain("resnet18", (3, 224, 320)).plot("stages")
    assert [t.get_text() for t in wide.axes[1].texts] == [
        "112×160", "56×80", "28×40", "14×20", "7×10"]  # H×W, not H×H
    assert by_gid(wide, "map-size")[0].get_label() == "map width W"
    signal = explain(S.SignalResNet(1), (1, 16000)).plot("stages")
    assert [t.get_text() for t in signal.axes[1].texts] == ["8000", "8000", "4000"]
    assert by_gid(signal, "map-size")[0].get_label() == "map length L"
    field = explain(S.SignalResNet(1), (1, 16000)).plot("receptive-field")
    assert field.axes[0].get_ylabel() == "receptive field (input samples)"
    assert by_gid(field, "input-size")[0].get_label() == "input size (16000 samples)"


# --- slide-ready -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_every_plot_is_slide_ready(kind):
    figure = arch_of("resnet34").plot(kind)
    assert tuple(figure.get_size_inches() * figure.dpi) == (1280, 720)
    title = figure.get_suptitle() or figure.axes[0].get_title()
    assert "resnet34" in title
    for ax in figure.axes:
        assert ax.get_ylabel(), f"{kind}: an axis without a label"
        if ax.get_xticklabels() and ax.get_xlabel():
            assert ax.get_xlabel()
    units = " ".join(ax.get_ylabel() for ax in figure.axes)
    assert any(unit in units for unit in ("millions", "pixels", "filters", "(G)"))


def test_plots_of_a_model_without_feature_maps():
    import structures as S

    from resnet_explain.errors import UserError
    from resnet_explain.plots import kinds_for

    arch = explain(S.TabularResNet(), (20,))
    assert kinds_for(arch) == ["cost", "blocks"]
    with pytest.raises(UserError, match=r"has no feature map with a size .* which the stages "
                                        r"plot draws\. Plot cost or blocks instead"):
        arch.plot("stages")
    assert bar_heights(arch.plot("cost"), "params") == pytest.approx(
        [s.params / 1e6 for s in arch.stages])


def test_plots_of_a_plain_network():
    """Without residual blocks a network is one stage ending in its head's vector: there is
    no stage map and no block to draw, but its convolutions have receptive fields."""
    from torch import nn

    from resnet_explain.errors import UserError
    from resnet_explain.plots import kinds_for

    plain = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
    arch = explain(plain, (4, 3, 16, 16))
    assert kinds_for(arch) == ["cost", "receptive-field"]
    with pytest.raises(UserError) as refused:
        arch.plot("stages")
    assert refused.value.message(cli=False) == (
        "Sequential has no residual blocks to divide it into stages: the stages plot draws the "
        "map each stage ends in, and its one stage ends in the head's [4, 2]. Plot cost or "
        "receptive-field instead")
    with pytest.raises(UserError, match=r"^Sequential has no residual blocks, whose costs the "
                                        r"blocks plot draws\. Plot cost or receptive-field"):
        arch.plot("blocks")
    # 3 (the first conv, #1), 3 (its ReLU, #1), then + 2 × jump 1 = 5 (the strided conv, #2),
    # held to the fc (#3); the pool and the head see the whole input.
    (line,) = by_gid(arch.plot("receptive-field"), "receptive-field")
    assert [int(size) for size in line.get_ydata()] == [3, 3, 5, 5]
    assert [int(x) for x in line.get_xdata()] == [1, 1, 2, 3]


def test_unknown_kind():
    with pytest.raises(ValueError, match=r"receptive-field$"):
        arch_of("resnet18").plot("pie")
    # A file name where the kind goes: the student meant to save the plot.
    with pytest.raises(ValueError, match=r"receptive-field; to write a file, "
                                         r"arch\.plot\('stages'\)\.savefig\('out\.PNG'\)$"):
        arch_of("resnet18").plot("out.PNG")


# --- SVG: structure and determinism -----------------------------------------------------------
def test_svg_is_deterministic_and_well_formed():
    first = draw.to_bytes(explain("resnet18").plot("receptive-field"), "svg")
    second = draw.to_bytes(explain("resnet18").plot("receptive-field"), "svg")
    assert first == second
    root = ET.fromstring(first)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "921.6pt" and root.get("height") == "518.4pt"  # 12.8 × 7.2 in
    assert root.get("viewBox") == "0 0 921.6 518.4"
    assert b"<dc:date>" not in first  # no timestamp
    assert len(root.findall(f".//{SVG}path")) > 50
    assert first.count(b'id="receptive-field"') == 1  # the gid names the drawn line


def test_pdf_has_no_date():
    data = draw.to_bytes(arch_of("resnet18").plot("stages"), "pdf")
    assert data.startswith(b"%PDF") and b"CreationDate" not in data


def _clip_ids_in_order(svg: bytes) -> bytes:
    """The SVG with matplotlib's clip-path ids (a hash of the clip box's printed numbers,
    which NumPy 1 and 2 print differently) renamed clip0, clip1 … in order of appearance."""
    names: dict[bytes, bytes] = {}
    return re.sub(rb"\bp[0-9a-f]{10}\b",
                  lambda m: names.setdefault(m.group(0), b"clip%d" % len(names)), svg)


def test_committed_figures_are_current():
    for name, data in figures.drawn().items():
        path = ROOT / "figures" / name
        assert path.is_file(), f"missing figures/{name}: python scripts/make_figures.py"
        committed = path.read_bytes()
        assert ET.fromstring(committed).tag == f"{SVG}svg"
        if figures.version_of(committed) == matplotlib.__version__:
            assert _clip_ids_in_order(committed) == _clip_ids_in_order(data), \
                f"figures/{name} is stale: python scripts/make_figures.py"


# --- command line -----------------------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resnet_explain", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


def test_cli_plot(tmp_path: Path):
    out = tmp_path / "rf.svg"
    done = run("plot", "resnet18", "--kind", "receptive-field", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == draw.to_bytes(arch_of("resnet18").plot("receptive-field"), "svg")
    done = run("plot", "resnet18", "-o", str(tmp_path / "x.png"))
    assert done.returncode == 0 and (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_plot_errors(tmp_path: Path):
    done = run("plot", "resnet18", "-o", str(tmp_path / "x.gif"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and ".svg" in done.stderr
    assert not (tmp_path / "x.gif").exists()
    done = run("plot", "resnet18")
    assert done.returncode == 2 and "-o stages.svg" in done.stderr
    assert "none" not in done.stderr.lower()  # no Python None in a message (issue 21)


def test_help_and_summary_do_not_import_matplotlib():
    code = ("import sys\n"
            "from resnet_explain.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "main(['summary', 'resnet18', '-d', 'stage'])\n"
            "bad = [m for m in sys.modules if m.split('.')[0] == 'matplotlib']\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Total params" in done.stdout


@pytest.mark.parametrize("model", ["resnet18", "resnet50", "resnet20"])
def test_block_plot_title_states_what_the_bars_show(model):
    """Issue 20: "every identity block costs the same", said only because its bars are equal:
    the multiply-adds of every identity block's bar, and their one value in the title."""
    arch = arch_of(model)
    figure = arch.plot("blocks")
    parts = [arch.stem, *arch.blocks, arch.head]
    heights = bar_heights(figure, "macs")
    identity = {round(h * 1e6) for h, part in zip(heights, parts)
                if getattr(part, "kind", None) == "identity"}
    assert len(identity) == 1
    title = figure._suptitle.get_text()
    assert title == (f"{model}: every identity block costs the same, "
                     f"{identity.pop() / 1e6:,.1f} M multiply-adds")


def test_block_plot_claims_nothing_where_identity_blocks_differ():
    from torch import nn

    class Uneven(nn.Module):  # two identity blocks, one with a wider 3×3
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.a = nn.Conv2d(8, 8, 3, padding=1)
            self.b = nn.Conv2d(8, 8, 5, padding=2)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            x = self.stem(x)
            x = x + self.a(x)
            x = x + self.b(x)
            return self.fc(x.mean((2, 3)))

    figure = explain(Uneven(), (3, 16, 16)).plot("blocks")
    assert "every identity block" not in figure._suptitle.get_text()


# --- Chinese ---------------------------------------------------------------------------------
def _texts(figure) -> str:
    found = [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is not None:
            found += [text.get_text() for text in legend.get_texts()]
    return "\n".join(found)


def test_chinese_plots_hold_no_english() -> None:
    """Titles, axes, legends and annotations of every kind (and plot_models) in Chinese:
    nothing English beyond identifiers, units and formulas."""
    from test_i18n import _english_words

    from resnet_explain.i18n import speaking

    arch = explain("resnet50", lang="zh")
    texts = [_texts(arch.plot(kind)) for kind in KINDS]
    with speaking("zh"):
        texts.append(_texts(plot_models(["resnet18", "resnet50"])))
    assert "感受野" in texts[3] and "阶段（论文中的名称）" in texts[0]
    left = set().union(*map(_english_words, texts)) - {"resnet50", "resnet18", "v1.5"}
    assert not left, f"untranslated words in the Chinese plots: {sorted(left)}"


def test_an_english_plot_keeps_the_house_font_alone() -> None:
    figure = arch_of("resnet18").plot("stages")
    assert figure.axes[0].title.get_fontfamily() == ["DejaVu Sans"]


def test_a_chinese_plot_draws_with_a_cjk_font_after_the_house_font() -> None:
    from resnet_explain.plots import fonts

    found = fonts.cjk_font()
    if found is None:
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    figure = explain("resnet18", lang="zh").plot("stages")
    assert figure.axes[0].title.get_fontfamily() == ["DejaVu Sans", found]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning: the CJK font has them
        assert draw.to_bytes(figure, "png").startswith(b"\x89PNG")


def test_without_a_cjk_font_a_chinese_plot_says_so_in_one_line(monkeypatch) -> None:
    import warnings

    from resnet_explain.plots import fonts

    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    fonts._warn_once.cache_clear()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        arch = explain("resnet18", lang="zh")
        for kind in ("stages", "cost"):
            draw.to_bytes(arch.plot(kind), "png")
    fonts._warn_once.cache_clear()
    messages = [str(w.message) for w in said]
    assert messages == [fonts.NO_CJK_FONT], messages
    assert "apt-get install fonts-noto-cjk" in messages[0] and "\n" not in messages[0]
