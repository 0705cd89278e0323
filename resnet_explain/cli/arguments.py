"""The arguments every model-reading command shares, and the imports a command settles
before it traces."""

from __future__ import annotations

import argparse


# --- arguments --------------------------------------------------------------------------
def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        help="a zoo name (resnet50, see 'list'), pkg.module:callable, path/to/file.py:callable, "
             "a weights file of a zoo model (model.pth), or a Hugging Face model folder or "
             "Hub id already in the local cache (microsoft/resnet-50; needs transformers or "
             "timm)",
    )
    parser.add_argument(
        "--input", "-i", metavar="SIZE", default=None,
        help="input size C×H×W or N×C×H×W, e.g. 3x224x224 (default: the zoo model's own, "
             "else 3x224x224); C×L for a model of Conv1d layers, C×D×H×W for Conv3d, F for "
             "one without convolutions; N×L where the forward adds the channel axis itself",
    )
    parser.add_argument(
        "--shortcut", choices=("A", "B", "C"), default=None,
        help="zoo models only: A zero-padded identity, B projection where shapes change "
             "(ImageNet default), C projection on every block",
    )
    parser.add_argument(
        "--classes", metavar="N", type=positive_int, default=None, dest="num_classes",
        help="zoo models only: the fc's outputs, e.g. 100 for CIFAR-100 (default: 1000 for "
             "ImageNet, 10 for CIFAR)",
    )


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def settle_imports(as_program: bool) -> None:
    """Import torch and, when this process is the command, take everything imported so far
    out of the cyclic collector's view.

    A command runs once and exits. The objects that ``import torch`` creates (hundreds of
    thousands) live until then anyway, but every full collection on the way — a model build
    and a trace allocate enough to trigger several — would walk all of them: about a quarter
    of a cold ``summary resnet152`` beyond ``import torch``. ``gc.freeze`` leaves the
    collector working on what the command itself creates. ``as_program``: ``main()`` read
    ``sys.argv``, so this process is the command; ``main(argv)`` called from Python (tests, a
    notebook) leaves the caller's collector alone.
    """
    import gc

    import torch  # noqa: F401  (what the freeze is for)

    if as_program:
        gc.freeze()


#: ``--width``'s help, the same on every command that prints a text table.
WIDTH_HELP = ("lay the text out in N columns (at least 40): columns fold under their row, "
              "notes wrap (default: the terminal's width, else $COLUMNS, else no limit; "
              "a file named by -o only with --width)")


def add_width_argument(parser: argparse.ArgumentParser) -> None:
    """``--width N`` (see :func:`resnet_explain.render.width.output_width`)."""
    parser.add_argument("--width", metavar="N", type=_columns, default=None,
                        help=WIDTH_HELP)


def _columns(text: str) -> int:
    from ..render.width import parse_width  # only when --width is given: --help stays light

    try:
        return parse_width(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
