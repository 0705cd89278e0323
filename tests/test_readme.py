"""The README and the pages in docs/ show real output: their examples, the numbers their
sentences state and the JSON contract must be what the tool gives now.

An example trimmed in the text marks each cut with a line of its own, ``…``; every run of lines
between cuts must be a run of lines of the real output, the first at its start and the last at
its end.
"""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path

import pytest

from resnet_explain import explain, table1
from resnet_explain.cli import main
from resnet_explain.cli.main import _list
from resnet_explain.render import jsonview
from resnet_explain.zoo.registry import describe

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
CUT = "…"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def code_block_after(text: str, marker: str) -> str:
    """The first fenced code block after ``marker`` in ``text``, without its fences."""
    start = text.index("```", text.index(marker))
    start = text.index("\n", start) + 1
    return text[start:text.index("\n```", start)]


def assert_trimmed_output(excerpt: str, output: str) -> None:
    """``excerpt`` is ``output`` with runs of whole lines cut, each cut shown as a line that
    holds ``…`` alone (indented or not): the runs between cuts are runs of ``output``'s lines,
    in order, and an excerpt that does not start (end) with a cut starts (ends) as it does."""
    lines = output.rstrip("\n").splitlines()
    shown = excerpt.strip("\n").splitlines()
    cuts = [i for i, line in enumerate(shown) if line.strip() == CUT]
    assert cuts, "the excerpt is not trimmed: compare it whole"
    bounds = [-1, *cuts, len(shown)]
    pieces = [shown[a + 1:b] for a, b in pairwise(bounds)]
    assert all(pieces[1:-1]), "two cuts in a row"
    position = 0
    for run in pieces:
        found = next((i for i in range(position, len(lines) - len(run) + 1)
                      if lines[i:i + len(run)] == run), None)
        assert found is not None, "not a run of the current output, in order:\n" + "\n".join(run)
        position = found + len(run)
    assert pieces[0] == lines[:len(pieces[0])]
    assert not pieces[-1] or pieces[-1] == lines[-len(pieces[-1]):]


def test_the_trimming_rule_fails_on_a_changed_line():
    output = "a\nb\nc\nd\ne"
    assert_trimmed_output("a\n…\nc\n…\ne", output)
    assert_trimmed_output("a\nb\n  …", output)
    for excerpt in ["a\n…\nx\n…\ne", "a\n…\nd\n…\nc\n…\ne", "b\n…\ne", "a\n…\nd",
                    "a\n…\n…\ne", output]:
        with pytest.raises(AssertionError):
            assert_trimmed_output(excerpt, output)


# --- the README's examples ----------------------------------------------------------------------
def test_readme_layer_excerpt_is_current_output():
    excerpt = code_block_after(README, "`resnet-explain summary resnet50` prints")
    assert_trimmed_output(excerpt, explain("resnet50").table("text"))


def test_readme_stage_example_is_current_output():
    excerpt = code_block_after(README, "`resnet-explain summary resnet34 --depth stage`")
    assert_trimmed_output(excerpt, explain("resnet34").table("text", depth="stage"))


def test_readme_table1_example_is_current_output():
    assert "`resnet-explain table1 resnet34 resnet50-v1`" in README
    excerpt = code_block_after(README, "`resnet-explain table1 resnet34 resnet50-v1`")
    assert_trimmed_output(excerpt, table1(["resnet34", "resnet50-v1"]).render("text"))


def test_readme_json_example_is_current_output():
    excerpt = code_block_after(README, "`resnet-explain summary resnet18 --format json`")
    assert_trimmed_output(excerpt, explain("resnet18").to_json())


def test_the_weights_file_example_is_the_same_in_readme_and_docs():
    # tests/test_weightsfile.py checks the README's lines against the command's output
    example = code_block_after(README, "a note under the table says so")
    assert example.startswith("r34.pth (resnet34)") and example in doc("weights-files.md")


def test_readme_list_is_current():
    assert_trimmed_output(code_block_after(README, "`resnet-explain list`:"), _list())


def test_readme_reprs_are_current():
    arch = explain("resnet34")
    shown = {"arch": arch, "arch.stages[2]": arch.stages[2],
             'arch.block("conv3_1")': arch.block("conv3_1"),
             'arch.layer("layer2.0.conv1")': arch.layer("layer2.0.conv1")}
    session = "\n".join(f">>> {code}\n{value!r}" for code, value in shown.items())
    assert f"```python\n{session}\n```" in README


def test_readme_error_example_is_current_output(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["summary", "tests/student_mistakes.py:MissingProjection",
                 "--input", "3x32x32"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    line = line.replace(f"{ROOT / 'tests'}{os.sep}", "")  # the README leaves out your folder
    assert f"```\n{line}\n```" in README
    assert line in doc("errors.md")


# --- numbers the README's sentences state -------------------------------------------------------
IMAGENET = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]


def spoken(items: list[str]) -> str:
    """``["1", "2", "3"]`` → ``"1, 2 and 3"``, as a sentence lists them."""
    return ", ".join(items[:-1]) + " and " + items[-1]


def test_readme_depth_table_rows_are_made_from_the_traces():
    for name in IMAGENET:
        arch = explain(name)
        row = (f"| ResNet-{arch.plain_depth} | {arch.depth_formula} | {arch.weighted_layers} | "
               f"{arch.shortcut_projections} |")
        assert row in README, row


def test_readme_cifar_formula_is_the_traced_one():
    assert f"the paper's CIFAR nets as `{explain('resnet20').depth_formula}`" in README


def test_readme_v1_and_v1_5_figures_are_the_traced_ones():
    v1 = ["resnet18", "resnet34", "resnet50-v1", "resnet101-v1", "resnet152-v1"]
    text = README.replace("\n", " ")
    paper = spoken([f"{describe(name).paper_flops_g:g}" for name in v1])
    assert f"gives {paper} ×10⁹ \"FLOPs\"" in text
    computed = spoken([f"{explain(name).macs_per_image / 1e9:.3f}" for name in v1])
    assert f"multiply-adds are {computed} G" in text
    v15, v1_50 = (explain(name).macs_per_image / 1e9 for name in ("resnet50", "resnet50-v1"))
    assert f"{v15:.2f} G multiply-adds for ResNet-50 against {v1_50:.2f} G for v1" in text


# --- docs/ --------------------------------------------------------------------------------------
def test_json_contract_in_docs_equals_the_documented_one():
    text = doc("json.md")
    start = text.index("<!-- json-contract:start -->") + len("<!-- json-contract:start -->")
    end = text.index("<!-- json-contract:end -->")
    contract = jsonview.__doc__
    assert text[start:end].strip() == contract[contract.index("Top level:"):].strip()


def test_docs_tables_shows_table1_as_printed():
    assert table1().render("text").rstrip() in doc("tables.md")


def test_docs_exercises_example_is_current_output(capsys):
    from resnet_explain.cli import main

    command = ("resnet-explain exercises resnet50 -n 2 --seed 1 --kind v1-vs-v1.5 "
               "--kind output-size --answers")
    assert main(command.split()[1:]) == 0
    assert f"$ {command}\n{capsys.readouterr().out}```" in doc("exercises.md")


def test_readme_comparison_is_current_output():
    from resnet_explain.compare import compare_specs

    spec = "notebooks/student_resnet.py:StudentResNet"
    start = README.index(f"```text\n{spec} differs") + len("```text\n")
    excerpt = README[start:README.index("```", start)].rstrip()
    assert_trimmed_output(excerpt, compare_specs(spec, "resnet18").render("text"))


def test_docs_comparison_contract_names_every_field():
    from resnet_explain.compare import compare_specs

    text = doc("json.md")
    start = text.index("<!-- compare-json:start -->")
    documented = text[start:text.index("<!-- compare-json:end -->")]
    data = compare_specs("resnet50", "resnet50-v1").to_dict()
    record = data["differences"][0]
    names = {line.split()[0] for line in documented.splitlines()
             if line.strip() and not line.startswith(("<!--", "```"))}
    names |= {"yours", "reference"}  # documented on one line
    assert set(data) <= names and set(record) <= names
    assert set(record["map"] or {}) <= {"yours", "reference", "agree_again_at"}
