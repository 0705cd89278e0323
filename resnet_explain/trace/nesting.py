"""Models nested deeper than Python's recursion limit lets a recursive walk go.

``nn.Module.named_modules`` recurses once per level of nesting, and so does every forward:
a nested ``nn.Sequential`` costs PyTorch about 4 Python frames a level (``Sequential.forward``,
``_wrapped_call_impl``, ``_call_impl``, the child's ``forward``), and 5 while any hook is
registered — the trace's are — because ``_call_impl`` then runs the call inside a nested
``inner()``. With the default limit of 1,000 frames PyTorch runs ~247 levels and the traced
forward only ~200. So the tool walks the module tree without recursion, and raises the
recursion limit for the duration of a trace by one frame a level (and its own frames below
the model's): it then runs every model PyTorch runs at the caller's limit. The raise is
capped at what PyTorch itself could nest at that limit — a model deeper than that fails in
PyTorch too, and its forward is stopped at the same depth (a higher limit would let a very
deep model overflow the C stack instead). :func:`too_deep` words that refusal.

The limit is process-wide: it is changed only under the trace lock, and put back after.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import CannotTrace

if TYPE_CHECKING:
    from torch import nn

#: Frames PyTorch's own forward spends per level of nesting, without hooks and with them.
FRAMES_PER_LEVEL = 4
#: The tool's own frames between ``explain()`` and the model's forward, with room to spare.
OWN_FRAMES = 60


def named_modules(model: nn.Module) -> tuple[list[tuple[str, nn.Module]], int]:
    """``list(model.named_modules())`` — the same names, order and deduplication — without
    recursion, and the depth of the deepest module (the model itself is depth 0)."""
    found: list[tuple[str, nn.Module]] = []
    memo: set[nn.Module] = set()
    deepest = 0
    stack: list[tuple[str, nn.Module, int]] = [("", model, 0)]
    while stack:
        prefix, module, depth = stack.pop()
        if module in memo:
            continue
        memo.add(module)
        found.append((prefix, module))
        deepest = max(deepest, depth)
        children = [(f"{prefix}.{name}" if prefix else name, child, depth + 1)
                    for name, child in module._modules.items() if child is not None]
        stack.extend(reversed(children))
    return found, deepest


@contextlib.contextmanager
def room_for(depth: int) -> Iterator[None]:
    """The recursion limit raised for a trace of a model nested ``depth`` deep: one frame a
    level (the hooks' ``inner()``) up to the depth PyTorch could reach at the current limit,
    plus the tool's own frames; restored on the way out (only if nobody changed it since)."""
    limit = sys.getrecursionlimit()
    raised = limit + min(depth, limit // FRAMES_PER_LEVEL) + OWN_FRAMES
    sys.setrecursionlimit(raised)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == raised:
            sys.setrecursionlimit(limit)


def too_deep(depth: int, limit: int) -> CannotTrace:
    """The one-line refusal of a forward that ran out of frames in a model nested ``depth``
    deep: PyTorch's own forward needs as many. ``limit``: the caller's recursion limit."""
    needed = (depth * FRAMES_PER_LEVEL + OWN_FRAMES + 999) // 1000 * 1000
    return CannotTrace(
        f"the model nests its modules {depth:,} deep: its forward needs about "
        f"{depth * FRAMES_PER_LEVEL:,} Python frames, more than the recursion limit "
        f"({limit:,}) allows, so PyTorch itself raises RecursionError on it",
        f"Raise the limit before building and explaining it (sys.setrecursionlimit({needed})), "
        "or nest fewer modules")
