"""Write tests/fixtures/torchvision_resnets.json: torchvision's ResNet state-dict shapes.

Run by hand, in an environment that has torchvision (the project and its tests never need it):

    /tmp/tvenv/bin/python scripts/make_torchvision_fixture.py

The models are built with ``weights=None``: nothing is downloaded. The JSON holds, for
resnet18 … resnet152, the parameter count and every state-dict key (in order) with its shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torchvision
from torchvision import models

NAMES = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torchvision_resnets.json"


def describe(name: str) -> dict[str, object]:
    """Parameter count and ``{key: shape}`` of one torchvision model, built on the meta device."""
    with torch.device("meta"):
        model = getattr(models, name)(weights=None)
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "state_dict": {key: list(value.shape) for key, value in model.state_dict().items()},
    }


def render(data: dict[str, object]) -> str:
    """JSON with one state-dict key per line (diff-friendly) and each shape on its line."""
    lines = [
        "{",
        f'  "generated_by": {json.dumps(data["generated_by"])},',
        f'  "torch": {json.dumps(data["torch"])},',
        f'  "torchvision": {json.dumps(data["torchvision"])},',
        '  "models": {',
    ]
    model_entries = []
    for name, entry in data["models"].items():  # type: ignore[attr-defined]
        keys = [
            f"        {json.dumps(key)}: {json.dumps(shape)}"
            for key, shape in entry["state_dict"].items()
        ]
        model_entries.append(
            f"    {json.dumps(name)}: {{\n"
            f'      "params": {entry["params"]},\n'
            '      "state_dict": {\n' + ",\n".join(keys) + "\n      }\n    }"
        )
    lines.append(",\n".join(model_entries))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    data = {
        "generated_by": "scripts/make_torchvision_fixture.py",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "models": {name: describe(name) for name in NAMES},
    }
    text = render(data)
    assert json.loads(text) == data  # the hand-made layout is valid JSON with the same content
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    for name, entry in data["models"].items():
        print(f"{name}: {entry['params']:,} parameters, {len(entry['state_dict'])} keys")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
