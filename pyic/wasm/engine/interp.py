"""The fast tier's baseline interpreter: the run loop over lowered code (spec 4.7.3
"Invocation", 4.6.5 "Function Calls").

It runs what the code generator does not compile (functions not hot yet, big frames,
``try_table``, the instructions the generator leaves out), calls that go deeper than the
compiled frames may stack on the host stack, and the last block before an instruction
limit (`fast.step_to_limit` uses its handlers).  It counts exactly as the reference
interpreter (`pyic.wasm.exec`) does.

One loop runs a whole Wasm call tree.  A call pushes a frame record on an
explicit list (``frames``) and continues in the same loop, so Wasm call depth
never uses the host stack; it is a modelled limit (`Config.max_call_depth`,
100,000 frames by default, and `Config.max_stack_values`, 4,000,000 locals in
all frames together) beyond which the call raises
``Exhaustion("call stack exhausted")``.  A tail call replaces the current
frame, so ``return_call`` chains never grow ``frames``.

Host functions are called from the loop.  One that invokes Wasm again starts
a nested loop; the frames of all nested loops count towards the same depth
limit and the same instruction meter.

A thrown Wasm exception (`UncaughtException` raised by ``throw``, ``throw_ref``
or a host function) is caught around the inner loop and unwound there, frame
by frame, to the innermost ``try_table`` handler that catches it
(`pyic.wasm.engine.exceptions`); with no handler left it leaves the run.  The
``try`` blocks cost nothing while no exception is raised (CPython 3.11).

Counting (docs/semantics.md): each lowered instruction carries its cost; the
loop adds it to the meter *before* running the instruction, and if the total
would exceed the limit, stops with `InstructionLimitExceeded` without running
it (the meter then holds the cost of the instructions that did run).
"""

from __future__ import annotations

from ...errors import Exhaustion, InstructionLimitExceeded, UncaughtException
from ..runtime.meter import Meter, call_host
from .control import RETURN, TAIL
from .exceptions import exn_of, find_handler, handler_values
from .lower import lowered


def run(store, f, args: list, meter: Meter, callee=None) -> list:
    """Invoke the function instance ``f`` with ``args`` (already type-checked); return its results.

    ``store.depth`` counts the frames of every run in progress (nested runs included).
    ``callee``: ``None``, or ``callee(store, g, args, meter) -> results`` to run every Wasm
    function ``g`` that ``f`` calls as a nested run, entered as a host call is, after this
    loop's frame checks (the fast tier's tiering: `engine.fast` interprets a function that is
    not hot yet and runs its callees compiled).
    """
    if f.host is not None:
        return call_host(store, f, list(args), None, meter)
    max_depth = store.config.max_call_depth
    max_slots = store.config.max_stack_values
    depth0 = store.depth
    slots0 = store.slots
    if depth0 + 1 > max_depth:
        raise Exhaustion("call stack exhausted")
    c = lowered(f, store)
    code = c.code
    L = list(args) + c.zeros
    slots = slots0 + len(L)
    S: list = []
    base = 0
    nres = f.nresults
    cur = f
    frames: list = []
    pc = 0
    count = meter.count
    limit = meter.limit
    try:
        while True:
            try:
                while True:
                    ins = code[pc]
                    count += ins[1]
                    if count > limit:
                        count -= ins[1]
                        raise InstructionLimitExceeded(f"instruction limit {limit} exceeded")
                    pc = ins[0](ins, S, L, pc + 1)
                    if pc >= 0:
                        continue
                    if pc == RETURN:
                        # 4.6.5 "Returning from a function" / falling off the end: keep the
                        # results, drop the frame's operands
                        if len(S) != base + nres:
                            res = S[len(S) - nres:] if nres else []
                            del S[base:]
                            S += res
                        if not frames:
                            return S
                        slots -= len(L)
                        code, pc, L, base, nres, cur = frames.pop()
                        continue
                    if pc == TAIL:
                        g = S.pop()
                        n = g.nparams
                        args_ = S[len(S) - n:] if n else []
                        del S[base:]
                        if g.host is not None:
                            meter.count = count
                            store.depth = depth0 + len(frames) + 1
                            store.slots = slots
                            try:
                                S += call_host(store, g, args_, cur.module, meter)
                            finally:
                                # (an exception raised here is raised past this frame: pc is TAIL)
                                count = meter.count
                            if not frames:
                                return S
                            slots -= len(L)
                            code, pc, L, base, nres, cur = frames.pop()
                            continue
                        gc = g.compiled or lowered(g, store)
                        code = gc.code
                        slots -= len(L)
                        L = args_ + gc.zeros
                        slots += len(L)
                        if slots > max_slots:
                            raise Exhaustion("call stack exhausted")
                        nres = g.nresults
                        cur = g
                        pc = 0
                        continue
                    pc = ~pc
                    g = S.pop()
                    if type(g) is int:
                        # a bulk operation's per-unit charge, paid before it runs
                        count += g
                        if count > limit:
                            count -= g
                            raise InstructionLimitExceeded(f"instruction limit {limit} exceeded")
                        continue
                    n = g.nparams
                    if n:
                        args_ = S[len(S) - n:]
                        del S[len(S) - n:]
                    else:
                        args_ = []
                    if g.host is not None:
                        meter.count = count
                        store.depth = depth0 + len(frames) + 1
                        store.slots = slots
                        try:
                            S += call_host(store, g, args_, cur.module, meter)
                        except UncaughtException:
                            pc -= 1      # raised at the call instruction
                            raise
                        finally:
                            count = meter.count
                        continue
                    if callee is not None:
                        # a nested fast run, entered as a host call is, after the frame checks
                        if depth0 + len(frames) + 2 > max_depth:
                            raise Exhaustion("call stack exhausted")
                        if slots + n + len((g.compiled or lowered(g, store)).zeros) > max_slots:
                            raise Exhaustion("call stack exhausted")
                        meter.count = count
                        store.depth = depth0 + len(frames) + 1
                        store.slots = slots
                        try:
                            S += callee(store, g, args_, meter)
                        except UncaughtException:
                            pc -= 1      # raised at the call instruction
                            raise
                        finally:
                            count = meter.count
                        continue
                    if depth0 + len(frames) + 2 > max_depth:
                        raise Exhaustion("call stack exhausted")
                    frames.append((code, pc, L, base, nres, cur))
                    gc = g.compiled or lowered(g, store)
                    code = gc.code
                    L = args_ + gc.zeros
                    slots += len(L)
                    if slots > max_slots:
                        raise Exhaustion("call stack exhausted")
                    base = len(S)
                    nres = g.nresults
                    cur = g
                    pc = 0
            except UncaughtException as e:
                # 4.6.4 "Exception Handling": unwind to the innermost try_table that catches it,
                # frame by frame (``pc`` is the raising instruction, a caller's return address - 1
                # its call)
                exn = exn_of(e)
                at = pc
                while True:
                    clause = find_handler(cur.compiled.handlers, at, exn)
                    if clause is not None:
                        break
                    if not frames:
                        raise
                    slots -= len(L)
                    code, pc, L, base, nres, cur = frames.pop()
                    at = pc - 1
                del S[base + clause[3]:]
                S += handler_values(clause, exn)
                pc = clause[2]
    finally:
        meter.count = count
        store.depth = depth0
        store.slots = slots0
