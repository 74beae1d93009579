"""Reading the binary format's values (spec 5.2, "Values"), bounds-checked.

A `Reader` is a position in the whole input.  As in the reference interpreter,
a section or function body is *not* read through a window of its declared
size: its contents are read from the whole input and the size is checked
afterwards ("section size mismatch").  That is what makes the error messages
agree with the official test suite.

Every read checks its bounds and raises `MalformedError` with the reference
interpreter's message text; nothing else ever escapes from here.

One function per grammar rule: `u32`, `u64`, `s32`, `s33`, `s64`, `f32`, `f64`,
`name`, `vec` (its length, `len32`).  Integers follow 5.2.2 exactly: an N-bit
LEB128 has at most ceil(N/7) bytes ("integer representation too long"), and the
unused bits of its last byte must be zero for unsigned, copies of the sign bit
for signed integers ("integer too large").
"""

from __future__ import annotations

from ...errors import MalformedError, Position

UNEXPECTED_END = "unexpected end of section or function"


class Reader:
    """The input bytes and the current offset into them, and the version of
    the binary format read: 3 (Wasm 3.0) or 2 (Wasm 2.0, see docs/binary.md),
    for the few grammar rules that differ."""

    __slots__ = ("data", "pos", "end", "version")

    def __init__(self, data: bytes, version: int = 3) -> None:
        self.data = bytes(data)
        self.pos = 0
        self.end = len(self.data)
        self.version = version

    def error(self, message: str, offset: int | None = None) -> MalformedError:
        """The error to raise (``raise r.error(...)``), at ``offset`` or the current position."""
        return MalformedError(message, Position(offset=self.pos if offset is None else offset))

    def eos(self) -> MalformedError:
        return MalformedError(UNEXPECTED_END, Position(offset=self.end))

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self) -> int:
        """The next byte, or -1 at the end of the input."""
        pos = self.pos
        return self.data[pos] if pos < self.end else -1

    def remaining(self) -> int:
        return self.end - self.pos


# ---------------------------------------------------------------- 5.2.1 Bytes

def byte(r: Reader) -> int:
    pos = r.pos
    if pos >= r.end:
        raise r.eos()
    r.pos = pos + 1
    return r.data[pos]


def get_bytes(r: Reader, n: int) -> bytes:
    """``n`` raw bytes (a negative count is an end of input, as in the reference)."""
    pos = r.pos
    if n < 0 or pos + n > r.end:
        raise r.eos()
    r.pos = pos + n
    return r.data[pos:pos + n]


def expect(r: Reader, b: int, message: str) -> None:
    """The byte ``b``, else `MalformedError` ``message`` at that byte."""
    if byte(r) != b:
        raise r.error(message, r.pos - 1)


def word32(r: Reader) -> int:
    """A 32-bit little-endian word (the header's magic and version, f32 bits)."""
    return int.from_bytes(get_bytes(r, 4), "little")


def word64(r: Reader) -> int:
    return int.from_bytes(get_bytes(r, 8), "little")


# ---------------------------------------------------------------- 5.2.2 Integers

def uN(r: Reader, n: int) -> int:
    """An unsigned LEB128 of at most ``n`` bits."""
    data = r.data
    end = r.end
    pos = r.pos
    result = 0
    shift = 0
    while True:
        if n <= 0:
            r.pos = pos
            raise r.error("integer representation too long", pos)
        if pos >= end:
            r.pos = pos
            raise r.eos()
        b = data[pos]
        pos += 1
        if n < 7 and (b & 0x7F) >= (1 << n):
            raise r.error("integer too large", pos - 1)
        result |= (b & 0x7F) << shift
        if b < 0x80:
            r.pos = pos
            return result
        shift += 7
        n -= 7


def sN(r: Reader, n: int) -> int:
    """A signed LEB128 of at most ``n`` bits, as a signed Python int."""
    data = r.data
    end = r.end
    pos = r.pos
    result = 0
    shift = 0
    while True:
        if n <= 0:
            r.pos = pos
            raise r.error("integer representation too long", pos)
        if pos >= end:
            r.pos = pos
            raise r.eos()
        b = data[pos]
        pos += 1
        if n < 7:
            # the unused bits and the sign bit must all be equal
            mask = (-1 << (n - 1)) & 0x7F
            if b & mask != 0 and b & mask != mask:
                raise r.error("integer too large", pos - 1)
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            r.pos = pos
            if b & 0x40:
                result -= 1 << shift
            return result
        n -= 7


def u32(r: Reader) -> int:
    # fast path: one byte
    pos = r.pos
    if pos < r.end:
        b = r.data[pos]
        if b < 0x80:
            r.pos = pos + 1
            return b
    return uN(r, 32)


def u64(r: Reader) -> int:
    pos = r.pos
    if pos < r.end:
        b = r.data[pos]
        if b < 0x80:
            r.pos = pos + 1
            return b
    return uN(r, 64)


def u8(r: Reader) -> int:
    return uN(r, 8)


def s7(r: Reader) -> int:
    """The 7-bit signed integer the type encodings are written as."""
    pos = r.pos
    if pos < r.end:
        b = r.data[pos]
        if b < 0x80:
            r.pos = pos + 1
            return b - 0x80 if b & 0x40 else b
    return sN(r, 7)


def s32(r: Reader) -> int:
    return sN(r, 32)


def s33(r: Reader) -> int:
    return sN(r, 33)


def s64(r: Reader) -> int:
    return sN(r, 64)


# ---------------------------------------------------------------- 5.2.3 Floating-point

def f32(r: Reader) -> int:
    """An f32 as its bit pattern (4 little-endian bytes)."""
    return word32(r)


def f64(r: Reader) -> int:
    return word64(r)


def v128(r: Reader) -> int:
    """16 bytes as one unsigned int, byte 0 the least significant."""
    return int.from_bytes(get_bytes(r, 16), "little")


# ---------------------------------------------------------------- 5.1.3 Lists, 5.2.4 Names

def len32(r: Reader) -> int:
    """A vector or string length: a u32 that cannot exceed the bytes left.

    Every element takes at least one byte, so this bounds what a vector can
    make us allocate by the size of the input.  (Like the reference
    interpreter, the bytes counted include the length's own.)
    """
    start = r.pos
    n = u32(r)
    if n > r.end - start:
        raise r.error("length out of bounds", start)
    return n


def vec(r: Reader, element) -> list:
    """``vec(B)``: a length, then that many ``element(r)``."""
    return [element(r) for _ in range(len32(r))]


def string(r: Reader) -> bytes:
    return get_bytes(r, len32(r))


def name(r: Reader) -> str:
    """5.2.4 a name: a UTF-8 string (Python's strict decoder rejects exactly
    what Unicode does: overlong forms, surrogates, code points above 0x10FFFF)."""
    start = r.pos
    raw = string(r)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise r.error("malformed UTF-8 encoding", start) from None
