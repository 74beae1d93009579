"""Types: rec groups, type equivalence, subtyping, and the GC / function-reference rules."""

from __future__ import annotations

from valid_build import I, block, func_module, invalid, valid

from pyic.wasm.syntax import (
    ArrayType, FieldType, FuncType, Module, RecType, RefType, StructType, SubType,
)
from pyic.wasm.valid.types import BOT, TypeSpace, match_heaptype, match_reftype


def sub(comptype, supers=(), final=True):
    return SubType(final, tuple(supers), comptype)


def rec(*subtypes):
    return RecType(tuple(subtypes))


def space(*rectypes):
    ts = TypeSpace()
    for rt in rectypes:
        ts.add_rectype(rt)
    return ts


def test_abstract_heap_type_lattice():
    ts = TypeSpace()
    assert match_heaptype(ts, "none", "struct")
    assert match_heaptype(ts, "i31", "any")
    assert match_heaptype(ts, "nofunc", "func")
    assert not match_heaptype(ts, "func", "any")
    assert not match_heaptype(ts, "extern", "any")
    assert not match_heaptype(ts, "any", "eq")
    assert match_heaptype(ts, BOT, "exn")
    assert match_reftype(ts, RefType(False, "func"), RefType(True, "func"))
    assert not match_reftype(ts, RefType(True, "func"), RefType(False, "func"))


def test_equivalent_rec_groups_get_one_canonical_id():
    st = rec(sub(StructType((FieldType(False, "i32"),))))
    ts = space(st, st, rec(sub(StructType((FieldType(True, "i32"),)))))
    assert ts.canon[0] == ts.canon[1] != ts.canon[2]
    assert match_heaptype(ts, 0, 1) and match_heaptype(ts, 1, 0)
    assert not match_heaptype(ts, 0, 2)
    assert match_heaptype(ts, 0, "struct") and match_heaptype(ts, "none", 0)
    assert not match_heaptype(ts, 0, "func")


def test_recursive_groups_compare_by_structure():
    # (rec (type (struct (field (ref null 0))))) twice: equal; a self-reference
    # differs from a reference to the other group
    selfref = rec(sub(StructType((FieldType(False, RefType(True, 0)),))))
    selfref1 = rec(sub(StructType((FieldType(False, RefType(True, 1)),))))
    other = rec(sub(StructType((FieldType(False, RefType(True, 0)),))))
    ts = space(selfref, selfref1, other)
    assert ts.canon[0] == ts.canon[1]
    assert ts.canon[2] != ts.canon[0]


def test_declared_subtypes():
    base = sub(StructType((FieldType(False, "i32"),)), final=False)
    derived = sub(StructType((FieldType(False, "i32"), FieldType(False, "i64"))), supers=(0,))
    ts = space(rec(base), rec(derived))
    assert match_heaptype(ts, 1, 0) and not match_heaptype(ts, 0, 1)


def test_sub_type_errors():
    final = sub(StructType(()))
    invalid(Module(types=(rec(final), rec(sub(StructType(()), supers=(0,))))),
            "sub type 1 has final super type 0")
    base = sub(StructType((FieldType(False, "i32"),)), final=False)
    bad = sub(StructType((FieldType(False, "i64"),)), supers=(0,))
    invalid(Module(types=(rec(base), rec(bad))), "sub type 1 does not match super type 0")
    invalid(Module(types=(rec(sub(FuncType(("i32",), ()), supers=(0,))),)), "sub type")
    invalid(Module(types=(rec(sub(FuncType((RefType(True, 3),), ()))),)), "unknown type 3")


def test_function_references():
    ft = rec(sub(FuncType(("i32",), ("i32",))))
    m = func_module(I("i32.const", 1), I("ref.null", 1), I("call_ref", 1), results=["i32"],
                    types=[ft])
    valid(m)
    invalid(func_module(I("ref.null", 1), I("call_ref", 1), results=["i32"], types=[ft]),
            "type mismatch")
    valid(func_module(block(I("ref.null", "func"), I("br_on_null", 0), I("drop")),))
    valid(func_module(I("ref.null", 0), I("ref.as_non_null"), I("drop")))


def test_gc_structs_and_arrays():
    point = rec(sub(StructType((FieldType(True, "i32"), FieldType(False, "i8")))))
    arr = rec(sub(ArrayType(FieldType(False, "i16"))))
    types = [point, arr]
    valid(func_module(I("i32.const", 1), I("i32.const", 2), I("struct.new", 1),
                      I("struct.get_s", 1, 1), results=["i32"], types=types))
    invalid(func_module(I("struct.new_default", 1), I("struct.get", 1, 1), results=["i32"],
                        types=types), "field is packed")
    invalid(func_module(I("struct.new_default", 1), I("i32.const", 0), I("struct.set", 1, 1),
                        types=types), "immutable field")
    invalid(func_module(I("struct.new_default", 1), I("struct.get", 1, 5), results=["i32"],
                        types=types), "unknown field")
    valid(func_module(I("i32.const", 3), I("array.new_default", 2), I("array.len"),
                      results=["i32"], types=types))
    invalid(func_module(I("ref.null", 2), I("i32.const", 0), I("i32.const", 0),
                        I("array.set", 2), types=types), "immutable array")
    valid(func_module(I("i32.const", 1), I("i32.const", 2), I("array.new_fixed", 2, 2),
                      I("drop"), types=types))
    invalid(func_module(I("i32.const", 1), I("array.new_fixed", 2, 2), I("drop"), types=types),
            "type mismatch")
    # a huge count in unreachable code costs nothing
    valid(func_module(I("unreachable"), I("array.new_fixed", 2, 0xFFFF_FFFF), I("drop"),
                      types=types))


def test_casts():
    valid(func_module(I("ref.null", "any"), I("ref.cast", RefType(True, "i31")), I("drop")))
    invalid(func_module(I("ref.null", "func"), I("ref.cast", RefType(True, "i31")), I("drop")),
            "type mismatch")
    valid(func_module(block(I("ref.null", "any"),
                            I("br_on_cast", 0, RefType(True, "any"), RefType(False, "i31")),
                            I("drop"), I("ref.null", "i31"), bt=RefType(True, "i31")),
                      I("drop")))
