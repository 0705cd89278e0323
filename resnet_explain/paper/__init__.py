"""The paper's tables, rebuilt from traces: ``table1(["resnet18", "resnet34"])``.

Importing this package does not import torch; :func:`table1` traces the models when called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .table1 import CIFAR_MODELS, IMAGENET_MODELS, Table1

__all__ = ["CIFAR_MODELS", "IMAGENET_MODELS", "Table1", "table1"]


def table1(models: Sequence[Any] | None = None, *, cifar: bool = False,
           input_size: str | Sequence[int] | None = None) -> Table1:
    """Table 1 of He et al. 2015 for ``models`` (zoo names, specs, nn.Modules or traced
    Architectures), one column each; by default ResNet-18/34/50/101/152, or with
    ``cifar=True`` the CIFAR-10 nets of section 4.2 (ResNet-20 … 1202).

    The returned :class:`Table1` prints as text and displays as HTML in Jupyter;
    ``.render("latex")`` gives a booktabs table for a paper.
    """
    from ..architecture import Architecture
    from .table1 import build

    if models is None:
        models = CIFAR_MODELS if cifar else IMAGENET_MODELS
    if isinstance(models, (str, Architecture)):
        models = [models]
    traced = []
    for model in models:
        if isinstance(model, Architecture):
            traced.append((model, None))
            continue
        from ..traced import architecture
        from ..zoo.registry import MODEL_NAMES

        zoo = model if isinstance(model, str) and model in MODEL_NAMES else None
        traced.append((architecture(model, input_size), zoo))
    return build(traced)
