"""Fixtures of the ported ic-hs scenarios: a fresh IC and the `Ref` harness."""

from __future__ import annotations

import pytest

from pyic.testing import PocketIC

from harness import DEFAULT_USER, Ref


@pytest.fixture
def ref(request: pytest.FixtureRequest) -> Ref:
    """A fresh IC behind the harness a module names as ``HARNESS`` (the B scenarios'
    `_b_helpers.RefB`), else `Ref`."""
    pic = PocketIC()
    pic.set_sender(DEFAULT_USER)
    return getattr(request.module, "HARNESS", Ref)(pic)
