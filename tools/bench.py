#!/usr/bin/env python3
"""Time pyic against its peers on the Wasm benchmark kit (`../shared/bench`).

Every module of the kit exports ``run(i32) -> i32``; its manifest gives the
argument, the checksum and the exact number of Wasm instructions one call
executes (``instrs``: every executed opcode once, ``end``/``else`` not
counted).  This tool runs each selected module on every engine it finds,
alternating engines within each repetition (pyic, pywasm, pyic, pywasm, ...)
so that a change in machine load hits all engines alike, and reports per
module and engine:

* CPU seconds of the ``run`` call (median over ``--repeat`` runs), measured
  with ``time.process_time`` inside a fresh subprocess per run; the decode +
  validate + instantiate time is measured separately and not included;
* million Wasm instructions per CPU second, from the manifest's ``instrs``;
* the ratio to pywasm 2.2.3 (pywasm's CPU seconds / the engine's), and the
  geometric mean of the ratios over the modules run.

pyic must return the checksum and count exactly ``instrs`` instructions; if
not, the tool says so on stderr and exits with status 1.  It also times
decoding, validating and instantiating the kit's 1 MB ``wasm/big.wasm``.

Engines: ``pyic`` (one per ``--tier``), ``pywasm`` (``pip install
pywasm==2.2.3``), ``wasmtime`` (the PyPI package), ``wasm-interp`` (WABT,
when on PATH; timed as a whole process).  Missing peers are reported as
missing and skipped.

A full-size pywasm run takes 8-16 s per module, so by default the tool runs
three modules (fib, collatz, interp) once.  The full table:

    python tools/bench.py --modules all --repeat 3          # ~6 minutes
    python tools/bench.py --modules all --repeat 3 --markdown   # as in docs/performance.md

Quick checks:

    python tools/bench.py --small                # all modules at the small sizes, seconds
    python tools/bench.py --small --engines pyic --json
    python tools/bench.py --startup-only         # big.wasm start-up only

Real canisters (``--canisters``): the heavy steps of the Motoko compute canister
(``../shared/canisters/compute``, EOP and classic builds) run through
`pyic.testing.PocketIC`, in the same process as the kit's ``fib`` on the same tier, so the
rates compare side by side: M instructions/s from the canister's ``instruction_counts.json``
(wasmtime fuel, as the issue's figures) and the ratio to ``fib``'s rate in that process.
Every step's reply is checked; pyic's own count is shown beside the reference count.
The same run then times pyic's own stress canisters (`tools/canisters`: allocation, bulk
memory, stable memory, inter-canister calls; WAT assembled by pyic's parser), again in one
process beside the kit's ``fib``; their instructions are the IC's accounting (pyic's count,
bulk operations and System API calls charged per byte), checked against the counts pinned
in `tools.canisters.stress`, and every reply against the Python model of its canister.

    python tools/bench.py --canisters --repeat 3 [--markdown]
    python tools/bench.py --canisters --small         # the stress canisters at small sizes only
    python tools/bench.py --canisters --stress alloc,calls --no-compute
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BENCH = os.path.join(REPO, "..", "shared", "bench")
DEFAULT_MODULES = ("fib", "collatz", "interp")
PEERS = ("pywasm", "wasmtime", "wasm-interp")
BASELINE = "pywasm"


class BenchError(Exception):
    """A run failed or gave a wrong result."""


# ------------------------------------------------------------------ driver (runs in the subprocess)

def _pyic_config(tier):
    """A `Config` selecting ``tier``; ``None`` keeps pyic's default tier."""
    import inspect

    from pyic.wasm.runtime.store import Config
    if tier is None:
        return Config()
    if "tier" in inspect.signature(Config.__init__).parameters:
        return Config(tier=tier)
    if tier == "reference":
        return Config()  # before the fast tier exists, the reference interpreter is the only tier
    raise BenchError(f"this pyic has no tier {tier!r} (its Config has no 'tier' switch)")


def _tier_name(config) -> str:
    return getattr(config, "tier", None) or "reference"


def drive_pyic(path: str, arg, tier) -> dict:
    sys.path.insert(0, REPO)
    from pyic.wasm import binary, embed, valid  # noqa: F401  (imported before timing, as pywasm is)
    c0 = time.process_time()
    data = open(path, "rb").read()
    module = embed.module_decode(data)
    c1 = time.process_time()
    embed.module_validate(module)
    c2 = time.process_time()
    config = _pyic_config(tier)
    store = embed.Store(config)
    inst = embed.module_instantiate(store, module)
    c3 = time.process_time()
    out = {"decode_cpu_s": c1 - c0, "validate_cpu_s": c2 - c1, "instantiate_only_cpu_s": c3 - c2,
           "instantiate_cpu_s": c3 - c0, "tier": _tier_name(config)}
    if arg is not None:
        c4 = time.process_time()
        results, count = embed.invoke_export(store, inst, "run", [arg])
        out["cpu_s"] = time.process_time() - c4
        out["result"] = results[0] & 0xFFFFFFFF
        out["count"] = count
    return out


def drive_pywasm(path: str, arg) -> dict:
    import pywasm
    c0 = time.process_time()
    rt = pywasm.core.Runtime()
    inst = rt.instance_from_file(path)
    out = {"instantiate_cpu_s": time.process_time() - c0}
    if arg is not None:
        c1 = time.process_time()
        r = rt.invocate(inst, "run", [arg])[0]
        out["cpu_s"] = time.process_time() - c1
        out["result"] = int(r) & 0xFFFFFFFF
    return out


def drive_wasmtime(path: str, arg) -> dict:
    import wasmtime
    c0 = time.process_time()
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, wasmtime.Module.from_file(engine, path), [])
    fn = inst.exports(store)["run"]
    out = {"instantiate_cpu_s": time.process_time() - c0}
    if arg is not None:
        c1 = time.process_time()
        r = fn(store, arg)
        out["cpu_s"] = time.process_time() - c1
        out["result"] = int(r) & 0xFFFFFFFF
    return out


# ------------------------------------------------------------------ canisters (in the subprocess)

CANISTER_HEAVY = {"fib": "fib(25)", "sumTo": "sumTo(100000)", "sortCheck": "sortCheck(10000)"}
CANISTER_HEAVY_MIN = 10_000_000     # steps with at least this many instructions are timed


def drive_canisters(canisters: str, build: str, tier: str | None, fib_path: str,
                    fib_arg: int) -> dict:
    """The kit's fib, then every step of the compute canister's script (``build``), in this
    process; CPU seconds of fib's ``run`` (best of 3) and of each heavy step."""
    stress = _stress_module()
    from pyic.candid import Principal
    from pyic.testing import PocketIC
    out = _time_fib(tier, fib_path, fib_arg)
    out["steps"] = []
    folder = os.path.join(canisters, "compute")
    with open(os.path.join(folder, "expected_calls.json")) as f:
        script = json.load(f)
    with open(os.path.join(folder, "instruction_counts.json")) as f:
        counts = {e["step"]: e["instructions"] for e in json.load(f)["builds"][build]}
    c = script["canisters"]["main"]
    with open(os.path.join(folder, c["wasm"] if build == "eop" else c["wasm_classic"]),
              "rb") as f:
        wasm = f.read()
    stores = stress.store_ids()
    pic = PocketIC(tier=tier)
    controller = c["controllers"][0]
    cid = pic.create_canister(settings={"controllers": c["controllers"]},
                              cycles=int(c["initial_cycles"]), sender=controller,
                              specified_id=Principal.from_text(c["canister_id"]))
    c0 = time.process_time()
    pic.install_code(cid, wasm, bytes.fromhex(c["init_arg_hex"]), sender=controller)
    out["install_cpu_s"] = time.process_time() - c0
    sender = script["default_sender"]
    for i, step in enumerate(script["steps"]):
        if step["op"] != "call":
            continue
        call = pic.query_call if step["kind"] == "query" else pic.update_call
        before = _canister_count(pic, cid)
        c0 = time.process_time()
        reply = call(cid, step["method"], bytes.fromhex(step["arg_hex"]), sender=sender)
        cpu = time.process_time() - c0
        if counts.get(i, 0) >= CANISTER_HEAVY_MIN:
            out["steps"].append({
                "step": i, "method": step["method"], "kind": step["kind"],
                "arg": step.get("arg_candid_text"), "cpu_s": cpu, "instrs": counts[i],
                "pyic_count": _canister_count(pic, cid) - before,
                "reply_ok": reply.hex() == step["expect"]["reply_hex"]})
        elif reply.hex() != step["expect"]["reply_hex"]:
            raise BenchError(f"step {i} ({step['method']}): reply {reply.hex()}")
    ran_on = stress.tiers_since(stores)
    if ran_on != {out["tier"]}:
        raise BenchError(f"the compute canister ran on {sorted(ran_on)}, not {out['tier']}")
    return out


def _time_fib(tier: str | None, fib_path: str, fib_arg: int) -> dict:
    """The kit's fib in this process: CPU seconds of its ``run`` call, best of 3."""
    from pyic.wasm import embed
    config = _pyic_config(tier)
    module = embed.module_decode(open(fib_path, "rb").read())
    embed.module_validate(module)
    fib = []
    for _ in range(3):
        store = embed.Store(config)
        inst = embed.module_instantiate(store, module)
        c0 = time.process_time()
        results, count = embed.invoke_export(store, inst, "run", [fib_arg])
        fib.append(time.process_time() - c0)
    return {"tier": _tier_name(config), "fib_cpu_s": min(fib), "fib_count": count,
            "fib_result": results[0] & 0xFFFFFFFF}


def _stress_module():
    """`tools.canisters.stress` (run as a script, this file has tools/ on sys.path, not the
    repository)."""
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    from tools.canisters import stress
    return stress


def drive_stress(runs: str, tier: str | None, fib_path: str, fib_arg: int) -> dict:
    """The kit's fib, then each stress canister of ``runs`` ("alloc=100000,calls=3000"), each
    on a fresh `PocketIC`, in this process (`tools.canisters.stress.run`)."""
    stress = _stress_module()
    out = _time_fib(tier, fib_path, fib_arg)
    out["steps"] = []
    for item in runs.split(","):
        name, n = item.split("=")
        r = stress.run(stress.BY_NAME[name], int(n), tier=tier)
        if r["tier"] != out["tier"]:
            raise BenchError(f"{name} ran on the {r['tier']} tier, not {out['tier']}")
        out["steps"].append({"name": name, "n": int(n), "checksum": r["checksum"],
                             "count": r["count"], "cpu_s": r["cpu_s"], "rounds": r["rounds"]})
    return out


def _canister_count(pic, cid) -> int:
    """Instructions the canister's module instances executed so far (pyic's count)."""
    return _stress_module().count(pic, cid)


def driver(engine: str, path: str, arg: str, tier: str) -> int:
    a = None if arg == "-" or not arg.lstrip("-").isdigit() else int(arg)
    t = None if tier == "-" else tier
    try:
        if engine == "pyic":
            out = drive_pyic(path, a, t)
        elif engine == "pywasm":
            out = drive_pywasm(path, a)
        elif engine == "wasmtime":
            out = drive_wasmtime(path, a)
        elif engine.startswith("canisters:"):       # canisters:<build>, path: the corpus
            fib_path, fib_arg = arg.split(":")
            out = drive_canisters(path, engine.split(":", 1)[1], t, fib_path, int(fib_arg))
        elif engine == "stress":                    # path: name=n,name=n,...
            fib_path, fib_arg = arg.split(":")
            out = drive_stress(path, t, fib_path, int(fib_arg))
        else:
            raise BenchError(f"no driver for {engine}")
    except Exception as e:       # reported to the parent as one JSON line
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))
    return 0


# ------------------------------------------------------------------ engines

class Engine:
    """One column of the table: a name, a label with version, how to run it."""

    def __init__(
        self, name: str, label: str, kind: str, tier: str | None = None, exe: str | None = None
    ):
        self.name = name        # key in the JSON ("pyic", "pyic-fast", "pywasm", ...)
        self.label = label      # with version, for the table
        self.kind = kind        # driver name, or "wasm-interp"
        self.tier = tier
        self.exe = exe


def _version(dist: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def find_engines(wanted, tiers, notes: list) -> list:
    engines = []
    for name in wanted:
        if name == "pyic":
            for tier in tiers:
                key = "pyic" if tier is None else f"pyic-{tier}"
                engines.append(Engine(key, key, "pyic", tier=tier))
        elif name == "pywasm":
            v = _version("pywasm")
            if v is None or importlib.util.find_spec("pywasm") is None:
                notes.append("pywasm is missing (pip install pywasm==2.2.3): no ratios to pywasm")
                continue
            if v != "2.2.3":
                notes.append(f"pywasm {v} installed; the reference figures are for 2.2.3")
            engines.append(Engine("pywasm", f"pywasm {v}", "pywasm"))
        elif name == "wasmtime":
            v = _version("wasmtime")
            if v is None or importlib.util.find_spec("wasmtime") is None:
                notes.append("wasmtime is missing (pip install wasmtime): skipped")
                continue
            engines.append(Engine("wasmtime", f"wasmtime {v}", "wasmtime"))
        elif name == "wasm-interp":
            exe = shutil.which("wasm-interp")
            if exe is None:
                notes.append("wasm-interp (WABT) is not on PATH: skipped")
                continue
            engines.append(
                Engine("wasm-interp", "wasm-interp (whole process)", "wasm-interp", exe=exe)
            )
        else:
            raise BenchError(f"unknown engine {name!r} (known: pyic, {', '.join(PEERS)})")
    return engines


def run_once(args, engine: Engine, wasm: str, arg) -> dict:
    """One engine run in a fresh process; returns the driver's JSON (or whole-process times)."""
    if engine.kind.startswith("canisters:") or engine.kind == "stress":
        arg = f"{arg[0]}:{arg[1]}"     # the kit's fib: path and argument
    if engine.kind == "wasm-interp":
        cmd = [engine.exe, wasm] + ([] if arg is None else ["-r", "run", "-a", f"i32:{arg}"])
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        if p.returncode != 0:
            return {"error": f"exit {p.returncode}: {(p.stderr or p.stdout).strip()[-300:]}"}
        if arg is None:
            return {"instantiate_cpu_s": cpu}
        # "run(i32:27) => i32:196418": the value after the last "i32:"; wabt prints it signed
        tail = p.stdout.strip().rsplit("i32:", 1)[-1]
        try:
            result = int(tail.split()[0]) & 0xFFFFFFFF
        except (ValueError, IndexError):
            return {"error": f"unexpected output {p.stdout.strip()[-200:]!r}"}
        return {"cpu_s": cpu, "result": result, "whole_process": True}
    cmd = [args.python, os.path.abspath(__file__), "--driver", engine.kind, wasm,
           "-" if arg is None else str(arg), engine.tier or "-"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        return {"error": f"exit {p.returncode}: {p.stderr.strip()[-300:]}"}
    return json.loads(lines[-1])


# ------------------------------------------------------------------ the benchmark

def load_manifest(bench: str) -> dict:
    path = os.path.join(bench, "manifest.json")
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise BenchError(f"no benchmark kit at {bench} ({e}); give --bench or PYIC_BENCH") from e


def select_modules(manifest: dict, spec: str | None, small: bool) -> list:
    names = [m["name"] for m in manifest["modules"]]
    if spec is None:
        wanted = names if small else list(DEFAULT_MODULES)
    elif spec == "all":
        wanted = names
    else:
        wanted = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise BenchError(f"unknown module(s) {', '.join(unknown)} (known: {', '.join(names)})")
    return [m for m in manifest["modules"] if m["name"] in wanted]


def check_pyic(mod: str, size: dict, r: dict) -> list:
    """pyic must give the checksum and exactly the manifest's count."""
    problems = []
    if r.get("result") != size["checksum"]:
        problems.append(f"{mod}: result {r.get('result')} != checksum {size['checksum']}")
    if r.get("count") != size["instrs"]:
        problems.append(
            f"{mod}: counted {r.get('count')} instructions, manifest says {size['instrs']}"
        )
    return problems


def bench_modules(args, engines: list, modules: list, progress) -> tuple[list, list]:
    rows, failures = [], []
    for m in modules:
        size = m["small"] if args.small else m
        wasm = os.path.join(args.bench, m["wasm"])
        runs: dict[str, list] = {e.name: [] for e in engines}
        errors: dict[str, str] = {}
        for rep in range(args.repeat):
            # alternate engines within each repetition; start each repetition with the next engine
            order = engines[rep % len(engines):] + engines[:rep % len(engines)]
            for e in order:
                if e.name in errors:
                    continue
                r = run_once(args, e, wasm, size["arg"])
                if "error" in r:
                    errors[e.name] = r["error"]
                    progress(f"  {m['name']:8} {e.label:24} ERROR {r['error']}")
                    continue
                runs[e.name].append(r)
                progress(f"  {m['name']:8} {e.label:24} run {rep + 1}/{args.repeat}: "
                         f"{r['cpu_s']:.4f} s cpu, result {r['result']}"
                         + (f", count {r['count']}" if "count" in r else ""))
        row = {"module": m["name"], "arg": size["arg"], "checksum": size["checksum"],
               "instrs": size["instrs"], "engines": {}}
        for e in engines:
            rs = runs[e.name]
            if e.name in errors:
                row["engines"][e.name] = {"error": errors[e.name]}
                if e.kind == "pyic":
                    failures.append(f"{m['name']}: {e.name} failed: {errors[e.name]}")
                continue
            cpu = statistics.median(r["cpu_s"] for r in rs)
            ent = {
                "cpu_s": cpu,
                "cpu_runs": [r["cpu_s"] for r in rs],
                "minstr_per_s": size["instrs"] / cpu / 1e6 if cpu > 0 else None,
                "instantiate_cpu_s": statistics.median(r["instantiate_cpu_s"] for r in rs)
                if all("instantiate_cpu_s" in r for r in rs) else None,
                "result": rs[-1]["result"],
                "checksum_ok": all(r["result"] == size["checksum"] for r in rs),
            }
            if e.kind == "pyic":
                ent["count"] = rs[-1]["count"]
                ent["count_ok"] = all(r["count"] == size["instrs"] for r in rs)
                ent["tier"] = rs[-1]["tier"]
                for r in rs:
                    for problem in check_pyic(m["name"], size, r):
                        if problem not in failures:
                            failures.append(f"{e.name} {problem}")
            if rs[0].get("whole_process"):
                ent["whole_process"] = True
            row["engines"][e.name] = ent
        base = row["engines"].get(BASELINE, {}).get("cpu_s")
        for ent in row["engines"].values():
            if base and ent.get("cpu_s"):
                ent["ratio_to_pywasm"] = base / ent["cpu_s"]
        rows.append(row)
    return rows, failures


def bench_canisters(args, engines: list, manifest: dict, progress) -> tuple[list, list]:
    """The compute canister's heavy steps beside the kit's fib, per pyic tier and build;
    each repetition is one fresh process running fib and then the whole script.  Then the
    stress canisters (`bench_stress`)."""
    fib = next(m for m in manifest["modules"] if m["name"] == "fib")
    fib_path = os.path.join(args.bench, fib["wasm"])
    rows, failures = [], []
    for e in engines:
        if e.kind != "pyic":
            continue
        for build in () if args.no_compute or args.small else ("eop", "classic"):
            runner = Engine(e.name, e.label, f"canisters:{build}", tier=e.tier)
            runs = []
            for rep in range(args.repeat):
                r = run_once(args, runner, args.canisters_dir, (fib_path, fib["arg"]))
                if "error" in r:
                    failures.append(f"{e.name} canisters {build}: {r['error']}")
                    progress(f"  compute/{build} {e.label}: ERROR {r['error']}")
                    break
                progress(f"  compute/{build} {e.label} run {rep + 1}/{args.repeat}: fib "
                         f"{r['fib_cpu_s']:.3f} s, " + ", ".join(
                             f"{s['method']} {s['cpu_s']:.2f} s" for s in r["steps"]))
                runs.append(r)
            if not runs:
                continue
            fib_s = statistics.median(r["fib_cpu_s"] for r in runs)
            fib_rate = fib["instrs"] / fib_s / 1e6
            if any(r["fib_count"] != fib["instrs"] or r["fib_result"] != fib["checksum"]
                   for r in runs):
                failures.append(f"{e.name} canisters {build}: the kit's fib went wrong")
            for k, s in enumerate(runs[0]["steps"]):
                cpu = statistics.median(r["steps"][k]["cpu_s"] for r in runs)
                rate = s["instrs"] / cpu / 1e6
                ok = all(r["steps"][k]["reply_ok"] for r in runs)
                if not ok:
                    failures.append(f"{e.name} compute/{build} step {s['step']}: wrong reply")
                rows.append({"engine": e.name, "tier": runs[0]["tier"], "build": build,
                             "step": s["step"], "call": f"{s['method']} {s['arg']}",
                             "kind": s["kind"], "instrs": s["instrs"],
                             "pyic_count": s["pyic_count"], "cpu_s": cpu,
                             "cpu_runs": [r["steps"][k]["cpu_s"] for r in runs],
                             "minstr_per_s": rate, "fib_minstr_per_s": fib_rate,
                             "ratio_to_fib": rate / fib_rate, "reply_ok": ok})
        if args.stress_names:
            bench_stress(args, e, fib, fib_path, rows, failures, progress)
    return rows, failures


def bench_stress(args, e: Engine, fib: dict, fib_path: str, rows: list, failures: list,
                 progress) -> None:
    """pyic's stress canisters (`tools.canisters.stress`) on tier ``e``: each repetition one
    fresh process running the kit's fib and then every selected canister's ``run(n)``.  A
    reply must equal the canister's Python model; pyic's count, the count pinned for that
    size (the IC's accounting, so the same on every tier)."""
    stress = _stress_module()
    chosen = [stress.BY_NAME[name] for name in args.stress_names]
    size = "small" if args.small else "full"
    if args.small:
        fib = {**fib, **fib["small"]}
    spec = ",".join(f"{s.name}={getattr(s, size)}" for s in chosen)
    runner = Engine(e.name, e.label, "stress", tier=e.tier)
    runs = []
    for rep in range(args.repeat):
        r = run_once(args, runner, spec, (fib_path, fib["arg"]))
        if "error" in r:
            failures.append(f"{e.name} stress canisters: {r['error']}")
            progress(f"  stress {e.label}: ERROR {r['error']}")
            return
        progress(f"  stress {e.label} run {rep + 1}/{args.repeat}: fib {r['fib_cpu_s']:.3f} s, "
                 + ", ".join(f"{s['name']} {s['cpu_s']:.2f} s" for s in r["steps"]))
        runs.append(r)
    fib_rate = fib["instrs"] / statistics.median(r["fib_cpu_s"] for r in runs) / 1e6
    if any(r["fib_count"] != fib["instrs"] or r["fib_result"] != fib["checksum"] for r in runs):
        failures.append(f"{e.name} stress canisters: the kit's fib went wrong")
    for k, s in enumerate(chosen):
        steps = [r["steps"][k] for r in runs]
        n = getattr(s, size)
        expected = stress.MODELS[s.name](n)
        pinned = stress.COUNTS[s.name][size]
        ok = all(st["checksum"] == expected for st in steps)
        if not ok:
            failures.append(f"{e.name} stress {s.name}: run({n}) replied {steps[0]['checksum']}, "
                            f"the model says {expected}")
        count_ok = all(st["count"] == pinned for st in steps)
        if not count_ok:
            failures.append(f"{e.name} stress {s.name}: run({n}) counted {steps[0]['count']} "
                            f"instructions, {pinned} pinned in tools/canisters/stress.py")
        cpu = statistics.median(st["cpu_s"] for st in steps)
        rate = steps[0]["count"] / cpu / 1e6
        rows.append({"engine": e.name, "tier": runs[0]["tier"], "build": "stress",
                     "step": s.name, "call": f"run({n})", "kind": "update",
                     "instrs": steps[0]["count"], "pyic_count": steps[0]["count"],
                     "cpu_s": cpu, "cpu_runs": [st["cpu_s"] for st in steps],
                     "rounds": steps[0]["rounds"], "minstr_per_s": rate,
                     "fib_minstr_per_s": fib_rate, "ratio_to_fib": rate / fib_rate,
                     "reply_ok": ok, "count_ok": count_ok, "checksum": expected})


def print_canisters(rows: list, out, markdown: bool = False) -> None:
    head = ("tier", "build", "step", "call", "instrs", "pyic count", "CPU s", "Mi/s",
            "kit fib Mi/s", "x fib")
    lines = [[r["tier"], r["build"], str(r["step"]), r["call"], f"{r['instrs']:,}",
              f"{r['pyic_count']:,}", f"{r['cpu_s']:.3f}", f"{r['minstr_per_s']:.1f}",
              f"{r['fib_minstr_per_s']:.1f}", f"{r['ratio_to_fib']:.2f}"] for r in rows]
    if markdown:
        print("| " + " | ".join(head) + " |", file=out)
        print("|" + "---|" * 4 + "---:|" * (len(head) - 4), file=out)
        for line in lines:
            print("| " + " | ".join(line) + " |", file=out)
        return
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    for line in [head, *lines]:
        print("  ".join(x.rjust(w) if i >= 4 else x.ljust(w)
                        for i, (x, w) in enumerate(zip(line, widths))), file=out)


def geomeans(engines: list, rows: list) -> dict:
    out = {}
    for e in engines:
        ents = [r["engines"][e.name] for r in rows if "cpu_s" in r["engines"].get(e.name, {})]
        rates = [x["minstr_per_s"] for x in ents if x.get("minstr_per_s")]
        ratios = [x["ratio_to_pywasm"] for x in ents if x.get("ratio_to_pywasm")]
        out[e.name] = {
            "modules": len(ents),
            "minstr_per_s": _gmean(rates),
            "ratio_to_pywasm": _gmean(ratios) if len(ratios) == len(ents) else None,
            "min_ratio_to_pywasm": min(ratios) if ratios and len(ratios) == len(ents) else None,
        }
    return out


def _gmean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def bench_startup(args, engines: list, big: str, progress) -> dict:
    out: dict = {}
    runs: dict[str, list] = {e.name: [] for e in engines}
    for rep in range(args.repeat):
        for e in engines[rep % len(engines):] + engines[:rep % len(engines)]:
            if "error" in out.get(e.name, {}):
                continue
            r = run_once(args, e, big, None)
            if "error" in r:
                out[e.name] = {"error": r["error"]}
                progress(f"  big.wasm {e.label:24} ERROR {r['error']}")
                continue
            runs[e.name].append(r)
            progress(f"  big.wasm {e.label:24} run {rep + 1}/{args.repeat}: "
                     f"{r['instantiate_cpu_s']:.3f} s cpu")
    for e in engines:
        rs = runs[e.name]
        if not rs:
            continue
        ent = {"cpu_s": statistics.median(r["instantiate_cpu_s"] for r in rs),
               "cpu_runs": [r["instantiate_cpu_s"] for r in rs]}
        for phase in ("decode_cpu_s", "validate_cpu_s", "instantiate_only_cpu_s"):
            if phase in rs[0]:
                ent[phase] = statistics.median(r[phase] for r in rs)
        if e.kind == "wasm-interp":
            ent["whole_process"] = True
        out[e.name] = ent
    return out


# ------------------------------------------------------------------ reports

def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def _num(x) -> str:
    """Three significant digits, never in exponent form."""
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if x >= 0.001 else f"{x:.6f}".rstrip("0")


def print_table(report: dict, out) -> None:
    engines = report["engines"]
    w = max([len(e["label"]) for e in engines] + [12])
    if report["modules"]:
        print(
            f"{'module':8} {'instrs':>11}  {'engine':{w}} {'cpu_s':>9} {'Mi/s':>8} {'x pywasm':>9} "
            f"{'inst_s':>7}  check",
            file=out,
        )
        for row in report["modules"]:
            first = True
            for e in engines:
                ent = row["engines"].get(e["name"], {})
                head = f"{row['module']:8} {row['instrs']:>11,}" if first else " " * 20
                first = False
                if "error" in ent:
                    print(f"{head}  {e['label']:{w}} ERROR {ent['error']}", file=out)
                    continue
                check = "ok" if ent["checksum_ok"] else "WRONG RESULT"
                if "count_ok" in ent:
                    check += ", count ok" if ent["count_ok"] else f", COUNT {ent['count']}"
                print(
                    f"{head}  {e['label']:{w}} {ent['cpu_s']:9.4f} "
                    f"{_fmt(ent['minstr_per_s'], '8.2f')} "
                    f"{_fmt(ent.get('ratio_to_pywasm'), '9.2f')} "
                    f"{_fmt(ent['instantiate_cpu_s'], '7.3f')}  {check}",
                    file=out,
                )
        print(f"{'geomean':8} {'':>11}  {'':{w}}", file=out)
        for e in engines:
            g = report["geomean"][e["name"]]
            print(
                f"{'':20}  {e['label']:{w}} {'':>9} {_fmt(g['minstr_per_s'], '8.2f')} "
                f"{_fmt(g['ratio_to_pywasm'], '9.2f')}   "
                f"(lowest ratio {_fmt(g['min_ratio_to_pywasm'], '.2f')})",
                file=out,
            )
    if report.get("startup"):
        print(f"\nstart-up, {report['startup_module']} ({report['startup_bytes']:,} bytes): "
              "decode + validate + instantiate, CPU s", file=out)
        for e in engines:
            ent = report["startup"].get(e["name"])
            if ent is None:
                continue
            if "error" in ent:
                print(f"  {e['label']:{w}} ERROR {ent['error']}", file=out)
                continue
            phases = ""
            if "decode_cpu_s" in ent:
                phases = (
                    f"  (decode {ent['decode_cpu_s']:.3f}, validate {ent['validate_cpu_s']:.3f}, "
                    f"instantiate {ent['instantiate_only_cpu_s']:.3f})"
                )
            print(f"  {e['label']:{w}} {ent['cpu_s']:.3f}{phases}", file=out)
    for note in report["notes"]:
        print(f"note: {note}", file=out)


def print_markdown(report: dict, out) -> None:
    """One row per module: each engine's CPU seconds and Minstr/s, then each engine's ratio
    to pywasm."""
    engines = report["engines"]
    others = [e for e in engines if e["name"] != BASELINE]
    has_base = any(e["name"] == BASELINE for e in engines)
    if report["modules"]:
        head = ["module", "instrs"] + [f"{e['label']}: CPU s / Mi/s" for e in engines]
        if has_base:
            head += [f"{e['label']}: x pywasm" for e in others]
        print("| " + " | ".join(head) + " |", file=out)
        print("|---|" + "---:|" * (len(head) - 1), file=out)
        for row in report["modules"]:
            cells = [row["module"], f"{row['instrs']:,}"]
            ratios = []
            for e in engines:
                ent = row["engines"].get(e["name"], {})
                if "cpu_s" not in ent:
                    cells.append("error")
                    ratios.append("-") if e in others else None
                    continue
                cells.append(f"{_num(ent['cpu_s'])} / {_num(ent['minstr_per_s'])}")
                if e in others:
                    ratios.append(_num(ent.get("ratio_to_pywasm")))
            if has_base:
                cells += ratios
            print("| " + " | ".join(cells) + " |", file=out)
        cells = ["**geomean**", ""]
        for e in engines:
            cells.append(f"{_num(report['geomean'][e['name']]['minstr_per_s'])} Mi/s")
        if has_base:
            cells += [
                f"**{_num(report['geomean'][e['name']]['ratio_to_pywasm'])}**" for e in others
            ]
        print("| " + " | ".join(cells) + " |", file=out)
    if report.get("startup"):
        print(
            f"\n| start-up, {report['startup_module']} ({report['startup_bytes']:,} bytes) | CPU s "
            "| decode | validate | instantiate |\n|---|---:|---:|---:|---:|",
            file=out,
        )
        for e in engines:
            ent = report["startup"].get(e["name"], {})
            if "cpu_s" in ent:
                phases = [
                    _num(ent.get(k))
                    for k in ("decode_cpu_s", "validate_cpu_s", "instantiate_only_cpu_s")
                ]
                print(
                    f"| {e['label']} | {_num(ent['cpu_s'])} | " + " | ".join(phases) + " |",
                    file=out,
                )


# ------------------------------------------------------------------ command line

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--bench",
        default=os.environ.get("PYIC_BENCH", DEFAULT_BENCH),
        help="the benchmark kit (default: $PYIC_BENCH or ../shared/bench next to the repository)",
    )
    ap.add_argument("--modules", help="comma-separated modules, or 'all' "
                    f"(default: {','.join(DEFAULT_MODULES)}; all with --small)")
    ap.add_argument("--small", action="store_true", help="the manifest's small sizes (smoke test)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per engine and module; the median is reported"
    )
    ap.add_argument("--tier", action="append", choices=("fast", "reference"),
                    help="pyic tier (repeatable: one column each; default: pyic's default tier)")
    ap.add_argument("--engines", default="pyic," + ",".join(PEERS),
                    help="comma-separated engines (default: pyic and every peer installed)")
    ap.add_argument("--no-startup", action="store_true", help="skip the big.wasm start-up timing")
    ap.add_argument("--startup-only", action="store_true", help="only the big.wasm start-up timing")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="write the report as JSON to FILE, or to stdout "
                         "(table then goes to stderr)")
    ap.add_argument(
        "--markdown", action="store_true", help="also print markdown tables (docs/performance.md)"
    )
    ap.add_argument(
        "--python", default=sys.executable, help="interpreter for the engine subprocesses"
    )
    ap.add_argument("--timeout", type=float, default=900, help="seconds per engine run")
    ap.add_argument("--quiet", action="store_true", help="no per-run progress on stderr")
    ap.add_argument(
        "--report", metavar="FILE", help="print the tables of a saved --json report; run nothing"
    )
    ap.add_argument("--canisters", action="store_true",
                    help="the compute canister's heavy steps beside the kit's fib (pyic only)")
    ap.add_argument("--canisters-dir", default=os.environ.get(
        "PYIC_CANISTERS", os.path.join(REPO, "..", "shared", "canisters")),
        help="the canister corpus (default: $PYIC_CANISTERS or ../shared/canisters)")
    ap.add_argument("--stress", default="all", metavar="NAMES",
                    help="with --canisters: the stress canisters to run (comma-separated, "
                         "'all' or 'none'; default all): " + "; ".join(
                             f"{k}: {v.what}" for k, v in _stress_module().BY_NAME.items()))
    ap.add_argument("--no-compute", action="store_true",
                    help="with --canisters: skip the compute canister (--small skips it too)")
    ap.add_argument("--driver", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    BY_NAME = _stress_module().BY_NAME
    if args.stress in ("all", "none"):
        args.stress_names = list(BY_NAME) if args.stress == "all" else []
    else:
        args.stress_names = [s.strip() for s in args.stress.split(",") if s.strip()]
        unknown = [s for s in args.stress_names if s not in BY_NAME]
        if unknown:
            ap.error(f"unknown stress canister(s) {', '.join(unknown)} "
                     f"(known: {', '.join(BY_NAME)})")
    return args


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_implementation() + " " + platform.python_version(),
            "platform": platform.platform(), "loadavg": os.getloadavg()[0]}


def finish(args, report: dict, failures: list, to_stdout: bool) -> int:
    """Write the JSON report where ``--json`` says, list the failures; the exit status."""
    if args.json:
        text = json.dumps(report, indent=1)
        if to_stdout:
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    for f_ in failures:
        print(f"FAILED: {f_}", file=sys.stderr)
    return 1 if failures else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.driver:
        return driver(*args.driver)
    if args.report:
        with open(args.report) as f:
            report = json.load(f)
        if "canisters" in report:       # a --canisters report
            print_canisters(report["canisters"], sys.stdout, markdown=args.markdown)
            return 0 if report.get("ok") else 1
        print_table(report, sys.stdout)
        if args.markdown:
            print()
            print_markdown(report, sys.stdout)
        return 0 if report.get("ok") else 1
    args.bench = os.path.abspath(args.bench)
    to_stdout = args.json == "-"
    out = sys.stderr if to_stdout else sys.stdout
    progress = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    notes: list = []
    try:
        manifest = load_manifest(args.bench)
        modules = [] if args.startup_only else select_modules(manifest, args.modules, args.small)
        wanted = [s.strip() for s in args.engines.split(",") if s.strip()]
        engines = find_engines(wanted, args.tier or [None], notes)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    for n in notes:
        progress(f"note: {n}")
    report = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "bench": args.bench,
        "sizes": "small" if args.small else "full",
        "repeat": args.repeat,
        "notes": notes,
    }
    if args.canisters:
        args.canisters_dir = os.path.abspath(args.canisters_dir)
        engines = [e for e in engines if e.kind == "pyic"]
        rows, failures = bench_canisters(args, engines, manifest, progress)
        report["canisters"] = rows
        report["failures"] = failures
        report["ok"] = not failures
        print_canisters(rows, out)
        if args.markdown:
            print(file=out)
            print_canisters(rows, out, markdown=True)
        return finish(args, report, failures, to_stdout)
    rows, failures = bench_modules(args, engines, modules, progress)
    report["modules"] = rows
    report["geomean"] = geomeans(engines, rows)
    if not args.no_startup and "startup" in manifest:
        big = os.path.join(args.bench, manifest["startup"]["wasm"])
        report["startup_module"] = manifest["startup"]["wasm"]
        report["startup_bytes"] = os.path.getsize(big)
        report["startup"] = bench_startup(args, engines, big, progress)
        for e in engines:
            if e.kind == "pyic" and "error" in report["startup"].get(e.name, {}):
                failures.append(f"{e.name} start-up failed: {report['startup'][e.name]['error']}")
    for e in engines:
        # name pyic's tier as the driver reported it (the default tier when no --tier was given)
        tiers = {r["engines"].get(e.name, {}).get("tier") for r in rows} - {None}
        if e.kind == "pyic" and e.tier is None and len(tiers) == 1:
            e.label = f"pyic ({tiers.pop()})"
    report["engines"] = [{"name": e.name, "label": e.label, "tier": e.tier} for e in engines]
    report["failures"] = failures
    report["ok"] = not failures
    print_table(report, out)
    if args.markdown:
        print(file=out)
        print_markdown(report, out)
    return finish(args, report, failures, to_stdout)


if __name__ == "__main__":
    sys.exit(main())
