"""WAST scripts: every command form, values and result patterns."""

from __future__ import annotations

from pyic.wasm.script.commands import (
    ActionCmd, AssertException, AssertExhaustion, AssertInvalid, AssertMalformed, AssertReturn,
    AssertTrap, AssertUnlinkable, BinaryModule, Either, Get, Invoke, Meta, ModuleCmd,
    ModuleInstance, NanPattern, Num, QuoteModule, Register, RefValue, TextModule, Vec,
)
from pyic.wasm.text import parse_module, parse_script

SCRIPT = r'''
(module $m (func (export "f") (param i32) (result i32) local.get 0))
(module binary "\00asm" "\01\00\00\00")
(module $q quote "(func" " (export \"g\"))")
(module definition $d (memory 1))
(module instance $i $d)
(module instance $d)
(register "mod" $m)
(invoke $m "f" (i32.const -1))
(get "g")
(assert_return (invoke "f" (i64.const 1) (f32.const -0x1p-1) (f64.const 2)
                 (v128.const i16x8 1 2 3 4 5 6 7 -1) (ref.null extern) (ref.extern 7) (ref.host 1))
  (f32.const nan:canonical) (f64.const nan:arithmetic) (i32.const 5)
  (v128.const f32x4 nan:canonical 1.0 nan:arithmetic -inf)
  (either (i32.const 1) (i32.const 2)) (ref.null) (ref.null func) (ref.func) (ref.extern)
  (ref.extern 3) (ref.any) (ref.eq) (ref.i31) (ref.struct) (ref.array) (ref.exn) (ref))
(assert_trap (invoke "f") "unreachable")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_exhaustion (invoke "f") "call stack exhausted")
(assert_exception (invoke $m "f"))
(assert_malformed (module quote "(func (i32.const 0x))") "unknown operator")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(script $s (module))
(input "file.wast")
(output $m "out.wast")
(output)
'''


def test_all_commands():
    cmds = parse_script(SCRIPT)
    kinds = [type(c) for c in cmds]
    assert kinds == [ModuleCmd, ModuleCmd, ModuleCmd, ModuleCmd, ModuleInstance, ModuleInstance,
                     Register, ActionCmd, ActionCmd, AssertReturn, AssertTrap, AssertTrap,
                     AssertExhaustion, AssertException, AssertMalformed, AssertInvalid,
                     AssertUnlinkable, Meta, Meta, Meta, Meta]
    m, b, q, d, i1, i2, reg, inv, get, ret, trap, trap_mod = cmds[:12]
    assert m.line == 2 and m.name == "m" and isinstance(m.source, TextModule)
    assert m.source.module.exports[0].name == "f"
    assert b.source == BinaryModule(b"\x00asm\x01\x00\x00\x00") and b.name is None
    assert q.name == "q" and q.source == QuoteModule('(func (export "g"))')
    assert parse_module(q.source.text).exports[0].name == "g"
    assert d.definition and d.name == "d"
    assert i1 == ModuleInstance(6, "i", "d") and i2 == ModuleInstance(7, None, "d")
    assert reg == Register(8, "mod", "m")
    assert inv.action == Invoke("m", "f", (Num("i32", 0xFFFFFFFF),))
    assert get.action == Get(None, "g")
    assert ret.action.args == (
        Num("i64", 1), Num("f32", 0xBF000000), Num("f64", 0x4000000000000000),
        Vec("i16x8", (1, 2, 3, 4, 5, 6, 7, 0xFFFF)), RefValue("null", "extern"),
        RefValue("extern", 7), RefValue("host", 1))
    assert ret.results == (
        NanPattern("f32", "canonical"), NanPattern("f64", "arithmetic"), Num("i32", 5),
        Vec("f32x4", (NanPattern("f32", "canonical"), 0x3F800000, NanPattern("f32", "arithmetic"),
                      0xFF800000)),
        Either((Num("i32", 1), Num("i32", 2))), RefValue("null", None), RefValue("null", "func"),
        RefValue("func"), RefValue("extern"), RefValue("extern", 3), RefValue("any"),
        RefValue("eq"), RefValue("i31"), RefValue("struct"), RefValue("array"), RefValue("exn"),
        RefValue("any"))
    assert trap.message == "unreachable" and isinstance(trap.action, Invoke)
    assert isinstance(trap_mod.action, ModuleCmd) and trap_mod.action.source.module.start.func == 0
    assert cmds[14].source == QuoteModule("(func (i32.const 0x))")
    assert cmds[14].message == "unknown operator"
    assert cmds[16].message == "unknown import"


def test_bare_module_fields_are_one_module():
    cmds = parse_script("(func (export \"f\"))\n(memory 1)")
    assert len(cmds) == 1 and isinstance(cmds[0], ModuleCmd)
    assert len(cmds[0].source.module.mems) == 1


def test_quote_keeps_bytes_that_are_not_utf8():
    cmd, = parse_script(r'(module quote "(func (export \"\ff\"))")')
    assert cmd.source.text == '(func (export "\udcff"))'
