"""A PocketIC instance: several subnets, each one `pyic.ic.machine.IC`, run as one IC.

What the instance adds to the IC layer is what a multi-subnet IC adds to one
subnet, nothing else:

- **routing**: a canister id belongs to the subnet whose canister ranges hold
  it; an ingress message goes to the subnet of its effective principal (the
  callee, the ``canister_id`` in a management call's argument, or a subnet id);
- **XNet**: a call a canister makes to a canister of another subnet (or to the
  management canister about one) leaves its subnet's message queue and enters
  the other's; the response travels back the same way.  Each subnet numbers its
  call contexts from its own base (``call_id_base``), so an origin's context id
  tells which subnet it belongs to;
- **one clock**: every subnet has the same time; a round (`tick`) is a round on
  every subnet, interleaved step by step so calls between them complete in it.

Known differences from the replica, from keeping `pyic.ic` a one-subnet model:
a callee on another subnet sees a deadline of a best-effort call as already
passed (its subnet cannot read the caller's clock: such calls expire at once),
and a callback of a context opened by a call from another subnet sees
``aaaaa-aa`` as the caller's caller.

**One root of trust**: each subnet has its own key and id, derived from its
``S.seed`` (`pyic.ic.certification`): the root subnet (the NNS, else the first)
has a plain seed, the others a seed delegated to it, so ``ic0.root_key_copy``
gives the root key everywhere, ``ic0.subnet_self_copy`` the subnet's own id (the
one the topology reports), and each subnet's certifier (`SubnetCertifier`) signs
with the subnet's key and attaches the root subnet's delegation.

Fees scale with the subnet's size (`SUBNET_SIZE`).  System subnets (NNS, II,
Bitcoin, system) charge no creation, ingress, XNet, storage or allocation fees, as
on the replica, but still charge execution: pyic measures instruction budgets in
cycles (``pyic/ic/rules/queries.py``), so execution fees cannot be zero.
"""

from __future__ import annotations

import functools
import hashlib

from attrs import define, evolve

from ..candid import Principal
from ..ic import certification, scheduler
from ..ic.canister import CANISTER_ERROR, RejectResponse, Reply
from ..ic.costs import DEFAULT
from ..ic.costs import SubnetConfig as Costs
from ..ic.machine import IC, _RejectRaised
from ..ic.state import (
    IC_PRINCIPAL,
    CallMessage,
    FromCanister,
    Rejected,
    Replied,
    ResponseMessage,
    with_canister,
)
from .errors import CanisterNotFound, InstanceError
from .topology import (
    SUBNET_SIZE,
    SYSTEM_KINDS,
    RangeGen,
    SubnetKind,
    SubnetLayout,
    layout_for_canister,
)

# Call-context ids of subnet n start at n << CALL_ID_BITS (far beyond any run's count).
CALL_ID_BITS = 40
MAX_ROUNDS_PER_CALL = 100


@define
class Subnet:
    """One subnet of the instance: where it sits, and its IC."""

    layout: SubnetLayout
    ic: IC
    call_id_base: int

    @property
    def subnet_id(self) -> bytes:
        """The self-authenticating id of the subnet's own key (`pyic.ic.certification`)."""
        return certification.subnet_id(self.ic.state.seed)

    @property
    def kind(self) -> SubnetKind:
        return self.layout.kind

    @property
    def nodes(self) -> tuple[tuple[bytes, bytes], ...]:
        """``(node id, DER Ed25519 key)`` of each of the subnet's nodes
        (`pyic.ic.certification.subnet_nodes`)."""
        return certification.subnet_nodes(certification.own_seed(self.ic.state.seed),
                                          SUBNET_SIZE[self.kind])

    def owns_calls_of(self, ctxt_id: int) -> bool:
        return ctxt_id >> CALL_ID_BITS == self.call_id_base >> CALL_ID_BITS


@define
class Ingress:
    """An ingress message the instance accepted: where it went, and its request."""

    subnet: Subnet
    request: object


def subnet_costs(kind: SubnetKind, base: Costs = DEFAULT) -> Costs:
    """The fees and limits of a subnet of ``kind``: sized as the server sizes it, and
    on a system subnet the free cost schedule (no fee at all; the same limits)."""
    return evolve(base, subnet_size=SUBNET_SIZE[kind],
                  cost_schedule="free" if kind in SYSTEM_KINDS else base.cost_schedule)


@functools.lru_cache(maxsize=256)
def subnet_seed(seed: bytes, layout: SubnetLayout) -> bytes:
    """The plain seed of a new subnet of an instance made with ``seed``: its keys,
    its id and its randomness (``raw_rand``) come from it."""
    return hashlib.sha256(b"pyic subnet seed" + layout.seed + seed).digest()


def subnet_ic(layout: SubnetLayout, index: int, *, costs: Costs | None = None,
              time: int | None = None, seed: bytes = b"pyic", tier: str | None = None) -> Subnet:
    """A new subnet: an empty IC whose fresh canister ids come from the layout's
    allocation range and whose call ids from the subnet's own base; its seed is made
    from ``seed``, the instance's (`subnet_seed`; delegated when the instance adopts it)."""
    cfg = costs if costs is not None else subnet_costs(layout.kind)
    kw = {} if time is None else {"time": time}
    ic = IC(cfg, seed=subnet_seed(seed, layout), tier=tier, **kw)
    base = index << CALL_ID_BITS
    ic.state = evolve(ic.state, next_canister_index=layout.allocation.start, next_call_id=base)
    return Subnet(layout, ic, base)


class Instance:
    """The subnets of one instance and every operation of the protocol on them."""

    def __init__(self, subnets: list[Subnet], range_gen: RangeGen | None = None,
                 seed: bytes = b"pyic", tier: str | None = None) -> None:
        if not subnets:
            raise InstanceError("At least one subnet must be configured.")
        self.subnets = subnets
        self.range_gen = range_gen if range_gen is not None else RangeGen()
        self.seed = seed
        self.tier = tier       # the Wasm tier of subnets added later (`SubnetConfig.wasm_tier`)
        self.ingress: dict[bytes, Ingress] = {}
        self.in_flight: dict[int, int] = {}   # call context id -> its calls on other subnets
        # The root of trust: the NNS subnet, else the first (as the server's registry).
        self.root = next((s for s in subnets if s.kind == SubnetKind.NNS), subnets[0])
        for s in subnets:
            self._adopt(s)
        ids = [s.subnet_id for s in subnets]
        if len(set(ids)) != len(ids):
            raise InstanceError("Invalid subnet states: two subnets have the same subnet id.")
        self._recount_in_flight()
        self._sync_time(max(s.ic.time for s in subnets))

    # ---------------------------------------------------------------- topology

    def _adopt(self, subnet: Subnet) -> None:
        """Make ``subnet`` one of this instance's: its seed delegated to the root
        subnet's (its own keys and id unchanged), and its certifier this instance's.
        pyic's own single subnet (``catch_all``) keeps its IC's seed and certifier."""
        if subnet.layout.catch_all:
            return
        own = certification.own_seed(subnet.ic.state.seed)
        seed = own if subnet is self.root else certification.delegated_seed(
            certification.own_seed(self.root.ic.state.seed), own)
        if seed != subnet.ic.state.seed:
            subnet.ic.state = evolve(subnet.ic.state, seed=seed)
        subnet.ic.certifier = SubnetCertifier(self, subnet)

    def subnet_infos(self) -> tuple:
        """What the subnets' state trees say of the instance's topology (a
        `pyic.http.state_tree.SubnetInfo` per subnet)."""
        from ..http.state_tree import SubnetInfo
        infos = []
        for s in self.subnets:
            ranges = tuple((Principal.from_canister_id(r.start).bytes,
                            Principal.from_canister_id(r.end).bytes)
                           for r in sorted(s.layout.all_ranges))
            infos.append(SubnetInfo(s.subnet_id, certification.subnet_key(s.ic.state.seed),
                                    _STATE_TREE_TYPE.get(s.kind, "application"), ranges,
                                    s.nodes))
        return tuple(infos)

    def subnet_by_id(self, subnet_id: bytes) -> Subnet | None:
        return next((s for s in self.subnets if s.subnet_id == subnet_id), None)

    def route(self, canister_id: bytes) -> Subnet | None:
        """The subnet whose ranges hold ``canister_id`` (None for non-canister principals)."""
        index = Principal(canister_id).canister_counter()
        owner = None if index is None else next(
            (s for s in self.subnets if s.layout.owns(index)), None)
        return owner or next((s for s in self.subnets if s.layout.catch_all), None)

    def route_or_fail(self, canister_id: bytes) -> Subnet:
        subnet = self.route(canister_id)
        if subnet is None:
            raise InstanceError(f"CanisterId {_text(canister_id)} does not belong to any subnet.")
        return subnet

    def default_subnet(self) -> Subnet:
        """Where calls with no effective principal create canisters: the first
        application subnet, else verified application, else system, else the first."""
        for kind in (SubnetKind.APPLICATION, SubnetKind.VERIFIED_APPLICATION, SubnetKind.SYSTEM):
            for s in self.subnets:
                if s.kind == kind:
                    return s
        return self.subnets[0]

    def default_effective_canister_id(self) -> bytes:
        return Principal.from_canister_id(self.default_subnet().layout.allocation.start).bytes

    def add_subnet_for(self, canister_id: bytes) -> Subnet:
        """The subnet the server adds when a specified id belongs to none."""
        index = Principal(canister_id).canister_counter()
        if index is None:
            raise InstanceError(f"The specified id {_text(canister_id)} is not a canister id.")
        layout = layout_for_canister(index, self.range_gen)
        subnet = subnet_ic(layout, self._next_subnet_index(), time=self.time, seed=self.seed,
                           tier=self.tier)
        self.subnets.append(subnet)
        self._adopt(subnet)
        return subnet

    def _next_subnet_index(self) -> int:
        return max(s.call_id_base >> CALL_ID_BITS for s in self.subnets) + 1

    # ---------------------------------------------------------------- time and rounds

    @property
    def time(self) -> int:
        return self.subnets[0].ic.time

    def _sync_time(self, t: int) -> None:
        for s in self.subnets:
            if s.ic.time < t:
                s.ic.set_time(t)

    def set_time(self, t: int) -> None:
        if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t < 1 << 64:
            raise InstanceError(f"time must be nanoseconds since the epoch (a u64), got {t!r}")
        if t < self.time:
            raise InstanceError(f"SettingTimeIntoPast(({self.time}, {t}))")
        self._sync_time(t)

    def tick(self) -> None:
        """One round on every subnet: time moves 1 ns, system tasks run, then
        every subnet steps (with XNet transfers between steps) until all are idle."""
        for s in self.subnets:
            s.ic.state = scheduler.advance_all_time(s.ic.state, 1, s.ic.cfg)
        for s in self.subnets:
            s.ic.state = scheduler.system_tasks(s.ic.state, s.ic.cfg)
        self._run()

    def _run(self, done=None) -> None:
        """Steps, one per subnet in turn, until nothing moves (or ``done()``), within
        one round's step budget."""
        for _ in range(scheduler.MAX_STEPS_PER_ROUND):
            if done is not None and done():
                return
            moved = self._xnet()
            stepped = False
            for s in self.subnets:
                nxt = scheduler.step(s.ic.state, s.ic.cfg)
                if nxt is not None and not self._ends_waiting_context(s, nxt):
                    s.ic.state = nxt
                    stepped = True
            if not (moved or stepped):
                return

    def _ends_waiting_context(self, subnet: Subnet, after) -> bool:
        """Whether a step would starve or remove a call context still waiting for a
        response from another subnet.  Its subnet cannot see that call (it left its
        queue), so the one-subnet rules think nothing references the context: such a
        step is not taken, as the replica would not take it."""
        waiting = [c for c in self.in_flight if subnet.owns_calls_of(c)]
        if not waiting:
            return False
        before = subnet.ic.state
        if after.messages[:len(before.messages)] != before.messages:
            return False   # a message moved: not a call-context rule
        for ctxt_id in waiting:
            old, new = before.call_contexts.get(ctxt_id), after.call_contexts.get(ctxt_id)
            if old is not None and (new is None or old.needs_to_respond != new.needs_to_respond):
                return True
        return False

    # ---------------------------------------------------------------- XNet

    def _destination(self, here: Subnet, m) -> Subnet | None:
        """The subnet message ``m`` (in ``here``'s queue) must move to, if another."""
        if isinstance(m, CallMessage):
            target = m.callee
            if target == IC_PRINCIPAL:
                from ..ic.management.info import named_subnet
                subnet = named_subnet(m.method_name, m.arg)      # subnet_info, node metrics
                if subnet is not None:
                    there = self.subnet_by_id(subnet)
                    return there if there is not None and there is not here else None
                from ..ic.management.args import effective_canister_id
                target = effective_canister_id(m.method_name, m.arg)
                if not target:
                    return None
            there = self.route(target)
        elif isinstance(m, ResponseMessage) and isinstance(m.origin, FromCanister):
            ctxt = m.origin.calling_context
            there = next((s for s in self.subnets if s.owns_calls_of(ctxt)), None)
        else:
            return None
        return there if there is not None and there is not here else None

    def _xnet(self) -> bool:
        """Move every message whose destination is on another subnet; whether any moved.
        Calls out of a context are counted in `in_flight` until their response is home."""
        if len(self.subnets) == 1:
            return False
        moved = False
        for here in self.subnets:
            keep, leave = [], []
            for m in here.ic.state.messages:
                there = self._destination(here, m)
                (keep if there is None else leave).append((m, there))
            if leave:
                here.ic.state = evolve(here.ic.state, messages=tuple(m for m, _ in keep))
                for m, there in leave:
                    there.ic.state = evolve(there.ic.state,
                                            messages=there.ic.state.messages + (m,))
                    self._count_in_flight(m)
                moved = True
        return moved

    def _recount_in_flight(self) -> None:
        """`in_flight` read from the states (after a restore): calls, contexts still to
        respond and responses on their way, held by a subnet other than the caller's."""
        for here in self.subnets:
            origins = [m.origin for m in here.ic.state.messages
                       if isinstance(m, (CallMessage, ResponseMessage))]
            origins += [c.origin for c in here.ic.state.call_contexts.values()
                        if c.needs_to_respond]
            for origin in origins:
                if isinstance(origin, FromCanister) \
                        and not here.owns_calls_of(origin.calling_context):
                    ctxt = origin.calling_context
                    self.in_flight[ctxt] = self.in_flight.get(ctxt, 0) + 1

    def _count_in_flight(self, m) -> None:
        if not isinstance(m.origin, FromCanister):
            return
        ctxt = m.origin.calling_context
        n = self.in_flight.get(ctxt, 0) + (1 if isinstance(m, CallMessage) else -1)
        if n > 0:
            self.in_flight[ctxt] = n
        else:
            self.in_flight.pop(ctxt, None)

    # ---------------------------------------------------------------- canisters as data

    def canister(self, canister_id: bytes):
        """``(subnet, canister)``; `InstanceError` if no subnet has it (as the server)."""
        subnet = self.route_or_fail(canister_id)
        c = subnet.ic.state.canisters.get(canister_id)
        if c is None:
            raise CanisterNotFound(canister_id)
        return subnet, c

    def get_subnet(self, canister_id: bytes) -> bytes | None:
        subnet = self.route(canister_id)
        if subnet is None or canister_id not in subnet.ic.state.canisters:
            return None
        return subnet.subnet_id

    def get_cycles(self, canister_id: bytes) -> int:
        return self.canister(canister_id)[1].balance

    def add_cycles(self, canister_id: bytes, amount: int) -> int:
        from ..ic.costs import saturating_add
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise InstanceError(f"amount must be a non-negative number of cycles, got {amount!r}")
        subnet, c = self.canister(canister_id)
        subnet.ic.state = with_canister(subnet.ic.state, canister_id,
                                        balance=saturating_add(c.balance, amount))
        return subnet.ic.state.canisters[canister_id].balance

    def get_stable_memory(self, canister_id: bytes) -> bytes:
        _, c = self.canister(canister_id)
        if c.can_state is None:
            return b""
        return bytes(c.can_state.wasm_state.stable_memory)

    def set_stable_memory(self, canister_id: bytes, data: bytes) -> None:
        """Replace the stable memory, padded to whole 64 KiB pages (as the server does)."""
        subnet, c = self.canister(canister_id)
        if c.can_state is None:
            raise InstanceError(f"CanisterIsEmpty({_text(canister_id)})")
        data = bytes(data) + bytes(-len(data) % 65536)
        ws = evolve(c.can_state.wasm_state, stable_memory=data)
        subnet.ic.state = with_canister(subnet.ic.state, canister_id,
                                        can_state=evolve(c.can_state, wasm_state=ws))

    # ---------------------------------------------------------------- calls

    def _call_subnet(self, canister_id: bytes, method: str, arg: bytes,
                     effective: tuple) -> Subnet:
        """Where an ingress message or query goes (see the module docstring)."""
        kind, principal = effective
        if kind == "SubnetId":
            subnet = self.subnet_by_id(principal)
            if subnet is None:
                raise InstanceError(f"SubnetNotFound({_text(principal)})")
            return subnet
        if canister_id != IC_PRINCIPAL:
            return self.route_or_fail(canister_id)
        if method in ("provisional_create_canister_with_cycles", "create_canister"):
            specified = _specified_id(arg)
            if specified is not None:
                return self.route(specified) or self.add_subnet_for(specified)
            if kind == "CanisterId":
                return self.route_or_fail(principal)
            return self.default_subnet()
        if kind == "CanisterId":
            return self.route_or_fail(principal)
        from ..ic.management.args import effective_canister_id
        target = effective_canister_id(method, arg)
        # A call naming no canister goes to the default subnet, whose IC answers it.
        return self.route_or_fail(target) if target else self.default_subnet()

    def submit(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
               effective: tuple = ("None", b"")) -> bytes | RejectResponse:
        """Submit an ingress update call: its message id, or the `RejectResponse` refusing it."""
        subnet = self._call_subnet(canister_id, method, arg, effective)
        refused = _refuse_existing_specified_id(subnet, canister_id, method, arg)
        if refused is not None:
            return refused
        ecid = effective[1] if effective[0] == "CanisterId" else None
        try:
            request = subnet.ic.submit(sender, canister_id, method, arg, ecid)
        except _RejectRaised as r:
            return r.reject
        mid = message_id(request)
        self.ingress[mid] = Ingress(subnet, request)
        return mid

    def _ingress(self, message_id: bytes) -> Ingress:
        entry = self.ingress.get(message_id)
        if entry is None:
            raise InstanceError(f"IngressMessageNotFound({message_id.hex()})")
        return entry

    def ingress_status(self, message_id: bytes) -> Reply | RejectResponse | None:
        """The answer of a submitted message, or None while it is pending."""
        entry = self._ingress(message_id)
        status = entry.subnet.ic.request_status(entry.request)
        if isinstance(status, Replied):
            return Reply(status.data)
        if isinstance(status, Rejected):
            return RejectResponse(status.code, status.message, status.error_code)
        return None

    def await_ingress(self, message_id: bytes,
                      max_rounds: int = MAX_ROUNDS_PER_CALL) -> Reply | RejectResponse:
        """Run rounds until the message is answered."""
        self._ingress(message_id)
        for _ in range(max_rounds):
            self._run(done=lambda: self.ingress_status(message_id) is not None)
            answer = self.ingress_status(message_id)
            if answer is not None:
                return answer
            self.tick()
        raise InstanceError(f"PocketIC did not complete the update call within {max_rounds} "
                            "rounds")

    def execute_ingress(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
                        effective: tuple = ("None", b"")) -> Reply | RejectResponse:
        submitted = self.submit(sender, canister_id, method, arg, effective)
        if isinstance(submitted, RejectResponse):
            return submitted
        return self.await_ingress(submitted)

    def query(self, sender: bytes, canister_id: bytes, method: str, arg: bytes,
              effective: tuple = ("None", b"")) -> Reply | RejectResponse:
        """A non-replicated query on the subnet of the callee."""
        subnet = self._call_subnet(canister_id, method, arg, effective)
        return subnet.ic.query_call(sender, canister_id, method, arg)

    # ---------------------------------------------------------------- keys

    def public_key(self, subnet_id: bytes) -> bytes:
        """The subnet's public key (DER, BLS12-381 G2): the one its certificates are
        signed with; the root subnet's is the instance's root key."""
        subnet = self.subnet_by_id(subnet_id)
        if subnet is None:
            raise InstanceError(f"SubnetNotFound({_text(subnet_id)})")
        return certification.subnet_key(subnet.ic.state.seed)

    def root_key(self) -> bytes:
        """The key every certificate of the instance verifies with (``ic0.root_key_copy``)."""
        return certification.root_key(self.root.ic.state.seed)


class SubnetCertifier:
    """``IC.certifier`` of a subnet of an instance: the data certificate of a canister
    (made when first read) comes from a state tree listing the instance's subnets,
    signed with the subnet's key, with the root subnet's delegation unless the subnet
    is the root (certification.md "Delegation")."""

    def __init__(self, instance: Instance, subnet: Subnet) -> None:
        self.instance = instance
        self.subnet = subnet

    def __call__(self, state, canister_id: bytes) -> certification.Deferred:
        instance = self.instance
        root = None if instance.root is self.subnet else instance.root.ic.state

        def make() -> bytes:
            from ..http.certifier import data_certificate
            return data_certificate(state, canister_id, instance.subnet_infos(), root)
        return certification.Deferred(make)


# The ``/subnet/<id>/type`` of each kind (index.md "Subnet information").
_STATE_TREE_TYPE = {kind: "system" for kind in SYSTEM_KINDS} | {
    SubnetKind.VERIFIED_APPLICATION: "verified_application"}


def _text(p: bytes) -> str:
    return Principal(p).to_text()


def _specified_id(arg: bytes) -> bytes | None:
    from ..candid import decode
    from ..errors import CandidError
    from ..ic.management.args import Record, field
    try:
        values = decode(arg)
    except CandidError:
        return None
    if not values or not isinstance(values[0], Record):
        return None
    p = field(values[0], "specified_id")
    return bytes(p.bytes) if p is not None and hasattr(p, "bytes") else None


def _refuse_existing_specified_id(subnet: Subnet, canister_id: bytes, method: str,
                                  arg: bytes) -> RejectResponse | None:
    """The replica answers a specified id already in use with CanisterAlreadyInstalled
    (IC0538); pyic's management canister says IC0205 (CanisterIdAlreadyExists).
    PocketIC clients match the replica's code, so on PocketIC's layout the instance
    answers it before the call is made (pyic's own subnet answers as its IC does)."""
    if canister_id != IC_PRINCIPAL or method != "provisional_create_canister_with_cycles" \
            or subnet.layout.catch_all:
        return None
    specified = _specified_id(arg)
    if specified is None or specified not in subnet.ic.state.canisters:
        return None
    return RejectResponse(CANISTER_ERROR, f"Canister {_text(specified)} is already installed.",
                          "IC0538")


def message_id(request) -> bytes:
    """A 32-byte id for an ingress message (a hash of its fields; pyic has no
    signed envelopes, so not the spec's request id)."""
    h = hashlib.sha256()
    for part in (request.nonce, request.sender, request.canister_id,
                 request.method_name.encode(), request.arg,
                 request.ingress_expiry.to_bytes(8, "big")):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.digest()


__all__ = ["CALL_ID_BITS", "MAX_ROUNDS_PER_CALL", "Ingress", "Instance", "Subnet",
           "SubnetCertifier", "message_id", "subnet_costs", "subnet_ic",
           "subnet_seed"]
