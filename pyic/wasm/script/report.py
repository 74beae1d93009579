"""What a script run found: counts per command kind and the failures.

Every command of a script ends in exactly one of three outcomes:

* ``passed``: the command did what the script says, checked by pyic;
* ``failed``: it did not, or pyic could not carry it out (a crash of pyic is a
  failure too);
* ``not_run``: pyic cannot check it yet (no execution engine, a custom-section
  annotation, a meta command).  ``not_run`` is never counted as passed.

The JSON form (``pyic spec --json``) is documented in ``docs/spec-runner.md``;
`SuiteReport.to_json` is its only producer.
"""

from __future__ import annotations

from attrs import define, field, frozen

from .commands import COMMAND_NAMES

OUTCOMES = ("passed", "failed", "not_run")

# A whole file that cannot be read or parsed is one failure of this pseudo-command.
SCRIPT = "script"

# The ``by_command`` keys, in a stable order: every command kind, then ``script``.
COMMAND_KINDS = tuple(dict.fromkeys(COMMAND_NAMES.values())) + (SCRIPT,)


@define
class Tally:
    """Counts of the three outcomes."""

    passed: int = 0
    failed: int = 0
    not_run: int = 0

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.not_run += other.not_run

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_run

    def to_json(self) -> dict:
        return {"passed": self.passed, "failed": self.failed, "not_run": self.not_run}


@define
class Failure:
    """One failed command: where it is, which kind it is, what went wrong."""

    path: str
    line: int
    command: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.command}: {self.message}"

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "command": self.command,
                "message": self.message}


@frozen
class Outcome:
    """What one command came to, at its line (the unit of the spec tests' pytest items)."""

    line: int
    command: str
    outcome: str
    message: str = ""


@define
class FileReport:
    """The outcome of one script file."""

    path: str
    by_command: dict = field(factory=dict)   # command kind -> Tally
    failures: list = field(factory=list)     # Failure*
    outcomes: list = field(factory=list)     # Outcome*, in the order the commands ran

    def record(self, command: str, outcome: str, line: int = 0, message: str = "") -> None:
        tally = self.by_command.setdefault(command, Tally())
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        self.outcomes.append(Outcome(line, command, outcome, message))
        if outcome == "failed":
            self.failures.append(Failure(self.path, line, command, message))

    def by_line(self) -> dict:
        """Line -> the outcomes of the commands that start on it."""
        lines: dict = {}
        for outcome in self.outcomes:
            lines.setdefault(outcome.line, []).append(outcome)
        return lines

    @property
    def tally(self) -> Tally:
        total = Tally()
        for tally in self.by_command.values():
            total.add(tally)
        return total

    @property
    def passed(self) -> int:
        return self.tally.passed

    @property
    def failed(self) -> int:
        return self.tally.failed

    @property
    def not_run(self) -> int:
        return self.tally.not_run

    def to_json(self) -> dict:
        tally = self.tally
        return {"path": self.path, **tally.to_json()}


@define
class SuiteReport:
    """The outcome of several files, in the order they were given."""

    files: list = field(factory=list)        # FileReport*

    @property
    def total(self) -> Tally:
        total = Tally()
        for report in self.files:
            total.add(report.tally)
        return total

    @property
    def by_command(self) -> dict:
        """Every command kind (zeros included, so the keys never vary) -> `Tally`."""
        merged = {kind: Tally() for kind in COMMAND_KINDS}
        for report in self.files:
            for kind, tally in report.by_command.items():
                merged.setdefault(kind, Tally()).add(tally)
        return merged

    @property
    def failures(self) -> list:
        return [failure for report in self.files for failure in report.failures]

    def to_json(self) -> dict:
        return {
            "total": self.total.to_json(),
            "by_command": {kind: tally.to_json() for kind, tally in self.by_command.items()},
            "files": [report.to_json() for report in self.files],
            "failures": [failure.to_json() for failure in self.failures],
        }

    def format_text(self, max_failures: int | None = None) -> str:
        """A table per file, the total, the counts per command kind, then the failures
        (at most ``max_failures`` of them; ``None`` for all)."""
        rows = [(report.path, report.tally) for report in self.files]
        width = max([len("total")] + [len(path) for path, _ in rows])
        header = f"{'file':<{width}}  {'passed':>8}  {'failed':>8}  {'not_run':>8}"
        lines = [header, "-" * len(header)]
        for path, tally in rows:
            lines.append(_row(path, tally, width))
        lines.append("-" * len(header))
        lines.append(_row("total", self.total, width))
        used = [(kind, tally) for kind, tally in self.by_command.items() if tally.total]
        if used:
            kwidth = max(len(kind) for kind, _ in used)
            lines.append("")
            lines.append("by command:")
            for kind, tally in used:
                lines.append("  " + _row(kind, tally, kwidth))
        failures = self.failures
        if failures:
            shown = failures if max_failures is None else failures[:max_failures]
            lines.append("")
            lines.append(f"failures ({len(failures)}):")
            lines.extend(f"  {failure}" for failure in shown)
            if len(shown) < len(failures):
                lines.append(f"  ... and {len(failures) - len(shown)} more "
                             f"(--max-failures 0 or --json shows all)")
        return "\n".join(lines)


def _row(name: str, tally: Tally, width: int) -> str:
    return f"{name:<{width}}  {tally.passed:>8}  {tally.failed:>8}  {tally.not_run:>8}"
