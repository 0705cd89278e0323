"""The message catalogs: extract the ids, update the ``.po`` files, compile the ``.mo`` files.

    python scripts/i18n.py extract   # resnet_explain/locale/resnet_explain.pot from the source
    python scripts/i18n.py update    # add new ids to every .po (empty), drop the ids gone
    python scripts/i18n.py compile   # every .po → its .mo (commit both)
    python scripts/i18n.py check     # exit 1 if an id lacks a translation or a .mo is stale

The ids are found as ``pybabel extract -F babel.cfg`` finds them (the same keywords);
``resnet_explain/i18n/catalog.py`` has the tools, standard library only. A new language: copy
the ``.pot`` to ``resnet_explain/locale/<code>/LC_MESSAGES/resnet_explain.po``, set its
``Language`` and ``Plural-Forms`` header, translate, compile, and add the code to
``resnet_explain.i18n.LANGUAGES``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from resnet_explain.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402
from resnet_explain.i18n.catalog import Entry, compile_po, extract, read_po, write_po  # noqa: E402

POT_HEADER = "Content-Type: text/plain; charset=UTF-8\n"


def source_files() -> list[Path]:
    return sorted((ROOT / "resnet_explain").rglob("*.py"))


def source_entries() -> list[Entry]:
    return extract(source_files(), ROOT)


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(lang: str, entries: list[Entry]) -> list[str]:
    """Merge the source's ids into ``lang``'s catalog; the ids left without a translation."""
    path = po_path(lang)
    header, old = read_po(path.read_text(encoding="utf-8"))
    known = {(entry.msgid, entry.plural): entry for entry in old}
    merged = []
    for entry in entries:
        previous = known.get((entry.msgid, entry.plural))
        strings = previous.strings if previous is not None else list(entry.strings)
        merged.append(Entry(entry.msgid, entry.plural, strings, entry.places))
    path.write_text(write_po(header, merged), encoding="utf-8")
    return [entry.msgid for entry in merged if not entry.translated]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    entries = source_entries()
    languages = [lang for lang in LANGUAGES if lang != "en"]
    if command == "extract":
        (LOCALE_DIR / f"{DOMAIN}.pot").write_text(write_po(POT_HEADER, entries),
                                                  encoding="utf-8")
        print(f"{len(entries)} message ids")
        return 0
    if command == "update":
        for lang in languages:
            missing = update(lang, entries)
            print(f"{lang}: {len(entries)} ids, {len(missing)} without a translation")
        return 0
    if command == "compile":
        for lang in languages:
            path = po_path(lang)
            path.with_suffix(".mo").write_bytes(compile_po(path.read_text(encoding="utf-8")))
        return 0
    if command == "check":
        bad = 0
        for lang in languages:
            path = po_path(lang)
            text = path.read_text(encoding="utf-8")
            _, catalog = read_po(text)
            have = {(e.msgid, e.plural) for e in catalog if e.translated}
            for entry in entries:
                if (entry.msgid, entry.plural) not in have:
                    print(f"{lang}: no translation for {entry.msgid!r} ({entry.places[0]})")
                    bad += 1
            if path.with_suffix(".mo").read_bytes() != compile_po(text):
                print(f"{lang}: {path.with_suffix('.mo').name} is stale: run compile")
                bad += 1
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
