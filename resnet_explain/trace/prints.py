"""Notice when the model's own code prints while it is traced.

A student's forward often prints ``x.shape`` to follow the data. Traced by the empty-batch
engine, that print shows a batch of 0 (``torch.Size([0, 64, 56, 56])``), and by the meta
engine a tensor with no values: both puzzle a reader who asked for a batch of 4. So the trace
notes that something was printed, and the summary says why those shapes differ from its own.

Nothing is hidden or changed: every write still reaches the stream it was meant for (the
notebook cell, the terminal, or the CLI's standard error), and ``sys.stdout`` is put back when
the trace ends — also when it raises, and not if the user's code replaced it in between.
It is replaced only under the trace lock (:data:`~resnet_explain.trace.engine.TRACING`), so
two threads' traces never wrap each other's wrapper.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from ..findings import Finding


class _Noting:
    """``sys.stdout`` while a model runs: each write goes through, and is noted."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.wrote = False
        # ``sys.stdout`` is process-wide: what other threads print meanwhile goes through
        # too, but only the traced forward's own thread is noted.
        self._thread = threading.get_ident()

    def write(self, text: str) -> int:
        if text.strip() and threading.get_ident() == self._thread:
            self.wrote = True
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, encoding, isatty, fileno …
        return getattr(self._stream, name)


@contextlib.contextmanager
def noting_prints() -> Iterator[_Noting | None]:
    """``sys.stdout`` watched for the duration; ``None`` where there is none (``pythonw``)."""
    original = sys.stdout
    if original is None:
        yield None
        return
    watch = _Noting(original)
    sys.stdout = watch
    try:
        yield watch
    finally:
        if sys.stdout is watch:
            sys.stdout = original


def printed_note(engine: str, batch: int) -> Finding:
    """What the summary says when the model printed while it was traced: which engine ran
    the forward (what a printed shape then shows) and the batch asked for."""
    return Finding("printed_while_traced", {"engine": engine, "batch": batch})
