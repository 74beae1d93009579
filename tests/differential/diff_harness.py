"""Differential testing: run generated programs (tools/wasmgen.py) on pyic and on wasmtime.

Each program is instantiated once on each engine; then the same sequence of calls
(every export, twice, in a random order, with the same random arguments) runs on
both.  After every call the outcomes are compared - results bit for bit, or the
kind of trap - and the memory; at the end the globals.

Two modes:

* ``canonical`` (default): wasmtime with Cranelift's NaN canonicalisation, which
  makes every arithmetic NaN the positive canonical NaN, as pyic always does
  (docs/numerics.md).  Then everything is deterministic and compared exactly.
* not canonical: wasmtime's hardware NaNs; programs are generated without the
  instructions that expose a NaN's bits (``nan_bits=False``), and float results
  compare as "a NaN" when both are NaNs.

Run many programs from the command line (prints every mismatch):

    PYTHONPATH=. python tests/differential/diff_harness.py --start 0 --count 2000 [--no-canonical]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# tools/ is a package importable from the repository root (on pytest's pythonpath;
# run this file as ``PYTHONPATH=. python tests/differential/diff_harness.py``).
import op_programs
from tools import wasmgen

from pyic.errors import Exhaustion, InstructionLimitExceeded, PyicError, Trap
from pyic.wasm import embed
from pyic.wasm.tiers import TIERS
from pyic.wasm.binary import decode_module, encode_module  # noqa: E402
from pyic.wasm.text import parse_module  # noqa: E402
from pyic.wasm.valid import validate_module  # noqa: E402

import wasmtime  # the oracle, required: it comes with the test extra (`pip install -e .[test]`)

LIMIT = 20_000_000  # instructions (pyic) / fuel units (wasmtime) per call: a generator bug guard

# wasmtime's trap codes, and the spec's messages (the reference interpreter's) for each.
TRAP_MESSAGES = {
    "INTEGER_DIVISION_BY_ZERO": ("integer divide by zero",),
    "INTEGER_OVERFLOW": ("integer overflow",),
    "BAD_CONVERSION_TO_INTEGER": ("invalid conversion to integer",),
    "MEMORY_OUT_OF_BOUNDS": ("out of bounds memory access",),
    # call_indirect past the table's end is "undefined element"; table.get/set/init/copy/fill
    # past it "out of bounds table access": wasmtime has one code for both.
    "TABLE_OUT_OF_BOUNDS": ("out of bounds table access", "undefined element"),
    "INDIRECT_CALL_TO_NULL": ("uninitialized element",),
    "BAD_SIGNATURE": ("indirect call type mismatch",),
    "UNREACHABLE": ("unreachable",),
    "STACK_OVERFLOW": ("call stack exhausted",),
}


def trap_kind_of_message(message: str) -> str:
    """pyic's trap message -> the wasmtime trap code name it corresponds to."""
    for code, messages in TRAP_MESSAGES.items():
        if any(message.startswith(m) for m in messages):
            return code
    return "UNKNOWN: " + message


# ------------------------------------------------------------------ calls

def random_arg(rng: random.Random, t: str, orig: str) -> int:
    """An argument for a wrapper parameter of integer type ``t`` wrapping type ``orig``."""
    if orig == "f32":
        return rng.choice(wasmgen.F32_SPECIAL) if rng.random() < 0.6 else rng.getrandbits(32)
    if orig == "f64":
        return rng.choice(wasmgen.F64_SPECIAL) if rng.random() < 0.6 else rng.getrandbits(64)
    special = wasmgen.I32_SPECIAL if t == "i32" else wasmgen.I64_SPECIAL
    x = rng.random()
    if x < 0.4:
        return rng.choice(special)
    if x < 0.7:
        return rng.randint(0, 64)
    return rng.getrandbits(32 if t == "i32" else 64)


def plan_calls(prog, rounds: int = 2) -> list:
    """``[(export name, args)]``: every export ``rounds`` times, shuffled, seeded by the program."""
    rng = random.Random(prog.seed * 7919 + 1)
    calls = []
    for _ in range(rounds):
        order = list(prog.exports)
        rng.shuffle(order)
        for name, sig, orig in order:
            calls.append(
                (name, tuple(random_arg(rng, t, o) for t, o in zip(sig.params, orig.params)))
            )
    return calls


# ------------------------------------------------------------------ outcomes

@dataclass
class Run:
    """What one engine did with one program."""
    instantiated: object = None                      # "ok" or ("trap", kind)
    events: list = field(default_factory=list)       # per call: (outcome, memory digest)
    counts: list = field(default_factory=list)       # pyic: instruction count per call
    memory: bytes | None = None
    globals: tuple | None = None


def _digest(data: bytes | None) -> str:
    return (
        "-" if data is None else f"{len(data)}:{hashlib.blake2b(data, digest_size=8).hexdigest()}"
    )


def _signed(v: int, t: str) -> int:
    bits = 32 if t == "i32" else 64
    return v - (1 << bits) if v >> (bits - 1) else v


def _unsigned(v: int, t: str) -> int:
    return v & ((1 << (32 if t == "i32" else 64)) - 1)


# ------------------------------------------------------------------ pyic

def pyic_module(prog, via_binary: bool = True):
    module = parse_module(prog.wat)
    if via_binary:
        module = decode_module(encode_module(module))
    validate_module(module)
    return module


def tiers() -> tuple:
    """pyic's execution tiers (``Config(tier=...)``), each compared with wasmtime and with
    the other."""
    return TIERS


def run_pyic(
    prog, calls, config=None, module=None, tier: str | None = None, limit: int = LIMIT
) -> Run:
    """Run on pyic.  With a ``limit`` below `LIMIT` (the tier comparison), calls that reach it
    stop there and the next calls go on with the state they left."""
    run = Run()
    module = module if module is not None else pyic_module(prog)
    if config is None:
        config = embed.Config(tier=tier) if tier else embed.Config()
    store = embed.Store(config)
    try:
        inst = embed.module_instantiate(store, module, {}, limit=LIMIT)
    except Trap as e:
        run.instantiated = ("trap", trap_kind_of_message(e.message))
        return run
    run.instantiated = "ok"
    mems = [inst.exports[name] for name in ("mem",) + prog.more_memories if name in inst.exports]

    def memory() -> bytes | None:
        if not mems:
            return None
        return b"|".join(
            embed.mem_read(store, m, 0, embed.mem_size(store, m) * wasmgen.PAGE) for m in mems
        )

    for name, args in calls:
        try:
            results, count = embed.invoke_export(store, inst, name, list(args), limit=limit)
            outcome = ("ok", tuple(results))
        except InstructionLimitExceeded as e:
            outcome, count = ("limit",), e.count
        except Exhaustion as e:
            outcome, count = ("trap", "STACK_OVERFLOW"), e.count
        except Trap as e:
            outcome, count = ("trap", trap_kind_of_message(e.message)), e.count
        except PyicError as e:
            outcome, count = ("error", f"{type(e).__name__}: {e}"), getattr(e, "count", None)
        except Exception as e:  # a crash of pyic: reported as a difference, not a test error
            outcome, count = ("crash", f"{type(e).__name__}: {e}"), None
        run.events.append((outcome, _digest(memory())))
        run.counts.append(count)
        if outcome[0] == "crash" or (outcome[0] == "limit" and limit == LIMIT):
            return run
    run.memory = memory()
    run.globals = tuple(embed.invoke_export(store, inst, "globals", [])[0])
    return run


# ------------------------------------------------------------------ wasmtime

_ENGINES: dict = {}


def _engine(canonical: bool):
    if canonical not in _ENGINES:
        cfg = wasmtime.Config()
        cfg.cranelift_nan_canonicalization = canonical
        cfg.consume_fuel = True
        cfg.wasm_memory64 = True
        cfg.wasm_multi_memory = True
        cfg.wasm_tail_call = True
        _ENGINES[canonical] = wasmtime.Engine(cfg)
    return _ENGINES[canonical]


def _wasmtime_trap(e) -> tuple:
    code = getattr(e, "trap_code", None)
    if code is None:
        return ("error", str(e).splitlines()[0])
    if code.name == "OUT_OF_FUEL":
        return ("limit",)
    return ("trap", code.name)


def run_wasmtime(prog, calls, canonical: bool = True, binary: bytes | None = None) -> Run:
    """Run on wasmtime, from the WAT text (its own parser) or from ``binary``."""
    run = Run()
    engine = _engine(canonical)
    store = wasmtime.Store(engine)
    store.set_fuel(LIMIT)
    module = wasmtime.Module(engine, binary if binary is not None else prog.wat)
    try:
        inst = wasmtime.Instance(store, module, [])
    except wasmtime.Trap as e:
        run.instantiated = _wasmtime_trap(e)
        return run
    run.instantiated = "ok"
    exports = inst.exports(store)
    mems = [exports[name] for name in ("mem",) + prog.more_memories if prog.has_memory]
    sigs = {name: sig for name, sig, _ in prog.exports}

    def memory() -> bytes | None:
        if not mems:
            return None
        return b"|".join(bytes(m.read(store, 0, m.data_len(store))) for m in mems)

    def call(name: str, sig, args) -> tuple:
        res = exports[name](store, *(_signed(a, t) for a, t in zip(args, sig.params)))
        if len(sig.results) == 0:
            return ()
        if len(sig.results) == 1:
            res = [res]
        return tuple(_unsigned(v, t) for v, t in zip(res, sig.results))

    for name, args in calls:
        store.set_fuel(LIMIT)
        try:
            outcome = ("ok", call(name, sigs[name], args))
        except wasmtime.Trap as e:
            outcome = _wasmtime_trap(e)
        run.events.append((outcome, _digest(memory())))
        if outcome[0] == "limit":
            return run
    run.memory = memory()
    run.globals = call("globals", prog.globals_sig, ())
    return run


# ------------------------------------------------------------------ comparison

def _is_nan(bits: int, width: int) -> bool:
    if width == 32:
        return (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF != 0
    return (bits & 0x7FF0000000000000) == 0x7FF0000000000000 and bits & 0xFFFFFFFFFFFFF != 0


def same_values(a: tuple, b: tuple, types: tuple, exact: bool) -> bool:
    """Bit-exact, or (``exact`` False) with any two NaNs of a float type counted equal."""
    if exact or len(a) != len(b):
        return a == b
    for x, y, t in zip(a, b, types):
        if x == y:
            continue
        if not exact and t in ("f32", "f64") and _is_nan(x, int(t[1:])) and _is_nan(y, int(t[1:])):
            continue
        return False
    return True


def compare(prog, calls, mine: Run, theirs: Run, exact: bool = True) -> list:
    """The differences, as readable lines (empty: the runs agree)."""
    diffs = []
    if mine.instantiated != theirs.instantiated:
        return [f"instantiation: pyic {mine.instantiated} vs wasmtime {theirs.instantiated}"]
    origs = {name: orig for name, _, orig in prog.exports}
    for k, ((name, args), a, b) in enumerate(zip(calls, mine.events, theirs.events)):
        (oa, ma), (ob, mb) = a, b
        if oa[0] == "limit" or ob[0] == "limit":
            if oa[0] != ob[0]:
                diffs.append(f"call #{k} {name}{args}: pyic {oa} vs wasmtime {ob} (limit)")
            return diffs
        same = oa == ob or (
            oa[0] == ob[0] == "ok" and same_values(oa[1], ob[1], origs[name].results, exact)
        )
        if not same:
            diffs.append(f"call #{k} {name}{args}: pyic {_show(oa)} vs wasmtime {_show(ob)}")
            return diffs
        if ma != mb:
            diffs.append(f"call #{k} {name}{args}: memory differs after the call ({ma} vs {mb})")
            return diffs
    if len(mine.events) != len(theirs.events):
        diffs.append(f"pyic made {len(mine.events)} calls, wasmtime {len(theirs.events)}")
        return diffs
    if mine.memory != theirs.memory:
        diffs.append("final memory differs: " + _first_difference(mine.memory, theirs.memory))
    if mine.globals is not None and not same_values(
        mine.globals, theirs.globals, prog.global_types, exact
    ):
        diffs.append(f"globals: pyic {_hex(mine.globals)} vs wasmtime {_hex(theirs.globals)}")
    return diffs


def _show(outcome) -> str:
    return f"ok {_hex(outcome[1])}" if outcome[0] == "ok" else " ".join(map(str, outcome))


def _hex(values) -> str:
    return "(" + ", ".join(hex(v) for v in values) + ")"


def _first_difference(a: bytes | None, b: bytes | None) -> str:
    if a is None or b is None or len(a) != len(b):
        return f"sizes {None if a is None else len(a)} vs {None if b is None else len(b)}"
    i = next(i for i in range(len(a)) if a[i] != b[i])
    return f"first at byte {i}: pyic {a[i:i + 8].hex()} vs wasmtime {b[i:i + 8].hex()}"


def check_program(seed: int, canonical: bool = True, size: int = 120, tier: str | None = None,
                  features: tuple = ()) -> tuple:
    """Generate (with the Wasm 3.0 ``features``), run on pyic (``tier``: default) and wasmtime,
    compare: ``(program, calls, diffs, number of calls compared)``."""
    prog = wasmgen.generate(seed, size, nan_bits=canonical, features=features)
    calls = plan_calls(prog)
    module = pyic_module(prog)
    # Every third program reaches wasmtime as pyic's binary encoding (an independent decoder
    # checks pyic's encoder), and another third reaches pyic as wasmtime's encoding of the text
    # (an independent text parser and encoder feed pyic's decoder).
    binary = encode_module(module) if seed % 3 == 0 else None
    if seed % 3 == 1:
        module = decode_module(bytes(wasmtime.wat2wasm(prog.wat)))
        validate_module(module)
    mine = run_pyic(prog, calls, tier=tier, module=module)
    theirs = run_wasmtime(prog, calls, canonical, binary)
    return prog, calls, compare(prog, calls, mine, theirs, exact=canonical), len(mine.events)


def plan_op_calls(prog, seed: int, per_op: int) -> list:
    """``per_op`` random operand tuples for each instruction export of `op_programs.ops_program`."""
    rng = random.Random(seed)

    def args(types):
        for t in types:
            v = op_programs.operand(rng, t)
            yield from ((v & (1 << 64) - 1, v >> 64) if t == "v128" else (v,))

    return [
        (name, tuple(args(orig.params))) for name, _, orig in prog.exports for _ in range(per_op)
    ]


_OPS: dict = {}


def check_ops(seed: int, per_op: int = 40, canonical: bool = True, tier: str | None = None,
              vector: bool = False) -> tuple:
    """Every numeric instruction (``vector``: every deterministic vector instruction, with lane
    immediates drawn from ``seed``) on ``per_op`` random operand tuples, pyic vs wasmtime.  Float
    results compare bit for bit with ``canonical``, as NaN classes without (scalars only)."""
    key = (vector, seed % 16 if vector else 0)
    if key not in _OPS:
        prog = op_programs.ops_program(vector, key[1])
        _OPS[key] = prog, pyic_module(prog)
    prog, module = _OPS[key]
    calls = plan_op_calls(prog, seed, per_op)
    mine = run_pyic(prog, calls, module=module, tier=tier)
    theirs = run_wasmtime(prog, calls, canonical)
    diffs = []
    origs = {name: orig for name, _, orig in prog.exports}
    for (name, args), (a, ma), (b, mb) in zip(calls, mine.events, theirs.events):
        if a != b and not (
            a[0] == b[0] == "ok" and same_values(a[1], b[1], origs[name].results, canonical)
        ):
            diffs.append(f"{name}{_hex(args)}: pyic {_show(a)} vs wasmtime {_show(b)}")
        if ma != mb:
            diffs.append(f"{name}{_hex(args)}: memory differs after it ({ma} vs {mb})")
            break
    return prog, calls, diffs, len(mine.events)


def compare_tiers(prog, calls, runs: dict) -> list:
    """pyic's tiers against each other: everything identical, instruction counts included."""
    (name_a, a), *others = runs.items()
    diffs = []
    for name_b, b in others:
        if a.instantiated != b.instantiated:
            diffs.append(f"instantiation: {name_a} {a.instantiated} vs {name_b} {b.instantiated}")
            continue
        for k, ((call, args), ea, eb, ca, cb) in enumerate(
            zip(calls, a.events, b.events, a.counts, b.counts)
        ):
            if ea != eb or ca != cb:
                diffs.append(
                    f"call #{k} {call}{args}: {name_a} {_show(ea[0])} count {ca} mem {ea[1]} vs "
                    f"{name_b} {_show(eb[0])} count {cb} mem {eb[1]}"
                )
                break
        else:
            if len(a.events) != len(b.events) or a.memory != b.memory or a.globals != b.globals:
                diffs.append(f"final state: {name_a} vs {name_b} differ")
    return diffs


def check_tiers(seed: int, size: int = 120, features: tuple = ()) -> tuple:
    """pyic's tiers on one program; every other seed under a small instruction limit, which
    must stop both tiers at the same point with the same effects."""
    prog = wasmgen.generate(seed, size, features=features)
    calls = plan_calls(prog)
    module = pyic_module(prog)
    limit = LIMIT if seed % 2 else random.Random(seed).choice((1, 2, 5, 10, 30, 100, 300, 1000))
    runs = {t: run_pyic(prog, calls, module=module, tier=t, limit=limit) for t in tiers()}
    return prog, calls, compare_tiers(prog, calls, runs), len(calls)


# ------------------------------------------------------------------ command line

def main() -> int:
    ap = argparse.ArgumentParser(description="pyic vs wasmtime on generated programs")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--size", type=int, default=120)
    ap.add_argument(
        "--no-canonical", action="store_true", help="wasmtime without NaN canonicalisation"
    )
    ap.add_argument("--save", metavar="DIR", help="write each failing program's WAT here")
    ap.add_argument(
        "--tier", help="only this pyic tier (default: each tier, and the tiers compared)"
    )
    ap.add_argument(
        "--ops",
        type=int,
        metavar="K",
        help="instead: every numeric instruction on K random operand tuples per seed",
    )
    ap.add_argument("--vector", action="store_true", help="with --ops: the vector instructions")
    ap.add_argument(
        "--progress", type=int, default=0, metavar="K", help="a progress line every K programs"
    )
    ap.add_argument(
        "--wasm3",
        action="store_true",
        help="programs also use tail calls, memory64 and multi-memory",
    )
    args = ap.parse_args()
    if args.ops:
        return main_ops(args)
    features = wasmgen.WASM3 if args.wasm3 else ()
    failed = invocations = 0
    t0 = time.time()
    for seed in range(args.start, args.start + args.count):
        try:
            diffs = []
            for tier in (args.tier,) if args.tier else tiers():
                prog, calls, d, n = check_program(
                    seed, not args.no_canonical, args.size, tier, features
                )
                diffs += [f"[{tier}] {x}" for x in d]
                invocations += n
            if not args.tier:
                diffs += ["[tiers] " + x for x in check_tiers(seed, args.size, features)[2]]
        except Exception as e:  # e.g. the generator made an invalid module
            print(f"seed {seed}: harness error {type(e).__name__}: {e}", flush=True)
            failed += 1
            continue
        if diffs:
            failed += 1
            print(f"seed {seed}: " + "; ".join(diffs), flush=True)
        if args.progress and (seed - args.start + 1) % args.progress == 0:
            print(
                f"... {seed - args.start + 1} programs, {invocations} invocations, "
                f"{failed} with differences, "
                f"{time.time() - t0:.0f}s",
                flush=True,
            )
            if args.save:
                Path(args.save).mkdir(parents=True, exist_ok=True)
                Path(args.save, f"seed{seed}.wat").write_text(prog.wat)
    print(
        f"{args.count} programs, {invocations} invocations compared with wasmtime, "
        f"{failed} with differences, "
        f"{time.time() - t0:.0f}s",
        flush=True,
    )
    return 1 if failed else 0


def main_ops(args) -> int:
    failed = invocations = 0
    t0 = time.time()
    for seed in range(args.start, args.start + args.count):
        for tier in (args.tier,) if args.tier else tiers():
            _, _, diffs, n = check_ops(seed, args.ops, not args.no_canonical, tier, args.vector)
            invocations += n
            failed += len(diffs)
            for d in diffs:
                print(f"seed {seed} [{tier}] {d}", flush=True)
    print(f"{invocations} instruction invocations compared with wasmtime, {failed} differences, "
          f"{time.time() - t0:.0f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
