"""Abstract syntax of WAST scripts (the spec interpreter's script format,
``interpreter/README.md`` "Scripts"; Wasm 3.0 adds module definitions and instances).

A script is a tuple of commands; every command carries the ``line`` it starts on.
"""

from __future__ import annotations

from typing import Union

from attrs import frozen

from ..syntax import Module

# ------------------------------------------------------------------ module sources


@frozen
class TextModule:
    """``(module $id? field*)``: parsed already."""

    module: Module


@frozen
class BinaryModule:
    """``(module $id? binary "..."*)``: the bytes, decoded when the command runs."""

    data: bytes


@frozen
class QuoteModule:
    """``(module $id? quote "..."*)``: the text, parsed when the command runs."""

    text: str


ModuleSource = Union[TextModule, BinaryModule, QuoteModule]

# ------------------------------------------------------------------ values


@frozen
class Num:
    """``(i32.const 1)`` etc.: ``type`` is i32/i64/f32/f64, ``bits`` the bit pattern."""

    type: str
    bits: int


@frozen
class Vec:
    """``(v128.const i32x4 1 2 3 4)``: the shape and its lanes (bit patterns,
    or `NanPattern` in results)."""

    shape: str
    lanes: tuple


@frozen
class RefValue:
    """A reference literal or pattern.

    ``kind``: ``"null"`` (``value`` = the heap type, or ``None`` for the pattern
    ``(ref.null)``), ``"extern"``/``"host"`` (``value`` = the int, or ``None``
    for "any such reference" in results), or a result-only class like
    ``"func"``, ``"any"``, ``"eq"``, ``"i31"``, ``"struct"``, ``"array"``,
    ``"exn"`` (``value`` ``None``).
    """

    kind: str
    value: object = None


@frozen
class NanPattern:
    """``nan:canonical`` or ``nan:arithmetic`` for ``f32``/``f64`` (results only)."""

    type: str
    kind: str


@frozen
class Either:
    """``(either result*)``: any one of the alternatives."""

    alternatives: tuple


Value = Union[Num, Vec, RefValue]
Result = Union[Num, Vec, RefValue, NanPattern, Either]

# ------------------------------------------------------------------ actions


@frozen
class Invoke:
    """``(invoke $module? "name" const*)``."""

    module: str | None
    name: str
    args: tuple


@frozen
class Get:
    """``(get $module? "name")``."""

    module: str | None
    name: str


Action = Union[Invoke, Get]

# ------------------------------------------------------------------ commands


@frozen
class ModuleCmd:
    """``(module $id? ...)``: define and instantiate, or with ``definition``
    (``(module definition $id? ...)``) define only."""

    line: int
    name: str | None
    source: ModuleSource
    definition: bool = False


@frozen
class ModuleInstance:
    """``(module instance $instance? $module?)``."""

    line: int
    instance: str | None
    module: str | None


@frozen
class Register:
    """``(register "name" $module?)``."""

    line: int
    as_name: str
    module: str | None


@frozen
class ActionCmd:
    """An action on its own."""

    line: int
    action: Action


@frozen
class AssertReturn:
    line: int
    action: Action
    results: tuple


@frozen
class AssertTrap:
    """``(assert_trap action "msg")`` or, for instantiation, ``(assert_trap module "msg")``
    (then ``action`` is a `ModuleCmd`)."""

    line: int
    action: object
    message: str


@frozen
class AssertExhaustion:
    line: int
    action: Action
    message: str


@frozen
class AssertException:
    line: int
    action: Action


@frozen
class AssertMalformed:
    line: int
    source: ModuleSource
    message: str


@frozen
class AssertInvalid:
    line: int
    source: ModuleSource
    message: str


@frozen
class AssertUnlinkable:
    line: int
    source: ModuleSource
    message: str


@frozen
class AssertMalformedCustom:
    line: int
    source: ModuleSource
    message: str


@frozen
class AssertInvalidCustom:
    line: int
    source: ModuleSource
    message: str


@frozen
class Meta:
    """``(script ...)``, ``(input ...)``, ``(output ...)``: kept, not run."""

    line: int
    kind: str


@frozen
class Thread:
    """``(thread $t (shared (module $m))* command*)`` (the threads proposal's scripts):
    run ``commands`` in a new thread that sees the named module instances of
    ``shared`` (and registers its own names); `pyic.wasm.threads` schedules it."""

    line: int
    name: str | None
    shared: tuple
    commands: tuple


@frozen
class Wait:
    """``(wait $t)``: go on once thread ``$t`` has ended."""

    line: int
    name: str | None


Command = Union[ModuleCmd, ModuleInstance, Register, ActionCmd, AssertReturn, AssertTrap,
                AssertExhaustion, AssertException, AssertMalformed, AssertInvalid,
                AssertUnlinkable, AssertMalformedCustom, AssertInvalidCustom, Meta, Thread, Wait]

# The name a command has in reports (``by_command`` of ``pyic spec --json``).
COMMAND_NAMES = {
    ModuleCmd: "module", ModuleInstance: "module", Register: "register", ActionCmd: "action",
    AssertReturn: "assert_return", AssertTrap: "assert_trap",
    AssertExhaustion: "assert_exhaustion", AssertException: "assert_exception",
    AssertMalformed: "assert_malformed", AssertInvalid: "assert_invalid",
    AssertUnlinkable: "assert_unlinkable", AssertMalformedCustom: "assert_malformed_custom",
    AssertInvalidCustom: "assert_invalid_custom", Meta: "meta",
    Thread: "action", Wait: "action",   # starting and joining a thread
}
