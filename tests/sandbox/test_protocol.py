"""The wire format (pyic.sandbox.protocol): values round-trip; anything that is
not a value of the grammar is refused, never built."""

from __future__ import annotations

import io
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyic.ic.canister import (
    CallerInfo,
    Env,
    MethodCall,
    RejectResponse,
    Reply,
    Trapped,
    UpdateReturn,
)
from pyic.ic.system_api.state import WasmCallback
from pyic.sandbox.protocol import (
    Execute,
    Held,
    ProtocolError,
    decode,
    encode,
    read_frame,
    write_frame,
)

leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-(1 << 300),
                   max_value=1 << 300), st.text(), st.binary())
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4).map(tuple), st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.integers(), st.text()), inner, max_size=4),
    st.frozensets(st.integers(), max_size=4)), max_leaves=20)


@given(values)
def test_values_round_trip(value):
    assert decode(encode(value)) == value


def test_records_round_trip():
    env = Env(time=5, controllers=(b"\x01",), global_timer=0, balance=1 << 100,
              certificate=b"cert", environment_variables=(("A", "b"),))
    call = MethodCall(b"\x02", "m", b"arg", 7, WasmCallback((1, 2), (3, 4), None), 30)
    ret = UpdateReturn(Held(3), (call,), b"data", None, RejectResponse(4, "no", "IC0406"), 0, 10,
                       (b"log",))
    req = Execute("update", "go", Held(1), 1, 2, (b"arg", CallerInfo(b"c"), None, env, 0), {})
    for v in (env, call, ret, req, Trapped(1, "t"), Reply(b"")):
        assert decode(encode(v)) == v


@pytest.mark.parametrize(("data", "message"), [
    (b"Q", "unknown tag"),
    (b"N" + b"N", "bytes after the value"),
    (b"B\x05ab", "runs past the frame"),
    (b"R" + b"S\x0aSubprocess" + b"\x00", "unknown record"),
    (b"R" + b"S\x04Held" + b"\x02NN", "wrong fields"),
    (b"U\x01" * 100 + b"N", "nested too deeply"),
    (b"Z\x01L\x00", "not hashable"),
    (pickle.dumps(("update", b"x")), "unknown tag"),
])
def test_garbage_is_refused(data, message):
    with pytest.raises(ProtocolError, match=message):
        decode(data)


def test_unknown_types_are_not_sent():
    with pytest.raises(ProtocolError, match="cannot be sent"):
        encode(object())
    with pytest.raises(ProtocolError, match="cannot be sent"):
        encode(3.5)


def test_frames():
    stream = io.BytesIO()
    write_frame(stream, (1, b"x"))
    write_frame(stream, "two")
    stream.seek(0)
    assert read_frame(stream) == (1, b"x")
    assert read_frame(stream) == "two"
    with pytest.raises(EOFError):
        read_frame(stream)
    with pytest.raises(ProtocolError, match="a frame of"):
        read_frame(io.BytesIO(b"\xff" * 8))
