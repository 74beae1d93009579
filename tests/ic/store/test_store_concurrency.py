"""Commands that run at once serialise (none loses another's update), and a
process killed at any moment leaves the last committed state."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import pytest
from store_helpers import EMPTY_ARGS, counter_value, counter_wasm

from pyic.ic.state import Replied
from pyic.ic.store import Store
from pyic.testing import PocketIC

spec = pytest.mark.spec
USER = b"\x04"
# fork: the children inherit the parsed counter module (parsing is cached by hash).
FORK = multiprocessing.get_context("fork")


def _store_with_counter(tmp_path, classic: bool) -> tuple[str, bytes]:
    pic = PocketIC()
    cid = pic.create_canister()
    pic.install_code(cid, counter_wasm(classic=classic), EMPTY_ARGS)
    path = str(tmp_path / "s.db")
    pic.save(path)
    return path, cid.bytes


def _incrementer(path: str, cid: bytes, calls: int, report) -> None:
    """Each call one command: load, ``inc``, save, in one transaction."""
    for _ in range(calls):
        with Store.transaction(path) as ic:
            reply = ic.update_call(USER, cid, "inc", EMPTY_ARGS)
            assert reply.data == EMPTY_ARGS, reply
        if report is not None:
            report.send(1)


@spec("The system state")
def test_concurrent_commands_lose_no_update(tmp_path):
    path, cid = _store_with_counter(tmp_path, classic=True)
    workers = [FORK.Process(target=_incrementer, args=(path, cid, 5, None)) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * 8
    with Store.open(path) as store:
        pic = PocketIC(ic=store.load_ic())
    assert counter_value(pic, cid) == 40
    inc = [s for r, (s, _) in pic.ic.state.requests.items() if r.method_name == "inc"]
    assert len(inc) == 40 and all(isinstance(s, Replied) for s in inc)


def _committed_incs(path: str, cid: bytes) -> int:
    """The counter, checked against the requests stored with it (one transaction each)."""
    with Store.open(path) as store:
        pic = PocketIC(ic=store.load_ic())
    value = counter_value(pic, cid)
    replied = sum(1 for r, (s, _) in pic.ic.state.requests.items()
                  if r.method_name == "inc" and isinstance(s, Replied))
    assert value == replied, (value, replied)
    return value


@spec("The system state")
def test_sigkill_at_random_moments_leaves_the_last_commit(tmp_path):
    path, cid = _store_with_counter(tmp_path, classic=True)
    rng = random.Random(12)
    reported = 0
    for _ in range(30):
        receive, send = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_incrementer, args=(path, cid, 10_000, send))
        child.start()
        send.close()
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        while receive.poll():
            try:
                reported += receive.recv()
            except EOFError:
                break
        receive.close()
        value = _committed_incs(path, cid)
        # Every reported commit is there; at most one more (killed before reporting it).
        assert reported <= value <= reported + 1
        reported = value
    assert reported > 0                             # the children did commit work


def _commit_and_hang(path: str, cid: bytes, report) -> None:
    """Commit one command and keep the store open (its log not folded back) until killed."""
    store = Store.open(path)
    store.begin()
    ic = store.load_ic()
    ic.update_call(USER, cid, "inc", EMPTY_ARGS)
    store.save_ic(ic)
    store.commit()
    report.send(1)
    time.sleep(60)


@spec("The system state")
def test_save_replaces_a_store_a_killed_process_left(tmp_path):
    """``IC.save`` over a store whose writer was killed (its log not yet folded back)
    leaves exactly the saved state, and no log of the old file beside the new one."""
    path, cid = _store_with_counter(tmp_path, classic=True)
    receive, send = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_commit_and_hang, args=(path, cid, send))
    child.start()
    send.close()
    receive.recv()                                   # committed, store still open
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    receive.close()
    assert os.path.exists(path + "-wal")             # what the killed writer left
    fresh = PocketIC()
    fresh.create_canister()
    fresh.save(path)
    assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0
    loaded = PocketIC.load(path)
    assert list(loaded.ic.state.canisters) == list(fresh.ic.state.canisters)
    assert loaded.ic.state.canisters[next(iter(fresh.ic.state.canisters))].can_state is None
