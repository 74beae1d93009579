#!/usr/bin/env python3
"""Where pyic's time goes on one benchmark module: py-spy samples, bucketed.

Runs ``tools/bench.py``'s pyic driver on one module of the benchmark kit under
``py-spy record`` (``pip install py-spy``) and attributes every sample to the
innermost pyic frame (its *self* time):

* ``loop: <source line>`` -- a line of the fast tier's baseline interpreter loop
  (`pyic.wasm.engine.interp.run`): fetching, counting, calling the handler,
  testing its result, calls and returns;
* ``handler: <name>`` -- an instruction handler (`pyic.wasm.engine.*`);
* ``fast: <function>`` -- the fast tier's generated code;
* ``numerics: <name>`` -- a pure numeric function (`pyic.wasm.numerics`);
* ``lowering``, ``decode/validate/instantiate``, ``start-up (imports)`` --
  work outside the hot loop.

    python tools/profile.py fib                  # full size
    python tools/profile.py interp --small --top 30
    python tools/profile.py fib --speedscope fib.json    # also keep a speedscope profile
    python tools/profile.py compute:eop --tier fast      # the compute canister's script
                                                         # (``bench.py --canisters``' driver)

``--tier`` selects a pyic tier as in bench.py.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse_frame(text: str):
    m = FRAME.match(text)
    if not m:
        return text, "", 0
    return m["func"], m["file"], int(m["line"] or 0)


def _source_line(path: str, line: int, cache: dict) -> str:
    full = path if os.path.isabs(path) else os.path.join(REPO, path)
    if full not in cache:
        try:
            with open(full) as f:
                cache[full] = f.read().splitlines()
        except OSError:
            cache[full] = []
    lines = cache[full]
    return lines[line - 1].strip() if 0 < line <= len(lines) else f"line {line}"


def bucket(stack: list, cache: dict) -> str:
    """The bucket of one sample (frames outermost first)."""
    frames = [parse_frame(f) for f in stack]
    files = [f for _, f, _ in frames]
    if any("importlib" in f for f in files):
        return "start-up (imports)"
    if any("engine/lower.py" in f or "engine/codegen.py" in f for f in files):
        return "lowering (first call of a function)"
    if any(f.startswith("<pyic fast") for f in files):
        # the fast tier's generated code (no source file): name the innermost frame
        func, path, line = frames[-1]
        return f"fast: {func} ({os.path.basename(path) or path}:{line})"
    if not any("engine/interp.py" in f for f in files):
        if any("importlib" in f for f in files):
            return "start-up (imports)"
        if any("pyic/" in f for f in files):
            return "decode/validate/instantiate"
        return "other"
    func, path, line = frames[-1]
    if "engine/interp.py" in path and func == "run":
        return "loop: " + _source_line(path, line, cache)
    if "pyic/wasm/numerics" in path:
        return f"numerics: {func}"
    if "pyic/wasm/engine" in path:
        return f"handler: {func}"
    if "pyic/" in path:
        return f"{path.rsplit('pyic/', 1)[1]}: {func}"
    return f"other: {func} ({os.path.basename(path)})"


def record(args, raw: str, speedscope: str | None) -> None:
    manifest = json.load(open(os.path.join(args.bench, "manifest.json")))
    mods = {m["name"]: m for m in manifest["modules"]}
    if args.module in ("compute:eop", "compute:classic"):
        # the kit's fib, then every step of the canister's script (mostly sumTo and sortCheck)
        fib = mods["fib"]
        canisters = os.environ.get("PYIC_CANISTERS", os.path.join(REPO, "..", "shared",
                                                                  "canisters"))
        driver = [sys.executable, os.path.join(HERE, "bench.py"), "--driver",
                  "canisters:" + args.module.split(":")[1], canisters,
                  f"{os.path.join(args.bench, fib['wasm'])}:{fib['arg']}", args.tier or "-"]
    elif args.module not in mods:
        raise SystemExit(f"unknown module {args.module} "
                         f"(known: {', '.join(mods)}, compute:eop, compute:classic)")
    else:
        m = mods[args.module]
        arg = (m["small"] if args.small else m)["arg"]
        driver = [sys.executable, os.path.join(HERE, "bench.py"), "--driver", "pyic",
                  os.path.join(args.bench, m["wasm"]), str(arg), args.tier or "-"]
    for fmt, out in (("raw", raw), ("speedscope", speedscope)):
        if out is None:
            continue
        cmd = ["py-spy", "record", "--rate", str(args.rate), "--format", fmt, "-o", out,
               "--"] + driver
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        if p.returncode != 0:
            raise SystemExit(f"py-spy failed ({p.returncode}): {p.stderr.strip()[-500:]}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("module")
    ap.add_argument(
        "--bench", default=os.environ.get("PYIC_BENCH", os.path.join(REPO, "..", "shared", "bench"))
    )
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--tier", choices=("fast", "reference"))
    ap.add_argument("--rate", type=int, default=1000, help="samples per second")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--raw", help="analyse this existing py-spy raw file instead of recording")
    ap.add_argument("--speedscope", help="also record a speedscope profile to this file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        raw = args.raw
        if raw is None:
            raw = os.path.join(tmp, "profile.raw")
            record(args, raw, args.speedscope)
        counts: collections.Counter = collections.Counter()
        cache: dict = {}
        with open(raw) as f:
            for line in f:
                stack, _, n = line.rstrip("\n").rpartition(" ")
                if stack:
                    counts[bucket(stack.split(";"), cache)] += int(n)
    total = sum(counts.values())
    # percentages of the call's execution (run loop, handlers, numerics, lowering), without start-up
    run = sum(
        n
        for k, n in counts.items()
        if k.startswith(("loop:", "handler:", "numerics:", "lowering", "fast:"))
    )
    print(f"{args.module}{' (small)' if args.small else ''}: {total} samples, {run} in the run "
          f"({100 * run / max(total, 1):.1f}%); percentages below are of the run")
    groups: collections.Counter = collections.Counter()
    for k, n in counts.items():
        groups[k.split(":", 1)[0] if ":" in k else k] += n
    for k, n in groups.most_common():
        if k in ("loop", "handler", "numerics", "fast") or k.startswith("lowering"):
            print(f"  {100 * n / max(run, 1):5.1f}%  {k}")
    print("top buckets (self time):")
    for k, n in counts.most_common(args.top):
        if k.startswith(("loop:", "handler:", "numerics:", "lowering", "fast:")):
            print(f"  {100 * n / max(run, 1):5.1f}%  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
