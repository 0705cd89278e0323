"""A model whose forward adds the channel axis itself: it takes N×L, not C×L.

A raw-waveform audio ResNet is often fed what its data loader yields, a batch of signals
``(N, L)``, and starts with ``x.unsqueeze(1)``; a digit classifier may take ``(N, 28, 28)``
the same way. The tool's sizes put the channels first and add a batch of one (C×L, C×H×W),
so such a model's ``8x16000`` is read as one signal of 8 channels, and its first
convolution receives one axis too many.

:func:`explain` therefore tries the other reading of a size with one number fewer than a
batched input has: the numbers as they stand, the batch first and no channel axis. It is
kept only when every convolution then receives the batched input its class takes (N, C and
the spatial axes), which is what "the forward adds the channel axis itself" means; a note
says which reading was used and why. The first reading is always tried first: a model that
takes C×L never meets the second.

A size given with its batch (N×C×L) is not reread; when the forward adds an axis to it, the
error says to give the size without the channel axis (:func:`axis_added`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..architecture import CONV, MODEL_INPUT
from ..findings import Finding
from ..notation import typed
from ..words import letters

if TYPE_CHECKING:
    from ..errors import UserError
    from .records import Call, Trace

Shape = tuple[int, ...]


def other_reading(dims: Sequence[int], spatial: int) -> Shape | None:
    """The size ``dims`` (as given, without a batch added) read as N×L (N×H×W, N×D×H×W):
    its numbers as they stand, when they are one fewer than a batched input's; else None."""
    if spatial < 1 or len(dims) != spatial + 1:
        return None
    return tuple(dims)


def adds_channel_axis(trace: Trace, spatial: int) -> bool:
    """Whether, traced on an input without a channel axis, every convolution received the
    batched input its class takes (N, C, then ``spatial`` axes): the forward added the axis."""
    convs = [call for call in trace.calls if call.attrs.kind == CONV and call.input_shapes]
    return bool(convs) and all(len(call.input_shapes[0]) == spatial + 2 for call in convs)


def reading_note(shape: Shape, spatial: int, calls: Sequence[Call],
                 failure: UserError) -> Finding:
    """Which reading of the size was used, and why the usual one was not (the error the
    usual reading met, in PyTorch's words)."""
    first = next((call for call in calls if MODEL_INPUT in call.inputs), None)
    received = list(first.input_shapes[0]) if first is not None and first.input_shapes \
        else None
    return Finding("channel_axis_added", {
        "size": list(shape), "spatial": spatial,
        "first": first.name if received is not None else None, "received": received,
        "error": failure.said or failure.problem})


def axis_added(name: str, received: Shape, rank: int) -> str | None:
    """The fix when a ``rank``-D convolution that reads the model's input receives one axis
    more than a batched input has, that axis of size 1 in second place (``x.unsqueeze(1)``
    on an input that already had its channels): give the size without the channel axis."""
    if len(received) != rank + 3 or received[1] != 1:
        return None
    size = typed((received[0], *received[3:]))
    return (f"{name} receives {len(received)} dimensions, one more than a batched "
            f"{rank}-D input has: the forward adds the channel axis itself "
            f"(x.unsqueeze(1)), so this model takes N×{letters(rank)} without channels: give "
            f"{{input={size}}}")
