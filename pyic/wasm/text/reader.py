"""A cursor over the tokens of one text, with the parser's error conventions.

Syntax errors say "unexpected token", as the reference interpreter's parser
does for every grammar mismatch; a word that is no token of the language
(an unknown keyword, or a reserved token) says "unknown operator <word>".
"""

from __future__ import annotations

import re

from ...errors import MalformedError
from ..features import current
from ..syntax.opcodes import OPCODES, PROPOSAL_OPCODES
from .lexer import EOF, ID, KEYWORD, LPAR, NAT, RESERVED, RPAR, STRING, Tokens, decode_name
from .literals import LiteralError, parse_uN

# Every keyword of the text format and of scripts (6.2.2; interpreter/text/lexer.mll).
KEYWORDS = frozenset(OPCODES) | frozenset("""
    i8 i16 i32 i64 f32 f64 v128 i8x16 i16x8 i32x4 i64x2 f32x4 f64x2
    any anyref none nullref eq eqref i31 i31ref structref arrayref nofunc funcref
    nullfuncref exn noexn exnref nullexnref extern noextern externref nullexternref
    ref null array struct field mut sub final rec
    end then else catch catch_ref catch_all catch_all_ref do delegate
    type tag global memory table func param result local data elem declare offset
    item start import export module binary quote definition instance
    script register invoke get assert_malformed assert_invalid assert_malformed_custom
    assert_invalid_custom assert_unlinkable assert_return assert_trap assert_exception
    assert_exhaustion nan:canonical nan:arithmetic either input output thread wait
    ref.struct ref.array ref.exn ref.extern ref.host ref.any shared exact describes descriptor
    """.split())

# Instructions of proposals beyond 3.0 -> their feature (docs/proposals.md).
FEATURE_OPS = {n: i.feature for n, i in PROPOSAL_OPCODES.items()}

_MEMARG_RE = re.compile(r"(offset|align)=((?:[0-9](?:_?[0-9])*|0x[0-9a-fA-F](?:_?[0-9a-fA-F])*))\Z")


def is_known_keyword(word: str) -> bool:
    if word in FEATURE_OPS:
        return FEATURE_OPS[word] in current()   # a proposal's instruction, when enabled
    return word in KEYWORDS or _MEMARG_RE.match(word) is not None


class Reader:
    """The token lists of a `Tokens` and a current index ``i``."""

    __slots__ = ("toks", "kinds", "vals", "offs", "match", "i")

    def __init__(self, toks: Tokens, i: int = 0) -> None:
        self.toks = toks
        self.kinds = toks.kinds
        self.vals = toks.vals
        self.offs = toks.offs
        self.match = toks.match
        self.i = i

    # ------------------------------------------------------------ errors

    def error(self, message: str, at: int | None = None) -> MalformedError:
        """An error at token ``at`` (default: the current one)."""
        if at is None:
            at = self.i
        at = min(at, len(self.offs) - 1)
        return self.toks.error(message, self.offs[at])

    def unexpected(self, at: int | None = None) -> MalformedError:
        """The error for a token the grammar does not allow here."""
        if at is None:
            at = self.i
        at = min(at, len(self.kinds) - 1)
        kind = self.kinds[at]
        if kind == LPAR and self.is_unknown(at + 1):
            # the reference lexer reads one token past a "(" the grammar allows
            at += 1
            kind = self.kinds[at]
        if kind == RESERVED or (kind == KEYWORD and not is_known_keyword(self.vals[at])):
            return self.error(f"unknown operator {self.vals[at]}", at)
        return self.error("unexpected token", at)

    def is_unknown(self, at: int) -> bool:
        kind = self.kinds[at]
        return kind == RESERVED or (kind == KEYWORD and not is_known_keyword(self.vals[at]))

    def check_word(self) -> None:
        """Fail on an unknown word where a list of literals may end."""
        if self.is_unknown(self.i):
            raise self.unexpected()

    # ------------------------------------------------------------ peeking

    def peek_field(self) -> str | None:
        """The keyword after a ``(`` at the current token, if there is one."""
        i = self.i
        if self.kinds[i] == LPAR and self.kinds[i + 1] == KEYWORD:
            return self.vals[i + 1]
        return None

    def at_keyword(self, word: str) -> bool:
        return self.kinds[self.i] == KEYWORD and self.vals[self.i] == word

    # ------------------------------------------------------------ consuming

    def lpar(self) -> None:
        if self.kinds[self.i] != LPAR:
            raise self.unexpected()
        self.i += 1

    def rpar(self) -> None:
        if self.kinds[self.i] != RPAR:
            raise self.unexpected()
        self.i += 1

    def keyword(self, word: str) -> None:
        if self.kinds[self.i] != KEYWORD or self.vals[self.i] != word:
            raise self.unexpected()
        self.i += 1

    def open(self, word: str) -> None:
        """``(`` followed by the keyword ``word``."""
        self.lpar()
        self.keyword(word)

    def opt_id(self) -> str | None:
        if self.kinds[self.i] == ID:
            self.i += 1
            return self.vals[self.i - 1]
        return None

    def string(self) -> bytes:
        if self.kinds[self.i] != STRING:
            raise self.unexpected()
        self.i += 1
        return self.vals[self.i - 1]

    def name(self) -> str:
        """6.3.4 a name: a string that is valid UTF-8."""
        at = self.i
        data = self.string()
        return decode_name(data, self.toks, self.offs[at])

    def strings(self) -> bytes:
        """Zero or more strings, concatenated (data strings, binary and quote modules)."""
        parts = []
        kinds, vals = self.kinds, self.vals
        while kinds[self.i] == STRING:
            parts.append(vals[self.i])
            self.i += 1
        return b"".join(parts)

    def nat(self, bits: int, message: str | None = None) -> int:
        """An unsigned ``uN`` literal (a NAT token)."""
        if self.kinds[self.i] != NAT:
            raise self.unexpected()
        try:
            value = parse_uN(self.vals[self.i], bits)
        except LiteralError:
            raise self.error(message or f"i{bits} constant out of range") from None
        self.i += 1
        return value

    def at_end(self) -> bool:
        return self.kinds[self.i] == EOF

    def at_rpar(self) -> bool:
        return self.kinds[self.i] == RPAR

    def skip_to_match(self, at: int) -> int:
        """The index after the ``)`` matching the ``(`` at ``at``."""
        end = self.match.get(at, -1)
        if end < 0:
            raise self.error("unexpected token", len(self.kinds) - 1)
        return end + 1
