"""docs/architecture.md's "Where to find a rule" names code as ``path::name``: each must exist,
so the map cannot drift from the code unnoticed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
REF = re.compile(r"`(pyic/[\w/]+\.py)::(\w+)`")


def _defined(path: Path) -> set:
    """The names a module defines at its top level (functions, classes, assignments)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_every_reference_exists():
    refs = REF.findall(DOC.read_text())
    # five instructions and five IC rules, several places each
    assert len(refs) >= 15
    missing = [f"{p}::{n}" for p, n in refs
               if not (REPO / p).is_file() or n not in _defined(REPO / p)]
    assert missing == []


def test_reference_interpreter_never_imports_the_fast_tier():
    """The boundary the map states: nothing under pyic/wasm/exec/ imports pyic.wasm.engine."""
    offenders = []
    for path in sorted((REPO / "pyic" / "wasm" / "exec").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                if "engine" in mod.split("."):
                    offenders.append(f"{path.name}: {mod}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.name}: {a.name}" for a in node.names
                              if "engine" in a.name.split(".")]
    assert offenders == []


def test_fast_tier_keeps_its_own_books():
    """Counts after a trap and locals budgets come from bookkeeping in generated code, never
    from frame inspection or traceback line numbers (issue 14's boundary)."""
    banned = re.compile(r"\b(sys\._getframe|tb_lineno|import traceback|traceback\.)")
    hits = [f"{p.name}:{i}" for p in sorted((REPO / "pyic" / "wasm" / "engine").glob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if banned.search(line)]
    assert hits == []
