"""``pyic canister``: create, install, call and manage canisters on a local IC
whose state is kept in a directory between runs, with dfx's habits::

    pyic canister --state DIR create
    pyic canister --state DIR install CANISTER FILE.wasm --arg '(42 : nat)'
    pyic canister --state DIR call CANISTER add '(40 : nat)'      # -> (42 : nat)
    pyic canister --state DIR call CANISTER get --query
    pyic canister --state DIR status CANISTER

The state is a state store, ``DIR/state.db`` (docs/state-format.md); every
command that changes it is one transaction (`pyic.cli.canister_session`), so
commands run at the same time serialise and a killed command leaves the last
committed state.  docs/canister-cli.md describes every command.

This module holds the group and the canister lifecycle; calls are in
`pyic.cli.canister_calls`, settings, snapshots and time in
`pyic.cli.canister_manage`.
"""

from __future__ import annotations

import json
import os

import click

from .canister_calls import call, progress
from .canister_manage import (
    advance_time,
    info,
    list_canisters,
    logs,
    snapshot,
    tick,
    uninstall_code,
    update_settings,
)
from .canister_output import plain_json
from .canister_session import TIME_MODES, Session, answering
from ..wasm.tiers import TIERS
from .common import is_binary, read_bytes

CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT)
@click.option("--state", "state_dir", default=".pyic", show_default=True,
              type=click.Path(file_okay=False),
              help="Directory holding the IC's state (the store DIR/state.db).")
@click.option("--sender", default=None, metavar="PRINCIPAL",
              help="Principal making the calls (default: pyic's default identity).")
@click.option("--time", "time_mode", type=click.Choice(TIME_MODES), default="frozen",
              show_default=True,
              help="frozen: time moves only by rounds, tick and advance-time; wall: it "
                   "first catches up with the wall clock (never goes back).")
@click.option("--sandbox", type=click.Choice(["none", "process"]), default=None,
              help="process: run each canister in its own OS process (docs/sandbox.md); "
                   "default: $PYIC_SANDBOX, else none.")
@click.option("--tier", type=click.Choice(TIERS), default=None,
              help="The Wasm execution tier of the canisters (same replies, counts and "
                   "state; default: fast).")
@click.pass_context
def canister(ctx: click.Context, state_dir: str, sender: str | None, time_mode: str,
             sandbox: str | None, tier: str | None) -> None:
    """Run canisters on a local IC kept in --state DIR."""
    if sandbox is not None:
        # The IC and the modules a store's canisters parse into read the mode from here.
        os.environ["PYIC_SANDBOX"] = sandbox
    ctx.obj = Session(state_dir, sender, time_mode, tier)


pass_session = click.make_pass_decorator(Session)


def _principal(text: str) -> bytes:
    from ..testing import to_principal_bytes
    return to_principal_bytes(text)


def _text(p) -> str:
    from ..candid import Principal
    return (p if isinstance(p, Principal) else Principal(bytes(p))).to_text()


@canister.command()
@click.option("--cycles", type=click.IntRange(min=0), default=None, metavar="N",
              help="Initial balance in cycles (default 100 T).")
@click.option("--controller", "controllers", multiple=True, metavar="PRINCIPAL",
              help="Controller (repeatable; default: the sender).")
@click.option("--specified-id", default=None, metavar="PRINCIPAL",
              help="The id the canister must get.")
@pass_session
def create(s: Session, cycles: int | None, controllers: tuple, specified_id: str | None) -> None:
    """Create an empty canister; prints its id."""
    with answering(), s.transaction() as pic:
        settings = {"controllers": [_principal(c) for c in controllers]} if controllers else None
        cid = pic.create_canister(settings, cycles=cycles, sender=s.sender,
                                  specified_id=_principal(specified_id) if specified_id
                                  else None)
    click.echo(_text(cid))


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("wasm", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--arg", "arg_text", default=None, help="Init argument as Candid text.")
@click.option("--arg-hex", default=None, help="Init argument as hex bytes.")
@click.option("--mode", type=click.Choice(["install", "reinstall", "upgrade"]), default="install",
              show_default=True, help="install an empty canister, reinstall, or upgrade.")
@click.option("--wasm-memory-persistence", type=click.Choice(["keep", "replace"]), default=None,
              help="Upgrade option for enhanced orthogonal persistence.")
@click.option("--skip-pre-upgrade", is_flag=True, default=False,
              help="Upgrade without running canister_pre_upgrade.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="Instruction limit of each message the installation runs (default: the "
                   "subnet's, 300 billion for install_code).")
@pass_session
def install(s: Session, canister_id: str, wasm: str, arg_text: str | None, arg_hex: str | None,
            mode: str, wasm_memory_persistence: str | None, skip_pre_upgrade: bool,
            limit: int | None) -> None:
    """Install (or reinstall, upgrade) FILE in CANISTER: a binary module (.wasm,
    also gzip-compressed) or the text format (.wat)."""
    if arg_text is not None and arg_hex is not None:
        raise click.UsageError("give either --arg or --arg-hex")
    with answering():
        module = _module_bytes(wasm)
    with answering():
        arg = _init_arg(arg_text, arg_hex)
        cid = _principal(canister_id)
        with s.transaction(limit=limit, canister=cid) as pic, progress(pic, cid, mode):
            if mode == "install":
                pic.install_code(cid, module, arg, sender=s.sender)
            elif mode == "reinstall":
                pic.reinstall_code(cid, module, arg, sender=s.sender)
            else:
                pic.upgrade_canister(cid, module, arg, sender=s.sender,
                                     skip_pre_upgrade=skip_pre_upgrade or None,
                                     wasm_memory_persistence=wasm_memory_persistence)
    click.echo(f"Installed code for canister {canister_id} ({mode}).", err=True)


def _module_bytes(path: str) -> bytes:
    """The module in ``path`` as the bytes install_code takes (text is assembled)."""
    from .common import error_line
    data = read_bytes(path)
    if is_binary(path, data) or data[:2] == b"\x1f\x8b":       # gzip: the IC unpacks it
        return data
    from ..errors import PyicError
    from ..wasm.binary import encode_module
    from .common import load_module, validate
    try:
        module = load_module(path).module
        validate(module)
    except PyicError as e:
        from .common import CommandFailed
        raise CommandFailed(error_line(path, e)) from None
    return encode_module(module)


def _init_arg(text: str | None, hex_text: str | None) -> bytes:
    from ..candid import encode_text
    if hex_text is not None:
        from .canister_calls import _hex
        return _hex(hex_text)
    return encode_text(text if text is not None else "()")


@canister.command()
@click.argument("canister_id", metavar="CANISTER")
@click.option("--json", "as_json", is_flag=True, help="Print the status as a JSON object.")
@pass_session
def status(s: Session, canister_id: str, as_json: bool) -> None:
    """Show a canister's status, as ``dfx canister status`` does."""
    with answering(), s.transaction() as pic:
        st = pic.canister_status(_principal(canister_id), sender=s.sender)
    if as_json:
        click.echo(json.dumps(plain_json(st), indent=2))
        return
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


def _lifecycle(name: str, done: str, doc: str):
    @canister.command(name=name, help=doc)
    @click.argument("canister_id", metavar="CANISTER")
    @pass_session
    def command(s: Session, canister_id: str) -> None:
        with answering(), s.transaction() as pic:
            getattr(pic, f"{name}_canister")(_principal(canister_id), sender=s.sender)
        click.echo(f"{done} canister {canister_id}.", err=True)
    return command


stop = _lifecycle("stop", "Stopped", "Stop a canister (runs rounds until its open calls end).")
start = _lifecycle("start", "Started", "Start a stopped canister.")
delete = _lifecycle("delete", "Deleted", "Delete a stopped canister.")

for _command in (call, update_settings, uninstall_code, info, logs, list_canisters, snapshot,
                 tick, advance_time):
    canister.add_command(_command)

__all__ = ["canister"]
