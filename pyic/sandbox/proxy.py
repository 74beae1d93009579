"""`SandboxedCanister`: a canister module whose functions run in a sandbox process.

It is another implementation of the abstract-canister boundary
(`pyic.ic.canister.CanisterModule`), with the functions of the `WasmCanister`
it stands for: each call becomes one `Execute` request to the canister's
sandbox (`pyic.sandbox.worker`), which runs the real `WasmCanister` on its
live instance and answers with the same result record, its new state as
dirty pages (`pyic.sandbox.states`).  What the rules ask without executing
(which entry points exist, memory sizes) is answered here, from the parsed
module and the state.

A sandbox that ends during an execution (killed, out of memory, crashed)
makes that execution a `Trapped`: the rules then keep the state the message
started from, exactly as for any trap.  The next execution starts a new
sandbox from that state.  An idle sandbox may be evicted (`Controller`); it,
too, starts again from the state of the next call.
"""

from __future__ import annotations

import weakref

from attrs import evolve

from ..errors import ICError
from ..ic.canister import Env, Trapped
from ..ic.wasm_canister import WasmCanister
from . import parallel
from .process import CONTROLLER, Limits, Worker, WorkerGone
from .protocol import Execute, Executed, Failed, Held, ProtocolError, encode
from .states import apply, delta

SANDBOX_DIED = "Canister trapped: the canister's sandbox process ended during execution ({})"


class SandboxFailure(ICError):
    """pyic failed inside the sandbox (not the canister): raised as in-process mode would."""


class _Request:
    """An `Execute` sent and not yet answered: what it asked, for matching a speculation."""

    __slots__ = ("body", "instructions", "result_id", "state", "state_id", "worker")

    def __init__(self, state, body: bytes, state_id: int, result_id: int, worker) -> None:
        self.state = state
        self.body = body
        self.state_id = state_id
        self.result_id = result_id
        self.worker = worker
        self.instructions = 0       # what the sandbox executed for it, once answered


def _sendable(arg):
    """``arg`` as it can cross: an `Env` whose certificate or root key is made on first
    read (``Deferred``, ``RootKey``: pyic.ic.certification) carries
    the blob itself, made now, since the sandbox cannot call back to make it."""
    if isinstance(arg, Env):
        if arg.certificate is not None and type(arg.certificate) is not bytes:
            arg = evolve(arg, certificate=bytes(arg.certificate))
        if type(arg.root_key) is not bytes:
            arg = evolve(arg, root_key=bytes(arg.root_key))
    return arg


def _stop(worker: Worker) -> None:
    worker.stop()


class SandboxedCanister:
    """The ``CanisterModule`` of one Wasm module, run in a sandbox process."""

    initial_globals = ()

    def __init__(self, raw_module: bytes, local: WasmCanister, limits: Limits,
                 controller=CONTROLLER) -> None:
        self._raw = bytes(raw_module)
        self._local = local              # the parsed module: its exports, never run here
        self.limits = limits
        self._controller = controller
        self._worker: Worker | None = None
        self._finalizer = None
        self._held: dict = {}            # what the sandbox holds: id -> this side's WasmState
        self._next_id = 0
        self._pending: _Request | None = None   # a speculative execution (`parallel`)
        self.instructions_executed = 0
        self.sandboxes_started = 0
        self.update_methods = {n: self._method("update", n) for n in local.update_methods}
        self.query_methods = {n: self._method("query", n) for n in local.query_methods}
        self.composite_query_methods = {n: self._method("composite_query", n)
                                        for n in local.composite_query_methods}

    @property
    def cfg(self):
        return self._local.cfg

    @cfg.setter
    def cfg(self, cfg) -> None:
        self.configure(cfg)

    def configure(self, cfg) -> None:
        """As `WasmCanister.configure`; a live sandbox runs under the old one: ended."""
        self._local.configure(cfg)
        self.evict()

    # ---------------------------------------------------------------- the sandbox process

    @property
    def pid(self) -> int | None:
        """The live sandbox's process id (``None``: none is live)."""
        return self._worker.pid if self._worker is not None else None

    def evictable(self) -> bool:
        return self._pending is None

    def evict(self) -> None:
        """End the sandbox process (if any); the next execution starts a new one."""
        self._drop_pending()
        worker, self._worker = self._worker, None
        self._held = {}
        self._controller.forget(self)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if worker is not None:
            worker.stop()

    def _ensure_worker(self) -> Worker:
        if self._worker is not None and not self._worker.alive():
            self._lost()                 # died while idle (evicted by the OS, a CPU limit)
        self._controller.used(self, self.limits)
        if self._worker is None:
            self._worker = Worker(self._raw, self._local.cfg, self.limits)
            self._finalizer = weakref.finalize(self, _stop, self._worker)
            self.sandboxes_started += 1
            self._held = {}
        return self._worker

    def _lost(self) -> str:
        """Forget a sandbox that ended; how it ended."""
        worker, self._worker = self._worker, None
        self._held = {}
        self._controller.forget(self)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        return worker.how_it_ended() if worker is not None else "not started"

    # ---------------------------------------------------------------- one execution

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _state_ref(self, state) -> tuple:
        """(how to send ``state``, the id the sandbox holds it under from now on)."""
        for k, held in self._held.items():
            if held is state:
                return Held(k), k
        base_id = max(self._held) if self._held else None
        base = self._held.get(base_id) if base_id is not None else None
        return delta(state, base, base_id), self._new_id()

    def _send(self, function: str, method, state, args: tuple, kwargs: dict,
              body: bytes) -> _Request:
        try:
            return self._send_once(function, method, state, args, kwargs, body)
        except WorkerGone:
            self._lost()         # gone before it saw the request: start anew, once
        try:
            return self._send_once(function, method, state, args, kwargs, body)
        except WorkerGone:
            self._lost()
            raise SandboxFailure("cannot start a sandbox process") from None

    def _send_once(self, function: str, method, state, args: tuple, kwargs: dict,
                   body: bytes) -> _Request:
        worker = self._ensure_worker()
        ref, state_id = (None, 0) if state is None else self._state_ref(state)
        result_id = self._new_id()
        worker.send(Execute(function, method, ref, state_id, result_id, args, kwargs))
        return _Request(state, body, state_id, result_id, worker)

    def _receive(self, req: _Request):
        """The result record of ``req``, with its new state on this side."""
        try:
            reply = req.worker.receive()
            if not isinstance(reply, (Executed, Failed)):
                raise ProtocolError("sandbox: a reply that is not Executed")
        except (WorkerGone, ProtocolError):
            if self._worker is req.worker:
                how = self._lost()
            else:
                how = req.worker.how_it_ended()
            return Trapped(0, SANDBOX_DIED.format(how))
        if isinstance(reply, Failed):
            self._held = {}
            raise SandboxFailure(f"sandbox: {reply.message}")
        req.instructions = reply.instructions
        result = reply.result
        held = {} if req.state is None else {req.state_id: req.state}
        sent = getattr(result, "new_state", None)
        if sent is not None:
            try:
                if isinstance(sent, Held):
                    if sent.id != req.state_id:
                        raise ProtocolError("sandbox: a result held under another id")
                    new_state = req.state
                else:
                    new_state = apply(sent, req.state)
            except ProtocolError:
                return Trapped(0, SANDBOX_DIED.format(f"bad reply; {self._lost()}"))
            held[req.result_id] = new_state
            result = evolve(result, new_state=new_state)
        self._held = held
        return result

    def _execute(self, function: str, method, state, args: tuple, kwargs: dict):
        args = tuple(map(_sendable, args))
        body = encode((function, method, args, kwargs))
        if parallel.speculating():
            if self._pending is None and parallel.may_start():
                self._pending = self._send(function, method, state, args, kwargs, body)
            raise parallel.Speculated()
        pending = self._pending
        if pending is not None and pending.state is state and pending.body == body:
            self._pending = None
            parallel.hit()
            result = self._receive(pending)
            self.instructions_executed += pending.instructions
            return result
        if pending is not None:
            parallel.miss()
            self._drop_pending()
        req = self._send(function, method, state, args, kwargs, body)
        result = self._receive(req)
        self.instructions_executed += req.instructions
        return result

    def _drop_pending(self) -> None:
        """Wait for the speculative execution and throw its result away, its instructions
        and any failure of pyic's with it (nobody asked for that execution)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                self._receive(pending)
            except SandboxFailure:
                pass

    # ---------------------------------------------------------------- the module's functions

    def _method(self, kind: str, name: str):
        def run(state, *args, **kwargs):
            return self._execute(kind, name, state, args, kwargs)
        return run

    def init(self, canister_id, arg, caller, env):
        return self._execute("init", None, None, (canister_id, arg, caller, env), {})

    def pre_upgrade(self, state, caller, env):
        return self._execute("pre_upgrade", None, state, (caller, env), {})

    def post_upgrade(self, state, arg, caller, env):
        return self._execute("post_upgrade", None, state, (arg, caller, env), {})

    def heartbeat(self, state, env):
        return self._execute("heartbeat", None, state, (env,), {})

    def global_timer(self, state, env):
        return self._execute("global_timer", None, state, (env,), {})

    def on_low_wasm_memory(self, state, env):
        return self._execute("on_low_wasm_memory", None, state, (env,), {})

    def callback(self, state, callback, caller, response, deadline, refunded, env, available):
        return self._execute("callback", None, state,
                             (callback, caller, response, deadline, refunded, env, available), {})

    def composite_callback(self, state, callback, caller, response, env):
        return self._execute("composite_callback", None, state,
                             (callback, caller, response, env), {})

    def inspect_message(self, state, method_name, arg, caller, env):
        return self._execute("inspect_message", None, state, (method_name, arg, caller, env), {})

    # ---------------------------------------------------------------- what the rules ask

    def has_heartbeat(self) -> bool:
        return self._local.has_heartbeat()

    def has_global_timer(self) -> bool:
        return self._local.has_global_timer()

    def has_on_low_wasm_memory(self) -> bool:
        return self._local.has_on_low_wasm_memory()

    def has_inspect_message(self) -> bool:
        return self._local.has_inspect_message()

    # Sizes depend on the state alone: WasmCanister's own definitions.
    wasm_memory_size = WasmCanister.wasm_memory_size
    memory_usage = WasmCanister.memory_usage
    stable_memory = WasmCanister.stable_memory

    def __repr__(self) -> str:
        return f"SandboxedCanister(pid={self.pid})"


__all__ = ["SANDBOX_DIED", "SandboxFailure", "SandboxedCanister"]
