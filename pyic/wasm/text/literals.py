"""Numeric literals of the text format (spec 6.3.1 "Integers" and 6.3.2 "Floating-Point").

Every function here takes the text of one NAT, INT or FLOAT token and returns a
bit pattern (an unsigned int), or raises `LiteralError` when the literal does
not denote a value of the requested type.  The caller turns that into a
`MalformedError` with the message the test suite expects.

Floats are rounded exactly: the literal is read as a rational number and
rounded once, to nearest with ties to even, straight to the target width
(no detour through Python's double, which would round twice for f32).
"""

from __future__ import annotations

import re
import struct

from ..numerics.conversions import round_magnitude

_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"

# 6.3.1: the shapes of the three numeric token classes.
NAT_RE = re.compile(rf"(?:{_DEC}|0x{_HEX})\Z")
INT_RE = re.compile(rf"[+-](?:{_DEC}|0x{_HEX})\Z")
FLOAT_RE = re.compile(
    rf"[+-]?(?:{_DEC}\.(?:{_DEC})?"
    rf"|{_DEC}(?:\.(?:{_DEC})?)?[eE][+-]?{_DEC}"
    rf"|0x{_HEX}\.(?:{_HEX})?"
    rf"|0x{_HEX}(?:\.(?:{_HEX})?)?[pP][+-]?{_DEC}"
    rf"|inf|nan|nan:0x{_HEX})\Z")


class LiteralError(Exception):
    """The literal is well-formed but out of range for the requested type."""


def _digits_to_int(digits: str, base: int) -> int:
    """``int(digits, base)`` without CPython's limit on long decimal strings."""
    if base == 16 or len(digits) <= 4000:
        return int(digits, base)
    value = 0
    for k in range(0, len(digits), 4000):
        chunk = digits[k:k + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def parse_nat(text: str) -> int:
    """The value of an unsigned literal ``num`` or ``0x hexnum`` (no range check)."""
    text = text.replace("_", "")
    if text.startswith("0x"):
        return int(text[2:], 16)
    return _digits_to_int(text, 10)


def parse_uN(text: str, n: int) -> int:
    """6.3.1 ``uN``: an unsigned literal below 2**n (no sign allowed)."""
    if text[0] in "+-":
        raise LiteralError(text)
    value = parse_nat(text)
    if value >= 1 << n:
        raise LiteralError(text)
    return value


def parse_iN(text: str, n: int) -> int:
    """6.3.1 ``iN``: a literal for an n-bit integer, as its unsigned bit pattern.

    Like the reference interpreter, an explicit ``+`` admits the whole unsigned
    range, and ``-`` admits magnitudes up to 2**(n-1).
    """
    sign = text[0]
    if sign in "+-":
        value = parse_nat(text[1:])
    else:
        value = parse_nat(text)
    if sign == "-":
        if value > 1 << (n - 1):
            raise LiteralError(text)
        return -value & ((1 << n) - 1)
    if value >= 1 << n:
        raise LiteralError(text)
    return value


# Float formats: (significand bits incl. the implicit one, exponent bits)
_FORMATS = {32: (24, 8), 64: (53, 11)}
_INF = {32: 0x7F80_0000, 64: 0x7FF0_0000_0000_0000}


def _round_rational(num: int, den: int, n: int) -> int:
    """The bit pattern (sign clear) of the positive rational num/den rounded to
    nearest, ties to even, in the n-bit binary format (4.3.3 ieee_N); raises
    `LiteralError` when the result would be infinite (6.3.2: such literals are malformed)."""
    bits = round_magnitude(num, den, n)
    if bits >= _INF[n]:
        raise LiteralError("overflow")
    return bits


# Beyond these magnitudes a literal is certainly infinite or certainly rounds to zero,
# so huge exponents are cut short instead of building enormous integers.
_DEC_LIMIT = 400
_BIN_LIMIT = 1200


def _float_magnitude(text: str, n: int) -> int:
    """Bits of an unsigned float literal ``fNmag`` (6.3.2)."""
    p, ebits = _FORMATS[n]
    exp_all = ((1 << ebits) - 1) << (p - 1)
    if text == "inf":
        return exp_all
    if text == "nan":
        return exp_all | (1 << (p - 2))
    if text.startswith("nan:0x"):
        payload = int(text[6:].replace("_", ""), 16)
        if not 1 <= payload < 1 << (p - 1):
            raise LiteralError(text)
        return exp_all | payload
    text = text.replace("_", "")
    fast = _fast_float(text, n)
    if fast is not None:
        return fast
    if text.startswith("0x"):
        body = text[2:]
        mant, _, exp = body.partition("p") if "p" in body else body.partition("P")
        base = 16
    else:
        mant, _, exp = text.partition("e") if "e" in text else text.partition("E")
        base = 10
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return 0
    m = _digits_to_int(digits, base)
    exponent = _parse_exponent(exp)
    if base == 16:
        e2 = exponent - 4 * len(frac)
        top = m.bit_length() + e2
        if top > _BIN_LIMIT:
            raise LiteralError(text)
        if top < -_BIN_LIMIT:
            return 0
        return _round_rational(m << max(e2, 0), 1 << max(-e2, 0), n)
    e10 = exponent - len(frac)
    top = len(digits) + e10
    if top > _DEC_LIMIT:
        raise LiteralError(text)
    if top < -_DEC_LIMIT:
        return 0
    if e10 >= 0:
        return _round_rational(m * 10 ** e10, 1, n)
    return _round_rational(m, 10 ** -e10, n)


def _fast_float(text: str, n: int) -> int | None:
    """The bits of an unsigned finite literal via the host's correctly rounded
    ``float``, when that is exact; None when the slow path must decide.

    Parsing to f64 rounds once, so f64 results are exact.  For f32 the second
    rounding (f64 to f32) is harmless unless the f64 value is exactly halfway
    between two f32 values, or is out of f32's normal range: those cases take
    the exact path.
    """
    if len(text) > 60:
        return None
    try:
        d = float.fromhex(text) if text.startswith("0x") else float(text)
    except (ValueError, OverflowError):
        return None
    bits64 = _pack_d(d)
    if n == 64:
        return None if bits64 >= 0x7FF0000000000000 else bits64
    if d == 0.0:
        return 0
    if not 0x3810000000000000 <= bits64 < 0x47E0000000000000:   # 2**-126 <= d < 2**127
        return None
    if bits64 & 0x1FFFFFFF == 0x10000000:                         # an f32 midpoint
        return None
    return _pack_f(d)


def _pack_d(d: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", d))[0]


def _pack_f(d: float) -> int:
    return struct.unpack("<I", struct.pack("<f", d))[0]


def _parse_exponent(exp: str) -> int:
    """A decimal exponent, clamped so that absurd ones stay cheap."""
    if not exp:
        return 0
    sign = -1 if exp[0] == "-" else 1
    digits = exp.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 12:
        return sign * 10 ** 12
    return sign * int(digits)


def parse_fN(text: str, n: int) -> int:
    """6.3.2 ``fN``: the bit pattern of a float literal (any NAT, INT or FLOAT token)."""
    negative = text[0] == "-"
    body = text[1:] if text[0] in "+-" else text
    bits = _float_magnitude(body, n)
    if negative:
        bits |= 1 << (n - 1)
    return bits


def parse_f32(text: str) -> int:
    return parse_fN(text, 32)


def parse_f64(text: str) -> int:
    return parse_fN(text, 64)
