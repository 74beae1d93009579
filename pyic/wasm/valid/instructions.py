"""Typing rules of instructions (spec 3.4, "Instructions").

``SIMPLE[op] = (n, pops, pushes)``: the ops whose type is a fixed
``[t1*] -> [t2*]`` (numeric, vector, some reference ops), as the instruction
facts state it (`pyic.wasm.syntax.facts.signature`); ``pops`` is a list so the
main loop can compare it with the top of the value stack in one step.

``HANDLERS[op](v, instr)``: every other op, as a function of the
`algorithm.ExprValidator` ``v``; a structured instruction pushes its control
frame and returns the body to walk next.
"""

from __future__ import annotations

from ...errors import InvalidError
from ..features import enabled
from ..syntax.facts import SHAPES, signature
from ..syntax.opcodes import MEMORY_OPS, OPCODES, natural_alignment
from ..syntax.types import Exact, RefType
from .types import (
    BOT, NUMTYPES, check_heaptype, check_reftype, check_valtype, diff_reftype, match_reftype,
    match_resulttype, match_valtype, string_of_resulttype, string_of_valtype, top_heaptype,
)

I32 = "i32"
V128 = "v128"


def exact_refs() -> bool:
    """Whether instructions that make references to a defined type make exact ones
    (custom-descriptors, Overview.md "Exact Types")."""
    return enabled("custom-descriptors")
EXNREF = RefType(False, "exn")

SIMPLE: dict = {}
HANDLERS: dict = {}


def _simple(op: str, pops, pushes) -> None:
    SIMPLE[op] = (len(pops), list(pops), tuple(pushes))


def handler(*ops: str):
    def register(f):
        for op in ops:
            HANDLERS[op] = f
        return f
    return register


# ---------------------------------------------------------- numeric and vector (3.4.10, 3.4.11)
# Their types are the instruction facts' signatures; only the instructions with a
# lane index to check have a rule here.

# Each vector shape's (unpacked) lane type and lane count.
LANES = SHAPES


def _lane_handler(op: str):
    shape, rest = op.split(".", 1)
    lanes = LANES[shape][1]
    params, results = signature(op)   # [v128] -> [t] or [v128 t] -> [v128]

    if rest.startswith("extract_lane"):
        lanet = results[0]

        def extract(v, instr):
            if not 0 <= instr.imm[0] < lanes:
                raise InvalidError("invalid lane index")
            v.pop_val(V128)
            v.vals.append(lanet)
        return extract

    lanet = params[1]

    def replace(v, instr):
        if not 0 <= instr.imm[0] < lanes:
            raise InvalidError("invalid lane index")
        v.pop_val(lanet)
        v.pop_val(V128)
        v.vals.append(V128)
    return replace


@handler("i8x16.shuffle")
def _shuffle(v, instr):
    for i in instr.imm[0]:
        if not 0 <= i < 32:
            raise InvalidError("invalid lane index")
    v.pop_vals((V128, V128))
    v.vals.append(V128)


# ------------------------------------------------------------------ memory (3.4.5)

def _memory_handler(op: str):
    """load/store with a memarg (and for the _lane ops a lane index)."""
    nat = natural_alignment(op)
    nat_exp = nat.bit_length() - 1
    t = op.split(".", 1)[0]
    name = op.split(".", 1)[1]
    is_load = name.startswith("load")
    lanes = 16 // nat if name.endswith("_lane") else 0

    def memop(v, instr):
        imm = instr.imm
        ma = imm[0]
        mems = v.c.mems
        x = ma.memidx
        if type(x) is not int or not 0 <= x < len(mems):
            raise InvalidError(f"unknown memory {x}")
        if not 0 <= ma.align <= nat_exp:
            raise InvalidError("alignment must not be larger than natural")
        at = mems[x].limits.addrtype
        if at == I32 and not 0 <= ma.offset < 1 << 32:
            raise InvalidError("offset out of range")
        if lanes:
            if not 0 <= imm[1] < lanes:
                raise InvalidError("invalid lane index")
            v.pop_val(V128)
            v.pop_val(at)
            if is_load:
                v.vals.append(V128)
        elif is_load:
            v.pop_val(at)
            v.vals.append(t)
        else:
            v.pop_val(t)
            v.pop_val(at)
    return memop


def _build_tables() -> None:
    for op, info in OPCODES.items():
        if op in MEMORY_OPS:
            HANDLERS[op] = _memory_handler(op)
        elif "laneidx" in info.imms:
            HANDLERS[op] = _lane_handler(op)
        elif op != "i8x16.shuffle" and (sig := signature(op)) is not None:
            _simple(op, *sig)


_build_tables()


# ------------------------------------------------------------------ control (3.4.2)

def blocktype(v, bt):
    """3.2.8 Block types as instruction types [t1*] -> [t2*]."""
    if bt is None:
        return (), ()
    if type(bt) is int:
        ft = v.ts.func_type(bt)
        return ft.params, ft.results
    check_valtype(v.ts, bt)
    return (), (bt,)


@handler("unreachable")
def _unreachable(v, instr):
    v.unreachable()


@handler("block", "loop")
def _block(v, instr):
    bt, body = instr.imm
    t1, t2 = blocktype(v, bt)
    v.pop_vals(t1)
    v.push_ctrl(instr.op, t1, t2)
    return body


@handler("if")
def _if(v, instr):
    bt, then, else_ = instr.imm
    t1, t2 = blocktype(v, bt)
    v.pop_val(I32)
    v.pop_vals(t1)
    v.push_ctrl("if", t1, t2, else_)
    return then


def _check_catch(v, catch) -> None:
    kind = catch.kind
    if kind in ("catch", "catch_ref"):
        ts = list(v.c.tag(catch.tagidx).params)
    elif kind in ("catch_all", "catch_all_ref"):
        ts = []
    else:
        raise InvalidError(f"unknown catch kind {kind}")
    if kind.endswith("_ref"):
        ts.append(EXNREF)
    lt = v.label_types(catch.labelidx)
    if not match_resulttype(v.ts, ts, lt):
        raise InvalidError(f"type mismatch: catch handler requires {string_of_resulttype(lt)} "
                           f"but label has {string_of_resulttype(ts)}")


@handler("try_table")
def _try_table(v, instr):
    bt, catches, body = instr.imm
    t1, t2 = blocktype(v, bt)
    for catch in catches:
        _check_catch(v, catch)
    v.pop_vals(t1)
    v.push_ctrl("try_table", t1, t2)
    return body


@handler("br")
def _br(v, instr):
    v.pop_vals(v.label_types(instr.imm[0]))
    v.unreachable()


@handler("br_if")
def _br_if(v, instr):
    lt = v.label_types(instr.imm[0])
    v.pop_val(I32)
    v.pop_vals(lt)
    v.vals.extend(lt)


@handler("br_table")
def _br_table(v, instr):
    labels, default = instr.imm
    v.pop_val(I32)
    lt_m = v.label_types(default)
    arity = len(lt_m)
    for n in labels:
        lt = v.label_types(n)
        if len(lt) != arity:
            raise InvalidError(f"type mismatch: br_table target {n} has {len(lt)} values "
                               f"but the default target has {arity}")
        v.vals.extend(v.pop_vals(lt))
    v.pop_vals(lt_m)
    v.unreachable()


@handler("br_on_null")
def _br_on_null(v, instr):
    lt = v.label_types(instr.imm[0])
    rt = v.pop_ref()
    v.pop_vals(lt)
    v.vals.extend(lt)
    v.vals.append(RefType(False, rt.heaptype, rt.exact))


@handler("br_on_non_null")
def _br_on_non_null(v, instr):
    lt = v.label_types(instr.imm[0])
    if not lt or not isinstance(lt[-1], RefType):
        raise InvalidError("type mismatch: instruction requires reference type but label has "
                           + string_of_resulttype(lt))
    ts0 = list(lt[:-1])
    v.pop_vals(ts0 + [RefType(True, lt[-1].heaptype, lt[-1].exact)])
    v.vals.extend(ts0)


def _br_on_cast_common(v, instr, fail: bool):
    n, rt1, rt2 = instr.imm
    check_reftype(v.ts, rt1)
    check_reftype(v.ts, rt2)
    if enabled("custom-descriptors"):
        # custom-descriptors (Overview.md "New Instructions") relaxes rt2 <: rt1 to: some
        # valid rt' is above both, i.e. they are in one heap type hierarchy
        if top_heaptype(v.ts, rt1.heaptype) != top_heaptype(v.ts, rt2.heaptype):
            raise InvalidError(f"type mismatch on cast: type {string_of_valtype(rt2)} "
                               f"is not in the hierarchy of {string_of_valtype(rt1)}")
    elif not match_reftype(v.ts, rt2, rt1):
        raise InvalidError(f"type mismatch on cast: type {string_of_valtype(rt2)} "
                           f"does not match {string_of_valtype(rt1)}")
    lt = v.label_types(n)
    on_branch = diff_reftype(rt1, rt2) if fail else rt2
    on_fallthrough = rt2 if fail else diff_reftype(rt1, rt2)
    if not lt or not match_valtype(v.ts, on_branch, lt[-1]):
        raise InvalidError(f"type mismatch: instruction requires type "
                           f"{string_of_valtype(on_branch)} but label has "
                           f"{string_of_resulttype(lt)}")
    ts0 = list(lt[:-1])
    v.pop_vals(ts0 + [rt1])
    v.vals.extend(ts0)
    v.vals.append(on_fallthrough)


@handler("br_on_cast")
def _br_on_cast(v, instr):
    _br_on_cast_common(v, instr, False)


@handler("br_on_cast_fail")
def _br_on_cast_fail(v, instr):
    _br_on_cast_common(v, instr, True)


@handler("return")
def _return(v, instr):
    v.pop_vals(v.results)
    v.unreachable()


@handler("call")
def _call(v, instr):
    ft = v.c.func(instr.imm[0])
    v.pop_vals(ft.params)
    v.vals.extend(ft.results)


def _table_of_funcs(v, x):
    tt = v.c.table(x)
    if not match_reftype(v.ts, tt.reftype, RefType(True, "func")):
        raise InvalidError("type mismatch: instruction requires table of function type but "
                           f"table has element type {string_of_valtype(tt.reftype)}")
    return tt


def _check_return_types(v, ft) -> None:
    if not match_resulttype(v.ts, ft.results, v.results):
        raise InvalidError(
            f"type mismatch: current function requires result type "
            f"{string_of_resulttype(v.results)} but callee returns "
            f"{string_of_resulttype(ft.results)}")


@handler("call_indirect")
def _call_indirect(v, instr):
    x, y = instr.imm
    tt = _table_of_funcs(v, x)
    ft = v.ts.func_type(y)
    v.pop_val(tt.limits.addrtype)
    v.pop_vals(ft.params)
    v.vals.extend(ft.results)


@handler("return_call")
def _return_call(v, instr):
    ft = v.c.func(instr.imm[0])
    _check_return_types(v, ft)
    v.pop_vals(ft.params)
    v.unreachable()


@handler("return_call_indirect")
def _return_call_indirect(v, instr):
    x, y = instr.imm
    tt = _table_of_funcs(v, x)
    ft = v.ts.func_type(y)
    _check_return_types(v, ft)
    v.pop_val(tt.limits.addrtype)
    v.pop_vals(ft.params)
    v.unreachable()


@handler("call_ref")
def _call_ref(v, instr):
    x = instr.imm[0]
    ft = v.ts.func_type(x)
    v.pop_val(RefType(True, x))
    v.pop_vals(ft.params)
    v.vals.extend(ft.results)


@handler("return_call_ref")
def _return_call_ref(v, instr):
    x = instr.imm[0]
    ft = v.ts.func_type(x)
    _check_return_types(v, ft)
    v.pop_val(RefType(True, x))
    v.pop_vals(ft.params)
    v.unreachable()


@handler("throw")
def _throw(v, instr):
    v.pop_vals(v.c.tag(instr.imm[0]).params)
    v.unreachable()


@handler("throw_ref")
def _throw_ref(v, instr):
    v.pop_val(RefType(True, "exn"))
    v.unreachable()


# ------------------------------------------------------------------ parametric (3.4.1)

@handler("drop")
def _drop(v, instr):
    v.pop_any()


def _is_num_or_vec(t) -> bool:
    return t is BOT or t in NUMTYPES or t == V128


@handler("select")
def _select(v, instr):
    if instr.imm:
        ts = instr.imm[0]
        if len(ts) != 1:
            raise InvalidError("invalid result arity")
        t = ts[0]
        check_valtype(v.ts, t)
        v.pop_val(I32)
        v.pop_val(t)
        v.pop_val(t)
        v.vals.append(t)
        return
    v.pop_val(I32)
    t1 = v.pop_any()
    t2 = v.pop_any()
    if not (_is_num_or_vec(t1) and _is_num_or_vec(t2)):
        raise InvalidError("type mismatch: instruction requires numeric or vector type but "
                           f"stack has {string_of_resulttype((t2, t1))}")
    if t1 != t2 and t1 is not BOT and t2 is not BOT:
        raise InvalidError(f"type mismatch: select operands {string_of_resulttype((t2, t1))} "
                           "differ")
    v.vals.append(t2 if t1 is BOT else t1)


# ------------------------------------------------------------------ variable (3.4.3)

@handler("local.get")
def _local_get(v, instr):
    x = instr.imm[0]
    t = v.local(x)
    if v.local_init is not None:
        v.get_local(x)
    v.vals.append(t)


@handler("local.set")
def _local_set(v, instr):
    x = instr.imm[0]
    v.pop_val(v.local(x))
    if v.local_init is not None:
        v.set_local(x)


@handler("local.tee")
def _local_tee(v, instr):
    x = instr.imm[0]
    t = v.local(x)
    v.pop_val(t)
    if v.local_init is not None:
        v.set_local(x)
    v.vals.append(t)


@handler("global.get")
def _global_get(v, instr):
    v.vals.append(v.c.global_(instr.imm[0]).valtype)


@handler("global.set")
def _global_set(v, instr):
    gt = v.c.global_(instr.imm[0])
    if not gt.mut:
        raise InvalidError(v.c.immutable_global_message())
    v.pop_val(gt.valtype)


# ------------------------------------------------------------------ table (3.4.4)

@handler("table.get")
def _table_get(v, instr):
    tt = v.c.table(instr.imm[0])
    v.pop_val(tt.limits.addrtype)
    v.vals.append(tt.reftype)


@handler("table.set")
def _table_set(v, instr):
    tt = v.c.table(instr.imm[0])
    v.pop_val(tt.reftype)
    v.pop_val(tt.limits.addrtype)


@handler("table.size")
def _table_size(v, instr):
    v.vals.append(v.c.table(instr.imm[0]).limits.addrtype)


@handler("table.grow")
def _table_grow(v, instr):
    tt = v.c.table(instr.imm[0])
    at = tt.limits.addrtype
    v.pop_val(at)
    v.pop_val(tt.reftype)
    v.vals.append(at)


@handler("table.fill")
def _table_fill(v, instr):
    tt = v.c.table(instr.imm[0])
    at = tt.limits.addrtype
    v.pop_val(at)
    v.pop_val(tt.reftype)
    v.pop_val(at)


def _min_addrtype(a: str, b: str) -> str:
    return "i32" if "i32" in (a, b) else "i64"


@handler("table.copy")
def _table_copy(v, instr):
    x, y = instr.imm
    t1 = v.c.table(x)
    t2 = v.c.table(y)
    if not match_reftype(v.ts, t2.reftype, t1.reftype):
        raise InvalidError(f"type mismatch: source element type {string_of_valtype(t2.reftype)} "
                           f"does not match destination element type "
                           f"{string_of_valtype(t1.reftype)}")
    at1, at2 = t1.limits.addrtype, t2.limits.addrtype
    v.pop_vals((at1, at2, _min_addrtype(at1, at2)))


@handler("table.init")
def _table_init(v, instr):
    x, y = instr.imm
    tt = v.c.table(x)
    rt = v.c.elem(y)
    if not match_reftype(v.ts, rt, tt.reftype):
        raise InvalidError(f"type mismatch: element segment's type {string_of_valtype(rt)} "
                           f"does not match table's element type {string_of_valtype(tt.reftype)}")
    v.pop_vals((tt.limits.addrtype, I32, I32))


@handler("elem.drop")
def _elem_drop(v, instr):
    v.c.elem(instr.imm[0])


# ------------------------------------------------------------------ memory (3.4.5)

@handler("memory.size")
def _memory_size(v, instr):
    v.vals.append(v.c.mem(instr.imm[0]).limits.addrtype)


@handler("memory.grow")
def _memory_grow(v, instr):
    at = v.c.mem(instr.imm[0]).limits.addrtype
    v.pop_val(at)
    v.vals.append(at)


@handler("memory.fill")
def _memory_fill(v, instr):
    at = v.c.mem(instr.imm[0]).limits.addrtype
    v.pop_vals((at, I32, at))


@handler("memory.copy")
def _memory_copy(v, instr):
    x, y = instr.imm
    at1 = v.c.mem(x).limits.addrtype
    at2 = v.c.mem(y).limits.addrtype
    v.pop_vals((at1, at2, _min_addrtype(at1, at2)))


@handler("memory.init")
def _memory_init(v, instr):
    x, y = instr.imm
    at = v.c.mem(x).limits.addrtype
    v.c.data(y)
    v.pop_vals((at, I32, I32))


@handler("data.drop")
def _data_drop(v, instr):
    v.c.data(instr.imm[0])


# ------------------------------------------------------------------ reference (3.4.6)

@handler("ref.null")
def _ref_null(v, instr):
    ht = instr.imm[0]
    if isinstance(ht, Exact):   # custom-descriptors: ref.null (exact x)
        check_heaptype(v.ts, ht.typeidx)
        v.vals.append(RefType(True, ht.typeidx, True))
        return
    check_heaptype(v.ts, ht)
    v.vals.append(RefType(True, ht))


@handler("ref.is_null")
def _ref_is_null(v, instr):
    v.pop_ref()
    v.vals.append(I32)


@handler("ref.as_non_null")
def _ref_as_non_null(v, instr):
    rt = v.pop_ref()
    v.vals.append(RefType(False, rt.heaptype, rt.exact))


@handler("ref.func")
def _ref_func(v, instr):
    x = instr.imm[0]
    v.c.func(x)
    if x not in v.c.refs:
        raise InvalidError(f"undeclared function reference {x}")
    # custom-descriptors: a reference to a defined or exactly imported function is exact
    v.vals.append(RefType(False, v.c.funcs[x], exact_refs() and x not in v.c.inexact_funcs))


@handler("ref.test")
def _ref_test(v, instr):
    rt = instr.imm[0]
    check_reftype(v.ts, rt)
    v.pop_val(RefType(True, top_heaptype(v.ts, rt.heaptype)))
    v.vals.append(I32)


@handler("ref.cast")
def _ref_cast(v, instr):
    rt = instr.imm[0]
    check_reftype(v.ts, rt)
    v.pop_val(RefType(True, top_heaptype(v.ts, rt.heaptype)))
    v.vals.append(rt)


def _convert(src: str, dst: str):
    def convert(v, instr):
        rt = v.pop_ref()
        if not match_reftype(v.ts, RefType(True, rt.heaptype), RefType(True, src)):
            raise InvalidError(f"type mismatch: instruction requires (ref null {src}) "
                               f"but stack has {string_of_valtype(rt)}")
        v.vals.append(RefType(rt.nullable, dst))
    return convert


# 3.4.9 External reference instructions
HANDLERS["any.convert_extern"] = _convert("extern", "any")
HANDLERS["extern.convert_any"] = _convert("any", "extern")


# The aggregate (GC) instructions' rules live in `aggregate`, which registers them here.
from . import aggregate  # noqa: E402,F401
# The proposals beyond 3.0 (docs/proposals.md) register theirs the same way.
from . import atomics, descriptors, legacy, wide  # noqa: E402,F401


__all__ = ["SIMPLE", "HANDLERS", "blocktype"]
