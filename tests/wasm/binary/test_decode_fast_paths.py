"""The expression decoder's inlined short encodings (one- and two-byte LEB128
immediates, one-byte memargs) give exactly what the general readers give, on
both sides of every length boundary, minimal or not, in Wasm 3.0 and 2.0."""

from __future__ import annotations

import pytest

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module
from pyic.wasm.syntax import Instr, MemArg

HEADER = b"\x00asm\x01\x00\x00\x00"
TYPE_VOID = b"\x01\x04\x01\x60\x00\x00"    # (type (func))
ONE_FUNC = b"\x03\x02\x01\x00"             # one function of type 0

SIGNED = [0, 1, 63, 64, -1, -64, -65, 8191, 8192, -8192, -8193, 1 << 20, -(1 << 20),
          (1 << 31) - 1, -(1 << 31)]
UNSIGNED = [0, 1, 127, 128, 255, 16383, 16384, 1 << 20, (1 << 32) - 1]


def sleb(x: int) -> bytes:
    out = bytearray()
    while True:
        b = x & 0x7F
        x >>= 7
        if (x == 0 and not b & 0x40) or (x == -1 and b & 0x40):
            return bytes(out + bytes((b,)))
        out.append(b | 0x80)


def uleb(x: int) -> bytes:
    out = bytearray()
    while True:
        b = x & 0x7F
        x >>= 7
        if x == 0:
            return bytes(out + bytes((b,)))
        out.append(b | 0x80)


def sec(sid: int, content: bytes) -> bytes:
    return bytes((sid,)) + uleb(len(content)) + content


def code(body: bytes, locals_: bytes) -> bytes:
    entry = locals_ + body
    return sec(10, b"\x01" + uleb(len(entry)) + entry)


MEM = sec(5, b"\x01\x00\x01")          # one memory, min 1 page


def body(instrs: bytes, *extra: bytes, version: int = 3, locals_: bytes = b"\x00") -> tuple:
    data = HEADER + TYPE_VOID + ONE_FUNC + b"".join(extra) + code(instrs + b"\x0b",
                                                                    locals_=locals_)
    return decode_module(data, version).funcs[0].body


@pytest.mark.parametrize("version", [3, 2])
@pytest.mark.parametrize("x", SIGNED)
def test_integer_constants(x, version):
    got = body(b"\x41" + sleb(x) + b"\x1a" + b"\x42" + sleb(x) + b"\x1a", version=version)
    assert got[0] == Instr("i32.const", (x & 0xFFFFFFFF,))
    assert got[2] == Instr("i64.const", (x & 0xFFFFFFFFFFFFFFFF,))


@pytest.mark.parametrize("enc, value", [
    (b"\x80\x00", 0), (b"\xff\x7f", -1), (b"\xc0\x00", 64), (b"\xbf\x7f", -65),
    (b"\x80\x80\x00", 0), (b"\xff\xff\x7f", -1),
])
def test_constants_not_minimally_encoded(enc, value):
    got = body(b"\x41" + enc + b"\x1a" + b"\x42" + enc + b"\x1a")
    assert got[0].imm == (value & 0xFFFFFFFF,)
    assert got[2].imm == (value & 0xFFFFFFFFFFFFFFFF,)


def test_i64_constants_beyond_two_bytes():
    got = body(b"\x42" + sleb(-(1 << 63)) + b"\x1a" + b"\x42" + sleb((1 << 63) - 1) + b"\x1a")
    assert [i.imm for i in got[::2]] == [(1 << 63,), ((1 << 63) - 1,)]


@pytest.mark.parametrize("x", [0, 1, 127, 128, 16383, 16384, 20000])
def test_local_indices(x):
    locals_ = b"\x01" + uleb(x + 1) + b"\x7f"     # x + 1 locals of type i32
    assert body(b"\x20" + uleb(x) + b"\x1a", locals_=locals_)[0] == Instr("local.get", (x,))


def test_index_with_two_bytes_at_the_end_of_input():
    data = HEADER + TYPE_VOID + ONE_FUNC + sec(10, b"\x01\x04\x00\x20\x80")
    with pytest.raises(MalformedError):
        decode_module(data)


@pytest.mark.parametrize("version", [3, 2])
@pytest.mark.parametrize("align", [0, 2, 3, 31])
@pytest.mark.parametrize("offset", UNSIGNED)
def test_memargs(align, offset, version):
    got = body(b"\x41\x00" b"\x28" + bytes((align,)) + uleb(offset) + b"\x1a", MEM,
               version=version)
    assert got[1] == Instr("i32.load", (MemArg(align, offset, 0),))


def test_memarg_alignments_above_the_fast_path():
    # 3.0: alignment exponents 32..63 still decode (validation rejects them);
    # 2.0: 32 and above are "malformed memop flags", as before
    assert body(b"\x41\x00\x28\x20\x05\x1a", MEM)[1].imm == (MemArg(32, 5, 0),)
    with pytest.raises(MalformedError, match="malformed memop flags"):
        body(b"\x41\x00\x28\x20\x05\x1a", MEM, version=2)


def test_equal_instructions_are_one_object():
    got = body(b"\x42\x85\x01\x1a" * 2 + b"\x41\x00\x28\x02\x04\x1a" * 2, MEM)
    assert got[0] is got[2] and got[5] is got[8]
