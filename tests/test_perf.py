"""What the speed work must not change, and cost rules that hold without a clock.

The fast JSON layout is checked against the layout rule written out plainly (every non-empty
dict opened, a list opened only when it holds a dict, everything else on one line as
``json.dumps`` writes it) on random documents, including strings made of the control
characters and brackets the fast path uses as markers. The trace's cost is checked not to
depend on the input size: the same calls are recorded and no memory grows with the input.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_explain import explain
from resnet_explain.render import jsonview


def reference_layout(value: Any, step: str = "  ", pad: str = "") -> str:
    """The JSON contract's layout, one value at a time (slow and obviously right)."""
    def flat(v: Any) -> bool:
        if isinstance(v, dict):
            return False
        if isinstance(v, list):
            return all(flat(item) for item in v)
        return True

    if flat(value) or value == {}:
        return json.dumps(value, ensure_ascii=False)
    inner = pad + step
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {reference_layout(v, step, inner)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + reference_layout(v, step, inner) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


tricky_text = st.text(alphabet=st.sampled_from('ab"\\{}[], :\x1e\x1f\x00⌊×\n'), max_size=8)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | tricky_text
flat_values = scalars | st.lists(st.integers(-5, 10**12), max_size=5) | st.lists(
    st.lists(st.integers(0, 999), max_size=4), max_size=3) | st.lists(tricky_text, max_size=3)
documents = st.recursive(
    flat_values | st.lists(st.dictionaries(tricky_text, flat_values, max_size=6), max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_json_layout_equals_the_plain_rule(document: Any) -> None:
    assert jsonview._dump(document, "  ", "") == reference_layout(document)


flat_records = st.lists(st.dictionaries(tricky_text, flat_values, max_size=6), max_size=6)


@settings(max_examples=300, deadline=None)
@given(flat_records, flat_records)
def test_json_records_fast_path_equals_the_plain_rule(rows: list[dict[str, Any]],
                                                      other: list[dict[str, Any]]) -> None:
    # Lists shaped like layers/blocks/stages take the fast path (or, holding strings inside
    # lists, fall back to the slow one); the result is the same.
    document = {"layers": rows, "x": other}
    assert (jsonview._dump(document, "  ", "", records=frozenset({"layers"}))
            == reference_layout(document))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": tricky_text, "shape": st.lists(
    st.integers(0, 4096), max_size=4), "ok": st.booleans(), "n": st.none() | st.integers(),
    "pairs": st.lists(st.lists(st.integers(0, 9), max_size=2), max_size=2)}),
    min_size=1, max_size=8))
def test_json_records_of_layer_shape_take_the_fast_path(rows: list[dict[str, Any]]) -> None:
    assert jsonview._records(rows, "  ", "    ") == reference_layout(rows, "  ", "    ")


def test_to_json_of_real_models_follows_the_plain_rule() -> None:
    for name in ("resnet18", "resnet20", "resnet50-v2"):
        arch = explain(name)
        assert jsonview.to_json(arch) == reference_layout(jsonview.to_dict(arch))
