"""5.2 values: LEB128 integers, floats, names and vector lengths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyic.errors import MalformedError
from pyic.wasm.binary import reader as R
from pyic.wasm.binary.encode import s as enc_s
from pyic.wasm.binary.encode import u as enc_u


def read(fn, data: bytes):
    r = R.Reader(data)
    value = fn(r)
    return value, r.pos


def fails(fn, data: bytes) -> MalformedError:
    with pytest.raises(MalformedError) as info:
        fn(R.Reader(data))
    return info.value


@pytest.mark.parametrize("data, value, used", [
    (b"\x00", 0, 1),
    (b"\x7f", 127, 1),
    (b"\x80\x01", 128, 2),
    (b"\xe5\x8e\x26", 624485, 3),
    (b"\x80\x80\x80\x80\x00", 0, 5),          # redundant bytes are fine
    (b"\xff\xff\xff\xff\x0f", 0xFFFFFFFF, 5),
    (b"\x03\x99", 3, 1),                       # stops at the first byte without bit 7
])
def test_u32(data, value, used):
    assert read(R.u32, data) == (value, used)


@pytest.mark.parametrize("data, message, offset", [
    (b"\xff\xff\xff\xff\x1f", "integer too large", 4),             # bit 32 set
    (b"\x80\x80\x80\x80\x10", "integer too large", 4),
    (b"\x80\x80\x80\x80\x80\x00", "integer representation too long", 5),
    (b"\x80\x80", "unexpected end of section or function", 2),
    (b"", "unexpected end of section or function", 0),
])
def test_u32_errors(data, message, offset):
    e = fails(R.u32, data)
    assert e.message == message
    assert e.position.offset == offset


@pytest.mark.parametrize("data, value", [
    (b"\x7f", -1),
    (b"\x40", -64),
    (b"\x3f", 63),
    (b"\xc0\x00", 64),
    (b"\x80\x7f", -128),
    (b"\xff\xff\xff\xff\x07", 0x7FFFFFFF),
    (b"\x80\x80\x80\x80\x78", -0x80000000),
    (b"\xff\xff\xff\xff\x7f", -1),            # redundant sign bytes are fine
])
def test_s32(data, value):
    assert read(R.s32, data)[0] == value


@pytest.mark.parametrize("data", [
    b"\xff\xff\xff\xff\x0f",   # unused bits 0 but the sign bit 1: 2**32 - 1 does not fit
    b"\x80\x80\x80\x80\x70",   # unused bits 1 with sign bit 0
    b"\xff\xff\xff\xff\x4f",
])
def test_s32_too_large(data):
    assert fails(R.s32, data).message == "integer too large"


def test_s33_and_s64_widths():
    assert read(R.s33, b"\xff\xff\xff\xff\x0f")[0] == 0xFFFFFFFF
    assert read(R.s64, b"\xff" * 9 + b"\x7f")[0] == -1
    assert read(R.s64, b"\x80" * 9 + b"\x7f")[0] == -(1 << 63)
    assert fails(R.s64, b"\x80" * 9 + b"\x01").message == "integer too large"
    assert fails(R.s64, b"\x80" * 10 + b"\x00").message == "integer representation too long"
    assert read(R.u64, b"\xff" * 9 + b"\x01")[0] == (1 << 64) - 1
    assert fails(R.u64, b"\xff" * 9 + b"\x02").message == "integer too large"


@given(st.integers(0, (1 << 64) - 1))
def test_u64_round_trip(x):
    assert read(R.u64, enc_u(x, 64)) == (x, len(enc_u(x, 64)))


@given(st.integers(-(1 << 63), (1 << 63) - 1))
def test_s64_round_trip(x):
    data = enc_s(x, 64)
    assert read(R.s64, data) == (x, len(data))


@given(st.integers(-(1 << 31), (1 << 31) - 1))
def test_s32_round_trip_and_minimal(x):
    data = enc_s(x, 32)
    assert read(R.s32, data) == (x, len(data))
    minimal = next(n for n in range(1, 6) if -(1 << (7 * n - 1)) <= x < (1 << (7 * n - 1)))
    assert len(data) == minimal


def test_floats_are_bit_patterns():
    assert read(R.f32, b"\x00\x00\xc0\x7f")[0] == 0x7FC00000
    assert read(R.f64, b"\x01\x00\x00\x00\x00\x00\xf0\x7f")[0] == 0x7FF0000000000001
    assert read(R.v128, bytes(range(16)))[0] == int.from_bytes(bytes(range(16)), "little")
    assert read(R.v128, b"\x01" + b"\x00" * 15)[0] == 1  # byte 0 is the low byte
    assert fails(R.f64, b"\x00" * 7).message == "unexpected end of section or function"


def test_names():
    assert read(R.name, b"\x03abc") == ("abc", 4)
    assert read(R.name, b"\x03\xe2\x8c\xa3")[0] == "\u2323"
    assert read(R.name, b"\x00")[0] == ""
    for bad in (b"\x01\x80", b"\x02\xc0\x80", b"\x03\xed\xa0\x80", b"\x04\xf4\x90\x80\x80",
                b"\x01\xff"):
        e = fails(R.name, bad)
        assert e.message == "malformed UTF-8 encoding"
        assert e.position.offset == 0


def test_length_out_of_bounds():
    # the bound counts the bytes from the length itself, as the reference interpreter does
    assert read(R.len32, b"\x02\x00") == (2, 1)
    assert fails(R.len32, b"\x03\x00").message == "length out of bounds"
    assert fails(R.name, b"\x05ab").message == "length out of bounds"
    assert fails(R.string, b"\x02a").message == "unexpected end of section or function"
