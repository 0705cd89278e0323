"""The names a user chooses among — each view's formats, the table's depths — defined once.

The views check a choice against these, and the command line offers them; this module
imports nothing, so ``resnet-explain --help`` can list them without loading a view.
"""

#: ``summary`` / ``arch.render``: the layer table's formats.
TABLE_FORMATS = ("text", "markdown", "html", "json", "csv")
#: How deep the layer table goes: one row per stage, per block, or per layer.
DEPTHS = ("stage", "block", "layer")
#: ``compare`` / ``check``: the comparison's formats (its picture is a diagram).
COMPARE_FORMATS = ("text", "markdown", "html", "json")
#: ``table1``: the paper's Table 1, also as LaTeX.
TABLE1_FORMATS = ("text", "markdown", "html", "latex", "json")
#: The kinds of difference a comparison records (``compare.differences.WHAT`` describes each),
#: also the words ``check --allow`` accepts.
DIFFERENCES = ("blocks", "missing_layer", "extra_layer", "kernel", "stride", "padding",
               "dilation", "groups", "channels", "bias", "norm", "activation", "shortcut",
               "pooling", "head", "input_channels", "classes")
