"""The two models side by side, one row per stage, the rows that differ marked.

Left column: your model; right column: the reference. Each node is a stage (the stem —
the paper's conv1 and the max-pool —, conv2_x …, fc) with its blocks, width and map size;
a stage that holds a difference is filled (yours red, the reference green, as in the HTML
view) and names what differs. Drawn from the two traced Architectures the Comparison was
made from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import _
from ..notation import dims
from ..words import count

if TYPE_CHECKING:
    from ..architecture import Architecture, Block, Stage
    from ..diagram.dot import Diagram
    from .engine import Comparison

YOURS_FILL, REFERENCE_FILL = "#fde2e1", "#e3f2e1"


def stage_of(paper_name: str) -> str:
    """The row a paper name lies in: ``conv3_1`` → ``conv3_x``; ``conv1`` → ``stem`` (the
    stem row holds conv1 and the max-pool); ``fc`` as it is."""
    if paper_name == "conv1":
        return "stem"
    head, _, tail = paper_name.partition("_")
    return f"{head}_x" if tail.isdigit() else paper_name


def _map(shape: tuple[int, ...] | None) -> str:
    return dims(shape[2:]) if shape is not None and len(shape) > 2 else \
        (str(shape[1]) if shape is not None and len(shape) == 2 else "")


def _blocks_text(blocks: list[Block]) -> str:
    if not blocks:
        return _("no blocks")
    last = blocks[-1].output_shape
    return _("{blocks} · {channels} ch · {size}", blocks=count(len(blocks), "block"),
             channels=last[1], size=_map(last))


def _end_text(stage: Stage | None) -> str:
    return _map(stage.output_shape) if stage is not None else _("none")


def comparison_diagram(comparison: Comparison, yours: Architecture,
                       reference: Architecture) -> Diagram:
    """The side-by-side drawing (a :class:`~resnet_explain.diagram.dot.Diagram`)."""
    from ..diagram.dot import new_diagram
    from ..diagram.labels import escape
    from .align import paired_stages
    from .differences import what_word

    marked: dict[str, list[str]] = {}

    def mark(records: list) -> None:
        for d in records:
            for _place, paper in d.places:
                whats = marked.setdefault(stage_of(paper), [])
                if d.what not in whats:
                    whats.append(d.what)
            mark(d.follows)

    mark(comparison.differences)
    a_stages, b_stages = paired_stages(yours, reference)
    rows: list[tuple[str, str, str]] = [("stem", _end_text(yours.stem),
                                         _end_text(reference.stem))]
    for i in range(max(len(a_stages), len(b_stages))):
        a_blocks = a_stages[i][1] if i < len(a_stages) else []
        b_name, b_blocks = b_stages[i] if i < len(b_stages) else (a_stages[i][0], [])
        rows.append((b_name, _blocks_text(a_blocks), _blocks_text(b_blocks)))
    rows.append(("fc", _end_text(yours.head), _end_text(reference.head)))

    graph = new_diagram("comparison", title=comparison.first_line)
    for side, model, fill in (("a", comparison.model, YOURS_FILL),
                              ("b", comparison.reference, REFERENCE_FILL)):
        with graph.subgraph(name=f"cluster_{side}") as column:
            column.attr(label=escape(model), style="rounded", color="#bdbdbd")
            for number, (name, a_text, b_text) in enumerate(rows):
                text = a_text if side == "a" else b_text
                whats = marked.get(name)
                shown = _("stem") if name == "stem" else name
                label = f"{shown}\\n{text}"
                if whats:
                    label += "\\n" + _("≠ {whats}", whats=_(", ").join(map(what_word, whats)))
                attrs = {"style": "rounded,filled", "fillcolor": fill, "penwidth": "2"} \
                    if whats else {}
                column.node(f"{side}{number}", label, **attrs)
                if number:
                    column.edge(f"{side}{number - 1}", f"{side}{number}")
    for number in range(len(rows)):  # each row level across the two columns
        with graph.subgraph() as row:
            row.attr(rank="same")
            row.node(f"a{number}")
            row.node(f"b{number}")
    return graph
