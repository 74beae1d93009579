"""The WebAssembly text format (spec chapter 6) and WAST scripts.

* `parse_module(text, source=None)`: one module, written ``(module $id? ...)``
  or as a bare list of module fields (as in ``(module quote ...)`` texts);
* `parse_script(text, source=None)`: the commands of a ``.wast`` script.

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


def parse_module(text: str | bytes, source: str | None = None) -> Module:
    """The module written in ``text`` (text/modules.rst; the ``module`` wrapper is optional)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    r = Reader(tokenize(text, source))
    if r.peek_field() == "module":
        _, m = module(r)
    else:
        m = module_fields(r)
    if not r.at_end():
        raise r.unexpected()
    return m


__all__ = ["parse_module", "parse_script", "MalformedError"]
