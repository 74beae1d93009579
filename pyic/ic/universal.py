"""The universal test canister: an abstract canister whose methods run a small
program carried in the call's argument, so one canister can exercise every
rule (as the IC's own conformance suite does with its universal canister).

A program is a list of operations, each a list ``[name, *args]``, encoded as
JSON (bytes as hex strings) by `Program`.  It runs like a System API trace:

* a *reply buffer* collects data (``append*`` ops); ``reply`` sends it;
* ``call`` makes an outgoing call whose reply / reject / cleanup handlers are
  themselves programs (the callback is opaque to the rules);
* the canister's heap holds a byte string ``global`` and the programs to run
  on heartbeat, global timer, pre-upgrade, low memory and message inspection;
* stable memory is the spec's ``stable_memory`` blob, in 64 KiB pages.

Every op costs `OP_CYCLES` cycles, so executions and traps have a price.
The canister's raw module is the marker `UNIVERSAL_WASM`: installing those
bytes installs this canister.
"""

from __future__ import annotations

import json

from attrs import evolve, frozen

from .canister import (
    CompositeQueryReturn, InitReturn, InspectReturn, MethodCall, PreUpgradeReturn, QueryReturn,
    Reject, Reply, SystemTaskReturn, Trap, UpdateReturn, WasmState,
)

UNIVERSAL_WASM = b"\x00pyic:universal-canister:v1"
OP_CYCLES = 1_000
PAGE = 65536


# ------------------------------------------------------------------ programs


class Program:
    """A builder: ``Program().append(b"hi").reply().bytes()``."""

    def __init__(self, ops: list | None = None) -> None:
        self.ops = list(ops or [])

    def _op(self, *op) -> "Program":
        self.ops.append([_enc(x) for x in op])
        return self

    def bytes(self) -> bytes:
        return json.dumps(self.ops, separators=(",", ":")).encode()

    # reply buffer
    def append(self, data: bytes) -> "Program": return self._op("append", data)
    def append_arg(self) -> "Program": return self._op("append_arg")
    def append_caller(self) -> "Program": return self._op("append_caller")
    def append_self(self) -> "Program": return self._op("append_self")
    def append_balance(self) -> "Program": return self._op("append_balance")
    def append_time(self) -> "Program": return self._op("append_time")
    def append_status(self) -> "Program": return self._op("append_status")
    def append_version(self) -> "Program": return self._op("append_version")
    def append_global(self) -> "Program": return self._op("append_global")
    def append_stable(self, offset: int, length: int) -> "Program":
        return self._op("append_stable", offset, length)
    def append_stable_size(self) -> "Program": return self._op("append_stable_size")
    def append_available(self) -> "Program": return self._op("append_available")
    def append_refunded(self) -> "Program": return self._op("append_refunded")
    def append_response(self) -> "Program": return self._op("append_response")
    def append_reject_code(self) -> "Program": return self._op("append_reject_code")
    def append_reject_message(self) -> "Program": return self._op("append_reject_message")
    def append_deadline(self) -> "Program": return self._op("append_deadline")
    def append_certificate_present(self) -> "Program":
        return self._op("append_certificate_present")
    def append_controllers(self) -> "Program": return self._op("append_controllers")
    # responding
    def reply(self) -> "Program": return self._op("reply")
    def reply_data(self, data: bytes) -> "Program": return self.append(data).reply()
    def reject(self, message: str) -> "Program": return self._op("reject", message)
    def trap(self, message: str = "trap op") -> "Program": return self._op("trap", message)
    # state
    def set_global(self, data: bytes) -> "Program": return self._op("set_global", data)
    def append_to_global(self, data: bytes) -> "Program": return self._op("append_to_global", data)
    def stable_grow(self, pages: int) -> "Program": return self._op("stable_grow", pages)
    def stable_write(self, offset: int, data: bytes) -> "Program":
        return self._op("stable_write", offset, data)
    def set_certified_data(self, data: bytes) -> "Program":
        return self._op("set_certified_data", data)
    def set_global_timer(self, t: int) -> "Program": return self._op("set_global_timer", t)
    def debug_print(self, text: str) -> "Program": return self._op("debug_print", text)
    def grow_heap(self, nbytes: int) -> "Program": return self._op("grow_heap", nbytes)
    # cycles
    def accept(self, amount: int) -> "Program": return self._op("accept", amount)
    def burn(self, amount: int) -> "Program": return self._op("burn", amount)
    # hooks: programs kept in the heap
    def on_heartbeat(self, p: "Program") -> "Program": return self._op("on_heartbeat", p)
    def on_global_timer(self, p: "Program") -> "Program": return self._op("on_global_timer", p)
    def on_pre_upgrade(self, p: "Program") -> "Program": return self._op("on_pre_upgrade", p)
    def on_low_memory(self, p: "Program") -> "Program": return self._op("on_low_memory", p)
    def on_inspect(self, p: "Program") -> "Program": return self._op("on_inspect", p)
    def accept_message(self) -> "Program": return self._op("accept_message")
    # calls
    def call(self, callee: bytes, method: str, arg: "bytes | Program" = b"", cycles: int = 0,
             on_reply: "Program | None" = None, on_reject: "Program | None" = None,
             on_cleanup: "Program | None" = None, timeout: int | None = None) -> "Program":
        arg_bytes = arg.bytes() if isinstance(arg, Program) else arg
        return self._op("call", callee, method, arg_bytes, cycles, on_reply or Program(),
                        on_reject or Program(), on_cleanup, timeout)


def _enc(x):
    if isinstance(x, (bytes, bytearray)):
        return {"b": bytes(x).hex()}
    if isinstance(x, Program):
        return {"p": x.ops}
    return x


def _dec(x):
    if isinstance(x, dict):
        if "b" in x:
            return bytes.fromhex(x["b"])
        if "p" in x:
            return tuple(tuple(_dec(a) for a in op) for op in x["p"])
    return x


def parse_program(data: bytes) -> tuple | None:
    """The program in ``data``, or ``None`` if it is not one (then the canister
    treats the argument as plain data: it replies with it)."""
    try:
        ops = json.loads(bytes(data).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(ops, list) or not all(isinstance(op, list) and op for op in ops):
        return None
    return tuple(tuple(_dec(a) for a in op) for op in ops)


# ------------------------------------------------------------------ the heap


@frozen
class Heap:
    """The universal canister's Wasm memory: its data and its hook programs."""

    global_data: bytes = b""
    heartbeat: tuple | None = None
    global_timer: tuple | None = None
    pre_upgrade: tuple | None = None
    low_memory: tuple | None = None
    inspect: tuple | None = None
    extra_heap: int = 0


class _Trapped(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Exec:
    """One execution: the System API's execution state for one entry point."""

    def __init__(self, state: WasmState, env, *, arg=b"", caller=b"", available=0, refunded=0,
                 response=None, deadline=None, can_reply=True, can_call=True,
                 can_accept=True) -> None:
        self.wasm_state = state
        self.heap = state.wasm_memory if isinstance(state.wasm_memory, Heap) else Heap()
        self.stable = state.stable_memory
        self.env = env
        self.arg, self.caller = arg, caller
        self.available, self.refunded = available, refunded
        self.response, self.deadline = response, deadline
        self.can_reply, self.can_call, self.can_accept = can_reply, can_call, can_accept
        self.buffer = b""
        self.reply: object = None
        self.calls: list = []
        self.accepted = 0
        self.burned = 0
        self.certified_data = None
        self.global_timer = None
        self.logs: list = []
        self.ops = 0
        self.inspect_accepted = False

    def state(self) -> WasmState:
        return evolve(self.wasm_state, wasm_memory=self.heap, stable_memory=self.stable)

    def run(self, program: tuple) -> None:
        for op in program:
            self.ops += 1
            name, args = op[0], op[1:]
            handler = getattr(self, "op_" + str(name), None)
            if handler is None:
                raise _Trapped(f"universal canister: unknown op {name!r}")
            try:
                handler(*args)
            except TypeError as e:
                raise _Trapped(f"universal canister: bad op {name!r}: {e}") from None

    # reply buffer
    def op_append(self, data): self.buffer += bytes(data)
    def op_append_arg(self): self.buffer += self.arg
    def op_append_caller(self): self.buffer += self.caller
    def op_append_self(self): self.buffer += self.env.self_id
    def op_append_balance(self): self.buffer += _num(self.env.balance - self.burned)
    def op_append_time(self): self.buffer += _num(self.env.time)
    def op_append_status(self): self.buffer += self.env.status.encode()
    def op_append_version(self): self.buffer += _num(self.env.canister_version)
    def op_append_global(self): self.buffer += self.heap.global_data
    def op_append_stable_size(self): self.buffer += _num(len(self.stable) // PAGE)
    def op_append_available(self): self.buffer += _num(self.available - self.accepted)
    def op_append_refunded(self): self.buffer += _num(self.refunded)
    def op_append_deadline(self): self.buffer += _num(self.deadline or 0)
    def op_append_certificate_present(self):
        self.buffer += b"1" if self.env.certificate is not None else b"0"
    def op_append_controllers(self): self.buffer += b",".join(self.env.controllers)

    def op_append_stable(self, offset, length):
        if offset < 0 or length < 0 or offset + length > len(self.stable):
            raise _Trapped("stable memory out of bounds")
        self.buffer += self.stable[offset:offset + length]

    def _response(self):
        if self.response is None:
            raise _Trapped("no response in this context")
        return self.response

    def op_append_response(self):
        r = self._response()
        self.buffer += r.data if isinstance(r, Reply) else r.message.encode()

    def op_append_reject_code(self):
        r = self._response()
        self.buffer += _num(r.code if isinstance(r, Reject) else 0)

    def op_append_reject_message(self):
        r = self._response()
        if not isinstance(r, Reject):
            raise _Trapped("msg_reject_msg_size: not a reject")
        self.buffer += r.message.encode()

    # responding (ic0.msg_reply / ic0.msg_reject trap when not allowed)
    def _respond(self, response) -> None:
        if not self.can_reply:
            raise _Trapped("ic0.msg_reply: cannot reply in this context")
        if self.reply is not None:
            raise _Trapped("ic0.msg_reply: the call has already been responded to")
        self.reply = response

    def op_reply(self): self._respond(Reply(self.buffer))
    def op_reject(self, message): self._respond(Reject(4, str(message)))

    def op_trap(self, message):
        raise _Trapped(f"Canister called `ic0.trap` with message: '{message}'")

    # state
    def op_set_global(self, data): self.heap = evolve(self.heap, global_data=bytes(data))
    def op_append_to_global(self, data):
        self.heap = evolve(self.heap, global_data=self.heap.global_data + bytes(data))
    def op_grow_heap(self, n): self.heap = evolve(self.heap, extra_heap=self.heap.extra_heap + n)

    def op_stable_grow(self, pages):
        self.stable = self.stable + bytes(pages * PAGE)

    def op_stable_write(self, offset, data):
        data = bytes(data)
        if offset < 0 or offset + len(data) > len(self.stable):
            raise _Trapped("stable memory out of bounds")
        self.stable = self.stable[:offset] + data + self.stable[offset + len(data):]

    def op_set_certified_data(self, data):
        if not self.can_call:
            raise _Trapped("ic0.certified_data_set: not allowed here")
        if len(data) > 32:
            raise _Trapped("ic0.certified_data_set: more than 32 bytes")
        self.certified_data = bytes(data)

    def op_set_global_timer(self, t): self.global_timer = int(t)
    def op_debug_print(self, text): self.logs.append(str(text).encode())

    # cycles
    def op_accept(self, amount):
        if not self.can_accept:
            raise _Trapped("ic0.msg_cycles_accept: not allowed here")
        take = min(int(amount), self.available - self.accepted)
        self.accepted += take

    def op_burn(self, amount): self.burned += int(amount)

    # hooks
    def op_on_heartbeat(self, p): self.heap = evolve(self.heap, heartbeat=p)
    def op_on_global_timer(self, p): self.heap = evolve(self.heap, global_timer=p)
    def op_on_pre_upgrade(self, p): self.heap = evolve(self.heap, pre_upgrade=p)
    def op_on_low_memory(self, p): self.heap = evolve(self.heap, low_memory=p)
    def op_on_inspect(self, p): self.heap = evolve(self.heap, inspect=p)
    def op_accept_message(self): self.inspect_accepted = True

    # calls
    def op_call(self, callee, method, arg, cycles, on_reply, on_reject, on_cleanup, timeout):
        if not self.can_call:
            raise _Trapped("ic0.call_perform: cannot call in this context")
        self.calls.append(MethodCall(bytes(callee), str(method), bytes(arg), int(cycles),
                                     (on_reply, on_reject, on_cleanup), timeout))

    def cycles_used(self) -> int:
        return self.ops * OP_CYCLES + self.burned


def _num(n: int) -> bytes:
    return str(int(n)).encode()


def _program_of(arg: bytes) -> tuple:
    program = parse_program(arg)
    # Plain data as argument: reply with it (a program ``append_arg; reply``).
    return program if program is not None else (("append_arg",), ("reply",))


# ------------------------------------------------------------------ the module


class UniversalCanister:
    """The `CanisterModule` of the universal canister."""

    initial_globals = ()
    supports_memory_persistence = True  # upgrades may keep its heap (``wasm_memory_persistence = keep``)

    def __init__(self) -> None:
        self.update_methods = {"update": self._update}
        self.query_methods = {"query": self._query}
        self.composite_query_methods = {"composite_query": self._composite_query}

    # entry points -------------------------------------------------------

    def init(self, canister_id, arg, caller, env):
        state = WasmState(wasm_memory=Heap(), self_id=canister_id)
        return self._init_like(state, arg, caller, env)

    def post_upgrade(self, state, arg, caller, env):
        return self._init_like(state, arg, caller, env)

    def _init_like(self, state, arg, caller, env):
        x = _Exec(state, env, arg=arg, caller=caller.caller, can_reply=False, can_accept=False)
        program = parse_program(arg) or ()
        try:
            x.run(program)
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        return InitReturn(x.state(), x.certified_data, x.global_timer, x.cycles_used(),
                          tuple(x.logs))

    def pre_upgrade(self, state, caller, env):
        x = _Exec(state, env, caller=caller, can_reply=False, can_accept=False)
        heap = x.heap
        try:
            x.run(heap.pre_upgrade or ())
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        return PreUpgradeReturn(x.state(), x.certified_data, x.cycles_used(), tuple(x.logs))

    def _update(self, state, arg, caller, deadline, env, available):
        x = _Exec(state, env, arg=arg, caller=caller.caller, available=available,
                  deadline=deadline)
        try:
            x.run(_program_of(arg))
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        return UpdateReturn(x.state(), tuple(x.calls), x.certified_data, x.global_timer, x.reply,
                            x.accepted, x.cycles_used(), tuple(x.logs))

    def _query(self, state, arg, caller, env, available=0, replicated=None):
        x = _Exec(state, env, arg=arg, caller=caller.caller, available=available, can_call=False)
        try:
            x.run(_program_of(arg))
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        if x.reply is None:
            return Trap(x.cycles_used(), "canister did not reply to the query", tuple(x.logs))
        return QueryReturn(x.reply, x.accepted, x.cycles_used(), tuple(x.logs))

    def _composite_query(self, state, arg, caller, env):
        x = _Exec(state, env, arg=arg, caller=caller.caller, can_accept=False)
        try:
            x.run(_program_of(arg))
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        if any(call.transferred_cycles for call in x.calls):
            return Trap(x.cycles_used(), "composite queries cannot attach cycles", tuple(x.logs))
        return CompositeQueryReturn(x.state(), tuple(x.calls), x.reply, x.cycles_used(),
                                    tuple(x.logs))

    def _task(self, program, state, env):
        x = _Exec(state, env, can_reply=False, can_accept=False)
        try:
            x.run(program or ())
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        return SystemTaskReturn(x.state(), tuple(x.calls), x.certified_data, x.global_timer,
                                x.cycles_used(), tuple(x.logs))

    def heartbeat(self, state, env):
        return self._task(_heap(state).heartbeat, state, env)

    def global_timer(self, state, env):
        return self._task(_heap(state).global_timer, state, env)

    def on_low_wasm_memory(self, state, env):
        return self._task(_heap(state).low_memory, state, env)

    def callback(self, state, callback, caller, response, deadline, refunded, env, available):
        on_reply, on_reject, on_cleanup = callback
        x = _Exec(state, env, caller=caller.caller, available=available, refunded=refunded,
                  response=response, deadline=deadline)
        try:
            x.run(on_reply if isinstance(response, Reply) else on_reject)
        except _Trapped as t:
            if on_cleanup is None:
                return Trap(x.cycles_used(), t.message, tuple(x.logs))
            # The cleanup runs on the pre-callback state and may not reply or call.
            y = _Exec(state, env, caller=caller.caller, can_reply=False, can_call=False,
                      can_accept=False)
            try:
                y.run(on_cleanup)
            except _Trapped as t2:
                return Trap(x.cycles_used() + y.cycles_used(), t2.message,
                            tuple(x.logs) + tuple(y.logs))
            return UpdateReturn(y.state(), (), None, y.global_timer, None, 0,
                                x.cycles_used() + y.cycles_used(), tuple(x.logs) + tuple(y.logs),
                                trap_message=t.message)
        return UpdateReturn(x.state(), tuple(x.calls), x.certified_data, x.global_timer, x.reply,
                            x.accepted, x.cycles_used(), tuple(x.logs))

    def composite_callback(self, state, callback, caller, response, env):
        on_reply, on_reject, _ = callback
        x = _Exec(state, env, caller=caller.caller, response=response, can_accept=False)
        try:
            x.run(on_reply if isinstance(response, Reply) else on_reject)
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message, tuple(x.logs))
        return CompositeQueryReturn(x.state(), tuple(x.calls), x.reply, x.cycles_used(),
                                    tuple(x.logs))

    def inspect_message(self, state, method_name, arg, caller, env):
        program = _heap(state).inspect
        if program is None:  # no inspection program set: accept every message
            return InspectReturn(True)
        x = _Exec(state, env, arg=arg, caller=caller.caller, can_reply=False, can_call=False)
        try:
            x.run(program or ())
        except _Trapped as t:
            return Trap(x.cycles_used(), t.message)
        return InspectReturn(x.inspect_accepted)

    # what the rules ask --------------------------------------------------

    def has_heartbeat(self) -> bool:
        return True

    def has_global_timer(self) -> bool:
        return True

    def has_on_low_wasm_memory(self) -> bool:
        return True

    def has_inspect_message(self) -> bool:
        return True

    def wasm_memory_size(self, state) -> int:
        heap = _heap(state)
        return len(heap.global_data) + heap.extra_heap

    def memory_usage(self, state) -> int:
        return self.wasm_memory_size(state) + len(state.stable_memory)

    def stable_memory(self, state) -> bytes:
        return state.stable_memory


def _heap(state: WasmState) -> Heap:
    return state.wasm_memory if isinstance(state.wasm_memory, Heap) else Heap()
