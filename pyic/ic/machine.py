"""An IC instance: the current state ``S``, the subnet's configuration, and the
operations users (the testing API, the CLI) perform on it.

Persistence is the state store's (`pyic.ic.store`, docs/state-format.md): an
SQLite database with no code in it; canisters' modules are parsed again from
their raw bytes when a state is loaded.
"""

from __future__ import annotations

import os

import attrs

from ..errors import ICError
from . import certification, scheduler
from .canister import RejectResponse, Reply
from .costs import DEFAULT, SubnetConfig
from .rules import ingress, queries
from .rules.ingress import RequestRefused
from .state import (
    IC_PRINCIPAL, Done, Processing, Received, Rejected, Replied, Request, S, replace_in,
)

# 2025-01-01T00:00:00Z, the default start of time (deterministic, not the wall clock).
DEFAULT_START_TIME = 1_735_689_600_000_000_000


class IC:
    """One IC subnet, run deterministically."""

    def __init__(self, cfg: SubnetConfig = DEFAULT, time: int = DEFAULT_START_TIME,
                 seed: bytes = b"pyic", sandbox: str | None = None, certifier=None,
                 tier: str | None = None) -> None:
        # ``sandbox``: "process" runs each canister in its own OS process, "none" in this
        # one; ``None``: as ``PYIC_SANDBOX`` says, else "none" (`pyic.sandbox`).
        # ``tier``: the Wasm execution tier of its canisters (`SubnetConfig.wasm_tier`).
        if tier is not None:
            cfg = attrs.evolve(cfg, wasm_tier=tier)
        if sandbox is not None or os.environ.get("PYIC_SANDBOX"):
            from ..sandbox import configure as with_sandbox
            cfg = with_sandbox(cfg, sandbox)
        self.cfg = cfg
        self.state = S(system_time=time, seed=seed)
        self._nonce = 0
        # ``certifier(S, canister_id)``: the certificate of the canister's certified
        # data a non-replicated query sees (``ic0.data_certificate_copy``); by default
        # signed with ``S.root_key`` (`pyic.ic.certification`), else the builder's own.
        self.certifier = certifier if certifier is not None else default_certifier

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
        """Submit an ingress update call; `RejectResponse` if the IC refuses it."""
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
            raise_reject(RejectResponse(r.code, r.message, r.error_code))
        self.state = ingress.initiate_canister_call(self.state, request) or self.state
        return request

    def await_request(self, request: Request, max_rounds: int = 100):
        """Run the IC until ``request`` is answered; returns the `Reply` or `RejectResponse`."""
        for _ in range(max_rounds):
            self.state = scheduler.run_until_idle(
                self.state, self.cfg, max_rounds=1,
                done=lambda s: _answered(s, request))
            status = self.request_status(request)
            if isinstance(status, Replied):
                return Reply(status.data)
            if isinstance(status, Rejected):
                return RejectResponse(status.code, status.message, status.error_code)
            self.tick()
        raise ICError("the call did not complete within "
                      f"{max_rounds} rounds (is a canister waiting on itself?)")

    def update_call(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
                    effective_canister_id: bytes | None = None):
        """Submit and wait: the `Reply` or `RejectResponse` of an ingress update call."""
        try:
            request = self.submit(sender, canister_id, method, arg, effective_canister_id)
        except _RejectRaised as r:
            return r.reject
        return self.await_request(request)

    def query_call(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
                   sender_info: tuple | None = None):
        """A query call: the `Reply` or `RejectResponse`; only ``query_stats`` change.
        ``sender_info``: the query's checked ``(info, signer, sig)`` (`pyic.http.auth`)."""
        if canister_id == IC_PRINCIPAL:
            from .management import query as management_query
            return management_query(self.state, sender, method, arg, self.cfg)
        from .management import management_canister_query
        response, self.state = queries.query_call(self.state, sender, canister_id, method, arg,
                                                  self.cfg, management_canister_query,
                                                  certify=self.certifier,
                                                  sender_info=sender_info)
        return response

    def set_subnet_admins(self, admins, subnet_id: bytes | None = None) -> None:
        """``S.subnet_admins[subnet_id] = admins`` (principals as bytes; default: this
        IC's subnet).  The spec lets subnet admins change at any time ("Time
        progressing, ... and subnet admins updates"; on the IC the Subnet Rental
        Canister sets them); pyic changes them only when asked, here."""
        sid = certification.subnet_id(self.state.seed) if subnet_id is None else subnet_id
        new = dict(self.state.subnet_admins)
        new[sid] = frozenset(bytes(p) for p in admins)
        self.state = attrs.evolve(self.state, subnet_admins=new)

    def request_status(self, request: Request):
        entry = self.state.requests.get(request)
        return entry[0] if entry is not None else None

    # ---------------------------------------------------------------- persistence

    def save(self, path: str) -> None:
        """Write the state to ``path`` as a new state store (`pyic.ic.store`), atomically:
        built beside it, flushed to disk and renamed over the old one, so a crash
        leaves the last saved state.  Commands sharing a store use
        `pyic.ic.store.Store.transaction` instead, which writes only what changed."""
        from .store import write_new
        write_new(self, path)

    @classmethod
    def load(cls, path: str, tier: str | None = None) -> "IC":
        """The IC saved at ``path``, its canisters run on ``tier``; `ICError` (one line)
        if it is not a pyic state store."""
        from .store import Store
        with Store.open(path) as store:
            store.tier = tier
            return store.load_ic()


class _RejectRaised(Exception):
    def __init__(self, reject: RejectResponse) -> None:
        super().__init__(reject.message)
        self.reject = reject


def raise_reject(reject: RejectResponse) -> None:
    raise _RejectRaised(reject)


def _answered(state: S, request: Request) -> bool:
    entry = state.requests.get(request)
    return entry is not None and not isinstance(entry[0], (Received, Processing, Done))


def default_certifier(state: S, canister_id: bytes) -> bytes:
    """A certificate covering ``/canister/<id>/certified_data`` and ``/time``,
    signed with ``S.root_key`` (`pyic.ic.certification`)."""
    return certification.data_certificate(state, canister_id)


def _effective_canister_id(method: str, arg: bytes) -> bytes:
    """The effective canister id of an ingress call to the management canister:
    the ``canister_id`` (``target_canister``) in its argument, if it has one."""
    from .management.args import effective_canister_id
    return effective_canister_id(method, arg)


__all__ = ["IC", "replace_in", "DEFAULT_START_TIME"]
