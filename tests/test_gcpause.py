"""The collector is paused while a trace or a view runs, and given back as it was."""

from __future__ import annotations

import gc

import pytest

from resnet_explain import explain
from resnet_explain.gcpause import collector_paused, without_collector


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_comes_back_as_it_was_also_after_an_error(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(ValueError), collector_paused():
            assert not gc.isenabled()
            raise ValueError("inside")
        assert gc.isenabled() is enabled

        @without_collector
        def seen() -> bool:
            return gc.isenabled()

        assert seen() is False and gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_view_builds_its_rows_paused_and_explain_gives_the_collector_back(monkeypatch):
    import resnet_explain.render as render

    seen: list[bool] = []
    build_table = render.build_table

    def watched(*args):
        seen.append(gc.isenabled())
        return build_table(*args)

    monkeypatch.setattr(render, "build_table", watched)
    arch = explain("resnet18")
    assert gc.isenabled()
    str(arch)
    assert seen == [False] and gc.isenabled()
