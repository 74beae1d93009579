"""The IC state's cheap updates: `state.evolve` gives what `attrs.evolve` gives,
`CallContexts` behaves as the dict it replaces (and keeps its index right), and
`StableMemory`'s one-page path reads and writes what the general path does."""

import pickle

import attrs
import pytest
from ic_helpers import spec

from pyic.errors import Trap
from pyic.ic.state import (
    S, CallContexts, CallCtxt, Canister, Expired, FromCanister, FromSystemTask, FromUser,
    Received, Request, evolve, replace_in, delete_from,
)
from pyic.ic.system_api.images import PAGE, PagedBlob, StableMemory


def _ctxt(origin, needs_to_respond=True, canister=b"c"):
    return CallCtxt(canister=canister, origin=origin, needs_to_respond=needs_to_respond,
                    deleted=False, available_cycles=7)


@spec("The system state")
def test_evolve_matches_attrs():
    c = Canister(b"x", balance=5, controllers=frozenset({b"a"}))
    for changes in ({}, {"balance": 9}, {"balance": 1, "time": 3, "canister_version": 2}):
        assert evolve(c, **changes) == attrs.evolve(c, **changes)
    s = S(next_call_id=4)
    assert evolve(s, next_call_id=5) == attrs.evolve(s, next_call_id=5)
    assert evolve(Received()) == Received()                     # no fields: attrs does it
    assert evolve(Expired(3), timestamp=4) == Expired(4)        # one field
    with pytest.raises(TypeError):
        evolve(c, no_such_field=1)


@spec("The system state")
def test_call_contexts_is_the_dict_it_replaces():
    a = _ctxt(FromUser(Request(b"n", 1, b"s", b"c", "m", b"")))
    b = _ctxt(FromSystemTask(), needs_to_respond=False)
    plain = {3: a, 200: b, 64: a}
    m = CallContexts(plain)
    assert m == plain and plain == m and m != {3: a}
    assert len(m) == 3 and 64 in m and 65 not in m and None not in m
    assert list(m) == [3, 64, 200]                  # ids ascending, as fresh ids fill a dict
    assert m.items() == [(3, a), (64, a), (200, b)] and m.values() == [a, a, b]
    assert m.get(5) is None and m.get("x", 1) == 1
    with pytest.raises(KeyError):
        m[5]
    assert pickle.loads(pickle.dumps(m)) == m
    m2 = replace_in(m, 5, b)
    assert m == plain and m2 == {**plain, 5: b}     # the old map is a value
    m3 = delete_from(m2, 200)
    assert m3 == {3: a, 64: a, 5: b} and m2 == {**plain, 5: b}
    assert delete_from(m3, 999) == m3
    assert S(call_contexts=plain).call_contexts == m    # S takes a dict and converts it


@spec("Call context removal")
def test_call_contexts_waiting_index():
    owed = _ctxt(FromCanister(calling_context=1, callback=None, deadline=None))
    expired = _ctxt(FromCanister(calling_context=2, callback=None, deadline=Expired(5)))
    m = CallContexts({1: _ctxt(FromSystemTask()), 10: owed, 11: owed, 12: expired})
    assert m.waiting(1) and not m.waiting(2) and not m.waiting(10)
    m = m.set(10, evolve(owed, needs_to_respond=False))      # 10 answered: 11 still owes 1
    assert m.waiting(1)
    m = m.remove(11)
    assert not m.waiting(1)
    m = m.set(11, owed).set(11, owed)                        # replacing keeps one count
    assert m.waiting(1)
    assert not m.remove(11).waiting(1)
    assert CallContexts(m.items()).waiting(1)                 # rebuilt from its entries


@spec("Abstract Canisters to System API")
def test_stable_memory_one_page_and_spanning_paths_agree():
    base = PagedBlob.of(bytes(range(256)) * (3 * PAGE // 256))
    one, many = StableMemory(base), StableMemory(base)
    writes = [(10, b"abc"), (PAGE - 2, b"wxyz"), (2 * PAGE - 1, b"Q"), (5, b"")]
    for offset, data in writes:
        one.write(offset, data)
        for i, byte in enumerate(data):        # the same, a byte at a time
            many.write(offset + i, bytes([byte]))
    assert one.freeze() == many.freeze()
    for offset, n in [(0, 20), (PAGE - 3, 6), (2 * PAGE - 1, 1), (7, 0)]:
        assert one.read(offset, n) == bytes(many.freeze())[offset:offset + n]
    empty = StableMemory(base)
    empty.write(3 * PAGE, b"")                 # nothing written, no page copied
    assert empty.freeze() is base
    with pytest.raises(Trap):
        empty.write(3 * PAGE, b"x")
