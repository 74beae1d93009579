#!/usr/bin/env python3
"""Whole-process CPU time and start-up of ``pyic run`` and ``pyic canister`` (issue 13).

Three tables, measured side by side in one run, every figure the CPU time
(user + sys) of a fresh child process from ``os.wait4``, so start-up counts:

1. **Whole process, the bench kit** (`../shared/bench`, each module's manifest
   argument): ``pyic run FILE --invoke run ARG`` against ``python -m pywasm
   --func run --func-args ARG FILE``, alternating the engines within each
   repetition; pyic's reply must be the manifest's checksum.  Beside them,
   ``pyic run ... --limit 1``: the process up to its first Wasm instruction.
2. **Start-up split of ``pyic run``** on kit modules and a canister (``ic0``
   imports bound to stubs returning zeros): interpreter start (CPU at the driver's
   first line, ``site`` included), imports (the CLI group, the ``run`` command
   and what it imports before reading the file), decode, validate,
   instantiate, and the first call up to its first instruction (an
   instruction limit of 1: lowering or compiling the function is inside).
   The driver calls the functions ``pyic run`` calls, in a child process.
3. **``pyic canister``** on a canister (default: the compute canister's EOP
   build, 311 KB): the whole processes ``create``, ``install`` and ``call
   fib '(10 : nat)' --query``, and the split of the ``call`` process (run
   in-process through the click group): decode, validate and instantiate timed
   by wrapping `pyic.wasm.embed`'s functions, the Wasm calls, the data
   certificate the query is given (``pyic.ic.machine.default_certifier``), and
   the rest (state store, Candid, the IC, modules imported on first use).

``pyic`` is run as ``python -m pyic`` with ``PYTHONPATH`` set to the tree
measured (the console script does the same imports); the children inherit
the environment, so ``PYTHONDONTWRITEBYTECODE=1`` (set in this project's
sessions) means every process compiles pyic from source, as pywasm's does
(its install holds no bytecode either).  ``--bytecode`` adds a column with a
warm private bytecode cache (``PYTHONPYCACHEPREFIX``), as an installed wheel has.

``--tree NAME=PATH`` (repeatable) measures several checkouts side by side in
the same run (a before/after): PATH holds the ``pyic`` package.

    python -m tools.startup                          # all tables (~3 min with pywasm)
    python -m tools.startup --small --modules fib --repeat 1 --no-pywasm --json -
    python -m tools.startup --tree before=/tmp/base --tree after=. --no-kit
    python -m tools.startup --no-kit --no-split --canister '' --imports 15   # what pyic run imports
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("PYIC_SHARED", os.path.join(REPO, "..", "shared"))
DEFAULT_CANISTER = os.path.join(SHARED, "canisters", "compute", "compute.wasm")
RUN_PHASES = ("interpreter", "imports", "decode", "validate", "instantiate", "first_instr")
CANISTER_PHASES = ("interpreter", "imports", "decode", "validate", "instantiate", "wasm_calls",
                   "certificate", "other")


class StartupError(Exception):
    """A child failed or answered wrongly."""


# ------------------------------------------------------------------ children

def child_cpu(cmd: list, env: dict, cwd: str, timeout: float = 600.0) -> tuple:
    """``(cpu_s, returncode, stdout, stderr)`` of ``cmd`` run to its end; CPU
    seconds are the child's user + sys time from ``os.wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=env, cwd=cwd)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (ru.ru_utime + ru.ru_stime, p.returncode,
                out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


class Tree:
    """A checkout to measure: ``PYTHONPATH`` points at ``path``; ``cache``, when
    given, is a private bytecode cache (``PYTHONPYCACHEPREFIX``) made warm first."""

    def __init__(self, name: str, path: str, cache: str | None = None) -> None:
        self.name = name
        self.path = os.path.abspath(path)
        self.cache = cache

    def env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([self.path] + (
            [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        if self.cache is not None:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = self.cache
        return env


def pyic_cmd(*args: str) -> list:
    return [sys.executable, "-m", "pyic", *args]


def pywasm_cmd(path: str, arg) -> list:
    return [sys.executable, "-m", "pywasm", "--func", "run", "--func-args", str(arg), path]


def reply_int(text: str) -> int | None:
    """The integer a run printed: pyic's last line is ``N : i32``, pywasm's ``[N]``."""
    lines = text.strip().splitlines()
    words = lines[-1].strip("[] ").split() if lines else []
    try:
        return int(words[0])
    except (IndexError, ValueError):
        return None


# ------------------------------------------------------------------ drivers (run in the child)

RUN_DRIVER = r"""
import time
t0 = time.process_time()
import json, sys
from pyic.cli import main as _main, run as _run
try:   # since 1bd8899 the run path's file helpers import no click
    from pyic.cli import files as common
except ImportError:
    from pyic.cli import common
from pyic.wasm import embed   # what the run command imports before reading the file
OLD = not hasattr(_run, "instantiate")
if OLD:   # a pyic from before run.instantiate: its run command imported spectest first
    from pyic.wasm.script.spectest import spectest_instance
t1 = time.process_time()
module = common.load_module(sys.argv[1]).module
t2 = time.process_time()
common.validate(module)
t3 = time.process_time()
from pyic.errors import PyicError
foreign = [im for im in module.imports if im.kind == "func" and im.module != "spectest"]
if foreign:   # a canister: ic0 bound to stubs returning zeros, so that it instantiates
    store = embed.Store(embed.Config())
    types = [st.comptype for st in module.deftypes()]
    names = {}
    for im in foreign:
        ft = types[im.desc]
        names.setdefault(im.module, {})[im.name] = embed.func_alloc(
            store, ft, lambda caller, *args, n=len(ft.results): [0] * n)
    inst = embed.module_instantiate(store, module, names)
elif OLD:
    store = embed.Store(embed.Config())
    inst = embed.module_instantiate(store, module, {"spectest": spectest_instance(store).exports})
else:
    store, inst = _run.instantiate(module)
t4 = time.process_time()
export = sys.argv[2]
ev = inst.exports[export]
ft = embed.func_type(store, ev)
args = [int(sys.argv[3])] if len(ft.params) == 1 else []
try:
    embed.invoke(store, ev, args, limit=1)
except PyicError:
    pass
t5 = time.process_time()
print(json.dumps({"interpreter": t0, "imports": t1 - t0, "decode": t2 - t1, "validate": t3 - t2,
                  "instantiate": t4 - t3, "first_instr": t5 - t4, "total": t5}))
"""

CANISTER_DRIVER = r"""
import time
t0 = time.process_time()
import json, sys
from pyic.cli.main import cli
cli.get_command(None, "canister")
from pyic.testing import PocketIC
from pyic.wasm import embed
t1 = time.process_time()
spent = {"decode": 0.0, "validate": 0.0, "instantiate": 0.0, "wasm_calls": 0.0,
         "certificate": 0.0}
def timed(name, f):
    def wrapper(*a, **k):
        c = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[name] += time.process_time() - c
    return wrapper
embed.module_decode = timed("decode", embed.module_decode)
embed.module_validate = timed("validate", embed.module_validate)
embed.module_instantiate = timed("instantiate", embed.module_instantiate)
embed.invoke = timed("wasm_calls", embed.invoke)
try:   # the data certificate a query sees (BLS signing, pyic.http)
    import pyic.ic.machine as machine
    machine.default_certifier = timed("certificate", machine.default_certifier)
except (ImportError, AttributeError):
    pass
try:
    cli(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
t2 = time.process_time()
out = {"interpreter": t0, "imports": t1 - t0, **spent,
       "other": (t2 - t1) - sum(spent.values()), "total": t2}
print(json.dumps(out), file=sys.stderr)
"""


def run_split(tree: Tree, path: str, export: str, arg, cwd: str) -> dict:
    cmd = [sys.executable, "-c", RUN_DRIVER, path, export, str(arg if arg is not None else 0)]
    cpu, rc, out, err = child_cpu(cmd, tree.env(), cwd)
    if rc != 0:
        raise StartupError(f"run split of {path} ({tree.name}): exit {rc}: {err.strip()[-300:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["process"] = cpu
    return res


# ------------------------------------------------------------------ the three tables

def bench_kit(args, trees: list, cwd: str, progress) -> list:
    with open(os.path.join(args.bench, "manifest.json")) as f:
        manifest = json.load(f)
    wanted = None if args.modules == "all" else set(args.modules.split(","))
    rows = []
    for m in manifest["modules"]:
        if wanted is not None and m["name"] not in wanted:
            continue
        path = os.path.join(args.bench, m["wasm"])
        size = m["small"] if args.small else m
        arg, checksum = size["arg"], size["checksum"]
        engines = [(t.name, pyic_cmd("run", path, "--invoke", "run", str(arg)), t.env())
                   for t in trees]
        if args.pywasm:
            engines.append(("pywasm", pywasm_cmd(path, arg), dict(os.environ)))
        runs: dict = {name: [] for name, _, _ in engines}
        first: dict = {t.name: [] for t in trees}
        for rep in range(args.repeat):
            k = rep % len(engines)
            for name, cmd, env in engines[k:] + engines[:k]:
                cpu, rc, out, err = child_cpu(cmd, env, cwd)
                got = reply_int(out)
                if rc != 0 or got is None or got & 0xFFFFFFFF != checksum:
                    raise StartupError(f"{m['name']} on {name}: exit {rc}, output "
                                       f"{out.strip()[-80:]!r} {err.strip()[-200:]!r}")
                runs[name].append(cpu)
                progress(f"  {m['name']:8} {name:10} {cpu:7.3f} s")
            for t in trees:
                cpu, rc, _, err = child_cpu(
                    pyic_cmd("run", path, "--invoke", "run", str(arg), "--limit", "1"),
                    t.env(), cwd)
                if rc != 1 or "limit" not in err:
                    raise StartupError(f"{m['name']} --limit 1 on {t.name}: exit {rc} {err!r}")
                first[t.name].append(cpu)
        row = {"module": m["name"], "arg": arg}
        for name in runs:
            row[name] = statistics.median(runs[name])
        for t in trees:
            row[f"{t.name}_first_instr"] = statistics.median(first[t.name])
            if args.pywasm:
                row[f"{t.name}_x_pywasm"] = row["pywasm"] / row[t.name]
        rows.append(row)
    return rows


def split_table(args, trees: list, cwd: str, progress) -> list:
    targets = []
    with open(os.path.join(args.bench, "manifest.json")) as f:
        manifest = {m["name"]: m for m in json.load(f)["modules"]}
    for name in args.split_modules.split(","):
        if name:
            m = manifest[name]
            arg = m["small"]["arg"] if args.small else m["arg"]
            targets.append((m["wasm"], os.path.join(args.bench, m["wasm"]), "run", arg))
    if args.canister:
        targets.append((os.path.basename(args.canister), args.canister, None, None))
    rows = []
    for label, path, export, arg in targets:
        if export is None:
            export = _first_export(trees[0], path, cwd)
        for t in trees:
            runs = [run_split(t, path, export, arg, cwd) for _ in range(args.repeat)]
            row = {"module": label, "bytes": os.path.getsize(path), "tree": t.name}
            for key in RUN_PHASES + ("total", "process"):
                row[key] = statistics.median(r[key] for r in runs)
            rows.append(row)
            progress(f"  split {label} {t.name}: {row['process']:.3f} s")
    return rows


def _first_export(tree: Tree, path: str, cwd: str) -> str:
    """``canister_init`` if exported, else the first exported function."""
    code = ("import sys, json; from pyic.wasm import embed; "
            "m = embed.module_decode(open(sys.argv[1], 'rb').read()); "
            "print(json.dumps([e.name for e in m.exports if e.kind == 'func']))")
    _, rc, out, err = child_cpu([sys.executable, "-c", code, path], tree.env(), cwd)
    if rc != 0:
        raise StartupError(f"cannot decode {path}: {err.strip()[-300:]}")
    names = json.loads(out)
    if not names:
        raise StartupError(f"{path} exports no function")
    return "canister_init" if "canister_init" in names else names[0]


def canister_table(args, trees: list, cwd: str, progress) -> list:
    rows = []
    for t in trees:
        for _ in range(args.repeat):
            state = tempfile.mkdtemp(prefix="pyic-startup-", dir=cwd)
            row: dict = {"tree": t.name, "module": os.path.basename(args.canister),
                         "bytes": os.path.getsize(args.canister)}
            base = ["canister", "--state", state]
            cpu, rc, out, err = child_cpu(pyic_cmd(*base, "create"), t.env(), cwd)
            if rc != 0:
                raise StartupError(f"canister create ({t.name}): {err.strip()[-300:]}")
            cid = out.strip().splitlines()[-1]
            row["create"] = cpu
            cpu, rc, out, err = child_cpu(
                pyic_cmd(*base, "install", cid, args.canister), t.env(), cwd)
            if rc != 0:
                raise StartupError(f"canister install ({t.name}): {err.strip()[-300:]}")
            row["install"] = cpu
            call = [*base, "call", cid, "fib", "(10 : nat)", "--query"]
            cpu, rc, out, err = child_cpu(pyic_cmd(*call), t.env(), cwd)
            if rc != 0 or "55" not in out:
                raise StartupError(f"canister call ({t.name}): {out!r} {err.strip()[-300:]}")
            row["call"] = cpu
            cpu, rc, out, err = child_cpu([sys.executable, "-c", CANISTER_DRIVER, *call],
                                          t.env(), cwd)
            if rc != 0 or "55" not in out:
                raise StartupError(f"canister call split ({t.name}): {err.strip()[-300:]}")
            row.update(json.loads(err.strip().splitlines()[-1]))
            shutil.rmtree(state, ignore_errors=True)
            rows.append(row)
            progress(f"  canister {t.name}: call {row['call']:.3f} s")
    out_rows = []
    for t in trees:
        mine = [r for r in rows if r["tree"] == t.name]
        merged = dict(mine[0])
        for key in ("create", "install", "call", "total") + CANISTER_PHASES:
            merged[key] = statistics.median(r[key] for r in mine)
        out_rows.append(merged)
    return out_rows


def import_table(args, trees: list, cwd: str, progress) -> list:
    """The ``--imports`` heaviest imports of ``pyic run`` on the kit's small fib, by
    self time (``python -X importtime``, the least of ``--repeat`` runs per module)."""
    with open(os.path.join(args.bench, "manifest.json")) as f:
        fib = {m["name"]: m for m in json.load(f)["modules"]}["fib"]
    cmd = [sys.executable, "-X", "importtime", "-m", "pyic", "run",
           os.path.join(args.bench, fib["wasm"]), "--invoke", "run", str(fib["small"]["arg"])]
    rows = []
    for t in trees:
        best: dict = {}
        for _ in range(args.repeat):
            _, rc, _, err = child_cpu(cmd, t.env(), cwd)
            if rc != 0:
                raise StartupError(f"importtime run ({t.name}): exit {rc}")
            for line in err.splitlines():
                # "import time:  self [us] | cumulative | imported package"
                parts = line.removeprefix("import time:").split("|")
                if len(parts) == 3 and parts[0].strip().isdigit():
                    name, us = parts[2].strip(), int(parts[0])
                    best[name] = min(us, best.get(name, us))
        top = sorted(best.items(), key=lambda kv: -kv[1])[:args.imports]
        rows.append({"tree": t.name, "total": sum(best.values()) / 1e6,
                     "pyic": sum(v for k, v in best.items() if k.startswith("pyic")) / 1e6,
                     "top": [[k, v / 1e6] for k, v in top]})
        progress(f"  imports {t.name}: {rows[-1]['total']:.3f} s")
    return rows


def baseline(trees: list, cwd: str, repeat: int) -> dict:
    """CPU of a bare interpreter, and of one that imports click and attrs only."""
    out = {}
    for label, code in (("python -c pass", "pass"),
                        ("python -c 'import click, attrs'", "import click, attrs")):
        out[label] = statistics.median(
            child_cpu([sys.executable, "-c", code], trees[0].env(), cwd)[0]
            for _ in range(max(3, repeat)))
    return out


# ------------------------------------------------------------------ report

def _ms(x) -> str:
    return "-" if x is None else f"{x * 1000:.0f}"


def _gmean(xs: list):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def markdown(report: dict) -> str:
    lines = [f"`{report['command']}`", ""]
    trees = report["trees"]
    if report.get("kit"):
        head = ["module", "arg"]
        for t in trees:
            head += [f"{t}: pyic run CPU s", f"{t}: to first instr s"]
        if report["pywasm"]:
            head.append("pywasm CPU s")
            head += [f"{t}: × pywasm" for t in trees]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in report["kit"]:
            cells = [r["module"], str(r["arg"])]
            for t in trees:
                cells += [f"{r[t]:.3f}", f"{r[t + '_first_instr']:.3f}"]
            if report["pywasm"]:
                cells.append(f"{r['pywasm']:.2f}")
                cells += [f"{r[t + '_x_pywasm']:.1f}" for t in trees]
            lines.append("| " + " | ".join(cells) + " |")
        if report["pywasm"]:
            cells = ["**geomean**", ""] + ["", ""] * len(trees) + [""]
            for t in trees:
                xs = [r[t + "_x_pywasm"] for r in report["kit"]]
                cells.append(f"**{_gmean(xs):.1f}** (min {min(xs):.1f})")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if report.get("split"):
        head = ["pyic run: module", "bytes", "tree"] + [f"{p} ms" for p in RUN_PHASES] + \
            ["sum ms", "process ms"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in report["split"]:
            cells = [r["module"], f"{r['bytes']:,}", r["tree"]] + \
                [_ms(r[p]) for p in RUN_PHASES] + [_ms(r["total"]), _ms(r["process"])]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if report.get("canister"):
        head = ["pyic canister: module", "tree", "create ms", "install ms", "call ms"] + \
            [f"call: {p} ms" for p in CANISTER_PHASES]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in report["canister"]:
            cells = [f"{r['module']} ({r['bytes']:,} B)", r["tree"], _ms(r["create"]),
                     _ms(r["install"]), _ms(r["call"])] + [_ms(r[p]) for p in CANISTER_PHASES]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    for r in report.get("imports", []):
        lines.append(f"Imports of `pyic run` ({r['tree']}; self times, `-X importtime`): total "
                     f"{_ms(r['total'])} ms, pyic's {_ms(r['pyic'])} ms; heaviest: " + ", ".join(
                         f"`{k}` {v * 1000:.1f}" for k, v in r["top"]) + ".")
        lines.append("")
    if report.get("baseline"):
        lines.append("Baseline: " + ", ".join(
            f"`{k}` {_ms(v)} ms" for k, v in report["baseline"].items()) + ".")
    return "\n".join(lines)


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.startup", description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.path.join(SHARED, "bench"), help="the bench kit")
    ap.add_argument("--modules", default="all", help="kit modules for table 1 (default: all)")
    ap.add_argument("--split-modules", default="fib",
                    help="kit modules whose pyic run start-up is split (comma-separated)")
    ap.add_argument("--canister", default=DEFAULT_CANISTER,
                    help="canister for the split and pyic canister ('' for none)")
    ap.add_argument("--small", action="store_true",
                    help="the kit's small arguments (a smoke test: start-up dominates)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--tree", action="append", default=[], metavar="NAME=PATH",
                    help="a checkout to measure (repeatable; default: this one)")
    ap.add_argument("--bytecode", action="store_true",
                    help="also measure each tree with a warm private bytecode cache")
    ap.add_argument("--no-pywasm", dest="pywasm", action="store_false")
    ap.add_argument("--no-kit", dest="kit", action="store_false", help="skip table 1")
    ap.add_argument("--no-split", dest="split", action="store_false", help="skip table 2")
    ap.add_argument("--no-canister-cli", dest="canister_cli", action="store_false",
                    help="skip table 3")
    ap.add_argument("--imports", type=int, default=0, metavar="N",
                    help="also list the N heaviest imports of pyic run (python -X importtime)")
    ap.add_argument("--json", metavar="FILE", help="write the report as JSON ('-': stdout)")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    progress = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr))
    specs = args.tree or [f"pyic={REPO}"]
    trees = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not os.path.isdir(os.path.join(path, "pyic")):
            ap.error(f"--tree {spec!r}: want NAME=PATH, PATH holding the pyic package")
        trees.append(Tree(name, path))
    with tempfile.TemporaryDirectory(prefix="pyic-startup-") as cwd:
        if args.bytecode:
            for t in list(trees):
                cached = Tree(f"{t.name}+pyc", t.path, os.path.join(cwd, f"pyc-{t.name}"))
                child_cpu([sys.executable, "-m", "compileall", "-q", os.path.join(t.path, "pyic")],
                          cached.env(), cwd)     # warms the cache
                trees.append(cached)
        if args.pywasm and subprocess.run([sys.executable, "-c", "import pywasm"],
                                          capture_output=True).returncode != 0:
            progress("pywasm is missing (pip install pywasm==2.2.3): no ratios")
            args.pywasm = False
        report: dict = {"command": "python -m tools.startup " + shlex.join(
            argv if argv is not None else sys.argv[1:]),
            "trees": [t.name for t in trees], "pywasm": args.pywasm,
            "python": sys.version.split()[0]}
        report["baseline"] = baseline(trees, cwd, args.repeat)
        tables = [("kit", bench_kit, args.kit), ("split", split_table, args.split),
                  ("canister", canister_table, bool(args.canister) and args.canister_cli),
                  ("imports", import_table, args.imports > 0)]
        failures = []
        for key, table, wanted in tables:
            if not wanted:
                continue
            try:
                report[key] = table(args, trees, cwd, progress)
            except StartupError as e:     # the other tables are still measured and shown
                failures.append(str(e))
                print(f"FAILED: {e}", file=sys.stderr)
        report["failures"] = failures
    if args.json:
        text = json.dumps(report, indent=1)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    if args.json != "-":
        print(markdown(report))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
