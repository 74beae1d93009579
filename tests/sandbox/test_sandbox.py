"""Sandboxed canisters (pyic.sandbox): a dead sandbox is a trap and the IC goes on;
the address-space limit is a trap; idle sandboxes are evicted and restart from
the state of the next call; the proxy is the `WasmCanister` boundary again."""

from __future__ import annotations

import os
import signal
import threading
import time

import attrs
import pytest

from pyic.errors import Reject
from pyic.ic.machine import IC
from pyic.sandbox import configure
from pyic.sandbox.proxy import SandboxedCanister
from pyic.testing import PocketIC, to_principal_bytes


def u32(n: int) -> bytes:
    return n.to_bytes(4, "little")


def sandboxed_pic(**limits) -> PocketIC:
    return PocketIC(ic=IC(cfg=configure(IC().cfg, "process", **limits)))


def module_of(pic, cid) -> SandboxedCanister:
    module = pic.ic.state.canisters[to_principal_bytes(cid)].can_state.module
    assert isinstance(module, SandboxedCanister)
    return module


def install(pic, wasm) -> object:
    cid = pic.create_canister()
    pic.add_cycles(cid, 10**15)
    pic.install_code(cid, wasm, b"")
    return cid


@pytest.mark.parametrize("launcher", [True, False], ids=["forked", "started"])
def test_a_sandbox_killed_during_an_update_is_a_trap_and_the_state_stays(spin_wasm, launcher):
    pic = sandboxed_pic(launcher=launcher)
    cid = install(pic, spin_wasm)
    assert pic.update_call(cid, "bump", b"") == u32(1)
    module = module_of(pic, cid)
    pid = module.pid
    # Kill the sandbox once the endless update is surely running (its first bump done).
    timer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
    timer.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(Reject) as e:
            pic.update_call(cid, "forever", b"")
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 30
    assert e.value.reject_code == 5
    assert "sandbox process ended during execution (killed by SIGKILL)" in e.value.message
    assert e.value.error_code == "IC0502"
    # The state is the one before the call (its bump undone); the next call works.
    assert pic.query_call(cid, "get", b"") == u32(1)
    assert pic.update_call(cid, "bump", b"") == u32(2)
    assert module.pid not in (None, pid)
    assert module.sandboxes_started == 2


def test_memory_past_the_address_space_limit_is_a_trap_not_a_crash(spin_wasm):
    pic = sandboxed_pic(address_space=512 << 20)
    cid = install(pic, spin_wasm)
    other = install(pic, spin_wasm)
    assert pic.update_call(cid, "bump", b"") == u32(1)
    with pytest.raises(Reject) as e:
        pic.update_call(cid, "grow", u32(16_384))        # 1 GiB, a byte on every page
    assert e.value.reject_code == 5
    assert "out of memory" in e.value.message or "sandbox process ended" in e.value.message
    assert pic.query_call(cid, "get", b"") == u32(1)
    assert pic.update_call(cid, "grow", u32(16)) == u32(2)     # 1 MiB is fine
    assert pic.update_call(other, "bump", b"") == u32(1)


def test_least_recently_used_sandboxes_are_evicted_and_restart_from_the_state(spin_wasm):
    pic = sandboxed_pic(max_sandboxes=2)
    ids = [install(pic, spin_wasm) for _ in range(3)]
    for round_ in (1, 2):
        for cid in ids:
            assert pic.update_call(cid, "bump", b"") == u32(round_)
    live = [module_of(pic, cid).pid for cid in ids]
    assert sum(pid is not None for pid in live) == 2
    assert live[0] is None                                   # the least recently used
    assert pic.query_call(ids[0], "get", b"") == u32(2)      # restarted from its state
    assert module_of(pic, ids[0]).sandboxes_started >= 2


def test_a_sandbox_that_died_idle_restarts_without_a_trap(spin_wasm):
    pic = sandboxed_pic()
    cid = install(pic, spin_wasm)
    assert pic.update_call(cid, "spin", u32(1000)) == u32(1)
    os.kill(module_of(pic, cid).pid, signal.SIGKILL)
    time.sleep(0.2)
    assert pic.update_call(cid, "bump", b"") == u32(2)


def test_the_instruction_limit_and_counts_are_those_of_in_process_mode(spin_wasm):
    results = {}
    for mode in ("none", "process"):
        pic = PocketIC(ic=IC(cfg=attrs.evolve(IC().cfg, max_instructions_per_message=100_000),
                             sandbox=mode))
        cid = install(pic, spin_wasm)
        module = pic.ic.state.canisters[to_principal_bytes(cid)].can_state.module
        counts = []
        for n in (0, 10, 1000, 100_000):
            before = module.instructions_executed
            try:
                outcome = pic.update_call(cid, "spin", u32(n))
            except Reject as r:
                outcome = (r.reject_code, r.message, r.error_code)
            counts.append((outcome, module.instructions_executed - before))
        results[mode] = (counts, pic.get_cycles_balance(cid))
    assert results["none"] == results["process"]
    assert results["none"][0][-1][0][2] == "IC0522"


def test_what_a_sandbox_process_is_confined_to(spin_wasm):
    pic = sandboxed_pic(address_space=1 << 30, cpu_seconds=600)
    cid = install(pic, spin_wasm)
    pid = module_of(pic, cid).pid
    with open(f"/proc/{pid}/environ", "rb") as f:
        assert f.read() == b""
    assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]   # 2 is /dev/null
    assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
    with open(f"/proc/{pid}/limits") as f:
        limits = {line[:26].strip(): line[26:].split() for line in f if line[:26].strip()}
    assert limits["Max address space"][:2] == [str(1 << 30)] * 2
    assert limits["Max cpu time"][:2] == ["600", "601"]
    assert limits["Max open files"][:2] == ["16", "16"]
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f)
    seccomp = _seccomp_binding()
    assert status["Seccomp"].strip() == ("2" if seccomp else "0")
    assert status["NoNewPrivs"].strip() == ("1" if seccomp else "0")


def _seccomp_binding() -> bool:
    import subprocess
    import sys

    from pyic.sandbox.worker import DEBIAN_DIST_PACKAGES
    code = f"import sys; sys.path.append({DEBIAN_DIST_PACKAGES!r}); import seccomp"
    return subprocess.run([sys.executable, "-I", "-c", code], check=False,
                          capture_output=True).returncode == 0


def test_a_parallel_round_gives_the_results_of_a_sequential_one():
    from bench_parallel import one_round   # beside this file: pytest imports from here
    in_process = one_round("none", 1, 4, 200_000, 0)
    parallel = one_round("process", 2, 4, 200_000, 4)
    assert parallel[1:4] == in_process[1:4]
    assert parallel[4]["hits"] == 3 and parallel[4]["misses"] == 0
    evicting = one_round("process", 2, 4, 200_000, 2)
    assert evicting[1:4] == in_process[1:4]


def test_a_speculation_that_no_longer_matches_is_thrown_away(spin_wasm):
    from pyic.ic import scheduler
    from pyic.sandbox import parallel
    counts = {}
    for mode in ("none", "process"):
        pic = PocketIC(sandbox=mode) if mode == "none" else sandboxed_pic(parallelism=2)
        a, b = install(pic, spin_wasm), install(pic, spin_wasm)
        ic = pic.ic
        sender = b"\x04" * 29
        ra = ic.submit(sender, to_principal_bytes(a), "spin", u32(1000))
        rb = ic.submit(sender, to_principal_bytes(b), "bump", b"")
        module_b = ic.state.canisters[to_principal_bytes(b)].can_state.module
        misses = parallel.STATS["misses"]
        if mode == "process":
            parallel.speculate(ic.state, ic.cfg, scheduler._step_message)
            assert module_b._pending is not None         # b's bump runs ahead
        # A query first: the bump computed ahead is not what b is asked now.
        assert pic.query_call(b, "get", b"") == u32(0)
        assert ic.await_request(ra).data == u32(1)
        assert ic.await_request(rb).data == u32(1)
        if mode == "process":
            assert parallel.STATS["misses"] == misses + 1
        counts[mode] = (module_b.instructions_executed, pic.get_cycles_balance(b))
    assert counts["none"] == counts["process"]


def test_a_sandboxed_ic_saves_and_loads(spin_wasm, tmp_path):
    pic = sandboxed_pic()
    cid = install(pic, spin_wasm)
    assert pic.update_call(cid, "bump", b"") == u32(1)
    pic.ic.save(str(tmp_path / "state.db"))
    loaded = PocketIC(ic=IC.load(str(tmp_path / "state.db")))
    assert loaded.query_call(cid, "get", b"") == u32(1)
    assert loaded.update_call(cid, "bump", b"") == u32(2)
