"""The catalogs' tools, standard library only: read and write ``.po`` files, compile ``.mo``
files, and extract the message ids from the source.

* :func:`extract` finds every call of ``_``, ``N_`` (an id) and ``ngettext`` (an id and its
  plural) whose arguments are string literals — the keywords ``babel.cfg`` gives ``pybabel
  extract`` — and refuses one whose id is not a literal (an f-string cannot be looked up).
* :func:`read_po`/:func:`write_po` keep a catalog as :class:`Entry` records, written in a fixed
  order (the order the ids first occur in the source) with one line per string, so a diff of
  a ``.po`` is the change and nothing else.
* :func:`compile_po` writes the GNU ``.mo`` format as ``msgfmt`` does (ids sorted, no hash
  table): the same ``.po`` gives the same bytes.

``scripts/i18n.py`` runs them (``extract``, ``update``, ``compile``, ``check``).
"""

from __future__ import annotations

import ast
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: The translation functions and which arguments are ids (as ``babel.cfg``'s keywords).
KEYWORDS: dict[str, tuple[int, ...]] = {"_": (0,), "N_": (0,), "ngettext": (0, 1)}


@dataclass
class Entry:
    """One message: its id (and plural id), its translation(s), where it occurs."""

    msgid: str
    plural: str | None = None
    strings: list[str] = field(default_factory=lambda: [""])
    places: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def translated(self) -> bool:
        return all(self.strings) and bool(self.strings)


class ExtractError(ValueError):
    """A translation call whose id is not a string literal."""


def extract(files: Iterable[Path], root: Path) -> list[Entry]:
    """Every message id in ``files``, in the order they first occur, with their places."""
    found: dict[tuple[str, str | None], Entry] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS]
        for node in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            spots = KEYWORDS[node.func.id]  # type: ignore[union-attr]
            texts = []
            for spot in spots:
                arg = node.args[spot] if spot < len(node.args) else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    raise ExtractError(f"{path}:{node.lineno}: the id of "
                                       f"{node.func.id}() must be a string literal")  # type: ignore[union-attr]
                texts.append(arg.value)
            key = (texts[0], texts[1] if len(texts) > 1 else None)
            entry = found.setdefault(key, Entry(texts[0], key[1],
                                                ["", ""] if key[1] is not None else [""]))
            entry.places.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return list(found.values())


# --- .po --------------------------------------------------------------------------------
def _quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            following = body[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(following, following))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def read_po(text: str) -> tuple[str, list[Entry]]:
    """The header (the translation of the empty id) and the entries of a ``.po`` file."""
    entries: list[Entry] = []
    header = ""
    current: Entry | None = None
    target: tuple[str, int] | None = None
    places: list[str] = []
    comments: list[str] = []

    def finish() -> None:
        nonlocal current, header
        if current is not None:
            if current.msgid == "":
                header = current.strings[0]
            else:
                entries.append(current)
        current = None

    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("#:"):
            finish()
            places += line[2:].split()
        elif line.startswith("#"):
            finish()
            comments.append(line)
        elif line.startswith("msgid_plural "):
            assert current is not None
            current.plural = _unquote(line[len("msgid_plural "):])
            target = ("plural", 0)
        elif line.startswith("msgid "):
            finish()
            current = Entry(_unquote(line[len("msgid "):]), None, [], places, comments)
            places, comments, target = [], [], ("msgid", 0)
        elif line.startswith("msgstr"):
            assert current is not None
            index = int(line[line.index("[") + 1:line.index("]")]) if line.startswith(
                "msgstr[") else 0
            while len(current.strings) <= index:
                current.strings.append("")
            current.strings[index] = _unquote(line.split(" ", 1)[1])
            target = ("msgstr", index)
        elif line.startswith('"') and current is not None and target is not None:
            more = _unquote(line)
            kind, index = target
            if kind == "msgid":
                current.msgid += more
            elif kind == "plural":
                current.plural = (current.plural or "") + more
            else:
                current.strings[index] += more
    finish()
    return header, entries


def write_po(header: str, entries: Iterable[Entry]) -> str:
    """A ``.po`` file's text: the header, then each entry with its places."""
    lines = ['msgid ""', "msgstr " + _quote(header), ""]
    for entry in entries:
        lines += entry.comments
        if entry.places:
            lines.append("#: " + " ".join(entry.places))
        lines.append("msgid " + _quote(entry.msgid))
        if entry.plural is not None:
            lines.append("msgid_plural " + _quote(entry.plural))
            lines += [f"msgstr[{i}] " + _quote(text) for i, text in enumerate(entry.strings)]
        else:
            lines.append("msgstr " + _quote(entry.strings[0] if entry.strings else ""))
        lines.append("")
    return "\n".join(lines)


# --- .mo --------------------------------------------------------------------------------
def compile_po(text: str) -> bytes:
    """The GNU ``.mo`` file of a ``.po`` file's text (untranslated entries left out, as
    ``msgfmt`` leaves them out; ids sorted by their bytes; no hash table)."""
    header, entries = read_po(text)
    pairs = {b"": header.encode("utf-8")}
    for entry in entries:
        if not entry.translated:
            continue
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\0{entry.plural}"
        pairs[key.encode("utf-8")] = "\0".join(entry.strings).encode("utf-8")
    keys = sorted(pairs)
    ids = b"".join(key + b"\0" for key in keys)
    strs = b"".join(pairs[key] + b"\0" for key in keys)
    start = 7 * 4 + 16 * len(keys)  # the header, then the two tables of (length, offset)
    id_table, str_table, offset = [], [], start
    for key in keys:
        id_table += [len(key), offset]
        offset += len(key) + 1
    for key in keys:
        str_table += [len(pairs[key]), offset]
        offset += len(pairs[key]) + 1
    head = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0,
                       0)
    return head + struct.pack(f"{len(id_table)}i", *id_table) + struct.pack(
        f"{len(str_table)}i", *str_table) + ids + strs
