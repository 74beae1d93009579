"""``pyic canister`` as separate processes sharing one state directory: concurrent
calls lose no update, SIGKILL at any moment leaves the last committed state,
Ctrl-C commits nothing (with a live progress line on a terminal), and a call's
cost does not grow with the number of installed canisters."""

from __future__ import annotations

import os
import pty
import random
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pyic.cli.main import cli

SHARED = Path(os.environ.get("PYIC_SHARED") or Path(__file__).resolve().parents[3] / "shared")
COUNTER = SHARED / "canisters" / "counter" / "counter.classic.wasm"
EMPTY_ARGS = b"DIDL\x00\x00"
# SIGKILLs in the kill test (the issue asks for 200: PYIC_CLI_KILLS=200 runs them, ~3 min).
KILLS = int(os.environ.get("PYIC_CLI_KILLS", "50"))
SPIN = """(module (func (export "canister_update spin") (loop $l (br $l)))
                  (func (export "canister_query hello")))"""


def pyic(state, *args) -> list[str]:
    return [sys.executable, "-m", "pyic", "canister", "--state", str(state), *args]


@pytest.fixture(scope="module", autouse=True)
def compiled_once(tmp_path_factory):
    """The processes keep compiled bytecode as an installed pyic does (in a folder of
    the test's, not beside the sources): without it each spends ~0.25 s compiling."""
    saved = {k: os.environ.get(k) for k in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")}
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def ok(state, *args):
    r = CliRunner().invoke(cli, ["canister", "--state", str(state), *args])
    assert r.exit_code == 0, (args, r.output)
    return r.stdout.strip()


def counter_state(state, canisters: int = 1) -> str:
    if not COUNTER.exists():
        pytest.fail(f"the counter canister is missing: {COUNTER} (set PYIC_SHARED)")
    ids = []
    for _ in range(canisters):
        ids.append(ok(state, "create"))
        ok(state, "install", ids[-1], str(COUNTER))
    return ids[0]


def committed_incs(state, cid: str) -> int:
    """The counter as the store holds it, checked against the replied ``inc`` requests
    stored with it (both are written by the same transaction)."""
    from pyic.ic.state import Replied
    from pyic.ic.store import Store
    from pyic.testing import PocketIC
    with Store.open(str(Path(state) / "state.db")) as store:
        pic = PocketIC(ic=store.load_ic())
    reply = pic.query_call(cid, "get", EMPTY_ARGS)
    assert reply[:7] == b"DIDL\x00\x01}" and len(reply) == 8, reply   # nat < 128
    replied = sum(1 for r, (s, _) in pic.ic.state.requests.items()
                  if r.method_name == "inc" and isinstance(s, Replied))
    assert reply[7] == replied, (reply[7], replied)
    return reply[7]


def test_concurrent_calls_lose_no_update(tmp_path):
    """8 processes at once, each making 5 ``call inc`` commands one after another."""
    state = tmp_path / "st"
    cid = counter_state(state)
    failures = []

    def worker() -> None:
        for _ in range(5):
            p = subprocess.run(pyic(state, "call", cid, "inc"), capture_output=True, timeout=120,
                               check=False)
            if p.returncode != 0 or p.stdout != b"()\n":
                failures.append((p.returncode, p.stdout, p.stderr))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert committed_incs(state, cid) == 40


def test_sigkill_at_random_moments_leaves_the_last_commit(tmp_path):
    state = tmp_path / "st"
    cid = counter_state(state)
    # Kill moments spread over a little more than one call takes, so that some
    # calls are killed at every stage (start-up, waiting, running, committing) and
    # some complete.
    span = 1.5 * max(_call_seconds(state, cid) for _ in range(2))
    rng = random.Random(12)
    value = reported = 2
    outcomes = {"replied": 0, "killed": 0, "killed after its commit": 0}
    for _ in range(KILLS):
        p = subprocess.Popen(pyic(state, "call", cid, "inc"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, span))
        p.send_signal(signal.SIGKILL)
        out, err = p.communicate()
        now = committed_incs(state, cid)          # the store opens, consistent
        if p.returncode == 0:
            assert out == b"()\n", err
            reported += 1
            assert now == value + 1
            outcomes["replied"] += 1
        else:
            assert p.returncode == -signal.SIGKILL, (p.returncode, err)
            assert now in (value, value + 1)
            outcomes["killed" if now == value else "killed after its commit"] += 1
        value = now
    # The counter is the calls that reported success, plus those killed between
    # their commit and their report.
    assert value == reported + outcomes["killed after its commit"]
    print(f"{KILLS} kills: {outcomes}")
    assert outcomes["replied"] > 0 and outcomes["killed"] > 0


def _state_facts(state) -> tuple:
    from pyic.ic.store import Store
    with Store.open(str(Path(state) / "state.db")) as store:
        ic = store.load_ic()
    c = next(iter(ic.state.canisters.values()))
    return len(ic.state.requests), c.balance, len(c.canister_logs), ic.time


def test_ctrl_c_commits_nothing_and_a_terminal_shows_progress(tmp_path):
    wat = tmp_path / "spin.wat"
    wat.write_text(SPIN)
    state = tmp_path / "st"
    cid = ok(state, "create")
    ok(state, "install", cid, str(wat))
    before = _state_facts(state)
    master, slave = pty.openpty()                 # stderr a terminal: the progress line
    p = subprocess.Popen(pyic(state, "call", cid, "spin"), stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    while b"Ctrl-C aborts" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            seen += os.read(master, 4096)
    assert b"spin: " in seen and b" s" in seen and b"Ctrl-C aborts" in seen, seen
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert p.returncode == 130, seen
    assert b"pyic: interrupted; nothing was committed" in seen
    assert _state_facts(state) == before


def _call_seconds(state, cid: str) -> float:
    began = time.monotonic()
    p = subprocess.run(pyic(state, "call", cid, "inc"), capture_output=True, check=False)
    assert p.returncode == 0, p.stderr
    return time.monotonic() - began


def test_a_call_costs_about_the_same_with_eight_canisters(tmp_path):
    one, eight = tmp_path / "one", tmp_path / "eight"
    cid = counter_state(one)
    assert counter_state(eight, canisters=8) == cid
    times = {"one": [], "eight": []}
    for _ in range(3):                    # alternating, the best of three (shared machines)
        times["one"].append(_call_seconds(one, cid))
        times["eight"].append(_call_seconds(eight, cid))
    ratio = min(times["eight"]) / min(times["one"])
    print(f"call inc: one canister {min(times['one']):.3f} s, eight {min(times['eight']):.3f} s,"
          f" ratio {ratio:.2f}")
    assert ratio < 2.0


def test_ctrl_c_while_waiting_for_another_commands_lock(tmp_path):
    from pyic.ic.store import Store
    state = tmp_path / "st"
    cid = ok(state, "create")
    holder = Store.open(str(state / "state.db"))
    holder.begin()                                # another command's write lock
    try:
        p = subprocess.Popen(pyic(state, "call", cid, "nope"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(2.0)
        assert p.poll() is None                   # still waiting for the lock
        interrupted = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        waited = time.monotonic() - interrupted
    finally:
        holder.rollback()
        holder.close()
    assert p.returncode == 130 and b"nothing was committed" in err, err
    assert waited < 10, waited                    # not the 60 s lock timeout
