"""Wide arithmetic (WebAssembly/wide-arithmetic): i64.add128, i64.sub128,
i64.mul_wide_s/u behind the 'wide-arithmetic' feature, on both tiers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.engine import wide
from pyic.wasm.features import using
from pyic.wasm.text import parse_module

WAT = """(module
  (func (export "add") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_s") (param i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_u") (param i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1))))"""

U64 = st.integers(0, (1 << 64) - 1)


def test_off_by_default():
    with pytest.raises(MalformedError, match="unknown operator i64.add128"):
        parse_module(WAT)
    with using({"wide-arithmetic"}):
        data = encode_module(parse_module(WAT))
    with pytest.raises(MalformedError, match="illegal opcode fc 13"):
        decode_module(data)


def test_binary_round_trip():
    with using({"wide-arithmetic"}):
        m = parse_module(WAT)
        assert decode_module(encode_module(m)) == m


@settings(max_examples=200, deadline=None)
@given(U64, U64, U64, U64)
def test_128_bit_meaning(a, b, c, d):
    x, y = (b << 64) | a, (d << 64) | c
    lo, hi = wide.add128(a, b, c, d)
    assert (hi << 64) | lo == (x + y) % (1 << 128)
    lo, hi = wide.sub128(a, b, c, d)
    assert (hi << 64) | lo == (x - y) % (1 << 128)
    lo, hi = wide.mul_wide_u(a, c)
    assert (hi << 64) | lo == a * c
    sa, sc = a - (a >> 63 << 64), c - (c >> 63 << 64)
    lo, hi = wide.mul_wide_s(a, c)
    assert (hi << 64) | lo == (sa * sc) % (1 << 128)


def _run(tier: str, name: str, args: list) -> tuple:
    from pyic.wasm.embed import invoke_export, module_instantiate, store_init
    from pyic.wasm.runtime.store import Config

    with using({"wide-arithmetic"}):
        store = store_init(Config(tier=tier))
        inst = module_instantiate(store, parse_module(WAT), [])
        results, count = invoke_export(store, inst, name, args)
        return tuple(results), count


@pytest.mark.parametrize("name, args, expected", [
    ("mul_s", [(1 << 64) - 1, 5], ((1 << 64) - 5, (1 << 64) - 1)),
    ("mul_u", [(1 << 64) - 1, 2], ((1 << 64) - 2, 1)),
    ("add", [(1 << 64) - 1, 0, 1, 0], (0, 1)),
    ("sub", [0, 0, 1, 0], ((1 << 64) - 1, (1 << 64) - 1)),
])
def test_both_tiers_agree_on_results_and_counts(name, args, expected):
    ref = _run("reference", name, args)
    fast = _run("fast", name, args)
    assert ref[0] == expected
    assert fast == ref
