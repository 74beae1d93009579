"""``pyic spec``: run WebAssembly spec test scripts (.wast) and count the outcomes.

Results go to stdout (a table, or one JSON object with ``--json``, see
docs/spec-runner.md); progress goes to stderr when it is a terminal.  The exit
status is 1 when any command failed or no script was found, else 0: commands
that could not be run (``not_run``) are shown but do not fail the run.
"""

from __future__ import annotations

import json
import os
import sys

import click

from ..wasm.tiers import TIERS

from ..wasm.features import FEATURES
from ..wasm.script.report import FileReport
from ..wasm.script.runner import CONVENTIONS, MESSAGE_MODES, find_scripts, run_files


@click.command("spec")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=True, file_okay=True))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (totals, per command, per file, failures).")
@click.option("--filter", "filters", metavar="GLOB", multiple=True,
              help="Only files whose name or path matches GLOB (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Files run in this many processes at once (0: one per CPU).")
@click.option("-x", "--fail-fast", is_flag=True, help="Start no further file after one failed.")
@click.option("--wasm-version", type=click.Choice(["2", "3", "auto"]), default="auto",
              show_default=True,
              help="Whose rules apply where Wasm 2.0 and 3.0 differ; auto: 2 for files in a "
                   "wasm-2.0 folder, else 3.")
@click.option("--max-failures", type=click.IntRange(min=0), default=50, show_default=True,
              help="Failures listed in the table output (0: all). --json lists all.")
@click.option("--tier", type=click.Choice(TIERS), default=None,
              help="Execution tier (default: fast).")
@click.option("--feature", "features", multiple=True, metavar="NAME",
              type=click.Choice(sorted(FEATURES)),
              help="Enable a proposal beyond Wasm 3.0 (repeatable; docs/proposals.md). "
                   "Scripts in a proposal's test-suite folder get its feature anyway.")
@click.option("--messages", type=click.Choice(MESSAGE_MODES), default="prefix",
              show_default=True,
              help="How an assertion's expected message is compared: exact (equal), prefix "
                   "(starts with it, as the reference interpreter), category (only the kind "
                   "of failure, as WABT's runner for malformed and invalid modules).")
@click.option("--legacy-text", is_flag=True,
              help="Also read older text forms other engines' suites use (get_local, "
                   "i32.wrap/i64, a bare memory index in (data 0 ...)); docs/spec-runner.md.")
@click.option("--conventions", type=click.Choice(CONVENTIONS), default="reference",
              show_default=True,
              help="Whose script runner the scripts follow: wasmtime's and wasmi's also "
                   "register (module $name ...) as \"name\" and link their host module "
                   "(\"wasmtime\", \"wasmitest\").")
def spec(paths: tuple, as_json: bool, filters: tuple, jobs: int, fail_fast: bool,
         wasm_version: str, max_failures: int, tier: str | None, features: tuple,
         messages: str, legacy_text: bool, conventions: str) -> None:
    """Run the .wast scripts in PATHS (files, or folders searched recursively).

    \b
    Example:
      pyic spec ../shared/wasm-testsuite/wasm-2.0 --jobs 2
      pyic spec ../shared/wasm-testsuite/wasm-2.0 --filter 'i32*' --json
      pyic spec other-engine/tests --legacy-text --messages category
    """
    scripts = find_scripts(paths, filters)
    if not scripts:
        click.echo("pyic spec: no .wast file found in "
                   + " ".join(paths) + (" matching " + " ".join(filters) if filters else ""),
                   err=True)
        sys.exit(1)
    if jobs == 0:
        jobs = os.cpu_count() or 1

    progress = _progress(len(scripts)) if sys.stderr.isatty() else None
    version = None if wasm_version == "auto" else int(wasm_version)
    report = run_files(scripts, jobs=jobs, fail_fast=fail_fast, version=version,
                       features=features, messages=messages, legacy_text=legacy_text,
                       tier=tier, conventions=conventions, on_done=progress)
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)

    if as_json:
        click.echo(json.dumps(report.to_json(), indent=1))
    else:
        click.echo(report.format_text(max_failures or None))
    total = report.total
    if fail_fast and len(report.files) < len(scripts):
        click.echo(f"stopped after the first failing file ({len(report.files)} of "
                   f"{len(scripts)} run)", err=True)
    sys.exit(1 if total.failed else 0)


def _progress(count: int):
    def show(done: int, report: FileReport) -> None:
        click.echo(f"\r\033[K[{done}/{count}] {report.path}: {report.passed} passed, "
                   f"{report.failed} failed, {report.not_run} not run", nl=False, err=True)
    return show
