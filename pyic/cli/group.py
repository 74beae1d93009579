"""The ``pyic`` click group, whose subcommands live one concern per module.

Each subcommand module is imported lazily, so a broken or slow import in one
cannot break the others, and ``pyic --help`` stays fast.  The console entry point
is `pyic.cli.main.main`, which runs a plain ``pyic run`` without this group.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

# command name -> (module, attribute, one-line help)
COMMANDS = {
    "spec": ("pyic.cli.spec", "spec", "Run WebAssembly spec test scripts (.wast)."),
    "run": ("pyic.cli.run_command", "run", "Run a Wasm module's export."),
    "validate": ("pyic.cli.wasmtools", "validate", "Decode/parse and validate a module."),
    "inspect": ("pyic.cli.wasmtools", "inspect",
                "Show a module's sections, types, imports, exports."),
    "wat2wasm": ("pyic.cli.wasmtools", "wat2wasm",
                 "Translate the text format to the binary format."),
    "wasm2wat": ("pyic.cli.wasmtools", "wasm2wat",
                 "Translate the binary format to the text format."),
    "candid": ("pyic.cli.candid", "candid", "Encode, decode and test Candid."),
    "canister": ("pyic.cli.canister", "canister", "Run canisters."),
    "replica": ("pyic.cli.replica", "replica", "Serve the IC's HTTPS interface for agents."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (mod, _, _) in COMMANDS.items() if _available(mod))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None or not _available(entry[0]):
            return None
        module = importlib.import_module(entry[0])
        return getattr(module, entry[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup)
@click.version_option(package_name="pyic")
def cli() -> None:
    """pyic: a pure-Python WebAssembly engine and Internet Computer canister environment."""
