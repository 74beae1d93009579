"""One running replica: the IC, the lock that serialises access to it, its
clock, the background rounds, the certifier, and where its state is kept.

Everything the HTTP endpoints do to the IC goes through `Replica`; the state
store is used in `_Persistence` only, so moving to another store touches one
class.  The IC is single-threaded: every read or change of ``ic.state`` holds
``lock``.  States are immutable, so a snapshot taken under the lock can be read
after it is released (certificates are built that way).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time as _time

from ..ic import scheduler
from ..ic.machine import IC
from ..ic.rules import ingress
from ..ic.state import Processing, Received, Request, S
from .certifier import Deferred, certify_paths, content_of, full_tree
from .keys import Keys, derive
from .request_id import request_id as hash_content

ROUND_PAUSE_BUSY = 0.01     # seconds between rounds while messages are pending
ROUND_PAUSE_IDLE = 0.5      # between rounds otherwise (heartbeats, timers, time)
SAVE_INTERVAL = 1.0         # seconds between saves of a changed state


def wall_time_ns() -> int:
    return _time.time_ns()


class _Persistence:
    """The state store (`pyic.ic.store`); none for an in-memory replica.

    ``pyic canister`` may change the same store while the replica runs (one
    transaction per command).  The store's save generation tells: before each
    operation the replica reloads a state someone else saved, and a save of its
    own is dropped (and the other state loaded) if someone saved since the
    replica last loaded or saved, so neither overwrites the other."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._store = None
        self._generation: str | None = None
        if path is not None:
            from ..ic.store import Store
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._store = Store.open(path, create=True)
            # A second connection only reads the generation, outside the store's
            # transactions (WAL: it sees the last committed save).
            self._watch = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def _current(self) -> str:
        from ..ic.store import schema
        return schema.generation(self._watch)

    def load(self) -> IC:
        if self._store is None:
            return IC()
        # Under the write lock, so no save lands between the load and reading
        # the generation it came from.
        self._store.begin(write=True)
        try:
            ic = self._store.load_ic()
            self._generation = self._current()
        except BaseException:
            self._store.rollback()
            raise
        self._store.commit()        # nothing written; keeps what the store knows it holds
        return ic

    def changed_elsewhere(self) -> bool:
        return self._store is not None and self._current() != self._generation

    def save(self, ic: IC) -> bool:
        """Save ``ic``; False (nothing written) if another process saved first."""
        if self._store is None:
            return True
        self._store.begin(write=True)
        try:
            if self._current() != self._generation:     # stable: we hold the write lock
                self._store.rollback()
                return False
            self._store.save_ic(ic)
        except BaseException:
            self._store.rollback()
            raise
        self._store.commit()
        self._generation = self._current()
        return True

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._watch.close()


class Replica:
    """A pyic IC served over HTTP."""

    def __init__(self, state_path: str | None = None, clock: str = "wall",
                 sign_queries: bool = True, ic: IC | None = None) -> None:
        if clock not in ("wall", "frozen"):
            raise ValueError(f"clock must be 'wall' or 'frozen', not {clock!r}")
        self.clock = clock
        self.sign_queries = sign_queries
        self.lock = threading.RLock()
        self._persistence = _Persistence(state_path)
        self.ic = ic if ic is not None else self._persistence.load()
        self.keys: Keys = derive(self.ic.state.seed)
        self.reloads = 0            # states another process saved, taken over
        # Request ids as the requests arrived (a content map may carry fields a
        # `Request` does not keep, e.g. an empty nonce); others are recomputed.
        self._request_ids: dict[Request, bytes] = {}
        self._requests_by_id: dict[bytes, Request] = {}
        self.ic.certifier = self.data_certificate
        self._tree_cache: tuple | None = None
        self._data_certificates: tuple = (None, {})
        self._saved_state: S | None = self.ic.state
        self._last_save = _time.monotonic()
        self._stop = threading.Event()
        # Set by a submission, so an idle loop runs the next round at once rather
        # than after its idle pause.
        self._work = threading.Event()
        self._thread: threading.Thread | None = None
        self.sync_time()

    # ---------------------------------------------------------------- time and rounds

    def _follow_store(self) -> None:
        """Take over the state another process (``pyic canister``) saved."""
        if self._persistence.changed_elsewhere():
            self._reload()

    def _reload(self) -> None:
        self.ic = self._persistence.load()
        self.ic.certifier = self.data_certificate
        self._saved_state = self.ic.state
        self.reloads += 1

    def now(self) -> int:
        """The time requests are judged by (ingress expiry, delegations)."""
        return wall_time_ns() if self.clock == "wall" else self.ic.time

    def sync_time(self) -> None:
        """With the wall clock: the IC's time catches up with it (never goes back)."""
        if self.clock == "wall":
            with self.lock:
                t = wall_time_ns()
                if t > self.ic.time:
                    self.ic.set_time(t)

    def round(self) -> None:
        """One round: time moves on, system tasks, then messages.  A round that
        ran messages is saved at once (only time passing may wait)."""
        with self.lock:
            self._follow_store()
            busy = self.busy()
            step = max(0, wall_time_ns() - self.ic.time) if self.clock == "wall" else 0
            self.ic.state = scheduler.tick(self.ic.state, self.ic.cfg, time_step=step)
            if busy:
                self.save()

    def busy(self) -> bool:
        s = self.ic.state
        return bool(s.messages) or any(isinstance(e[0], (Received, Processing))
                                       for e in s.requests.values())

    def start(self) -> None:
        """Run rounds in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="pyic-rounds", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
                self.maybe_save()
            except Exception as e:  # noqa: BLE001 - a failing round must not kill the server
                print(f"pyic replica: round failed: {type(e).__name__}: {e}", file=sys.stderr)
                self._stop.wait(1.0)
            with self.lock:
                pause = ROUND_PAUSE_BUSY if self.busy() else ROUND_PAUSE_IDLE
            self._work.wait(pause)
            self._work.clear()

    def stop(self) -> None:
        self._stop.set()
        self._work.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.save()
        self._persistence.close()

    def maybe_save(self) -> None:
        if _time.monotonic() - self._last_save >= SAVE_INTERVAL:
            self.save()
            self._forget_removed_requests()

    def _forget_removed_requests(self) -> None:
        """Drop the ids of requests the IC has removed (past their expiry)."""
        with self.lock:
            requests = self.ic.state.requests
            for r in [r for r in self._request_ids if r not in requests]:
                self._requests_by_id.pop(self._request_ids.pop(r), None)

    def save(self) -> None:
        with self.lock:
            if self.ic.state is not self._saved_state:
                if self._persistence.save(self.ic):
                    self._saved_state = self.ic.state
                else:
                    # Someone saved first.  What is dropped is only time passing:
                    # submissions and rounds that ran messages were saved at once.
                    self._reload()
            self._last_save = _time.monotonic()

    # ---------------------------------------------------------------- requests

    def request_id(self, request: Request) -> bytes:
        rid = self._request_ids.get(request)
        return rid if rid is not None else hash_content(content_of(request))

    def find_request(self, rid: bytes) -> tuple[Request, tuple] | None:
        """The request known by ``rid`` and its ``(status, effective id)``."""
        with self.lock:
            requests = self.ic.state.requests
            r = self._requests_by_id.get(rid)
            if r is not None and r in requests:
                return r, requests[r]
            for r, entry in requests.items():
                if self.request_id(r) == rid:
                    return r, entry
        return None

    def submit(self, request: Request, rid: bytes, effective_canister_id: bytes,
               subnet: bool = False) -> None:
        """"API Request submission" (then "Initiating canister calls"); raises
        `ingress.RequestRefused`.  ``subnet``: sent to
        ``/api/v4/subnet/<effective_canister_id>/call``, so the id is a subnet's.
        Submitting a request the IC already has is harmless: nothing happens.
        Another content map that is the same `Request` (an empty nonce where the
        first had none, a field `Request` does not keep) has another request id,
        whose status pyic could never certify: the IC refuses it as a duplicate
        rather than accept it silently."""
        with self.lock:
            self._follow_store()
            self.sync_time()
            if request in self.ic.state.requests and self.request_id(request) == rid:
                return
            if subnet:
                state = ingress.submit_subnet_request(self.ic.state, request,
                                                      effective_canister_id)
            else:
                state = ingress.submit_request(self.ic.state, request, effective_canister_id,
                                               self.ic.cfg)
            self._request_ids[request] = rid
            self._requests_by_id[rid] = request
            self.ic.state = ingress.initiate_canister_call(state, request) or state
            self.save()
        self._work.set()

    def await_final(self, request: Request, timeout: float) -> bool:
        """Run rounds until ``request`` is replied, rejected or done, at most
        ``timeout`` seconds; whether it got there."""
        deadline = _time.monotonic() + timeout
        while True:
            with self.lock:
                entry = self.ic.state.requests.get(request)
                if entry is not None and not isinstance(entry[0], (Received, Processing)):
                    return True
                if _time.monotonic() >= deadline:
                    return False
                self.round()

    def query(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
              sender_info: tuple | None = None):
        with self.lock:
            self._follow_store()
            self.sync_time()
            return self.ic.query_call(sender, canister_id, method, arg, sender_info)

    def snapshot(self) -> S:
        with self.lock:
            self._follow_store()
            self.sync_time()
            return self.ic.state

    # ---------------------------------------------------------------- certification

    def certify(self, state: S, paths) -> bytes:
        """A certificate revealing ``paths`` (and ``/time``) of ``state``'s tree.
        The last state's tree is kept: polls between two rounds reuse it."""
        cached = self._tree_cache
        if cached is not None and cached[0] is state:
            tree = cached[1]
        else:
            tree = full_tree(state, self.request_id)
            self._tree_cache = (state, tree)
        return certify_paths(state, paths, self.request_id, tree)

    def data_certificate(self, state: S, canister_id: bytes) -> Deferred:
        """The certificate ``ic0.data_certificate_copy`` returns in a
        non-replicated query (canister-interface.md "Certified data"), made when
        the canister reads it; queries between two rounds share it."""
        cached = self._data_certificates
        if cached[0] is not state:
            cached = self._data_certificates = (state, {})
        cert = cached[1].get(canister_id)
        if cert is None:
            cert = Deferred(lambda: self.certify(state, [[b"canister", canister_id,
                                                          b"certified_data"]]))
            cached[1][canister_id] = cert
        return cert
