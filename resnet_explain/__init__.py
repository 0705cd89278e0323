"""resnet-explain: trace a ResNet, check every shape, count its depth, and draw it.

``from resnet_explain import explain`` is the Python API. Importing this package does not
import torch (the command line starts fast); :func:`explain` imports it when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Architecture", "__version__", "explain", "set_language", "table1"]

from .i18n import set_language  # the language of every text (imports only gettext)

if TYPE_CHECKING:  # pragma: no cover
    from .api import explain
    from .architecture import Architecture
    from .paper import table1


def __getattr__(name: str) -> Any:
    if name == "explain":
        from .api import explain

        return explain
    if name == "Architecture":
        from .architecture import Architecture

        return Architecture
    if name == "table1":
        from .paper import table1

        return table1
    raise AttributeError(f"module 'resnet_explain' has no attribute {name!r}")
