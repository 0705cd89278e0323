"""The text views at a width: ``--width N``, the terminal, ``COLUMNS`` (issue 21, item 6).

At a width no line is longer than it, and nothing is lost: every number of the unlimited
output is in the narrowed one at least as often (:func:`numbers`), every layer name whole.
Without a width — a file, a pipe without ``COLUMNS``, the Python API — the output is the
golden one, byte for byte.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_explain import explain, table1
from resnet_explain.cli import main
from resnet_explain.compare import compare
from resnet_explain.render import render
from resnet_explain.render.rows import build_table
from resnet_explain.render.width import MIN_WIDTH, output_width, parse_width

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DEPTHS = ("layer", "block", "stage")

_CACHE: dict[str, object] = {}


def cached(key: str, make):
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def arch(name: str):
    return cached(name, lambda: explain(name))


def paper_table():
    return cached("table1", table1)


def comparison():
    return cached("compare", lambda: compare(arch("resnet34"), arch("resnet18")))


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> Counter:
    """The numeric tokens of ``text`` (``11,689,512``, ``1.81``, ``224``) and how often each
    occurs: a number split across lines or left out shows as missing."""
    return Counter(NUMBER.findall(text))


def assert_fits(text: str, width: int) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"{len(long)} lines over {width} columns, e.g. {long[0]!r}"


def assert_nothing_lost(full: str, narrow: str) -> None:
    missing = numbers(full) - numbers(narrow)
    assert not missing, f"numbers lost in narrowing: {dict(missing)}"


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch):
    """The tests say themselves whether ``COLUMNS`` is set."""
    monkeypatch.delenv("COLUMNS", raising=False)


# --- which width -----------------------------------------------------------------------
class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_width_comes_from_the_option_then_the_terminal_then_columns(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda *a, **k: os.terminal_size((93, 24)))
    tty, pipe = Stream(True), Stream(False)
    assert output_width(120, None, stdout=tty, environ={"COLUMNS": "60"}) == 120
    assert output_width(None, None, stdout=tty, environ={}) == 93
    assert output_width(None, None, stdout=pipe, environ={"COLUMNS": "100"}) == 100
    assert output_width(None, None, stdout=pipe, environ={}) is None
    assert output_width(None, None, stdout=pipe, environ={"COLUMNS": "wide"}) is None
    assert output_width(None, None, stdout=pipe, environ={"COLUMNS": "12"}) == MIN_WIDTH
    # A file is never narrowed by the terminal or COLUMNS, only by --width.
    assert output_width(None, "out.txt", stdout=tty, environ={"COLUMNS": "80"}) is None
    assert output_width(80, "out.txt", stdout=tty, environ={}) == 80


@pytest.mark.parametrize(("text", "message"), [
    ("0", "too narrow"), ("-5", "too narrow"), ("39", "too narrow"),
    ("abc", "not a whole number"), ("8.5", "not a whole number"), ("", "not a whole number")])
def test_parse_width_refuses_what_is_not_a_usable_width(text, message):
    with pytest.raises(ValueError, match=message):
        parse_width(text)
    assert parse_width("40") == 40 and parse_width(" 132 ") == 132


@pytest.mark.parametrize("command", [["summary", "resnet18"], ["table1"],
                                     ["compare", "resnet34", "resnet18"],
                                     ["check", "resnet34", "--against", "resnet18"]])
@pytest.mark.parametrize("value", ["0", "-3", "abc", "39"])
def test_a_bad_width_is_one_error_line_and_exit_2(capsys, command, value):
    with pytest.raises(SystemExit) as stopped:
        main([*command, f"--width={value}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "argument --width" in errors[0], err
    assert "Traceback" not in err


def test_the_python_api_needs_a_usable_width():
    with pytest.raises(ValueError, match="too narrow"):
        arch("resnet18").table(width=30)
    with pytest.raises(ValueError, match="whole number"):
        render(arch("resnet18"), width="80")  # type: ignore[arg-type]


# --- no width: today's output ----------------------------------------------------------
@pytest.mark.parametrize(("golden", "model", "depth"), [
    ("text_resnet18_layer.txt", "resnet18", "layer"),
    ("text_resnet18_stage.txt", "resnet18", "stage"),
    ("text_resnet50_block.txt", "resnet50", "block")])
def test_without_a_width_the_text_is_the_golden(monkeypatch, tmp_path, capsys, golden, model,
                                                depth):
    expected = (GOLDEN / golden).read_text(encoding="utf-8")
    assert main(["summary", model, "--depth", depth]) == 0  # captured: not a terminal
    assert capsys.readouterr().out == expected
    # A file ignores COLUMNS; the Python API ignores it too.
    monkeypatch.setenv("COLUMNS", "80")
    target = tmp_path / "out.txt"
    assert main(["summary", model, "--depth", depth, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == expected
    assert str(arch(model).table(depth=depth)) == expected
    # A width the table already fits changes nothing.
    assert render(arch(model), depth=depth, width=1000) == expected


def test_table1_and_compare_without_a_width_are_as_before():
    table = paper_table()
    assert table.render("text") == (GOLDEN / "table1_paper.txt").read_text(encoding="utf-8")
    assert table.render("text", 400) == table.render("text")
    assert comparison().render("text", 200) == comparison().render("text")


# --- at 80 and 100 columns -------------------------------------------------------------
@pytest.mark.parametrize("model", ["resnet18", "resnet50"])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("how", ["--width 80", "COLUMNS=100"])
def test_summary_fits_and_keeps_every_number(monkeypatch, capsys, model, depth, how):
    full = render(arch(model), depth=depth)
    if how.startswith("COLUMNS"):
        width = 100
        monkeypatch.setenv("COLUMNS", "100")
        args = ["summary", model, "--depth", depth]
    else:
        width = 80
        args = ["summary", model, "--depth", depth, "--width", "80"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert max(map(len, full.splitlines())) > width  # the test narrows something
    assert_fits(out, width)
    assert_nothing_lost(full, out)
    names = [row.prefix + row.cells[0] for row in build_table(arch(model), depth).body_rows]
    lines = out.splitlines()
    assert all(any(line.startswith(name) for line in lines) for name in names)


@pytest.mark.parametrize(("args", "env", "width"), [
    (["table1", "--width", "80"], {}, 80), (["table1"], {"COLUMNS": "100"}, 100),
    (["compare", "resnet34", "resnet18", "--width", "80"], {}, 80),
    (["compare", "resnet34", "resnet18"], {"COLUMNS": "100"}, 100)])
def test_table1_and_compare_fit_and_keep_every_number(monkeypatch, capsys, args, env, width):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(args) == 0
    out = capsys.readouterr().out
    full = paper_table().render("text") if args[0] == "table1" else comparison().render()
    assert_fits(out, width)
    assert_nothing_lost(full, out)
    if args[0] == "table1":
        assert max(map(len, full.splitlines())) > width
        for column in paper_table().columns:  # every model keeps its column
            assert column.model in out


def test_the_terminal_width_through_a_real_process():
    """End to end: a child process whose stdout is a pipe reads COLUMNS; ``--width`` wins."""
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "resnet18"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert_fits(done.stdout, 100)
    assert max(map(len, done.stdout.splitlines())) > 90  # it uses the room it has
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "summary", "resnet18",
                           "--width", "80"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert_fits(done.stdout, 80)


# --- the layout ------------------------------------------------------------------------
def test_the_formula_is_on_its_own_line_under_its_row():
    layers = arch("resnet18").layers
    out = render(arch("resnet18"), width=80)
    lines = out.splitlines()
    header = lines[2:6]
    assert header[0].startswith("Layer (type)") and header[-1].strip() == "Output size = formula"
    conv1 = next(i for i, line in enumerate(lines) if line.startswith("├─ conv1 (Conv2d)"))
    assert "9,408" in lines[conv1] and "118,013,952" in lines[conv1]
    assert lines[conv1 + 1].split() == ["│", "7×7", "/2", "p3", "[1,", "3,", "224,", "224]",
                                        "stem", "7", "/2"]
    formula = f"✓ {layers[0].formula}"
    assert lines[conv1 + 2] == "│       " + formula
    # Every formula is whole on a line of its own, at the same indent.
    formulas = [f"✓ {layer.formula}" for layer in layers if layer.formula]
    for text in formulas:
        at = [line for line in lines if line.endswith(text)]
        assert at and all(line[:-len(text)].strip(" │") == "" and len(line) - len(text) == 8
                          for line in at), text


def test_folded_cells_line_up_and_a_wide_header_row_wraps_under_its_tree():
    out = render(arch("resnet18"), width=80)
    lines = out.splitlines()
    roles = [line.index(" main ") for line in lines if " main " in line and line[0] in "│ "]
    assert len(set(roles)) == 1  # the folded Role column is one column
    block = next(i for i, line in enumerate(lines) if line.startswith("├─ conv3_1  layer2.0"))
    assert lines[block + 1].startswith("│  │    ") and "stride 2" in lines[block + 1]
    assert lines[block + 2].startswith("│  ├─ conv1 (Conv2d)")


def test_notes_wrap_at_words_with_a_hanging_indent():
    out = render(arch("resnet50"), depth="block", width=80)
    note = [line for line in out.splitlines() if line.startswith("Note: This is v1.5")]
    assert note
    at = out.splitlines().index(note[0])
    assert out.splitlines()[at + 1].startswith("  ") and not out.splitlines()[at + 1][2] == " "


def test_table1_stacks_brackets_and_repeats_the_row_names_per_panel():
    out = paper_table().render("text", 80)
    assert "[3×3, 256 ] ×36" in out and "[1×1, 1024]" in out
    panels = out.split("\n\n")
    assert len(panels) == 2
    assert all("conv4_x  14×14" in panel for panel in panels)


# --- any width -------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(width=st.integers(min_value=MIN_WIDTH, max_value=200),
       model=st.sampled_from(["resnet18", "resnet50"]), depth=st.sampled_from(DEPTHS))
def test_any_width_fits_and_keeps_every_number(width, model, depth):
    full = render(arch(model), depth=depth)
    narrow = render(arch(model), depth=depth, width=width)
    assert_fits(narrow, width)
    assert_nothing_lost(full, narrow)


@settings(max_examples=30, deadline=None)
@given(width=st.integers(min_value=MIN_WIDTH, max_value=200))
def test_table1_and_compare_at_any_width(width):
    full, narrow = paper_table().render("text"), paper_table().render("text", width)
    assert_fits(narrow, width)
    assert_nothing_lost(full, narrow)
    full, narrow = comparison().render("text"), comparison().render("text", width)
    assert_fits(narrow, width)
    assert_nothing_lost(full, narrow)


def test_the_docs_sample_is_what_summary_prints_at_80_columns():
    doc = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    sample = doc.split("--width 80` begins:\n\n```\n", 1)[1].split("\n…\n```", 1)[0]
    assert render(arch("resnet18"), width=80).startswith(sample + "\n")
