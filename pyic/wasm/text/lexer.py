"""Lexical format (spec 6.2): text to tokens.

`tokenize` turns a whole source text into a `Tokens` value: parallel lists of
token kinds, values and start offsets, plus, for every ``(``, the index of its
matching ``)`` (so that the parser can skip a whole field in one step).

* White space, line comments, nested block comments and annotations
  ``(@id ...)`` are dropped; annotations are checked for well-formedness
  (balanced, legal characters, non-empty id).  Those pyic interprets
  (``INTERPRETED``: ``@custom``, ``@name``, branch hints; docs/proposals.md)
  are remembered in ``Tokens.annots`` with where they stood, for the parser.
* A *word* is a maximal run of identifier characters and string literals; it
  becomes a string, an identifier, a number, a keyword, or — when it is none
  of these — a ``RESERVED`` token that the parser reports as an unknown
  operator if it ever reaches it (as the reference interpreter does).
* Strings are decoded to bytes.  Identifiers and names must be valid UTF-8.
* The text is a Python ``str``.  Bytes that were not UTF-8 should reach here
  as lone surrogates (``errors="surrogateescape"``); they are reported as
  "malformed UTF-8 encoding".

Lexical errors raise `MalformedError` at once, with the reference
interpreter's messages.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ...errors import MalformedError, Position
from ..features import enabled
from .literals import FLOAT_RE, INT_RE, NAT_RE

# Token kinds
LPAR, RPAR, STRING, ID, NAT, INT, FLOAT, KEYWORD, RESERVED, EOF = range(10)
KIND_NAMES = ("(", ")", "string", "identifier", "nat", "int", "float", "keyword",
              "reserved", "end of input")

_IDCHAR = r"0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~"
# 6.3.3 string characters: not '"', not '\', no control characters, no surrogates.
_STRCHAR = r"[^\"\\\x00-\x1f\x7f\ud800-\udfff]"
_ESCAPE = r"\\(?:[nrt\\'\"]|[0-9a-fA-F]{2}|u\{[0-9a-fA-F](?:_?[0-9a-fA-F])*\})"
_STRING = rf"\"(?:{_STRCHAR}|{_ESCAPE})*\""

_MASTER = re.compile(
    rf"(?P<ws>[ \t\n\r]+)"
    rf"|(?P<lc>;;[^\n\r]*)"
    rf"|(?P<bc>\(;)"
    rf"|(?P<an>\(@)"
    rf"|(?P<lp>\()"
    rf"|(?P<rp>\))"
    rf"|(?P<word>(?:[{_IDCHAR}]|{_STRING})+)"
    rf"|(?P<quote>\")"
    rf"|(?P<punct>[,;\[\]{{}}])"
    rf"|(?P<other>.)",
    re.S)

_IDCHARSET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "!#$%&'*+-./:<=>?@\\^_`|~")
_STRING_RE = re.compile(rf"{_STRING}\Z")
_STRING_PREFIX_RE = re.compile(_STRING)
_KEYWORD_RE = re.compile(rf"[a-z][{_IDCHAR}]*\Z")
_ESCAPE_RE = re.compile(_ESCAPE)
_ANNOT_ID_RE = re.compile(rf"[{_IDCHAR}]+(?=[ \t\n\r()]|;;|\Z)")
_BLOCK_RE = re.compile(r"\(;|;\)")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_NEWLINE_RE = re.compile(r"\r\n|\n|\r")

_SIMPLE_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", "'": b"'", '"': b'"'}


class Tokens:
    """The tokens of one source text."""

    __slots__ = ("text", "source", "kinds", "vals", "offs", "match", "annots", "_lines")

    def __init__(self, text: str, source: str | None) -> None:
        self.text = text
        self.source = source
        self.kinds: list[int] = []
        self.vals: list[object] = []
        self.offs: list[int] = []
        self.match: dict[int, int] = {}   # index of each "(" -> index of its ")"
        self.annots: list[Annotation] = []
        self._lines: list[int] | None = None

    def position(self, offset: int) -> Position:
        """Line and column (both from 1) of a character offset."""
        if self._lines is None:
            self._lines = [m.end() for m in _NEWLINE_RE.finditer(self.text)]
        line = bisect_right(self._lines, offset)
        start = self._lines[line - 1] if line else 0
        return Position(line=line + 1, column=offset - start + 1, source=self.source)

    def error(self, message: str, offset: int) -> MalformedError:
        return MalformedError(message, self.position(offset))


# The annotations the parser interprets (the annotations proposal's ``@custom``
# and ``@name``, the branch hinting proposal's hints); others are skipped.
INTERPRETED = frozenset(("custom", "name", "metadata.code.branch_hint"))


class Annotation:
    """One interpreted annotation ``(@id body)``: its ``id``; the offsets of its
    ``(@``, of its body and of its end (after the ``)``); ``index``, the index of
    the first token after it; ``parent``, the index of the ``(`` it stands in
    (``None`` at the top level)."""

    __slots__ = ("id", "start", "body", "end", "index", "parent")

    def __init__(self, id_: str, start: int, body: int, end: int, index: int,
                 parent: int | None) -> None:
        self.id = id_
        self.start = start
        self.body = body
        self.end = end
        self.index = index
        self.parent = parent

    def tokens(self, toks: Tokens) -> Tokens:
        """The tokens of the body (positions stay those of the whole text)."""
        return tokenize(toks.text, toks.source, self.body, self.end - 1)


def _remember(toks: Tokens, text: str, start: int, end: int, opened: list) -> None:
    """Keep an interpreted annotation that was just skipped (``start``: its ``(@``)."""
    m = _ANNOT_ID_RE.match(text, start + 2)
    if m is None or m.group() not in INTERPRETED or not enabled("annotations"):
        return
    toks.annots.append(Annotation(m.group(), start, m.end(), end, len(toks.kinds),
                                  opened[-1] if opened else None))


def _error(toks: Tokens, message: str, offset: int):
    raise toks.error(message, offset)


def decode_string(body: str, toks: Tokens, offset: int) -> bytes:
    """The bytes of a string literal's body (without the quotes), 6.3.3."""
    if "\\" not in body:
        return body.encode("utf-8")
    out = bytearray()
    pos = 0
    for m in _ESCAPE_RE.finditer(body):
        out += body[pos:m.start()].encode("utf-8")
        esc = m.group()[1:]
        if esc in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[esc]
        elif esc[0] == "u":
            code = int(esc[2:-1].replace("_", ""), 16)
            if code >= 0x110000 or 0xD800 <= code < 0xE000:
                _error(toks, "malformed UTF-8 encoding", offset)
            out += chr(code).encode("utf-8")
        else:
            out.append(int(esc, 16))
        pos = m.end()
    out += body[pos:].encode("utf-8")
    return bytes(out)


def decode_name(data: bytes, toks: Tokens, offset: int) -> str:
    """6.3.4 names are strings that are valid UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise toks.error("malformed UTF-8 encoding", offset) from None


def _string_error(toks: Tokens, text: str, start: int) -> None:
    """Say why the string literal starting at ``start`` does not lex."""
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            break
        if c == "\n" or c == "\r":
            _error(toks, "unclosed string literal", start)
        if c == "\\":
            m = _ESCAPE_RE.match(text, i)
            if m is None:
                _error(toks, "illegal escape", i)
            i = m.end()
            continue
        if c < " " or c == "\x7f":
            _error(toks, "illegal control character in string literal", i)
        if "\ud800" <= c <= "\udfff":
            _error(toks, "malformed UTF-8 encoding", i)
        i += 1
    else:
        _error(toks, "unclosed string literal", start)
    # a complete string that still did not lex: a character it may not hold
    _error(toks, "malformed UTF-8 encoding", start)


def _other_error(toks: Tokens, c: str, offset: int, in_annotation: bool) -> None:
    if "\ud800" <= c <= "\udfff":
        _error(toks, "malformed UTF-8 encoding", offset)
    if in_annotation:
        _error(toks, "illegal character", offset)
    if c < " " or c == "\x7f":
        _error(toks, "misplaced control character", offset)
    _error(toks, "misplaced unicode character", offset)


def _skip_block_comment(toks: Tokens, text: str, start: int) -> int:
    """Skip a nested block comment starting at ``start``; return the offset after it."""
    depth = 1
    pos = start + 2
    while True:
        m = _BLOCK_RE.search(text, pos)
        if m is None:
            _error(toks, "unclosed comment", start)
        bad = _SURROGATE_RE.search(text, pos, m.start())
        if bad is not None:
            _error(toks, "malformed UTF-8 encoding", bad.start())
        pos = m.end()
        if m.group() == "(;":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


def _annotation_id(toks: Tokens, text: str, pos: int, start: int) -> int:
    """Check the id after ``(@`` at ``pos``; return the offset after it."""
    m = _MASTER.match(text, pos)
    if m is None or m.lastgroup != "word":
        _error(toks, "empty annotation id", start)
    word = m.group()
    if word[0] == '"':
        s = _STRING_PREFIX_RE.match(word)
        data = decode_string(s.group()[1:-1], toks, pos)
        if not data:
            _error(toks, "empty annotation id", start)
        decode_name(data, toks, pos)
        return pos + s.end()
    if '"' in word:
        # an id followed by a string: the id is the idchar prefix
        return pos + word.index('"')
    return m.end()


def _skip_annotation(toks: Tokens, text: str, start: int) -> int:
    """Skip an annotation ``(@id ...)`` starting at ``start``; return the offset after it."""
    pos = _annotation_id(toks, text, start + 2, start)
    depth = 1
    match = _MASTER.match
    n = len(text)
    while True:
        if pos >= n:
            _error(toks, "unclosed annotation", start)
        m = match(text, pos)
        kind = m.lastgroup
        if kind == "lp":
            depth += 1
        elif kind == "rp":
            depth -= 1
            if depth == 0:
                return m.end()
        elif kind == "an":
            # inside an annotation, "(@" without an id is just a parenthesis
            depth += 1
            nxt = match(text, m.end())
            if nxt is not None and nxt.lastgroup == "word":
                pos = _annotation_id(toks, text, m.end(), m.start())
            else:
                pos = m.start() + 1
            continue
        elif kind == "bc":
            pos = _skip_block_comment(toks, text, m.start())
            continue
        elif kind == "lc":
            bad = _SURROGATE_RE.search(m.group())
            if bad is not None:
                _error(toks, "malformed UTF-8 encoding", m.start() + bad.start())
        elif kind == "quote":
            _string_error(toks, text, m.start())
        elif kind == "other":
            _other_error(toks, m.group(), m.start(), True)
        pos = m.end()


def _classify(toks: Tokens, word: str, offset: int) -> tuple[int, object]:
    """The kind and value of one word (6.2.2 tokens)."""
    c = word[0]
    if c == '"':
        if _STRING_RE.match(word):
            return STRING, decode_string(word[1:-1], toks, offset)
        return RESERVED, word
    if c == "$":
        rest = word[1:]
        if not rest:
            _error(toks, "empty identifier", offset)
        if rest[0] == '"':
            if _STRING_RE.match(rest):
                data = decode_string(rest[1:-1], toks, offset)
                if not data:
                    _error(toks, "empty identifier", offset)
                return ID, decode_name(data, toks, offset)
            return RESERVED, word
        if '"' in rest:
            return RESERVED, word
        return ID, rest
    if '"' in word:
        return RESERVED, word
    if c in "0123456789+-":
        if NAT_RE.match(word):
            return NAT, word
        if INT_RE.match(word):
            return INT, word
        if FLOAT_RE.match(word):
            return FLOAT, word
        return RESERVED, word
    if c == "i" and word in ("inf",):
        return FLOAT, word
    if c == "n" and (word == "nan" or word.startswith("nan:0x")):
        if FLOAT_RE.match(word):
            return FLOAT, word
    if _KEYWORD_RE.match(word):
        return KEYWORD, word
    return RESERVED, word


# The fast path: white space and line comments, then one token (or the end).
_FAST = re.compile(
    rf"((?:[ \t\n\r]+|;;[^\n\r]*)*)(\(;|\(@|\(|\)|(?:[{_IDCHAR}]|{_STRING})+|[,;\[\]{{}}]|.|\Z)",
    re.S)
_CHUNK = 1 << 16
_PUNCT = frozenset(",;[]{}")


def tokenize(text: str, source: str | None = None, start: int = 0,
             stop: int | None = None) -> Tokens:
    """All tokens of ``text`` (6.2), ending with one ``EOF`` token; with
    ``start``/``stop``, those of that slice (offsets stay the whole text's)."""
    toks = Tokens(text, source)
    n = len(text) if stop is None else stop
    bad = _SURROGATE_RE.search(text, start, n)
    if bad is not None:
        # Only comments may hold such characters without an error at them;
        # find the first error the slow way.
        _tokenize_slow(toks, text, start, n)
        return toks
    kinds = toks.kinds
    vals = toks.vals
    offs = toks.offs
    match_ = toks.match
    opened: list[int] = []
    findall = _FAST.findall
    simple_kw = _KEYWORD_RE.match
    plain_start = frozenset("abcdefghjklmopqrstuvwxyz")
    seen: dict[str, tuple] = {}     # words classified so far (numbers, ids, strings)
    pos = start
    while pos < n:
        # Chunks end after a newline, which no token spans.
        end = text.find("\n", pos + _CHUNK, n)
        end = n if end < 0 else end + 1
        for ws, tok in findall(text, pos, end):
            off = pos + len(ws)
            pos = off + len(tok)
            if not tok:
                break
            c = tok[0]
            if c == "(":
                if tok == "(":
                    opened.append(len(kinds))
                    kinds.append(LPAR)
                    vals.append("(")
                    offs.append(off)
                    continue
                if tok == "(;":
                    pos = _skip_block_comment(toks, text, off)
                else:
                    pos = _skip_annotation(toks, text, off)
                    _remember(toks, text, off, pos, opened)
                break       # restart the scan after the comment or annotation
            if c == ")":
                if opened:
                    match_[opened.pop()] = len(kinds)
                kinds.append(RPAR)
                vals.append(")")
                offs.append(off)
                continue
            if c in plain_start and '"' not in tok and simple_kw(tok):
                kinds.append(KEYWORD)
                vals.append(tok)
                offs.append(off)
                continue
            if c in _IDCHARSET or c == '"' and len(tok) > 1:
                kv = seen.get(tok)
                if kv is None:
                    kv = seen[tok] = _classify(toks, tok, off)
                kinds.append(kv[0])
                vals.append(kv[1])
                offs.append(off)
                continue
            if c in _PUNCT:
                kinds.append(RESERVED)
                vals.append(tok)
                offs.append(off)
                continue
            if c == '"':
                _string_error(toks, text, off)
            _other_error(toks, c, off, False)
    kinds.append(EOF)
    vals.append(None)
    offs.append(n)
    return toks


def _tokenize_slow(toks: Tokens, text: str, start: int, n: int) -> None:
    """Like `tokenize`, one match at a time (for texts with stray surrogates)."""
    kinds = toks.kinds
    vals = toks.vals
    offs = toks.offs
    match_ = toks.match
    opened: list[int] = []
    master = _MASTER.match
    pos = start
    while pos < n:
        m = master(text, pos)
        kind = m.lastgroup
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "word":
            k, v = _classify(toks, m.group(), pos)
            kinds.append(k)
            vals.append(v)
            offs.append(pos)
            pos = m.end()
            continue
        if kind == "lp":
            opened.append(len(kinds))
            kinds.append(LPAR)
            vals.append("(")
            offs.append(pos)
            pos += 1
            continue
        if kind == "rp":
            if opened:
                match_[opened.pop()] = len(kinds)
            kinds.append(RPAR)
            vals.append(")")
            offs.append(pos)
            pos += 1
            continue
        if kind == "lc":
            bad = _SURROGATE_RE.search(m.group())
            if bad is not None:
                _error(toks, "malformed UTF-8 encoding", pos + bad.start())
            pos = m.end()
            continue
        if kind == "bc":
            pos = _skip_block_comment(toks, text, pos)
            continue
        if kind == "an":
            end = _skip_annotation(toks, text, pos)
            _remember(toks, text, pos, end, opened)
            pos = end
            continue
        if kind == "quote":
            _string_error(toks, text, pos)
        if kind == "punct":
            kinds.append(RESERVED)
            vals.append(m.group())
            offs.append(pos)
            pos += 1
            continue
        _other_error(toks, m.group(), pos, False)
    kinds.append(EOF)
    vals.append(None)
    offs.append(n)
