"""``pyic canister call``: a canister method called as dfx calls it.

The argument is typed by ``--did`` (checked before anything runs: the method
must be in it and the argument of its type), else by the canister's
``candid:service`` metadata (used only to type the argument and the reply).  A
method the interface marks ``query`` is called as a query unless ``--update``
is given.  An update call is one transaction: its reply, or its reject with
what the IC recorded (logs, trap records, cycles), is committed.
"""

from __future__ import annotations

import os

import click

from .canister_output import values_to_json
from .canister_session import Progress, Session, answering
from .common import CommandFailed

WALLET_FILE = "wallet"
WALLET_CYCLES = 10 ** 15
_REJECTED = b"\x00pyic-wallet: rejected\x00"

pass_session = click.make_pass_decorator(Session)


@click.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("method")
@click.argument("argument", required=False, default=None)
@click.option("--query", is_flag=True, help="Make a query call (nothing is committed).")
@click.option("--update", "force_update", is_flag=True,
              help="Make an update call even if the interface marks METHOD as a query.")
@click.option("--did", type=click.Path(exists=True, dir_okay=False),
              help="Candid interface to check and type the call with (default: the "
                   "canister's candid:service metadata, not checked).")
@click.option("--type", "arg_type", type=click.Choice(["idl", "raw"]), default="idl",
              show_default=True, help="ARGUMENT is Candid text (idl) or hex bytes (raw).")
@click.option("--argument-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Read ARGUMENT from this file ('-': stdin).")
@click.option("--output", type=click.Choice(["idl", "raw", "json"]), default="idl",
              show_default=True,
              help="Print the reply as Candid text, hex bytes, or a JSON array of its values.")
@click.option("--with-cycles", type=click.IntRange(min=0), default=0, metavar="N",
              help="Attach N cycles (the call is then made through a wallet canister).")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="Instruction limit per message of CANISTER (default: the subnet's, "
                   "40 billion for updates, 5 billion for queries).")
@pass_session
def call(s: Session, canister_id: str, method: str, argument: str | None, query: bool,
         force_update: bool, did: str | None, arg_type: str, argument_file: str | None,
         output: str, with_cycles: int, limit: int | None) -> None:
    """Call METHOD of CANISTER with ARGUMENT (Candid text, default ``()``); prints the reply."""
    if query and force_update:
        raise click.UsageError("give either --query or --update")
    if argument is not None and argument_file is not None:
        raise click.UsageError("give either ARGUMENT or --argument-file")
    if query and with_cycles:
        raise click.UsageError("--with-cycles needs an update call")
    with answering():
        if argument_file is not None:
            with click.open_file(argument_file, encoding="utf-8") as f:
                argument = f.read()
        cid = _principal(canister_id)
        checked = did is not None
        interface = _load_did(did) if checked else None
        typed = _typed(interface, method, did) if checked else None
        # Checked against --did before the store is opened; else typed by the metadata.
        arg = _arg(argument, arg_type, typed, method, did) if checked else None
        if typed is not None and typed.is_query and not force_update and not with_cycles:
            query = True
        # A query commits nothing: it reads the store without its write lock.
        opened = s.reading if query else s.transaction
        with opened(limit=limit, canister=cid) as pic:
            if arg is None:
                typed = _typed(_metadata_interface(pic, cid), method, None)
                arg = _arg(argument, arg_type, typed, method, None)
            with progress(pic, cid, method):
                if query:
                    reply = pic.query_call(cid, method, arg, sender=s.sender)
                elif with_cycles:
                    reply = _call_through_wallet(s, pic, cid, method, arg, with_cycles)
                else:
                    reply = pic.update_call(cid, method, arg, sender=s.sender)
        click.echo(_show(bytes(reply), output, typed))


# ------------------------------------------------------------------ types


class _Typed:
    """A method's argument and reply types from an interface."""

    def __init__(self, interface, method: str) -> None:
        func = interface.method(method)
        self.args, self.results, self.env = func.args, func.results, interface.env
        self.is_query = bool({"query", "composite_query"} & set(func.modes))


def _load_did(path: str):
    from ..candid import load_did
    return load_did(path)


def _typed(interface, method: str, did: str | None) -> _Typed | None:
    """The method's types; with ``--did``, a method not in it is refused."""
    if interface is None:
        return None
    names = [name for name, _ in interface.service.methods] \
        if interface.service is not None else []
    if method not in names:
        if did is None:
            return None            # metadata may be partial: let the canister answer
        listed = ", ".join(names) if names else "none"
        raise CommandFailed(f"pyic: {did}: method '{method}' is not in the interface "
                            f"(its methods: {listed})")
    return _Typed(interface, method)


def _arg(argument: str | None, arg_type: str, typed: _Typed | None, method: str,
         did: str | None) -> bytes:
    from ..candid import encode_text, types_to_text
    from ..errors import CandidError
    if arg_type == "raw":
        return _hex(argument or "")
    text = argument if argument is not None else "()"
    if typed is None:
        return encode_text(text)
    try:
        return encode_text(text, typed.args, typed.env)
    except CandidError as e:
        where = f"{did}: " if did else ""
        raise CommandFailed(f"pyic: {where}the argument of '{method}' is not of type "
                            f"{types_to_text(typed.args)}: {e}") from None


def _metadata_interface(pic, cid: bytes):
    """The canister's ``candid:service`` metadata, parsed (None if absent or unparsable)."""
    from ..candid import parse_did
    c = pic.ic.state.canisters.get(cid)
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


def _show(reply: bytes, output: str, typed: _Typed | None) -> str:
    from ..candid import decode_message, decode_to_text
    if output == "raw":
        return reply.hex()
    results = typed.results if typed is not None else None
    env = typed.env if typed is not None else None
    if output == "json":
        values, types, full_env = decode_message(reply, results, env)
        return values_to_json(values, types, full_env)
    return decode_to_text(reply, results, env)


def progress(pic, cid: bytes, method: str):
    """A live progress line for what the command runs on ``cid``, on a terminal."""
    if not Progress.enabled():
        import contextlib
        return contextlib.nullcontext()

    def module():
        c = pic.ic.state.canisters.get(cid)
        return c.can_state.module if c is not None and c.can_state is not None else None
    return Progress(f"{method}", module)


# ------------------------------------------------------------------ helpers


def _principal(text: str) -> bytes:
    from ..testing import to_principal_bytes
    return to_principal_bytes(text)


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise CommandFailed(f"pyic: not hex: {text!r}") from None


def _wallet(s: Session, pic) -> bytes:
    """A universal canister that forwards calls with cycles (dfx's cycles wallet).
    Its id is kept in ``DIR/wallet``; an id whose canister is not a universal canister
    (its creation was not committed, the id went to another canister) is replaced."""
    from ..universal import universal_canister_wasm
    path = os.path.join(s.dir, WALLET_FILE)
    if os.path.exists(path):
        with open(path) as f:
            cid = _principal(f.read().strip())
        c = pic.ic.state.canisters.get(cid)
        if c is not None and c.can_state is not None \
                and c.can_state.raw_module == universal_canister_wasm():
            return cid
    cid = bytes(pic.install_universal_canister(cycles=WALLET_CYCLES, sender=s.sender).bytes)
    with open(path, "w") as f:
        f.write(_text(cid))
    return cid


def _text(p: bytes) -> str:
    from ..candid import Principal
    return Principal(bytes(p)).to_text()


def _call_through_wallet(s: Session, pic, cid: bytes, method: str, arg: bytes,
                         cycles: int) -> bytes:
    from ..errors import Reject
    from ..universal import (
        arg_data,
        bytes_,
        call_cycles_add128,
        call_data_append,
        call_new,
        call_perform,
        callback,
        i2b,
        int64,
        reject_code,
        reject_msg,
        reply_data,
        reply_data_append,
    )
    wallet = _wallet(s, pic)
    pic.add_cycles(wallet, cycles)
    # The wallet forwards the call with the cycles (128 bits) and relays the callee's
    # reply as is, or a reject as ``_REJECTED``, the code (4 bytes, little-endian), the message.
    on_reply = reply_data(arg_data)
    on_reject = (reply_data_append(bytes_(_REJECTED)) >> reply_data_append(i2b(reject_code))
                 >> reply_data(reject_msg))
    program = (call_new(bytes_(bytes(cid)), bytes_(method), callback(on_reply), callback(on_reject))
               >> call_data_append(bytes_(arg))
               >> call_cycles_add128(int64(cycles >> 64), int64(cycles & (2**64 - 1)))
               >> call_perform)
    reply = pic.universal_update(wallet, program, sender=s.sender)
    if reply.startswith(_REJECTED):
        rest = reply[len(_REJECTED):]
        code, message = int.from_bytes(rest[:4], "little"), rest[4:]
        raise Reject(code, message.decode("utf-8", "replace"))
    return reply


__all__ = ["call", "progress"]
