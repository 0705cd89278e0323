"""``resnet-explain compare`` and ``resnet-explain check``: is my ResNet right?

Registered on the main parser by :func:`add_compare_commands`. Importing this module imports
neither torch nor the tracer (``--help`` stays instant). ``compare`` prints the comparison;
``check`` is for grading and CI: exit status 0 when the model has the reference's
architecture, 1 when it differs (the comparison is printed), 2 on a usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..choices import COMPARE_FORMATS as FORMATS
from ..choices import DIFFERENCES
from ..errors import UserError
from .arguments import add_model_arguments, add_width_argument, settle_imports
from .output import model_sources, prints_to_stderr, write_output

#: The kinds of difference ``--allow`` accepts (the same words as compare.WHAT, kept here so
#: that ``--help`` needs no import of the engine).
SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html",
            ".htm": "html", ".txt": "text"}
#: ``-o FILE`` with one of these draws the two models side by side instead.
DIAGRAM_SUFFIXES = (".svg", ".png", ".pdf", ".dot")

COMPARE_DESCRIPTION = """\
Is my ResNet right? Trace a model and compare it with the ResNet it means to be, aligned by
structure (stem, stages, blocks, layers by role and position, head), never by names. Each
difference says where (your module and the paper's name), both values, what it changes
(parameters, multiply-adds, the map size from there on) and why the reference does it its
way. Without REFERENCE the nearest zoo model is chosen, and the output says which and why.
Both models are traced at --input; without it, at the reference's own size with the model's
input channels.

examples:
  resnet-explain compare student.py:Net resnet18
  resnet-explain compare student.py:Net                 (the nearest zoo model)
  resnet-explain compare resnet50 resnet50-v1           (v1.5 against the paper's v1)
  resnet-explain compare mypkg.models:build resnet20 --format json
  resnet-explain compare student.py:Net resnet18 -o diff.svg   (side by side, differences marked)
"""

CHECK_DESCRIPTION = """\
Check that a model has the reference's architecture — every layer's kernel, stride, padding,
bias and width; the blocks per stage; the shortcut kinds; the stride position — for grading a
class or for CI. Exit status: 0 when it matches, 1 when it differs (the comparison is
printed), 2 on a usage error. --allow accepts a kind of difference.

examples:
  resnet-explain check student.py:Net --against resnet18
  resnet-explain check cifar100.py:resnet20 --against resnet20 --allow classes
  for f in submissions/*.py; do resnet-explain check "$f:Net" --against resnet18 -f json; done
"""


def add_compare_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``compare`` and ``check`` to ``commands``; each sets ``run``."""
    compare = commands.add_parser(
        "compare", help="compare a model with the ResNet it means to be (nearest zoo model "
                        "by default)",
        description=COMPARE_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(compare)
    compare.add_argument("reference", nargs="?", default=None, metavar="REFERENCE",
                         help="a zoo name or a spec (default: the nearest zoo model)")
    _add_common(compare)
    compare.set_defaults(run=_compare)

    check = commands.add_parser(
        "check", help="exit 0 if a model has the reference's architecture, 1 if not",
        description=CHECK_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(check)
    check.add_argument("--against", "-a", metavar="REFERENCE", default=None, dest="reference",
                       help="a zoo name or a spec (default: the nearest zoo model)")
    _add_common(check)
    check.set_defaults(run=_check)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow", metavar="KIND", action="append", default=[],
                        help="accept a kind of difference (repeat, or comma-separate): "
                             + ", ".join(DIFFERENCES))
    parser.add_argument("--format", "-f", choices=FORMATS, default=None,
                        help="text, markdown, html or json (default: from the suffix of "
                             "--output, else text)")
    parser.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write to FILE (.json, .md, .html or .txt picks the format; "
                             ".svg, .png, .pdf or .dot draws both models side by side, the "
                             "stages that differ marked)")
    add_width_argument(parser)


def _allowed(args: argparse.Namespace) -> list[str]:
    words = [word.strip() for item in args.allow for word in item.split(",") if word.strip()]
    for word in words:
        if word not in DIFFERENCES:
            raise UserError(f"--allow {word}: not a kind of difference",
                            f"Use one of: {', '.join(DIFFERENCES)}")
    return words


def _comparison(args: argparse.Namespace):  # -> Comparison (no import at module level)

    allow = _allowed(args)
    settle_imports(args.as_program)
    from ..compare import compare_specs

    with prints_to_stderr():
        return compare_specs(args.spec, args.reference, input_size=args.input, allow=allow,
                             shortcut=args.shortcut, num_classes=args.num_classes)


def _write(args: argparse.Namespace, comparison) -> None:

    format = args.format
    suffix = Path(args.output).suffix.lower() if args.output else ""
    if format is None:
        format = SUFFIXES.get(suffix, "text")
    protected = model_sources(args.spec)
    if args.reference is not None:
        protected += model_sources(args.reference)
    from ..render.width import output_width

    data: str | bytes = comparison.render(format, output_width(args.width, args.output))
    if suffix in DIAGRAM_SUFFIXES:  # the two models side by side, the differences marked
        from ..diagram import output as render

        source = comparison.diagram().source
        data = source if suffix == ".dot" else render.render(source, render.format_for(
            args.output))
    write_output(data, args.output, protected=protected)


def _compare(args: argparse.Namespace) -> int:
    _write(args, _comparison(args))
    return 0


def _check(args: argparse.Namespace) -> int:
    comparison = _comparison(args)
    _write(args, comparison)
    return 0 if comparison.matches else 1
