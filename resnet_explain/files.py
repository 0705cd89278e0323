"""Writing a file the user named: all or nothing, and nothing but that file.

A regular file is written to a temporary file beside it first and then moved over it with
:func:`os.replace`, so an interrupted or failed write never leaves a half-written table,
diagram or report where a good one was; a file that is replaced keeps its permissions.

What is not a regular file is never replaced: a device (``/dev/null``, ``/dev/stdout``), a
FIFO or a socket is written into, as a shell's ``>`` would; a symbolic link is followed, so
the file it points to is replaced and the link stays a link. A directory is refused.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(target: Path, payload: bytes) -> None:
    """Write ``payload`` to ``target`` (see the module's docstring); raises
    :class:`OSError` like ``open``, with a ``strerror`` that says what is wrong."""
    target = Path(os.path.realpath(target)) if os.path.islink(target) else target
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(target))
    if mode is not None and not stat.S_ISREG(mode):  # a device, a FIFO, a socket
        with open(target, "wb") as stream:
            stream.write(payload)
        return
    _replace(target, payload, mode)


def _replace(target: Path, payload: bytes, mode: int | None) -> None:
    """A regular file (or a new one) written beside itself, then moved over ``target``."""
    folder = target.parent if str(target.parent) else Path(".")
    temporary = None
    try:
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                                 dir=folder)
        except OSError as error:
            if mode is not None and folder.is_dir():  # /proc/version: a folder of the system
                raise OSError(error.errno, f"its folder {folder} takes no new files (a "
                              "system folder?), so it cannot be replaced",
                              str(target)) from None
            raise
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        if mode is not None:  # keep the permissions of the file being replaced
            os.chmod(temporary, mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
