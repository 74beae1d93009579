"""``pyic canister``: create, install, call and manage canisters on a local IC
whose state is kept in a directory between runs (like ``dfx canister``)::

    pyic canister --state DIR create
    pyic canister --state DIR install CANISTER FILE.wasm --arg '(42 : nat)'
    pyic canister --state DIR call CANISTER add '(40 : nat)'      # -> (42 : nat)
    pyic canister --state DIR call CANISTER get --query
    pyic canister --state DIR status CANISTER

The state file is written atomically after every command that changes it
(`pyic.ic.machine.IC.save`).  Replies are printed as Candid text, typed by
``--did`` or else by the canister's ``candid:service`` metadata; failures are
one line on stderr with exit status 1.
"""

from __future__ import annotations

import hashlib
import os

import click

from .common import CommandFailed, read_bytes, reporting

STATE_FILE = "state.pyic"
# The default identity of the command line: a fixed self-authenticating-style principal.
DEFAULT_IDENTITY = hashlib.sha224(b"pyic default identity").digest() + b"\x02"
WALLET_CYCLES = 10 ** 15


class _Session:
    """The IC loaded from ``--state``, and who is calling."""

    def __init__(self, state_dir: str, sender: str | None) -> None:
        self.dir = state_dir
        self.path = os.path.join(state_dir, STATE_FILE)
        self.sender_text = sender
        self._pic = None

    @property
    def pic(self):
        if self._pic is None:
            from ..testing import PocketIC
            self._pic = PocketIC.load(self.path) if os.path.exists(self.path) else PocketIC()
        return self._pic

    @property
    def sender(self) -> bytes:
        from ..testing import to_principal_bytes
        return to_principal_bytes(self.sender_text) if self.sender_text else DEFAULT_IDENTITY

    def save(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        self.pic.save(self.path)


def _principal(text: str) -> bytes:
    from ..testing import to_principal_bytes
    return to_principal_bytes(text)


def _text(p) -> str:
    from ..candid import Principal
    return (p if isinstance(p, Principal) else Principal(bytes(p))).to_text()


@click.group()
@click.option("--state", "state_dir", default=".pyic", show_default=True,
              type=click.Path(file_okay=False), help="Directory holding the IC's state.")
@click.option("--sender", default=None, metavar="PRINCIPAL",
              help="Principal making the calls (default: pyic's default identity).")
@click.pass_context
def canister(ctx: click.Context, state_dir: str, sender: str | None) -> None:
    """Run canisters on a local IC kept in --state DIR."""
    ctx.obj = _Session(state_dir, sender)


pass_session = click.make_pass_decorator(_Session)


@canister.command()
@click.option("--cycles", type=int, default=None, help="Initial balance (default 100 T).")
@click.option("--controller", "controllers", multiple=True, metavar="PRINCIPAL",
              help="Controller (repeatable; default: the sender).")
@click.option("--specified-id", default=None, metavar="PRINCIPAL")
@pass_session
def create(s: _Session, cycles: int | None, controllers: tuple, specified_id: str | None) -> None:
    """Create an empty canister; prints its id."""
    with reporting(None):
        settings = {"controllers": [_principal(c) for c in controllers]} if controllers else None
        cid = s.pic.create_canister(settings, cycles=cycles, sender=s.sender,
                                    specified_id=_principal(specified_id) if specified_id
                                    else None)
        s.save()
    click.echo(_text(cid))


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("wasm", metavar="FILE.wasm", type=click.Path(dir_okay=False))
@click.option("--arg", "arg_text", default=None, help="Init argument as Candid text.")
@click.option("--arg-hex", default=None, help="Init argument as hex bytes.")
@click.option("--mode", type=click.Choice(["install", "reinstall", "upgrade"]), default="install",
              show_default=True)
@click.option("--wasm-memory-persistence", type=click.Choice(["keep", "replace"]), default=None,
              help="Upgrade option for enhanced orthogonal persistence.")
@click.option("--skip-pre-upgrade", is_flag=True, default=False)
@pass_session
def install(s: _Session, canister_id: str, wasm: str, arg_text: str | None, arg_hex: str | None,
            mode: str, wasm_memory_persistence: str | None, skip_pre_upgrade: bool) -> None:
    """Install (or reinstall, upgrade) FILE.wasm in CANISTER."""
    with reporting(wasm):
        module = read_bytes(wasm)
    with reporting(None):
        arg = _encode_arg(arg_text, arg_hex, None, None)
        cid = _principal(canister_id)
        if mode == "install":
            s.pic.install_code(cid, module, arg, sender=s.sender)
        elif mode == "reinstall":
            s.pic.reinstall_code(cid, module, arg, sender=s.sender)
        else:
            s.pic.upgrade_canister(cid, module, arg, sender=s.sender,
                                   skip_pre_upgrade=skip_pre_upgrade or None,
                                   wasm_memory_persistence=wasm_memory_persistence)
        s.save()
    click.echo(f"Installed code for canister {canister_id} ({mode}).", err=True)


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("method")
@click.argument("argument", required=False, default=None)
@click.option("--query", is_flag=True, help="Make a query call (else an update call).")
@click.option("--did", type=click.Path(exists=True, dir_okay=False),
              help="Candid interface (default: the canister's candid:service metadata).")
@click.option("--type", "arg_type", type=click.Choice(["idl", "raw"]), default="idl",
              show_default=True, help="ARGUMENT is Candid text (idl) or hex bytes (raw).")
@click.option("--output", type=click.Choice(["idl", "raw"]), default="idl", show_default=True)
@click.option("--with-cycles", type=int, default=0,
              help="Attach cycles (the call is then made through a wallet canister).")
@pass_session
def call(s: _Session, canister_id: str, method: str, argument: str | None, query: bool,
         did: str | None, arg_type: str, output: str, with_cycles: int) -> None:
    """Call METHOD of CANISTER with ARGUMENT (Candid text, default ``()``); prints the reply."""
    with reporting(None):
        from ..candid import decode_to_text
        cid = _principal(canister_id)
        interface = _interface(s, cid, did)
        types = env = None
        if interface is not None and _has_method(interface, method):
            types, env = interface.method_types(method, False), interface.env
        if arg_type == "raw":
            arg = _hex(argument or "")
        else:
            arg = _encode_arg(argument if argument is not None else "()", None, types, env)
        if with_cycles:
            if query:
                raise click.UsageError("--with-cycles needs an update call")
            reply = _call_through_wallet(s, cid, method, arg, with_cycles)
        elif query:
            reply = s.pic.query_call(cid, method, arg, sender=s.sender)
        else:
            reply = s.pic.update_call(cid, method, arg, sender=s.sender)
        if not query or with_cycles:
            s.save()
        if output == "raw":
            click.echo(reply.hex())
            return
        reply_types = interface.method_types(method, True) \
            if types is not None else None
        click.echo(decode_to_text(reply, reply_types, env))


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def status(s: _Session, canister_id: str) -> None:
    """Show a canister's status, as ``dfx canister status`` does."""
    with reporting(None):
        st = s.pic.canister_status(_principal(canister_id), sender=s.sender)
        s.save()
    settings = st["settings"]
    module_hash = st.get("module_hash")
    lines = [
        f"Canister status call result for {canister_id}.",
        f"Status: {str(st['status']).capitalize()}",
        "Controllers: " + " ".join(_text(c) for c in settings["controllers"]),
        f"Memory allocation: {settings['memory_allocation']} Bytes",
        f"Compute allocation: {settings['compute_allocation']} %",
        f"Freezing threshold: {settings['freezing_threshold']} Seconds",
        f"Memory Size: {st['memory_size']} Bytes",
        f"Balance: {st['cycles']} Cycles",
        f"Reserved: {st['reserved_cycles']} Cycles",
        f"Idle cycles burned per day: {st['idle_cycles_burned_per_day']} Cycles",
        "Module hash: " + ("0x" + bytes(module_hash).hex() if module_hash else "None"),
    ]
    click.echo("\n".join(lines))


def _lifecycle(name: str, doc: str):
    @canister.command(name=name, help=doc)
    @click.argument("canister_id", metavar="CANISTER")
    @pass_session
    def command(s: _Session, canister_id: str) -> None:
        with reporting(None):
            getattr(s.pic, f"{name}_canister")(_principal(canister_id), sender=s.sender)
            s.save()
    return command


stop = _lifecycle("stop", "Stop a canister (waits for its open calls).")
start = _lifecycle("start", "Start a stopped canister.")
delete = _lifecycle("delete", "Delete a stopped canister.")


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def logs(s: _Session, canister_id: str) -> None:
    """Print a canister's log (``debug_print`` output and traps)."""
    with reporting(None):
        records = s.pic.fetch_canister_logs(_principal(canister_id), sender=s.sender)
    for r in records:
        content = bytes(r["content"]).decode("utf-8", "replace")
        click.echo(f"[{r['idx']}. {r['timestamp_nanos']}]: {content}")


@canister.command(name="list")
@pass_session
def list_canisters(s: _Session) -> None:
    """List the canisters in the state."""
    with reporting(None):
        for cid, c in sorted(s.pic.ic.state.canisters.items()):
            kind = "empty" if c.can_state is None else \
                "module " + hashlib.sha256(c.can_state.raw_module).hexdigest()[:16]
            click.echo(f"{_text(cid)}  {kind}")


# ------------------------------------------------------------------ helpers


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise CommandFailed(f"pyic: not hex: {text!r}") from None


def _encode_arg(text: str | None, hex_text: str | None, types, env) -> bytes:
    from ..candid import encode_text
    if text is not None and hex_text is not None:
        raise click.UsageError("give either --arg or --arg-hex")
    if hex_text is not None:
        return _hex(hex_text)
    return encode_text(text if text is not None else "()", types, env)


def _has_method(interface, method: str) -> bool:
    try:
        interface.method_types(method, False)
    except Exception:  # noqa: BLE001 - an unknown method: encode without types
        return False
    return True


def _interface(s: _Session, cid: bytes, did: str | None):
    """The canister's Candid interface: ``--did``, else its ``candid:service`` section."""
    from ..candid import load_did, parse_did
    if did is not None:
        return load_did(did)
    c = s.pic.ic.state.canisters.get(cid)
    cs = c.can_state if c is not None else None
    if cs is None:
        return None
    text = cs.public_custom_sections.get("candid:service") or \
        cs.private_custom_sections.get("candid:service")
    if not text:
        return None
    try:
        return parse_did(bytes(text).decode("utf-8"))
    except Exception:  # noqa: BLE001 - metadata that does not parse: untyped output
        return None


WALLET_FILE = "wallet"
_REJECTED = b"\x00pyic-wallet: rejected\x00"


def _wallet(s: _Session) -> bytes:
    """A universal canister that forwards calls with cycles (dfx's cycles wallet)."""
    path = os.path.join(s.dir, WALLET_FILE)
    if os.path.exists(path):
        with open(path) as f:
            cid = _principal(f.read().strip())
        if cid in s.pic.ic.state.canisters:
            return cid
    cid = s.pic.install_universal_canister(cycles=WALLET_CYCLES, sender=s.sender)
    os.makedirs(s.dir, exist_ok=True)
    with open(path, "w") as f:
        f.write(_text(cid))
    return _principal(_text(cid))


def _call_through_wallet(s: _Session, cid: bytes, method: str, arg: bytes, cycles: int) -> bytes:
    from ..errors import Reject
    from ..universal import (
        arg_data, bytes_, call_cycles_add128, call_data_append, call_new, call_perform, callback,
        i2b, int64, reject_code, reject_msg, reply_data, reply_data_append,
    )
    wallet = _wallet(s)
    s.pic.add_cycles(wallet, cycles)
    # The wallet forwards the call with the cycles (128 bits) and relays the callee's
    # reply as is, or a reject as ``_REJECTED``, the code (4 bytes, little-endian), the message.
    on_reply = reply_data(arg_data)
    on_reject = (reply_data_append(bytes_(_REJECTED)) >> reply_data_append(i2b(reject_code))
                 >> reply_data(reject_msg))
    program = (call_new(bytes_(bytes(cid)), bytes_(method), callback(on_reply), callback(on_reject))
               >> call_data_append(bytes_(arg))
               >> call_cycles_add128(int64(cycles >> 64), int64(cycles & (2**64 - 1)))
               >> call_perform)
    reply = s.pic.universal_update(wallet, program, sender=s.sender)
    if reply.startswith(_REJECTED):
        rest = reply[len(_REJECTED):]
        code, message = int.from_bytes(rest[:4], "little"), rest[4:]
        raise Reject(code, message.decode("utf-8", "replace"))
    return reply
