"""Models a view was given by name: the one place above the views that traces them.

The views read an :class:`~resnet_explain.architecture.Architecture` and trace nothing. Their
entry points also accept what a student types — ``table1("resnet18", "resnet50")``,
``plot_models()``, a lesson's pair of zoo models, a comparison's reference — and turn it into
Architectures here.

A zoo model traced as a reference or for a lesson is kept (a few, by name and size): a
summary compares with the zoo model nearest to it, and a lesson draws the same pair again.
Those Architectures are only read, never handed to the user.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from .architecture import Architecture


def architecture(model: Any, input_size: Any = None, *,
                 shortcut: str | None = None) -> Architecture:
    """``model`` itself when it is an Architecture, else its trace (see :func:`explain`)."""
    if isinstance(model, Architecture):
        return model
    from .api import explain

    return explain(model, input_size, shortcut=shortcut)


def architectures(models: Iterable[Any], input_size: Any = None) -> list[Architecture]:
    return [architecture(model, input_size) for model in models]


@functools.lru_cache(maxsize=8)
def zoo_model(name: str, input_size: tuple[int, ...] | None = None,
              shortcut: str | None = None) -> Architecture:
    """A zoo model's trace, kept for the next view that asks for it."""
    from .api import explain

    return explain(name, input_size, shortcut=shortcut)


def zoo_input_size(name: Any) -> tuple[int, ...] | None:
    """A zoo model's own input size (C, H, W); ``None`` for anything else."""
    from .zoo.registry import MODEL_NAMES, describe

    if isinstance(name, str) and name in MODEL_NAMES:
        return tuple(describe(name).input_size)
    return None


def layout_twin(arch: Architecture) -> Architecture | None:
    """The same zoo Bottleneck network in the other layout (``resnet50`` ↔ ``resnet50-v1``),
    traced at ``arch``'s input size, where ``arch`` is that zoo network; else None."""
    from .zoo.registry import MODEL_NAMES

    name, layout = arch.model, arch.layout
    if layout is None:
        return None
    twin = name.removesuffix("-v1") if layout == "v1" else f"{name}-v1"
    if name not in MODEL_NAMES or twin not in MODEL_NAMES or twin == name:
        return None
    other = zoo_model(twin, tuple(arch.input_shape))
    return other if other.total_params == arch.total_params else None
