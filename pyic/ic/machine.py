"""An IC instance: the current state ``S``, the subnet's configuration, and the
operations users (the testing API, the CLI) perform on it.

Persistence is atomic: `save` writes a new file beside the old one, flushes it
to disk and renames it over the old one, so a crash leaves the last committed
state intact.  Canister modules are not stored; they are parsed again from
each canister's raw module when the state is loaded.
"""

from __future__ import annotations

import os
import pickle
import tempfile

from attrs import evolve

from ..errors import ICError
from . import scheduler
from .canister import Reject, Reply
from .costs import DEFAULT, SubnetConfig
from .rules import ingress, queries
from .rules.ingress import RequestRefused
from .state import (
    IC_PRINCIPAL, Done, Processing, Received, Rejected, Replied, Request, S, replace_in,
)

# 2025-01-01T00:00:00Z, the default start of time (deterministic, not the wall clock).
DEFAULT_START_TIME = 1_735_689_600_000_000_000
STATE_FORMAT = 1


class IC:
    """One IC subnet, run deterministically."""

    def __init__(self, cfg: SubnetConfig = DEFAULT, time: int = DEFAULT_START_TIME,
                 seed: bytes = b"pyic") -> None:
        self.cfg = cfg
        self.state = S(system_time=time, seed=seed)
        self._nonce = 0

    # ---------------------------------------------------------------- time and rounds

    def tick(self) -> None:
        self.state = scheduler.tick(self.state, self.cfg)

    def advance_time(self, nanos: int) -> None:
        self.state = scheduler.advance_all_time(self.state, nanos, self.cfg)

    def set_time(self, t: int) -> None:
        if t < self.state.system_time:
            raise ICError(f"time cannot go back: {t} < {self.state.system_time}")
        self.state = scheduler.set_all_time(self.state, t, self.cfg)

    @property
    def time(self) -> int:
        return self.state.system_time

    # ---------------------------------------------------------------- calls

    def submit(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
               effective_canister_id: bytes | None = None) -> Request:
        """Submit an ingress update call; `Reject` if the IC refuses it."""
        self._nonce += 1
        request = Request(nonce=self._nonce.to_bytes(8, "big"),
                          ingress_expiry=self.state.system_time + 300_000_000_000,
                          sender=sender, canister_id=canister_id, method_name=method, arg=arg)
        if effective_canister_id is None:
            effective_canister_id = canister_id if canister_id != IC_PRINCIPAL \
                else _effective_canister_id(method, arg)
        try:
            self.state = ingress.submit_request(self.state, request, effective_canister_id,
                                                self.cfg)
        except RequestRefused as r:
            raise_reject(Reject(r.code, r.message, r.error_code))
        self.state = ingress.initiate_canister_call(self.state, request) or self.state
        return request

    def await_request(self, request: Request, max_rounds: int = 100):
        """Run the IC until ``request`` is answered; returns the `Reply` or `Reject`."""
        for _ in range(max_rounds):
            self.state = scheduler.run_until_idle(
                self.state, self.cfg, max_rounds=1,
                done=lambda s: _answered(s, request))
            status = self.request_status(request)
            if isinstance(status, Replied):
                return Reply(status.data)
            if isinstance(status, Rejected):
                return Reject(status.code, status.message, status.error_code)
            self.tick()
        raise ICError("the call did not complete within "
                      f"{max_rounds} rounds (is a canister waiting on itself?)")

    def update_call(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
                    effective_canister_id: bytes | None = None):
        """Submit and wait: the `Reply` or `Reject` of an ingress update call."""
        try:
            request = self.submit(sender, canister_id, method, arg, effective_canister_id)
        except _RejectRaised as r:
            return r.reject
        return self.await_request(request)

    def query_call(self, sender: bytes, canister_id: bytes, method: str, arg: bytes):
        """A query call: the `Reply` or `Reject`; only ``query_stats`` change."""
        if canister_id == IC_PRINCIPAL:
            from .management import query as management_query
            return management_query(self.state, sender, method, arg, self.cfg)
        from .management import management_canister_query
        response, self.state = queries.query_call(self.state, sender, canister_id, method, arg,
                                                  self.cfg, management_canister_query)
        return response

    def request_status(self, request: Request):
        entry = self.state.requests.get(request)
        return entry[0] if entry is not None else None

    # ---------------------------------------------------------------- persistence

    def save(self, path: str) -> None:
        """Write the state to ``path`` atomically."""
        canisters = {
            cid: evolve(c, can_state=evolve(c.can_state, module=None)) if c.can_state else c
            for cid, c in self.state.canisters.items()}
        blob = pickle.dumps({"format": STATE_FORMAT, "cfg": self.cfg, "nonce": self._nonce,
                             "state": evolve(self.state, canisters=canisters)},
                            protocol=pickle.HIGHEST_PROTOCOL)
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".pyic-state-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str) -> "IC":
        try:
            with open(path, "rb") as f:
                data = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
            raise ICError(f"cannot read IC state from {path}: {e}") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ICError(f"{path} is not a pyic state file of format {STATE_FORMAT}")
        ic = cls(data["cfg"])
        ic._nonce = data["nonce"]
        state = data["state"]
        from .management.code import parse_for_subnet
        canisters = {}
        for cid, c in state.canisters.items():
            if c.can_state is not None:
                parsed = parse_for_subnet(c.can_state.raw_module, ic.cfg)
                c = evolve(c, can_state=evolve(c.can_state, module=parsed.module))
            canisters[cid] = c
        ic.state = evolve(state, canisters=canisters)
        return ic


class _RejectRaised(Exception):
    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.message)
        self.reject = reject


def raise_reject(reject: Reject) -> None:
    raise _RejectRaised(reject)


def _answered(state: S, request: Request) -> bool:
    entry = state.requests.get(request)
    return entry is not None and not isinstance(entry[0], (Received, Processing, Done))


def _effective_canister_id(method: str, arg: bytes) -> bytes:
    """The effective canister id of an ingress call to the management canister:
    the ``canister_id`` (``target_canister``) in its argument, if it has one."""
    from .management.args import effective_canister_id
    return effective_canister_id(method, arg)


__all__ = ["IC", "replace_in", "DEFAULT_START_TIME"]
