"""Custom page sizes (WebAssembly/custom-page-sizes) behind the
'custom-page-sizes' feature: syntax, binary, validation."""

from __future__ import annotations

import pytest

from pyic.errors import InvalidError, MalformedError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module
from pyic.wasm.valid import validate_module

FEATURE = {"custom-page-sizes"}


def test_page_size_round_trips_through_both_formats():
    with using(FEATURE):
        m = parse_module("(module (memory 1 2 (pagesize 1)) (memory i64 3 (pagesize 65536)))")
        assert m.mems[0].type.page_size == 1 and m.mems[1].type.page_size == 65536
        data = encode_module(m)
        assert b"\x05\x07\x02\x09\x01\x02\x00\x04\x03" in data   # flags 0x09, log2 = 0
        assert decode_module(data) == m
        assert parse_module(print_module(m)) == m
        validate_module(m)


def test_inline_data_counts_pages_of_the_given_size():
    with using(FEATURE):
        m = parse_module('(module (memory (pagesize 1) (data "xyz")))')
    assert m.mems[0].type.limits.min == 3 and m.mems[0].type.limits.max == 3


def test_off_by_default():
    with using(FEATURE):
        data = encode_module(parse_module("(module (memory 1 (pagesize 1)))"))
    with pytest.raises(MalformedError, match="malformed limits flags"):
        decode_module(data)
    with pytest.raises(MalformedError):
        parse_module("(module (memory 1 (pagesize 1)))")


@pytest.mark.parametrize("text, error, message", [
    ("(memory 0 (pagesize 3))", MalformedError, "invalid custom page size"),
    ("(memory 0 (pagesize 2))", InvalidError, "invalid custom page size"),
    ("(memory 0x1_0000_0000 (pagesize 1))", InvalidError, "memory size must be at most"),
])
def test_bad_page_sizes(text, error, message):
    with using(FEATURE), pytest.raises(error, match=message):
        validate_module(parse_module(text))


def test_binary_exponent_beyond_u64_is_malformed():
    data = b"\0asm\1\0\0\0" + b"\x05\x04\x01\x08\x00\x41"
    with using(FEATURE), pytest.raises(MalformedError, match="invalid custom page size"):
        decode_module(data)


SMALL = """(module
  (memory 0 (pagesize 1))
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"""


def _run(tier: str, calls: list) -> list:
    from pyic.errors import Trap
    from pyic.wasm.embed import invoke_export, module_instantiate, store_init
    from pyic.wasm.runtime.store import Config

    with using(FEATURE):
        store = store_init(Config(tier=tier))
        inst = module_instantiate(store, parse_module(SMALL), [])
        out = []
        for name, args in calls:
            try:
                out.append(invoke_export(store, inst, name, args))
            except Trap as e:
                out.append(e.message)
        return out


def test_byte_pages_on_both_tiers():
    calls = [("size", []), ("grow", [3]), ("size", []), ("load", [2]), ("load", [3])]
    ref = _run("reference", calls)
    assert [r[0] if isinstance(r, tuple) else r for r in ref] == [
        [0], [0], [3], [0], "out of bounds memory access"]
    assert _run("fast", calls) == ref
