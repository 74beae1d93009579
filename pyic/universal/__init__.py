"""The universal canister's bytecode, as a small typed DSL.

The IC tests itself with the *universal canister* (dfinity/ic-hs,
``universal-canister/src/main.rs``): its methods run a stack-machine program
carried in the call argument.  This module encodes those programs, op for op
as ``src/IC/Test/Universal.hs`` does: an `Exp` is code that leaves one value
of type ``I`` (i32), ``I64`` or ``B`` (blob) on the stack, a `Prog` is code
that leaves nothing.  Operands are encoded before their op, so an expression
tree becomes post-order bytecode; ``a >> b`` (or ``a + b``) sequences programs.

The canister itself is ``universal_canister.wat`` beside this file, a real
wasm32 module calling only ``ic0`` imports, assembled by pyic's own text
parser and encoder (`universal_canister_wasm`).  pyic's IC treats it like any
other module; tests and the CLI's cycles wallet install it.
"""

from __future__ import annotations

import functools
import pathlib
import struct

WAT_PATH = pathlib.Path(__file__).with_name("universal_canister.wat")


@functools.cache
def universal_canister_wasm() -> bytes:
    """The universal canister module, assembled from its WAT by pyic."""
    from ..wasm.text import parse_module  # noqa: PLC0415 (loaded on first use)
    from ..wasm.binary import encode_module  # noqa: PLC0415
    return encode_module(parse_module(WAT_PATH.read_text(), source=str(WAT_PATH)))


class Prog:
    """Code that leaves the stack as it found it."""

    __slots__ = ("code",)

    def __init__(self, code: bytes = b"") -> None:
        self.code = bytes(code)

    def __rshift__(self, other: "Prog") -> "Prog":
        if not isinstance(other, Prog):
            raise TypeError(f"cannot sequence a program with {type(other).__name__}")
        return Prog(self.code + other.code)

    __add__ = __rshift__

    def bytes(self) -> bytes:
        return self.code

    def __bytes__(self) -> bytes:
        return self.code

    def __eq__(self, other) -> bool:
        return isinstance(other, Prog) and other.code == self.code

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Prog({self.code.hex()})"


class Exp:
    """Code that leaves one value of type ``t`` (``"I"``, ``"I64"`` or ``"B"``)."""

    __slots__ = ("t", "code")

    def __init__(self, t: str, code: bytes) -> None:
        self.t = t
        self.code = bytes(code)

    def __repr__(self) -> str:
        return f"Exp[{self.t}]({self.code.hex()})"


def run(p: Prog) -> bytes:
    """The bytecode of ``p`` (``run`` in Universal.hs)."""
    return p.bytes()


def seq(*progs: Prog) -> Prog:
    out = Prog()
    for p in progs:
        out = out >> p
    return out


def _arg(t: str, e) -> bytes:
    if t == "B" and isinstance(e, (bytes, bytearray, str)):
        e = bytes_(e)
    if not isinstance(e, Exp):
        raise TypeError(f"expected an expression of type {t}, got {e!r}")
    if e.t != t:
        raise TypeError(f"expected an expression of type {t}, got one of type {e.t}")
    return e.code


def _op(code: int, args: tuple[str, ...], result: str | None):
    """An op of the given argument types; ``result`` None makes a `Prog`."""
    def build(*es):
        if len(es) != len(args):
            raise TypeError(f"op {code} takes {len(args)} operands, got {len(es)}")
        body = b"".join(_arg(t, e) for t, e in zip(args, es)) + bytes([code])
        return Prog(body) if result is None else Exp(result, body)
    return build


def _const(code: int, result: str | None):
    return Prog(bytes([code])) if result is None else Exp(result, bytes([code]))


# ------------------------------------------------------------------ the ops, by opcode

noop = _const(0, None)

def ignore(e: Exp) -> Prog:
    """Drop a value of any type (op 1)."""
    if not isinstance(e, Exp):
        raise TypeError(f"ignore takes an expression, got {e!r}")
    return Prog(e.code + b"\x01")


def int_(x: int) -> Exp:
    return Exp("I", b"\x02" + struct.pack("<I", x))


def bytes_(b: bytes | str) -> Exp:
    if isinstance(b, str):
        b = b.encode()
    b = bytes(b)
    return Exp("B", b"\x03" + struct.pack("<I", len(b)) + b)


reply_data_append = _op(4, ("B",), None)
reply = _const(5, None)
self_ = _const(6, "B")
reject = _op(7, ("B",), None)
caller = _const(8, "B")
instruction_counter_is_at_least = _op(9, ("I64",), None)
reject_msg = _const(10, "B")
reject_code = _const(11, "I")
i2b = _op(12, ("I",), "B")
arg_data = _const(13, "B")
cat = _op(14, ("B", "B"), "B")
stable_size = _const(15, "I")
stable_grow = _op(16, ("I",), "I")
stable_read = _op(17, ("I", "I"), "B")
stable_write = _op(18, ("I", "B"), None)
debug_print = _op(19, ("B",), None)
trap = _op(20, ("B",), None)
set_global = _op(21, ("B",), None)
get_global = _const(22, "B")
bad_print = _const(23, None)
on_pre_upgrade = _op(24, ("B",), None)
get_time = _const(26, "I64")
get_available_cycles = _const(27, "I64")
get_balance = _const(28, "I64")
get_refund = _const(29, "I64")
accept_cycles = _op(30, ("I64",), "I64")


def int64(x: int) -> Exp:
    return Exp("I64", b"\x1f" + struct.pack("<Q", x))


call_new = _op(32, ("B", "B", "B", "B"), None)
call_data_append = _op(33, ("B",), None)
call_cycles_add = _op(34, ("I64",), None)
call_perform = _const(35, None)
set_certified_data = _op(36, ("B",), None)
get_certificate_present = _const(37, "I")
get_certificate = _const(38, "B")
get_status = _const(39, "I")
on_heartbeat = _op(40, ("B",), None)
accept_message = _const(41, None)
on_inspect_message = _op(42, ("B",), None)
trap_if_eq = _op(43, ("B", "B", "B"), None)
call_on_cleanup = _op(44, ("B",), None)
stable_fill = _op(45, ("I", "I", "I"), None)
stable64_size = _const(46, "I64")
stable64_grow = _op(47, ("I64",), "I64")
stable64_read = _op(48, ("I64", "I64"), "B")
stable64_write = _op(49, ("I64", "B"), None)
i64tob = _op(50, ("I64",), "B")
get_available_cycles128 = _const(51, "B")
get_balance128 = _const(52, "B")
get_refund128 = _const(53, "B")
accept_cycles128 = _op(54, ("I64", "I64"), "B")
call_cycles_add128 = _op(55, ("I64", "I64"), None)
msg_arg_data_size = _const(56, "I")
msg_arg_data_copy = _op(57, ("I", "I"), "B")
msg_caller_size = _const(58, "I")
msg_caller_copy = _op(59, ("I", "I"), "B")
msg_reject_msg_size = _const(60, "I")
msg_reject_msg_copy = _op(61, ("I", "I"), "B")
on_global_timer = _op(62, ("B",), None)
api_global_timer_set = _op(63, ("I64",), "I64")
inc_global_counter = _const(64, None)
get_global_counter = _const(65, "I64")
performance_counter = _op(66, ("I",), "I64")
method_name = _const(67, "B")
parse_principal = _op(68, ("B",), "B")
on_transform = _op(69, ("B",), None)
get_http_reply_with_body = _op(70, ("B",), "B")
get_http_transform_context = _op(71, ("B",), "B")
stable64_fill = _op(72, ("I64", "I64", "I64"), None)
canister_version = _const(73, "I64")
trap_if_neq = _op(74, ("B", "B", "B"), None)
mint_cycles = _op(75, ("I64",), "I64")
one_way_call_new = _op(76, ("B", "B"), None)
is_controller = _op(77, ("B",), "I")

# Later ops of dfinity/ic's universal canister, under its numbers.
append_global = _op(25, ("B",), None)
cycles_burn128 = _op(78, ("I64", "I64"), "B")
blob_length = _op(79, ("B",), "I")
push_equal_bytes = _op(80, ("I", "I"), "B")
in_replicated_execution = _const(81, "I")
call_with_best_effort_response = _op(82, ("I",), None)
msg_deadline = _const(83, "I64")
memory_size_is_at_least = _op(84, ("I64",), None)
liquid_cycles_balance128 = _const(92, "B")
on_low_wasm_memory = _op(95, ("B",), None)

#: The opcodes of ic-hs's universal canister (0..77 but 25): 77 of them.
IC_HS_OPCODES = tuple(c for c in range(78) if c != 25)
#: The later ones of dfinity/ic this canister also speaks.
EXTENSION_OPCODES = (25, 78, 79, 80, 81, 82, 83, 84, 92, 95)


# ------------------------------------------------------------------ convenience, as in Universal.hs


def callback(p: Prog) -> Exp:
    """A program as a blob, to pass as a callback or a stored program."""
    return bytes_(p.bytes())


def reply_data(e) -> Prog:
    return reply_data_append(e) >> reply


class CallArgs:
    """``CallArgs`` of Universal.hs: callbacks, the callee's program, cycles."""

    def __init__(self, on_reply: Prog | None = None, on_reject: Prog | None = None,
                 on_cleanup: Prog | None = None, other_side: Prog | bytes | None = None,
                 cycles: int = 0) -> None:
        self.on_reply = relay_reply() if on_reply is None else on_reply
        self.on_reject = relay_reject() if on_reject is None else on_reject
        self.on_cleanup = on_cleanup
        self.other_side = default_other_side() if other_side is None else other_side
        self.cycles = cycles

    def replace(self, **kw) -> "CallArgs":
        new = CallArgs(self.on_reply, self.on_reject, self.on_cleanup, self.other_side,
                       self.cycles)
        for k, v in kw.items():
            setattr(new, k, v)
        return new


def def_args(**kw) -> CallArgs:
    return CallArgs(**kw)


def update_call(callee: bytes, method: bytes | str, *, on_reply: Prog | None = None,
                on_reject: Prog | None = None, on_cleanup: Prog | None = None,
                arg: bytes = b"", cycles: int = 0) -> Prog:
    """``update_call`` of Universal.hs: call_new, optional cleanup, data, cycles, perform."""
    on_reply = relay_reply() if on_reply is None else on_reply
    on_reject = relay_reject() if on_reject is None else on_reject
    p = call_new(bytes_(callee), bytes_(method), callback(on_reply), callback(on_reject))
    if on_cleanup is not None:
        p = p >> call_on_cleanup(callback(on_cleanup))
    p = p >> call_data_append(bytes_(arg))
    if cycles > 0:
        p = p >> call_cycles_add(int64(cycles))
    return p >> call_perform


def oneway_call(callee: bytes, method: bytes | str, *, arg: bytes = b"",
                cycles: int = 0) -> Prog:
    p = one_way_call_new(bytes_(callee), bytes_(method)) >> call_data_append(bytes_(arg))
    if cycles > 0:
        p = p >> call_cycles_add(int64(cycles))
    return p >> call_perform


def inter_call(callee: bytes, method: bytes | str, ca: CallArgs | None = None) -> Prog:
    ca = ca or CallArgs()
    other = ca.other_side
    arg = other.bytes() if isinstance(other, Prog) else bytes(other)
    return update_call(callee, method, on_reply=ca.on_reply, on_reject=ca.on_reject,
                       on_cleanup=ca.on_cleanup, arg=arg, cycles=ca.cycles)


def inter_update(callee: bytes, ca: CallArgs | None = None) -> Prog:
    return inter_call(callee, "update", ca)


def inter_query(callee: bytes, ca: CallArgs | None = None) -> Prog:
    return inter_call(callee, "query", ca)


def default_other_side() -> Prog:
    return (reply_data_append(b"Hello ") >> reply_data_append(caller)
            >> reply_data_append(b" this is ") >> reply_data_append(self_) >> reply)


def relay_reply_impl() -> Prog:
    return reply_data_append(i2b(int_(0))) >> reply_data_append(arg_data)


def relay_reply() -> Prog:
    return relay_reply_impl() >> reply


def relay_reply_refund(amount: int) -> Prog:
    return (relay_reply_impl()
            >> trap_if_neq(i64tob(get_refund), i64tob(int64(amount)),
                           f"The call should refund exactly {amount} cycles.")
            >> reply)


def relay_reject_impl() -> Prog:
    return reply_data_append(i2b(reject_code)) >> reply_data_append(reject_msg)


def relay_reject() -> Prog:
    return relay_reject_impl() >> reply


def relay_reject_refund(amount: int) -> Prog:
    return (relay_reject_impl()
            >> trap_if_neq(i64tob(get_refund), i64tob(int64(amount)),
                           f"The call should refund exactly {amount} cycles.")
            >> reply)
