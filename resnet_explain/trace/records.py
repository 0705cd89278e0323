"""What a trace writes: one :class:`Call` per leaf module or functional op, and the
:class:`Trace` that holds them with the model's totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .layerinfo import LayerAttrs
    from .ownforward import Ran


@dataclass(slots=True)
class Call:
    """One traced call: a leaf module or a functional operation."""

    index: int
    name: str
    type: str
    is_op: bool
    call: int
    inputs: list[int]
    input_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    attrs: LayerAttrs
    scope: list[str] = field(default_factory=list)
    ran: Ran | None = None  # what a leaf with its own forward ran (ownforward.py)


@dataclass
class Trace:
    calls: list[Call]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    output_producers: list[int]  # the records that made any of the outputs
    engine: str
    total_params: int
    trainable_params: int
    param_bytes: int
    output_shapes: list[tuple[int, ...]] = field(default_factory=list)  # every output tensor
    # Parameters the forward computed with that the model does not register (a module kept
    # in a plain list): the module running, and each parameter's shape.
    stray_parameters: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    # The forward adds the input's channel axis (``x.unsqueeze(1)``): set by ``explain``
    # where it read the size as N×L (channelaxis.py).
    channel_axis_added: bool = False
