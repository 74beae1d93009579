"""Reading a module from a file, and the one line that reports a failure: the part of
the commands' shared helpers that needs no click, so that ``pyic run``'s fast path
(`pyic.cli.run.fast`) can use it; `pyic.cli.common` gives it to the click commands.

Every command reports bad input the same way::

    pyic: FILE:POS: message        (exit status 1)

``POS`` is ``line:column`` for text and ``@0xOFFSET`` for binary input, left
out when unknown.  A traceback is never shown, unless the environment variable
``PYIC_DEBUG`` is set.
"""

from __future__ import annotations

import os
import sys

import attrs

from ..errors import MalformedError, Position, PyicError

WASM_MAGIC = b"\0asm"
TEXT_SUFFIXES = (".wat", ".wast")


def error_line(path: str | None, error: BaseException) -> str:
    """``pyic: FILE:POS: message`` for ``error`` met while handling ``path``."""
    where = [path] if path else []
    if isinstance(error, PyicError):
        pos = error.position
        if pos is not None:
            local = str(Position(offset=pos.offset, line=pos.line, column=pos.column))
            if pos.source and pos.source != path:
                where = [pos.source]
            if local:
                where.append(local)
        message = error.message
    elif isinstance(error, OSError):
        message = error.strerror or str(error)
        if error.filename is not None and str(error.filename) != path:
            message = f"{message}: {error.filename}"
    else:
        message = f"internal error: {type(error).__name__}: {error}"
    prefix = ":".join(str(w) for w in where)
    message = " ".join(str(message).splitlines())  # one line, whatever the message holds
    return f"pyic: {prefix}: {message}" if prefix else f"pyic: {message}"


def report_line(path: str | None, error: Exception) -> str | None:
    """The line reporting ``error``, or None when it must propagate with its traceback:
    bad input (`PyicError`) and files (`OSError`) are always one line; anything else is
    a bug in pyic (a `RecursionError` too: pyic never recurses per input nesting), one
    line unless ``PYIC_DEBUG`` is set."""
    if isinstance(error, (PyicError, OSError)) or not os.environ.get("PYIC_DEBUG"):
        return error_line(path, error)
    return None


@attrs.frozen
class Loaded:
    """A module read from a file: its syntax, and its bytes when it was binary."""

    module: object
    binary: bytes | None
    path: str


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def is_binary(path: str, data: bytes) -> bool:
    """Binary when the file starts with the magic number, or is named ``*.wasm``
    and is not recognisably text."""
    if data.startswith(WASM_MAGIC):
        return True
    if path.lower().endswith(TEXT_SUFFIXES):
        return False
    if path.lower().endswith(".wasm"):
        return True
    # Unknown name: text if it looks like text, else binary (and then malformed).
    return b"\0" in data[:64]


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedError("malformed UTF-8 encoding", Position(offset=e.start)) from None


def load_module(path: str) -> Loaded:
    """Read a module from ``path``: binary (``\\0asm``), a ``.wat`` module, or
    the first module of a ``.wast`` script.  Raises `PyicError` or `OSError`."""
    data = read_bytes(path)
    if is_binary(path, data):
        from ..wasm.binary import decode_module

        return Loaded(decode_module(data), data, path)
    text = decode_text(data)
    if path.lower().endswith(".wast"):
        return Loaded(*_first_script_module(text, path), path)
    from ..wasm.text import parse_module

    return Loaded(parse_module(text, source=path), None, path)


def _first_script_module(text: str, path: str) -> tuple:
    from ..wasm.script.commands import BinaryModule, ModuleCmd, QuoteModule, TextModule
    from ..wasm.text import parse_module, parse_script

    for cmd in parse_script(text, source=path):
        if not isinstance(cmd, ModuleCmd):
            continue
        src = cmd.source
        if isinstance(src, TextModule):
            return src.module, None
        if isinstance(src, BinaryModule):
            from ..wasm.binary import decode_module

            return decode_module(src.data), src.data
        if isinstance(src, QuoteModule):
            return parse_module(src.text, source=path), None
    raise MalformedError("no module in script", Position(source=path))


def validate(module: object) -> None:
    from ..wasm.valid import validate_module

    validate_module(module)
