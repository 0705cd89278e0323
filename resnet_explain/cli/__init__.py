"""``resnet-explain``: the command line.

``main.py`` builds the parser and runs ``summary``, ``diagram`` and ``list``; ``views.py``
adds the teaching views (``table1``, ``plot``, ``report``, ``exercises``) and ``compare.py``
``compare`` and ``check``. ``arguments.py`` holds the arguments they share and ``output.py``
the one writer. Nothing here imports torch at import time: ``--help`` and ``list`` start fast.
"""

from .main import build_parser, main, summary_format

__all__ = ["build_parser", "main", "summary_format"]
