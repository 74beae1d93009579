"""GC execution: structures, arrays, i31, casts, extern conversions, cross-module defined types."""

import pytest

from pyic.errors import Exhaustion, LinkError, Trap
from pyic.wasm import embed
from pyic.wasm.runtime.gc import ArrayInst, I31Ref, StructInst
from pyic.wasm.runtime.types import deftypes_of, match_deftype
from pyic.wasm.runtime.values import ExternRef, HostRef, NullRef

# The reference interpreter itself (the fast tier falls back to it for these instructions).
TIER = "reference"


def new_store():
    return embed.Store(embed.Config(tier=TIER))


def inst(wat, imports=None, store=None):
    store = store or new_store()
    return store, embed.module_instantiate(store, embed.load_module(wat), imports)


def call(store, i, name, *args, **kw):
    return embed.invoke_export(store, i, name, list(args), **kw)


STRUCTS = """
(module
  (type $s (struct (field $a (mut i8)) (field $b (mut i32)) (field $c i16)))
  (func (export "new") (param i32 i32 i32) (result (ref $s))
    (struct.new $s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "get_a_s") (param (ref null $s)) (result i32) (struct.get_s $s $a (local.get 0)))
  (func (export "get_a_u") (param (ref null $s)) (result i32) (struct.get_u $s $a (local.get 0)))
  (func (export "get_c_s") (param (ref null $s)) (result i32) (struct.get_s $s $c (local.get 0)))
  (func (export "get_b") (param (ref null $s)) (result i32) (struct.get $s $b (local.get 0)))
  (func (export "set_a") (param (ref null $s) i32) (struct.set $s $a (local.get 0) (local.get 1)))
  (func (export "default") (result i32 i32 i32)
    (local $x (ref $s))
    (local.set $x (struct.new_default $s))
    (struct.get_u $s 0 (local.get $x)) (struct.get $s 1 (local.get $x))
    (struct.get_u $s 2 (local.get $x)))
)
"""


def test_struct_fields_packed_and_plain():
    store, i = inst(STRUCTS)
    (s,), count = call(store, i, "new", 0x1FF, 7, 0x18000)
    assert isinstance(s, StructInst) and count == 4
    # i8 keeps 0xFF: get_s is -1, get_u 255; i16 keeps 0x8000
    assert call(store, i, "get_a_s", s)[0] == [0xFFFF_FFFF]
    assert call(store, i, "get_a_u", s)[0] == [0xFF]
    assert call(store, i, "get_c_s", s)[0] == [0xFFFF_8000]
    assert call(store, i, "get_b", s)[0] == [7]
    call(store, i, "set_a", s, 0x17F)
    assert call(store, i, "get_a_s", s)[0] == [0x7F]
    assert call(store, i, "default")[0] == [0, 0, 0]


def test_struct_null_traps():
    store, i = inst(STRUCTS)
    with pytest.raises(Trap, match="null structure reference") as e:
        call(store, i, "get_b", embed.null("none"))
    assert e.value.count == 2      # local.get, struct.get (the trapping one counts)
    with pytest.raises(Trap, match="null structure reference"):
        call(store, i, "set_a", embed.null("none"), 1)


ARRAYS = """
(module
  (type $a8 (array (mut i8)))
  (type $af (array (mut f32)))
  (type $ar (array (mut funcref)))
  (data $d "\\01\\02\\03\\84\\00\\00\\80\\3f")
  (elem $e func $f $f $f)
  (func $f)
  (func (export "new") (param i32 i32) (result (ref $a8))
    (array.new $a8 (local.get 0) (local.get 1)))
  (func (export "fixed") (result (ref $a8))
    (array.new_fixed $a8 3 (i32.const 1) (i32.const 2) (i32.const 0x1FF)))
  (func (export "data8") (param i32 i32) (result (ref $a8))
    (array.new_data $a8 $d (local.get 0) (local.get 1)))
  (func (export "dataf") (result f32)
    (array.get $af (array.new_data $af $d (i32.const 4) (i32.const 1)) (i32.const 0)))
  (func (export "elem") (param i32 i32) (result i32)
    (array.len (array.new_elem $ar $e (local.get 0) (local.get 1))))
  (func (export "get_s") (param (ref null $a8) i32) (result i32)
    (array.get_s $a8 (local.get 0) (local.get 1)))
  (func (export "get_u") (param (ref null $a8) i32) (result i32)
    (array.get_u $a8 (local.get 0) (local.get 1)))
  (func (export "set") (param (ref null $a8) i32 i32)
    (array.set $a8 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "len") (param (ref null $a8)) (result i32) (array.len (local.get 0)))
  (func (export "fill") (param (ref null $a8) i32 i32 i32)
    (array.fill $a8 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "copy") (param (ref null $a8) i32 (ref null $a8) i32 i32)
    (array.copy $a8 $a8 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "init_data") (param (ref null $a8) i32 i32 i32)
    (array.init_data $a8 $d (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "init_elem") (param (ref null $ar) i32 i32 i32)
    (array.init_elem $ar $e (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "newr") (param i32) (result (ref $ar)) (array.new_default $ar (local.get 0)))
)
"""


def elems(store, i, a):
    n = call(store, i, "len", a)[0][0]
    return [call(store, i, "get_u", a, k)[0][0] for k in range(n)]


def test_array_allocation_and_access():
    store, i = inst(ARRAYS)
    (a,), _ = call(store, i, "new", 0x101, 3)
    assert isinstance(a, ArrayInst) and elems(store, i, a) == [1, 1, 1]
    (b,), _ = call(store, i, "fixed")
    assert elems(store, i, b) == [1, 2, 0xFF]
    assert call(store, i, "get_s", b, 2)[0] == [0xFFFF_FFFF]
    (c,), _ = call(store, i, "data8", 1, 3)
    assert elems(store, i, c) == [2, 3, 0x84]
    assert call(store, i, "dataf")[0] == [0x3F80_0000]       # 1.0f from the data bytes
    assert call(store, i, "elem", 1, 2)[0] == [2]


def test_array_bulk_operations_and_overlap():
    store, i = inst(ARRAYS)
    (a,), _ = call(store, i, "new", 0, 6)
    for k in range(6):
        call(store, i, "set", a, k, k + 1)
    call(store, i, "copy", a, 1, a, 0, 4)              # overlapping, towards the end
    assert elems(store, i, a) == [1, 1, 2, 3, 4, 6]
    call(store, i, "copy", a, 0, a, 2, 4)              # overlapping, towards the start
    assert elems(store, i, a) == [2, 3, 4, 6, 4, 6]
    _, count = call(store, i, "fill", a, 1, 0x1AB, 5)
    assert elems(store, i, a) == [2, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB]
    assert count == 5                                   # 4 local.get + array.fill, whatever n
    call(store, i, "init_data", a, 0, 0, 2)
    assert elems(store, i, a)[:3] == [1, 2, 0xAB]
    (r,), _ = call(store, i, "newr", 3)
    call(store, i, "init_elem", r, 1, 0, 2)


@pytest.mark.parametrize("name, args, message", [
    ("get_u", (None, 0), "null array reference"),
    ("len", (None,), "null array reference"),
    ("get_u", ("a", 3), "out of bounds array access"),
    ("set", ("a", 3, 0), "out of bounds array access"),
    ("fill", ("a", 2, 0, 2), "out of bounds array access"),
    ("copy", ("a", 0, None, 0, 0), "null array reference"),
    ("copy", ("a", 2, "a", 0, 2), "out of bounds array access"),
    ("init_data", ("a", 0, 7, 2), "out of bounds memory access"),
    ("init_data", ("a", 2, 0, 2), "out of bounds array access"),
    ("data8", (6, 3), "out of bounds memory access"),
    ("elem", (2, 2), "out of bounds table access"),
])
def test_array_traps(name, args, message):
    store, i = inst(ARRAYS)
    (a,), _ = call(store, i, "new", 0, 3)
    args = [a if x == "a" else embed.null("none") if x is None else x for x in args]
    with pytest.raises(Trap, match=message):
        call(store, i, name, *args)


def test_huge_array_is_exhaustion_not_memory_error():
    store, i = inst(ARRAYS)
    with pytest.raises(Exhaustion):
        call(store, i, "new", 0, 0xFFFF_FFFF)


I31 = """
(module
  (type $s (struct))
  (func (export "i31") (param i32) (result i32 i32)
    (i31.get_s (ref.i31 (local.get 0))) (i31.get_u (ref.i31 (local.get 0))))
  (func (export "eq_i31") (param i32 i32) (result i32)
    (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1))))
  (func (export "eq_struct") (result i32 i32)
    (local $x (ref $s))
    (local.set $x (struct.new $s))
    (ref.eq (local.get $x) (local.get $x))
    (ref.eq (local.get $x) (struct.new $s)))
  (func (export "null_i31") (result i32) (i31.get_u (ref.null i31)))
)
"""


def test_i31_and_ref_eq():
    store, i = inst(I31)
    assert call(store, i, "i31", 0x4000_0000)[0] == [0xC000_0000, 0x4000_0000]
    assert call(store, i, "i31", 0xFFFF_FFFF)[0] == [0xFFFF_FFFF, 0x7FFF_FFFF]
    assert call(store, i, "eq_i31", 5, 0x8000_0005)[0] == [1]   # both wrap to 5: equal by value
    assert call(store, i, "eq_i31", 5, 6)[0] == [0]
    assert call(store, i, "eq_struct")[0] == [1, 0]            # structures: by identity
    with pytest.raises(Trap, match="null i31 reference"):
        call(store, i, "null_i31")


CASTS = """
(module
  (type $t0 (sub (struct (field i32))))
  (type $t1 (sub $t0 (struct (field i32) (field i64))))
  (type $t2 (sub $t0 (struct (field i32) (field f32))))
  (type $f (func (result i32)))
  (func $g (type $f) (i32.const 1))
  (elem declare func $g)
  (global $obj (mut anyref) (ref.null any))
  (func (export "make") (param i32)
    (global.set $obj
      (if (result anyref) (i32.eqz (local.get 0))
        (then (struct.new $t0 (i32.const 0)))
        (else (if (result anyref) (i32.eq (local.get 0) (i32.const 1))
          (then (struct.new $t1 (i32.const 1) (i64.const 2)))
          (else (if (result anyref) (i32.eq (local.get 0) (i32.const 2))
            (then (ref.i31 (i32.const 2)))
            (else (ref.null any)))))))))
  (func (export "test") (result i32 i32 i32 i32 i32)
    (ref.test (ref $t0) (global.get $obj))
    (ref.test (ref $t1) (global.get $obj))
    (ref.test (ref $t2) (global.get $obj))
    (ref.test (ref i31) (global.get $obj))
    (ref.test (ref null $t2) (global.get $obj)))
  (func (export "cast_t1") (result i32)
    (struct.get $t1 0 (ref.cast (ref $t1) (global.get $obj))))
  (func (export "br_on_cast") (result i32)
    (block $l (result (ref $t0))
      (br_on_cast $l anyref (ref $t0) (global.get $obj))
      (drop) (return (i32.const -1)))
    (struct.get $t0 0))
  (func (export "br_on_cast_fail") (result i32)
    (block $l (result anyref)
      (br_on_cast_fail $l anyref (ref $t0) (global.get $obj))
      (drop) (return (i32.const 100)))
    (drop) (i32.const 200))
  (func (export "func_test") (result i32 i32)
    (ref.test (ref $f) (ref.func $g)) (ref.test (ref null func) (ref.func $g)))
)
"""


@pytest.mark.parametrize("kind, tests", [
    (0, [1, 0, 0, 0, 0]), (1, [1, 1, 0, 0, 0]), (2, [0, 0, 0, 1, 0]), (3, [0, 0, 0, 0, 1]),
])
def test_ref_test_follows_declared_subtyping(kind, tests):
    store, i = inst(CASTS)
    call(store, i, "make", kind)
    assert call(store, i, "test")[0] == tests


def test_ref_cast_and_br_on_cast():
    store, i = inst(CASTS)
    call(store, i, "make", 1)
    assert call(store, i, "cast_t1")[0] == [1]
    assert call(store, i, "br_on_cast")[0] == [1]
    assert call(store, i, "br_on_cast_fail")[0] == [100]
    call(store, i, "make", 0)
    with pytest.raises(Trap, match="cast failure"):
        call(store, i, "cast_t1")
    call(store, i, "make", 2)
    assert call(store, i, "br_on_cast")[0] == [0xFFFF_FFFF]
    _, count = call(store, i, "br_on_cast_fail")
    assert call(store, i, "br_on_cast_fail")[0] == [200]
    assert count == 5      # block, global.get, br_on_cast_fail (taken), drop, i32.const
    assert call(store, i, "func_test")[0] == [1, 1]


CONVERT = """
(module
  (type $s (struct (field i32)))
  (type $a (array i8))
  (global $g (ref $s) (struct.new $s (i32.const 42)))
  (global $arr (ref $a) (array.new_fixed $a 2 (i32.const 1) (i32.const 2)))
  (global $x externref (extern.convert_any (ref.i31 (i32.const 9))))
  (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
  (func (export "externalize") (param anyref) (result externref) (extern.convert_any (local.get 0)))
  (func (export "g") (result i32) (struct.get $s 0 (global.get $g)))
  (func (export "x") (result i32)
    (i31.get_u (ref.cast i31ref (any.convert_extern (global.get $x)))))
)
"""


def test_extern_any_conversions_and_constant_expressions():
    store, i = inst(CONVERT)
    obj = object()
    (r,), _ = call(store, i, "internalize", ExternRef(obj))
    assert isinstance(r, HostRef) and r.value is obj
    (e,), _ = call(store, i, "externalize", r)
    assert isinstance(e, ExternRef) and e.value is obj
    (n,), _ = call(store, i, "internalize", embed.null("extern"))
    assert isinstance(n, NullRef)
    (e,), _ = call(store, i, "externalize", I31Ref(3))
    assert isinstance(e, ExternRef) and e.value == I31Ref(3)
    assert call(store, i, "g")[0] == [42]
    assert call(store, i, "x")[0] == [9]


# ------------------------------------------------------------------ defined types across modules

EXPORTER = """
(module
  (rec (type $a (sub (func (result i32)))) (type $b (struct (field (ref null $a)))))
  (type $c (sub $a (func (result i32))))
  (func (export "f") (type $c) (i32.const 7))
  (func (export "fa") (type $a) (i32.const 8))
  (table (export "t") 2 funcref)
  (elem (i32.const 0) func 0 1)
)
"""


def test_import_matching_by_canonical_type_and_subtyping():
    store, a = inst(EXPORTER)
    imports = {"m": a.exports}
    # an equivalent rec group in another module: the same defined types
    inst(
        """(module (rec (type $a (sub (func (result i32))))
                   (type $b (struct (field (ref null $a)))))
              (import "m" "f" (func (type $a))) (import "m" "fa" (func (type $a))))""",
        imports,
        store,
    )
    # a different rec group (no struct beside it): not the same type
    with pytest.raises(LinkError, match="incompatible import type"):
        inst("""(module (type $a (sub (func (result i32)))) (import "m" "fa" (func (type $a))))""",
             imports, store)
    # a supertype cannot stand in for its subtype
    with pytest.raises(LinkError, match="incompatible import type"):
        inst(
            """(module (rec (type $a (sub (func (result i32))))
                       (type $b (struct (field (ref null $a)))))
                  (type $c (sub $a (func (result i32)))) (import "m" "fa" (func (type $c))))""",
            imports,
            store,
        )


def test_call_indirect_checks_subtyping_across_modules():
    store, a = inst(EXPORTER)
    _, b = inst("""(module
      (rec (type $a (sub (func (result i32)))) (type $b (struct (field (ref null $a)))))
      (type $c (sub $a (func (result i32))))
      (import "m" "t" (table 2 funcref))
      (func (export "call_a") (param i32) (result i32) (call_indirect (type $a) (local.get 0)))
      (func (export "call_c") (param i32) (result i32) (call_indirect (type $c) (local.get 0))))""",
        {"m": a.exports}, store)
    assert call(store, b, "call_a", 0)[0] == [7]     # $c <: $a
    assert call(store, b, "call_a", 1)[0] == [8]
    assert call(store, b, "call_c", 0)[0] == [7]
    with pytest.raises(Trap, match="indirect call type mismatch"):
        call(store, b, "call_c", 1)


def test_deftypes_are_canonical_objects():
    m1 = embed.load_module(EXPORTER)
    m2 = embed.load_module(EXPORTER)
    d1, d2 = deftypes_of(m1.types), deftypes_of(m2.types)
    assert all(x is y for x, y in zip(d1, d2))
    assert match_deftype(d1[2], d1[0]) and not match_deftype(d1[0], d1[2])


def test_embedder_arguments_are_checked_by_hierarchy():
    store, i = inst(CONVERT)
    with pytest.raises(Trap, match="type mismatch"):
        call(store, i, "internalize", HostRef(1))        # an anyref where an externref is expected
    with pytest.raises(Trap, match="type mismatch"):
        call(store, i, "externalize", ExternRef(1))
    assert call(store, i, "externalize", I31Ref(1))[0] == [ExternRef(I31Ref(1))]


def test_host_function_types_with_type_indices_stay_distinct():
    from pyic.wasm.runtime.types import deftype_of_functype
    from pyic.wasm.syntax.types import FuncType, RefType
    t = FuncType((RefType(True, 0),), ())
    assert deftype_of_functype(t) is not deftype_of_functype(t)
    plain = FuncType(("i32",), ())
    assert deftype_of_functype(plain) is deftype_of_functype(plain)
