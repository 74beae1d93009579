"""Fixtures of the ported ic-hs scenarios: a fresh IC and the `Ref` harness."""

from __future__ import annotations

import pytest

from pyic.testing import PocketIC

from harness import DEFAULT_USER, Ref


@pytest.fixture
def ref() -> Ref:
    pic = PocketIC()
    pic.set_sender(DEFAULT_USER)
    return Ref(pic)
