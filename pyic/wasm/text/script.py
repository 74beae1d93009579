"""WAST scripts: the reference interpreter's script format (interpreter/README.md
"Scripts"), read into the commands of `pyic.wasm.script.commands`.

Text modules are parsed at once; ``(module binary ...)`` keeps its bytes and
``(module quote ...)`` its text (the strings' bytes concatenated and decoded
as UTF-8 with ``surrogateescape``, so that `parse_module` can report bytes that
are not UTF-8 as "malformed UTF-8 encoding").
"""

from __future__ import annotations

from ..script.commands import (
    ActionCmd, AssertException, AssertExhaustion, AssertInvalid, AssertInvalidCustom,
    AssertMalformed, AssertMalformedCustom, AssertReturn, AssertTrap, AssertUnlinkable,
    BinaryModule, Either, Get, Invoke, Meta, ModuleCmd, ModuleInstance, NanPattern, Num,
    QuoteModule, Register, RefValue, TextModule, Thread, Vec, Wait,
)
from ..syntax.types import ABSHEAPTYPES
from .context import ModuleContext
from .instructions import SHAPES, literal, v128_lanes, v128_shape
from .lexer import FLOAT, ID, INT, KEYWORD, LPAR, NAT, tokenize
from .modules import is_field_keyword, module_fields
from .reader import Reader

_NUM_TYPES = {"i32.const": "i32", "i64.const": "i64", "f32.const": "f32", "f64.const": "f64"}
_NANS = {"nan:canonical": "canonical", "nan:arithmetic": "arithmetic"}
# Result patterns that match any reference of a class: ``(ref.func)`` ...
_REF_CLASSES = {"ref.func": "func", "ref.extern": "extern", "ref.any": "any", "ref": "any",
                "ref.eq": "eq", "ref.i31": "i31", "ref.struct": "struct",
                "ref.array": "array", "ref.exn": "exn", "ref.host": "host",
                "ref.null": "null"}


def parse_script(text: str | bytes, source: str | None = None, version: int = 3) -> tuple:
    """All commands of a script (a bare list of module fields is one module); its
    text modules are read with the text format of Wasm ``version`` (3 or 2)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    r = Reader(tokenize(text, source))
    return _Script(r, version).parse()


class _Script:
    def __init__(self, r: Reader, version: int) -> None:
        self.r = r
        self.version = version

    def line(self, at: int) -> int:
        return self.r.toks.position(self.r.offs[at]).line

    def parse(self) -> tuple:
        r = self.r
        if is_field_keyword(r.peek_field()):
            line = self.line(r.i)
            m = module_fields(r, None, self.version)
            if not r.at_end():
                raise r.unexpected()
            return (ModuleCmd(line, None, TextModule(m)),)
        cmds: list = []
        while not r.at_end():
            self.command(cmds)
        return tuple(cmds)

    # ------------------------------------------------------------ commands

    def command(self, out: list) -> None:
        r = self.r
        word = r.peek_field()
        at = r.i
        line = self.line(at)
        if word == "module":
            out.append(self.script_module())
            return
        if word in ("invoke", "get"):
            out.append(ActionCmd(line, self.action()))
            return
        if word == "register":
            r.i += 2
            name = r.name()
            out.append(Register(line, name, r.opt_id()))
            r.rpar()
            return
        if word in ("script", "input", "output"):
            r.i += 2
            r.opt_id()
            if word == "script":
                nested: list = []
                while not r.at_rpar():
                    if r.at_end():
                        raise r.unexpected()
                    self.command(nested)
            elif word == "input":
                r.string()
            elif not r.at_rpar():
                r.string()
            r.rpar()
            out.append(Meta(line, word))
            return
        if word is not None and word.startswith("assert_"):
            out.append(self.assertion(word, line))
            return
        if word == "thread":
            # the threads proposal: (thread $t (shared (module $m))* command*)
            r.i += 2
            name = r.opt_id()
            shared = []
            while r.peek_field() == "shared":
                r.i += 2
                r.open("module")
                shared.append(r.opt_id())
                r.rpar()
                r.rpar()
            nested = []
            while not r.at_rpar():
                if r.at_end():
                    raise r.unexpected()
                self.command(nested)
            r.rpar()
            out.append(Thread(line, name, tuple(shared), tuple(nested)))
            return
        if word == "wait":
            r.i += 2
            name = r.opt_id()
            r.rpar()
            out.append(Wait(line, name))
            return
        raise r.unexpected(at + 1 if r.kinds[at] == LPAR else at)

    def script_module(self):
        """``(module definition? $id? ...)`` or ``(module instance $i? $m?)``."""
        r = self.r
        at = r.i
        line = self.line(at)
        r.open("module")
        definition = r.at_keyword("definition")
        if definition:
            r.i += 1
        elif r.at_keyword("instance"):
            r.i += 1
            first = r.opt_id()
            second = r.opt_id()
            r.rpar()
            if second is None:
                return ModuleInstance(line, None, first)
            return ModuleInstance(line, first, second)
        name = r.opt_id()
        if r.at_keyword("binary"):
            r.i += 1
            source = BinaryModule(r.strings())
        elif r.at_keyword("quote"):
            r.i += 1
            source = QuoteModule(r.strings().decode("utf-8", "surrogateescape"))
        else:
            source = TextModule(module_fields(r, name, self.version, at))
        r.rpar()
        return ModuleCmd(line, name, source, definition)

    def module_source(self):
        r = self.r
        if r.peek_field() != "module":
            raise r.unexpected(r.i + 1 if r.kinds[r.i] == LPAR else r.i)
        cmd = self.script_module()
        if not isinstance(cmd, ModuleCmd):
            raise r.error("unexpected token")
        return cmd

    def message(self) -> str:
        return self.r.string().decode("utf-8", "replace")

    def assertion(self, word: str, line: int):
        r = self.r
        r.i += 2
        if word == "assert_return":
            action = self.action()
            results = []
            while not r.at_rpar():
                results.append(self.result())
            cmd = AssertReturn(line, action, tuple(results))
        elif word == "assert_trap":
            if r.peek_field() == "module":
                cmd = AssertTrap(line, self.module_source(), self.message())
            else:
                cmd = AssertTrap(line, self.action(), self.message())
        elif word == "assert_exhaustion":
            cmd = AssertExhaustion(line, self.action(), self.message())
        elif word == "assert_exception":
            cmd = AssertException(line, self.action())
        else:
            classes = {
                "assert_malformed": AssertMalformed, "assert_invalid": AssertInvalid,
                "assert_unlinkable": AssertUnlinkable,
                "assert_malformed_custom": AssertMalformedCustom,
                "assert_invalid_custom": AssertInvalidCustom,
            }
            cls = classes.get(word)
            if cls is None:
                raise r.unexpected(r.i - 1)
            source = self.module_source().source
            cmd = cls(line, source, self.message())
        r.rpar()
        return cmd

    # ------------------------------------------------------------ actions and values

    def action(self):
        r = self.r
        word = r.peek_field()
        if word not in ("invoke", "get"):
            raise r.unexpected(r.i + 1 if r.kinds[r.i] == LPAR else r.i)
        r.i += 2
        module = r.opt_id()
        name = r.name()
        if word == "get":
            r.rpar()
            return Get(module, name)
        args = []
        while not r.at_rpar():
            args.append(self.value(False))
        r.rpar()
        return Invoke(module, name, tuple(args))

    def result(self):
        r = self.r
        if r.peek_field() == "either":
            r.i += 2
            alternatives = [self.result()]
            while not r.at_rpar():
                alternatives.append(self.result())
            r.rpar()
            return Either(tuple(alternatives))
        return self.value(True)

    def value(self, pattern: bool):
        """A constant (arguments) or, with ``pattern``, a result pattern."""
        r = self.r
        r.lpar()
        if r.kinds[r.i] != KEYWORD:
            raise r.unexpected()
        word = r.vals[r.i]
        r.i += 1
        if word in _NUM_TYPES:
            t = _NUM_TYPES[word]
            if pattern and t[0] == "f" and r.kinds[r.i] == KEYWORD and r.vals[r.i] in _NANS:
                value = NanPattern(t, _NANS[r.vals[r.i]])
                r.i += 1
            else:
                value = Num(t, self.number(t))
        elif word == "v128.const":
            value = self.vector(pattern)
        elif word == "ref.null":
            if pattern and r.at_rpar():
                value = RefValue("null", None)
            else:
                value = RefValue("null", self.heaptype())
        elif word in ("ref.extern", "ref.host"):
            if pattern and r.at_rpar():
                value = RefValue(word[4:], None)
            else:
                value = RefValue(word[4:], r.nat(32))
        elif pattern and word == "ref.func" and not r.at_rpar():
            # ``(ref.func x)``: the wast crate's (wasmtime's) pattern, which its runner
            # matches like ``(ref.func)``: any non-null function reference.
            if r.opt_id() is None:
                r.nat(32)
            value = RefValue("func", None)
        elif pattern and word in _REF_CLASSES:
            value = RefValue(_REF_CLASSES[word], None)
        else:
            raise r.unexpected(r.i - 1)
        r.rpar()
        return value

    def number(self, t: str) -> int:
        r = self.r
        at = r.i
        k = r.kinds[at]
        if k not in (NAT, INT, FLOAT):
            raise r.unexpected()
        r.i += 1
        return literal(r, t, r.vals[at], k, at)

    def heaptype(self):
        r = self.r
        k = r.kinds[r.i]
        if k == KEYWORD and r.vals[r.i] in ABSHEAPTYPES:
            r.i += 1
            return r.vals[r.i - 1]
        if k == NAT:
            return r.nat(32)
        if k == ID:
            # no module context here: the type cannot be resolved
            ModuleContext().types.lookup(r.vals[r.i], r, r.i)
        raise r.unexpected()

    def vector(self, pattern: bool) -> Vec:
        r = self.r
        if not pattern:
            shape, lanes, at = v128_lanes(r)
            return self._lanes(shape, lanes, at, [])
        at = r.i
        shape = v128_shape(r)
        lanes = []
        nans = []
        while True:
            k = r.kinds[r.i]
            if k in (NAT, INT, FLOAT):
                lanes.append((r.vals[r.i], k, r.i))
            elif k == KEYWORD and r.vals[r.i] in _NANS:
                if shape[0] != "f":
                    raise r.error("invalid vector constant")
                nans.append(len(lanes))
                lanes.append((r.vals[r.i], k, r.i))
            else:
                break
            r.i += 1
        return self._lanes(shape, lanes, at, nans)

    def _lanes(self, shape: str, lanes: list, at: int, nans: list) -> Vec:
        r = self.r
        width, count = SHAPES[shape]
        if len(lanes) != count:
            raise r.error("wrong number of lane literals", at)
        lane_type = ("f" if shape[0] == "f" else "i") + str(width)
        out = []
        for j, (text, kind, pos) in enumerate(lanes):
            if j in nans:
                out.append(NanPattern(lane_type, _NANS[text]))
            else:
                out.append(literal(r, lane_type, text, kind, pos))
        return Vec(shape, tuple(out))


__all__ = ["parse_script"]
