"""A small extractor of the ``(module binary "...")`` modules of .wast scripts.

For the binary decoder's tests, until the text parser exists: a tokenizer that
knows strings and comments, and a scan for ``(module [definition] [$id] binary
string*)`` forms, with the assertion around them (``assert_malformed``,
``assert_invalid``, ... or none) and its expected message.
"""

from __future__ import annotations

import os

import re
from pathlib import Path
from typing import NamedTuple

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE = Path(SHARED + "/wasm-testsuite")

_ESCAPES = {"n": 0x0A, "t": 0x09, "r": 0x0D, "\\": 0x5C, '"': 0x22, "'": 0x27}


class Case(NamedTuple):
    file: str
    line: int
    assertion: str | None   # e.g. "assert_malformed", None for a plain module
    data: bytes
    message: str | None     # the expected message of an assertion


def unescape(body: str) -> bytes:
    """The bytes of a WAST string literal's contents."""
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u":
            close = body.index("}", i)
            out += chr(int(body[i + 3:close].replace("_", ""), 16)).encode("utf-8", "surrogatepass")
            i = close + 1
        else:
            out.append(int(body[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<line_comment>;;[^\n]*)
  | (?P<block_open>\(;)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<atom>[^\s()";]+)
''', re.X | re.S)


def tokens(text: str):
    """(kind, value, line) for each token: "(", ")", "string" (raw contents), "atom"."""
    pos = 0
    line = 1
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:  # a stray character: skip it
            pos += 1
            continue
        kind = m.lastgroup
        value = m.group()
        if kind == "block_open":  # nested block comment
            depth = 1
            j = pos + 2
            while depth and j < n:
                if text.startswith("(;", j):
                    depth += 1
                    j += 2
                elif text.startswith(";)", j):
                    depth -= 1
                    j += 2
                else:
                    j += 1
            line += text.count("\n", pos, j)
            pos = j
            continue
        if kind == "lpar":
            yield "(", "(", line
        elif kind == "rpar":
            yield ")", ")", line
        elif kind == "string":
            yield "string", value[1:-1], line
        elif kind == "atom":
            yield "atom", value, line
        line += value.count("\n")
        pos = m.end()


def cases(path: Path) -> list[Case]:
    """Every binary module of a script, with its assertion."""
    toks = list(tokens(path.read_text(encoding="utf-8")))
    out: list[Case] = []
    # stack of open lists: [head atom, index of the "(" token]
    stack: list = []
    i = 0
    while i < len(toks):
        kind, value, line = toks[i]
        if kind == "(":
            head = toks[i + 1][1] if i + 1 < len(toks) and toks[i + 1][0] == "atom" else None
            if head == "module":
                j = i + 2
                while toks[j][0] == "atom" and (
                    toks[j][1].startswith("$") or toks[j][1] == "definition"
                ):
                    j += 1
                if toks[j][0] == "atom" and toks[j][1] == "binary":
                    j += 1
                    raw = bytearray()
                    while toks[j][0] == "string":
                        raw += unescape(toks[j][1])
                        j += 1
                    # j is at the module's ")"
                    parent = stack[-1][0] if stack else None
                    assertion = parent if parent and parent.startswith("assert_") else None
                    message = None
                    if assertion and toks[j + 1][0] == "string":
                        message = unescape(toks[j + 1][1]).decode("utf-8", "replace")
                    out.append(Case(path.name, line, assertion, bytes(raw), message))
                    i = j + 1
                    continue
            stack.append([head, i])
        elif kind == ")":
            if stack:
                stack.pop()
        i += 1
    return out


def suite_cases(folder: str) -> list[Case]:
    out: list[Case] = []
    for path in sorted((SUITE / folder).glob("*.wast")):
        if b"binary" in path.read_bytes():  # most scripts have no binary module
            out.extend(cases(path))
    return out
