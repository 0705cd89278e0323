"""The article a message puts before a number or a name, as the words sound."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from resnet_explain import explain
from resnet_explain.errors import TraceFailure
from resnet_explain.words import a_or_an


@pytest.mark.parametrize(("text", "said"), [
    ("8-channel", "an 8-channel"),      # eight
    ("11×11", "an 11×11"),              # eleven
    ("18", "an 18"),                    # eighteen
    ("80×80", "an 80×80"),              # eighty
    ("800", "an 800"),                  # eight hundred
    ("18000", "an 18000"),              # eighteen thousand
    ("8192-channel", "an 8192-channel"),  # eight thousand …
    ("16×16", "a 16×16"),
    ("110", "a 110"),                   # one hundred and ten
    ("1800", "a 1800"),                 # one thousand eight hundred
    ("1", "a 1"),
    ("AvgPool2d", "an AvgPool2d"),
    ("Identity", "an Identity"),
    ("int", "an int"),
    ("ReLU", "a ReLU"),
    ("Conv2d", "a Conv2d"),
])
def test_the_article_follows_the_sound(text: str, said: str) -> None:
    assert a_or_an(text) == said


class _Unprojected(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + x


def test_a_lesson_says_an_8_channel_main_path() -> None:
    with pytest.raises(TraceFailure) as caught:
        explain(_Unprojected(), (1, 3, 32, 32))
    assert ("The forward adds an 8-channel 16×16 main path to a 3-channel 32×32 shortcut"
            in str(caught.value))
