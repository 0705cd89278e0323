"""Exercises with answer keys, made from a trace: ``explain("resnet18").exercises(n=8, seed=1)``.

Every question is about one layer, block or stage of the traced model, and its answer is a
number (or a few) that the :class:`~resnet_explain.architecture.Architecture` holds. The
question, the answer and the worked derivation are sentences made from those numbers, and a
derivation is only offered where its arithmetic gives the traced number (a question whose
formula would disagree with the trace is not asked). The kinds (:data:`KINDS`):

``output-size``
    the size of a layer's output at the model's input size, by the output-size formula,
    layer by layer from the input;
``depth``
    which weighted layers the depth (the number in a ResNet's name) leaves out;
``conv-params``
    a convolution's parameters, K·K·C_in/groups·C_out + bias;
``projection``
    why a block's shortcut is a projection (or option A's zero-padded identity);
``receptive-field``
    the receptive field after a stage, step by step with the jump;
``v1-vs-v1.5``
    the multiply-adds of a downsampling Bottleneck in the paper's layout (stride on the first
    1×1) against torchvision's (stride on the 3×3). It needs the other layout's trace: pass
    it as ``other``, or, for a zoo Bottleneck network, the zoo twin is traced.

The choice is deterministic for a seed: the same model, ``n``, ``seed`` and ``kinds`` give the
same exercises, in the same order. The kinds take turns, so eight exercises cover six kinds.

Rendering (text, Markdown, Jupyter HTML with the answers behind a click, notebooks for a
class with or without the answers) is in :mod:`.render`; the questions in :mod:`.questions`.
Importing this package does not import torch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture

#: The kinds of exercise, in the order they take turns before the seed shuffles them.
KINDS = ("output-size", "depth", "conv-params", "projection", "receptive-field", "v1-vs-v1.5")


@dataclass(frozen=True)
class Exercise:
    """One question and its answer key.

    ``question``, ``answer`` and each line of ``derivation`` are sentences; names of layers,
    blocks and stages are written in backticks (Markdown's code), which the text view keeps
    and the HTML view sets as code. ``concerns`` names the layer, block or stage the
    exercise is about; ``value`` is the answer as data (an int, or a tuple), for checking.
    """

    kind: str
    concerns: str
    question: str
    answer: str
    derivation: tuple[str, ...]
    value: Any


@dataclass(frozen=True)
class Exercises(Sequence[Exercise]):
    """The exercises on one model: a sequence of :class:`Exercise`, with its views.

    In Jupyter it shows the questions with each answer hidden until clicked. ``text()``,
    ``markdown()`` and ``html()`` give the sheet (with or without the answers);
    ``to_notebook(path, answers=False)`` writes a notebook for the class. ``language`` is
    the language they were made in (their Architecture's, ``explain(..., lang="zh")``); the
    views' headings follow it (``None``: the language in force when a view is made).
    """

    model: str
    seed: int
    items: tuple[Exercise, ...]
    language: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def text(self, answers: bool = False) -> str:
        """The questions as plain text, numbered; with ``answers`` the key follows them."""
        from .render import text

        return text(self, answers)

    def markdown(self, answers: bool = True) -> str:
        """The questions in Markdown; with ``answers`` each answer follows its question in a
        ``<details>`` element (hidden until clicked where Markdown allows HTML)."""
        from .render import markdown

        return markdown(self, answers)

    def html(self, answers: bool = True) -> str:
        """An HTML fragment: the questions, each answer in a ``<details>`` to click open."""
        from .render import html

        return html(self, answers)

    def _repr_html_(self) -> str:
        return self.html(answers=True)

    def notebook(self, answers: bool = False, code: str | None = None) -> dict[str, Any]:
        """A Jupyter notebook (nbformat 4.5, as a dict): a title, ``code`` (the cell that
        traces the model, if given), then each question with an empty code cell after it,
        and with ``answers`` the answer in a ``<details>`` cell after that."""
        from .render import notebook

        return notebook(self, answers, code)

    def to_notebook(self, path: str | Path, answers: bool = False,
                    code: str | None = None) -> Path:
        """Write :meth:`notebook` to ``path`` (``.ipynb``) and return the path: a notebook for
        students (``answers=False``: the answers are not in the file) or for the teacher."""
        from ..files import write_atomically
        from .render import notebook_text

        target = Path(path)
        write_atomically(target, notebook_text(self, answers, code).encode("utf-8"))
        return target

    def __repr__(self) -> str:
        kinds = ", ".join(dict.fromkeys(item.kind for item in self.items))
        return f"<Exercises on {self.model}, seed {self.seed}: {len(self.items)} ({kinds})>"

    def __str__(self) -> str:
        return self.text(answers=False)


def make_exercises(arch: Architecture, n: int = 6, seed: int = 0, *,
                   kinds: Sequence[str] | None = None,
                   other: Architecture | None = None) -> Exercises:
    """``n`` exercises on ``arch``, chosen by ``seed`` (see the module doc).

    ``kinds`` limits them to some of :data:`KINDS`. ``other`` is the same network in the
    other Bottleneck layout (v1 for v1.5 or the reverse), for ``v1-vs-v1.5``. Fewer than
    ``n`` come back when the model offers fewer different questions.
    """
    from .questions import candidates

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UserError(f"the number of exercises must be a whole number of 1 or more, "
                        f"not {n!r}", "Ask for one or more, e.g. n=8 (-n 8)")
    wanted = _kinds(kinds)
    pool = candidates(arch, wanted, other)
    if not any(pool.values()):
        raise UserError(f"no exercise of the kinds {', '.join(wanted)} can be made from "
                        f"{arch.model}: it has no layer, block or stage they ask about",
                        f"Choose other kinds among {', '.join(KINDS)}")
    rng = random.Random(seed)
    order = list(wanted)
    rng.shuffle(order)
    queues = {}
    for kind in order:
        items = list(pool.get(kind, []))
        rng.shuffle(items)
        queues[kind] = items
    chosen: list[Exercise] = []
    while len(chosen) < n and any(queues.values()):
        for kind in order:
            if queues[kind] and len(chosen) < n:
                chosen.append(queues[kind].pop(0))
    return Exercises(model=arch.model, seed=seed, items=tuple(chosen), language=arch.language)


def _kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return KINDS
    if isinstance(kinds, str):
        kinds = [kinds]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise UserError(f"unknown kind of exercise {', '.join(map(repr, unknown)) or 'none'}",
                        f"Choose among {', '.join(KINDS)}")
    return tuple(dict.fromkeys(kinds))
