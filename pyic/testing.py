"""``pyic.testing.PocketIC``: a pocket-ic-like test API over pyic's IC, in process.

The method names, parameter orders and return types follow the ``pocket-ic``
Python library 3.1 (``shared/reference/pocketic-api.md``) where it has them;
what its users miss (reinstall, upgrade, stop / start / delete, settings,
status, logs, snapshots, chunked code, save / load) is added under the names
the Rust crate uses.

There is no server process: every call drives `pyic.ic.machine.IC` directly.
Calls to the management canister are ingress update calls to ``aaaaa-aa``
with a Candid argument and an effective canister id, exactly as a real client
sends them, so they go through the same rules as any other call.

Principals may be given as `pyic.candid.Principal`, textual (``"aaaaa-aa"``)
or raw ``bytes``; they are returned as `Principal`.  Every reject, whether
the IC refuses a request or a canister answers with a reject, raises
`pyic.errors.Reject` with ``reject_code``, ``error_code`` and ``message``.
"""

from __future__ import annotations

from typing import Any, Iterable

from .candid import Opt, Principal, Record, Variant, decode, encode
from .errors import ICError, Reject
from .ic import canister as _canister
from .ic.costs import SubnetConfig
from .ic.machine import IC
from .ic.management.args import interface, method_types
from .ic.state import ANONYMOUS_ID, IC_PRINCIPAL, Replied, Rejected, Request, with_canister
from .universal import Prog, universal_canister_wasm

# pocket-ic's default: canisters are created with plenty of cycles for tests.
DEFAULT_CANISTER_CYCLES = 100_000_000_000_000  # 100 T

PrincipalLike = "Principal | str | bytes"


def to_principal_bytes(p) -> bytes:
    """The bytes of a principal given as `Principal`, text or bytes."""
    if isinstance(p, Principal):
        return p.bytes
    if isinstance(p, (bytes, bytearray)):
        return bytes(p)
    if isinstance(p, str):
        return Principal.from_text(p).bytes
    if hasattr(p, "bytes"):          # e.g. an ic-py Principal
        return bytes(p.bytes)
    raise ICError(f"not a principal: {p!r}")


def to_python(value: Any) -> Any:
    """A decoded Candid value as plain Python: records become dicts (by field
    name), variants their tag name (or ``{tag: value}``), options their value
    or ``None``, vectors lists; blobs, numbers, text and principals stay."""
    if isinstance(value, Record):
        return {(value.name_of(i) or i): to_python(v) for i, v in value.fields}
    if isinstance(value, Variant):
        name = value.name if value.name is not None else value.id
        return name if value.value is None else {name: to_python(value.value)}
    if isinstance(value, Opt):
        return to_python(value.value)
    if isinstance(value, (list, tuple)):
        return [to_python(v) for v in value]
    return value


_VISIBILITY = ("controllers", "public")


def _visibility(v):
    if isinstance(v, Variant):
        return v
    if isinstance(v, str) and v in _VISIBILITY:
        return Variant.of(v, None)
    if isinstance(v, dict) and set(v) == {"allowed_viewers"}:
        return Variant.of("allowed_viewers",
                          tuple(Principal(to_principal_bytes(p)) for p in v["allowed_viewers"]))
    if isinstance(v, (tuple, list)) and len(v) == 2 and v[0] == "allowed_viewers":
        return Variant.of("allowed_viewers", tuple(Principal(to_principal_bytes(p)) for p in v[1]))
    raise ICError(f"not a visibility: {v!r} (use 'controllers', 'public' or "
                  "{'allowed_viewers': [...]})")


def settings_record(settings) -> Record | None:
    """``canister_settings`` from a dict (``{"controllers": [...], "freezing_threshold": 0}``),
    or a `Record` as is."""
    if settings is None or isinstance(settings, Record):
        return settings
    if not isinstance(settings, dict):
        raise ICError(f"canister settings must be a dict, got {type(settings).__name__}")
    fields = {}
    for name, value in settings.items():
        if value is None:
            continue
        if name == "controllers":
            value = tuple(Principal(to_principal_bytes(p)) for p in value)
        elif name.endswith("_visibility"):
            value = _visibility(value)
        elif name == "environment_variables":
            pairs = value.items() if isinstance(value, dict) else value
            value = tuple(Record.of(name=n, value=v) for n, v in pairs)
        fields[name] = Opt(value)
    return Record.of(fields)


def _mode(mode: str, skip_pre_upgrade=None, wasm_memory_persistence=None) -> Variant:
    if mode != "upgrade":
        return Variant.of(mode, None)
    if skip_pre_upgrade is None and wasm_memory_persistence is None:
        return Variant.of("upgrade", None)
    options = Record.of(
        skip_pre_upgrade=Opt(skip_pre_upgrade) if skip_pre_upgrade is not None else None,
        wasm_memory_persistence=(Opt(Variant.of(wasm_memory_persistence, None))
                                 if wasm_memory_persistence is not None else None))
    return Variant.of("upgrade", Opt(options))


def _arg_bytes(arg) -> bytes:
    """An install / call argument: bytes as given; a universal canister `Prog` as its bytes; a
    list or tuple of Candid values encoded with their inferred types."""
    if arg is None:
        return encode(())
    if isinstance(arg, Prog):
        return arg.bytes()
    if isinstance(arg, (bytes, bytearray)):
        return bytes(arg)
    if isinstance(arg, (list, tuple)):
        return encode(tuple(arg))
    raise ICError(f"cannot use {type(arg).__name__} as a call argument (give bytes)")


def _raise(response) -> bytes:
    if isinstance(response, _canister.Reject):
        raise Reject(response.code, response.message, response.error_code)
    return response.data


class PocketIC:
    """An IC instance for tests (pocket-ic's ``PocketIC``), run in process."""

    def __init__(self, subnet_config=None, *, time: int | None = None, seed: bytes = b"pyic",
                 ic: IC | None = None) -> None:
        # ``subnet_config``: pyic's `SubnetConfig` (fees and limits) is applied;
        # anything else is accepted for pocket-ic compatibility (pyic has one
        # application subnet, whatever is asked).
        if ic is None:
            kw = {"seed": seed}
            if time is not None:
                kw["time"] = time
            if isinstance(subnet_config, SubnetConfig):
                kw["cfg"] = subnet_config
            ic = IC(**kw)
        self.ic = ic
        self.sender = ANONYMOUS_ID

    # ---------------------------------------------------------------- persistence

    def save(self, path: str) -> None:
        """Write the instance's state to ``path`` atomically (`IC.save`)."""
        self.ic.save(path)

    @classmethod
    def load(cls, path: str) -> "PocketIC":
        """An instance with the state saved at ``path``."""
        return cls(ic=IC.load(path))

    # ---------------------------------------------------------------- sender

    def set_anonymous_sender(self) -> None:
        self.sender = ANONYMOUS_ID

    def set_sender(self, principal) -> None:
        """Sender of all later calls (and of management calls made for the user)."""
        self.sender = to_principal_bytes(principal)

    def _who(self, sender) -> bytes:
        return self.sender if sender is None else to_principal_bytes(sender)

    # ---------------------------------------------------------------- topology and time

    def topology(self) -> dict:
        from .ic.management.canisters import SUBNET_ID
        return {Principal(SUBNET_ID): "Application"}

    def get_root_key(self) -> bytes | None:
        """pyic has no NNS subnet and no certificates: ``None``."""
        return None

    def get_time(self) -> dict:
        return {"nanos_since_epoch": self.ic.time}

    def set_time(self, time_nanosec: int) -> None:
        """Set the time (never backwards: `ICError`); no round is executed."""
        self.ic.set_time(time_nanosec)

    def advance_time(self, nanosecs: int) -> None:
        """Move time forward; like pocket-ic, this does not execute a round."""
        if nanosecs < 0:
            raise ICError("time cannot go back")
        self.ic.advance_time(nanosecs)

    def tick(self, rounds: int = 1) -> None:
        """Execute one round (or ``rounds`` rounds)."""
        for _ in range(rounds):
            self.ic.tick()

    # ---------------------------------------------------------------- canisters as data

    def _canister(self, canister_id):
        cid = to_principal_bytes(canister_id)
        c = self.ic.state.canisters.get(cid)
        if c is None:
            raise Reject(3, f"Canister {Principal(cid).to_text()} not found", "IC0301")
        return cid, c

    def check_canister_exists(self, canister_id) -> bool:
        return to_principal_bytes(canister_id) in self.ic.state.canisters

    def get_subnet(self, canister_id) -> Principal | None:
        c = self.ic.state.canisters.get(to_principal_bytes(canister_id))
        return None if c is None else Principal(c.canister_subnet.subnet_id)

    def get_cycles_balance(self, canister_id) -> int:
        return self._canister(canister_id)[1].balance

    def add_cycles(self, canister_id, amount: int) -> int:
        """Add cycles (administratively, as pocket-ic does); the new balance."""
        from .ic.costs import saturating_add
        cid, c = self._canister(canister_id)
        self.ic.state = with_canister(self.ic.state, cid,
                                      balance=saturating_add(c.balance, amount))
        return self.ic.state.canisters[cid].balance

    def get_stable_memory(self, canister_id) -> bytes:
        cid, c = self._canister(canister_id)
        if c.can_state is None:
            raise Reject(5, f"Canister {Principal(cid).to_text()} is empty: it has no Wasm "
                         "module", "IC0537")
        return bytes(c.can_state.wasm_state.stable_memory)

    def set_stable_memory(self, canister_id, data: bytes, compression=None) -> None:
        """Replace the stable memory (administratively), padded to whole 64 KiB pages."""
        from attrs import evolve
        if compression not in (None, "gzip"):
            raise ICError('only "gzip" compression is supported')
        if compression == "gzip":
            import gzip
            data = gzip.decompress(data)
        cid, c = self._canister(canister_id)
        if c.can_state is None:
            raise Reject(5, f"Canister {Principal(cid).to_text()} is empty: it has no Wasm "
                         "module", "IC0537")
        data = bytes(data) + bytes(-len(data) % 65536)
        ws = evolve(c.can_state.wasm_state, stable_memory=data)
        self.ic.state = with_canister(self.ic.state, cid,
                                      can_state=evolve(c.can_state, wasm_state=ws))

    # ---------------------------------------------------------------- calls

    def submit_call(self, canister_id, method: str, payload: bytes, *, sender=None,
                    effective_principal=None) -> Request:
        """Submit an ingress update call without waiting (the Rust crate's
        ``submit_call``); `Reject` if the IC refuses it.  Wait with `await_call`."""
        cid = IC_PRINCIPAL if canister_id is None else to_principal_bytes(canister_id)
        ecid = None if effective_principal is None else to_principal_bytes(effective_principal)
        from .ic.machine import _RejectRaised
        try:
            return self.ic.submit(self._who(sender), cid, method, _arg_bytes(payload), ecid)
        except _RejectRaised as r:
            _raise(r.reject)
        raise ICError("unreachable")  # pragma: no cover

    def await_call(self, message: Request, max_rounds: int = 100) -> bytes:
        """Run rounds until the call is answered: the reply bytes, or `Reject`."""
        try:
            return _raise(self.ic.await_request(message, max_rounds))
        except Reject:
            raise
        except ICError as e:
            raise ICError(f"PocketIC did not complete the update call within {max_rounds} "
                          f"rounds: {e.message}") from None

    def ingress_status(self, message: Request):
        """The request's status: ``None`` while pending, else the reply bytes or a
        `Reject` value (not raised)."""
        status = self.ic.request_status(message)
        if isinstance(status, Replied):
            return status.data
        if isinstance(status, Rejected):
            return Reject(status.code, status.message, status.error_code)
        return None

    def update_call(self, canister_id, method: str, payload: bytes, *, sender=None) -> bytes:
        """An ingress update call; ``canister_id=None`` means the management
        canister (the effective canister id is then read from the payload)."""
        return self.await_call(self.submit_call(canister_id, method, payload, sender=sender))

    def update_call_with_effective_principal(self, canister_id, effective_principal, method: str,
                                             payload: bytes, *, sender=None) -> bytes:
        """``effective_principal``: a principal, pocket-ic's ``{"CanisterId": b64}``, or None."""
        if isinstance(effective_principal, dict):
            import base64
            value = effective_principal.get("CanisterId")
            if value is None:
                raise ICError("pyic has one subnet: only a CanisterId effective principal "
                              "is supported")
            effective_principal = base64.b64decode(value)
        return self.await_call(self.submit_call(canister_id, method, payload, sender=sender,
                                                effective_principal=effective_principal))

    def query_call(self, canister_id, method: str, payload: bytes, *, sender=None) -> bytes:
        """A (non-replicated) query call: the reply bytes, or `Reject`."""
        cid = IC_PRINCIPAL if canister_id is None else to_principal_bytes(canister_id)
        return _raise(self.ic.query_call(self._who(sender), cid, method, _arg_bytes(payload)))

    # ---------------------------------------------------------------- the management canister

    def _management(self, method: str, args: Record | None, *, sender=None, query=False):
        """Call ``aaaaa-aa``.``method`` with Candid ``args``: the decoded result (plain Python)."""
        arg_types, result_types = method_types(method)
        env = interface().env
        arg = encode((args,) if args is not None else (), arg_types, env)
        if query:
            data = self.query_call(None, method, arg, sender=sender)
        else:
            data = self.update_call(None, method, arg, sender=sender)
        values = decode(data, result_types, env)
        return to_python(values[0]) if values else None

    def create_canister(self, settings=None, subnet=None, canister_id=None, *, cycles=None,
                        specified_id=None, sender=None) -> Principal:
        """``provisional_create_canister_with_cycles``: a new empty canister whose
        controller is the sender.  ``cycles`` defaults to 100 T (pyic's
        provisional default); ``canister_id``/``specified_id`` asks for an id."""
        del subnet  # one subnet only
        specified = specified_id if specified_id is not None else canister_id
        args = Record.of(
            amount=Opt(cycles) if cycles is not None else None,
            settings=Opt(settings_record(settings)) if settings is not None else None,
            specified_id=Opt(Principal(to_principal_bytes(specified)))
            if specified is not None else None,
            sender_canister_version=None)
        return self._management("provisional_create_canister_with_cycles", args,
                                sender=sender)["canister_id"]

    def _install(self, mode: Variant, canister_id, wasm_module: bytes, arg, sender) -> None:
        args = Record.of(mode=mode, canister_id=Principal(to_principal_bytes(canister_id)),
                         wasm_module=bytes(wasm_module), arg=_arg_bytes(arg),
                         sender_canister_version=None)
        self._management("install_code", args, sender=sender)

    def install_code(self, canister_id, wasm_module: bytes, arg=b"", *, sender=None) -> None:
        """``install_code`` in mode ``install``."""
        self._install(_mode("install"), canister_id, wasm_module, arg, sender)

    def reinstall_code(self, canister_id, wasm_module: bytes, arg=b"", *, sender=None) -> None:
        """``install_code`` in mode ``reinstall``."""
        self._install(_mode("reinstall"), canister_id, wasm_module, arg, sender)

    def upgrade_canister(self, canister_id, wasm_module: bytes, arg=b"", *,
                         skip_pre_upgrade: bool | None = None,
                         wasm_memory_persistence: str | None = None, sender=None) -> None:
        """``install_code`` in mode ``upgrade`` (``wasm_memory_persistence``: "keep" | "replace")."""
        self._install(_mode("upgrade", skip_pre_upgrade, wasm_memory_persistence), canister_id,
                      wasm_module, arg, sender)

    def uninstall_code(self, canister_id, *, sender=None) -> None:
        self._management("uninstall_code", Record.of(
            canister_id=Principal(to_principal_bytes(canister_id)),
            sender_canister_version=None), sender=sender)

    def _on(self, method: str, canister_id, sender, **extra):
        return self._management(method, Record.of(
            canister_id=Principal(to_principal_bytes(canister_id)), **extra), sender=sender)

    def start_canister(self, canister_id, *, sender=None) -> None:
        self._on("start_canister", canister_id, sender)

    def stop_canister(self, canister_id, *, sender=None) -> None:
        """``stop_canister``: waits until the canister has stopped (its open call
        contexts completed), running rounds as needed."""
        self._on("stop_canister", canister_id, sender)

    def delete_canister(self, canister_id, *, sender=None) -> None:
        self._on("delete_canister", canister_id, sender)

    def update_canister_settings(self, canister_id, settings, *, sender=None) -> None:
        """``update_settings``; ``settings`` as for `create_canister`."""
        self._on("update_settings", canister_id, sender, settings=settings_record(settings),
                 sender_canister_version=None)

    def set_controllers(self, canister_id, controllers: Iterable, *, sender=None) -> None:
        self.update_canister_settings(canister_id, {"controllers": list(controllers)},
                                      sender=sender)

    def canister_status(self, canister_id, *, sender=None) -> dict:
        """``canister_status`` (an update call, as dfx makes it), as a dict."""
        return self._on("canister_status", canister_id, sender)

    def get_controllers(self, canister_id) -> list:
        """The controllers, read from the state (anyone may ask)."""
        return [Principal(p) for p in sorted(self._canister(canister_id)[1].controllers)]

    def canister_info(self, canister_id, num_requested_changes: int | None = None) -> dict:
        """The ``canister_info`` record.  The management canister answers it only
        to canisters; pyic reads it from the state the same way (no call)."""
        from .ic.management.canisters import canister_info as rule
        from .ic.state import CallMessage, FromCanister
        cid, _ = self._canister(canister_id)
        args = Record.of(canister_id=Principal(cid),
                         num_requested_changes=Opt(num_requested_changes)
                         if num_requested_changes is not None else None)
        cm = CallMessage(FromCanister(-1, None), self.sender, IC_PRINCIPAL, "canister_info", b"",
                         0, "unordered")
        outcome = rule(self.ic.state, cm, args, self.ic.cfg)
        return to_python(decode(outcome.response.data, method_types("canister_info")[1],
                                interface().env)[0])

    def fetch_canister_logs(self, canister_id, *, sender=None) -> list:
        """``fetch_canister_logs`` (a query): a list of ``{idx, timestamp_nanos, content}``."""
        result = self._management("fetch_canister_logs", Record.of(
            canister_id=Principal(to_principal_bytes(canister_id))), sender=sender, query=True)
        return result["canister_log_records"]

    # chunked code
    def upload_chunk(self, canister_id, chunk: bytes, *, sender=None) -> bytes:
        return self._on("upload_chunk", canister_id, sender, chunk=bytes(chunk))["hash"]

    def stored_chunks(self, canister_id, *, sender=None) -> list:
        return [h["hash"] for h in self._on("stored_chunks", canister_id, sender)]

    def clear_chunk_store(self, canister_id, *, sender=None) -> None:
        self._on("clear_chunk_store", canister_id, sender)

    def install_chunked_code(self, canister_id, mode: str, chunk_hashes_list: list,
                             wasm_module_hash: bytes, arg=b"", *, store_canister=None,
                             skip_pre_upgrade=None, sender=None) -> None:
        args = Record.of(
            mode=_mode(mode, skip_pre_upgrade), target_canister=Principal(
                to_principal_bytes(canister_id)),
            store_canister=Opt(Principal(to_principal_bytes(store_canister)))
            if store_canister is not None else None,
            chunk_hashes_list=tuple(Record.of(hash=bytes(h)) for h in chunk_hashes_list),
            wasm_module_hash=bytes(wasm_module_hash), arg=_arg_bytes(arg),
            sender_canister_version=None)
        self._management("install_chunked_code", args, sender=sender)

    # snapshots
    def take_canister_snapshot(self, canister_id, replace_snapshot: bytes | None = None, *,
                               sender=None) -> dict:
        return self._on("take_canister_snapshot", canister_id, sender,
                        replace_snapshot=Opt(bytes(replace_snapshot))
                        if replace_snapshot is not None else None,
                        uninstall_code=None, sender_canister_version=None)

    def load_canister_snapshot(self, canister_id, snapshot_id: bytes, *, sender=None) -> None:
        self._on("load_canister_snapshot", canister_id, sender, snapshot_id=bytes(snapshot_id),
                 sender_canister_version=None)

    def list_canister_snapshots(self, canister_id, *, sender=None) -> list:
        return self._on("list_canister_snapshots", canister_id, sender)

    def delete_canister_snapshot(self, canister_id, snapshot_id: bytes, *, sender=None) -> None:
        self._on("delete_canister_snapshot", canister_id, sender, snapshot_id=bytes(snapshot_id))

    # ---------------------------------------------------------------- the universal canister

    def install_universal_canister(self, cycles: int | None = None, arg=b"", *, settings=None,
                                   sender=None) -> Principal:
        """Create a canister and install the universal canister in it (the
        Wasm module of `pyic.universal`); ``arg`` is its init program."""
        cid = self.create_canister(settings, cycles=cycles, sender=sender)
        self.install_code(cid, universal_canister_wasm(), arg, sender=sender)
        return cid

    def universal_update(self, canister_id, program: Prog | bytes, *, sender=None) -> bytes:
        """Run ``program`` in the universal canister's ``update`` method."""
        return self.update_call(canister_id, "update", _arg_bytes(program), sender=sender)

    def universal_query(self, canister_id, program: Prog | bytes, *, sender=None) -> bytes:
        """Run ``program`` in the universal canister's ``query`` method."""
        return self.query_call(canister_id, "query", _arg_bytes(program), sender=sender)

    def universal_composite_query(self, canister_id, program: Prog | bytes, *,
                                  sender=None) -> bytes:
        return self.query_call(canister_id, "composite_query", _arg_bytes(program),
                               sender=sender)


__all__ = ["PocketIC", "Prog", "Reject", "Principal", "to_principal_bytes",
           "to_python", "settings_record", "DEFAULT_CANISTER_CYCLES"]
