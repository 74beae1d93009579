"""The fast tier's runtime: compiling functions, the run driver, calls and slow paths.

Calling convention of a generated function: ``f(b, r, *args)`` returns ``b``
(no results) or ``(b, *results)``.  ``b`` is the instruction budget left
(``limit - count``), so one local carries both the count and the limit check;
``r`` is how many more fast frames may be stacked on the host stack before a
call hands over to the reference interpreter.

Depth: the invoked function is relative frame 1 and receives ``r = T - 1``;
a frame at relative depth ``k`` has ``r = T - k``.  ``T`` is the least of
the modelled depth left (`Config.max_call_depth`), the host stack left
(below Python's recursion limit) and the locals budget left
(`Config.max_stack_values`, see ``NLBIG``).  A callee entered with ``r < 0``
calls ``DEEP``: at the modelled limit that raises the reference
interpreter's `Exhaustion`; otherwise the callee and everything it calls run
on the reference interpreter (an explicit frame stack), with the exact depth
and locals count of the frames below.

Counts at a failure: every exception leaving a generated function carries
``_pb``, the budget at the failing instruction (set by the innermost frame,
from the traceback's line, see `codegen`), which the driver turns into the
meter's count.
"""

from __future__ import annotations

import struct
import sys

from ...errors import Exhaustion, InstructionLimitExceeded, PyicError, Trap
from . import control as C
from . import interp
from .lower import lowered
from ..runtime.meter import call_host
from ..runtime.values import NullRef
from .cfg import Unsupported
from .codegen import generate

NLBIG = 1024        # functions with more locals (params included) run on the reference tier
HOST_CAP = 400      # fast frames stacked on the host stack per run, at most
HOST_MARGIN = 120   # Python frames kept free below the recursion limit
CODE_CACHE_MAX = 8192
CAP = (1 << 30) - 1  # the most budget generated code carries at once
# Tiering: a loop-free function of at least DEFER_MIN lowered instructions is interpreted on
# its first HOT_CALLS - 1 calls (its callees on the fast tier) and compiled on the next one.
DEFER_MIN = 1000
HOT_CALLS = 4

_CODE_CACHE: dict = {}      # source text -> (code object, refund table)
FILENAME = "<pyic fast tier>"   # of every generated function; its name is f_<number of locals>
RUNS: list = []             # the runs in progress, innermost last


class Run:
    """One run of the fast tier.  The budget left is ``b + reserve``: generated code carries
    ``b`` (kept below 2**30, where CPython's int arithmetic is fastest) and takes more from
    ``reserve`` when a block does not fit (`_refill`)."""

    __slots__ = ("store", "meter", "limit", "depth0", "slots0", "T", "maxd", "maxs", "reserve")

    def __init__(self, store, meter, depth0, slots0, T) -> None:
        self.store = store
        self.meter = meter
        self.reserve = 0
        self.limit = meter.limit
        self.depth0 = depth0
        self.slots0 = slots0
        self.T = T
        self.maxd = store.config.max_call_depth
        self.maxs = store.config.max_stack_values


def _annotate(e: PyicError, b: int) -> PyicError:
    e._pb = b
    return e


def _limit_error(b: int) -> PyicError:
    limit = RUNS[-1].limit
    return _annotate(InstructionLimitExceeded(f"instruction limit {limit} exceeded"), b)


# ---------------------------------------------------------------------- helpers of generated code

def FIX(e, b, refund) -> None:
    """Record the budget at the failing instruction (innermost generated frame only)."""
    if "_pb" not in e.__dict__:
        tb = e.__traceback__
        e._pb = b + (refund.get(tb.tb_lineno, 0) if tb is not None else 0)


def RD(m, ea: int, n: int) -> int:
    return int.from_bytes(m.read(ea, n), "little")


def WR(m, ea: int, v: int, n: int) -> None:
    m.write(ea, (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))


def _refill(bb: int, need: int) -> int:
    """Move budget from the run's reserve into the local budget ``bb`` until ``need`` fits
    or the reserve is empty."""
    rn = RUNS[-1]
    while bb < need and rn.reserve:
        take = min(rn.reserve, CAP)
        rn.reserve -= take
        bb += take
    return bb


def LIMDYN(bb: int, need: int) -> int:
    """A bulk operation's dynamic charge ``need`` does not fit the local budget ``bb``:
    refill it, or stop before the operation (docs/semantics.md)."""
    bb = _refill(bb, need)
    if bb < need:
        raise _limit_error(bb)
    return bb


def step_to_limit(code: list, nlocals: int, bb: int, pc: int, h: int, loc: dict) -> None:
    """The limit falls inside the block starting at ``pc``: run its instructions one by one
    on the reference handlers (``bb``: budget before the block) and stop where the reference
    interpreter stops (docs/semantics.md, "The limit").  Always raises."""
    S = [loc[f"s{i}"] for i in range(h)]
    L = [loc[f"l{i}"] for i in range(nlocals)]
    while True:
        ins = code[pc]
        c = ins[1]
        if c > bb:
            raise _limit_error(bb)
        bb -= c
        try:
            pc = ins[0](ins, S, L, pc + 1)
        except PyicError as e:
            raise _annotate(e, bb)
        if pc < 0:
            g = S.pop() if pc != C.RETURN and pc != C.TAIL else None
            if type(g) is not int:
                raise _annotate(PyicError("fast tier: limit step left its block"), bb)
            if g > bb:
                raise _limit_error(bb)
            bb -= g
            pc = ~pc


def CI(ins, i: int, mi):
    """4.4.8 call_indirect: the callee's fast callable; traps exactly as the reference's
    ``_indirect_target`` (it is that function)."""
    g = C._indirect_target(ins, [i])
    c = callable_of(RUNS[-1].store, g, mi)
    if type(c) is _Tier and c.compiled is not None:
        return c.compiled
    return c


_F64 = struct.Struct("<d")
_Q64 = struct.Struct("<Q")
_pack_d, _unpack_Q = _F64.pack, _Q64.unpack


def F2B(x: float) -> int:
    """An f64 result as its bit pattern; NaN results are the canonical NaN (numerics' rule)."""
    if x != x:
        return 0x7FF8_0000_0000_0000
    return _unpack_Q(_pack_d(x))[0]


_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
BASE = {
    "PyicError": PyicError, "Trap": Trap, "NullRef": NullRef, "FIX": FIX, "RD": RD, "WR": WR,
    "LIMDYN": LIMDYN, "CI": CI, "F2B": F2B, "UD": _F64.unpack, "PQ": _Q64.pack,
    "UQ": _Q64.unpack, "PD": _F64.pack,
    "U16": _U16.unpack_from, "U32": _U32.unpack_from, "U64": _U64.unpack_from,
    "P16": _U16.pack_into, "P32": _U32.pack_into, "P64": _U64.pack_into,
}


# ---------------------------------------------------------------------- frames and adapters

def is_generated(fn) -> bool:
    """Whether ``fn`` is a generated function (not an adapter running the reference)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename == FILENAME


def fast_slots(n: int) -> int:
    """Locals of the innermost ``n`` generated frames on the host stack (exact slot count)."""
    total = 0
    fr = sys._getframe(1)
    while n > 0 and fr is not None:
        code = fr.f_code
        if code.co_filename == FILENAME:
            total += int(code.co_name[2:])
            n -= 1
        fr = fr.f_back
    return total


def _results(b: int, res: list, nres: int):
    if nres == 0:
        return b
    return (b, *res)


def ref_call(f, b: int, r: int, args: tuple, callees_fast: bool = False):
    """Run ``f`` (and all it calls, unless ``callees_fast``) on the reference interpreter,
    as a callee at depth T - r."""
    rn = RUNS[-1]
    store = rn.store
    k = rn.T - r
    depth = rn.depth0 + k
    if depth > rn.maxd:
        raise _annotate(Exhaustion("call stack exhausted"), b)
    slots = rn.slots0 + fast_slots(k - 1)
    if f.host is None:
        c = lowered(f, store)
        if slots + f.nparams + len(c.zeros) > rn.maxs:
            raise _annotate(Exhaustion("call stack exhausted"), b)
    m = rn.meter
    m.count = rn.limit - b - rn.reserve
    store.depth = depth - 1
    store.slots = slots
    try:
        res = interp.run(store, f, list(args), m, run if callees_fast else None)
    except PyicError as e:
        raise _annotate(e, rn.limit - m.count - rn.reserve)
    finally:
        store.depth = rn.depth0
        store.slots = rn.slots0
    return _results(rn.limit - m.count - rn.reserve, res, f.nresults)


def _ref_adapter(f):
    def call(b, r, *args):
        return ref_call(f, b, r, args)
    return call


class _Tier:
    """Tiering: a big loop-free function runs on the reference interpreter (its callees on the
    fast tier) until its `HOT_CALLS`-th call, which compiles it.  Run-once code so never pays
    for compiling, and the counts are the same on either side of the switch (each call runs
    wholly on one tier; both count alike)."""

    __slots__ = ("store", "f", "calls", "compiled")

    def __init__(self, store, f) -> None:
        self.store = store
        self.f = f
        self.calls = 0
        self.compiled = None

    def hot(self):
        """The compiled function once this call makes ``f`` hot, else ``None``."""
        if self.compiled is None:
            self.calls += 1
            if self.calls < HOT_CALLS:
                return None
            self.compiled = _state(self.store)[self.f] = _compile(self.store, self.f)
        return self.compiled

    def __call__(self, b, r, *args):
        fn = self.hot()
        if fn is not None:
            return fn(b, r, *args)
        return ref_call(self.f, b, r, args, callees_fast=True)


def _loop_free(code: list) -> bool:
    """Whether no branch of the lowered ``code`` goes backwards (so a call runs each
    instruction at most once)."""
    fwd = (C.jump, C.if_, C.br, C.br_drop, C.br_if, C.br_if_drop)
    for pc, ins in enumerate(code):
        h = ins[0]
        if h in fwd:
            if ins[2] <= pc:
                return False
        elif h is C.br_table:
            if ins[3][0] <= pc or any(t[0] <= pc for t in ins[2]):
                return False
    return True


def _first(store, f):
    """The callable of ``f`` on its first call: a `_Tier` for a big loop-free function,
    else the compiled function (or its reference adapter)."""
    lc = lowered(f, store)
    if len(lc.code) >= DEFER_MIN and f.nparams + len(lc.zeros) <= NLBIG \
            and not getattr(lc, "handlers", ()) and _loop_free(lc.code):
        return _Tier(store, f)
    return _compile(store, f)


def _host_adapter(g, mi):
    nres = g.nresults

    def call(b, r, *args):
        rn = RUNS[-1]
        store = rn.store
        k = rn.T - r            # the callee's relative depth; the caller is k - 1
        m = rn.meter
        m.count = rn.limit - b - rn.reserve
        store.depth = rn.depth0 + k - 1
        store.slots = rn.slots0 + fast_slots(k - 1)
        try:
            res = call_host(store, g, list(args), mi, m)
        except PyicError as e:
            raise _annotate(e, rn.limit - m.count - rn.reserve)
        finally:
            store.depth = rn.depth0
            store.slots = rn.slots0
        return _results(rn.limit - m.count - rn.reserve, res, nres)
    return call


# ---------------------------------------------------------------------- compiling

def _state(store) -> dict:
    """The store's compiled functions ({FuncInst or (host FuncInst, caller): callable}),
    kept on the store so they live and die with it."""
    st = store.__dict__.get("_fast_tier")
    if st is None:
        st = store._fast_tier = {}
    return st


def callable_of(store, f, caller_mi=None):
    """The fast-convention callable of function instance ``f`` (compiled on first use)."""
    fns = _state(store)
    if f.host is not None:
        key = (f, caller_mi)
        c = fns.get(key)
        if c is None:
            c = fns[key] = _host_adapter(f, caller_mi)
        return c
    c = fns.get(f)
    if c is None:
        c = fns[f] = _first(store, f)
    return c


class _Callee:
    __slots__ = ("f",)

    def __init__(self, f) -> None:
        self.f = f


def _compile(store, f):
    lc = lowered(f, store)
    nlocals = f.nparams + len(lc.zeros)
    if nlocals > NLBIG or getattr(lc, "handlers", ()):
        # big frames (see run) and try_table handlers (the reference unwinds its own frames)
        return _ref_adapter(f)
    markers: dict = {}

    def resolve(g):
        mk = markers.get(g)
        if mk is None:
            mk = markers[g] = _Callee(g)
        return mk
    try:
        src = generate(f, lc.code, lc.zeros, resolve)
        cached = _CODE_CACHE.get(src.text)
        if cached is None:
            code = compile(src.text, FILENAME, "exec")
            if len(_CODE_CACHE) >= CODE_CACHE_MAX:
                _CODE_CACHE.clear()
            cached = _CODE_CACHE[src.text] = (code, src.refund)
    except (Unsupported, SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        # anything the compiler or Python's cannot take runs on the reference, unchanged
        return _ref_adapter(f)
    ns = dict(BASE)
    ns.update(src.bindings)
    ns["REF"] = cached[1]
    ns["DEEP"] = _ref_adapter(f)

    def lim(bb, pc, h, loc, _code=lc.code, _n=nlocals, _blocks=src.costs):
        # the block does not fit the local budget: refill it from the run's reserve, or the
        # limit falls inside this block
        k = _blocks[pc]
        bb = _refill(bb, k)
        if bb >= k:
            return bb
        step_to_limit(_code, _n, bb, pc, h, loc)
    ns["LIM"] = lim
    for name, obj in src.bindings.items():
        if type(obj) is _Callee:
            ns[name] = _stub(store, ns, name, obj.f, f.module)
    exec(cached[0], ns)
    return ns[f"f_{nlocals}"]


def _stub(store, ns: dict, name: str, g, mi):
    """A callee bound on first call (so a module's functions compile lazily)."""
    if g.host is not None:
        return callable_of(store, g, mi)
    fns = _state(store)
    c = fns.get(g)
    if c is not None and type(c) is not _Tier:
        return c

    def stub(*a):
        fn = callable_of(store, g, mi)
        if type(fn) is _Tier:
            # interpreted until hot; then bound to the compiled function (no forwarding frame)
            fn = fn.hot()
            if fn is None:
                return ref_call(g, a[0], a[1], a[2:], callees_fast=True)
        ns[name] = fn
        return fn(*a)
    return stub


# ---------------------------------------------------------------------- the driver

def _py_depth() -> int:
    n = 0
    fr = sys._getframe(1)
    while fr is not None:
        n += 1
        fr = fr.f_back
    return n


def run(store, f, args: list, meter) -> list:
    """Invoke ``f`` on the fast tier (the contract of `pyic.wasm.tiers.run`)."""
    if f.host is not None:
        return interp.run(store, f, args, meter)
    cfg = store.config
    depth0, slots0 = store.depth, store.slots
    if depth0 + 1 > cfg.max_call_depth:
        raise Exhaustion("call stack exhausted")
    fn = callable_of(store, f)
    if type(fn) is _Tier:
        fn = fn.hot()
        if fn is None:
            return interp.run(store, f, args, meter, run)
    room = min(HOST_CAP, sys.getrecursionlimit() - _py_depth() - HOST_MARGIN)
    T = min(cfg.max_call_depth - depth0, room, (cfg.max_stack_values - slots0) // NLBIG)
    if T < 1 or not is_generated(fn):
        return interp.run(store, f, args, meter)
    limit = meter.limit
    rn = Run(store, meter, depth0, slots0, T)
    left = limit - meter.count
    b0 = min(left, CAP)
    rn.reserve = left - b0
    RUNS.append(rn)
    try:
        out = fn(b0, T - 1, *args)
    except PyicError as e:
        pb = e.__dict__.pop("_pb", None)
        if pb is not None:
            meter.count = limit - pb - rn.reserve
        raise
    finally:
        RUNS.pop()
        store.depth = depth0
        store.slots = slots0
    if f.nresults == 0:
        meter.count = limit - out - rn.reserve
        return []
    meter.count = limit - out[0] - rn.reserve
    return list(out[1:])


def source_of(store, f) -> str:
    """The generated Python source of ``f`` (for inspection and docs)."""
    lc = lowered(f, store)
    return generate(f, lc.code, lc.zeros, lambda g: _Callee(g)).text
