"""From a trace to an :class:`Architecture`: blocks, stages, roles and the depth, by data flow.

Nothing here looks at class or attribute names to decide what a layer *does*:

* a **residual block** is where two branches of the data flow are added; the branch with fewer
  weighted layers is the **shortcut**, the other the **main** path;
* the **fork** of a block is the latest layer both branches descend from (the block's input);
* a **stage** is a run of consecutive blocks with the same output resolution (the paper's
  conv2_x … conv5_x: a new stage starts where the feature map shrinks);
* the **plain depth** is the number of weighted layers on the longest input→output path — the
  number in a ResNet's name. Projection shortcuts are off that path, so they are not counted,
  and neither are side branches whose output is broadcast over the map: a gate multiplied in
  (squeeze-and-excitation) or a context added to it (a global-context block).

Module names are only used for what they are: labels, and to tell which of two neighbouring
blocks a layer between them belongs to (a ReLU after the add sits in the block's module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .build import analyse

__all__ = ["analyse"]


def __getattr__(name: str) -> Any:
    """``analyse`` is imported on first use, so that a light module of this package (the
    arithmetic, the depth name) does not bring the whole analysis, and torch, with it."""
    if name == "analyse":
        from .build import analyse

        return analyse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
