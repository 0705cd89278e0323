"""Pause Python's cyclic garbage collector while a trace or a view builds its objects.

A trace, an analysis or a layer table of resnet152 makes tens of thousands of small objects
(records, layers, rows, cells) that all live until the call returns, and contain no reference
cycles that need the collector. Left running, the collector is triggered every few hundred
allocations and scans them — and, in its oldest generation, the whole heap with the model and
PyTorch's own objects: for a 35,000-layer network that made the cost per layer grow with the
size of the network. Reference counting still frees everything as usual; the collector's
previous state is restored on the way out, also when the call raises.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_collector(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the collector paused (see the module's docstring)."""
    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return function(*args, **kwargs)
    return paused
