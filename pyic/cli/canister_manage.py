"""``pyic canister`` commands that manage rather than call: settings, code
removal, information, logs, the list of canisters, snapshots, and time."""

from __future__ import annotations

import click

from .canister_output import iso8601, parse_duration
from .canister_session import Session, answering
from .common import CommandFailed

pass_session = click.make_pass_decorator(Session)


def _principal(text: str) -> bytes:
    from ..testing import to_principal_bytes
    return to_principal_bytes(text)


def _text(p) -> str:
    from ..candid import Principal
    return (p if isinstance(p, Principal) else Principal(bytes(p))).to_text()


def _snapshot_id(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise CommandFailed(f"pyic: not a snapshot id (hex): {text!r}") from None


# ------------------------------------------------------------------ settings and code


@click.command("update-settings")
@click.argument("canister_id", metavar="CANISTER")
@click.option("--set-controller", "set_controllers", multiple=True, metavar="PRINCIPAL",
              help="Make PRINCIPAL a controller, replacing all others (repeatable).")
@click.option("--add-controller", "add_controllers", multiple=True, metavar="PRINCIPAL",
              help="Add a controller (repeatable).")
@click.option("--remove-controller", "remove_controllers", multiple=True, metavar="PRINCIPAL",
              help="Remove a controller (repeatable).")
@click.option("--compute-allocation", type=click.IntRange(0, 100), default=None, metavar="PCT",
              help="Compute allocation, percent of an execution core.")
@click.option("--memory-allocation", type=click.IntRange(min=0), default=None, metavar="BYTES",
              help="Memory allocation in bytes (0: best effort).")
@click.option("--freezing-threshold", type=click.IntRange(min=0), default=None,
              metavar="SECONDS", help="Freezing threshold in seconds.")
@click.option("--reserved-cycles-limit", type=click.IntRange(min=0), default=None,
              metavar="CYCLES", help="Upper limit of the reserved cycles balance.")
@click.option("--wasm-memory-limit", type=click.IntRange(min=0), default=None, metavar="BYTES",
              help="Upper limit of the Wasm memory in bytes (0: none).")
@click.option("--wasm-memory-threshold", type=click.IntRange(min=0), default=None,
              metavar="BYTES", help="Free Wasm memory below which the low-memory hook runs.")
@click.option("--log-visibility", type=click.Choice(["controllers", "public"]), default=None,
              help="Who may read the canister's logs.")
@pass_session
def update_settings(s: Session, canister_id: str, set_controllers: tuple,
                    add_controllers: tuple, remove_controllers: tuple, **values) -> None:
    """Change a canister's settings (those given; the others stay)."""
    if set_controllers and (add_controllers or remove_controllers):
        raise click.UsageError("give either --set-controller or --add/--remove-controller")
    settings = {name: value for name, value in values.items() if value is not None}
    with answering():
        cid = _principal(canister_id)
        with s.transaction() as pic:
            if set_controllers:
                settings["controllers"] = [_principal(p) for p in set_controllers]
            elif add_controllers or remove_controllers:
                current = [p.bytes for p in pic.get_controllers(cid)]
                removed = {_principal(p) for p in remove_controllers}
                added = [_principal(p) for p in add_controllers]
                settings["controllers"] = [p for p in current if p not in removed] + \
                    [p for p in added if p not in current and p not in removed]
            if not settings:
                raise click.UsageError("give at least one setting to change")
            pic.update_canister_settings(cid, settings, sender=s.sender)
    click.echo(f"Updated the settings of canister {canister_id}: "
               f"{', '.join(sorted(settings))}.", err=True)


@click.command("uninstall-code")
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def uninstall_code(s: Session, canister_id: str) -> None:
    """Remove a canister's code and state (it keeps its id, cycles and settings)."""
    with answering(), s.transaction() as pic:
        pic.uninstall_code(_principal(canister_id), sender=s.sender)
    click.echo(f"Uninstalled code of canister {canister_id}.", err=True)


# ------------------------------------------------------------------ reading


@click.command()
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def info(s: Session, canister_id: str) -> None:
    """Show a canister's controllers and module hash (public, as ``dfx canister info``)."""
    with answering(), s.reading() as pic:
        got = pic.canister_info(_principal(canister_id))
    module_hash = got.get("module_hash")
    click.echo("Controllers: " + " ".join(_text(c) for c in got["controllers"]))
    click.echo("Module hash: " + ("0x" + bytes(module_hash).hex() if module_hash else "None"))
    click.echo(f"Changes: {got['total_num_changes']}")


@click.command()
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def logs(s: Session, canister_id: str) -> None:
    """Print a canister's log (debug_print output and traps), as
    ``[idx. ISO 8601 time, nanoseconds]: content``."""
    with answering(), s.reading() as pic:
        records = pic.fetch_canister_logs(_principal(canister_id), sender=s.sender)
    for r in records:
        content = bytes(r["content"]).decode("utf-8", "replace")
        ns = r["timestamp_nanos"]
        click.echo(f"[{r['idx']}. {iso8601(ns)}, {ns} ns]: {content}")


@click.command(name="list")
@pass_session
def list_canisters(s: Session) -> None:
    """List the canisters: id, status, cycles, and module hash (or "empty")."""
    from ..ic.store.rows import module_hash
    with answering(), s.reading() as pic:
        for cid, c in pic.ic.state.canisters.items():
            status = c.canister_status if isinstance(c.canister_status, str) else "stopping"
            code = "empty" if c.can_state is None else \
                "0x" + module_hash(c.can_state.raw_module).hex()
            click.echo(f"{_text(cid)}  {status}  {c.balance} cycles  {code}")


# ------------------------------------------------------------------ snapshots


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def snapshot() -> None:
    """Take, load, list and delete canister snapshots."""


@snapshot.command()
@click.argument("canister_id", metavar="CANISTER")
@click.option("--replace", default=None, metavar="SNAPSHOT",
              help="Replace this snapshot (hex id) instead of adding one.")
@pass_session
def take(s: Session, canister_id: str, replace: str | None) -> None:
    """Take a snapshot of a (stopped) canister; prints the snapshot id."""
    with answering(), s.transaction() as pic:
        got = pic.take_canister_snapshot(_principal(canister_id),
                                         _snapshot_id(replace) if replace else None,
                                         sender=s.sender)
    click.echo(f"Took a snapshot of canister {canister_id}.", err=True)
    click.echo(bytes(got["id"]).hex())


@snapshot.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("snapshot_id", metavar="SNAPSHOT")
@pass_session
def load(s: Session, canister_id: str, snapshot_id: str) -> None:
    """Load a snapshot (hex id) into a (stopped) canister."""
    with answering(), s.transaction() as pic:
        pic.load_canister_snapshot(_principal(canister_id), _snapshot_id(snapshot_id),
                                   sender=s.sender)
    click.echo(f"Loaded snapshot {snapshot_id} into canister {canister_id}.", err=True)


@snapshot.command(name="list")
@click.argument("canister_id", metavar="CANISTER")
@pass_session
def list_snapshots(s: Session, canister_id: str) -> None:
    """List a canister's snapshots: id, time taken, size."""
    with answering(), s.transaction() as pic:
        snaps = pic.list_canister_snapshots(_principal(canister_id), sender=s.sender)
    for snap in snaps:
        click.echo(f"{bytes(snap['id']).hex()}: taken at "
                   f"{iso8601(snap['taken_at_timestamp'])}, {snap['total_size']} bytes")


@snapshot.command()
@click.argument("canister_id", metavar="CANISTER")
@click.argument("snapshot_id", metavar="SNAPSHOT")
@pass_session
def delete(s: Session, canister_id: str, snapshot_id: str) -> None:
    """Delete a snapshot (hex id)."""
    with answering(), s.transaction() as pic:
        pic.delete_canister_snapshot(_principal(canister_id), _snapshot_id(snapshot_id),
                                     sender=s.sender)
    click.echo(f"Deleted snapshot {snapshot_id} of canister {canister_id}.", err=True)


# ------------------------------------------------------------------ time


@click.command()
@click.argument("rounds", type=click.IntRange(min=1), default=1, required=False)
@pass_session
def tick(s: Session, rounds: int) -> None:
    """Execute ROUNDS rounds (default 1): timers, heartbeats and queued messages run;
    each round moves time 1 ns."""
    with answering(), s.transaction() as pic:
        pic.tick(rounds)
        now = pic.ic.time
    click.echo(f"Executed {rounds} round{'s' if rounds != 1 else ''}; "
               f"the time is {iso8601(now)} ({now} ns).", err=True)


@click.command("advance-time")
@click.argument("duration")
@pass_session
def advance_time(s: Session, duration: str) -> None:
    """Move time forward by DURATION (nanoseconds, or e.g. 90s, 5m, 1h, 1h30m, 250ms).
    No round runs: timers due by then fire at the next tick or call."""
    with answering():
        nanos = parse_duration(duration)
        with s.transaction() as pic:
            pic.advance_time(nanos)
            now = pic.ic.time
    click.echo(f"The time is {iso8601(now)} ({now} ns).", err=True)


__all__ = [
    "advance_time",
    "info",
    "list_canisters",
    "logs",
    "snapshot",
    "tick",
    "uninstall_code",
    "update_settings",
]
