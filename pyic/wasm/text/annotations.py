"""Annotations the text format interprets: custom sections and names.

The annotations proposal (WebAssembly/annotations, ``proposals/annotations/
Overview.md``; the spec's text format 6.2.5 "Annotations") lets a text module
carry what only custom sections hold in binary:

* ``(@custom "name" place? datastring)`` at module level is a custom section
  (appendix A.7.3, "Custom Annotations"); ``place`` is ``(before S)`` or ``(after S)``
  for a section kind ``S`` (or ``first``/``last``), by default ``(after last)``;
* ``(@name "string")`` right after a module's, function's or tag's keyword and
  optional ``$id`` gives that entity's debug name (appendix A.7.2, "Name Annotations"),
  which may be any string, not only an identifier.

The lexer remembers where each of these stood (`lexer.Annotation`); this
module reads their bodies and checks their placement, with the reference
interpreter's messages ("@custom annotation: ...", "misplaced @name
annotation").
"""

from __future__ import annotations

from ...errors import MalformedError
from ..syntax.modules import Custom
from .lexer import EOF, KEYWORD, LPAR, RPAR, STRING, Annotation, Tokens

# Section kinds by their text names, as ``place`` names them (binary ids, 5.5.2).
SECTION_IDS = {
    "type": 1, "import": 2, "func": 3, "table": 4, "memory": 5, "global": 6,
    "export": 7, "start": 8, "elem": 9, "code": 10, "data": 11, "datacount": 12,
    "tag": 13,
}
SECTION_KINDS = {sid: word for word, sid in SECTION_IDS.items()}
# 5.5.2: the order non-custom sections come in.
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
FIRST, LAST = 0, SECTION_ORDER[-1]


def _error(toks: Tokens, message: str, offset: int) -> MalformedError:
    return toks.error(message, offset)


def custom_section(toks: Tokens, a: Annotation) -> Custom:
    """``(@custom name place? datastring)`` as a `Custom` (its ``after`` says
    which non-custom section it follows, 0 for none)."""
    body = a.tokens(toks)
    kinds, vals, offs = body.kinds, body.vals, body.offs

    def fail(message: str, i: int) -> MalformedError:
        return _error(toks, f"@custom annotation: {message}", offs[i])

    if kinds[0] != STRING:
        raise fail("missing section name", 0)
    try:
        name = vals[0].decode("utf-8")
    except UnicodeDecodeError:
        raise fail("malformed UTF-8 encoding", 0) from None
    i = 1
    after = LAST
    if kinds[i] == LPAR:
        where = vals[i + 1] if kinds[i + 1] == KEYWORD else None
        if where not in ("before", "after"):
            raise fail("malformed placement", i + 1)
        kind = vals[i + 2] if kinds[i + 2] == KEYWORD else None
        if kind == "first":
            sid = FIRST
        elif kind == "last":
            sid = LAST
        elif kind in SECTION_IDS:
            sid = SECTION_IDS[kind]
        else:
            raise fail("malformed section kind", i + 2)
        if kinds[i + 3] != RPAR:
            raise fail("unexpected token", i + 3)
        after = sid if where == "after" else _preceding(sid)
        i += 4
    data = []
    while kinds[i] == STRING:
        data.append(vals[i])
        i += 1
    if kinds[i] != EOF:
        raise fail("unexpected token", i)
    return Custom(name, b"".join(data), after)


def _preceding(sid: int) -> int:
    """The section a custom section ``(before sid)`` follows (0: none)."""
    if sid == FIRST:
        return FIRST
    k = SECTION_ORDER.index(sid)
    return SECTION_ORDER[k - 1] if k else FIRST


def name_value(toks: Tokens, a: Annotation) -> str:
    """``(@name "string")``: the name, valid UTF-8."""
    body = a.tokens(toks)
    kinds, vals, offs = body.kinds, body.vals, body.offs
    if kinds[0] != STRING or kinds[1] != EOF:
        raise _error(
            toks, "@name annotation: unexpected token", offs[0 if kinds[0] != STRING else 1]
        )
    try:
        return vals[0].decode("utf-8")
    except UnicodeDecodeError:
        raise _error(toks, "@name annotation: malformed UTF-8 encoding", offs[0]) from None


def misplaced(toks: Tokens, a: Annotation) -> MalformedError:
    return _error(toks, f"misplaced @{a.id} annotation", a.start)


def placement_text(after: int) -> str:
    """The ``place`` of a custom section that follows section ``after`` (0: none),
    as `print_module` writes it."""
    if after == FIRST:
        return "(before first)"
    return f"(after {SECTION_KINDS[after]})"
