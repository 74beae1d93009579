"""The WebAssembly text format (spec chapter 6) and WAST scripts.

* `parse_module(text, source=None, version=3)`: one module, written
  ``(module $id? ...)`` or as a bare list of module fields (as in
  ``(module quote ...)`` texts);
* `parse_script(text, source=None, version=3)`: the commands of a ``.wast`` script.

``version=2`` reads Wasm 2.0's text format instead of 3.0's: limits and memarg
offsets are u32 ("i32 constant out of range"), and a lane index that is no u8
is a "malformed lane index".  Every text both versions accept means the same.

Both accept ``str`` (bytes that were not UTF-8 as lone surrogates, see
`lexer`) or ``bytes``, and raise only `MalformedError` with a line and column.
"""

from __future__ import annotations

from ...errors import MalformedError
from ..syntax.modules import Module
from .lexer import tokenize
from .modules import module, module_fields
from .reader import Reader
from .script import parse_script


def parse_module(text: str | bytes, source: str | None = None, version: int = 3) -> Module:
    """The module written in ``text`` (text/modules.rst; the ``module`` wrapper is optional),
    read with the text format of Wasm ``version`` (3 or 2)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    r = Reader(tokenize(text, source))
    if r.peek_field() == "module":
        _, m = module(r, version)
    else:
        m = module_fields(r, None, version)
    if not r.at_end():
        raise r.unexpected()
    return m


__all__ = ["parse_module", "parse_script", "MalformedError"]
