"""User-facing errors: one line that names the problem and the fix.

The CLI prints ``error: <message>`` for any :class:`UserError` and exits with status 2,
without a traceback; the Python API raises them as ordinary exceptions.
"""

from __future__ import annotations

import traceback
from typing import Any

# Frames that are not the user's: ours, PyTorch's, and the import machinery's.
_NOT_THE_USERS = ("/resnet_explain/", "/torch/", "importlib")


def user_location(error: BaseException) -> dict[str, Any]:
    """Where in the user's own code ``error`` was raised: ``{"where": …, "code": …}``.

    The innermost frame that belongs neither to this package nor to PyTorch, so that an
    error raised deep inside ``F.conv2d`` points at the user's line that called it.
    """
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not any(part in frame.filename for part in _NOT_THE_USERS)]
    if not frames:
        return {}
    frame = frames[-1]
    return {"where": f"{frame.filename}:{frame.lineno} in {frame.name}", "code": frame.line}


class UserError(Exception):
    """A mistake in what the user asked for or in the user's model (not a bug of ours)."""

    exit_code = 2

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. {fix}".strip() if fix else problem)


class ModelNotFound(UserError):
    """An unknown zoo name, a module or file that does not exist, a missing callable."""


class BadInputSize(UserError):
    """A malformed, non-positive or too small input size."""


class NotAModule(UserError):
    """The spec's callable returned something that is not an ``nn.Module``."""


class TraceFailure(UserError):
    """The user's forward raised while being traced: their error, and where."""

    @classmethod
    def from_exception(cls, error: BaseException, context: dict[str, Any]) -> TraceFailure:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        problem = f"the model's forward raised {type(error).__name__}: {message}"
        if context.get("layer"):
            problem += f" — while running {context['layer']}"
        if context.get("where"):
            problem += f" (at {context['where']}"
            problem += f": {context['code']})" if context.get("code") else ")"
        fix = context.get("fix") or "Check the model code at that line, or the --input size"
        return cls(problem, fix)
