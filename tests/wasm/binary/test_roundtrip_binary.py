"""Encoder round trips: ``decode(encode(m)) == m`` and
``decode(encode(decode(b))) == decode(b)``."""

from __future__ import annotations

import os

import time
from pathlib import Path

import pytest

from pyic.errors import MalformedError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.binary.encode import elem, u
from pyic.wasm.syntax import (
    PASSIVE, Custom, Data, Func, FuncType, Instr, Limits, Mem, MemType, Module, Names, RecType,
    SubType,
)

from samples import every_instruction, rich_module
from tests.wasm.binary.wastbin import suite_cases   # the repository root is on pythonpath

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

BENCH = sorted(Path(SHARED + "/bench/wasm").glob("*.wasm"))
CANISTERS = sorted(Path(SHARED + "/canisters").glob("*/*.wasm"))


def _decodable():
    out = []
    for folder in ("wasm-3.0", "wasm-2.0"):
        for case in suite_cases(folder):
            try:
                decode_module(case.data)
            except MalformedError:
                continue
            out.append(case)
    return out


def customs_of(m: Module) -> list:
    return [(c.name, c.data) for c in m.customs]


def check_round_trip(data: bytes) -> None:
    m = decode_module(data)
    encoded = encode_module(m)
    m2 = decode_module(encoded)
    assert m2 == m
    assert customs_of(m2) == customs_of(m) or m.names is not None
    assert m2.names == m.names
    assert encode_module(m2) == encoded  # the encoding is a fixed point


def test_suite_modules_round_trip():
    cases = _decodable()
    assert len(cases) > 150
    for case in cases:
        check_round_trip(case.data)


@pytest.mark.parametrize("path", BENCH + CANISTERS, ids=lambda p: p.name)
def test_real_modules_round_trip(path):
    check_round_trip(path.read_bytes())


def test_minimal_encodings_are_reproduced():
    # modules written with minimal LEB128s and in the canonical forms come back byte for byte
    for path in BENCH:
        data = path.read_bytes()
        if path.name in ("big.wasm", "fib.wasm", "collatz.wasm", "mandel.wasm"):
            assert encode_module(decode_module(data)) == data


def test_rich_module_round_trip():
    m = rich_module()
    m2 = decode_module(encode_module(m))
    assert m2 == m
    assert m2.names == m.names
    assert [(c.name, c.after) for c in m2.customs] == [(c.name, c.after) for c in m.customs]
    assert [c.data for c in m2.customs if c.name != "name"] == [
        c.data for c in m.customs if c.name != "name"
    ]


def test_every_instruction_round_trips_alone():
    base = rich_module()
    for instr in every_instruction():
        func = Func(1, (), (instr,))
        m = Module(types=base.types, funcs=(func,))
        assert decode_module(encode_module(m)).funcs[0].body == (instr,), instr


def test_element_segment_forms():
    m = rich_module()
    assert decode_module(encode_module(m)).elems == m.elems
    # the flags of each segment: the compact forms only for (ref func) with plain ref.func entries
    assert [elem(e)[0] for e in m.elems] == [0, 1, 2, 3, 4, 5, 6, 7, 6]


def test_data_count_written_only_when_needed():
    drop = Instr("data.drop", (0,))
    types = (RecType((SubType(True, (), FuncType()),)),)
    with_drop = Module(types=types, funcs=(Func(0, (), (drop,)),), datas=(Data(b"x", PASSIVE),))
    without = Module(
        types=types, funcs=(Func(0, (), (Instr("nop"),)),), datas=(Data(b"x", PASSIVE),)
    )
    assert b"\x0c\x01\x01" in encode_module(with_drop)
    assert b"\x0c\x01\x01" not in encode_module(without)
    assert decode_module(encode_module(with_drop)) == with_drop
    new_data = Instr("array.new_data", (0, 0))
    m = Module(types=types, funcs=(Func(0, (), (new_data,)),), datas=(Data(b"x", PASSIVE),))
    assert decode_module(encode_module(m)) == m


def test_customs_go_back_where_they_were():
    m = Module(
        mems=(Mem(MemType(Limits(1))),),
        customs=(
            Custom("a", b"1", 0),
            Custom("b", b"2", 5),
            Custom("c", b"3", 11),
            Custom("d", b"4", 12),
        ),
    )
    data = encode_module(m)
    assert data.index(b"\x01a1") < data.index(b"\x05\x03\x01\x00\x01") < data.index(b"\x01b2")
    assert [(c.name, c.after) for c in decode_module(data).customs] == [
        ("a", 0),
        ("b", 5),
        ("d", 5),
        ("c", 5),
    ]


def test_names_reencoded_and_appended():
    m = Module(names=Names("mod", ((0, "f"),), (), ()))
    data = encode_module(m)
    assert data.endswith(b"\x00\x11\x04name\x00\x04\x03mod\x01\x04\x01\x00\x01f")
    assert decode_module(data).names == m.names


def test_deep_nesting_round_trips_without_recursion():
    depth = 100_000
    body = b"\x00" + b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"
    code = u(len(body)) + body
    data = (b"\x00asm\x01\x00\x00\x00" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00"
            + b"\x0a" + u(len(code) + 1) + b"\x01" + code)
    m = decode_module(data)
    assert encode_module(m) == data


def test_big_module_speed():
    data = (Path(SHARED + "/bench/wasm/big.wasm")).read_bytes()
    t0 = time.process_time()
    decode_module(data)
    spent = time.process_time() - t0
    assert spent < 1.0, f"decoding 1 MB took {spent:.2f}s CPU"
