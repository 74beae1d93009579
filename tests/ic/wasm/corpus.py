"""Runs a scripted canister test of ../shared/canisters (``expected_calls.json``,
schema ``motoko-corpus/expected_calls/v1``, see that folder's README.md) on
`pyic.testing.PocketIC` and reports, per step, whether it passed."""

from __future__ import annotations

from pathlib import Path

import json
import os
import time

from attrs import define, field

from pyic.candid import Principal
from pyic.errors import Reject
from pyic.testing import PocketIC

# The shared test material (suites, bench kit, canisters): $PYIC_SHARED, set by the
# repository's conftest.py to ../shared beside the checkout unless given.
SHARED = os.environ.get("PYIC_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")

CORPUS = SHARED + "/canisters"
BUILDS = ("eop", "classic")


def canister_names() -> list:
    if not os.path.isdir(CORPUS):
        return []
    return sorted(n for n in os.listdir(CORPUS)
                  if os.path.exists(os.path.join(CORPUS, n, "expected_calls.json")))


def load_script(name: str) -> dict:
    with open(os.path.join(CORPUS, name, "expected_calls.json")) as f:
        return json.load(f)


def instruction_counts(name: str, build: str) -> dict:
    """step number -> instructions measured by the corpus's authors (wasmtime fuel)."""
    path = os.path.join(CORPUS, name, "instruction_counts.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    return {e["step"]: e["instructions"] for e in data.get("builds", {}).get(build, [])}


@define
class StepResult:
    index: int
    op: str
    method: str | None
    passed: bool
    detail: str
    seconds: float
    instructions: int
    expected_instructions: int | None = None


@define
class Run:
    name: str
    build: str
    results: list = field(factory=list)

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r.passed]


def _check(expect: dict, outcome) -> tuple[bool, str]:
    """Whether ``outcome`` (reply bytes or a `Reject`) meets ``expect``."""
    if "reply_hex" in expect:
        if isinstance(outcome, Reject):
            return False, f"rejected ({outcome.reject_code}) {outcome.message}"
        ok = outcome.hex() == expect["reply_hex"]
        return ok, "" if ok else f"reply {outcome.hex()} != {expect['reply_hex']}"
    if "reject_code" in expect:
        if not isinstance(outcome, Reject):
            return False, f"replied {outcome.hex() if isinstance(outcome, bytes) else outcome}"
        ok = outcome.reject_code == expect["reject_code"] and \
            expect.get("message_contains", "") in outcome.message
        return ok, "" if ok else f"rejected ({outcome.reject_code}) {outcome.message}"
    if "reply_nat_range" in expect:
        from pyic.candid import decode
        if isinstance(outcome, Reject):
            return False, f"rejected {outcome.message}"
        value = decode(outcome)[0]
        lo, hi = (int(x) for x in expect["reply_nat_range"])
        return lo <= value <= hi, f"value {value}"
    if "reply_text_contains" in expect:
        from pyic.candid import decode
        if isinstance(outcome, Reject):
            return False, f"rejected {outcome.message}"
        value = decode(outcome)[0]
        return expect["reply_text_contains"] in value, f"value {value!r}"
    if expect.get("ok", True):
        return not isinstance(outcome, Reject), \
            outcome.message if isinstance(outcome, Reject) else ""
    return False, f"unknown expectation {expect}"


def run_script(name: str, build: str, *, skip=lambda step, expected: False) -> Run:
    """Run every step of ``name``'s script on the ``build`` ("eop" | "classic") module.

    ``skip(step, expected_instructions)`` may skip call steps (e.g. heavy ones)."""
    script = load_script(name)
    counts = instruction_counts(name, build)
    pic = PocketIC()
    ids = {}
    wasm = {}
    for key, c in script["canisters"].items():
        path = os.path.join(CORPUS, name, c["wasm"] if build == "eop" else c["wasm_classic"])
        with open(path, "rb") as f:
            wasm[key] = f.read()
        controllers = c["controllers"]
        cid = pic.create_canister(settings={"controllers": controllers},
                                  cycles=int(c["initial_cycles"]), sender=controllers[0],
                                  specified_id=Principal.from_text(c["canister_id"]))
        ids[key] = cid
    run = Run(name, build)
    for i, step in enumerate(script["steps"]):
        op = step["op"]
        expect = step.get("expect") or step.get("expect_by_build", {}).get(build) or {}
        expected_count = counts.get(i)
        if op == "call" and skip(step, expected_count):
            continue
        key = step.get("canister", "main")
        cid = ids.get(key)
        module_before = _instructions(pic, cid)
        t = time.perf_counter()
        sender = step.get("sender", script.get("default_sender"))
        try:
            arg = bytes.fromhex(step.get("arg_hex", script["canisters"][key]["init_arg_hex"]))
            if op == "install":
                pic.install_code(cid, wasm[key], arg, sender=sender)
                outcome = b""
            elif op == "reinstall":
                pic.reinstall_code(cid, wasm[key], arg, sender=sender)
                outcome = b""
            elif op == "upgrade":
                opts = step.get("upgrade_options", {}).get(build, {})
                pic.upgrade_canister(cid, wasm[key], arg, sender=sender,
                                     wasm_memory_persistence=opts.get("wasm_memory_persistence"),
                                     skip_pre_upgrade=opts.get("skip_pre_upgrade"))
                outcome = b""
            elif op == "call":
                f = pic.update_call if step["kind"] == "update" else pic.query_call
                outcome = f(cid, step["method"], arg, sender=sender)
            elif op == "advance_time":
                pic.advance_time(int(step["nanos"]))
                outcome = b""
            elif op == "tick":
                pic.tick(int(step.get("rounds", 1)))
                outcome = b""
            else:
                run.results.append(StepResult(i, op, None, False, f"unknown op {op}", 0, 0))
                continue
        except Reject as r:
            outcome = r
        passed, detail = _check(expect, outcome)
        run.results.append(StepResult(i, op, step.get("method"), passed, detail,
                                      time.perf_counter() - t,
                                      _instructions(pic, cid) - module_before, expected_count))
    return run


def _instructions(pic, cid) -> int:
    """Instructions the canister's module instances executed so far (0 if unknown)."""
    from pyic.testing import to_principal_bytes
    c = pic.ic.state.canisters.get(to_principal_bytes(cid))
    module = c.can_state.module if c is not None and c.can_state is not None else None
    return getattr(module, "instructions_executed", 0)
