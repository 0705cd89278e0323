"""The README shows real output: its examples and its JSON contract must stay current."""

from __future__ import annotations

from pathlib import Path

from resnet_explain import explain
from resnet_explain.cli import _list
from resnet_explain.render import jsonview

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_json_contract_in_readme_equals_the_documented_one():
    start = README.index("<!-- json-contract:start -->") + len("<!-- json-contract:start -->")
    end = README.index("<!-- json-contract:end -->")
    doc = jsonview.__doc__
    assert README[start:end].strip() == doc[doc.index("Top level:"):].strip()


def test_readme_stage_example_is_current_output():
    assert explain("resnet34").table("text", depth="stage").rstrip() in README


def test_readme_list_is_current():
    assert _list() in README


def test_readme_layer_excerpt_is_current():
    lines = explain("resnet50").table("text").rstrip().splitlines()
    assert "\n".join(lines[:22]) in README
    assert "\n".join(lines[-14:]) in README


def test_readme_exercises_example_is_current_output(capsys):
    from resnet_explain.cli import main

    command = ("resnet-explain exercises resnet50 -n 2 --seed 1 --kind v1-vs-v1.5 "
               "--kind output-size --answers")
    assert main(command.split()[1:]) == 0
    assert f"$ {command}\n{capsys.readouterr().out}```" in README
