"""The fast tier's runtime: compiling functions, the run driver, calls and slow paths.

Calling convention of a generated function: ``f(b, r, *args)`` returns ``b``
(no results) or ``(b, *results)``.  ``b`` is the instruction budget left
(``limit - count``), so one local carries both the count and the limit check;
``r`` is the frame's room: how many more generated frames may be stacked on
the host stack before a call hands over to the baseline interpreter, and the
locals of the frames below (see Depth).

Depth: a run may stack ``T`` generated frames on the host stack, the least of
the modelled depth left (`Config.max_call_depth`), the host frames the run may
use (``HOST_CAP``, less for a run nested in another through a host function)
and the locals budget left (`Config.max_stack_values`, see ``NLBIG``).  The
frame at relative depth ``k`` (the invoked function is 1) receives
``r = (T - k) * FRAME + FRAME - 1 - S``, where ``S`` is the number of locals of
the generated frames below it (`codegen.FRAME`), so ``r < 0`` exactly when
``k > T``, and ``k`` and ``S`` are read back from ``r`` (`_frame_of`).  A
callee entered with ``r < 0`` calls ``DEEP``: at the modelled limit that
raises `Exhaustion` exactly as the reference interpreter; otherwise the callee
and everything it calls run on the baseline interpreter (`interp`: an
explicit frame stack), with the exact depth and locals count of the frames
below.

Counts at a failure: every exception leaving a generated function carries
``_pb``, the budget at the failing instruction, set by the innermost frame
from its budget and the failing instruction's refund (`codegen`), which the
driver turns into the meter's count.

Translation: a function whose code holds an instruction the code generator
leaves to the baseline interpreter (`cfg.interpreted`) runs there by design.
Any other failure to generate or compile a function is a bug: with ``STRICT``
(the test suite sets it) it raises `TranslationError`; otherwise it is counted
in ``FAILURES``, logged once per function, and the function runs on the
baseline interpreter.
"""

from __future__ import annotations

import struct
import sys
from collections import Counter

from ...errors import Exhaustion, InstructionLimitExceeded, PyicError, Trap
from ..runtime.meter import call_host
from ..runtime.values import NullRef
from . import control as C
from . import interp
from .cfg import interpreted, self_tail_call
from .codegen import FRAME, generate
from .lower import lowered


NLBIG = 1024        # functions with more locals (params included) run interpreted
HOST_CAP = 400      # fast frames stacked on the host stack per run, at most
HOST_MARGIN = 120   # Python frames for adapters, stubs and host calls beyond the fast frames
NEST_FRAMES = 60    # host frames a host function takes before it re-enters the tier
CODE_CACHE_MAX = 8192
CAP = (1 << 30) - 1  # the most budget generated code carries at once
# Tiering: a loop-free function of at least DEFER_MIN lowered instructions (so: every one) is
# interpreted on its first HOT_CALLS - 1 calls (its callees on the fast tier) and compiled on
# the next one; tests raise DEFER_MIN to compile everything on its first call.
DEFER_MIN = 1
HOT_CALLS = 4

_CODE_CACHE: dict = {}      # source text -> code object
FILENAME = "<pyic fast tier>"   # of every generated function; its name is f_<number of locals>
RUNS: list = []             # the runs in progress, innermost last
STRICT = False              # a translation failure raises (the test suite sets it)
FAILURES: Counter = Counter()   # translation failures by kind (without STRICT)
INTERPRETED: Counter = Counter()  # functions left to the baseline interpreter, by reason


class TranslationError(Exception):
    """Generating or compiling a function failed (a bug of the fast tier)."""


class Run:
    """One run of the fast tier.  The budget left is ``b + reserve``: generated code carries
    ``b`` (kept below 2**30, where CPython's int arithmetic is fastest) and takes more from
    ``reserve`` when a block does not fit (`_refill`)."""

    __slots__ = ("store", "meter", "limit", "depth0", "slots0", "T", "maxd", "maxs", "reserve",
                 "room", "nested_room")

    def __init__(self, store, meter, depth0, slots0, T, room) -> None:
        self.store = store
        self.meter = meter
        self.reserve = 0
        self.limit = meter.limit
        self.depth0 = depth0
        self.slots0 = slots0
        self.T = T
        self.maxd = store.config.max_call_depth
        self.maxs = store.config.max_stack_values
        self.room = room            # host frames this run may use (`run`)
        self.nested_room = 0        # ... and a run nested in it, set before each call out


def _annotate(e: PyicError, b: int) -> PyicError:
    e._pb = b
    return e


def _limit_error(b: int) -> PyicError:
    limit = RUNS[-1].limit
    return _annotate(InstructionLimitExceeded(f"instruction limit {limit} exceeded"), b)


# ---------------------------------------------------------------------- helpers of generated code

def FIX(e, b: int, q: int) -> None:
    """Record the budget at the failing instruction (innermost generated frame only): ``b``
    plus the refund the failing operation recorded (``_pr``), else ``q``, the refund the
    function last assigned before an operation that records none."""
    d = e.__dict__
    if "_pb" not in d:
        d["_pb"] = b + d.pop("_pr", q)


def PR(e: PyicError, refund: int) -> PyicError:
    """``e``, raised with ``refund`` (the cost of its block's instructions after it)."""
    e._pr = refund
    return e


def RD(m, ea: int, n: int, refund: int) -> int:
    """A load's slow path (`MemInst.read`: pages, bounds, traps)."""
    try:
        return int.from_bytes(m.read(ea, n), "little")
    except PyicError as e:
        e._pr = refund
        raise


def WR(m, ea: int, v: int, n: int, refund: int) -> None:
    """A store's slow path (`MemInst.write`: the write window, journal, bounds, traps)."""
    try:
        m.write(ea, (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))
    except PyicError as e:
        e._pr = refund
        raise


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


def step_to_limit(code: list, nlocals: int, bb: int, pc: int, h: int, loc: dict,
                  flocals=frozenset()) -> None:
    """The limit falls inside the block starting at ``pc``: run its instructions one by one
    on the interpreter's handlers (``bb``: budget before the block) and stop where the
    interpreter stops (docs/semantics.md, "The limit").  Always raises."""
    S = [loc[f"s{i}"] for i in range(h)]
    L = [F2B(loc[f"l{i}"]) if i in flocals else loc[f"l{i}"] for i in range(nlocals)]
    while True:
        ins = code[pc]
        c = ins[1]
        if c > bb:
            raise _limit_error(bb)
        bb -= c
        try:
            pc = ins[0](ins, S, L, pc + 1)
        except PyicError as e:
            e.__dict__.pop("_pr", None)
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
    """4.6.2 ``call_indirect``: the callee's fast callable; traps exactly as the interpreter's
    ``_indirect_target`` (it is that function)."""
    try:
        g = C._indirect_target(ins, [i])
    except PyicError as e:
        raise PR(e, 0)     # the call ends its block: nothing after it to refund
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
    "PyicError": PyicError, "Trap": Trap, "NullRef": NullRef, "FIX": FIX, "PR": PR, "RD": RD,
    "WR": WR,
    "LIMDYN": LIMDYN, "CI": CI, "F2B": F2B, "UD": _F64.unpack, "PQ": _Q64.pack,
    "UQ": _Q64.unpack, "PD": _F64.pack,
    "U16": _U16.unpack_from, "U32": _U32.unpack_from, "U64": _U64.unpack_from,
    "P16": _U16.pack_into, "P32": _U32.pack_into, "P64": _U64.pack_into,
}


# ---------------------------------------------------------------------- frames and adapters

def is_generated(fn) -> bool:
    """Whether ``fn`` is a generated function (not an adapter running the interpreter)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename == FILENAME


def _frame_of(rn: Run, r: int) -> tuple:
    """``(k, S)`` of a callee entered with ``r`` (see the module's docstring): its relative
    depth and the locals of the generated frames below it."""
    return rn.T - r // FRAME, FRAME - 1 - r % FRAME


def _results(b: int, res: list, nres: int):
    if nres == 0:
        return b
    return (b, *res)


def interp_call(f, b: int, r: int, args: tuple, callees_fast: bool = False):
    """Run ``f`` (and all it calls, unless ``callees_fast``) on the baseline interpreter,
    as the callee entered with room ``r``."""
    rn = RUNS[-1]
    store = rn.store
    k, below = _frame_of(rn, r)
    depth = rn.depth0 + k
    if depth > rn.maxd:
        raise _annotate(Exhaustion("call stack exhausted"), b)
    slots = rn.slots0 + below
    if f.host is None:
        c = lowered(f, store)
        if slots + f.nparams + len(c.zeros) > rn.maxs:
            raise _annotate(Exhaustion("call stack exhausted"), b)
    m = rn.meter
    m.count = rn.limit - b - rn.reserve
    store.depth = depth - 1
    store.slots = slots
    rn.nested_room = rn.room - k - NEST_FRAMES
    try:
        res = interp.run(store, f, list(args), m, run if callees_fast else None)
    except PyicError as e:
        raise _annotate(e, rn.limit - m.count - rn.reserve)
    finally:
        store.depth = rn.depth0
        store.slots = rn.slots0
    return _results(rn.limit - m.count - rn.reserve, res, f.nresults)


def _interp_adapter(f):
    def call(b, r, *args):
        return interp_call(f, b, r, args)
    return call


class _Tier:
    """Tiering: a loop-free function runs on the baseline interpreter (its callees
    compiled) until its `HOT_CALLS`-th call, which compiles it.  Run-once code so never pays
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
        return interp_call(self.f, b, r, args, callees_fast=True)


def _loop_free(code: list, f) -> bool:
    """Whether no branch of the lowered ``code`` goes backwards and no tail call re-enters
    ``f`` (so a call runs each instruction at most once)."""
    fwd = (C.jump, C.if_, C.br, C.br_drop, C.br_if, C.br_if_drop)
    for pc, ins in enumerate(code):
        h = ins[0]
        if self_tail_call(ins, f):
            return False
        if h in fwd:
            if ins[2] <= pc:
                return False
        elif h is C.br_table:
            if ins[3][0] <= pc or any(t[0] <= pc for t in ins[2]):
                return False
    return True


def _first(store, f):
    """The callable of ``f`` on its first call: a `_Tier` for a loop-free function (one
    call of it takes at most its length in steps, so interpreting it is never slow), else
    the compiled function (or its interpreter adapter)."""
    lc = lowered(f, store)
    if len(lc.code) >= DEFER_MIN and f.nparams + len(lc.zeros) <= NLBIG \
            and not getattr(lc, "handlers", ()) and _loop_free(lc.code, f):
        return _Tier(store, f)
    return _compile(store, f)


def _host_adapter(g, mi):
    nres = g.nresults

    def call(b, r, *args):
        rn = RUNS[-1]
        store = rn.store
        k, below = _frame_of(rn, r)   # the callee's relative depth; the caller is k - 1
        m = rn.meter
        m.count = rn.limit - b - rn.reserve
        store.depth = rn.depth0 + k - 1
        store.slots = rn.slots0 + below
        rn.nested_room = rn.room - k - NEST_FRAMES
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
    why = "big frame" if nlocals > NLBIG else interpreted(lc.code, lc.handlers, f)
    if why is not None:
        # by design: big frames (see run), try_table, instructions the generator leaves out
        INTERPRETED[why] += 1
        return _interp_adapter(f)
    markers: dict = {}

    def resolve(g):
        mk = markers.get(g)
        if mk is None:
            mk = markers[g] = _Callee(g)
        return mk
    try:
        src = generate(f, lc.code, lc.zeros, resolve)
        code = _CODE_CACHE.get(src.text)
        if code is None:
            code = compile(src.text, FILENAME, "exec")
            if len(_CODE_CACHE) >= CODE_CACHE_MAX:
                _CODE_CACHE.clear()
            _CODE_CACHE[src.text] = code
    except Exception as e:     # a bug of the generator, or a limit of Python's compiler
        return _failed(f, e)
    ns = dict(BASE)
    ns.update(src.bindings)
    ns["DEEP"] = _interp_adapter(f)

    def lim(bb, pc, h, loc, need=0, _code=lc.code, _n=nlocals, _blocks=src.costs,
            _fl=src.flocals):
        # the block (``need``: the blocks from ``pc`` charged together) does not fit the
        # local budget: refill it from the run's reserve, or the limit falls inside it
        k = need or _blocks[pc]
        bb = _refill(bb, k)
        if bb >= k:
            return bb
        step_to_limit(_code, _n, bb, pc, h, loc, _fl)
    ns["LIM"] = lim
    for name, obj in src.bindings.items():
        if type(obj) is _Callee:
            ns[name] = _stub(store, ns, name, obj.f, f.module)
    exec(code, ns)
    return ns[f"f_{nlocals}"]


def _failed(f, e: Exception):
    """A function the fast tier failed to translate: an error with `STRICT`, else counted,
    logged, and run on the baseline interpreter."""
    kind = type(e).__name__
    if STRICT:
        raise TranslationError(f"function {f.addr}: {kind}: {e}") from e
    FAILURES[kind] += 1
    import logging  # only here: the module is on every run's start-up path

    logging.getLogger(__name__).warning(
        "fast tier: function %d not translated (%s: %s); it runs interpreted", f.addr, kind, e)
    return _interp_adapter(f)


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
                return interp_call(g, a[0], a[1], a[2:], callees_fast=True)
        ns[name] = fn
        return fn(*a)
    return stub


# ---------------------------------------------------------------------- the driver

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
    # Host frames: the outermost run raises Python's recursion limit by what it may use (its
    # caller's own depth is below the limit, so this room is there whatever that depth is);
    # a run nested through a host function gets what its parent left (`Run.nested_room`).
    outer = not RUNS
    room = HOST_CAP if outer else min(HOST_CAP, RUNS[-1].nested_room)
    T = min(cfg.max_call_depth - depth0, room, (cfg.max_stack_values - slots0) // NLBIG)
    if T < 1 or not is_generated(fn):
        return interp.run(store, f, args, meter)
    limit = meter.limit
    rn = Run(store, meter, depth0, slots0, T, room)
    left = limit - meter.count
    b0 = min(left, CAP)
    rn.reserve = left - b0
    if outer:
        py_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(py_limit + HOST_CAP + HOST_MARGIN)
    RUNS.append(rn)
    try:
        out = fn(b0, T * FRAME - 1, *args)
    except PyicError as e:
        pb = e.__dict__.pop("_pb", None)
        if pb is not None:
            meter.count = limit - pb - rn.reserve
        raise
    finally:
        RUNS.pop()
        store.depth = depth0
        store.slots = slots0
        if outer:
            sys.setrecursionlimit(py_limit)
    if f.nresults == 0:
        meter.count = limit - out - rn.reserve
        return []
    meter.count = limit - out[0] - rn.reserve
    return list(out[1:])


def source_of(store, f) -> str:
    """The generated Python source of ``f`` (for inspection and docs)."""
    lc = lowered(f, store)
    return generate(f, lc.code, lc.zeros, lambda g: _Callee(g)).text
