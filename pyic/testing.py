"""``pyic.testing.PocketIC``: the ``pocket-ic`` Python API over pyic, in process.

The methods, parameter orders and results are those of the ``pocket-ic`` 3.1
library (``shared/reference/pocketic-api.md``); what its users miss (reinstall,
upgrade, stop / start / delete, settings, status, logs, snapshots, chunked code,
save / load) is added under the names of the Rust crate, whose other names are
aliases (`install_canister`, `upgrade_eop_canister`, ...).  docs/pocket-ic.md.

There is no server process: the instance is `pyic.pocketic.instance.Instance`,
the same code the ``pyic-pocket-ic-server`` runs for the real ``pocket-ic``
client.  ``PocketIC(SubnetConfig(...))`` lays out subnets as PocketIC does;
``PocketIC()`` alone is pyic's single subnet owning every canister id (ids
from 0, as pyic always numbered them), and so is ``PocketIC(ic=...)``.

Principals may be given as `pyic.candid.Principal`, ic-py's ``Principal``, text
(``"aaaaa-aa"``) or raw ``bytes``; they are returned as `Principal`.  Every
reject raises `CallRejected`: both the `ValueError` pocket-ic raises (same
wording) and `pyic.errors.Reject` (``reject_code``, ``error_code``, ``message``).
A request the server would refuse (HTTP 400) raises `InstanceError`, also a
`ValueError` and the `ConnectionError` the client raises.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from .candid import Opt, Principal, Record, Variant, decode, encode
from .errors import ICError, Reject
from .ic import canister as _canister
from .ic.costs import SubnetConfig as CostConfig
from .ic.machine import IC
from .ic.management.args import interface, method_types
from .ic.state import ANONYMOUS_ID, IC_PRINCIPAL, Request
from .pocketic import icpy, rest
from .pocketic.config import SubnetConfig, build_instance
from .pocketic.errors import CallRejected, InstanceError
from .pocketic.instance import Instance, Subnet, message_id
from .pocketic.app import InProcessServer
from .pocketic.topology import PYIC_SUBNET, SubnetKind
from .universal import Prog, universal_canister_wasm

# pyic's provisional default: canisters are created with plenty of cycles for tests.
DEFAULT_CANISTER_CYCLES = 100_000_000_000_000  # 100 T

PrincipalLike = "Principal | str | bytes"

# The instances of this process, as a PocketIC server would list them.
IN_PROCESS_SERVER = InProcessServer()


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
    """An install / call argument: bytes as given; a universal canister `Prog` as its bytes;
    an ic-py typed list (``[{"type": T, "value": v}]``) encoded by ic-py; a list or tuple
    of Candid values encoded with their inferred types."""
    if arg is None:
        return encode(())
    if isinstance(arg, Prog):
        return arg.bytes()
    if isinstance(arg, (bytes, bytearray)):
        return bytes(arg)
    if icpy.is_typed_args(arg):
        return icpy.encode_typed_args(arg)
    if isinstance(arg, (list, tuple)):
        return encode(tuple(arg))
    raise ICError(f"cannot use {type(arg).__name__} as a call argument (give bytes)")


def _raise(response) -> bytes:
    if isinstance(response, _canister.RejectResponse):
        raise CallRejected(response.code, response.message, response.error_code)
    return ReplyBytes(response.data)


class ReplyBytes(bytes):
    """A reply.  pocket-ic returns a reply that is not Candid as a list of ints;
    pyic returns bytes, which also compare equal to that list."""

    def __eq__(self, other) -> bool:
        if isinstance(other, list):
            return list(self) == other
        return bytes.__eq__(self, other)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    __hash__ = bytes.__hash__


def _effective(effective_principal) -> tuple:
    """pocket-ic's effective principal (``None``, ``{"CanisterId": b64}``,
    ``{"SubnetId": b64}``) or a principal (a canister id) as the instance takes it."""
    if effective_principal in (None, "None") or isinstance(effective_principal, dict):
        return rest.effective_principal(effective_principal)
    return ("CanisterId", to_principal_bytes(effective_principal))


class PocketIC:
    """An IC instance for tests (pocket-ic's ``PocketIC``), run in process."""

    def __init__(self, subnet_config=None, *, time: int | None = None, seed: bytes = b"pyic",
                 ic: IC | None = None, sandbox: str | None = None,
                 tier: str | None = None) -> None:
        # ``subnet_config``: pocket-ic's `SubnetConfig` (subnets as PocketIC lays them
        # out), or pyic's fees and limits (`pyic.ic.costs.SubnetConfig`) for its one subnet.
        # ``sandbox``: "process" runs pyic's one subnet's canisters in their own processes
        # (`IC`'s ``sandbox``; docs/sandbox.md).  ``tier``: the Wasm execution tier of every
        # subnet's canisters ("fast", the default, or "reference"; `pyic.wasm.tiers`).
        self.state_dir = None
        if ic is None and hasattr(subnet_config, "_json"):
            if hasattr(subnet_config, "validate"):
                subnet_config.validate()
            self.instance, self.state_dir = build_instance(subnet_config._json(), time=time,
                                                           seed=seed, tier=tier)
        else:
            if ic is None:
                kw = {"seed": seed, "sandbox": sandbox, "tier": tier}
                if time is not None:
                    kw["time"] = time
                if isinstance(subnet_config, CostConfig):
                    kw["cfg"] = subnet_config
                elif subnet_config is not None:
                    raise ICError(f"not a subnet config: {subnet_config!r}")
                ic = IC(**kw)
            elif tier is not None:
                raise ICError("PocketIC(ic=...) runs the given IC's tier: pass tier to IC")
            self.instance = Instance([Subnet(PYIC_SUBNET, ic, 0)], seed=seed)
        self.sender = ANONYMOUS_ID
        # pocket-ic's ``server``: here the server's own code, in process.
        self.server = IN_PROCESS_SERVER
        self.instance_id = self.server.app.add_instance(self.instance, self.state_dir)

    def __del__(self) -> None:
        """Delete the instance, as pocket-ic does (its state goes to ``state_dir``)."""
        if getattr(self, "instance_id", None) is not None:
            try:
                self.server.delete_instance(self.instance_id)
            except Exception as e:   # noqa: BLE001 -- a __del__ must not raise: say why
                import warnings
                warnings.warn(f"PocketIC instance {self.instance_id} was not deleted "
                              f"cleanly: {e}", RuntimeWarning, stacklevel=1)

    def close(self) -> None:
        """Write the state to ``state_dir`` if one was configured (as the server does
        when an instance is deleted); the instance stays usable."""
        if self.state_dir is not None:
            from .pocketic.state_dir import save_instance
            save_instance(self.instance, self.state_dir)

    @property
    def ic(self) -> IC:
        """The IC of the default subnet (the only one of ``PocketIC()``)."""
        return self.instance.default_subnet().ic

    # ---------------------------------------------------------------- persistence

    def save(self, path: str) -> None:
        """Write the default subnet's state to ``path`` atomically (`IC.save`)."""
        self.ic.save(path)

    @classmethod
    def load(cls, path: str) -> PocketIC:
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
        """``{subnet id: SubnetKind}`` (a `SubnetKind` also equals its name, "Application")."""
        return {Principal(s.subnet_id): s.kind for s in self.instance.subnets}

    def get_root_key(self) -> bytes | None:
        """The NNS subnet's public key (DER), or None without an NNS subnet."""
        nns = [s for s in self.instance.subnets if s.kind == SubnetKind.NNS]
        return self.instance.public_key(nns[0].subnet_id) if nns else None

    def get_time(self) -> dict:
        return {"nanos_since_epoch": self.instance.time}

    def set_time(self, time_nanosec: int) -> None:
        """Set the time (never backwards: `InstanceError`); no round is executed."""
        self.instance.set_time(time_nanosec)

    def advance_time(self, nanosecs: int) -> None:
        """Move time forward; like pocket-ic, this does not execute a round."""
        if not isinstance(nanosecs, int) or nanosecs < 0:
            raise InstanceError(f"time cannot go back: {nanosecs!r}")
        self.instance.set_time(self.instance.time + nanosecs)

    def tick(self, rounds: int = 1) -> None:
        """Execute one round (or ``rounds`` rounds) on every subnet."""
        for _ in range(rounds):
            self.instance.tick()

    # ---------------------------------------------------------------- canisters as data

    def _canister(self, canister_id):
        cid = to_principal_bytes(canister_id)
        return cid, self.instance.canister(cid)[1]

    def check_canister_exists(self, canister_id) -> bool:
        return self.get_subnet(canister_id) is not None

    def get_subnet(self, canister_id) -> Principal | None:
        subnet = self.instance.get_subnet(to_principal_bytes(canister_id))
        return None if subnet is None else Principal(subnet)

    def get_cycles_balance(self, canister_id) -> int:
        return self.instance.get_cycles(to_principal_bytes(canister_id))

    def add_cycles(self, canister_id, amount: int) -> int:
        """Add cycles (administratively, as pocket-ic does); the new balance."""
        return self.instance.add_cycles(to_principal_bytes(canister_id), amount)

    def get_stable_memory(self, canister_id) -> bytes:
        return self.instance.get_stable_memory(to_principal_bytes(canister_id))

    def set_stable_memory(self, canister_id, data: bytes, compression=None) -> None:
        """Replace the stable memory (administratively), padded to whole 64 KiB pages."""
        if compression not in (None, "gzip"):
            raise InstanceError('only "gzip" compression is supported')
        if compression == "gzip":
            import gzip
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as e:
                raise InstanceError(f"the data is not gzip: {e}") from None
        self.instance.set_stable_memory(to_principal_bytes(canister_id), data)

    # ---------------------------------------------------------------- calls

    def submit_call(self, canister_id, method: str, payload: bytes, *, sender=None,
                    effective_principal=None) -> Request:
        """Submit an ingress update call without waiting (the Rust crate's
        ``submit_call``); `CallRejected` if the IC refuses it.  Wait with `await_call`."""
        cid = IC_PRINCIPAL if canister_id is None else to_principal_bytes(canister_id)
        submitted = self.instance.submit(self._who(sender), cid, method, _arg_bytes(payload),
                                         _effective(effective_principal))
        if isinstance(submitted, _canister.RejectResponse):
            _raise(submitted)
        return self.instance.ingress[submitted].request

    def await_call(self, message: Request, max_rounds: int = 100) -> bytes:
        """Run rounds until the call is answered: the reply bytes, or `CallRejected`."""
        return _raise(self.instance.await_ingress(message_id(message), max_rounds))

    def ingress_status(self, message: Request):
        """The request's status: ``None`` while pending, else the reply bytes or a
        `Reject` value (not raised)."""
        answer = self.instance.ingress_status(message_id(message))
        if isinstance(answer, _canister.RejectResponse):
            return CallRejected(answer.code, answer.message, answer.error_code)
        return None if answer is None else ReplyBytes(answer.data)

    def update_call(self, canister_id, method: str, payload: bytes, *, sender=None) -> bytes:
        """An ingress update call; ``canister_id=None`` means the management
        canister (the effective canister id is then read from the payload)."""
        return self.await_call(self.submit_call(canister_id, method, payload, sender=sender))

    def update_call_with_effective_principal(self, canister_id, effective_principal, method: str,
                                             payload: bytes, *, sender=None) -> bytes:
        """``effective_principal``: pocket-ic's ``{"CanisterId": b64}`` /
        ``{"SubnetId": b64}``, a canister id, or None."""
        return self.await_call(self.submit_call(canister_id, method, payload, sender=sender,
                                                effective_principal=effective_principal))

    def query_call(self, canister_id, method: str, payload: bytes, *, sender=None,
                   effective_principal=None) -> bytes:
        """A (non-replicated) query call: the reply bytes, or `CallRejected`."""
        cid = IC_PRINCIPAL if canister_id is None else to_principal_bytes(canister_id)
        return _raise(self.instance.query(self._who(sender), cid, method, _arg_bytes(payload),
                                          _effective(effective_principal)))

    # ---------------------------------------------------------------- ic-py's Agent

    def query_raw(self, canister_id, name, arguments, return_types,
                  _effective_canister_id=None):
        """What ic-py's ``Canister`` calls for a query method: decoded with ic-py."""
        return icpy.decode_reply(self.query_call(canister_id, name, arguments), return_types)

    def update_raw(self, canister_id, name, arguments, return_types,
                   _effective_canister_id=None):
        """What ic-py's ``Canister`` calls for an update method: decoded with ic-py."""
        return icpy.decode_reply(self.update_call(canister_id, name, arguments), return_types)

    # ---------------------------------------------------------------- the management canister

    def _management(self, method: str, args: Record | None, *, sender=None, query=False,
                    effective_principal=None):
        """Call ``aaaaa-aa``.``method`` with Candid ``args``: the decoded result (plain Python)."""
        arg_types, result_types = method_types(method)
        env = interface().env
        arg = encode((args,) if args is not None else (), arg_types, env)
        if query:
            data = self.query_call(None, method, arg, sender=sender,
                                   effective_principal=effective_principal)
        else:
            data = self.update_call_with_effective_principal(None, effective_principal, method,
                                                             arg, sender=sender)
        values = decode(data, result_types, env)
        return to_python(values[0]) if values else None

    def create_canister(self, settings=None, subnet=None, canister_id=None, *, cycles=None,
                        specified_id=None, sender=None) -> Principal:
        """``provisional_create_canister_with_cycles``: a new empty canister whose
        controller is the sender.  ``settings``: pocket-ic's ic-py record value
        (optional fields as ``[]`` / ``[v]``) or a plain dict; ``subnet``: the subnet
        id to create it on; ``canister_id``/``specified_id``: the id it must get (on
        the subnet owning it, one being added if none does, as PocketIC does).
        ``cycles`` defaults to 100 T (pyic's provisional default)."""
        specified = specified_id if specified_id is not None else canister_id
        settings = icpy.plain_settings(settings)
        args = Record.of(
            amount=Opt(cycles) if cycles is not None else None,
            settings=Opt(settings_record(settings)) if settings is not None else None,
            specified_id=Opt(Principal(to_principal_bytes(specified)))
            if specified is not None else None,
            sender_canister_version=None)
        effective = None if subnet is None else {
            "SubnetId": base64.b64encode(to_principal_bytes(subnet)).decode()}
        return self._management("provisional_create_canister_with_cycles", args,
                                sender=sender, effective_principal=effective)["canister_id"]

    def _install(self, mode: Variant, canister_id, wasm_module: bytes, arg, sender) -> None:
        args = Record.of(mode=mode, canister_id=Principal(to_principal_bytes(canister_id)),
                         wasm_module=bytes(wasm_module), arg=_arg_bytes(arg),
                         sender_canister_version=None)
        self._management("install_code", args, sender=sender)

    def install_code(self, canister_id, wasm_module: bytes, arg=b"", *, sender=None) -> None:
        """``install_code`` in mode ``install``; ``arg``: bytes, an ic-py typed list
        (``[{"type": Types.Nat, "value": 1}]``) or a list of Candid values."""
        self._install(_mode("install"), canister_id, wasm_module, arg, sender)

    def reinstall_code(self, canister_id, wasm_module: bytes, arg=b"", *, sender=None) -> None:
        """``install_code`` in mode ``reinstall``."""
        self._install(_mode("reinstall"), canister_id, wasm_module, arg, sender)

    def upgrade_canister(self, canister_id, wasm_module: bytes, arg=b"", *,
                         skip_pre_upgrade: bool | None = None,
                         wasm_memory_persistence: str | None = None, sender=None) -> None:
        """``install_code`` in mode ``upgrade``
        (``wasm_memory_persistence``: "keep" | "replace")."""
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
        subnet = self.instance.route_or_fail(cid)
        outcome = rule(subnet.ic.state, cm, args, subnet.ic.cfg)
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

    # ---------------------------------------------------------------- pocket-ic: Candid

    def create_and_install_canister_with_candid(self, candid: str, wasm_module: bytes,
                                                init_args=None, subnet=None):
        """Create a canister, give it 2 T cycles, install ``wasm_module`` with
        ``init_args`` typed by the .did's service arguments: an ic-py ``Canister``
        whose methods call this instance (``canister.greet("Lisa")``)."""
        canister_id = self.create_canister(subnet=subnet)
        can = icpy.canister(self, canister_id, candid)
        arguments = can.actor["arguments"]
        if len(arguments) == 0:
            arg = []
        elif len(arguments) == 1:
            arg = [{"type": arguments[0], "value": init_args}]
        else:
            raise InstanceError("The candid file appears to be malformed")
        self.add_cycles(canister_id, 2_000_000_000_000)
        self.install_code(canister_id, wasm_module, arg)
        return can

    # ---------------------------------------------------------------- the Rust crate's names

    def install_canister(self, canister_id, wasm_module: bytes, arg=b"", sender=None) -> None:
        """Rust ``install_canister(canister_id, wasm_module, arg, sender)``."""
        self.install_code(canister_id, wasm_module, arg, sender=sender)

    def reinstall_canister(self, canister_id, wasm_module: bytes, arg=b"",
                           sender=None) -> None:
        """Rust ``reinstall_canister``."""
        self.reinstall_code(canister_id, wasm_module, arg, sender=sender)

    def upgrade_eop_canister(self, canister_id, wasm_module: bytes, arg=b"",
                             sender=None) -> None:
        """Rust ``upgrade_eop_canister``: an upgrade keeping the Wasm memory (enhanced
        orthogonal persistence, ``wasm_memory_persistence = opt keep``)."""
        self.upgrade_canister(canister_id, wasm_module, arg, wasm_memory_persistence="keep",
                              sender=sender)

    def create_canister_with_settings(self, sender=None, settings=None) -> Principal:
        """Rust ``create_canister_with_settings(sender, settings)``."""
        return self.create_canister(settings, sender=sender)

    def create_canister_on_subnet(self, sender=None, settings=None, subnet_id=None) -> Principal:
        """Rust ``create_canister_on_subnet(sender, settings, subnet_id)``."""
        return self.create_canister(settings, subnet=subnet_id, sender=sender)

    def create_canister_with_id(self, sender=None, settings=None, canister_id=None) -> Principal:
        """Rust ``create_canister_with_id(sender, settings, canister_id)``."""
        if canister_id is None:
            raise InstanceError("create_canister_with_id needs a canister_id")
        return self.create_canister(settings, canister_id=canister_id, sender=sender)

    def uninstall_canister(self, canister_id, sender=None) -> None:
        """Rust ``uninstall_canister(canister_id, sender)``."""
        self.uninstall_code(canister_id, sender=sender)

    def canister_exists(self, canister_id) -> bool:
        """Rust ``canister_exists``."""
        return self.check_canister_exists(canister_id)

    def root_key(self) -> bytes | None:
        """Rust ``root_key``."""
        return self.get_root_key()

    def cycle_balance(self, canister_id) -> int:
        """Rust ``cycle_balance``."""
        return self.get_cycles_balance(canister_id)

    def get_subnet_of(self, canister_id) -> Principal | None:
        return self.get_subnet(canister_id)

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


__all__ = [
    "DEFAULT_CANISTER_CYCLES",
    "CallRejected",
    "InstanceError",
    "PocketIC",
    "Principal",
    "Prog",
    "Reject",
    "SubnetConfig",
    "SubnetKind",
    "settings_record",
    "to_principal_bytes",
    "to_python",
]
