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


# --- Chinese output: no English left but identifiers, units and formulas ---------------------
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-']*")
#: What may stay in Latin letters in Chinese output: names from the code (module names,
#: layer types, ops), the paper's citation, units and the letters of the formulas.
ALLOWED = {
    # module and op names as PyTorch and torchvision spell them
    "Linear", "fc", "relu", "maxpool", "avgpool", "downsample", "add", "flatten", "forward",
    # the formulas' letters and words (out = ⌊(in + 2P − K)/S⌋ + 1, depth 6n + 2, N×C×H×W)
    "out", "in", "n", "x", "C", "H", "W", "K", "P", "S", "D", "N", "L", "F", "RF",
    # the paper's options and units
    "A", "B", "G", "M", "MB", "FLOPs", "He", "et", "al.", "NVIDIA", "torchvision", "top-1",
    "BN", "ReLU", "BasicBlock", "Bottleneck", "BatchNorm",
    # Python's literals and the code bases a lesson names
    "True", "False", "kuangliu", "TF-slim", "timm",
    # the receptive field column's value for a layer that sees the whole input
    "all",
}
_IDENTIFIER = re.compile(r".*[0-9_.].*|[A-Z][a-z]+[A-Z0-9].*")  # layer1.0, conv2_x, Conv2d


def _english_words(text: str) -> set[str]:
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S).replace("<wbr>", "")
    text = re.sub(r"&[#\w]+;", " ", re.sub(r"<[^>]+>", " ", text))
    # code the reader types: an option and its word (--allow classes), a keyword argument
    # (bias=False), a quoted value; and a work's title in 《》
    text = re.sub(r"--[\w-]+(?: [a-z_]+)?|\w+=\S+|\"[^\"]*\"|《[^》]*》", " ", text)
    return {word for word in _WORD.findall(text)
            if word not in ALLOWED and not _IDENTIFIER.fullmatch(word)}


@pytest.mark.parametrize("model", ["resnet50", "resnet18", "resnet20", "resnet50-v1"])
def test_chinese_summary_and_card_hold_no_english(model: str) -> None:
    """The text, Markdown and HTML tables and the notebook card in Chinese: every word is
    Chinese, or an identifier, a unit or a formula's letter (:data:`ALLOWED`)."""
    from resnet_explain import explain

    arch = explain(model, lang="zh")
    texts = [arch.table("text", depth) for depth in ("layer", "block", "stage")]
    texts += [arch.table("markdown"), arch.table("html", "block"), arch._repr_html_(),
              arch.stages[1]._repr_html_(), arch.layers[0]._repr_html_()]
    left = set().union(*map(_english_words, texts))
    assert not left, f"untranslated words in {model}'s Chinese output: {sorted(left)}"


def test_the_english_check_catches_english() -> None:
    assert _english_words("<b>总参数量</b>: 25,557,032 · Total params") == {"Total", "params"}


STUDENT = str(ROOT / "notebooks" / "student_resnet.py") + ":StudentResNet"


def test_chinese_compare_holds_no_english() -> None:
    """``compare`` in Chinese (text, Markdown, HTML; the first line, the reference's reason,
    every difference's title, consequence and lesson): no English word left."""
    from resnet_explain.compare.engine import compare_specs

    with i18n.speaking("zh"):
        comparison = compare_specs(STUDENT)  # the nearest reference, with its reason
        # The spec is a path of this checkout, not text of the tool's: it goes first (the
        # HTML keeps a hyphenated folder name in a no-wrap span, so its tags go before it).
        texts = [re.sub(r"<[^>]+>", "", comparison.render(format)).replace(STUDENT, "")
                 for format in ("text", "markdown", "html")]
    assert "有 5 处不同" in texts[0] and "原因：" in texts[0]
    left = set().union(*map(_english_words, texts))
    assert not left, f"untranslated words in Chinese compare: {sorted(left)}"


def test_chinese_compare_text_fits_the_terminal() -> None:
    """The Chinese text view wraps at 100 terminal columns, a CJK character counting two."""
    from resnet_explain.compare.engine import compare_specs
    from resnet_explain.textwidth import width

    with i18n.speaking("zh"):
        text = compare_specs(STUDENT, "resnet18").render("text")
    assert max(width(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize("models", [["resnet18", "resnet50-v1", "resnet50"],
                                    ["resnet20", "resnet56"]])
def test_chinese_table1_holds_no_english(models: list[str]) -> None:
    """Table 1 in Chinese (text, Markdown, HTML): headers, cells, title and footnotes."""
    from resnet_explain.paper import table1

    with i18n.speaking("zh"):
        table = table1(models)
        texts = [table.render(format) for format in ("text", "markdown", "html")]
    left = set().union(*map(_english_words, texts))
    assert not left, f"untranslated words in Chinese Table 1: {sorted(left)}"
    from resnet_explain.textwidth import width

    lines = texts[0].splitlines()
    rule = len(lines[1])  # every row ends within the rule, a CJK character counting two
    last = max(i for i, line in enumerate(lines) if line == lines[1])
    assert all(width(line) <= rule for line in lines[2:last])


MISTAKES = ["MissingProjection", "MissingStride", "UnpaddedPool", "WrongHeadWidth",
            "UnpooledHead", "WrongInChannels"]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_errors_that_teach_in_chinese(mistake: str) -> None:
    """A seed mistake's error in Chinese: the lesson and the words around PyTorch's own
    message (quoted as PyTorch says it, in English) hold no other English word."""
    from resnet_explain import explain
    from resnet_explain.errors import TraceFailure

    with pytest.raises(TraceFailure) as raised:
        explain(str(ROOT / "tests" / "student_mistakes.py") + f":{mistake}", lang="zh")
    error = raised.value
    quoted = error.said.partition(": ")[2]
    text = error.message().replace(quoted, " ").replace(str(ROOT), " ")
    text = re.sub(r"\((?:at|在) [^)]*\)|（在 [^）]*）", " ", text)  # the user's line, quoted
    assert re.search(r"[\u4e00-\u9fff]", error.fix), error.fix  # the lesson, in Chinese
    left = _english_words(text)
    assert not left, f"untranslated words in {mistake}'s Chinese error: {sorted(left)}"


def test_the_width_prefilter_misses_no_wide_character() -> None:
    """``textwidth`` measures text with ``len`` when no character falls in the blocks that
    hold wide ones: every assigned Wide or Fullwidth code point must be in those blocks."""
    import unicodedata

    from resnet_explain.textwidth import _MAYBE_WIDE, width

    missed = [hex(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF
              and unicodedata.category(chr(code)) != "Cn"
              and unicodedata.east_asian_width(chr(code)) in ("W", "F")
              and not _MAYBE_WIDE.match(chr(code))]
    assert not missed
    assert width("├─ conv1 7×7 → ⌊(224 + 2·3 − 7)/2⌋ + 1") == 38
    assert width("残差块 conv3_1") == 14


def _dot_labels(source: str) -> str:
    """The text of every label of a DOT source, for the English check."""
    from resnet_explain.diagram.cjk import label_texts

    return "\n".join(label_texts(source))


@pytest.mark.parametrize("options", [["--block", "conv3_1"], ["--level", "block"],
                                     ["--level", "layer"]])
def test_chinese_diagram_holds_no_english(options: list[str], tmp_path: Path) -> None:
    """``resnet-explain diagram resnet50 --block conv3_1 --lang zh`` (and the network levels):
    every label, legend and title is Chinese, or an identifier, a unit or a formula."""
    out = tmp_path / "zh.dot"
    assert main(["diagram", "resnet50", *options, "--lang", "zh", "-o", str(out)]) == 0
    labels = _dot_labels(out.read_text(encoding="utf-8"))
    assert "卷积" in labels and "输入" in labels
    left = _english_words(labels)
    assert not left, f"untranslated words in the Chinese diagram: {sorted(left)}"


def test_chinese_lessons_and_compare_diagram_hold_no_english() -> None:
    from resnet_explain import explain
    from resnet_explain.diagram.lessons import lesson

    with i18n.speaking("zh"):
        sources = [lesson(name).source for name in ("v1-vs-v1.5", "shortcut-A-vs-B",
                                                     "v1-vs-v2")]
    sources.append(explain(STUDENT, lang="zh").compare("resnet18").diagram().source)
    left = set().union(*(_english_words(_dot_labels(source).replace(STUDENT, ""))
                         for source in sources))
    assert not left, f"untranslated words in Chinese lessons: {sorted(left)}"


def test_chinese_report_holds_no_english(tmp_path: Path) -> None:
    """The one-file report in Chinese: headings, the depth explanation, captions, the
    receptive-field table, the card, Table 1, and the text drawn in its diagrams and plots."""
    pytest.importorskip("matplotlib")
    from resnet_explain import explain

    arch = explain("resnet50", lang="zh")
    html = arch.report(tmp_path / "zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and "深度数的是什么" in html
    drawn = re.findall(r"<text\b[^>]*>(.*?)</text>", html, flags=re.S)
    page = re.sub(r"<svg\b.*?</svg>|<script>.*?</script>|<title>.*?</title>|<code>.*?</code>",
                  " ", html, flags=re.S)
    page = page.replace("resnet-explain", " ").replace(arch.engine, " ")
    left = _english_words(page + "\n".join(drawn))
    assert not left, f"untranslated words in the Chinese report: {sorted(left)}"


def test_what_the_chinese_notebooks_newer_cells_say_is_chinese(tmp_path: Path) -> None:
    """Notebook 03's later sections in Chinese: a network without blocks has its depth in
    words, channels-last input gets its lesson, a weights file that fits two zoo models says
    so, and 02's v1 against v1.5 comparison: none of it in English."""
    import torch

    from resnet_explain import explain
    from resnet_explain.analysis.stridemove import compare_layouts
    from resnet_explain.errors import UserError
    from resnet_explain.zoo import build

    plain = explain("plain20", lang="zh")
    assert plain.depth_formula == "20 = 最长路径上的 20 个带权重的层（没有残差块）"
    assert explain("plain20").depth_formula.endswith("weighted layers on the longest path "
                                                     "(no residual blocks)")
    said = []
    with pytest.raises(UserError) as error:
        explain("resnet18", input_size=(224, 224, 3), lang="zh")
    said.append(str(error.value).split("——")[-1])  # after PyTorch's own sentence
    torch.save(build("resnet50").state_dict(), tmp_path / "r50.pth")
    with pytest.raises(UserError) as error:
        explain(tmp_path / "r50.pth", lang="zh")
    text = str(error.value).replace(str(tmp_path / "r50.pth"), "")
    said.append(re.sub(r"\([^()]*\([^()]*\)\)", " ", text))  # the zoo's own descriptions
    said.append(str(compare_layouts(explain("resnet50-v1", lang="zh"),
                                    explain("resnet50", lang="zh"))))
    assert "PIL、NumPy 和 TensorFlow" in said[0] and "同样符合模型库中的 2 个模型" in said[1]
    left = set().union(*(_english_words(text) for text in said)) - {"PIL"}  # a library
    assert not left, f"untranslated words: {sorted(left)}"


@pytest.mark.parametrize("model", ["resnet18", "resnet50"])
def test_chinese_exercises_hold_no_english(model: str) -> None:
    """Exercises of every kind, with their answers and derivations, made by an Architecture
    in Chinese (text, Markdown, HTML and the notebook's cells): no English word left but the
    formulas' letters (r and j: the receptive field and its jump) and identifiers."""
    from resnet_explain import explain
    from resnet_explain.exercises import KINDS

    arch = explain(model, lang="zh")
    kinds = set(KINDS) if model == "resnet50" else set(KINDS) - {"v1-vs-v1.5"}  # Bottleneck
    texts = []
    for seed in (0, 1, 2):
        sheet = arch.exercises(n=12, seed=seed)
        assert {item.kind for item in sheet} == kinds
        cells = [cell["source"] for cell in sheet.notebook(answers=True)["cells"]]
        texts += [sheet.text(answers=True), sheet.markdown(), sheet.html(), *cells[1:],
                  cells[0].replace("resnet-explain", "")]
    assert "练习题" in texts[0] and "答案" in texts[0]
    left = set().union(*map(_english_words, texts)) - {"r", "j"}
    assert not left, f"untranslated words in {model}'s Chinese exercises: {sorted(left)}"
    assert "Exercises on" in explain(model).exercises().text()  # English stays English


@pytest.mark.parametrize("size", ["3x0x224", "abc", "99999999x99999999x99999999", ""])
def test_chinese_input_size_errors_hold_no_english(size: str) -> None:
    """A wrong ``--input`` is told in Chinese too (the sizes and the example stay as typed)."""
    from resnet_explain import explain
    from resnet_explain.errors import BadInputSize

    with i18n.speaking("zh"), pytest.raises(BadInputSize) as refused:
        explain("resnet18", size)
    text = refused.value.message(cli=True).replace(repr(size), "")
    assert "输入尺寸" in text
    left = _english_words(text)
    assert not left, f"untranslated words in a Chinese input-size error: {sorted(left)}"
