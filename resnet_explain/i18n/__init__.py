"""The language a student reads: English (the source) or Chinese, through gettext catalogs.

Conventions (for whoever adds a message or a language):

* **A message id is the English template**, with named placeholders: ``_("{name} has {count}
  weighted layers", name=…, count=…)``. The catalog's translation is a whole template too,
  with the same placeholders in its own word order; code never joins translated fragments
  into a sentence. Numbers, shapes, module names and formulas are filled in as placeholders
  and stay as they are in every language.
* **Plurals** go through :func:`ngettext` (``"{n} block"``/``"{n} blocks"``); the catalog's
  ``Plural-Forms`` decides how many forms a language has (Chinese: one).
* **Constant tables** (column titles, legend entries) mark their strings with :func:`N_`, which
  returns them unchanged, and translate them with :func:`_` where they are used, so the
  language is the one in force when the text is made, not when the module was imported.
* **Catalogs** are the ``.po`` files under ``resnet_explain/locale/<lang>/LC_MESSAGES/`` (the
  source a translator edits) and the ``.mo`` files compiled from them, committed beside them.
  At run time the standard library's :mod:`gettext` reads the ``.mo``: it is the ecosystem's
  format, handles ``Plural-Forms`` for any language, and loads in well under a millisecond.
  The ``.mo`` is compiled by :func:`resnet_explain.i18n.catalog.compile_po` (standard library
  only, deterministic; ``msgfmt`` or ``pybabel compile`` give an equivalent file), and a test
  checks that compiling the ``.po`` again gives the committed bytes, so the two never drift.
  Extraction (``python scripts/i18n.py extract``) finds every ``_``/``ngettext``/``N_`` call
  with the same keywords as ``pybabel extract -F babel.cfg``; a test checks that every id in
  the code has a translation in every catalog.
* **Which language**: one place decides, :func:`language`. In order: :func:`speaking` (a
  ``with`` block, which is how ``explain(..., lang="zh")``'s Architecture and ``--lang zh``
  on the command line apply theirs), then :func:`set_language` (a whole session), then the
  environment variable ``RESNET_EXPLAIN_LANG`` (a classroom machine), then English.

This module imports neither torch nor any view (``resnet-explain --help`` stays fast).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The languages with a catalog; English is the source text itself.
LANGUAGES: tuple[str, ...] = ("en", "zh")
#: What each language is called, in itself (for messages and docs).
NAMES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DOMAIN = "resnet_explain"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENV = "RESNET_EXPLAIN_LANG"

_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("resnet_explain_lang",
                                                                    default=None)
_session: str | None = None


def check_language(lang: str) -> str:
    """``lang`` as a language code this package has (``"zh"``; ``"zh_CN"``, ``"zh-Hans"`` and
    ``"ZH"`` are read as ``"zh"``); a :class:`~resnet_explain.errors.UnknownLanguage` naming
    the languages there are, otherwise."""
    return _code(str(lang))


@functools.cache
def _code(lang: str) -> str:
    """:func:`check_language` of one string, read once (every message asks for the language:
    a trace of resnet152 says about 130; an unknown one raises, and is not kept)."""
    code = lang.strip().replace("-", "_").split("_")[0].split(".")[0].lower()
    if code not in LANGUAGES:
        from ..errors import UnknownLanguage

        raise UnknownLanguage(f"unknown language {lang!r}: the languages are "
                              f"{', '.join(LANGUAGES)}",
                              "Choose one of them (English is the default)")
    return code


def language() -> str:
    """The language text is made in now (see the module's docstring for the order)."""
    chosen = _chosen.get() or _session or os.environ.get(ENV) or "en"
    return check_language(chosen)


def set_language(lang: str | None) -> None:
    """Make ``lang`` the language of this Python session (``None``: back to the environment
    variable, else English)."""
    global _session
    _session = check_language(lang) if lang is not None else None


@contextlib.contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Make text in ``lang`` inside the ``with`` block (``None``: leave the language as it
    is)."""
    if lang is None:
        yield
        return
    token = _chosen.set(check_language(lang))
    try:
        yield
    finally:
        _chosen.reset(token)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: none, the ids are the text)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])


def _(message: str, /, **values: Any) -> str:
    """``message`` (an English template) in the current language, its ``{placeholders}``
    filled from ``values`` (left as they are when none are given)."""
    lang = language()
    text = message if lang == "en" else translations(lang).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The form of a counted message that ``n`` takes in the current language, its
    placeholders filled from ``values`` and ``n``."""
    text = translations(language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def translated(message: str, /, **values: Any) -> str:
    """:func:`_` for an id held in a variable (marked with :func:`N_` where it is written, so
    extraction finds it there)."""
    text = translations(language()).gettext(message)
    return text.format(**values) if values else text


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalog without translating it (a constant table's entry:
    translate it with :func:`_` where it is shown)."""
    return message


def is_chinese() -> bool:
    """Whether text is made in Chinese now (for what is not a message: punctuation between
    list items, the font a plot needs)."""
    return language() == "zh"


def join(items: list[str] | tuple[str, ...]) -> str:
    """A list in words: English ``"a, b and c"``, Chinese ``"a、b 和 c"``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("{names} and {last}", names=_(", ").join(items[:-1]), last=items[-1])
