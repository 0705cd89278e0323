"""``compare(arch, reference)``: the Comparison of a traced model with the one it means to be.

The reference is a zoo name, a spec, an ``nn.Module`` or an Architecture; ``None`` chooses the
nearest zoo model (:mod:`.reference`). A reference that still has to be traced is traced at
the model's own input size, so the two maps can be compared layer by layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..architecture import Architecture
from ..errors import UserError
from ..i18n import _, speaking
from ..words import count
from .align import Aligner
from .differences import WHAT, Difference, what_word
from .reference import nearest_reference

if TYPE_CHECKING:
    from ..diagram.dot import Diagram

SCHEMA_VERSION = 1


@dataclass
class Comparison:
    """A model against its reference: the differences, merged and grouped (see
    :mod:`.differences`), and the totals of both."""

    model: str
    reference: str
    why_this_reference: str | None
    differences: list[Difference]
    allowed: list[Difference] = field(default_factory=list)  # accepted with ``allow``
    params: tuple[int, int] = (0, 0)  # yours, the reference's
    macs: tuple[int, int] = (0, 0)  # per image
    input_shape: tuple[int, ...] = ()
    #: The two traced models (yours, the reference's), for the diagram; not in the JSON.
    architectures: tuple[Architecture, Architecture] | None = field(
        default=None, repr=False, compare=False)
    #: The language of its text: the model's Architecture's (``explain(..., lang="zh")``);
    #: ``None``: the language in force when the text is made.
    language: str | None = field(default=None, repr=False, compare=False)

    @property
    def matches(self) -> bool:
        return not self.differences

    @property
    def first_line(self) -> str:
        """``matches resnet18`` or ``differs from resnet18 in 3 places: blocks (conv5_x), …``."""
        if self.matches:
            if not self.allowed:
                return _("{model} matches {reference}", model=self.model,
                         reference=self.reference)
            return _("{model} matches {reference} (allowed: {allowed})", model=self.model,
                     reference=self.reference, allowed=_(", ").join(
                         what_word(what) for what in sorted({d.what for d in self.allowed})))
        items = _(", ").join(_("{what} ({place})", what=what_word(d.what),
                               place=_first_place(d)) for d in self.differences)
        return _("{model} differs from {reference} in {places}: {items}", model=self.model,
                 reference=self.reference, places=count(len(self.differences), "place"),
                 items=items)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` 1; documented in the README)."""
        return {
            "schema_version": SCHEMA_VERSION, "model": self.model, "reference": self.reference,
            "why_this_reference": self.why_this_reference, "matches": self.matches,
            "input_shape": list(self.input_shape),
            "params": {"yours": self.params[0], "reference": self.params[1]},
            "macs_per_image": {"yours": self.macs[0], "reference": self.macs[1]},
            "differences": [d.to_dict() for d in self.differences],
            "allowed": [d.to_dict() for d in self.allowed],
        }

    def to_json(self, indent: int = 2) -> str:
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def render(self, format: str = "text", width: int | None = None) -> str:
        """``text`` (100 columns, or ``width`` when narrower), ``markdown``, ``html`` or
        ``json``."""
        from . import views

        with speaking(self.language):
            return views.render(self, format, width)

    def diagram(self) -> Diagram:
        """Both models side by side, one node per stage, the stages that differ marked (see
        :mod:`.diagram`)."""
        from .diagram import comparison_diagram

        if self.architectures is None:
            raise ValueError("this Comparison was built without its two Architectures")
        with speaking(self.language):
            return comparison_diagram(self, *self.architectures)

    def __str__(self) -> str:
        return self.render("text")

    def __repr__(self) -> str:
        with speaking(self.language):
            return f"<Comparison: {self.first_line}>"

    def _repr_html_(self) -> str:
        return self.render("html")


def _first_place(d: Difference) -> str:
    more = len(d.places) - 1
    return _("{place} and {more} more", place=d.paper_name, more=more) if more \
        else d.paper_name


def check_allow(allow: Iterable[str]) -> tuple[str, ...]:
    """The ``allow`` words, each from the vocabulary (a UserError names the known ones)."""
    words = tuple(allow)
    unknown = [w for w in words if w not in WHAT]
    if unknown:
        raise UserError(f"unknown kind of difference {unknown[0]!r} to allow",
                        f"Use one of: {', '.join(WHAT)}")
    return words


def compare(arch: Architecture, reference: Any = None, *, allow: Iterable[str] = (),
            input_size: Any = None) -> Comparison:
    """Compare ``arch`` with ``reference`` (see the module's docstring); ``allow`` accepts
    kinds of difference (``["classes"]``): they are listed apart and do not break a match.
    The Comparison speaks ``arch``'s language (``explain(..., lang="zh")``), if it has one."""
    with speaking(arch.language):
        return _compare(arch, reference, allow=allow, input_size=input_size)


def _compare(arch: Architecture, reference: Any, *, allow: Iterable[str],
             input_size: Any) -> Comparison:
    allowed_words = check_allow(allow)
    why = None
    if reference is None:
        choice = nearest_reference(arch)
        if choice is None:
            raise UserError(f"{arch.model} has no residual blocks, so no zoo ResNet is near it",
                            "Name the reference to compare with, e.g. compare('resnet18')")
        reference, why = choice.name, choice.reason
    ref = _traced_reference(reference, input_size if input_size is not None
                            else tuple(arch.input_shape))
    records = [] if same_structure(arch, ref) else Aligner(arch, ref).run()
    merged = merge(records)
    kept = [d for d in merged if d.what not in allowed_words]
    allowed = [d for d in merged if d.what in allowed_words]
    batch_a, batch_b = max(arch.batch_size, 1), max(ref.batch_size, 1)
    return Comparison(arch.model, ref.model, why, kept, allowed,
                      (arch.total_params, ref.total_params),
                      (arch.macs // batch_a, ref.macs // batch_b), tuple(arch.input_shape),
                      (arch, ref), arch.language)


def same_structure(a: Architecture, b: Architecture) -> bool:
    """Whether two traces are the same network layer for layer — every layer's kind, type,
    hyper-parameters, widths, bias, shapes (without the batch), wiring and role, and the same
    blocks — so that no word of the vocabulary can tell them apart and the alignment has
    nothing to find (a zoo-built or torchvision ResNet against its zoo twin: the summary's
    nearest-reference line then costs one pass over the layers, not an alignment)."""
    if len(a.layers) != len(b.layers) or a.input_shape[1:] != b.input_shape[1:]:
        return False
    # A block's signature (analysis._signature) holds its layers' types, hyper-parameters,
    # widths, bias, shapes, roles and wiring: equal signatures at equal places are equal
    # blocks, compared without a pass over their layers.
    if [(x.add_layer, x.signature) for x in a.blocks] != \
            [(x.add_layer, x.signature) for x in b.blocks]:
        return False
    return all(_layer_key(x) == _layer_key(y) for x, y in zip(a.layers, b.layers, strict=True)
               if x.block is None or y.block is None)


def _layer_key(layer: Any) -> tuple:
    return (layer.kind, layer.type, layer.is_op, layer.pooling, layer.kernel_size, layer.stride,
            layer.padding, layer.dilation, layer.groups, layer.in_channels, layer.out_channels,
            layer.bias, layer.params, layer.output_shape[1:],
            [shape[1:] for shape in layer.input_shapes], layer.inputs, layer.role)


def _traced_reference(reference: Any, input_size: Any) -> Architecture:
    if isinstance(reference, Architecture):
        return reference
    from ..traced import architecture, zoo_input_size, zoo_model

    own = zoo_input_size(reference)
    if own is not None and isinstance(input_size, tuple) and len(input_size) == 4:
        # The model's size, with the zoo model's own channels (a 1-channel student net is
        # compared with RGB ResNet-18: one input_channels record). A Comparison keeps only
        # the reference's numbers, so the kept trace is never handed out.
        return zoo_model(reference, (input_size[0], own[0], *input_size[2:]))
    return architecture(reference, input_size)


def merge(records: list[Difference]) -> list[Difference]:
    """One record per difference: the same ``what`` with the same two values in several
    places becomes one record holding every place, its numbers summed."""
    merged: dict[tuple, Difference] = {}
    for record in records:
        record.follows = merge(record.follows)
        same = merged.get(record.key)
        if same is None:
            merged[record.key] = record
            continue
        same.places.extend(record.places)
        same.params_delta += record.params_delta
        same.macs_delta += record.macs_delta
        same.follows = merge([*same.follows, *record.follows])
    return list(merged.values())


def compare_specs(spec: Any, reference: Any = None, *, input_size: Any = None,
                  allow: Iterable[str] = (), shortcut: str | None = None,
                  num_classes: int | None = None) -> Comparison:
    """Trace ``spec`` and compare it with ``reference`` (``None``: the nearest zoo model),
    both at ``input_size``; without one, at the reference's own size (a zoo model's: 32×32
    for the CIFAR nets) with the model's own input channels."""
    from ..api import explain
    from ..traced import zoo_input_size

    check_allow(allow)
    arch = explain(spec, input_size, shortcut=shortcut, num_classes=num_classes)
    if input_size is None:
        name = reference if reference is not None else _nearest_name(arch)
        own = zoo_input_size(name)
        if own is not None and tuple(arch.input_shape[2:]) != own[1:] \
                and len(arch.input_shape) == 4:
            input_size = (arch.input_shape[1], *own[1:])
            arch = explain(spec, input_size, shortcut=shortcut, num_classes=num_classes)
    return compare(arch, reference, allow=allow)  # the reference at the model's size


def _nearest_name(arch: Architecture) -> str | None:
    choice = nearest_reference(arch)
    return choice.name if choice is not None else None
