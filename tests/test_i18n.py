"""The language machinery: the catalogs are complete and compiled, a language is chosen in
one place, and a bad one is one line (resnet_explain/i18n)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from resnet_explain import i18n
from resnet_explain.cli import main
from resnet_explain.errors import UnknownLanguage
from resnet_explain.i18n.catalog import compile_po, extract, read_po
from resnet_explain.words import COUNTED, count

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "resnet_explain").rglob("*.py"))
OTHERS = [lang for lang in i18n.LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _po(lang: str) -> Path:
    return i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


@pytest.mark.parametrize("lang", OTHERS)
def test_every_message_id_has_a_translation(lang: str) -> None:
    """Every ``_``/``ngettext``/``N_`` id in the source is translated in the catalog."""
    _, catalog = read_po(_po(lang).read_text(encoding="utf-8"))
    have = {(entry.msgid, entry.plural) for entry in catalog if entry.translated}
    missing = [entry.msgid for entry in extract(SOURCES, ROOT)
               if (entry.msgid, entry.plural) not in have]
    assert not missing, f"{len(missing)} ids without a {lang} translation: {missing[:5]}"


@pytest.mark.parametrize("lang", OTHERS)
def test_translations_keep_the_placeholders(lang: str) -> None:
    """A translation uses only its id's placeholders (``{n}`` for a plural), so ``format``
    never fails, and drops none that carries a number."""
    _, catalog = read_po(_po(lang).read_text(encoding="utf-8"))
    for entry in catalog:
        given = set(PLACEHOLDER.findall(entry.msgid + (entry.plural or "")))
        for text in entry.strings:
            used = set(PLACEHOLDER.findall(text))
            assert used <= given | {"n"}, (entry.msgid, used - given)
            assert given - used <= {"n"} or entry.plural is not None, (entry.msgid,
                                                                       given - used)


@pytest.mark.parametrize("lang", OTHERS)
def test_the_committed_mo_is_the_po_compiled(lang: str) -> None:
    po = _po(lang)
    assert po.with_suffix(".mo").read_bytes() == compile_po(po.read_text(encoding="utf-8")), \
        "run: python scripts/i18n.py compile"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt not installed")
@pytest.mark.parametrize("lang", OTHERS)
def test_msgfmt_accepts_the_catalog(lang: str, tmp_path: Path) -> None:
    """GNU msgfmt's own checks (format strings, header, plural forms) pass."""
    done = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(_po(lang))],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_extraction_refuses_an_id_that_is_not_a_literal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from resnet_explain.i18n import _\nname = 'x'\n_(f'{name} has')\n")
    with pytest.raises(ValueError, match="string literal"):
        extract([bad], tmp_path)


def test_every_counted_noun_has_its_forms() -> None:
    """``count(n, "noun")`` with a literal noun: the noun is in ``words.COUNTED``."""
    nouns = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "count" and len(node.args) == 2
                    and isinstance(node.args[1], ast.Constant)):
                nouns.add(node.args[1].value)
    assert nouns and nouns <= set(COUNTED), nouns - set(COUNTED)


def test_english_counts_stay_as_they_were() -> None:
    assert [count(1, "block"), count(3, "block"), count(2, "more place")] == \
        ["1 block", "3 blocks", "2 more places"]
    with i18n.speaking("zh"):
        assert count(3, "block") == "3 个残差块"


def test_the_language_is_chosen_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv(i18n.ENV, "zh_CN.UTF-8")  # a classroom machine's locale-like value
    assert i18n.language() == "zh"
    i18n.set_language("en")
    try:
        assert i18n.language() == "en"  # the session's choice wins over the environment
        with i18n.speaking("zh"):
            assert i18n.language() == "zh"  # and a with block over both
        assert i18n.language() == "en"
    finally:
        i18n.set_language(None)


def test_a_bad_language_is_one_line_naming_the_languages(monkeypatch, capsys) -> None:
    with pytest.raises(UnknownLanguage, match="the languages are en, zh"):
        i18n.check_language("fr")
    assert main(["list", "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "en, zh" in err
    monkeypatch.setenv(i18n.ENV, "klingon")
    assert main(["list"]) == 2
    assert "'klingon'" in capsys.readouterr().err


def test_lang_goes_before_or_after_the_command() -> None:
    from resnet_explain.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["--lang", "zh", "list"]).lang == "zh"
    assert parser.parse_args(["list", "--lang", "zh"]).lang == "zh"
    for command in ("summary", "diagram", "table1", "plot", "report", "exercises", "compare",
                    "check"):
        assert "--lang" in parser._subparsers._group_actions[0].choices[command].format_help()


def test_importing_the_machinery_imports_no_torch() -> None:
    code = ("import sys, resnet_explain.i18n, resnet_explain.sentences, resnet_explain.words;"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "False"


def test_an_architecture_keeps_its_language() -> None:
    from resnet_explain import explain

    arch = explain("resnet50", lang="zh")
    assert arch.language == "zh"
    assert "论文" in arch.notes[0]
    assert "Paper" in explain("resnet50").notes[0]  # the process's language is untouched
    assert i18n.language() == "en"
