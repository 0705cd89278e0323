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


def test_readme_comparison_is_current_output():
    from resnet_explain.compare import compare_specs

    spec = "notebooks/student_resnet.py:StudentResNet"
    assert compare_specs(spec, "resnet18").render("text").rstrip() in README


def test_readme_comparison_contract_names_every_field():
    from resnet_explain.compare import compare_specs

    start = README.index("<!-- compare-json:start -->")
    documented = README[start:README.index("<!-- compare-json:end -->")]
    data = compare_specs("resnet50", "resnet50-v1").to_dict()
    record = data["differences"][0]
    names = {line.split()[0] for line in documented.splitlines()
             if line.strip() and not line.startswith(("<!--", "```"))}
    names |= {"yours", "reference"}  # documented on one line
    assert set(data) <= names and set(record) <= names
    assert set(record["map"] or {}) <= {"yours", "reference", "agree_again_at"}
