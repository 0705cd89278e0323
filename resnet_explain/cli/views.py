"""The teaching views' subcommands — ``table1``, ``plot``, ``report`` and ``exercises`` —
registered on the main parser by :func:`add_view_commands`.

Importing this module imports neither torch nor matplotlib: each command imports what it
needs when it runs, and writes through the CLI's one writer (:func:`cli.write_output`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..choices import TABLE1_FORMATS
from ..errors import UserError
from ..i18n import _, language
from .arguments import add_model_arguments, add_width_argument, positive_int
from .output import TEXT_SUFFIXES, model_sources, prints_to_stderr, write_output

TABLE1_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html",
                   ".htm": "html", ".tex": "latex", ".json": "json", ".txt": "text"}

TABLE1_DESCRIPTION = """\
Print Table 1 of He et al. 2015 rebuilt from traces: one column per model, the paper's
bracket notation for each stage, the output sizes, and the FLOPs (multiply-adds) beside the
paper's figures. Without models: the paper's five ImageNet networks in its own layout
(resnet18, resnet34, resnet50-v1, resnet101-v1, resnet152-v1); --cifar: its CIFAR-10 nets
(section 4.2, with the parameter counts of its Table 6).

examples:
  resnet-explain table1
  resnet-explain table1 resnet50 resnet50-v1 mypkg.models:build
  resnet-explain table1 --cifar --format markdown
  resnet-explain table1 -o table1.tex          (booktabs LaTeX, from the suffix)
"""


def add_view_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``table1``, ``plot``, ``report`` and ``exercises`` to ``commands``; each sets
    ``run`` to the function that executes it."""
    table1 = commands.add_parser(
        "table1", help="the paper's Table 1 rebuilt from traces, one column per model",
        description=TABLE1_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    table1.add_argument("models", nargs="*", metavar="SPEC",
                        help="zoo names or specs (default: the paper's five networks)")
    table1.add_argument("--cifar", action="store_true",
                        help="the CIFAR-10 nets of section 4.2 (resnet20 … resnet1202)")
    table1.add_argument("--input", "-i", metavar="SIZE", default=None,
                        help="input size for every model, e.g. 3x224x224 (default: each "
                             "model's own)")
    table1.add_argument("--format", "-f", choices=TABLE1_FORMATS, default=None,
                        help="text, markdown, html, latex or json (default: from the suffix "
                             "of --output, else text)")
    table1.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write to FILE (.tex, .md, .html, .json or .txt picks the format)")
    add_width_argument(table1)
    table1.set_defaults(run=_table1)

    plot = commands.add_parser(
        "plot", help="a matplotlib plot of a model (needs the plot extra)",
        description=PLOT_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(plot)
    plot.add_argument("more", nargs="*", metavar="SPEC",
                      help="further models, for --kind models")
    plot.add_argument("--kind", "-k", choices=PLOT_KINDS, default="stages",
                      help="what to plot (default: stages)")
    plot.add_argument("--output", "-o", metavar="FILE", default=None,
                      help="the file to write: .png, .svg or .pdf (required)")
    plot.set_defaults(run=_plot)

    report = commands.add_parser(
        "report", help="a one-file HTML report: card, tree, diagrams, plots, Table 1",
        description="Write a self-contained HTML report of a model: the summary card, the "
                    "depth formula explained, the stage/block/layer tree, the paper's Table 1 "
                    "for it, the diagrams and plots as inline SVG, the receptive fields and "
                    "the warnings. No external resources; prints on A4.")
    add_model_arguments(report)
    report.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="the HTML file to write (default: standard output, when it is "
                             "not a terminal)")
    report.set_defaults(run=_report)
    _add_exercises_command(commands)


PLOT_KINDS = ("stages", "cost", "blocks", "receptive-field", "models")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
PLOT_DESCRIPTION = """\
Plot a traced model with matplotlib (pip install 'resnet-explain[plot]'), 1280x720, ready for
a slide. Kinds: stages (map size and channels per stage), cost (parameters and multiply-adds
per stage), blocks (the same per block), receptive-field (its growth along the main path,
against the input size), models (depth vs parameters and multiply-adds, and parameters per
stage, for all the models named). SVG and PDF output are deterministic.

examples:
  resnet-explain plot resnet50 --kind stages -o stages.svg
  resnet-explain plot resnet18 --kind receptive-field -o rf.png
  resnet-explain plot resnet18 resnet50 resnet50-v1 --kind models -o compare.pdf
"""


def _plot(args: argparse.Namespace) -> None:

    if args.output is None:
        raise UserError("plot writes an image file, and no -o FILE was given",
                        f"Give -o {args.kind}.svg (or .png, .pdf)")
    if Path(args.output).suffix.lower() not in PLOT_SUFFIXES:
        raise UserError(f"plot writes .png, .svg or .pdf, not {args.output}",
                        f"Give -o {Path(args.output).stem or args.kind}.svg (or .png, .pdf)")
    specs = [args.spec, *args.more]
    if args.more and args.kind != "models":
        raise UserError(f"--kind {args.kind} plots one model, not {len(specs)}",
                        "Name one model, or use --kind models to compare them")
    from ..plots import require_matplotlib

    require_matplotlib()
    from ..api import explain
    from ..plots import draw, plot, plot_models

    with prints_to_stderr():
        archs = [explain(spec, args.input, shortcut=args.shortcut,
                         num_classes=args.num_classes) for spec in specs]
    figure = plot_models(archs) if args.kind == "models" else plot(archs[0], args.kind)
    data = draw.to_bytes(figure, draw.FORMATS[Path(args.output).suffix.lower()])
    write_output(data, args.output,
                 protected=[path for spec in specs for path in model_sources(spec)])


def _report(args: argparse.Namespace) -> None:
    from ..api import explain
    from ..report import report_html

    if args.output is None and sys.stdout.isatty():
        raise UserError("report writes a whole HTML page, which a terminal would show as "
                        "its source", f"Give -o report.html, or send it to a file: "
                        f"resnet-explain report {args.spec} > report.html")
    with prints_to_stderr():
        arch = explain(args.spec, args.input, shortcut=args.shortcut,
                       num_classes=args.num_classes)
    write_output(report_html(arch), args.output, protected=model_sources(args.spec))


def _table1(args: argparse.Namespace) -> None:
    from ..paper import table1

    if args.cifar and args.models:
        raise UserError("--cifar chooses the models itself",
                        "Name the models or give --cifar, not both")
    format = args.format
    if format is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        format = TABLE1_SUFFIXES.get(suffix, "text")
    with prints_to_stderr():
        table = table1(args.models or None, cifar=args.cifar, input_size=args.input)
    protected = [path for spec in args.models for path in model_sources(spec)]
    from ..render.width import output_width

    write_output(table.render(format, output_width(args.width, args.output)), args.output,
                 protected=protected)


EXERCISES_SUFFIXES = {".ipynb": "notebook", ".md": "markdown", ".markdown": "markdown",
                      ".html": "html", ".htm": "html", ".txt": "text"}
EXERCISES_DESCRIPTION = """\
Questions with answer keys made from a trace: the output size of a layer, which weighted
layers the depth leaves out, a convolution's parameters, why a block projects its shortcut,
the receptive field after a stage, v1 against v1.5 multiply-adds. Each answer comes with its
worked derivation; the same --seed gives the same questions. Without --answers the answers
are left out (a class's copy); with -o FILE.ipynb a notebook with an empty cell after each
question (and, with --answers, the answer hidden below it).

examples:
  resnet-explain exercises resnet18 -n 8 --seed 1
  resnet-explain exercises resnet18 -n 8 --seed 1 -o class.ipynb
  resnet-explain exercises resnet18 -n 8 --seed 1 -o teacher.ipynb --answers
  resnet-explain exercises resnet50 --kind v1-vs-v1.5 --kind receptive-field --answers
"""


def _add_exercises_command(commands: argparse._SubParsersAction) -> None:
    from ..exercises import KINDS  # imports nothing heavy

    parser = commands.add_parser(
        "exercises", help="questions with answer keys made from a trace (text, Markdown, "
                          "a notebook)",
        description=EXERCISES_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(parser)
    parser.add_argument("-n", "--number", metavar="N", type=positive_int, default=8,
                        help="how many questions (default: 8)")
    parser.add_argument("--seed", metavar="S", type=int, default=0,
                        help="which questions: the same seed gives the same ones (default: 0)")
    parser.add_argument("--kind", "-k", choices=KINDS, action="append", default=None,
                        help="only this kind of question (repeat for several; default: all)")
    parser.add_argument("--answers", action="store_true",
                        help="include the answers and their derivations (the teacher's copy)")
    parser.add_argument("--compare", metavar="OTHER", default=None,
                        help="the same network in the other Bottleneck layout, for the "
                             "v1-vs-v1.5 question (default: the zoo twin of a zoo network)")
    parser.add_argument("--format", "-f", choices=("text", "markdown", "html", "notebook"),
                        default=None,
                        help="default: from the suffix of --output (.ipynb, .md, .html, "
                             ".txt), else text")
    parser.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="write to FILE (.ipynb for a notebook) instead of standard output")
    parser.set_defaults(run=_exercises)


def _exercises(args: argparse.Namespace) -> None:
    import sys

    from ..api import explain
    from ..exercises import render

    format = exercises_format(args.format, args.output)  # before tracing
    with prints_to_stderr():
        arch = explain(args.spec, args.input, shortcut=args.shortcut,
                       num_classes=args.num_classes)
        other = explain(args.compare, args.input) if args.compare is not None else None
    sheet = arch.exercises(n=args.number, seed=args.seed, kinds=args.kind, other=other)
    if len(sheet) < args.number:
        print(_("note: {model} offers {count} different questions of these kinds, not "
                "{wanted}", model=arch.model, count=len(sheet), wanted=args.number),
              file=sys.stderr)
    if format == "notebook":
        text = render.notebook_text(sheet, args.answers, _trace_code(args))
    elif format == "markdown":
        text = sheet.markdown(args.answers)
    elif format == "html":
        text = render.page(sheet, args.answers)
    else:
        text = sheet.text(args.answers)
    protected = model_sources(args.spec)
    if args.compare is not None:
        protected += model_sources(args.compare)
    write_output(text, args.output, protected=protected)


def exercises_format(format: str | None, output: str | None) -> str:
    """``--format`` when given, else the one the output file's suffix names, else text; the
    suffix of another kind of file (``.png``, ``.json``) is refused."""

    if format is not None:
        return format
    suffix = Path(output).suffix.lower() if output else ""
    if suffix not in EXERCISES_SUFFIXES and suffix not in TEXT_SUFFIXES:
        raise UserError(f"exercises writes text, Markdown, HTML or a notebook, not a {suffix} "
                        f"file", "Name the file .txt, .md, .html or .ipynb, or give --format")
    return EXERCISES_SUFFIXES.get(suffix, "text")


def _trace_code(args: argparse.Namespace) -> str:
    """The notebook's first code cell: the Python that traces what the command traced (in
    the language of the command's output, ``lang="zh"``, when that is not English)."""
    lang = language()
    options = "".join(f", {name}={value!r}" for name, value in (
        ("input_size", args.input), ("shortcut", args.shortcut),
        ("num_classes", args.num_classes), ("lang", None if lang == "en" else lang))
        if value is not None)
    return (f"from resnet_explain import explain\n\n"
            f"arch = explain({args.spec!r}{options})\narch")
