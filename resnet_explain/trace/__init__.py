"""Record one shape-only forward pass: every leaf-module call and every structural functional op.

:func:`trace` (``engine.py``) runs the model without computing anything, first on an empty
batch, then on the meta device; ``recorder.py`` writes one record per call (``records.py``)
with the help of the op table (``ops.py``) and what a layer is (``layerinfo.py``);
``snapshot.py`` gives the model back as it came; ``refusals.py`` and ``failure.py`` say what
went wrong, ``diagnose.py`` the ResNet lesson behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import Call, Trace

if TYPE_CHECKING:  # pragma: no cover
    from .engine import trace

__all__ = ["Call", "Trace", "trace"]


def __getattr__(name: str) -> Any:
    """``trace`` is imported with torch on first use: the records, and the modules of this
    package that need no torch (the op table aside), stay cheap to import."""
    if name == "trace":
        from .engine import trace

        return trace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
