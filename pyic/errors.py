"""The one exception hierarchy of pyic.

Every failure pyic reports on bad input is one of these.  Wasm errors carry the
message text the official test suite expects (``message``), so a script runner
can match an assertion by prefix, plus where the problem is (``position``): a
byte offset for binary input, a line and column for text.

    PyicError
    ├── WasmError
    │   ├── MalformedError      binary or text that is not a module      (spec: "malformed")
    │   ├── InvalidError        a module that does not validate          (spec: "invalid")
    │   ├── LinkError           imports that do not match                (spec: "unlinkable")
    │   ├── Trap                execution trapped                        (spec: "trap")
    │   ├── Exhaustion          a modelled resource ran out (call depth) (spec: "exhaustion")
    │   ├── InstructionLimitExceeded   a counted instruction limit was reached
    │   ├── UncaughtException   a Wasm exception escaped the invocation  (spec: "exception")
    │   └── ScriptError         a WAST script that cannot be run as written
    ├── CandidError             bad Candid bytes, text, types or .did files
    └── ICError                 errors of the canister layer
        └── Reject              a call rejected, with reject code and error code
"""

from __future__ import annotations


class Position:
    """Where an error is: a byte offset, or a line and column, optionally in a named file."""

    __slots__ = ("offset", "line", "column", "source")

    def __init__(self, offset: int | None = None, line: int | None = None,
                 column: int | None = None, source: str | None = None) -> None:
        self.offset = offset
        self.line = line
        self.column = column
        self.source = source

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        if self.line is not None:
            return f"{where}{self.line}:{self.column if self.column is not None else 0}"
        if self.offset is not None:
            return f"{where}@{self.offset:#x}" if where else f"@{self.offset:#x}"
        return where.rstrip(":")

    def __repr__(self) -> str:
        return f"Position({self})"


class PyicError(Exception):
    """Base of every error pyic raises on purpose."""

    kind = "error"

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        if self.position is not None and str(self.position):
            return f"{self.position}: {self.message}"
        return self.message


class WasmError(PyicError):
    """An error of the WebAssembly engine."""


class MalformedError(WasmError):
    """Input that is not a well-formed module in the binary or text format."""

    kind = "malformed"


class InvalidError(WasmError):
    """A well-formed module that fails validation."""

    kind = "invalid"


class LinkError(WasmError):
    """Instantiation failed because imports do not match (spec: "unlinkable")."""

    kind = "unlinkable"


class Trap(WasmError):
    """Execution trapped (spec 4.4: the ``trap`` instruction result)."""

    kind = "trap"


class Exhaustion(WasmError):
    """A resource modelled by pyic ran out, e.g. the call-depth limit."""

    kind = "exhaustion"


class InstructionLimitExceeded(WasmError):
    """Execution reached its counted instruction limit (see docs/semantics.md)."""

    kind = "instruction limit"


class UncaughtException(WasmError):
    """A Wasm exception (exception handling, ``throw``) left the invoked function."""

    kind = "exception"

    def __init__(self, message: str = "uncaught exception", position: Position | None = None,
                 tag: object = None, payload: tuple = ()) -> None:
        super().__init__(message, position)
        self.tag = tag
        self.payload = payload


class ScriptError(WasmError):
    """A WAST script command that cannot be carried out as written."""

    kind = "script"


class CandidError(PyicError):
    """Malformed or ill-typed Candid: bytes, textual values, types or .did files."""

    kind = "candid"


class ICError(PyicError):
    """An error of the Internet Computer layer."""

    kind = "ic"


class Reject(ICError):
    """A call was rejected: reject code (1-6), an optional error code and a message."""

    kind = "reject"

    def __init__(self, reject_code: int, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.reject_code = reject_code
        self.error_code = error_code

    def __str__(self) -> str:
        code = f" ({self.error_code})" if self.error_code else ""
        return f"reject code {self.reject_code}{code}: {self.message}"
