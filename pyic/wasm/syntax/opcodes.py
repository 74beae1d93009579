"""The instruction table: every instruction's name, binary opcode and immediates.

One table serves the binary decoder and encoder, the text parser and the
printer, so the four can never disagree on an instruction's shape.  It follows
the spec's index of instructions (the appendix's "Index of Instructions").

``OPCODES`` maps each op name of Wasm 3.0 to an `OpInfo`; ``PROPOSAL_OPCODES``
those of the proposals beyond it (docs/proposals.md), which decoder and parser
accept only with their feature enabled (`ops_for`):

* ``code``: the opcode, an int for a one-byte opcode, or ``(prefix, u32)`` for the
  prefixed ones (``0xFB`` GC, ``0xFC`` numeric/bulk, ``0xFD`` SIMD).
* ``imms``: the immediate kinds, in the abstract syntax's order:

  ======================  ==================================================
  ``blocktype``           `BlockType` (structured instructions; bodies follow)
  ``labelidx`` ...        an index: ``labelidx funcidx typeidx localidx
                          globalidx tableidx memidx elemidx dataidx tagidx
                          fieldidx``
  ``labelvec``            a tuple of label indices (``br_table``'s targets)
  ``catches``             a tuple of `Catch` (``try_table``)
  ``memarg``              a `MemArg`
  ``laneidx``             a lane index, 0..255 in binary
  ``shuffle``             a tuple of 16 lane indices
  ``i32 i64 f32 f64 v128``  a constant (as bit patterns, see `instructions`)
  ``heaptype``            a heap type (``ref.null``)
  ``reftype``             a `RefType` (``ref.test``, ``ref.cast``)
  ``valtypes``            a tuple of value types (typed ``select``)
  ``u32``                 a plain count (``array.new_fixed``'s length)
  ======================  ==================================================

Instructions whose binary immediates come in another order than the abstract
syntax's list it in ``BINARY_ORDER``; instructions with more than one binary
encoding are listed in ``VARIANTS``.
"""

from __future__ import annotations

import functools

from .node import node


@node
class OpInfo:
    name: str
    code: object
    imms: tuple
    feature: str | None = None   # the proposal beyond Wasm 3.0 it belongs to (docs/proposals.md)


OPCODES: dict[str, OpInfo] = {}            # Wasm 3.0
PROPOSAL_OPCODES: dict[str, OpInfo] = {}   # beyond 3.0, each with its feature
BY_CODE: dict[object, OpInfo] = {}


def _op(name: str, code: object, imms: str = "", feature: str | None = None) -> None:
    info = OpInfo(name, code, tuple(imms.split()), feature)
    if name in OPCODES or name in PROPOSAL_OPCODES or code in BY_CODE:
        raise ValueError(f"duplicate instruction {name} {code}")  # a slip in this table
    (PROPOSAL_OPCODES if feature else OPCODES)[name] = info
    BY_CODE[code] = info


def _series(prefix: int | None, start: int, names: str, imms: str = "",
            feature: str | None = None) -> None:
    """Consecutive opcodes; ``-`` skips a reserved code."""
    code = start
    for name in names.split():
        if name != "-":
            _op(name, code if prefix is None else (prefix, code), imms, feature)
        code += 1


# ---------------------------------------------------------------- control (5.4.2)
_op("unreachable", 0x00)
_op("nop", 0x01)
_op("block", 0x02, "blocktype")
_op("loop", 0x03, "blocktype")
_op("if", 0x04, "blocktype")
# 0x05 else, 0x0B end: delimiters, not instructions
_op("throw", 0x08, "tagidx")
_op("throw_ref", 0x0A)
_op("br", 0x0C, "labelidx")
_op("br_if", 0x0D, "labelidx")
_op("br_table", 0x0E, "labelvec labelidx")
_op("return", 0x0F)
_op("call", 0x10, "funcidx")
_op("call_indirect", 0x11, "tableidx typeidx")
_op("return_call", 0x12, "funcidx")
_op("return_call_indirect", 0x13, "tableidx typeidx")
_op("call_ref", 0x14, "typeidx")
_op("return_call_ref", 0x15, "typeidx")
_op("try_table", 0x1F, "blocktype catches")
_op("br_on_null", 0xD5, "labelidx")
_op("br_on_non_null", 0xD6, "labelidx")

# ---------------------------------------------------------------- parametric (5.4.1)
_op("drop", 0x1A)
_op("select", 0x1B)  # typed select: see VARIANTS

# ---------------------------------------------------------------- variable (5.4.3)
_op("local.get", 0x20, "localidx")
_op("local.set", 0x21, "localidx")
_op("local.tee", 0x22, "localidx")
_op("global.get", 0x23, "globalidx")
_op("global.set", 0x24, "globalidx")

# ---------------------------------------------------------------- table (5.4.4)
_op("table.get", 0x25, "tableidx")
_op("table.set", 0x26, "tableidx")
_op("table.init", (0xFC, 12), "tableidx elemidx")
_op("elem.drop", (0xFC, 13), "elemidx")
_op("table.copy", (0xFC, 14), "tableidx tableidx")
_op("table.grow", (0xFC, 15), "tableidx")
_op("table.size", (0xFC, 16), "tableidx")
_op("table.fill", (0xFC, 17), "tableidx")

# ---------------------------------------------------------------- memory (5.4.5)
_series(None, 0x28, """i32.load i64.load f32.load f64.load
    i32.load8_s i32.load8_u i32.load16_s i32.load16_u
    i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u
    i32.store i64.store f32.store f64.store i32.store8 i32.store16
    i64.store8 i64.store16 i64.store32""", "memarg")
_op("memory.size", 0x3F, "memidx")
_op("memory.grow", 0x40, "memidx")
_op("memory.init", (0xFC, 8), "memidx dataidx")
_op("data.drop", (0xFC, 9), "dataidx")
_op("memory.copy", (0xFC, 10), "memidx memidx")
_op("memory.fill", (0xFC, 11), "memidx")

# ---------------------------------------------------------------- reference (5.4.6)
_op("ref.null", 0xD0, "heaptype")
_op("ref.is_null", 0xD1)
_op("ref.func", 0xD2, "funcidx")
_op("ref.eq", 0xD3)
_op("ref.as_non_null", 0xD4)

# ---------------------------------------------------------------- aggregate (GC, 5.4.7)
_op("struct.new", (0xFB, 0), "typeidx")
_op("struct.new_default", (0xFB, 1), "typeidx")
_op("struct.get", (0xFB, 2), "typeidx fieldidx")
_op("struct.get_s", (0xFB, 3), "typeidx fieldidx")
_op("struct.get_u", (0xFB, 4), "typeidx fieldidx")
_op("struct.set", (0xFB, 5), "typeidx fieldidx")
_op("array.new", (0xFB, 6), "typeidx")
_op("array.new_default", (0xFB, 7), "typeidx")
_op("array.new_fixed", (0xFB, 8), "typeidx u32")
_op("array.new_data", (0xFB, 9), "typeidx dataidx")
_op("array.new_elem", (0xFB, 10), "typeidx elemidx")
_op("array.get", (0xFB, 11), "typeidx")
_op("array.get_s", (0xFB, 12), "typeidx")
_op("array.get_u", (0xFB, 13), "typeidx")
_op("array.set", (0xFB, 14), "typeidx")
_op("array.len", (0xFB, 15))
_op("array.fill", (0xFB, 16), "typeidx")
_op("array.copy", (0xFB, 17), "typeidx typeidx")
_op("array.init_data", (0xFB, 18), "typeidx dataidx")
_op("array.init_elem", (0xFB, 19), "typeidx elemidx")
_op("ref.test", (0xFB, 20), "reftype")        # (ref ht); (ref null ht) is 0xFB 21
_op("ref.cast", (0xFB, 22), "reftype")        # (ref ht); (ref null ht) is 0xFB 23
_op("br_on_cast", (0xFB, 24), "labelidx reftype reftype")       # binary: castflags l ht1 ht2
_op("br_on_cast_fail", (0xFB, 25), "labelidx reftype reftype")  # binary: castflags l ht1 ht2
_op("any.convert_extern", (0xFB, 26))
_op("extern.convert_any", (0xFB, 27))
_op("ref.i31", (0xFB, 28))
_op("i31.get_s", (0xFB, 29))
_op("i31.get_u", (0xFB, 30))

# ---------------------------------------------------------------- numeric (5.4.8)
_op("i32.const", 0x41, "i32")
_op("i64.const", 0x42, "i64")
_op("f32.const", 0x43, "f32")
_op("f64.const", 0x44, "f64")
_series(None, 0x45, "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u "
        "i32.le_s i32.le_u i32.ge_s i32.ge_u")
_series(None, 0x50, "i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u "
        "i64.le_s i64.le_u i64.ge_s i64.ge_u")
_series(None, 0x5B, "f32.eq f32.ne f32.lt f32.gt f32.le f32.ge")
_series(None, 0x61, "f64.eq f64.ne f64.lt f64.gt f64.le f64.ge")
_IBINOPS = "clz ctz popcnt add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr"
_series(None, 0x67, " ".join("i32." + o for o in _IBINOPS.split()))
_series(None, 0x79, " ".join("i64." + o for o in _IBINOPS.split()))
_FOPS = "abs neg ceil floor trunc nearest sqrt add sub mul div min max copysign"
_series(None, 0x8B, " ".join("f32." + o for o in _FOPS.split()))
_series(None, 0x99, " ".join("f64." + o for o in _FOPS.split()))
_series(None, 0xA7, """i32.wrap_i64
    i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u
    i64.extend_i32_s i64.extend_i32_u
    i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u
    f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64
    f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32
    i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64
    i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s""")
_series(0xFC, 0, """i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u
    i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u""")

# ---------------------------------------------------------------- vector (5.4.9)
_series(0xFD, 0, """v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u
    v128.load32x2_s v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat
    v128.load64_splat v128.store""", "memarg")
_op("v128.const", (0xFD, 12), "v128")
_op("i8x16.shuffle", (0xFD, 13), "shuffle")
_series(
    0xFD,
    14,
    "i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat",
)
_series(0xFD, 21, """i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane
    i16x8.extract_lane_s i16x8.extract_lane_u i16x8.replace_lane
    i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane i64x2.replace_lane
    f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane""", "laneidx")
_IREL = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_series(0xFD, 35, " ".join("i8x16." + o for o in _IREL.split()))
_series(0xFD, 45, " ".join("i16x8." + o for o in _IREL.split()))
_series(0xFD, 55, " ".join("i32x4." + o for o in _IREL.split()))
_series(0xFD, 65, "f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge")
_series(0xFD, 71, "f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge")
_series(0xFD, 77, "v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true")
_series(0xFD, 84, """v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane
    v128.store8_lane v128.store16_lane v128.store32_lane v128.store64_lane""", "memarg laneidx")
_series(0xFD, 92, "v128.load32_zero v128.load64_zero", "memarg")
_series(0xFD, 94, """f32x4.demote_f64x2_zero f64x2.promote_low_f32x4
    i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask
    i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u
    f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest
    i8x16.shl i8x16.shr_s i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u
    i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil f64x2.floor
    i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u
    i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
    i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u
    i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask
    i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u
    i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s
    i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u
    i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u
    i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul
    i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - i16x8.avgr_u
    i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s
    i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u
    i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - -
    i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s
    i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u
    i32x4.shl i32x4.shr_s i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul
    i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s -
    i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s
    i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
    i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - -
    i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s
    i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u
    i64x2.shl i64x2.shr_s i64x2.shr_u i64x2.add - - i64x2.sub - - - i64x2.mul
    i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s
    i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s
    i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u
    f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div
    f32x4.min f32x4.max f32x4.pmin f32x4.pmax
    f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div
    f64x2.min f64x2.max f64x2.pmin f64x2.pmax
    i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u
    f32x4.convert_i32x4_s f32x4.convert_i32x4_u
    i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero
    f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u""")
# relaxed SIMD (Wasm 3.0)
_series(0xFD, 0x100, """i8x16.relaxed_swizzle
    i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u
    i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero
    f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
    i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect
    i64x2.relaxed_laneselect
    f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max
    i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s
    i32x4.relaxed_dot_i8x16_i7x16_add_s""")

# ---------------------------------------------------------------- beyond Wasm 3.0
# Each behind its feature (pyic.wasm.features, docs/proposals.md).

# wide-arithmetic (Overview.md "Binary encoding"): 128-bit add/sub on i64 pairs, 64x64->128 mul
_series(0xFC, 19, "i64.add128 i64.sub128 i64.mul_wide_s i64.mul_wide_u",
        feature="wide-arithmetic")

# custom-descriptors (Overview.md "Binary Format", "Instructions"); ref.cast_desc_eq's
# nullable form is 0xFB 36 (VARIANTS), the br_on_cast_desc_eq* take castflags
_op("struct.new_desc", (0xFB, 32), "typeidx", feature="custom-descriptors")
_op("struct.new_default_desc", (0xFB, 33), "typeidx", feature="custom-descriptors")
_op("ref.get_desc", (0xFB, 34), "typeidx", feature="custom-descriptors")
_op("ref.cast_desc_eq", (0xFB, 35), "reftype", feature="custom-descriptors")
_op("br_on_cast_desc_eq", (0xFB, 37), "labelidx reftype reftype", feature="custom-descriptors")
_op("br_on_cast_desc_eq_fail", (0xFB, 38), "labelidx reftype reftype",
    feature="custom-descriptors")

# legacy exception handling (exception-handling, legacy/Exceptions.md): ``try`` with
# ``catch`` 0x07 / ``catch_all`` 0x19 / ``delegate`` 0x18 delimiters, and ``rethrow``
_op("try", 0x06, "blocktype", feature="legacy-exceptions")
_op("rethrow", 0x09, "labelidx", feature="legacy-exceptions")

# threads (Overview.md "Instructions", prefix 0xFE)
_series(0xFE, 0x00, "memory.atomic.notify memory.atomic.wait32 memory.atomic.wait64",
        "memarg", feature="threads")
_op("atomic.fence", (0xFE, 0x03), "", feature="threads")
_series(0xFE, 0x10, """i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u
    i64.atomic.load8_u i64.atomic.load16_u i64.atomic.load32_u
    i32.atomic.store i64.atomic.store i32.atomic.store8 i32.atomic.store16
    i64.atomic.store8 i64.atomic.store16 i64.atomic.store32""", "memarg", feature="threads")
for _k, _rmw in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")):
    _series(0xFE, 0x1E + 7 * _k, f"""i32.atomic.rmw.{_rmw} i64.atomic.rmw.{_rmw}
        i32.atomic.rmw8.{_rmw}_u i32.atomic.rmw16.{_rmw}_u
        i64.atomic.rmw8.{_rmw}_u i64.atomic.rmw16.{_rmw}_u i64.atomic.rmw32.{_rmw}_u""",
            "memarg", feature="threads")
del _k, _rmw

# Binary immediates in another order than the abstract syntax's:
# a permutation giving, for each binary position, the index into ``imm``.
BINARY_ORDER: dict[str, tuple] = {
    "call_indirect": (1, 0),         # 0x11 typeidx tableidx
    "return_call_indirect": (1, 0),  # 0x13 typeidx tableidx
    "memory.init": (1, 0),           # 0xFC 8 dataidx memidx
    "table.init": (1, 0),            # 0xFC 12 elemidx tableidx
}

# Instructions with a second binary encoding, chosen by their immediates:
#   select t*          0x1C vec(valtype)    (imm == (valtypes,)) instead of 0x1B (imm == ())
#   ref.test / ref.cast (ref null ht)  code + 1
#   br_on_cast(_fail)  castflags byte: bit 0 = first reftype nullable, bit 1 = second
VARIANTS: dict[str, object] = {
    "select": 0x1C,
    "ref.test": (0xFB, 21),
    "ref.cast": (0xFB, 23),
    "ref.cast_desc_eq": (0xFB, 36),
}

# Natural alignment of memory instructions, in bytes (the width of the access;
# for ``_lane`` ops the lane, for ``_splat``/``_zero`` the loaded scalar,
# for ``v128.loadNxM`` the 8 bytes loaded).
def natural_alignment(op: str) -> int:
    name = op.split(".", 1)[1]
    if name.startswith("atomic."):   # threads: i32.atomic.load8_u, i64.atomic.rmw16.add_u
        name = name[7:].replace("rmw", "load", 1)
        if op.startswith("memory."):  # memory.atomic.notify/wait32/wait64
            return 8 if name.endswith("64") else 4
    for prefix, width in (("load8x8", 8), ("load16x4", 8), ("load32x2", 8)):
        if name.startswith(prefix):
            return width
    for digits, width in (("64", 8), ("32", 4), ("16", 2), ("8", 1)):
        if name.startswith(("load" + digits, "store" + digits)):
            return width
    return {"i32": 4, "i64": 8, "f32": 4, "f64": 8, "v128": 16}[op.split(".", 1)[0]]


MEMORY_OPS = frozenset(n for n, i in OPCODES.items() if "memarg" in i.imms)
# The threads proposal's atomic accesses (with a memarg).
ATOMIC_OPS = frozenset(n for n, i in PROPOSAL_OPCODES.items()
                       if "memarg" in i.imms and i.feature == "threads")
# Every instruction pyic knows, for those that handle any (encoder, printer).
ALL_OPCODES: dict[str, OpInfo] = {**OPCODES, **PROPOSAL_OPCODES}


@functools.lru_cache(maxsize=None)
def ops_for(features: frozenset) -> dict:
    """`OPCODES` and the instructions of the proposals in ``features``."""
    return {**OPCODES, **{n: i for n, i in PROPOSAL_OPCODES.items() if i.feature in features}}
