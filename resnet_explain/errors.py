"""User-facing errors: one line that names the problem and the fix.

The CLI prints ``error: <message>`` for any :class:`UserError` and exits with status 2,
without a traceback; the Python API raises them as ordinary exceptions, chained (``raise …
from error``) to the exception that caused them, so a debugger still reaches the user's frame.
In IPython and Jupyter, :meth:`UserError._render_traceback_` replaces the red traceback (mostly
frames inside torch) by the short message.

The same mistake is fixed differently on the command line (``--input 3x64x64``) and in Python
(``input_size=(3, 64, 64)``): a fix is written with the placeholders of :data:`WORDS`, and the
caller's words are filled in by :meth:`UserError.message`.
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any

# Frames that are not the user's: ours, PyTorch's, and the import machinery's.
_NOT_THE_USERS = ("/resnet_explain/", "/torch/", "importlib")

# Placeholder → (how the Python API says it, how the command line says it).
WORDS: dict[str, tuple[str, str]] = {
    "{input}": ("input_size=", "--input"),
    "{shortcut}": ("shortcut=", "--shortcut"),
    "{classes}": ("num_classes=", "--classes"),
    "{classes=}": ("num_classes=", "--classes "),  # followed by a number
}


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
    cell = _notebook_cell(frame.filename)
    where = f"{cell}, line {frame.lineno}" if cell else f"{frame.filename}:{frame.lineno}"
    from .i18n import _

    return {"where": _("{place} in {function}", place=where, function=frame.name),
            "code": frame.line}


def _notebook_cell(filename: str) -> str | None:
    """``"cell In[3]"`` for code a Jupyter or IPython cell defined, as IPython's own
    tracebacks name it (its compiler maps each cell's file name, ``/tmp/ipykernel_…/….py``,
    to the cell's execution count); None elsewhere."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    cells = getattr(getattr(shell, "compile", None), "_filename_map", None)
    count = cells.get(filename) if isinstance(cells, dict) else None
    return f"cell In[{count}]" if isinstance(count, int) else None


def in_words(text: str, cli: bool) -> str:
    """``text`` with its :data:`WORDS` placeholders said the API's or the CLI's way, and each
    ``{input=3x224x224}`` as ``--input 3x224x224`` or ``input_size=(3, 224, 224)``."""
    if "{" not in text:
        return text
    for placeholder, (api, command_line) in WORDS.items():
        text = text.replace(placeholder, command_line if cli else api)
    return _SIZE.sub(lambda m: _size_words(m.group(1), cli), text)


_SIZE = re.compile(r"\{input=([0-9x]+)\}")


def _size_words(size: str, cli: bool) -> str:
    numbers = size.split("x")
    return (f"--input {size}" if cli else
            f"input_size=({', '.join(numbers)}{',' if len(numbers) == 1 else ''})")


class UserError(Exception):
    """A mistake in what the user asked for or in the user's model (not a bug of ours).

    ``problem`` says what is wrong (it may quote the user's own error message verbatim);
    ``fix`` says what to do and may hold :data:`WORDS` placeholders; ``said``, where the
    user's code raised, is that error's own first line (``RuntimeError: …``).
    """

    exit_code = 2
    said: str = ""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(problem)

    def message(self, cli: bool = False) -> str:
        """The one-line message, with the fix in the words of the API or of the CLI."""
        from .i18n import _

        fix = in_words(self.fix, cli)
        if not fix:
            return self.problem
        try:
            return _("{problem}. {fix}", problem=self.problem, fix=fix).strip()
        except UnknownLanguage:  # the language itself is the error: say it in English
            return f"{self.problem}. {fix}".strip()

    def __str__(self) -> str:
        return self.message(cli=False)

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: show the message instead of the traceback (``%tb`` still has it)."""
        lines = [f"{type(self).__name__}: {self.problem}"]
        if self.fix:
            lines.append(f"  → {in_words(self.fix, cli=False)}")
        return lines


class ModelNotFound(UserError):
    """An unknown zoo name, a module or file that does not exist, a missing callable."""


class UnknownLanguage(UserError):
    """A language with no catalog (``lang="fr"``, ``--lang fr``, ``RESNET_EXPLAIN_LANG=fr``)."""


class BadInputSize(UserError):
    """A malformed, non-positive or too small input size."""


class NotAModule(UserError):
    """The spec's callable returned something that is not an ``nn.Module``."""


class TorchTooOld(UserError):
    """The installed torch is older than the package supports (``_compat.TORCH_FLOOR``)."""


class NumpyTooNew(UserError):
    """NumPy 2 beside a torch built against NumPy 1 (``_compat.TORCH_NUMPY_2``)."""


class CannotTrace(UserError):
    """A model the tracer must not run: uninitialised lazy modules, TorchScript."""


class NotInitialised(CannotTrace):
    """Lazy modules without shapes yet; ``names``: their parameters and buffers.
    :func:`~resnet_explain.explain` answers it by tracing an initialised copy."""

    def __init__(self, problem: str, fix: str = "", names: list[str] | None = None) -> None:
        super().__init__(problem, fix)
        self.names = names or []


class TraceFailure(UserError):
    """The user's code raised while the model was built or traced: their error, and where.
    ``said`` quotes PyTorch's words with the real batch; ``adds_axis``: the first
    convolution received an axis the forward added to the input
    (:mod:`resnet_explain.trace.channelaxis`)."""

    adds_axis: bool = False

    @classmethod
    def from_exception(cls, error: BaseException, context: dict[str, Any],
                       during: str | None = None, fix: str = "") -> TraceFailure:
        """``context`` holds ``where``/``code`` (the user's line), optionally ``layer`` (the
        layer or op that failed, with the shapes it received) and ``fix`` (the lesson).
        The words around PyTorch's are in the current language; PyTorch's stay its own."""
        from .i18n import _

        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        problem = _("{during} raised {error}: {message}",
                    during=during if during is not None else _("the model's forward"),
                    error=type(error).__name__, message=message)
        if context.get("layer"):
            problem += _(" — in {layer}", layer=context["layer"])
        if context.get("where"):
            problem += _(" (at {where}: {code})", where=context["where"], code=context["code"]) \
                if context.get("code") else _(" (at {where})", where=context["where"])
        fix = (context.get("fix") or fix
               or _("Check the model code at that line, or the input size ({input})",
                    input="{input}"))
        failure = cls(problem, fix)
        failure.said = f"{type(error).__name__}: {message}" if message else type(error).__name__
        failure.adds_axis = bool(context.get("adds_axis"))
        return failure
