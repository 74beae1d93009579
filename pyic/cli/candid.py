"""``pyic candid``: encode, decode and conformance-test Candid."""

from __future__ import annotations

import json
import sys

import click

from pyic.cli.common import error_line

from pyic.errors import CandidError


def _types(did: str | None, method: str | None, reply: bool, types: str | None):
    """The expected types and their environment, from ``--did/--method`` or ``--types``."""
    from pyic.candid import load_did, parse_types
    if types is not None:
        if did is not None:
            raise click.UsageError("give either --types or --did, not both")
        return parse_types(types), {}
    if did is None:
        if method is not None or reply:
            raise click.UsageError("--method and --reply need --did")
        return None, {}
    d = load_did(did)
    if method is None:
        if reply:
            raise click.UsageError("--reply needs --method")
        if d.init_args is None:
            raise click.UsageError("without --method, the .did file must declare init arguments")
        return d.init_args, d.env
    return d.method_types(method, reply), d.env


def _fail(e: CandidError) -> None:
    click.echo(error_line(None, e), err=True)  # the one-line form every pyic command uses
    sys.exit(1)


@click.group()
def candid() -> None:
    """Encode, decode and test Candid."""


_did_options = [
    click.option("--did", "did", type=click.Path(exists=True, dir_okay=False),
                 help="A .did service description."),
    click.option("--method", "method",
                 help="Use this method's argument types (result types with --reply)."),
    click.option("--reply", is_flag=True, help="Use the method's result types."),
    click.option("--types", "types", help="Explicit types, e.g. '(nat, opt text)'."),
]


def _with_did_options(f):
    for option in reversed(_did_options):
        f = option(f)
    return f


@candid.command()
@click.argument("text")
@_with_did_options
def encode(text: str, did: str | None, method: str | None, reply: bool, types: str | None) -> None:
    """Encode a textual argument list such as '(42 : nat, "hi")'; prints hex."""
    from pyic.candid import encode_text
    try:
        expected, env = _types(did, method, reply, types)
        click.echo(encode_text(text, expected, env).hex())
    except CandidError as e:
        _fail(e)


@candid.command()
@click.argument("hex_message", metavar="HEX")
@_with_did_options
def decode(
    hex_message: str, did: str | None, method: str | None, reply: bool, types: str | None
) -> None:
    """Decode a hex Candid message; prints it as text."""
    from pyic.candid import decode_to_text
    try:
        expected, env = _types(did, method, reply, types)
        try:
            data = bytes.fromhex(hex_message.strip())
        except ValueError:
            raise CandidError("the message is not hexadecimal") from None
        click.echo(decode_to_text(data, expected, env))
    except CandidError as e:
        _fail(e)


@candid.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")
def test(paths: tuple[str, ...], as_json: bool) -> None:
    """Run Candid conformance tests (.test.did files or folders of them)."""
    from pyic.candid.testsuite import collect, run_file, summarize
    results = [run_file(p) for p in collect(list(paths))]
    report = summarize(results)
    for failure in report["failures"]:
        click.echo(
            f"{failure['path']}:{failure['line']}: {failure['command']}: {failure['message']}",
            err=True,
        )
    for f in report["files"]:
        click.echo(
            f"{f['path']}: {f['passed']} passed, {f['failed']} failed, {f['not_run']} not run",
            err=True,
        )
    t = report["total"]
    click.echo(
        f"total: {t['passed']} passed, {t['failed']} failed, {t['not_run']} not run", err=True
    )
    if as_json:
        click.echo(json.dumps(report, indent=2))
    sys.exit(1 if t["failed"] else 0)
