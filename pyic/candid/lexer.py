"""The lexical syntax shared by textual values, ``.did`` files and ``.test.did`` files.

Spec sections "Values" (``<id>``, ``<nat>``, ``<int>``, ``<float>``, ``<text>``) and
"Comments" (``//`` to end of line, ``/* */`` nesting properly).
"""

from __future__ import annotations

import bisect
import re

from pyic.errors import CandidError, Position

# Token kinds.
ID, TEXT, NAT, INT, FLOAT, SYM, EOF = "id", "text", "nat", "int", "float", "sym", "eof"

SYMBOLS = ("->", "!:", "==", "!=", "(", ")", "{", "}", ";", ",", ":", "=", ".")

_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9A-Fa-f](?:_?[0-9A-Fa-f])*"
_NUMBER_RE = re.compile(
    rf"(?P<sign>[+-])?(?:"
    rf"(?P<hex>0x{_HEX})(?:(?P<hfrac>\.(?:{_HEX})?))?(?P<hexp>[pP][+-]?{_DEC})?"
    rf"|(?P<dec>{_DEC})(?:(?P<dfrac>\.(?:{_DEC})?))?(?P<dexp>[eE][+-]?{_DEC})?"
    rf")")
_SPACE_RE = re.compile(r"[ \t\r\n]+")

# Python refuses int<->str conversions of more than 4300 digits by default, and its own
# conversions are quadratic; Candid numbers are unbounded, so long ones are converted by
# divide and conquer (CPython 3.12's ``_pylong`` algorithms), never relying on
# ``sys.set_int_max_str_digits``.
_CHUNK = 2000            # digits converted by int() at once
_BITS = 6000             # bits converted by str() / Decimal() at once (about 1,800 digits)


def decimal_to_int(digits: str) -> int:
    """The value of a string of decimal digits: halves joined with Python's (Karatsuba)
    multiplication, ``hi * 10**k == (hi * 5**k) << k``; powers of 5 computed once."""
    pow5: dict = {}

    def five(k: int) -> int:
        r = pow5.get(k)
        if r is None:
            r = pow5[k] = 5 ** k
        return r

    def inner(a: int, b: int) -> int:
        if b - a <= _CHUNK:
            return int(digits[a:b])
        mid = (a + b + 1) >> 1
        return inner(mid, b) + ((inner(a, mid) * five(b - mid)) << (b - mid))

    return inner(0, len(digits))


def int_to_decimal(n: int) -> str:
    """The decimal digits of ``n``: its binary halves joined in `decimal` arithmetic, whose
    multiplication is subquadratic (libmpdec's number-theoretic transform), then printed
    once (linear).  1 MB of digits takes about a second."""
    if n < 0:
        return "-" + int_to_decimal(-n)
    if n.bit_length() <= _BITS:
        return str(n)
    import decimal
    D = decimal.Decimal
    pow2: dict = {}

    def two(w: int):
        r = pow2.get(w)
        if r is None:
            if w <= _BITS:
                r = D(1 << w)
            elif w - 1 in pow2:
                r = pow2[w - 1] * 2
            else:
                r = two(w >> 1) * two(w - (w >> 1))
            pow2[w] = r
        return r

    def inner(m: int, w: int):
        if w <= _BITS:
            return D(m)
        w2 = w >> 1
        hi = m >> w2
        return inner(m - (hi << w2), w2) + inner(hi, w - w2) * two(w2)

    ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    ctx.traps[decimal.Inexact] = True
    with decimal.localcontext(ctx):
        return str(inner(n, n.bit_length()))


def show(v) -> str:
    """``repr(v)`` for an error message: short, and never failing on a huge number or a
    deeply nested value."""
    if isinstance(v, int) and not isinstance(v, bool):
        return describe_int(v)
    import reprlib
    r = reprlib.Repr()
    r.maxlevel, r.maxstring, r.maxother, r.maxlong = 3, 80, 80, 80
    try:
        return r.repr(v)
    except (ValueError, RecursionError):
        return f"<{type(v).__name__}>"


def describe_int(n: int) -> str:
    """A number for an error message: in full if short, else its first digits and length."""
    if n.bit_length() <= 256:
        return str(n)
    text = int_to_decimal(n)
    digits = text.lstrip("-")
    return f"{text[:len(text) - len(digits) + 20]}... ({len(digits)} digits)"


class Token:
    __slots__ = ("kind", "value", "offset")

    def __init__(self, kind: str, value, offset: int) -> None:
        self.kind = kind
        self.value = value
        self.offset = offset

    def is_sym(self, sym: str) -> bool:
        return self.kind == SYM and self.value == sym

    def is_id(self, name: str) -> bool:
        return self.kind == ID and self.value == name

    def describe(self) -> str:
        if self.kind == EOF:
            return "end of input"
        if self.kind == TEXT:
            return "text literal"
        if self.kind == SYM:
            return f"'{self.value}'"
        if isinstance(self.value, int):
            return describe_int(self.value)
        return repr(self.value)


class Lexer:
    """Splits ``source`` into tokens on demand; positions are reported as line:column."""

    def __init__(self, source: str, name: str | None = None) -> None:
        if not isinstance(source, str):
            raise CandidError(f"Candid text must be a string, got {type(source).__name__}")
        self.source = source
        self.name = name
        self._lines = [0] + [m.end() for m in re.finditer("\n", source)]
        self.tokens = self._tokenize()
        self.index = 0

    # -- errors ------------------------------------------------------------------

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._lines, offset) - 1
        return Position(line=line + 1, column=offset - self._lines[line] + 1, source=self.name)

    def error(self, message: str, offset: int | None = None) -> CandidError:
        if offset is None:
            offset = self.peek().offset
        return CandidError(message, self.position(offset))

    # -- token stream --------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        i = min(self.index + ahead, len(self.tokens) - 1)
        return self.tokens[i]

    def next(self) -> Token:
        tok = self.tokens[self.index]
        if tok.kind != EOF:
            self.index += 1
        return tok

    def expect_sym(self, sym: str) -> Token:
        tok = self.peek()
        if not tok.is_sym(sym):
            raise self.error(f"expected '{sym}', found {tok.describe()}")
        return self.next()

    def accept_sym(self, sym: str) -> bool:
        if self.peek().is_sym(sym):
            self.index += 1
            return True
        return False

    def accept_id(self, name: str) -> bool:
        if self.peek().is_id(name):
            self.index += 1
            return True
        return False

    def expect_text(self) -> bytes:
        tok = self.peek()
        if tok.kind != TEXT:
            raise self.error(f"expected a text literal, found {tok.describe()}")
        self.next()
        return tok.value

    def expect_eof(self) -> None:
        tok = self.peek()
        if tok.kind != EOF:
            raise self.error(f"unexpected {tok.describe()} after the end")

    # -- tokenizer -------------------------------------------------------------------

    def _tokenize(self) -> list[Token]:
        src, n, i = self.source, len(self.source), 0
        tokens: list[Token] = []
        while True:
            i = self._skip_space(i)
            if i >= n:
                tokens.append(Token(EOF, None, n))
                return tokens
            c = src[i]
            if c == '"':
                value, i2 = self._text(i)
                tokens.append(Token(TEXT, value, i))
                i = i2
                continue
            if c in "+-" and src[i + 1:i + 4] in ("inf", "nan") and not (
                    i + 4 < n and (src[i + 4].isalnum() or src[i + 4] == "_")):
                # Signed infinities and NaNs, as the printer writes them.
                value = float(src[i:i + 4])
                tokens.append(Token(FLOAT, value, i))
                i += 4
                continue
            if c.isdigit() or (c in "+-" and i + 1 < n and src[i + 1].isdigit()):
                m = _NUMBER_RE.match(src, i)
                if m is None:  # pragma: no cover - the guard above ensures a digit
                    raise self.error("malformed number", i)
                end = m.end()
                if end < n and (src[end].isalnum() or src[end] == "_"):
                    raise self.error(f"malformed number {src[i:end + 1]!r}", i)
                tokens.append(self._number(m, i))
                i = end
                continue
            if c.isalpha() or c == "_":
                m = _ID_RE.match(src, i)
                if m is None:
                    raise self.error(f"unexpected character {c!r}", i)
                tokens.append(Token(ID, m.group(), i))
                i = m.end()
                continue
            for sym in SYMBOLS:
                if src.startswith(sym, i):
                    tokens.append(Token(SYM, sym, i))
                    i += len(sym)
                    break
            else:
                raise self.error(f"unexpected character {c!r}", i)

    def _skip_space(self, i: int) -> int:
        src, n = self.source, len(self.source)
        while i < n:
            m = _SPACE_RE.match(src, i)
            if m:
                i = m.end()
                continue
            if src.startswith("//", i):
                j = src.find("\n", i)
                i = n if j < 0 else j + 1
                continue
            if src.startswith("/*", i):
                start, depth, i = i, 1, i + 2
                while depth:
                    if i >= n:
                        raise self.error("unclosed comment", start)
                    if src.startswith("/*", i):
                        depth, i = depth + 1, i + 2
                    elif src.startswith("*/", i):
                        depth, i = depth - 1, i + 2
                    else:
                        i += 1
                continue
            break
        return i

    def _number(self, m: re.Match, offset: int) -> Token:
        sign = -1 if m.group("sign") == "-" else 1
        try:
            if m.group("hex") is not None:
                mantissa = m.group("hex").replace("_", "")
                if m.group("hfrac") is None and m.group("hexp") is None:
                    return Token(INT if m.group("sign") else NAT, sign * int(mantissa, 16), offset)
                text = (mantissa + (m.group("hfrac") or "").replace("_", "")
                        + (m.group("hexp") or "p0"))
                return Token(FLOAT, sign * float.fromhex(text), offset)
            digits = m.group("dec").replace("_", "")
            if m.group("dfrac") is None and m.group("dexp") is None:
                return Token(INT if m.group("sign") else NAT, sign * decimal_to_int(digits), offset)
            text = digits + ((m.group("dfrac") or "") + (m.group("dexp") or "")).replace("_", "")
            return Token(FLOAT, sign * float(text), offset)
        except (ValueError, OverflowError):
            raise self.error(f"malformed number {m.group()!r}", offset) from None

    def _text(self, start: int) -> tuple[bytes, int]:
        """A text literal as bytes (spec ``<text>``); escapes may produce any byte."""
        src, n = self.source, len(self.source)
        out = bytearray()
        i = start + 1
        simple = {"n": 10, "r": 13, "t": 9, "\\": 92, '"': 34, "'": 39}
        while True:
            if i >= n:
                raise self.error("unclosed text literal", start)
            c = src[i]
            if c == '"':
                return bytes(out), i + 1
            if c != "\\":
                j = i
                while j < n and src[j] not in '"\\':
                    j += 1
                try:
                    out += src[i:j].encode("utf-8")
                except UnicodeEncodeError:
                    raise self.error("text literal contains a lone surrogate", i) from None
                i = j
                continue
            if i + 1 >= n:
                raise self.error("unclosed text literal", start)
            e = src[i + 1]
            if e in simple:
                out.append(simple[e])
                i += 2
            elif e == "u":
                m = re.compile(r"u\{([0-9A-Fa-f](?:_?[0-9A-Fa-f])*)\}").match(src, i + 1)
                if m is None:
                    raise self.error("malformed unicode escape, expected \\u{hex}", i)
                code = int(m.group(1).replace("_", ""), 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise self.error(f"\\u{{{m.group(1)}}} is not a unicode scalar value", i)
                out += chr(code).encode("utf-8")
                i = m.end()
            elif i + 2 < n and all(ch in "0123456789abcdefABCDEF" for ch in src[i + 1:i + 3]):
                out.append(int(src[i + 1:i + 3], 16))
                i += 3
            else:
                raise self.error(f"unknown escape \\{e}", i)
