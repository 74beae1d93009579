"""The reference interpreter: invocation (Wasm 3.0 spec 4.7.3) and the reduction of a thread
(4.2.19 "Configurations") over explicit stacks.

The spec's stack (4.2.17) interleaves values, labels, handlers and call frames.  Here it is
kept as three stacks that together hold the same entries in the same order:

* ``S``, the values of every frame of the run;
* ``frames``, the call frames (`Frame`: locals, module, return arity ``n``, and where the
  frame's values start on ``S``);
* each frame's control stack ``F.labels``: the labels and handlers of that activation,
  innermost last (`pyic.wasm.exec.rules_control`).

Each instruction's reduction rule is a function (the ``rules_*`` modules, bound to the
instructions once by `pyic.wasm.exec.prepare`).  Rules that change frames reduce to an
administrative step this module carries out, named for the spec: invoking a function
(4.6.5 "Invocation of function reference"; host functions: "Host Functions"), returning
from one (4.6.5 "Returning from a function"), the tail calls, and throwing an exception to
the innermost handler that catches it (4.6.2 ``throw_ref``, 4.6.4 "Exception Handling").

Neither call depth nor block nesting uses the host stack.  Call depth is a modelled limit:
``store.config.max_call_depth`` frames and ``max_stack_values`` locals in all frames
together (nested runs included), beyond which a call raises
``Exhaustion("call stack exhausted")``.  A tail call replaces its frame.

Counting (docs/semantics.md): each instruction pays its cost before it runs; when the count
would exceed the meter's limit, the run stops with `InstructionLimitExceeded` before the
instruction has any effect, and the meter keeps the count of the instructions that ran.
Host functions are called with a `Caller`; one that invokes Wasm again starts a nested run
sharing the meter and the depth.  A thrown exception no handler catches leaves the run as
`UncaughtException`.
"""

from __future__ import annotations

from ...errors import Exhaustion, InstructionLimitExceeded, UncaughtException
from ..runtime.gc import ExnInst
from ..runtime.meter import call_host
from .prepare import prepared, straight
from .rules_basic import pop_values
from .rules_control import (CHARGE, RETURN, RETURN_INVOKE, Catches, Caught, Delegate, Handler,
                            exception_of)

EXHAUSTED = "call stack exhausted"


class Frame:
    """A call frame ``FRAME_n{f}`` (4.2.17): ``locals`` and ``module`` of ``f``, the return
    arity ``n``; and the activation's state: its control stack ``labels``, its prepared
    ``code``, the position ``pc`` it continues at when it is not running, the height of ``S``
    below its values, the function instance, and a request's operand (``callee``, ``units``)."""

    __slots__ = ("locals", "module", "arity", "labels", "code", "pc", "height", "func",
                 "callee", "units")

    def __init__(self, locals_: list, func, code: list, labels: list, height: int) -> None:
        self.locals = locals_
        self.module = func.module
        self.arity = func.nresults
        self.labels = labels
        self.code = code
        self.pc = 0
        self.height = height
        self.func = func
        self.callee = None
        self.units = 0


def _frame(store, g, S: list) -> Frame:
    """4.6.5 "Invocation of function reference (ref.func a)", steps 5-10: pop the n arguments,
    make the frame whose locals are the arguments then the declared locals' defaults, push
    its activation with the function's arity m, and enter the body with a label of arity m
    whose continuation is the end of the function."""
    p = g.prepared or prepared(g, store)
    m = g.nparams
    if m:
        locals_ = S[len(S) - m:]
        del S[len(S) - m:]
        locals_ += p.zeros
    else:
        locals_ = p.zeros[:]
    height = len(S)
    return Frame(locals_, g, p.code, [(p.end, g.nresults, height)], height)


def _catch(F: Frame, S: list, exn: ExnInst):
    """4.6.4 "Exception Handling": search F's control stack, innermost first, for a handler
    that catches ``exn``; if there is one, branch to its target and return where to
    continue, else ``None``."""
    labels = F.labels
    tag = exn.tag
    i = len(labels) - 1
    while i >= 0:
        h = labels[i]
        t = type(h)
        if t is Handler:
            for ctag, with_ref, pos, after in h.clauses:
                if ctag is None or ctag is tag:
                    # pop the handler, push the payload (catch, catch_ref) and the exnref
                    # (catch_ref, catch_all_ref), then ``br l``
                    values = list(exn.fields) if ctag is not None else []
                    if with_ref:
                        values.append(exn)
                    del labels[i:]
                    cont, _, height = labels[pos]
                    del S[height:]
                    S += values
                    del labels[after:]
                    return cont
        elif t is Catches:
            for ctag, at in h.catches:
                if ctag is None or ctag is tag:
                    # legacy: the catch body runs inside the try's label with caught{exn}
                    del labels[i:]
                    del S[labels[i - 1][2]:]
                    if ctag is not None:
                        S += exn.fields
                    labels.append(Caught(exn))
                    return at
        elif t is Delegate:
            # legacy: go on below the constructs ``delegate l`` leaves
            i = h.depth
        i -= 1
    return None


def invoke(store, f, args: list, meter) -> list:
    """4.7.3 "Invocation" of the function instance ``f`` with ``args`` (already checked against
    its type by the embedder): its results, or `Trap`, `Exhaustion`,
    `InstructionLimitExceeded` or `UncaughtException`."""
    if f.host is not None:
        return call_host(store, f, list(args), None, meter)
    config = store.config
    max_depth = config.max_call_depth
    max_slots = config.max_stack_values
    depth0 = store.depth
    slots0 = store.slots
    if depth0 + 1 > max_depth:
        raise Exhaustion(EXHAUSTED)
    S: list = list(args)
    F = _frame(store, f, S)
    frames = [F]
    slots = slots0 + len(F.locals)
    if slots > max_slots:
        raise Exhaustion(EXHAUSTED)
    code = F.code
    L = F.locals
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
                    pc = ins[0](ins, S, L, F, pc + 1)
                    if pc >= 0:
                        continue
                    if pc > RETURN:     # INVOKE or RETURN_INVOKE (one comparison)
                        g = F.callee
                        tail = pc == RETURN_INVOKE
                        if tail:
                            # 4.6.2 return_call*: pop the frame, keeping the arguments, then
                            # invoke (so the depth check below always passes)
                            k = len(S) - g.nparams
                            if k != F.height:
                                del S[F.height:k]
                            frames.pop()
                            slots -= len(L)
                        if g.host is None:
                            if depth0 + len(frames) + 1 > max_depth:
                                raise Exhaustion(EXHAUSTED)
                            F = _frame(store, g, S)
                            frames.append(F)
                            slots += len(F.locals)
                            if slots > max_slots:
                                raise Exhaustion(EXHAUSTED)
                            code = F.code
                            L = F.locals
                            pc = 0
                            continue
                        # 4.6.5 "Host Functions", at the depth of the calling frame (a tail
                        # call's popped one included)
                        a = pop_values(S, g.nparams)
                        meter.count = count
                        store.depth = depth0 + len(frames) + tail
                        store.slots = slots
                        try:
                            S += call_host(store, g, a, F.module, meter)
                        finally:
                            count = meter.count
                        if not tail:
                            pc = F.pc
                            continue
                    elif pc == RETURN:
                        # 4.6.5 "Returning from a function": keep the n results, pop the frame
                        k = len(S) - F.arity
                        if k != F.height:
                            del S[F.height:k]
                        frames.pop()
                        slots -= len(L)
                    elif pc == CHARGE:
                        count += F.units
                        if count > limit:
                            count -= F.units
                            raise InstructionLimitExceeded(f"instruction limit {limit} exceeded")
                        pc = F.pc
                        continue
                    # a frame has returned (or tail-called a host function): resume its caller
                    if not frames:
                        return S
                    F = frames[-1]
                    code = F.code
                    L = F.locals
                    pc = F.pc
            except UncaughtException as e:
                # 4.6.4: unwind frame by frame to the innermost handler that catches it
                exn = exception_of(e)
                while True:
                    if not frames:
                        raise
                    F = frames[-1]
                    at = _catch(F, S, exn)
                    if at is not None:
                        break
                    frames.pop()
                    slots -= len(F.locals)
                code = F.code
                L = F.locals
                pc = at
    finally:
        meter.count = count
        store.depth = depth0
        store.slots = slots0


def eval_const(expr: tuple, mi) -> object:
    """4.6.12 "Expressions": the value of the constant expression ``expr`` (constant instructions
    only, 3.4.13.1 "Constant Expressions") in the context of the module instance ``mi`` being
    instantiated (its globals and functions so far).  Each instruction reduces by its rule; constant
    expressions are not counted (docs/semantics.md)."""
    S: list = []
    for instr in expr:
        ins = straight(instr.op, instr.imm, 0, mi, mi.store, False)
        ins[0](ins, S, None, None, 0)
    return S[-1]
