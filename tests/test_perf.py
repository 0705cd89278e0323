"""What the speed work must not change, and cost rules that hold without a clock.

The fast JSON layout is checked against the layout rule written out plainly (every non-empty
dict opened, a list opened only when it holds a dict, everything else on one line as
``json.dumps`` writes it) on random documents, including strings made of the control
characters and brackets the fast path uses as markers. The trace's cost is checked not to
depend on the input size: the same calls are recorded and no memory grows with the input.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from itertools import groupby
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from resnet_explain import explain
from resnet_explain.analysis.graph import Graph
from resnet_explain.architecture import MODEL_INPUT
from resnet_explain.render import jsontext, jsonview
from resnet_explain.trace import trace
from resnet_explain.zoo import build


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
    assert jsontext._dump(document, "  ", "") == reference_layout(document)


flat_records = st.lists(st.dictionaries(tricky_text, flat_values, max_size=6), max_size=6)


def column_layout(rows: list[dict[str, Any]], step: str, pad: str) -> str:
    """``rows`` laid out by the column writer that ``to_json`` uses for layers, blocks and
    stages (each run of objects with the same keys together)."""
    runs = []
    for keys, run in groupby(rows, key=tuple):
        items = list(run)
        columns = [[item[key] for item in items] for key in keys]
        runs.append("".join(jsontext._objects(keys, columns, step, pad + step)))
    return "[\n" + ",\n".join(runs) + "\n" + pad + "]"


@settings(max_examples=300, deadline=None)
@given(flat_records)
def test_json_column_writer_equals_the_plain_rule(rows: list[dict[str, Any]]) -> None:
    # Lists shaped like layers/blocks/stages, written column by column, with every kind of
    # value the contract allows and strings made of the writer's own markers.
    rows = [row for row in rows if row]  # the writer's objects have keys
    if rows:
        assert column_layout(rows, "  ", "  ") == reference_layout(rows, "  ", "  ")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"name": tricky_text, "shape": st.lists(
    st.integers(0, 4096), max_size=4), "ok": st.booleans(), "n": st.none() | st.integers(),
    "pairs": st.lists(st.lists(st.integers(0, 9), max_size=2), max_size=2)}),
    min_size=1, max_size=8))
def test_json_records_of_layer_shape_take_the_fast_path(rows: list[dict[str, Any]]) -> None:
    assert column_layout(rows, "  ", "    ") == reference_layout(rows, "  ", "    ")


def test_to_json_of_real_models_follows_the_plain_rule() -> None:
    for name in ("resnet18", "resnet20", "resnet50-v2"):
        arch = explain(name)
        assert jsonview.to_json(arch) == reference_layout(jsonview.to_dict(arch))


# --- the fork and branches of a merge, against ancestor sets --------------------------------
def reference_branches(preds: list[list[int]], a: int, b: int) -> tuple[int, list[int], list[int]]:
    """The definition, with whole ancestor sets (quadratic, obviously right)."""
    def ancestors(node: int) -> set[int]:
        if node == MODEL_INPUT:
            return set()
        seen, todo = {node}, [node]
        while todo:
            for pred in preds[todo.pop()]:
                if pred not in seen:
                    seen.add(pred)
                    todo.append(pred)
        return seen

    common = ancestors(a) & ancestors(b)
    fork = max(common, default=MODEL_INPUT)
    below = ancestors(fork)
    return fork, sorted(ancestors(a) - below), sorted(ancestors(b) - below)


@st.composite
def dags_and_merges(draw: st.DrawFn) -> tuple[list[list[int]], int, int]:
    """A data-flow graph in execution order (every input of a layer ran before it) and two
    of its tensors that meet; MODEL_INPUT may be one of them."""
    n = draw(st.integers(1, 30))
    preds = [sorted(set(draw(st.lists(st.integers(0, i - 1), max_size=3)))) if i else []
             for i in range(n)]
    a = draw(st.integers(MODEL_INPUT, n - 1))
    b = draw(st.integers(MODEL_INPUT, n - 1).filter(lambda x: x != a))
    return preds, a, b


@settings(max_examples=500, deadline=None)
@given(dags_and_merges())
def test_fork_and_branches_match_their_definition(case: tuple[list[list[int]], int, int]) -> None:
    preds, a, b = case
    graph = Graph([])
    graph.preds = preds
    assert graph.branches(a, b) == reference_branches(preds, a, b)


def test_fork_walk_of_a_residual_block_stays_inside_the_block() -> None:
    # A chain of 10,000 layers with one residual block at the end: finding its fork and
    # branches visits the block, not the chain (the walk stops once every open layer leads
    # to the fork), so a deep network costs blocks × block size.
    n = 10_000
    preds = [[i - 1] if i else [] for i in range(n)]
    preds += [[n - 1], [n], [n - 1]]  # conv, bn on the main path; a projection on the shortcut
    visited: list[int] = []

    class Watched(list):  # records which layers' inputs the walk reads
        def __getitem__(self, index: int) -> list[int]:
            visited.append(index)
            return super().__getitem__(index)

    graph = Graph([])
    graph.preds = Watched(preds)
    fork, main, shortcut = graph.branches(n + 1, n + 2)
    assert (fork, main, shortcut) == (n - 1, [n, n + 1], [n + 2])
    assert len(visited) <= 5


# --- the trace's cost does not depend on the input size ---------------------------------------
def _peak_rss_growth_mib(fn: Callable[[], object]) -> float | None:
    """Peak resident-set growth of one call (Linux: the high-water mark is reset first)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return None

    def read(field: str) -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field))

    before = read("VmRSS")
    fn()
    return (read("VmHWM") - before) / 1024


def test_trace_cost_does_not_depend_on_the_input_size() -> None:
    # 64×3×4096² floats are 12 GiB: anything proportional to the input would show as
    # gigabytes (one 4096² feature map alone is 64 MiB); the trace must record the same calls
    # and allocate the same, at 224 as at 4096.
    model = build("resnet50")
    small, large = (1, 3, 224, 224), (64, 3, 4096, 4096)
    trace(model, small)  # warm up: first calls load kernels and fill caches
    traces = {}
    python_peak = {}
    for shape in (small, large):
        gc.collect()
        tracemalloc.start()
        traces[shape] = trace(model, shape)
        python_peak[shape] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    calls = {shape: [(c.name, c.type, c.call) for c in t.calls] for shape, t in traces.items()}
    assert calls[small] == calls[large]
    assert traces[large].calls[-1].output_shape[0] == 64
    assert python_peak[large] <= 1.2 * python_peak[small] + 256 * 1024
    rss = {shape: _peak_rss_growth_mib(lambda s=shape: trace(model, s)) for shape in (small, large)}
    if rss[small] is not None:
        assert rss[large] - rss[small] < 32, rss
