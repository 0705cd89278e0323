"""The one writer every subcommand shares: standard output, or a file written whole.

Starting it must be fast: this module imports neither torch, the tracer nor graphviz at
import time; each command imports what it needs when it runs. ``--help`` and ``list`` never
import torch.

Every mistake the user can make ends in one line ``error: <problem>. <fix>`` and exit status 2.

Output (:func:`write_output`, used by every subcommand):

* without ``-o`` the result goes to standard output (text, or a diagram's DOT source);
* with ``-o FILE`` the format comes from the suffix (``.json``, ``.md``, ``.html``, ``.csv``,
  ``.txt`` for ``summary``; ``.svg``, ``.png``, ``.pdf``, ``.dot`` for ``diagram``) unless
  ``--format`` says otherwise;
* the file is written atomically (a temporary file beside it, then :func:`os.replace`), so an
  interrupted run never leaves half a file, and nothing is written when anything failed;
* it never overwrites the file the model came from (``net.py`` in ``net.py:Net``, or the
  module of ``pkg.module:build``): that is refused with a one-line error.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import UserError
from ..files import write_atomically

#: Suffixes of a plain text file: ``summary -o`` writes the text table into them.
TEXT_SUFFIXES = ("", ".text", ".log", ".out")


def model_sources(spec: str) -> list[Path]:
    """The files a spec's model came from: ``net.py`` of ``net.py:Net``, the module file of
    ``pkg.module:build`` (once it has been imported), a weights file itself. A zoo name has
    none."""
    if ":" not in spec:
        return [Path(spec)] if Path(spec).is_file() else []
    where = spec.rpartition(":")[0]
    if where.endswith(".py"):
        return [Path(where)]
    module = sys.modules.get(where)
    source = getattr(module, "__file__", None)
    return [Path(source)] if source else []


def refuse_sources(output: str, protected: Sequence[Path]) -> None:
    """A UserError when ``output`` is one of the ``protected`` files (the model's source)."""
    for source in protected:
        if _same_file(Path(output), source):
            raise UserError(f"refusing to overwrite {output}: it is the model's own source file",
                            "Choose another file for --output")


def loaded_from(target: Path) -> str | None:
    """The name of a module this process loaded from ``target`` (its ``.py`` source or its
    compiled file), or ``None``: a model's import may load a file beside it (``blocks.py``)
    that ``-o blocks.py`` must not replace. Only modules whose file has the target's name are
    compared, so this costs a few ``stat`` calls, not one per module."""
    name = target.name
    if not name or not target.exists():
        return None
    for module_name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None)
        if isinstance(source, str) and os.path.basename(source) == name \
                and _same_file(target, Path(source)):
            return module_name
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_output(data: str | bytes, output: str | None, *,
                 protected: Sequence[Path] = ()) -> None:
    """Write a command's result: to standard output, or atomically to ``output``.

    Text gets a final newline. ``protected`` are files that must never be overwritten (the
    model's own source); naming one as ``output`` is a UserError and nothing is written.
    """
    if isinstance(data, str) and not data.endswith("\n"):
        data += "\n"
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    target = Path(output)
    refuse_sources(output, protected)
    module = loaded_from(target)
    if module is not None:  # a module the model's file imports (its blocks.py)
        raise UserError(f"refusing to overwrite {output}: it is the source of the module "
                        f"{module!r}, which this run imported", "Choose another file for --output")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        write_atomically(target, payload)
    except OSError as error:
        raise UserError(f"cannot write {output}: {error.strerror or error}",
                        "Choose a writable path for --output") from None


@contextlib.contextmanager
def prints_to_stderr() -> Iterator[None]:
    """Run the user's code (the spec's module, its builder, the model's forward) with what it
    prints sent to standard error: standard output is the command's result — a table, JSON,
    DOT, an image — which a pipe or ``> file`` must get whole. (A ``print(x.shape)`` in a
    forward would otherwise land in the middle of ``--format json``.)"""
    with contextlib.redirect_stdout(sys.stderr):
        yield
