"""Seeded fuzzing: mutated and truncated Candid messages give only CandidError, quickly.

The seeds are every binary message of the official suite (with its expected
types), the canister corpus messages (with their .did types) and a few
messages built here that use every kind of type.  Each mutant is decoded at
the seed's types, at its own wire types, and printed when it decodes.
"""

from __future__ import annotations

import glob
import json
import os
import random
import resource
import time

from pyic.candid import (
    FuncRef, Opt, Principal, Record, ServiceRef, Variant, decode, decode_message, encode, load_did,
    parse_did, parse_types, print_values,
)
from pyic.candid.testsuite import collect, parse_test_file
from pyic.errors import CandidError

HERE = os.path.dirname(__file__)
# The shared test material: $PYIC_SHARED (the root conftest.py defaults it to ../shared).
SHARED = os.environ["PYIC_SHARED"]
CASES = 100_000
SEED = 20240605
MAX_SECONDS_PER_CASE = 1.0
MAX_RSS_GROWTH_KB = 300_000


def _seeds() -> list[tuple[bytes, tuple, dict]]:
    seeds = []
    for path in collect([os.path.join(SHARED, "candid-tests")]):
        with open(path, encoding="utf-8") as f:
            env, assertions = parse_test_file(f.read(), path)
        for a in assertions:
            for inp in (a.left, a.right):
                if inp is not None and inp.blob:
                    seeds.append((inp.data, a.types, env))
    for path in glob.glob(os.path.join(SHARED, "canisters", "*", "expected_calls.json")):
        with open(path) as f:
            script = json.load(f)
        did = load_did(os.path.join(os.path.dirname(path), script["canisters"]["main"]["did"]))
        for step in script["steps"]:
            if step["op"] == "call" and step["method"] in dict(did.service.methods):
                seeds.append(
                    (bytes.fromhex(step["arg_hex"]), did.method_types(step["method"]), did.env)
                )
                reply = step.get("expect", {}).get("reply_hex")
                if reply:
                    seeds.append(
                        (bytes.fromhex(reply), did.method_types(step["method"], True), did.env)
                    )
    did = parse_did("""
        type List = opt record { head : int; tail : List };
        type Tree = variant { leaf : nat8; node : record { left : Tree; right : Tree } };
        type S = service { m : (List) -> (S) query; n : (text, opt S) -> () oneway };
        type R = record { a : float32; b : float64; c : int64; d : nat16; e : blob; f : principal;
                          g : vec opt text; h : reserved; i : S;
                          j : func (nat) -> (int) composite_query;
                          "k l" : record { nat; bool; null } };
    """)
    lst = None
    for i in range(30):
        lst = Opt(Record.of(head=-i * 1000, tail=lst))
    tree = Variant.of("leaf", 7)
    for i in range(6):
        tree = Variant.of("node", Record.of(left=tree, right=Variant.of("leaf", i)))
    p = Principal.from_canister_id(5)
    r = Record.of({"a": 1.5, "b": -2.25e300, "c": -(1 << 63), "d": 65535, "e": b"\x00\xffab",
                   "f": p, "g": (Opt("☃"), None, Opt("")), "h": None, "i": ServiceRef(p),
                   "j": FuncRef(Principal.management(), "go"),
                   "k l": Record.tuple(1 << 70, True, None)})
    types = parse_types("(List, Tree, R, vec nat64, text)")
    values = (lst, tree, r, tuple(range(0, 1 << 40, 1 << 36)), "snow ☃ man")
    seeds.append((encode(values, types, did.env), types, did.env))
    return seeds


def _mutate(rng: random.Random, data: bytes, seeds: list) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(8)
        pos = rng.randint(0, len(b))
        if op == 0 and b:                                   # overwrite a byte
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:                                       # truncate
            del b[pos:]
        elif op == 2:                                       # insert random bytes
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op == 3:                                       # delete a range
            del b[pos:pos + rng.randint(1, 4)]
        elif op == 4:                                       # a big LEB128 count
            b[pos:pos] = rng.choice([b"\x80\x94\xeb\xdc\x03", b"\xff\xff\x3f",
                                     b"\xff" * 9 + b"\x01", b"\x80\xad\xe2\x04", b"\x7f", b"\x00"])
        elif op == 5 and b:                                 # duplicate a slice
            start = rng.randrange(len(b))
            b[pos:pos] = b[start:start + rng.randint(1, 16)]
        elif op == 6:                                       # splice with another seed
            other = rng.choice(seeds)[0]
            cut = rng.randint(0, len(other))
            b[pos:] = other[cut:]
        elif b:                                             # flip one bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def test_mutated_messages_only_raise_candid_error():
    seeds = _seeds()
    assert len(seeds) > 250
    rng = random.Random(SEED)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    slowest, slowest_case = 0.0, b""
    outcomes = {"decoded": 0, "rejected": 0}
    for case in range(CASES):
        data, types, env = rng.choice(seeds)
        message = _mutate(rng, data, seeds)
        start = time.perf_counter()
        for expected in (types, None):
            try:
                values, used, full_env = decode_message(message, expected, env)
                print_values(values, used, full_env)
                outcomes["decoded"] += 1
            except CandidError:
                outcomes["rejected"] += 1
            except Exception as e:  # noqa: BLE001 - this is what the test looks for
                raise AssertionError(
                    f"case {case}: {message.hex()} at {expected}: {type(e).__name__}: {e}"
                ) from e
        elapsed = time.perf_counter() - start
        if elapsed > slowest:
            slowest, slowest_case = elapsed, message
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert slowest < MAX_SECONDS_PER_CASE, f"slowest case took {slowest:.3f}s: {slowest_case.hex()}"
    assert growth < MAX_RSS_GROWTH_KB, f"peak memory grew by {growth} KiB"
    print(f"slowest case {slowest:.4f}s, peak RSS growth {growth} KiB, {outcomes}")
    # The mutants must exercise both outcomes, or the test proves little.
    assert outcomes["decoded"] > CASES // 100 and outcomes["rejected"] > CASES // 2, outcomes


def test_every_prefix_of_the_seeds_is_rejected_cleanly():
    for data, types, env in _seeds():
        for cut in range(len(data)):
            try:
                decode(data[:cut], types, env)
            except CandidError:
                pass
