"""The exercises as text, Markdown, Jupyter HTML and a notebook.

Nothing here computes: the sentences come from :mod:`.questions`. Names in backticks stay
as they are in text and Markdown and become ``<code>`` in HTML. In HTML and in Markdown an
answer sits in a ``<details>`` element, hidden until clicked; the HTML uses inline styles
only, with the properties that JupyterLab's sanitizer keeps (as ``render/notebook.py``).

The notebook is written as nbformat 4.5 JSON directly (nbformat is not a dependency of the
package): a title, the optional cell that traces the model, then each question with an
empty code cell for the student's work, and, in the teacher's notebook only, the answer in
a ``<details>`` Markdown cell. The student's notebook holds no answer at all.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any, TypeVar

from ..i18n import _, is_chinese, ngettext, speaking
from ..textwidth import width, wrap_wide

if TYPE_CHECKING:  # pragma: no cover
    from . import Exercise, Exercises

#: The text view's line width: questions and answers are wrapped to it.
WIDTH = 88

_CODE = re.compile(r"`([^`]+)`")
_INK, _PAPER = "#1b1f24", "#f6f8fb"
_ROOT = "font-size:13px;line-height:1.4;text-align:left;max-width:100%;overflow-wrap:break-word"
_ITEM = "margin:0 0 10px 0"
_SUMMARY = "cursor:pointer;opacity:0.8;font-style:italic"
_ANSWER = (f"border-left:4px solid #7a9cc6;background:{_PAPER};color:{_INK};"
           "padding:4px 10px;margin:4px 0 0 0")
_STEPS = "margin:4px 0 0 1.2em;padding:0"


_View = TypeVar("_View", bound=Callable[..., Any])


def _in_their_language(view: _View) -> _View:
    """``view(exercises, …)`` made in the language the exercises were made in (their
    Architecture's, ``explain(..., lang=...)``), if they have one."""

    @functools.wraps(view)
    def speaking_view(exercises: Exercises, *args: Any, **kwargs: Any) -> Any:
        with speaking(exercises.language):
            return view(exercises, *args, **kwargs)

    return speaking_view  # type: ignore[return-value]


def _title(exercises: Exercises) -> str:
    return _("Exercises on {model} (seed {seed})", model=exercises.model,
             seed=exercises.seed)


def _wrapped(number: int, sentence: str) -> str:
    """``1. …`` wrapped at :data:`WIDTH` with a hanging indent, broken only at spaces
    between words (an equation's spaces are not in a question or an answer)."""
    first = f"{number}. "
    if width(sentence) != len(sentence):  # CJK: a wide character takes two columns
        return "\n".join(wrap_wide(sentence, WIDTH, first, " " * len(first)))
    return textwrap.fill(sentence, WIDTH, initial_indent=first,
                         subsequent_indent=" " * len(first), break_long_words=False,
                         break_on_hyphens=False)


@_in_their_language
def text(exercises: Exercises, answers: bool) -> str:
    """Numbered questions; with ``answers``, an "Answers" part after them. Questions and
    answers are wrapped; each line of a derivation stays whole (an equation is never
    split)."""
    lines = [_title(exercises), ""]
    for number, item in enumerate(exercises, 1):
        lines += [_wrapped(number, item.question), ""]
    if answers:
        lines += [_("Answers"), ""]
        for number, item in enumerate(exercises, 1):
            lines.append(_wrapped(number, item.answer))
            lines += [f"{' ' * len(f'{number}. ')}{step}" for step in item.derivation]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def details(body: str) -> str:
    """Markdown ``body`` in a ``<details>`` element, hidden until *Answer* is clicked (the
    blank lines let Jupyter and GitHub render the Markdown inside)."""
    return f"<details><summary>{_('Answer')}</summary>\n\n{body}\n\n</details>"


def answer_markdown(item: Exercise) -> str:
    """The answer and its derivation, in a ``<details>`` element to click open."""
    steps = "\n".join(f"- {step}" for step in item.derivation)
    return details(f"{item.answer}\n\n{steps}")


def question_markdown(number: int, item: Exercise) -> str:
    return f"**{number}.** {item.question}"


@_in_their_language
def markdown(exercises: Exercises, answers: bool) -> str:
    parts = [f"## {_title(exercises)}"]
    for number, item in enumerate(exercises, 1):
        parts.append(question_markdown(number, item))
        if answers:
            parts.append(answer_markdown(item))
    return "\n\n".join(parts) + "\n"


def _html_text(sentence: str) -> str:
    """Escaped, with the backticked names as ``<code>``."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(sentence))


@_in_their_language
def html(exercises: Exercises, answers: bool) -> str:
    items = []
    for item in exercises:
        body = f"<div>{_html_text(item.question)}</div>"
        if answers:
            steps = "".join(f"<li>{_html_text(step)}</li>" for step in item.derivation)
            body += (f'<details><summary style="{_SUMMARY}">{_("Answer")}</summary>'
                     f'<div style="{_ANSWER}"><div>{_html_text(item.answer)}</div>'
                     f'<ul style="{_STEPS}">{steps}</ul></div></details>')
        items.append(f'<li style="{_ITEM}">{body}</li>')
    return (f'<div style="{_ROOT}"><div style="font-weight:bold;margin:0 0 6px 0">'
            f'{escape(_title(exercises))}</div><ol style="margin:0;padding-left:1.6em">'
            + "".join(items) + "</ol></div>")


@_in_their_language
def page(exercises: Exercises, answers: bool) -> str:
    """:func:`html` as a whole HTML document, for a file."""
    lang = "zh-Hans" if is_chinese() else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>'
            f"{escape(_title(exercises))}</title></head><body>{html(exercises, answers)}"
            f"</body></html>\n")


# --- the notebook -----------------------------------------------------------------------
def _cell(kind: str, cell_id: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": cell_id, "metadata": {},
                            "source": source}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


@_in_their_language
def notebook(exercises: Exercises, answers: bool, code: str | None) -> dict[str, Any]:
    values = dict(model=f"`{exercises.model}`")
    intro = (ngettext("{n} question, made by resnet-explain from a trace of {model}; the "
                      "answers are hidden below each question: click *Answer*.",
                      "{n} questions, made by resnet-explain from a trace of {model}; the "
                      "answers are hidden below each question: click *Answer*.",
                      len(exercises), **values) if answers else
             ngettext("{n} question, made by resnet-explain from a trace of {model}; work "
                      "each one out in the empty cell below it.",
                      "{n} questions, made by resnet-explain from a trace of {model}; work "
                      "each one out in the empty cell below it.", len(exercises), **values))
    intro = f"# {_title(exercises)}\n\n{intro}"
    cells = [_cell("markdown", "title", intro)]
    if code:
        cells.append(_cell("code", "trace", code))
    for number, item in enumerate(exercises, 1):
        cells.append(_cell("markdown", f"q{number:02d}", question_markdown(number, item)))
        cells.append(_cell("code", f"q{number:02d}-work", ""))
        if answers:
            cells.append(_cell("markdown", f"q{number:02d}-answer", answer_markdown(item)))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_text(exercises: Exercises, answers: bool, code: str | None) -> str:
    """The notebook as the JSON text of a ``.ipynb`` file (nbformat's own layout: one-space
    indent, keys sorted)."""
    data = notebook(exercises, answers, code)
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
