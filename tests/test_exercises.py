"""Exercises made from a trace: every answer against an independent source.

Sizes against a real forward of the model; parameters against ``p.numel()``; every equation
in every derivation evaluated here by hand arithmetic; the receptive fields against a
recurrence over the real modules and DESIGN.md's 435 / 483 / 427 / 81; v1 against v1.5 against
the multiply-adds of a real forward and DESIGN.md's +77,070,336 per downsampling block.
"""

from __future__ import annotations

import json
import math
import re
from html import escape

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain import explain
from resnet_explain.cli import main
from resnet_explain.errors import UserError
from resnet_explain.exercises import KINDS, Exercise
from resnet_explain.exercises.questions import candidates
from resnet_explain.render.notebook import SAFE_PROPERTIES
from resnet_explain.zoo import build

MODELS = ("resnet18", "resnet50", "resnet50-v1", "resnet20", "resnet18-v2")


@pytest.fixture(scope="module")
def traced() -> dict[str, object]:
    return {name: explain(name) for name in MODELS}


@pytest.fixture(scope="module")
def resnet50(traced) -> tuple[object, dict[str, list[Exercise]]]:
    arch = traced["resnet50"]
    return arch, candidates(arch, KINDS)


def every(arch, kind: str, other=None) -> list[Exercise]:
    """All the exercises of one kind that ``arch`` offers, in the network's order."""
    return candidates(arch, [kind], other)[kind]


def first_calls(model: nn.Module, size: tuple[int, ...]) -> dict[str, tuple[tuple, tuple]]:
    """Input and output shape of the first call of every module, in a real forward."""
    seen: dict[str, tuple[tuple, tuple]] = {}
    names = {module: name for name, module in model.named_modules()}

    def hook(module, inputs, output):
        seen.setdefault(names[module], (tuple(inputs[0].shape), tuple(output.shape)))

    hooks = [module.register_forward_hook(hook) for module in model.modules()]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(size))
    finally:
        for handle in hooks:
            handle.remove()
    return seen


# --- hand arithmetic: every equation of every derivation --------------------------------
_TERM = re.compile(r"^[\d,·×()+−/⌊⌋⌈⌉ .]+$")


def _evaluate(term: str) -> float | None:
    """A derivation's arithmetic (``⌊(56 + 2·1 − 3)/2⌋ + 1``, ``3·3·64·128 + 0``,
    ``1,451``) evaluated here, independently of the tool; None for words."""
    term = term.strip().rstrip(".")
    if not term or not _TERM.match(term) or not re.search(r"\d", term):
        return None
    python = (term.replace(",", "").replace("·", "*").replace("×", "*").replace("−", "-")
              .replace("⌊", "math.floor(").replace("⌋", ")")
              .replace("⌈", "math.ceil(").replace("⌉", ")"))
    try:
        return eval(python, {"math": math})  # digits and operators only (checked above)
    except SyntaxError:  # a piece of a sentence, such as "0)"
        return None


def equations(text: str) -> list[list[float]]:
    """Each chain ``a = b = c`` in ``text`` whose sides are arithmetic, evaluated."""
    chains = []
    for clause in re.split(r", |; |: ", text):
        sides = [_evaluate(side) for side in clause.split(" = ")]
        numbers = [side for side in sides if side is not None]
        if len(numbers) >= 2:
            chains.append(numbers)
    return chains


def test_the_arithmetic_checker_catches_a_wrong_equation() -> None:
    assert equations("`conv1` (7×7 /2 p3): 112 = ⌊(224 + 2·3 − 7)/2⌋ + 1") == [[112, 112]]
    assert equations("28 = ⌊(56 + 2·1 − 3)/1⌋ + 1") == [[28, 56]]
    assert equations("r = 11 + 4·(3−1)·4 = 43, j = 4·1 = 4") == [[43, 43], [4, 4]]


@pytest.mark.parametrize("name", MODELS)
def test_every_equation_in_every_derivation_is_true(traced, name) -> None:
    arch = traced[name]
    sheet = arch.exercises(n=10_000)
    assert {item.kind for item in sheet} >= {"output-size", "depth", "conv-params",
                                            "receptive-field", "projection"}
    checked = 0
    for item in sheet:
        for line in (*item.derivation, item.answer):
            for chain in equations(line):
                assert len(set(chain)) == 1, (item.concerns, line)
                checked += 1
    assert checked >= len(sheet)


def test_dilation_ceil_mode_and_bias_are_worked_out_right() -> None:
    """A network with a dilated conv, a pool in ceil_mode and biases: every size against a
    real forward, every parameter count against ``p.numel()``, every equation by hand."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.MaxPool2d(3, 2, ceil_mode=True),
                          nn.Conv2d(8, 8, 3, 1, 2, dilation=2), nn.Conv2d(8, 8, 3, 1, 1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
    arch = explain(model, (3, 30, 30))
    real = first_calls(model, (1, 3, 30, 30))
    sheet = arch.exercises(n=100)
    sizes = [item for item in sheet if item.kind == "output-size"]
    assert {item.concerns for item in sizes} == {"0", "1", "2", "3"}
    for item in sizes:
        assert item.value == real[item.concerns][1][2:]
        assert ("⌈…⌉ for a pool in ceil_mode" in item.derivation[0]) == (item.concerns != "0")
    [pool] = [item for item in sizes if item.concerns == "1"]
    assert pool.derivation[1:] == ("`0` (3×3 /2 p1): 15 = ⌊(30 + 2·1 − 3)/2⌋ + 1",
                                   "`1` (3×3 /2 p0): 7 = ⌈(15 − 3)/2⌉ + 1")
    for item in sheet:
        if item.kind == "conv-params":
            assert item.value == sum(p.numel() for p in model.get_submodule(
                item.concerns).parameters())
        for line in (*item.derivation, item.answer):
            for chain in equations(line):
                assert len(set(chain)) == 1, line


# --- output-size: a real forward ---------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_output_sizes_are_those_of_a_real_forward(traced, name) -> None:
    arch = traced[name]
    real = first_calls(build(name), arch.input_shape)
    sheet = every(arch, "output-size")
    assert len(sheet) >= 4
    for item in sheet:
        assert item.value == real[item.concerns][1][2:], item.concerns
        size = "×".join(map(str, item.value))
        assert item.answer.startswith(f"{size}: ")


def test_the_worked_chain_of_resnet18_goes_224_112_56_28_14_7(traced) -> None:
    [item] = [e for e in every(traced["resnet18"], "output-size")
              if e.concerns == "layer4.0.conv1"]
    sizes = [int(line.split(": ")[1].split(" = ")[0]) for line in item.derivation[1:]
             if " = ⌊" in line]
    assert sizes == [112, 56, 28, 14, 7]
    assert "from the input's 224×224 on" in item.derivation[0]
    assert re.fullmatch(r"\d+ more convs and pools on the way keep the size "
                        r"\(stride 1, K = 2P \+ 1\)", item.derivation[-1])


# --- depth: DESIGN.md's table and the real modules ---------------------------------------
@pytest.mark.parametrize(("name", "weighted", "projections", "depth"), [
    ("resnet18", 21, 3, 18), ("resnet50", 54, 4, 50), ("resnet20", 20, 0, 20)])
def test_the_layers_the_depth_leaves_out_are_the_projections(traced, name, weighted,
                                                            projections, depth) -> None:
    model = build(name)
    real = [n for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(real) == weighted  # DESIGN.md: Conv2d + Linear
    [item] = every(traced[name], "depth")
    assert item.value == tuple(n for n in real if ".downsample." in n)
    assert len(item.value) == projections and weighted - projections == depth
    assert f"{weighted} − {projections} = {depth}" in item.derivation[-1]
    if projections:
        assert item.answer.startswith(f"The {projections} shortcut projections: ")
    else:
        assert item.answer.startswith(f"None: every one of its {weighted} weighted layers")


# --- conv-params: p.numel() -------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_conv_parameters_are_those_pytorch_counts(traced, name) -> None:
    model = build(name)
    sheet = every(traced[name], "conv-params")
    assert len(sheet) >= 5
    for item in sheet:
        module = model.get_submodule(item.concerns)
        assert item.value == sum(p.numel() for p in module.parameters())
        assert item.answer == f"{item.value:,}."


def test_a_strided_3x3_conv_has_its_hand_counted_parameters(traced) -> None:
    """conv3_1's first 3×3 in ResNet-18: 3·3·64·128 = 73,728, and no bias before its BN."""
    [item] = [e for e in every(traced["resnet18"], "conv-params")
              if e.concerns == "layer2.0.conv1"]
    assert item.value == 3 * 3 * 64 * 128 == 73_728
    assert item.derivation[0] == ("K·K·C_in/groups·C_out + bias = 3·3·64·128 + 0 = 73,728")
    assert item.derivation[1].startswith("no bias: `layer2.0.bn1`, the BatchNorm after it")


# --- projection: the real blocks ----------------------------------------------------------
@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet20", "resnet18-v2"])
def test_projection_answers_are_the_real_blocks_shapes(traced, name) -> None:
    arch = traced[name]
    model = build(name)
    real = first_calls(model, arch.input_shape)
    sheet = every(arch, "projection")
    assert [item.concerns for item in sheet] == \
        [b.paper_name for b in arch.blocks if b.kind != "identity"]
    for item in sheet:
        block = arch.block(item.concerns)
        x, fx = real[block.name]
        assert item.value == (x[1], fx[1], x[2:], fx[2:])
        downsample = model.get_submodule(block.name).downsample
        if isinstance(downsample, (nn.Conv2d, nn.Sequential)):  # a projection's numbers
            conv = downsample if isinstance(downsample, nn.Conv2d) else downsample[0]
            assert (conv.in_channels, conv.out_channels) == item.value[:2]
            assert f"{sum(p.numel() for p in conv.parameters()):,} parameters" in item.answer


def test_conv2_1_of_resnet50_projects_the_channels_only(traced) -> None:
    [item] = [e for e in every(traced["resnet50"], "projection") if e.concerns == "conv2_1"]
    assert item.value == (64, 256, (56, 56), (56, 56))
    assert "the channels change from 64 to 256. So" in item.answer
    assert "the map" not in item.answer
    [item] = [e for e in every(traced["resnet50"], "projection") if e.concerns == "conv3_1"]
    assert ("the channels change from 256 to 512 and the map halves, 56×56 → 28×28 "
            "(stride 2)") in item.answer


# --- receptive-field: DESIGN.md's facts and a recurrence over the real modules ------------
def _fields_by_recurrence(model: nn.Module) -> dict[str, int]:
    """r after each ``layerN`` of a zoo model, along its main path (shortcuts skipped)."""
    r, j, after = 1, 1, {}
    for name, module in model.named_modules():
        if "downsample" in name or "shortcut" in name:
            continue
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)):
            k = module.kernel_size if isinstance(module.kernel_size, int) else \
                module.kernel_size[0]
            s = module.stride if isinstance(module.stride, int) else module.stride[0]
            d = module.dilation if isinstance(module.dilation, int) else module.dilation[0]
            r, j = r + (k - 1) * d * j, j * s
        if re.fullmatch(r"layer\d\.\d+\.\w+", name):
            after[name.split(".")[0]] = r
    return after


@pytest.mark.parametrize(("name", "last"), [("resnet18", 435), ("resnet50-v1", 483),
                                            ("resnet50", 427), ("resnet20", 81)])
def test_receptive_fields_after_each_stage(traced, name, last) -> None:
    sheet = every(traced[name], "receptive-field")
    by_stage = {item.concerns: item.value for item in sheet}
    expected = _fields_by_recurrence(build(name))
    assert list(by_stage.values()) == list(expected.values())
    assert list(by_stage.values())[-1] == last  # DESIGN.md
    for item in sheet:
        assert item.answer.startswith(f"{item.value} pixels; neighbouring positions are ")


def test_resnet18s_435_step_by_step(traced) -> None:
    [item] = [e for e in every(traced["resnet18"], "receptive-field")
              if e.concerns == "conv5_x"]
    steps = [int(re.search(r"r = [^,]* = (\d+),", line).group(1))
             for line in item.derivation[1:]]
    assert steps == [7, 11, 43, 51, 99, 115, 211, 243, 435]
    assert item.answer == "435 pixels; neighbouring positions are 32 px apart (the jump)."


# --- v1 against v1.5 ----------------------------------------------------------------------
def _real_macs(model: nn.Module, real: dict[str, tuple[tuple, tuple]], block: str) -> int:
    """K·K·C_in/groups·C_out·H_out·W_out of each conv in ``block``, with the output sizes of
    a real forward (``real``, from :func:`first_calls`)."""
    total = 0
    for name, module in model.get_submodule(block).named_modules(prefix=block):
        if isinstance(module, nn.Conv2d):
            out = real[name][1]
            total += math.prod(module.kernel_size) * module.in_channels // module.groups * \
                module.out_channels * out[2] * out[3]
    return total


def test_v1_against_v15_multiply_adds(traced) -> None:
    v15, v1 = traced["resnet50"], traced["resnet50-v1"]
    sheet = every(v15, "v1-vs-v1.5")  # the zoo twin is traced by itself
    assert [item.concerns for item in sheet] == ["conv3_1", "conv4_1", "conv5_1"]
    models = {name: build(name) for name in ("resnet50-v1", "resnet50")}
    real = {name: first_calls(model, (1, 3, 224, 224)) for name, model in models.items()}
    for item in sheet:
        a, b = item.value
        assert b - a == 77_070_336  # DESIGN.md: per downsampling block
        block = v15.block(item.concerns).name
        assert (a, b) == tuple(_real_macs(models[name], real[name], block) for name in models)
    first = sheet[0]
    assert first.value == (295_436_288, 372_506_624)
    assert ("`layer2.0.conv1` makes the difference: 25,690,112 → 102,760,448, because its "
            "output is 28×28 in v1 and 56×56 in v1.5.") in first.answer
    assert "`layer2.0.conv2` costs 115,605,504 in both" in first.answer
    assert "it never reads 3 of every 4 input positions" in first.derivation[-1]
    # The same exercises from either side, with the other trace given or found.
    assert every(v1, "v1-vs-v1.5") == sheet
    assert every(v1, "v1-vs-v1.5", other=v15) == sheet
    assert every(v15, "v1-vs-v1.5", other=v1) == sheet


def test_no_v1_question_without_a_bottleneck_twin(traced) -> None:
    assert every(traced["resnet50"], "v1-vs-v1.5", other=traced["resnet50"]) == []
    with pytest.raises(UserError, match=r"no exercise of the kinds v1-vs-v1\.5"):
        traced["resnet18"].exercises(kinds=["v1-vs-v1.5"])


# --- choice, determinism, views -----------------------------------------------------------
def test_the_same_seed_gives_the_same_exercises(traced) -> None:
    arch = traced["resnet50"]
    first = arch.exercises(n=8, seed=1)
    assert first == arch.exercises(n=8, seed=1) == explain("resnet50").exercises(n=8, seed=1)
    assert first.text(answers=True) == arch.exercises(n=8, seed=1).text(answers=True)
    others = {tuple(arch.exercises(n=8, seed=seed).items) for seed in range(5)}
    assert len(others) > 1
    assert {item.kind for item in arch.exercises(n=6, seed=3)} == set(KINDS)  # turns


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32),
       kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6, unique=True))
def test_a_choice_is_a_deterministic_fair_sample_without_repeats(resnet50, n, seed,
                                                                 kinds) -> None:
    arch, pool = resnet50
    sheet = arch.exercises(n=n, seed=seed, kinds=kinds)
    offered = sum(len(pool[kind]) for kind in kinds)
    assert len(sheet) == min(n, offered)
    assert sheet == arch.exercises(n=n, seed=seed, kinds=kinds)
    assert all(item in pool[item.kind] for item in sheet)
    assert len(set(sheet.items)) == len(sheet)
    # The kinds take turns: no kind has two more questions than another that still had some.
    counts = {kind: sum(item.kind == kind for item in sheet) for kind in kinds}
    for kind in kinds:
        for other in kinds:
            if counts[other] < len(pool[other]):
                assert counts[kind] <= counts[other] + 1


def test_bad_requests_are_said(traced) -> None:
    arch = traced["resnet18"]
    with pytest.raises(UserError, match="a whole number of 1 or more, not 0"):
        arch.exercises(n=0)
    with pytest.raises(UserError, match="unknown kind of exercise 'sizes'"):
        arch.exercises(kinds=["sizes"])


def test_jupyter_hides_each_answer_until_clicked(traced) -> None:
    sheet = traced["resnet18"].exercises(n=4, seed=2)
    html = sheet._repr_html_()
    assert html.count("<details>") == html.count("<summary") == 4
    assert "<details open" not in html and "<style" not in html
    for item in sheet:
        assert escape(item.answer.split("`")[0]) in html
    assert html.count("<code>") >= 4
    for style in re.findall(r'style="([^"]*)"', html):  # what an untrusted notebook keeps
        names = {part.split(":")[0] for part in style.split(";") if part}
        assert names <= SAFE_PROPERTIES, style
    markdown = sheet.markdown()
    assert markdown.count("<details><summary>Answer</summary>") == 4
    assert "<details>" not in sheet.markdown(answers=False)
    text = sheet.text()
    assert "Answers" not in text and all(item.answer not in text for item in sheet)
    key = " ".join(sheet.text(answers=True).split())
    assert all(" ".join(item.answer.split()) in key for item in sheet)
    assert repr(sheet).startswith("<Exercises on resnet18, seed 2: 4 (")


def test_student_and_teacher_notebooks(traced, tmp_path) -> None:
    nbformat = pytest.importorskip("nbformat")
    sheet = traced["resnet50"].exercises(n=6, seed=1)
    student = nbformat.read(sheet.to_notebook(tmp_path / "s.ipynb"), as_version=4)
    teacher = nbformat.read(sheet.to_notebook(tmp_path / "t.ipynb", answers=True),
                            as_version=4)
    for notebook in (student, teacher):
        nbformat.validate(notebook)
    raw = (tmp_path / "s.ipynb").read_text(encoding="utf-8")
    for item in sheet:
        assert json.dumps(item.answer, ensure_ascii=False)[1:-1] not in raw
        assert all(json.dumps(step, ensure_ascii=False)[1:-1] not in raw
                   for step in item.derivation)
    assert "<details>" not in raw
    kinds = [cell.cell_type for cell in student.cells]
    assert kinds == ["markdown"] + ["markdown", "code"] * 6
    assert all(cell.source == "" for cell in student.cells if cell.cell_type == "code")
    assert [cell.cell_type for cell in teacher.cells] == \
        ["markdown"] + ["markdown", "code", "markdown"] * 6
    answers = [cell.source for cell in teacher.cells[3::3]]
    assert all(a.startswith("<details><summary>Answer</summary>") for a in answers)
    assert [item.answer in a for item, a in zip(sheet, answers)] == [True] * 6


def test_the_command_writes_both_notebooks(tmp_path, capsys) -> None:
    nbformat = pytest.importorskip("nbformat")
    args = ["exercises", "resnet18", "-n", "8", "--seed", "1"]
    assert main(args) == 0
    assert capsys.readouterr().out == explain("resnet18").exercises(n=8, seed=1).text()
    assert main([*args, "-o", str(tmp_path / "class.ipynb")]) == 0
    assert main([*args, "-o", str(tmp_path / "key.ipynb"), "--answers"]) == 0
    student = nbformat.read(tmp_path / "class.ipynb", as_version=4)
    teacher = nbformat.read(tmp_path / "key.ipynb", as_version=4)
    assert student.cells[1].source == teacher.cells[1].source == \
        "from resnet_explain import explain\n\narch = explain('resnet18')\narch"
    assert len(teacher.cells) == len(student.cells) + 8
    assert main([*args, "-o", str(tmp_path / "key.md"), "--answers"]) == 0
    assert (tmp_path / "key.md").read_text().count("<details>") == 8
    assert main(["exercises", "resnet18", "--kind", "v1-vs-v1.5"]) == 2
    assert "error: no exercise of the kinds v1-vs-v1.5" in capsys.readouterr().err
    assert main([*args, "-o", str(tmp_path / "class.png")]) == 2
    assert capsys.readouterr().err == (
        "error: exercises writes text, Markdown, HTML or a notebook, not a .png file. Name "
        "the file .txt, .md, .html or .ipynb, or give --format\n")
    assert not (tmp_path / "class.png").exists()
