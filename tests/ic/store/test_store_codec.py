"""The value codec: every value of the format's grammar round-trips exactly, and
nothing outside it is written or read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.errors import ICError
from pyic.ic.canister import RejectResponse, Reply
from pyic.ic.state import CallCtxt, Expired, FromCanister, FromUser, Queue, Request, Stopping
from pyic.ic.store.codec import CorruptStore, dumps, loads
from pyic.ic.system_api.state import WasmCallback

spec = pytest.mark.spec

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**64),
                    st.text(max_size=20), st.binary(max_size=40))
hashable = st.recursive(scalars, lambda inner: st.one_of(
    st.tuples(inner, inner), st.frozensets(inner, max_size=3)), max_leaves=8)


def _records(inner):
    request = st.builds(Request, st.binary(max_size=8), st.integers(0, 2**64),
                        st.binary(max_size=29), st.binary(max_size=29), st.text(max_size=10),
                        st.binary(max_size=20))
    return st.one_of(
        request, st.builds(FromUser, request), st.builds(Reply, st.binary(max_size=20)),
        st.builds(RejectResponse, st.integers(1, 6), st.text(max_size=20),
                  st.one_of(st.none(), st.just("IC0503"))),
        st.builds(FromCanister, st.integers(0, 2**40),
                  st.builds(WasmCallback, st.tuples(st.integers(), st.integers()),
                            st.tuples(st.integers(), st.integers())),
                  st.one_of(st.none(), st.integers(0, 2**64), st.builds(Expired, st.integers()))),
        st.builds(Stopping, st.tuples(inner)),
        st.builds(Queue, st.one_of(st.just("system"), st.binary(max_size=10)),
                  st.binary(max_size=10)),
        st.builds(CallCtxt, st.binary(max_size=10), st.builds(FromUser, request), st.booleans(),
                  st.booleans(), st.integers(0, 2**128)))


values = st.recursive(
    st.one_of(scalars, hashable),
    lambda inner: st.one_of(
        st.tuples(inner, inner), st.lists(inner, max_size=3),
        st.dictionaries(hashable, inner, max_size=3), _records(inner)),
    max_leaves=12)


@spec("The system state")
@settings(max_examples=300, deadline=None)
@given(values)
def test_values_round_trip(value):
    back = loads(dumps(value))
    assert back == value and type(back) is type(value)
    assert dumps(back) == dumps(value)                 # one value, one text


@spec("The system state")
@pytest.mark.parametrize("value", [1.5, object(), {1, 2}, bytearray(b"x").decode, ICError],
                         ids=["float", "object", "set", "method", "class"])
def test_values_outside_the_format_are_not_written(value):
    with pytest.raises(ICError) as info:
        dumps((b"ok", value))
    assert "not part of the state format" in str(info.value) or "cannot store" in str(info.value)


@spec("The system state")
@pytest.mark.parametrize("text", [
    '{"record": "Reply", "fields": {"data": {"bytes": ""}}, "extra": 1}',
    '{"record": "CorruptStore", "fields": {}}',
    '{"record": "__main__.Reply", "fields": {"data": {"bytes": ""}}}',
    '{"dict": [[[1], 2], [{"list": [1]}, 3]]}',
    '{"set": [{"list": []}]}',
    'NaN', '1e400', '"\\ud800" garbage', b'{"bytes": ""}',
], ids=["extra-key", "unregistered", "qualified-name", "list-key", "list-in-set", "nan",
        "float", "bad-json", "not-text"])
def test_text_outside_the_format_is_refused(text):
    with pytest.raises(CorruptStore):
        loads(text)


@spec("The system state")
def test_records_are_written_by_their_fixed_name():
    data = json.loads(dumps(Reply(b"\x00")))
    assert data == {"record": "Reply", "fields": {"data": {"bytes": "AA=="}}}
