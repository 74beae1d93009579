"""Fuzzing the binary decoder and the validator.

Seeded, so every run feeds the same inputs: over 160,000 truncations and
mutations (bit flips, inserted, deleted and overwritten bytes, runs of
"interesting" LEB128 bytes, duplicated chunks) of the test suite's binary
modules, plus a smaller number of the benchmark and canister modules.  Each
case must end in a module or a `pyic.errors.PyicError` -- never another
exception -- within a second of CPU time.  A mutant that decodes must encode
again, and its encoding must be a fixed point of decode-then-encode.
"""

from __future__ import annotations

import os

import gc
import random
import time
from pathlib import Path

import pytest

from pyic.errors import PyicError
from pyic.wasm.binary import decode_module, encode_module
from pyic.wasm.valid import validate_module

from tests.wasm.binary.samples import rich_module   # the repository root is on pythonpath
from tests.wasm.binary.wastbin import suite_cases

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[3] / "shared")

SEED = 0x5EED_3A5
CASE_CPU_LIMIT = 1.0  # seconds

INTERESTING = [
    b"\x00", b"\x01", b"\x0b", b"\x05", b"\x40", b"\x41", b"\x7f", b"\x80", b"\xff",
    b"\x70", b"\x6f", b"\x63", b"\x64", b"\x60", b"\x4e", b"\x50", b"\xfb", b"\xfc", b"\xfd",
    b"\x80\x80\x80\x80\x10", b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\x7f",
    b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", b"\xff" * 10, b"\x80" * 11,
    b"\x81\x80\x80\x80\x00", b"\xe5\x8e\x26", b"\x02\x40" * 8, b"\x0b" * 4,
]


def _bases() -> tuple[list[bytes], list[bytes]]:
    """Small seed modules: (all of them, the ones that decode)."""
    seen = set()
    every = []
    for folder in ("wasm-3.0", "wasm-2.0"):
        for case in suite_cases(folder):
            if case.data not in seen and len(case.data) <= 4096:
                seen.add(case.data)
                every.append(case.data)
    for path in sorted(Path(SHARED + "/bench/wasm").glob("*.wasm")):
        data = path.read_bytes()
        if len(data) <= 4096:
            every.append(data)
    every.append(encode_module(rich_module()))
    decodable = []
    for data in every:
        try:
            decode_module(data)
        except PyicError:
            continue
        decodable.append(data)
    return every, decodable


def _big() -> list[bytes]:
    paths = [
        p for p in sorted(Path(SHARED + "/bench/wasm").glob("*.wasm")) if p.stat().st_size > 4096
    ]
    paths += sorted(Path(SHARED + "/canisters").glob("*/*.wasm"))
    return [p.read_bytes() for p in paths]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    n = len(b)
    how = rng.randrange(7)
    pos = rng.randrange(n + 1)
    if how == 0:    # truncate
        return bytes(b[:pos])
    if how == 1 and n:    # flip a bit
        pos = rng.randrange(n)
        b[pos] ^= 1 << rng.randrange(8)
    elif how == 2:  # insert a byte
        b.insert(pos, rng.randrange(256))
    elif how == 3 and n:  # delete a few bytes
        del b[pos:pos + rng.randint(1, 4)]
    elif how == 4:  # overwrite with interesting bytes
        chunk = rng.choice(INTERESTING)
        b[pos:pos + len(chunk)] = chunk
    elif how == 5:  # insert interesting bytes
        b[pos:pos] = rng.choice(INTERESTING)
    elif n:         # duplicate a chunk elsewhere
        start = rng.randrange(n)
        chunk = b[start:start + rng.randint(1, 16)]
        b[pos:pos] = chunk
    return bytes(b)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_leb(b: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = b[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return n, pos


def _split(data: bytes, pos: int, count: int | None = None) -> list:
    """(id, contents) of the sections from ``pos`` (of a well-formed module)."""
    out = []
    while pos < len(data):
        sid = data[pos]
        size, pos = _read_leb(data, pos + 1)
        out.append((sid, data[pos:pos + size]))
        pos += size
    return out


def mutate_structured(rng: random.Random, data: bytes) -> bytes:
    """Mutate inside one section (or one function body) of a well-formed module,
    then fix the sizes around it: such mutants get past the section framing."""
    try:
        sections = _split(data, 8)
    except IndexError:  # an earlier mutation broke the framing
        return mutate(rng, data)
    if not sections:
        return mutate(rng, data)
    how = rng.randrange(10)
    i = rng.randrange(len(sections))
    if how == 0:    # drop a section
        del sections[i]
    elif how == 1:  # duplicate or move a section
        sections.insert(rng.randrange(len(sections) + 1), sections[i])
        if rng.random() < 0.5:
            del sections[i if i < len(sections) - 1 else -1]
    else:
        sid, content = sections[i]
        if sid == 10 and content and rng.random() < 0.8:
            bodies = []
            try:
                count, pos = _read_leb(content, 0)
                for _ in range(count):
                    size, pos = _read_leb(content, pos)
                    bodies.append(content[pos:pos + size])
                    pos += size
            except IndexError:
                return mutate(rng, data)
            if bodies:
                j = rng.randrange(len(bodies))
                bodies[j] = mutate(rng, bodies[j])
            content = _leb(len(bodies)) + b"".join(_leb(len(b)) + b for b in bodies)
        else:
            content = mutate(rng, content)
        sections[i] = (sid, content)
    return data[:8] + b"".join(bytes((sid,)) + _leb(len(c)) + c for sid, c in sections)


def _decode_validate(data: bytes):
    """Decode and validate one input: (module or None, outcome kind, CPU seconds)."""
    t0 = time.process_time()
    module = None
    try:
        module = decode_module(data)
        validate_module(module)
        outcome = "valid"
    except PyicError as e:
        outcome = e.kind
    return module, outcome, time.process_time() - t0


def check(data: bytes) -> str:
    """Decode and validate one input (timed), then re-encode it; the outcome's kind."""
    module, outcome, spent = _decode_validate(data)
    if spent >= CASE_CPU_LIMIT:
        # A cyclic-GC pass of the whole test process can land inside one case;
        # measure the case again after collecting, so the limit judges the case.
        gc.collect()
        module, outcome, spent = _decode_validate(data)
    assert spent < CASE_CPU_LIMIT, f"{spent:.2f}s CPU"
    if module is not None:
        encoded = encode_module(module)
        assert encode_module(decode_module(encoded)) == encoded
    return outcome


def _run(inputs) -> dict:
    counts: dict = {}
    for data in inputs:
        try:
            outcome = check(data)
        except Exception as e:  # name the input that broke it
            raise AssertionError(f"{type(e).__name__}: {e} on input {data.hex()[:400]}...") from e
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def test_fuzz_suite_modules():
    rng = random.Random(SEED)
    every, decodable = _bases()
    assert len(every) > 500 and len(decodable) > 100
    rich = encode_module(rich_module())

    def inputs():
        for data in decodable:  # every truncation of the short ones
            if len(data) <= 200:
                for i in range(len(data)):
                    yield data[:i]
        for _ in range(80_000):  # anywhere
            data = rng.choice(decodable if rng.random() < 0.7 else every)
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                data = mutate(rng, data)
            yield data
        for _ in range(80_000):  # inside sections and function bodies
            data = rich if rng.random() < 0.15 else rng.choice(decodable)
            for _ in range(rng.choice((1, 1, 2))):
                data = mutate_structured(rng, data)
            yield data

    counts = _run(inputs())
    assert sum(counts.values()) >= 160_000
    # the mutants must reach past the decoder often enough to test something
    assert counts.get("malformed", 0) > 10_000
    assert counts.get("valid", 0) + counts.get("invalid", 0) > 10_000


@pytest.mark.parametrize("index", range(len(_big())))
def test_fuzz_big_modules(index):
    data = _big()[index]
    rng = random.Random(SEED + index)
    inputs = [data[:rng.randrange(len(data))] for _ in range(3)]
    inputs += [mutate(rng, data) for _ in range(3)]
    inputs += [mutate_structured(rng, data) for _ in range(3)]
    counts = _run(inputs)
    assert sum(counts.values()) == 9
