"""Running WAST scripts: the reference interpreter's script semantics
(``interpreter/script/run.ml``), counted rather than aborted.

The reference interpreter stops a script at its first failed command; a
conformance runner wants to know about all of them.  So every command is run
on its own and ends ``passed``, ``failed`` or ``not_run`` (see `report`), and
nothing a script or a module does can crash the runner: an exception that is
not one of pyic's own is reported as a failure naming its type.

The assertions, as the reference interpreter checks them:

* ``assert_malformed``: decoding or parsing raises a malformed error whose
  message starts with the expected text (the module is not validated);
* ``assert_invalid``: decoding or parsing succeeds and validation raises an
  invalid error whose message starts with the expected text;
* ``assert_unlinkable`` / ``assert_trap`` on a module: the module is valid and
  instantiation fails with a link error / a trap;
* ``assert_return``, ``assert_trap``, ``assert_exhaustion``, ``assert_exception``:
  the action's results match / it fails in that way with that message prefix.

"Starts with" is the reference interpreter's rule (``run.ml`` compares a prefix of the
message), and the default.  Other engines' suites word their messages differently, so
``messages`` also takes ``"exact"`` (the whole message must be the expected one) and
``"category"`` (only the kind of failure must match, whatever the message: WABT's
runner checks malformed and invalid modules so).

Decoding, parsing and validation go through a `Frontend`; instantiation and
invocation through a `ScriptEngine`.  Without an engine, every command that
needs execution is ``not_run`` (a module command then passes when its module
is accepted).
"""

from __future__ import annotations

import fnmatch
import os
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable

from ...errors import (
    Exhaustion, InvalidError, LinkError, MalformedError, PyicError, ScriptError, Trap,
)
from ..syntax import Module
from .commands import (
    COMMAND_NAMES, ActionCmd, AssertException, AssertExhaustion, AssertInvalid,
    AssertInvalidCustom, AssertMalformed, AssertMalformedCustom, AssertReturn, AssertTrap,
    AssertUnlinkable, BinaryModule, Either, Get, Invoke, Meta, ModuleCmd, ModuleInstance,
    NanPattern, Num, QuoteModule, RefValue, Register, TextModule, Thread, Vec, Wait,
)
from ..features import enabled, for_path, using
from ..threads import Scheduler, run_main
from ..threads import current as current_scheduler
from .engine import Frontend, ScriptEngine, default_engine, version_of_path
from .report import SCRIPT, FileReport, SuiteReport
from .results import match_results

PASSED, FAILED, NOT_RUN = "passed", "failed", "not_run"

# ``engine=DEFAULT`` asks for pyic's own engine (`engine.default_engine`).
DEFAULT = object()

# How an assertion's expected message is compared with the error's (see above).
MESSAGE_MODES = ("exact", "prefix", "category")

# Whose script runner a script was written for (docs/spec-runner.md, "Other engines'
# suites"): the reference interpreter's, or wasmtime's or wasmi's, which also register an
# instance defined as ``(module $name ...)`` under ``name`` and link a host module of their
# own (below).
CONVENTIONS = ("reference", "wasmtime", "wasmi")

# The host modules, by registered name, as Wasm text.  wasmtime's ``gc`` asks for a
# collection, which pyic's heap (Python's own) never needs, so it does nothing
# (wasmtime crates/wast/src/wast.rs, register_wasmtime); wasmi's functions are those of
# its crates/wast/src/lib.rs, register_wasmitest.
_I64 = "(param i64)"

# wasmtime's runner checks ``assert_trap`` and ``assert_exhaustion`` alike (any trap, a
# stack overflow included) and ``assert_unlinkable`` against any failed instantiation
# (crates/wast/src/wast.rs, `run_directive`): the error kinds each accepts there.
_WASMTIME_KINDS = {
    (Trap,): (Trap, Exhaustion),
    (Exhaustion,): (Exhaustion, Trap),
    (LinkError,): (LinkError, Trap),
}
_HOSTS = {
    "wasmtime": ("wasmtime", '(module (func (export "gc")))'),
    "wasmi": ("wasmitest", f"""(module
  (func (export "identity-0"))
  (func (export "identity-1") {_I64} (result i64) local.get 0)
  (func (export "identity-2") {_I64 * 2} (result i64 i64) local.get 0 local.get 1)
  (func (export "offset-1") {_I64} (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func (export "offset-2") {_I64 * 2} (result i64 i64)
    (i64.add (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 2)))
  (func (export "sum-3") {_I64 * 3} (result i64)
    (i64.add (i64.add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "iota-3") {_I64} (result i64 i64 i64)
    (i64.add (local.get 0) (i64.const 1)) (i64.add (local.get 0) (i64.const 2))
    (i64.add (local.get 0) (i64.const 3))))"""),
}


class NotRun(Exception):
    """Raised inside the runner when a command cannot be checked (no engine)."""


class Broken:
    """Stands for a module or instance whose command failed, so that later
    commands using it fail with a pointer to the cause instead of silently
    running against an earlier module."""

    def __init__(self, line: int) -> None:
        self.line = line


# ------------------------------------------------------------------ entry points


def run_file(path: str, *, engine: object = DEFAULT, frontend: Frontend | None = None,
             version: int | None = None, features: Iterable[str] = (),
             messages: str = "prefix", legacy_text: bool = False,
             tier: str | None = None, conventions: str = "reference") -> FileReport:
    """Read, parse and run one ``.wast`` file.

    ``version``: the Wasm version whose rules apply (2 or 3); by default 2 for a
    file in a ``wasm-2.0`` folder, else 3 (`engine.version_of_path`).  ``legacy_text``:
    read the older text forms of `legacy` too.  Both only used without a
    ``frontend``.  The file runs with ``features`` enabled, and those its folder
    needs (`pyic.wasm.features.for_path`); ``messages`` is one of `MESSAGE_MODES`.
    ``tier``: the execution tier of pyic's engine (`pyic.wasm.tiers`), with ``engine=DEFAULT``;
    ``conventions``: one of `CONVENTIONS`."""
    if engine is DEFAULT and tier is not None:
        engine = default_engine(tier)
    with using(set(features) | for_path(path)):
        return _run_file(path, engine, frontend, version, messages, legacy_text, conventions)


def _run_file(path: str, engine: object, frontend: Frontend | None, version: int | None,
              messages: str, legacy_text: bool, conventions: str) -> FileReport:
    try:
        with open(path, "rb") as stream:
            # Bytes that are not UTF-8 reach the lexer as lone surrogates, which it
            # reports at their line (the text package's convention).
            text = stream.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        report = FileReport(path)
        report.record(SCRIPT, FAILED, 0, f"cannot read script: {exc}")
        return report
    if frontend is None:
        frontend = Frontend(version=version or version_of_path(path), legacy_text=legacy_text)
    return run_text(text, path, engine=engine, frontend=frontend, messages=messages,
                    conventions=conventions)


def run_text(text: str, path: str, *, engine: object = DEFAULT,
             frontend: Frontend | None = None, messages: str = "prefix",
             conventions: str = "reference") -> FileReport:
    """Parse a script's text and run it; a script that does not parse is one failure."""
    frontend = frontend or Frontend()
    try:
        commands = frontend.parse_script(text, source=path)
    except PyicError as exc:
        report = FileReport(path)
        line = exc.position.line if exc.position is not None and exc.position.line else 0
        report.record(SCRIPT, FAILED, line, f"cannot parse script: {exc.kind}: {exc.message}")
        return report
    except Exception as exc:  # a bug in the parser must not stop the suite
        report = FileReport(path)
        report.record(SCRIPT, FAILED, 0, f"internal error while parsing: {_describe(exc)}")
        return report
    return run_script(commands, path, engine=engine, frontend=frontend, messages=messages,
                      conventions=conventions)


def run_script(commands: Iterable, path: str, *, engine: object = DEFAULT,
               frontend: Frontend | None = None, messages: str = "prefix",
               conventions: str = "reference") -> FileReport:
    """Run parsed script commands; ``path`` names the script in the report, ``messages``
    (one of `MESSAGE_MODES`) how expected messages are compared, ``conventions`` (one of
    `CONVENTIONS`) whose runner's the script follows."""
    if messages not in MESSAGE_MODES:
        raise ValueError(f"messages must be one of {', '.join(MESSAGE_MODES)}, not {messages!r}")
    if conventions not in CONVENTIONS:
        raise ValueError(f"conventions must be one of {', '.join(CONVENTIONS)}, "
                         f"not {conventions!r}")
    report = FileReport(path)
    if engine is DEFAULT:
        try:
            engine = default_engine()
        except Exception as exc:
            report.record(SCRIPT, FAILED, 0, f"cannot start the engine: {_describe(exc)}")
            engine = None
    commands = tuple(commands)
    script = ScriptRun(report, engine, frontend or Frontend(), messages, conventions)
    if any(isinstance(c, Thread) for c in commands):
        # the threads proposal's scripts: threads run as scheduled coroutines
        run_main(Scheduler(), lambda: script.run(commands))
    else:
        script.run(commands)
    return report


# ------------------------------------------------------------------ one script


class ScriptRun:
    """The state of one script: defined modules, instances, registered names."""

    def __init__(self, report: FileReport, engine: ScriptEngine | None, frontend: Frontend,
                 messages: str = "prefix", conventions: str = "reference") -> None:
        self.report = report
        self.engine = engine
        self.frontend = frontend
        self.messages = messages     # one of MESSAGE_MODES
        self.conventions = conventions   # one of CONVENTIONS
        self.modules: dict = {}      # name -> Module | Broken (module definitions)
        self.instances: dict = {}    # name -> instance | Broken
        self.last_module: object = None
        self.last_instance: object = None
        self.registry: dict | None = None   # registered name -> instance, made on first use
        self.threads: dict = {}      # name -> pyic.wasm.threads.Thread started by this script

    def run(self, commands: Iterable) -> None:
        for command in commands:
            kind = COMMAND_NAMES.get(type(command), type(command).__name__)
            line = getattr(command, "line", 0)
            try:
                message = self.run_command(command)
            except NotRun:
                self.report.record(kind, NOT_RUN, line)
            except PyicError as exc:
                self.report.record(kind, FAILED, line, _unexpected(exc))
            except Exception as exc:  # pyic bugs are failures, never crashes
                self.report.record(kind, FAILED, line, f"internal error: {_describe(exc)}")
            else:
                if message is None:
                    self.report.record(kind, PASSED, line)
                else:
                    self.report.record(kind, FAILED, line, message)

    def run_command(self, command: object) -> str | None:
        """Run one command: ``None`` when it passed, else the failure message.
        Raises `NotRun` when it cannot be checked."""
        match command:
            case ModuleCmd():
                return self.module_command(command)
            case ModuleInstance(instance=instance_name, module=module_name):
                self.need_engine()
                try:
                    module = self.lookup(self.modules, module_name, self.last_module, "module")
                    instance = self.instantiate(module, command.line)
                except BaseException:
                    self.bind_instance(instance_name, Broken(command.line))
                    raise
                self.bind_instance(instance_name, instance)
                return None
            case Register(as_name=as_name, module=name):
                engine = self.need_engine()
                instance = self.lookup(self.instances, name, self.last_instance, "module instance")
                self.imports(engine)[as_name] = instance
                return None
            case ActionCmd(action=action):
                self.run_action(action)
                return None
            case AssertReturn(action=action, results=patterns):
                values = self.run_action(action)
                if match_results(values, patterns):
                    return None
                return (f"wrong return values: got {format_values(values)}, "
                        f"expected {format_values(patterns)}")
            case AssertTrap(action=ModuleCmd() as module_command, message=expected):
                module = self.load(module_command.source)
                return self.expect((Trap, "exception"), expected,
                              lambda: self.instantiate(module, command.line))
            case AssertTrap(action=action, message=expected):
                self.need_engine()
                return self.expect((Trap,), expected, lambda: self.run_action(action))
            case AssertExhaustion(action=action, message=expected):
                self.need_engine()
                return self.expect((Exhaustion,), expected, lambda: self.run_action(action))
            case AssertException(action=action):
                self.need_engine()
                return self.expect(("exception",), None, lambda: self.run_action(action))
            case AssertMalformed(source=source, message=expected):
                return self.expect((MalformedError,), expected, lambda: self.define(source))
            case AssertInvalid(source=source, message=expected):
                return self.expect((InvalidError,), expected, lambda: self.load(source))
            case AssertUnlinkable(source=source, message=expected):
                module = self.load(source)
                return self.expect((LinkError,), expected,
                              lambda: self.instantiate(module, command.line))
            case AssertMalformedCustom() | AssertInvalidCustom() if not enabled("annotations"):
                # custom annotations are skipped unless the feature is on
                raise NotRun
            case AssertMalformedCustom(source=source, message=expected):
                # annotations pyic interprets (docs/proposals.md) fail as malformed ...
                return self.expect((MalformedError,), expected, lambda: self.define(source))
            case AssertInvalidCustom(source=source, message=expected):
                # ... or, what they say not fitting the module, as invalid
                return self.expect((InvalidError,), expected, lambda: self.load(source))
            case Thread(name=name, shared=shared, commands=commands):
                self.need_engine()
                return self.start_thread(name, shared, commands)
            case Wait(name=name):
                self.need_engine()
                if name not in self.threads:
                    raise ScriptError(f"unknown thread {name}")
                current_scheduler().join(self.threads[name])
                return None
            case Meta():
                # Nested scripts are not supported.
                raise NotRun
        raise ScriptError(f"unknown script command {type(command).__name__}")

    def expect(self, kinds: tuple, expected: str | None,
               thunk: Callable[[], object]) -> str | None:
        """`expect`, comparing messages as this run's ``messages`` mode says."""
        if self.conventions == "wasmtime":
            kinds = _WASMTIME_KINDS.get(kinds, kinds)
        return expect(kinds, expected, thunk, self.messages)

    # -------------------------------------------------------------- threads

    def start_thread(self, name, shared: tuple, commands: tuple) -> None:
        """``(thread ...)``: its commands run in a script of their own that knows the
        ``shared`` module instances by name (pyic.wasm.threads schedules it)."""
        instances = {m: self.lookup(self.instances, m, None, "module instance") for m in shared}
        child = ScriptRun(self.report, self.engine, self.frontend, self.messages,
                          self.conventions)
        child.instances.update(instances)
        scheduler = current_scheduler()
        if scheduler is None:
            raise ScriptError("thread outside a threaded script")
        self.threads[name] = scheduler.spawn(name, lambda: child.run(commands))
        return None

    # -------------------------------------------------------------- modules

    def module_command(self, command: ModuleCmd) -> None:
        try:
            module = self.load(command.source)
        except BaseException:
            # Later commands naming this module must not use an older one.
            self.bind_module(command.name, Broken(command.line))
            if not command.definition:
                self.bind_instance(command.name, Broken(command.line))
            raise
        self.bind_module(command.name, module)
        if command.definition:
            return None
        if self.engine is None:
            # Accepted is all that can be checked; later actions will be not_run.
            self.bind_instance(command.name, None)
            return None
        try:
            instance = self.instantiate(module, command.line)
        except BaseException:
            self.bind_instance(command.name, Broken(command.line))
            raise
        self.bind_instance(command.name, instance)
        if self.conventions in _HOSTS and command.name is not None:
            self.imports(self.engine)[command.name] = instance
        return None

    def define(self, source: object) -> Module:
        """Decode or parse a module source (no validation)."""
        match source:
            case TextModule(module=module):
                return module
            case BinaryModule(data=data):
                return self.frontend.decode_module(data)
            case QuoteModule(text=text):
                return self.frontend.parse_module(text)
        raise ScriptError(f"unknown module source {type(source).__name__}")

    def load(self, source: object) -> Module:
        """Decode or parse, then validate."""
        module = self.define(source)
        self.frontend.validate_module(module)
        return module

    def instantiate(self, module: object, line: int) -> object:
        engine = self.need_engine()
        if isinstance(module, Broken):
            raise ScriptError(f"module of line {module.line} was not loaded")
        return engine.instantiate(module, self.imports(engine))

    def imports(self, engine: ScriptEngine) -> dict:
        if self.registry is None:
            self.registry = {"spectest": engine.spectest()}
            if self.conventions in _HOSTS:
                name, text = _HOSTS[self.conventions]
                host = self.frontend.parse_module(text)
                self.frontend.validate_module(host)
                self.registry[name] = engine.instantiate(host, {})
        return self.registry

    def bind_module(self, name: str | None, module: object) -> None:
        self.last_module = module
        if name is not None:
            self.modules[name] = module

    def bind_instance(self, name: str | None, instance: object) -> None:
        self.last_instance = instance
        if name is not None:
            self.instances[name] = instance

    def lookup(self, table: dict, name: str | None, last: object, what: str) -> object:
        self.need_engine()
        if name is None:
            found = last
            if found is None:
                raise ScriptError(f"no {what} defined")
        elif name not in table:
            raise ScriptError(f"unknown {what} {name}")
        else:
            found = table[name]
        if isinstance(found, Broken):
            raise ScriptError(f"{what} of line {found.line} was not loaded")
        return found

    # -------------------------------------------------------------- actions

    def need_engine(self) -> ScriptEngine:
        if self.engine is None:
            raise NotRun
        return self.engine

    def run_action(self, action: object) -> tuple:
        engine = self.need_engine()
        match action:
            case Invoke(module=name, name=export, args=args):
                instance = self.lookup(self.instances, name, self.last_instance, "module instance")
                return tuple(engine.invoke(instance, export, tuple(args)))
            case Get(module=name, name=export):
                instance = self.lookup(self.instances, name, self.last_instance, "module instance")
                return (engine.get(instance, export),)
        raise ScriptError(f"unknown action {type(action).__name__}")


# ------------------------------------------------------------------ expectations


def expect(kinds: tuple, expected: str | None, thunk: Callable[[], object],
           messages: str = "prefix") -> str | None:
    """Run ``thunk`` expecting a pyic error of one of ``kinds`` (classes, or
    ``kind`` names) whose message matches ``expected`` (``None``: any message) as
    ``messages`` says: starts with it, equals it, or (``category``) any message.
    ``None`` when it did; else the failure message."""
    want = _kind_name(kinds[0])
    expected_text = "" if expected is None else f' "{expected}"'
    try:
        thunk()
    except PyicError as exc:
        if not any(isinstance(exc, k) if isinstance(k, type) else exc.kind == k for k in kinds):
            return f"expected {want} error{expected_text}, got {exc.kind} error \"{exc.message}\""
        if not _message_matches(exc.message, expected, messages):
            return f"wrong {want} error: expected \"{expected}\", got \"{exc.message}\""
        return None
    return f"expected {want} error{expected_text}, but there was none"


def _message_matches(message: str, expected: str | None, messages: str) -> bool:
    if expected is None or messages == "category":
        return True
    if messages == "exact":
        return message == expected
    return message.startswith(expected)


def _kind_name(kind: object) -> str:
    return kind.kind if isinstance(kind, type) else str(kind)


def _unexpected(exc: PyicError) -> str:
    if isinstance(exc, ScriptError):
        return str(exc.message)
    return f"unexpected {exc.kind} error \"{exc.message}\""


def _describe(exc: BaseException) -> str:
    """An unexpected exception in one line: type, message, and the innermost place in
    pyic it came from (enough to find the bug without a traceback)."""
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "..."
    described = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = frame.filename.replace(os.sep, "/")
        if "/pyic/" in path:
            where = f"{path[path.rindex('/pyic/') + 1:]}:{frame.lineno}"
    return f"{described} (at {where})" if where else described


# ------------------------------------------------------------------ values in messages


def format_value(value: object) -> str:
    match value:
        case Num(type=type_, bits=bits):
            return f"({type_}.const {bits:#x})"
        case NanPattern(type=type_, kind=kind):
            return f"({type_}.const nan:{kind})"
        case Vec(shape=shape, lanes=lanes):
            return f"(v128.const {shape} {' '.join(_lane(lane) for lane in lanes)})"
        case RefValue(kind="null", value=heaptype):
            return "(ref.null)" if heaptype is None else f"(ref.null {heaptype})"
        case RefValue(kind=kind, value=None):
            return f"(ref.{kind})"
        case RefValue(kind=kind, value=payload):
            return f"(ref.{kind} {payload})"
        case Either(alternatives=alternatives):
            return f"(either {' '.join(format_value(a) for a in alternatives)})"
    return repr(value)


def format_values(values: Iterable) -> str:
    return "[" + " ".join(format_value(value) for value in values) + "]"


def _lane(lane: object) -> str:
    if isinstance(lane, NanPattern):
        return f"nan:{lane.kind}"
    return f"{lane:#x}" if isinstance(lane, int) else repr(lane)


# ------------------------------------------------------------------ many files


def find_scripts(paths: Iterable[str], filters: Iterable[str] = ()) -> list[str]:
    """The ``.wast`` files named by ``paths``: files as given, folders searched
    recursively (sorted); with ``filters``, only files whose name or path matches
    one of the globs."""
    filters = tuple(filters)
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            inside = []
            for folder, subfolders, names in os.walk(path):
                subfolders.sort()
                inside.extend(os.path.join(folder, name)
                              for name in names if name.endswith(".wast"))
            found.extend(sorted(inside))
        elif os.path.exists(path):
            found.append(path)
    if filters:
        found = [path for path in found
                 if any(fnmatch.fnmatch(os.path.basename(path), glob) or fnmatch.fnmatch(path, glob)
                        for glob in filters)]
    return list(dict.fromkeys(found))


def run_files(paths: list[str], *, jobs: int = 1, fail_fast: bool = False,
              version: int | None = None, features: Iterable[str] = (),
              messages: str = "prefix", legacy_text: bool = False, tier: str | None = None,
              conventions: str = "reference",
              on_done: Callable[[int, FileReport], None] | None = None) -> SuiteReport:
    """Run files with pyic's engine, in ``jobs`` processes; the report keeps the
    given order.  ``on_done(count_done, report)`` is called as each file ends.
    With ``fail_fast``, no file is started after one has failed.  ``version``,
    ``features``, ``messages``, ``legacy_text``, ``tier`` and ``conventions`` as for
    `run_file`."""
    features = tuple(features)
    options = {"version": version, "features": features, "messages": messages,
               "legacy_text": legacy_text, "tier": tier, "conventions": conventions}
    reports: dict[int, FileReport] = {}
    if jobs <= 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            reports[index] = run_file(path, **options)
            if on_done is not None:
                on_done(len(reports), reports[index])
            if fail_fast and reports[index].failed:
                break
    else:
        # Largest first, so that one big file does not finish last on its own.
        order = sorted(range(len(paths)), key=lambda i: -_size(paths[i]))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending = {pool.submit(run_file, paths[i], **options): i for i in order}
            stop = False
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    if future.cancelled():
                        continue
                    try:
                        reports[index] = future.result()
                    except Exception as exc:  # the worker process itself died
                        reports[index] = FileReport(paths[index])
                        reports[index].record(SCRIPT, FAILED, 0,
                                              f"internal error in worker: {_describe(exc)}")
                    if on_done is not None:
                        on_done(len(reports), reports[index])
                    if fail_fast and reports[index].failed and not stop:
                        stop = True
                        for other in pending:
                            other.cancel()
    return SuiteReport([reports[i] for i in sorted(reports)])


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
