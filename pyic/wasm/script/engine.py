"""The two hooks the script runner is driven through.

A script needs two very different services:

* a **frontend** that turns a module source into a validated `Module`:
  decoding (chapter 5), parsing (chapter 6) and validation (chapter 3).
  `Frontend` binds pyic's own functions by default; tests replace them.
* an **engine** that instantiates modules and runs their exports (chapter 4).
  Until one is given, every command that needs execution is counted ``not_run``.

An engine is any object with the methods of `ScriptEngine`.  Values cross this
boundary in the script's own terms (`commands.Num`, `commands.Vec`,
`commands.RefValue`), so the runner, not the engine, matches results against
the script's patterns (`results.match_results`).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
from typing import Callable, Mapping, Protocol

from attrs import frozen

from ..syntax import Module


class ScriptEngine(Protocol):
    """What the runner needs from an execution engine (spec chapter 4).

    Failures are reported by raising `pyic.errors` exceptions with the test
    suite's message text, as the reference interpreter's script runner expects:

    * ``LinkError``: instantiation failed on imports ("unknown import",
      "incompatible import type");
    * ``Trap``: a trap, also one during instantiation (start function,
      out-of-bounds segments);
    * ``Exhaustion``: the modelled call stack ran out ("call stack exhausted");
    * an exception whose ``kind`` is ``"exception"``: an uncaught Wasm exception
      (``throw`` reaching the host), for ``assert_exception``;
    * ``ScriptError``: the script asks for something that is not there
      ("undefined export", "export is not a function", "wrong number of arguments").
    """

    def spectest(self) -> object:
        """A fresh instance of the ``spectest`` host module the suite imports from
        (``print*`` functions, ``global_i32`` 666 ..., ``table``, ``memory``)."""

    def instantiate(self, module: Module, registry: Mapping[str, object]) -> object:
        """Instantiate a validated ``module`` (4.7.2); imports are resolved by module
        name in ``registry`` (registered name -> instance), then by export name."""

    def invoke(self, instance: object, name: str, args: tuple) -> tuple:
        """Call the exported function ``name`` with script values; return its results
        as script values (``Num``, ``Vec`` or ``RefValue``)."""

    def get(self, instance: object, name: str) -> object:
        """The value of the exported global ``name``, as a script value."""


@frozen
class Frontend:
    """Decoding, parsing and validation, as the runner calls them.

    Each callable field ``None`` means "pyic's own", imported on first use so
    that the runner imports (and reports) even when one of them is missing.

    ``version`` is the Wasm version whose rules apply (3, or 2 for the Wasm 2.0
    test suite, whose assertions differ where 3.0 relaxed a rule: several
    memories, ``global.get`` of any immutable global in constant expressions,
    memory indices where 2.0 wants a zero byte).  It is passed as ``version=``
    to each function that takes such a parameter, and otherwise ignored.

    ``legacy_text``: scripts and quoted modules may use the older text forms that
    `legacy.modernise` rewrites (``pyic spec --legacy-text``).
    """

    decode: Callable[[bytes], Module] | None = None
    parse: Callable[[str], Module] | None = None
    validate: Callable[[Module], None] | None = None
    version: int = 3
    legacy_text: bool = False

    def decode_module(self, data: bytes) -> Module:
        return self._call(self.decode or _pyic("pyic.wasm.binary", "decode_module"), data,
                          version=self.format_version)

    def parse_module(self, text: str) -> Module:
        return self._call(self.parse or _pyic("pyic.wasm.text", "parse_module"),
                          self._modern(text), version=self.format_version)

    @property
    def format_version(self) -> int:
        """The version whose binary and text formats apply: version 1 (the threads
        suite's rules) reads 2.0's formats."""
        return max(self.version, 2)

    def validate_module(self, module: Module) -> None:
        self._call(self.validate or _pyic("pyic.wasm.valid", "validate_module"), module)

    def parse_script(self, text: str, source: str | None = None) -> tuple:
        """A whole script, with pyic's parser (its text modules are parsed here too)."""
        return self._call(_pyic("pyic.wasm.text", "parse_script"), self._modern(text),
                          source=source, version=self.format_version)

    def _modern(self, text: str) -> str:
        if not self.legacy_text:
            return text
        from .legacy import modernise

        return modernise(text)

    def _call(self, function: Callable, argument: object, version: int | None = None,
              **options: object) -> object:
        version = self.version if version is None else version
        if version != 3 and _takes_version(function):
            return function(argument, version=version, **options)
        return function(argument, **options)


def _pyic(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


@functools.lru_cache(maxsize=None)
def _takes_version(function: Callable) -> bool:
    try:
        return "version" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def version_of_path(path: str) -> int:
    """The Wasm version a script's rules are taken from: 2 for a script in a folder
    named ``wasm-1.0`` or ``wasm-2.0`` (the test suite's layout), 1 in the threads
    proposal's folder (its suite follows Wasm 1.0: one table, one memory, u32
    limits; pyic reads it with 2.0's formats and 1.0's single table,
    docs/proposals.md), else 3."""
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)[:-1]
    if "threads" in parts:
        return 1
    return 2 if any(part in ("wasm-1.0", "wasm-2.0") for part in parts) else 3


def default_engine(tier: str | None = None) -> ScriptEngine | None:
    """pyic's execution engine for scripts on ``tier`` (`pyic.wasm.tiers`; ``None``: the
    default tier), or ``None`` while there is none.

    The execution packages provide it as ``pyic.wasm.exec.script_engine(tier)``;
    until that exists, execution commands are ``not_run``.
    """
    try:
        exec_package = importlib.import_module("pyic.wasm.exec")
    except ImportError:
        return None
    factory = getattr(exec_package, "script_engine", None)
    return factory(tier) if factory is not None else None
