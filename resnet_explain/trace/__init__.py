"""Record one shape-only forward pass: every leaf-module call and every structural functional op.

:func:`trace` (``engine.py``) runs the model without computing anything, first on an empty
batch, then on the meta device; ``recorder.py`` writes one record per call (``records.py``)
with the help of the op table (``ops.py``) and what a layer is (``layerinfo.py``);
``snapshot.py`` gives the model back as it came; ``refusals.py`` and ``failure.py`` say what
went wrong, ``diagnose.py`` the ResNet lesson behind it.
"""

from .engine import trace
from .records import Call, Trace

__all__ = ["Call", "Trace", "trace"]
