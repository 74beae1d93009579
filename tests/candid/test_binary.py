"""Binary encoding and decoding: round trips, coercion at expected types, resource limits."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings, strategies as st

from pyic.candid import (
    CoercionError, DecodeLimitError, DepthLimitError, FuncRef, Opt, Principal, Record, ServiceRef,
    Variant, decode, decode_message, decode_to_text, encode, parse_did, parse_types,
    parse_value_text, print_values,
)
from pyic.candid.binary import leb128, sleb128
from pyic.candid.types import (
    BLOB, BOOL, FLOAT32, FLOAT64, INT, INT8, INT16, INT32, INT64, NAT, NAT8, NAT16, NAT32, NAT64,
    NULL, PRINCIPAL, RESERVED, TEXT, Field, OptType, RecordType, VariantType, VecType,
)
from pyic.errors import CandidError

_RANGES = {NAT8: (0, 255), NAT16: (0, 65535), NAT32: (0, 2**32 - 1), NAT64: (0, 2**64 - 1),
           INT8: (-128, 127), INT16: (-2**15, 2**15 - 1), INT32: (-2**31, 2**31 - 1),
           INT64: (-2**63, 2**63 - 1)}

types = st.recursive(
    st.sampled_from([NAT, INT, BOOL, TEXT, NULL, FLOAT64, FLOAT32, PRINCIPAL, BLOB, RESERVED,
                     *_RANGES]),
    lambda inner: st.one_of(
        inner.map(OptType),
        inner.map(VecType),
        st.dictionaries(st.integers(0, 2**32 - 1), inner, max_size=3).map(
            lambda d: RecordType(tuple(Field(k, v) for k, v in sorted(d.items())))),
        st.dictionaries(st.integers(0, 2**32 - 1), inner, min_size=1, max_size=3).map(
            lambda d: VariantType(tuple(Field(k, v) for k, v in sorted(d.items())))),
    ),
    max_leaves=8,
)


def values_of(t):
    if t in _RANGES:
        return st.integers(*_RANGES[t])
    simple = {NAT: st.integers(min_value=0), INT: st.integers(), BOOL: st.booleans(),
              TEXT: st.text(), NULL: st.none(), RESERVED: st.none(),
              FLOAT64: st.floats(allow_nan=False),
              FLOAT32: st.floats(width=32, allow_nan=False), BLOB: st.binary(max_size=8),
              PRINCIPAL: st.binary(max_size=29).map(Principal)}
    if t in simple:
        return simple[t]
    if isinstance(t, OptType):
        return st.one_of(st.none(), values_of(t.type).map(Opt))
    if isinstance(t, VecType):
        return st.lists(values_of(t.type), max_size=3).map(tuple)
    if isinstance(t, RecordType):
        return st.tuples(*(values_of(f.type) for f in t.fields)).map(
            lambda vs: Record(tuple((f.id, v) for f, v in zip(t.fields, vs))))
    return st.one_of(*(values_of(f.type).map(lambda v, f=f: Variant(f.id, v)) for f in t.fields))


typed_values = types.flatmap(lambda t: st.tuples(st.just(t), values_of(t)))


@settings(max_examples=300, deadline=None)
@given(typed_values)
def test_encode_decode_round_trip(tv):
    t, v = tv
    data = encode((v,), (t,))
    assert decode(data, (t,)) == (v,)
    values, used, env = decode_message(data)        # at the message's own types
    assert encode(values, used, env) == data


@settings(max_examples=300, deadline=None)
@given(typed_values)
def test_print_parse_round_trip(tv):
    t, v = tv
    text = print_values((v,), (t,))
    assert parse_value_text(text, (t,)) == (v,)


@pytest.mark.parametrize("n", [0, 1, 127, 128, 16383, 16384, 2**64, 10**40])
def test_leb128(n):
    from pyic.candid.decode import Decoder
    for raw, read in ((leb128(n), "leb"), (sleb128(n), "sleb"), (sleb128(-n), "sleb")):
        d = Decoder(raw, None, None, 100)
        value = getattr(d, read)()
        assert value == (n if raw != sleb128(-n) else -n) and d.pos == len(raw)


def test_type_table_layout():
    did = parse_did("type List = opt record { head : int; tail : List };")
    data = encode((None,), parse_types("(List)"), did.env)
    assert data.hex() == "4449444c026e016c02a0d2aca8047c90eddae704000100" + "00"
    # structurally equal types share one table entry
    assert encode(((), ()), parse_types("(vec nat, vec nat)")).hex() == "4449444c016d7d0200000000"


def test_record_and_variant_encoding():
    t = parse_types("(record { foo : int; bar : bool }, variant { Ok : text; Err : text })")
    data = encode((Record.of(foo=42, bar=True), Variant.of("Ok", "good")), t)
    assert data.hex() == (
        "4449444c026c02d3e3aa027e868eb7027c6b02bc8a0171c5fed20171020001012a0004676f6f64"
    )


def test_encoder_checks_values():
    for value, types in [(-1, "(nat)"), (256, "(nat8)"), ("x", "(nat)"), (1, "(bool)"),
                         (None, "(text)"), (Variant.of("zz"), "(variant { a })"),
                         (Record.of(), "(record { a : nat })"),
                         (1, "(empty)"), (5, "(opt nat)")]:
        with pytest.raises(CandidError):
            encode((value,), parse_types(types))
    with pytest.raises(CandidError, match="missing value"):
        encode((), parse_types("(nat)"))
    assert encode((), parse_types("(opt nat)")) == encode((None,), parse_types("(opt nat)"))


def test_references_encode():
    p = Principal.from_text("w7x7r-cok77-xa")
    data = encode(
        (p, ServiceRef(p), FuncRef(p, "foo")), parse_types("(principal, service {}, func () -> ())")
    )
    assert decode_to_text(data) == ('(principal "w7x7r-cok77-xa", service "w7x7r-cok77-xa", '
                                    'func "w7x7r-cok77-xa".foo)')


# -- coercion (spec: "Coercion") -------------------------------------------------------------

def coerce(text, written, expected, env=None):
    data = encode(parse_value_text(text, parse_types(written), env), parse_types(written), env)
    return decode(data, parse_types(expected), env)


def test_coercions():
    assert coerce("(5)", "(nat)", "(int)") == (5,)
    assert coerce("(5)", "(nat)", "(opt nat)") == (Opt(5),)                      # constituent rule
    assert coerce("(5)", "(nat)", "(opt text)") == (None,)                       # fails -> null
    assert coerce("(true)", "(bool)", "(opt opt bool)") == (Opt(Opt(True)),)
    assert coerce("(opt 5)", "(opt nat)", "(opt text)") == (None,)
    assert coerce("(record { a = 1; b = 2 })", "(record { a : nat; b : nat })",
                  "(record { a : int; c : opt nat })") == (Record.of(a=1, c=None),)
    assert coerce("(variant { a = 1 })", "(variant { a : nat; b })", "(opt variant { b })") == (
        None,
    )
    assert coerce('(service "aaaaa-aa")', "(service {})", "(principal)") == (
        Principal.management(),
    )
    assert coerce("(1, 2)", "(nat, nat)", "(nat)") == (1,)  # extra arguments
    assert coerce("(1)", "(nat)", "(nat, opt nat, reserved)") == (
        1,
        None,
        None,
    )  # missing arguments


def test_coercion_failures_are_coercion_errors():
    for text, written, expected in [("(5)", "(nat)", "(text)"), ("(-5)", "(int)", "(nat)"),
                                    ("(record {})", "(record {})", "(record { a : nat })"),
                                    ("(variant { a })", "(variant { a })", "(variant { b })"),
                                    ("(null)", "(reserved)", "(null)")]:
        with pytest.raises(CoercionError):
            coerce(text, written, expected)


def test_function_reference_subtyping():
    f = '(func "aaaaa-aa".m)'
    assert coerce(f, "(func (nat) -> (nat))", "(func (nat, opt text) -> ())")[0].method == "m"
    assert coerce(f, "(func (nat) -> (nat) query)", "(opt func (nat) -> (nat))") == (None,)
    with pytest.raises(CoercionError):
        coerce(f, "(func (int) -> ())", "(func (text) -> ())")


def test_recursive_types_decode():
    did = parse_did("type List = opt record { head : int; tail : List };")
    t = parse_types("(List)")
    v = None
    for i in range(3000):     # nests 6000 levels deep on the wire
        v = Opt(Record.of(head=i, tail=v))
    data = encode((v,), t, did.env)
    assert decode(data, t, did.env) == (v,)
    with pytest.raises(DepthLimitError):
        decode(data, t, did.env, max_depth=100)


# -- resource limits (docs/candid.md) -----------------------------------------------------------

def test_value_budget():
    vec_null = bytes.fromhex("4449444c016d7f0100") + leb128(1000)
    assert decode(vec_null, parse_types("(vec null)")) == ((None,) * 1000,)
    with pytest.raises(DecodeLimitError):
        decode(vec_null, parse_types("(vec null)"), value_quota=500)
    with pytest.raises(DecodeLimitError):      # skipped values are charged too
        decode(vec_null, (), value_quota=500)
    bomb = bytes.fromhex("4449444c016d7f0100") + leb128(10**9)
    start = time.perf_counter()
    with pytest.raises(DecodeLimitError):
        decode(bomb, parse_types("(opt nat)"))
    assert time.perf_counter() - start < 0.1


def test_lengths_are_checked_before_use():
    for hexdata in ["4449444c00017180c8afa025", "4449444c016d7e010080c8afa025"]:
        with pytest.raises(CandidError, match="larger than the rest"):
            decode(bytes.fromhex(hexdata))


def test_long_numbers_decode_in_linear_time():
    n = 1 << 140_000
    data = encode((n,), parse_types("(nat)"))
    start = time.perf_counter()
    assert decode(data, parse_types("(nat)")) == (n,)
    assert time.perf_counter() - start < 1.0


def test_non_bytes_input():
    with pytest.raises(CandidError):
        decode("DIDL")
