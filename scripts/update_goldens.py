"""Regenerate the golden files of the views (``tests/golden``) on purpose.

    python scripts/update_goldens.py

is the same as ``UPDATE_GOLDENS=1 pytest tests/test_render.py tests/test_notebook.py
tests/test_table1.py tests/test_diagram.py -k golden``.
Read ``git diff tests/golden`` afterwards: a golden file is only as good as the human check
of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "UPDATE_GOLDENS": "1"}
    command = [sys.executable, "-m", "pytest", "-q", str(ROOT / "tests" / "test_render.py"),
               str(ROOT / "tests" / "test_notebook.py"), str(ROOT / "tests" / "test_table1.py"),
               str(ROOT / "tests" / "test_diagram.py"),
               "-k", "golden"]
    status = subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
    if status == 0:
        print("goldens written; review them with: git diff tests/golden")
    return status


if __name__ == "__main__":
    sys.exit(main())
