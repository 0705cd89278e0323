"""Writing a file the user named: all or nothing.

A temporary file beside the target is written first and then moved over it with
:func:`os.replace`, so an interrupted or failed write never leaves a half-written table,
diagram or report where a good one was. A file that is replaced keeps its permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, payload: bytes) -> None:
    """Write ``payload`` to ``target`` atomically; raises :class:`OSError` like ``open``."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                             dir=target.parent if str(target.parent) else ".")
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        if target.exists():  # keep the permissions of the file being replaced
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
