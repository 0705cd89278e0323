"""Where a model comes from: a spec on the command line or to :func:`~resnet_explain.explain`
(a zoo name, ``file.py:Class``, ``package.module:factory``), a weights file, a Hugging Face
folder, and the input size it is traced at.

Nothing here traces: this package ends with an ``nn.Module`` and an input shape, which
:mod:`resnet_explain.trace` takes from there.
"""
