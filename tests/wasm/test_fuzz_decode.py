"""Fuzzing the binary decoder (and the validator, when it exists).

Seeded, so every run feeds the same inputs: over 100,000 truncations and
mutations (bit flips, inserted, deleted and overwritten bytes, runs of
"interesting" LEB128 bytes, duplicated chunks) of the test suite's binary
modules, plus a smaller number of the benchmark and canister modules.  Each
case must end in a module or a `pyic.errors.PyicError` -- never another
exception -- within a second of CPU time.  A mutant that decodes must encode
again, and its encoding must be a fixed point of decode-then-encode.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest

from pyic.errors import PyicError
from pyic.wasm.binary import decode_module, encode_module

sys.path.insert(0, str(Path(__file__).parent / "binary"))
from wastbin import suite_cases  # noqa: E402

try:
    from pyic.wasm.valid import validate_module
except ImportError:  # validation not written yet: decode only
    validate_module = None

SEED = 0x5EED_3A5
CASE_CPU_LIMIT = 1.0  # seconds

INTERESTING = [
    b"\x00", b"\x01", b"\x0b", b"\x05", b"\x40", b"\x41", b"\x7f", b"\x80", b"\xff",
    b"\x70", b"\x6f", b"\x63", b"\x64", b"\x60", b"\x4e", b"\x50", b"\xfb", b"\xfc", b"\xfd",
    b"\x80\x80\x80\x80\x10", b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\x7f",
    b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", b"\xff" * 10, b"\x80" * 11,
    b"\x81\x80\x80\x80\x00", b"\xe5\x8e\x26", b"\x02\x40" * 8, b"\x0b" * 4,
]


def _bases() -> list[bytes]:
    seen = set()
    out = []
    for folder in ("wasm-3.0", "wasm-2.0"):
        for case in suite_cases(folder):
            if case.data not in seen and len(case.data) <= 4096:
                seen.add(case.data)
                out.append(case.data)
    for path in sorted(Path("/work/shared/bench/wasm").glob("*.wasm")):
        data = path.read_bytes()
        if len(data) <= 4096:
            out.append(data)
    return out


def _big() -> list[bytes]:
    paths = [p for p in sorted(Path("/work/shared/bench/wasm").glob("*.wasm")) if p.stat().st_size > 4096]
    paths += sorted(Path("/work/shared/canisters").glob("*/*.wasm"))
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


def check(data: bytes) -> str:
    """Decode, validate, re-encode one input; the outcome's kind."""
    t0 = time.process_time()
    try:
        module = decode_module(data)
    except PyicError as e:
        outcome = e.kind
    else:
        encoded = encode_module(module)
        assert encode_module(decode_module(encoded)) == encoded
        outcome = "decoded"
        if validate_module is not None:
            try:
                validate_module(module)
                outcome = "valid"
            except PyicError as e:
                outcome = e.kind
    spent = time.process_time() - t0
    assert spent < CASE_CPU_LIMIT, f"{spent:.2f}s on {data.hex()[:200]}"
    return outcome


def _run(inputs) -> dict:
    counts: dict = {}
    for data in inputs:
        try:
            outcome = check(data)
        except PyicError:
            raise
        except Exception as e:  # report the input that broke it
            raise AssertionError(f"{type(e).__name__}: {e} on input {data.hex()}") from e
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def test_fuzz_suite_modules():
    rng = random.Random(SEED)
    bases = _bases()
    assert len(bases) > 500

    def inputs():
        for data in bases:  # every truncation of the short ones
            if len(data) <= 64:
                for i in range(len(data)):
                    yield data[:i]
        for _ in range(100_000):
            data = rng.choice(bases)
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                data = mutate(rng, data)
            yield data

    counts = _run(inputs())
    assert sum(counts.values()) >= 100_000
    # the mutants must reach past the decoder often enough to test something
    assert counts.get("malformed", 0) > 10_000
    assert counts.get("decoded", 0) + counts.get("valid", 0) + counts.get("invalid", 0) > 10_000


@pytest.mark.parametrize("index", range(len(_big())))
def test_fuzz_big_modules(index):
    data = _big()[index]
    rng = random.Random(SEED + index)
    inputs = [data[:rng.randrange(len(data))] for _ in range(3)]
    inputs += [mutate(rng, data) for _ in range(6)]
    counts = _run(inputs)
    assert sum(counts.values()) == 9
