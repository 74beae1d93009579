"""Ports of ic-hs Spec.hs scenarios about System API calls a canister makes
for itself: "stable memory", "64 bit stable memory", "time",
"is_controller system API", "debug facilities" and the canister-level parts
of "query" (interface spec "System API imports", "Stable memory", "Time",
"Query call")."""

from __future__ import annotations

import pytest

from pyic.universal import (
    bad_print, cat, debug_print, get_global, get_time, i2b, i64tob, ignore, int_, int64,
    is_controller, noop, on_pre_upgrade, callback, reply, reply_data, set_global, stable64_grow,
    stable64_read, stable64_size, stable64_write, stable_grow, stable_read, stable_size,
    stable_write, trap,
)
from _b_helpers import SPEC_ROOT
from _b_helpers import RefB
from harness import DEFAULT_USER, as_2word64, as_word32, is_reject, ref_test

HARNESS = RefB  # the harness conftest.py's ref fixture builds

R = SPEC_ROOT


# ------------------------------------------------------------------ stable memory


@ref_test(R + "stable memory")
def test_stable_memory(ref):
    cid = ref.install(noop)

    # Stable mem size is zero
    assert ref.query(cid, reply_data(i2b(stable_size))) == b"\0\0\0\0"
    # Writing stable memory (failing): out of bounds of an empty memory
    is_reject([5], ref.call_(cid, stable_write(int_(0), b"FOO")))
    # Set stable mem (failing, query)
    is_reject([5], ref.query_(cid, stable_write(int_(0), b"FOO")))
    # Growing stable memory: the old size is returned
    assert ref.call(cid, reply_data(i2b(stable_grow(int_(1))))) == b"\0\0\0\0"
    # Growing stable memory again
    assert ref.call(cid, reply_data(i2b(stable_grow(int_(1))))) == b"\1\0\0\0"
    # Growing stable memory in query (the growth is not kept)
    assert ref.query(cid, reply_data(i2b(stable_grow(int_(1))))) == b"\2\0\0\0"
    # Stable mem size is two
    assert ref.query(cid, reply_data(i2b(stable_size))) == b"\2\0\0\0"
    # Try growing stable memory beyond 4GiB: the 32-bit API answers -1
    assert ref.call(cid, reply_data(i2b(stable_grow(int_(65535))))) == b"\xff\xff\xff\xff"
    # Writing stable memory
    ref.call_unit(cid, stable_write(int_(0), b"FOO") >> reply)
    # Writing stable memory (query): allowed, and dropped afterwards
    ref.query_unit(cid, stable_write(int_(0), b"BAR") >> reply)
    # Reading stable memory
    assert ref.call(cid, reply_data(stable_read(int_(0), int_(3)))) == b"FOO"


@ref_test(R + "64 bit stable memory")
def test_64_bit_stable_memory(ref):
    cid = ref.install(noop)
    u64 = lambda n: n.to_bytes(8, "little")  # noqa: E731

    # Stable mem size is zero
    assert ref.query(cid, reply_data(i64tob(stable64_size))) == u64(0)
    # Writing stable memory (failing)
    is_reject([5], ref.call_(cid, stable64_write(int64(0), b"FOO")))
    # Set stable mem (failing, query)
    is_reject([5], ref.query_(cid, stable64_write(int64(0), b"FOO")))
    # Growing stable memory
    assert ref.call(cid, reply_data(i64tob(stable64_grow(int64(1))))) == u64(0)
    # Growing stable memory again
    assert ref.call(cid, reply_data(i64tob(stable64_grow(int64(1))))) == u64(1)
    # Growing stable memory in query
    assert ref.query(cid, reply_data(i64tob(stable64_grow(int64(1))))) == u64(2)
    # Stable mem size is two, seen by both APIs
    assert ref.query(cid, reply_data(i2b(stable_size))) == b"\2\0\0\0"
    assert ref.query(cid, reply_data(i64tob(stable64_size))) == u64(2)
    # Writing stable memory
    ref.call_unit(cid, stable64_write(int64(0), b"FOO") >> reply)
    # Writing stable memory (query)
    ref.query_unit(cid, stable64_write(int64(0), b"BAR") >> reply)
    # Reading stable memory, with both APIs
    assert ref.call(cid, reply_data(stable64_read(int64(0), int64(3)))) == b"FOO"
    assert ref.call(cid, reply_data(stable_read(int_(0), int_(3)))) == b"FOO"
    # Writing in 32 bit mode
    ref.call_unit(cid, stable_write(int_(0), b"BAR") >> reply)
    # Reading back in 64 bit mode
    assert ref.call(cid, reply_data(stable64_read(int64(0), int64(3)))) == b"BAR"
    # Growing stable memory beyond 4GiB
    assert ref.call(cid, reply_data(i64tob(stable64_grow(int64(65535))))) == u64(2)
    assert ref.query(cid, reply_data(i64tob(stable64_size))) == u64(0x10001)
    # Using 32 bit API with large stable memory: every call traps
    is_reject([5], ref.query_(cid, ignore(stable_size)))
    is_reject([5], ref.query_(cid, ignore(stable_grow(int_(1)))))
    is_reject([5], ref.query_(cid, stable_write(int_(0), b"BAZ")))
    is_reject([5], ref.query_(cid, ignore(stable_read(int_(0), int_(3)))))
    # Using 64 bit API with large stable memory
    assert ref.call(cid, reply_data(i64tob(stable64_grow(int64(1))))) == u64(0x10001)
    assert ref.query(cid, reply_data(i64tob(stable64_size))) == u64(0x10002)
    assert ref.call(cid, reply_data(stable64_read(int64(0), int64(3)))) == b"BAR"
    ref.call_unit(cid, stable64_write(int64(0), b"BAZ") >> reply)
    assert ref.call(cid, reply_data(stable64_read(int64(0), int64(3)))) == b"BAZ"


# ------------------------------------------------------------------ time


def get_time_twice():
    """``getTimeTwice``: ic0.time read twice in one execution."""
    return cat(i64tob(get_time), i64tob(get_time))


def both_same(pair) -> None:
    """``bothSame``: time does not move within one execution."""
    a, b = pair
    assert a == b


@ref_test(R + "time/in query")
def test_time_in_query(ref):
    cid = ref.install(noop)
    both_same(as_2word64(ref.query(cid, reply_data(get_time_twice()))))


@ref_test(R + "time/in update")
def test_time_in_update(ref):
    cid = ref.install(noop)
    both_same(as_2word64(ref.call(cid, reply_data(get_time_twice()))))


@ref_test(R + "time/in install")
def test_time_in_install(ref):
    cid = ref.install(set_global(get_time_twice()))
    both_same(as_2word64(ref.query(cid, reply_data(get_global))))


@ref_test(R + "time/in pre_upgrade")
def test_time_in_pre_upgrade(ref):
    cid = ref.install(ignore(stable_grow(int_(1)))
                      >> on_pre_upgrade(callback(stable_write(int_(0), get_time_twice()))))
    ref.upgrade(cid, noop)
    both_same(as_2word64(ref.query(cid, reply_data(stable_read(int_(0), int_(2 * 8))))))


@ref_test(R + "time/in post_upgrade")
def test_time_in_post_upgrade(ref):
    cid = ref.install(noop)
    ref.upgrade(cid, set_global(get_time_twice()))
    both_same(as_2word64(ref.query(cid, reply_data(get_global))))


# ------------------------------------------------------------------ is_controller


IC = R + "is_controller system API/"


@pytest.mark.parametrize("principal, expected", [
    pytest.param(DEFAULT_USER, 1, marks=ref_test(IC + "argument is controller"),
                 id="controller"),
    pytest.param(b"", 0, marks=ref_test(IC + "argument is not controller"),
                 id="not-controller"),
    pytest.param(bytes(29), 0, marks=ref_test(IC + "argument is a valid principal"),
                 id="valid-principal"),
])
def test_is_controller(ref, principal, expected):
    cid = ref.install(noop)
    assert as_word32(ref.query(cid, reply_data(i2b(is_controller(principal))))) == expected


@ref_test(IC + "argument is not a valid principal")
def test_is_controller_invalid_principal(ref):
    # Principals are at most 29 bytes: ic0.is_controller traps on 30.
    cid = ref.install(noop)
    is_reject([5], ref.query_(cid, reply_data(i2b(is_controller(bytes(30))))))


# ------------------------------------------------------------------ debug facilities


@ref_test(R + "debug facilities/Using debug_print")
def test_debug_print(ref):
    cid = ref.install(noop)
    ref.call_unit(cid, debug_print(b"ic-ref-test print") >> reply)


@ref_test(R + "debug facilities/Using debug_print (query)")
def test_debug_print_query(ref):
    cid = ref.install(noop)
    ref.query_unit(cid, debug_print(b"ic-ref-test print") >> reply)


@ref_test(R + "debug facilities/Using debug_print with invalid bounds")
def test_debug_print_invalid_bounds(ref):
    # ic0.debug_print never traps, even on a range outside memory.
    cid = ref.install(noop)
    ref.query_unit(cid, bad_print >> reply)


@ref_test(R + "debug facilities/Explicit trap")
def test_explicit_trap(ref):
    cid = ref.install(noop)
    is_reject([5], ref.call_(cid, trap(b"trapping")))


@ref_test(R + "debug facilities/Explicit trap (query)")
def test_explicit_trap_query(ref):
    cid = ref.install(noop)
    is_reject([5], ref.query_(cid, trap(b"trapping")))


# ------------------------------------------------------------------ query


@ref_test(R + "query/non-existing (deleted) canister")
def test_query_deleted_canister(ref):
    cid = ref.install(noop)
    ref.ic_stop_canister(ref.ic00, cid)
    ref.ic_delete_canister(ref.ic00, cid)
    is_reject([3], ref.query_(cid, reply))


@ref_test(R + "query/does not commit")
def test_query_does_not_commit(ref):
    cid = ref.install(noop)
    ref.call_unit(cid, set_global(b"FOO") >> reply)
    assert ref.query(cid, set_global(b"BAR") >> reply_data(get_global)) == b"BAR"
    assert ref.query(cid, reply_data(get_global)) == b"FOO"
