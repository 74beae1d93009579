"""Older text forms, still found in other engines' test suites, rewritten to today's.

``pyic spec --legacy-text`` reads scripts written before the text format settled
(the MVP drafts of 2016-2018 and the suites engines copied from them).  The parser
itself knows only the current grammar (chapter 6); this module rewrites the old
spellings in the script's text first, token by token, keeping every line break so
that the report's line numbers are the script's own:

* instruction names before the 2018 renaming (``get_local`` -> ``local.get``,
  ``i32.trunc_s/f32`` -> ``i32.trunc_f32_s``, ``grow_memory`` -> ``memory.grow``,
  ``anyfunc`` -> ``funcref``);
* a bare memory index on a data segment, ``(data 0 (i32.const 0) "...")``: today
  ``(data (memory 0) (i32.const 0) "...")`` (6.6.8);
* a bare table index on an element segment, ``(elem 0 (i32.const 0) $f)``: today
  ``(elem (table 0) (i32.const 0) func $f)`` (6.6.9).

A bare ``$name`` after ``data``/``elem`` is left alone: today it names the segment.
Strings are not rewritten, except that the text of ``(module quote ...)`` goes
through `modernise` too when the frontend parses it.
"""

from __future__ import annotations

import re

from .lines import skip_block_comment

# Names that changed in 2018 (WebAssembly/spec#884) and ``anyfunc`` (now ``funcref``).
RENAMED = {
    "get_local": "local.get", "set_local": "local.set", "tee_local": "local.tee",
    "get_global": "global.get", "set_global": "global.set",
    "current_memory": "memory.size", "grow_memory": "memory.grow",
    "anyfunc": "funcref",
}

# Conversions ``t1.op_sx/t2`` -> ``t1.op_t2_sx`` and ``t1.op/t2`` -> ``t1.op_t2``
# (``trunc_s:sat/f32`` -> ``trunc_sat_f32_s``).
_CONVERSION = re.compile(
    r"(?P<t1>[if](?:32|64))\.(?P<op>[a-z]+)(?:_(?P<sx>[su]))?(?P<sat>:sat)?/(?P<t2>[if](?:32|64))")

# Tokens of the text format's lexical structure (6.2): the rewrite never looks into
# comments or strings.
_TOKEN = re.compile(
    r'(?P<skip>\(;|;;[^\n]*|"(?:[^"\\\n]|\\.)*")|(?P<open>\()|(?P<close>\))'
    r'|(?P<word>[^\s()";]+)')

_OPENS = re.compile(r"\s*\(")


def _conversion(match: re.Match) -> str:
    op = match["op"] + ("_sat" if match["sat"] else "")
    sx = f"_{match['sx']}" if match["sx"] else ""
    return f"{match['t1']}.{op}_{match['t2']}{sx}"


def _word(word: str) -> str:
    if word in RENAMED:
        return RENAMED[word]
    if "/" in word:
        return _CONVERSION.sub(_conversion, word)
    return word


def modernise(text: str) -> str:
    """``text`` with the legacy forms above rewritten; everything else, comments and
    line breaks included, as it was."""
    out: list[str] = []
    pos = 0
    depth = 0
    # depth at which an ``elem`` whose bare table index was rewritten still waits for
    # the end of its offset expression (then ``func`` goes in), or None
    elem_offset: int | None = None
    previous: list[str] = []  # the last two significant tokens, for "(data" / "(elem"
    while True:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        token = match.group()
        out.append(text[pos:match.start()])
        pos = match.end()
        if token == "(;":
            end = skip_block_comment(text, pos)
            out.append(text[match.start():end])
            pos = end
            continue
        if match["skip"]:
            out.append(token)
            if not token.startswith(";;"):
                previous = (previous + [token])[-2:]
            continue
        if match["open"]:
            depth += 1
        elif match["close"]:
            depth -= 1
            if elem_offset is not None and depth == elem_offset:
                token += " func"
                elem_offset = None
        elif previous == ["(", "data"] and token.isdigit() and _OPENS.match(text, pos):
            token = f"(memory {token})"
        elif previous == ["(", "elem"] and token.isdigit() and _OPENS.match(text, pos):
            # (an offset expression follows; ``(table funcref (elem 0 1))`` lists functions)
            token = f"(table {token})"
            elem_offset = depth      # after the offset expression closes back to here
        else:
            token = _word(token)
        out.append(token)
        previous = (previous + [match.group()])[-2:]
    out.append(text[pos:])
    return "".join(out)
