"""``pyic run``'s click command: its options, help and usage errors.

The work is `pyic.cli.run.run_file`; `pyic.cli.run.fast` reads the same command line
without click when it is a plain one (see `pyic.cli.run`).
"""

from __future__ import annotations

import click

from ..wasm.tiers import TIERS
from .common import reporting
from .run import run_file


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--invoke", "name", metavar="NAME", default=None,
              help="The exported function to call (default: _start).")
@click.option("--count", is_flag=True, help="Print the instruction count on stderr.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Stop with an error after N instructions.")
@click.option("--canonical-nan", is_flag=True, help="Produce only canonical NaNs (IC semantics).")
@click.option("--tier", type=click.Choice(TIERS), default=None,
              help="Execution tier (identical results and counts; default: fast).")
@click.argument("args", nargs=-1)
def run(file: str, name: str | None, count: bool, limit: int | None, canonical_nan: bool,
        tier: str | None, args: tuple) -> None:
    """Run a Wasm module's export (.wasm or .wat) and print its results."""
    with reporting(file):
        run_file(file, name=name, count=count, limit=limit, canonical_nan=canonical_nan,
                 tier=tier, args=args)
