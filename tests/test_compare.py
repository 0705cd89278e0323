"""Is my ResNet right? The comparison of a model with its reference (resnet_explain.compare).

Independent sources: the planted mistakes of the student models
(tests/fixtures/compare_students.py), torchvision's state-dict shapes (the committed
fixture) for the torchvision twins, hand arithmetic for the multiply-adds of v1 against v1.5,
and the seeds' own code.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import torchvision_twin
from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_explain import explain
from resnet_explain.cli import main
from resnet_explain.compare import WHAT, compare, nearest_reference
from resnet_explain.errors import UserError
from resnet_explain.zoo import build
from resnet_explain.zoo.registry import MODEL_NAMES

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path):  # -> the module
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STUDENTS = _load(ROOT / "tests/fixtures/compare_students.py")
MODELS, HomeworkResNet = STUDENTS.MODELS, STUDENTS.HomeworkResNet
FIXTURE = json.loads((ROOT / "tests/fixtures/torchvision_resnets.json").read_text())
SEED002 = "tests/fixtures/seed002_resnet50.py:resnet_50(224)"


def _size(reference: str) -> tuple[int, int, int]:
    return (3, 32, 32) if reference == "resnet20" else (3, 224, 224)


def _found(comparison) -> set[tuple[str, str]]:
    return {(d.what, d.paper_name) for d in comparison.differences}


@pytest.fixture(scope="module")
def students() -> dict:
    return {name: explain(build(), _size(reference), name=name)
            for name, (build, reference, _) in MODELS.items()}


def test_the_student_set_is_large_enough():
    planted = [p for _, _, p in MODELS.values()]
    assert sum(1 for p in planted if not p) >= 3
    assert sum(1 for p in planted if 1 <= len(p) <= 3) >= 12


@pytest.mark.parametrize("name", MODELS)
def test_exactly_the_planted_differences(students, name):
    _, reference, planted = MODELS[name]
    comparison = students[name].compare(reference)
    assert _found(comparison) == planted
    assert comparison.matches is (not planted)


@pytest.mark.parametrize("name", MODELS)
def test_the_count_is_the_same_both_ways(students, name):
    _, reference, _ = MODELS[name]
    ref = explain(reference, _size(reference))
    there = students[name].compare(ref)
    back = ref.compare(students[name])
    assert len(back.differences) == len(there.differences)
    assert {d.what for d in back.differences} == {d.what for d in there.differences}


@pytest.mark.parametrize("name", [n for n in MODELS if n != "v1_strides"])
def test_the_nearest_reference_is_the_one_meant(students, name):
    _, reference, _ = MODELS[name]
    choice = nearest_reference(students[name])
    assert choice is not None and choice.name == reference
    assert choice.reason.startswith(f"{reference}: ")


def test_the_paper_strides_are_nearest_to_v1(students):
    choice = nearest_reference(students["v1_strides"])
    assert choice.name == "resnet50-v1"
    assert students["v1_strides"].compare().matches


def test_a_number_in_the_name_is_a_hint_not_proof():
    # Built as ResNet-34 with one block short, named 18: the structure wins, the name is said.
    arch = explain(HomeworkResNet((3, 4, 6, 2)), name="my_resnet18")
    choice = nearest_reference(arch)
    assert choice.name == "resnet34"
    assert "the name's 18 is only a hint" in choice.reason


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_zoo_model_matches_itself(name):
    arch = explain(name)
    comparison = compare(arch, name)  # traced again, independently
    assert comparison.differences == [] and comparison.matches
    assert comparison.first_line == f"{name} matches {name}"


@pytest.mark.parametrize("name", list(torchvision_twin.ARCHS))
def test_the_torchvision_twin_matches_the_zoo(name):
    twin = torchvision_twin.build(name)
    expected = FIXTURE["models"][name]
    assert {k: list(v.shape) for k, v in twin.state_dict().items()} == expected["state_dict"]
    assert sum(p.numel() for p in twin.parameters()) == expected["params"]
    comparison = explain(twin, name=f"torchvision {name}").compare(name)
    assert comparison.matches, str(comparison)


def test_v15_against_v1_is_exactly_the_stride_positions():
    comparison = explain("resnet50").compare("resnet50-v1")
    [record] = comparison.differences
    assert (record.what, record.detail) == ("stride", "stride position")
    assert [p for _, p in record.places] == ["conv3_1", "conv4_1", "conv5_1"]
    assert (record.yours, record.reference) == ("2nd conv (3×3)", "1st conv (1×1)")
    # By hand: v1.5's first 1×1 of conv3_1 runs on 56×56 (256·128·56·56 = 102,760,448 MACs),
    # v1's on 28×28 (25,690,112); the same 77,070,336 more in conv4_1 and conv5_1; the 3×3
    # costs the same either way.
    assert 256 * 128 * 56 * 56 - 256 * 128 * 28 * 28 == 77_070_336
    assert record.macs_delta == 3 * 77_070_336 == 231_211_008
    assert record.params_delta == 0
    assert "+231,211,008 multiply-adds per image" in record.consequence
    assert "0.5 % top-1" in record.why


def test_a_missing_block_is_said_with_its_numbers(students):
    record, = students["missing_block"].compare("resnet18").differences
    assert (record.where, record.yours, record.reference) == ("stages.3", 1, 2)
    ref = explain("resnet18")
    last = ref.block("conv5_2")
    assert record.params_delta == -last.params and record.macs_delta == -last.macs
    assert record.why.startswith("conv5_x has 1 block; ResNet-18 has 2")


def test_an_unpadded_pool_says_where_the_maps_agree_again(students):
    record, = [d for d in students["unpadded_pool"].compare("resnet18").differences]
    assert (record.what, record.where, record.yours, record.reference) == \
        ("padding", "pool", 0, 1)
    # ⌊(112 − 3)/2⌋ + 1 = 55; conv3_1's stride 2 rounds it up: ⌊(55 + 2 − 3)/2⌋ + 1 = 28.
    assert (record.map_yours, record.map_reference, record.map_until) == \
        ("55×55", "56×56", "conv3_1")
    assert "55×55 instead of 56×56 until conv3_1" in record.consequence


def test_a_stride_in_every_block_says_which_block_takes_stride_1(students):
    record, = students["every_stride"].compare("resnet18").differences
    assert record.what == "stride" and record.lesson == "stage_first"
    assert [p for _, p in record.places] == ["conv3_2", "conv4_2", "conv5_2"]
    assert (record.yours, record.reference) == (2, 1)
    assert "only the first block (conv3_1 in conv3_x) takes the stride" in record.why
    assert [f.what for f in record.follows] == ["shortcut"]  # the projection it forced


def test_seed_002_every_mistake_with_its_lesson():
    comparison = explain(SEED002).compare()
    assert comparison.reference == "resnet50"
    assert comparison.params == (138_455_208, 25_557_032)
    by = {(d.what, d.detail): d for d in comparison.differences}
    assert set(by) == {("activation", "after the stem's BatchNorm"),
                       ("activation", "on the shortcut"), ("activation", "before the add"),
                       ("bias", ""), ("norm", "after the add"), ("shortcut", "kind"),
                       ("head", "pool")}
    option_c = by["shortcut", "kind"]
    assert len(option_c.places) == 12 and "(16 here) is option C" in option_c.why
    assert len(by["activation", "on the shortcut"].places) == 16  # every shortcut's ReLU
    bias = by["bias", ""]
    assert len(bias.places) == 48  # every conv of the 16 blocks' main paths
    head = by["head", "pool"]
    [fc] = head.follows
    assert (fc.yours, fc.reference) == (7 * 7 * 2048, 2048)
    assert fc.params_delta == (7 * 7 * 2048 - 2048) * 1000


def test_allow_accepts_a_kind_of_difference():
    arch = explain("resnet20", num_classes=100)
    assert not arch.compare("resnet20").matches
    allowed = arch.compare("resnet20", allow=["classes"])
    assert allowed.matches and [d.what for d in allowed.allowed] == ["classes"]
    with pytest.raises(UserError, match="unknown kind of difference 'clases'"):
        arch.compare("resnet20", allow=["clases"])


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=4, max_size=4))
def test_block_counts_are_found_stage_by_stage(blocks):
    arch = explain(HomeworkResNet(tuple(blocks)), (3, 64, 64))
    comparison = arch.compare("resnet18")
    stages = ("conv2_x", "conv3_x", "conv4_x", "conv5_x")
    expected = {("blocks", s) for s, n in zip(stages, blocks) if n != 2}
    assert _found(comparison) == expected
    for d in comparison.differences:
        assert (d.yours, d.reference) == (blocks[stages.index(d.paper_name)], 2)


# --- views ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed_comparison():
    return explain(SEED002).compare()


def test_every_view_starts_with_the_first_line(seed_comparison):
    first = seed_comparison.first_line
    assert first.startswith(f"{SEED002} differs from resnet50 in 7 places: ")
    text = seed_comparison.render("text")
    assert text.replace("\n  ", " ").startswith(first)
    assert seed_comparison.render("markdown").startswith(f"**{first}**")
    assert first.replace("'", "&#x27;") in seed_comparison.render("html")
    assert all(len(line) <= 100 for line in text.splitlines())


def test_the_json_contract(seed_comparison):
    data = json.loads(seed_comparison.render("json"))
    assert data["schema_version"] == 1
    assert (data["model"], data["reference"], data["matches"]) == (SEED002, "resnet50", False)
    assert data["why_this_reference"].startswith("resnet50: ")
    for record in data["differences"]:
        assert {"what", "where", "paper_name", "yours", "reference", "consequence", "why",
                "params_delta", "macs_delta", "places", "follows"} <= set(record)
        assert record["what"] in WHAT


def test_html_highlights_the_two_values(seed_comparison):
    html = seed_comparison.render("html")
    assert html.count("background:#fde2e1") == html.count("background:#e3f2e1") == 8
    assert "overflow-wrap:anywhere" not in html  # a word wraps whole (tests/test_browser.py)


# --- the command line -----------------------------------------------------------------------
def test_check_exits_0_1_2(capsys):
    assert main(["check", "resnet50", "--against", "resnet50"]) == 0
    assert "resnet50 matches resnet50" in capsys.readouterr().out
    assert main(["check", "resnet50", "--against", "resnet50-v1"]) == 1
    assert "differs from resnet50-v1 in 1 place" in capsys.readouterr().out
    assert main(["check", "resnet20", "--classes", "100", "--against", "resnet20",
                 "--allow", "classes"]) == 0
    capsys.readouterr()
    assert main(["check", "resnet20", "--allow", "colour"]) == 2
    assert "error: --allow colour: not a kind of difference" in capsys.readouterr().err


def test_compare_chooses_and_says_the_reference(capsys, tmp_path):
    out = tmp_path / "cmp.json"
    spec = "tests/fixtures/compare_students.py:correct_resnet20"
    assert main(["compare", spec, "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["reference"] == "resnet20" and data["matches"] is True
    assert data["input_shape"] == [1, 3, 32, 32]  # the reference's own size
    assert data["why_this_reference"].startswith("resnet20: ")


def test_help_lists_compare_and_check(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "compare" in out and "check" in out
    for command in ("compare", "check"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "examples:" in capsys.readouterr().out


# --- seed 001's code: every mistake, and the right advice for the two that crash -------------
SEED001 = "tests/fixtures/seed001_resnet.py"


def _error(spec: str) -> str:
    with pytest.raises(UserError) as raised:
        explain(spec)
    return str(raised.value)


def test_seed_001_the_width_passed_as_the_block_count():
    message = _error(f"{SEED001}:as_written")
    assert "Block layer1.0 adds a 2-channel 55×55 main path to a 64-channel 55×55 shortcut" \
        in message
    assert "the main path's width (2) is the mistake, not the shortcut" in message
    assert "needs a projection" not in message


def test_seed_001_the_stride_given_to_every_block():
    message = _error(f"{SEED001}:stride_to_every_block")
    assert ("layer2.1 is not the first block of its stage (layer2.0 is), so it takes stride 1"
            in message)
    assert "Give layer2.1 stride=1" in message
    assert "the shortcut needs stride" not in message


def test_seed_001_once_it_runs_the_comparison_finds_the_rest():
    comparison = explain(f"{SEED001}:runs").compare()
    assert comparison.reference == "resnet18"
    assert _found(comparison) == {("activation", "conv1"), ("padding", "conv2_x")}
    stem = comparison.differences[0]
    assert (stem.detail, stem.lesson) == ("after the stem's BatchNorm", "stem_relu")


def test_a_block_count_as_the_width_is_fixed_where_it_is_set():
    import sys

    sys.path.insert(0, str(ROOT / "notebooks"))
    try:
        import student_resnet
    finally:
        sys.path.remove(str(ROOT / "notebooks"))
    with pytest.raises(UserError) as raised:
        explain(student_resnet.CountAsWidthResNet())
    message = str(raised.value)
    assert "fix the width layer1.0 is built with, not layer1.1.conv1" in message
    assert "build it with in_channels=2" not in message


# --- the depth-name note says the real difference --------------------------------------------
@pytest.mark.parametrize(("blocks", "name", "said"), [
    ((2, 2, 2, 1), "resnet18", "the name says 18, the longest path holds 16 weighted layers: "
                               "conv5_x has 1 block; ResNet-18 has 2"),
    ((3, 4, 6, 2), "my_resnet34", "the name says 34, the longest path holds 32 weighted "
                                  "layers: conv5_x has 2 blocks; ResNet-34 has 3"),
])
def test_a_wrong_count_is_explained_by_the_blocks(blocks, name, said):
    notes = explain(HomeworkResNet(blocks), name=name).notes
    assert said in notes
    assert not any("wide-ResNet" in note for note in notes)  # a bug is not a convention


# --- references of every kind, sizes, errors ------------------------------------------------
def test_a_reference_may_be_a_module_or_an_architecture(students):
    arch = students["missing_block"]
    by_name = arch.compare("resnet18")
    by_module = arch.compare(torchvision_twin.build("resnet18"))
    by_arch = arch.compare(explain("resnet18", (3, 224, 224)))
    def numbers(comparison):
        return [(d.what, d.where, d.yours, d.reference, d.params_delta, d.macs_delta)
                for d in comparison.differences]

    # conv5_2 by hand: 2 convs of 3·3·512·512 = 2,359,296 weights and 2 BatchNorms of 2·512;
    # 2 · 2,359,296 · 7·7 multiply-adds.
    assert 2 * 2_359_296 + 2 * 1024 == 4_720_640 and 2 * 2_359_296 * 49 == 231_211_008
    assert numbers(by_module) == numbers(by_name) == numbers(by_arch) == \
        [("blocks", "stages.3", 1, 2, -4_720_640, -231_211_008)]


def test_both_models_are_traced_at_the_input_size(capsys):
    assert main(["compare", "resnet18", "resnet18", "--input", "3x64x64", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["input_shape"] == [1, 3, 64, 64]


def test_an_unknown_reference_is_a_usage_error(capsys):
    assert main(["check", "resnet18", "--against", "resnet19"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "resnet18" in err and "Traceback" not in err


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=4, max_size=4), st.booleans(), st.booleans())
def test_the_count_is_the_same_both_ways_for_any_mix(blocks, bias, pool_padding):
    arch = explain(HomeworkResNet(tuple(blocks), bias=bias, pool_padding=int(pool_padding)),
                   (3, 64, 64))
    ref = explain("resnet18", (3, 64, 64))
    assert len(arch.compare(ref).differences) == len(ref.compare(arch).differences)


def test_a_deep_stem_is_said_as_the_later_variant():
    from torch import nn

    model = STUDENTS.d2l_resnet50()
    model[0] = nn.Sequential(
        nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(3, 2, 1))
    comparison = explain(model, name="resnet50d").compare("resnet50")
    extra = [d for d in comparison.differences if d.what == "extra_layer"]
    assert [d.yours for d in extra] == ["Conv2d 3×3, stride 2, 3→32", "Conv2d 3×3, stride 1, 32→32"]
    assert all("deep stem" in d.why for d in extra)
    assert extra[0].params_delta == 3 * 3 * 3 * 32  # by hand: 864 weights, no bias
    stride = next(d for d in comparison.differences if d.what == "stride")
    assert "an ImageNet stem halves the map twice" in stride.why
    # Everything after the stem is resnet50's: no record outside conv1.
    assert {p for d in comparison.differences for _, p in d.places} == {"conv1"}


# --- Jupyter: the HTML in a real browser, 848 px wide, under a host's hostile table CSS -------
_MEASURE_COMPARE = r"""
(function () {
  const out = document.getElementById('output');
  const root = out.querySelector('.resnet-explain-compare');
  const cells = Array.from(root.querySelectorAll('td, th'));
  const result = {
    scrollWidth: out.scrollWidth, clientWidth: out.clientWidth,
    widestTable: Math.max(0, ...Array.from(root.querySelectorAll('table'))
                          .map(t => t.getBoundingClientRect().width)),
    notLeft: cells.filter(c => getComputedStyle(c).textAlign !== 'left').length,
    nowrap: cells.filter(c => getComputedStyle(c).whiteSpace === 'nowrap').length,
    backgrounds: Array.from(new Set(cells.map(c => getComputedStyle(c).backgroundColor))),
  };
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
"""


def test_the_html_fits_848_px_under_a_hosts_css(seed_comparison):
    import html as html_module
    import re
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from browser import dump_dom, find_chromium, host_page
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found; .ci/run installs it")
    page = host_page(seed_comparison._repr_html_(), width=848, script=_MEASURE_COMPARE)
    dom = dump_dom(page, chromium, window=(948, 900))
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result = json.loads(html_module.unescape(found.group(1)))
    assert result["scrollWidth"] <= result["clientWidth"], result
    assert result["widestTable"] <= 848, result
    assert result["notLeft"] == 0 and result["nowrap"] == 0, result
    assert {"rgb(253, 226, 225)", "rgb(227, 242, 225)"} <= set(result["backgrounds"]), result


def test_a_grayscale_student_differs_in_its_input_channels():
    arch = explain(HomeworkResNet(in_channels=1), (1, 224, 224))
    record, = arch.compare("resnet18").differences
    assert (record.what, record.where, record.paper_name, record.yours, record.reference) == \
        ("input_channels", "c1", "conv1", 1, 3)
    # By hand: conv1 has 7·7·64 weights per input channel; 112·112 outputs per weight.
    assert record.params_delta == -2 * 7 * 7 * 64
    assert record.macs_delta == -2 * 7 * 7 * 64 * 112 * 112


# --- the diagram: both models side by side, the stages that differ marked --------------------
def test_the_diagram_marks_exactly_the_stages_that_differ(students):
    source = students["missing_block"].compare("resnet18").diagram().source
    marked = [line for line in source.splitlines() if "filled" in line]
    assert len(marked) == 2 and all("conv5_x" in line and "≠ blocks" in line for line in marked)
    assert 'label="conv5_x\\n1 block · 512 ch · 7×7\\n≠ blocks"' in source
    assert 'label="conv5_x\\n2 blocks · 512 ch · 7×7\\n≠ blocks"' in source
    clean = students["correct_resnet18"].compare("resnet18").diagram().source
    assert "filled" not in clean


def test_compare_draws_the_diagram_by_suffix(tmp_path):
    out = tmp_path / "diff.svg"
    assert main(["compare", f"{SEED001}:runs", "resnet18", "-o", str(out)]) == 0
    svg = out.read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "≠ padding" in svg


def test_d2l_resnet18_differs_where_d2l_departs_from_the_paper():
    from toy_models import LazyResNet18  # d2l's ResNet-18 for Fashion-MNIST, lazy modules

    comparison = explain(LazyResNet18(), (1, 1, 96, 96)).compare("resnet18")
    by = {d.what: d for d in comparison.differences}
    assert set(by) == {"input_channels", "bias", "norm", "classes"}
    # By hand: conv1 reads 1 channel, not 3: 7·7·64 fewer weights per channel.
    assert by["input_channels"].params_delta == -2 * 7 * 7 * 64
    # Every conv keeps its bias: 64 (stem) + 4·64 + (4·128 + 128) + (4·256 + 256) + (4·512 + 512),
    # the 1×1 projections included.
    assert by["bias"].params_delta == 64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512 == 4800
    # d2l's projection is a bare 1×1 conv: no BatchNorm on the shortcut (2·C each).
    assert (by["norm"].detail, by["norm"].params_delta) == ("on the shortcut",
                                                             -2 * (128 + 256 + 512))
    assert (by["classes"].yours, by["classes"].reference) == (10, 1000)


def test_the_text_names_a_dozen_places_and_the_json_all(seed_comparison):
    bias = next(d for d in seed_comparison.differences if d.what == "bias")
    text = seed_comparison.render("text").replace("\n", " ")
    assert "layer_2.0.conv3 and 36 more" in " ".join(text.split())
    assert len(json.loads(seed_comparison.render("json"))["differences"][2]["places"]) == 48
    assert bias.places[11][0] == "layer_2.0.conv3"


def test_the_same_structure_shortcut_agrees_with_the_alignment():
    """compare() skips the alignment where two traces are the same network layer for layer;
    there the alignment itself finds nothing, and one changed padding is no longer 'the
    same'."""
    from torch import nn

    from resnet_explain.compare.align import Aligner
    from resnet_explain.compare.engine import same_structure

    for name in ("resnet18", "resnet50", "resnet20", "resnet18-v2"):
        b = explain(name)
        a = explain(build(name), b.input_shape[1:], name=f"built {name}")
        assert same_structure(a, b) and Aligner(a, b).run() == []
    model = build("resnet18")
    model.maxpool = nn.MaxPool2d(3, 2, 0)
    changed = explain(model)
    assert not same_structure(changed, explain("resnet18"))
    assert [d.what for d in changed.compare("resnet18").differences] == ["padding"]


def test_highlighted_cells_carry_their_own_text_colour():
    """Under a dark notebook theme the inherited text is light: a light highlight must say
    its text colour, or the two values it marks vanish."""
    html = explain("resnet50").compare("resnet50-v1")._repr_html_()
    cells = re.findall(r'style="([^"]*background:#(?:fde2e1|e3f2e1)[^"]*)"', html)
    assert cells and all("color:#1b1f24" in style for style in cells)


def test_the_kinds_of_difference_are_documented():
    from resnet_explain.choices import DIFFERENCES

    documented = (Path(__file__).resolve().parent.parent / "docs" / "compare.md").read_text()
    section = documented[documented.index("## The kinds of difference"):]
    section = section[:section.index("\n## ", 3)]
    assert re.findall(r"`([a-z_]+)`", section.split("accepts:")[1].split(".")[0]) == list(
        DIFFERENCES)
