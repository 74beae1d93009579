"""Small helpers shared by the IC conformance tests."""

from __future__ import annotations

import pytest

from pyic.errors import Reject
from pyic.ic import scheduler
from pyic.universal import get_global, reply_data

spec = pytest.mark.spec


def reject_of(fn, *args, **kwargs) -> Reject:
    """The `Reject` ``fn`` raises (fails the test if it returns)."""
    with pytest.raises(Reject) as info:
        fn(*args, **kwargs)
    return info.value


def global_of(pic, cid) -> bytes:
    return pic.universal_query(cid, reply_data(get_global))


def steps(pic, n: int = 1) -> int:
    """Apply up to ``n`` scheduler steps (no round); how many applied."""
    done = 0
    for _ in range(n):
        nxt = scheduler.step(pic.ic.state, pic.ic.cfg)
        if nxt is None:
            break
        pic.ic.state = nxt
        done += 1
    return done


def run_idle(pic) -> None:
    pic.ic.state = scheduler.run_until_idle(pic.ic.state, pic.ic.cfg)
