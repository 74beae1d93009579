"""Feature flags: the WebAssembly proposals beyond Wasm 3.0 that pyic reads and runs.

Wasm 3.0 is always on.  Each proposal below is off unless enabled, as in the
reference interpreter and the engines people compare pyic with; with a
feature off, its syntax is what it was before the proposal (an unknown
operator, an unknown type code, an annotation that is skipped).
docs/proposals.md gives each one's spec source and what pyic does with it.

The enabled set is ambient configuration, like the execution tier: the
decoder, the text parser, the validator and the engine ask `enabled(name)`,
and whoever drives them chooses the set for a stretch of work with
``with using({"threads"}): ...`` (`pyic spec --feature`, the module tools'
``--feature``, `for_path` for the test suite's folders).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterable, Iterator

# name -> the proposal's repository (its Overview.md and spec text are the source)
FEATURES = {
    "annotations": "WebAssembly/annotations (custom and name annotations), "
                   "WebAssembly/branch-hinting (branch hints)",
    "wide-arithmetic": "WebAssembly/wide-arithmetic",
    "custom-page-sizes": "WebAssembly/custom-page-sizes",
    "legacy-exceptions": "WebAssembly/exception-handling (legacy/Exceptions.md)",
    "threads": "WebAssembly/threads",
    "custom-descriptors": "WebAssembly/custom-descriptors",
}

# Test suite folders (../shared/wasm-testsuite) -> the features their scripts need.
FOLDER_FEATURES = {
    "custom": frozenset(("annotations",)),
    "legacy": frozenset(("legacy-exceptions",)),
    "threads": frozenset(("threads",)),
    "wide-arithmetic": frozenset(("wide-arithmetic",)),
    "custom-page-sizes": frozenset(("custom-page-sizes",)),
    "custom-descriptors": frozenset(("custom-descriptors",)),
}

NONE: frozenset = frozenset()
_current: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "pyic_wasm_features", default=NONE)


def check(names: Iterable[str]) -> frozenset:
    """``names`` as a feature set; a name that is no feature is a `ValueError`."""
    out = frozenset(names)
    unknown = sorted(out - FEATURES.keys())
    if unknown:
        raise ValueError(f"unknown feature {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(FEATURES))})")
    return out


def current() -> frozenset:
    """The features enabled here."""
    return _current.get()


def enabled(name: str) -> bool:
    """Whether proposal ``name`` is enabled here."""
    return name in _current.get()


@contextlib.contextmanager
def using(names: Iterable[str]) -> Iterator[frozenset]:
    """Enable exactly ``names`` for the duration of the block."""
    token = _current.set(check(names))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def for_path(path: str) -> frozenset:
    """The features a script needs by where it is: those of every folder on its
    path that `FOLDER_FEATURES` names (``proposals/threads/atomic.wast``: threads)."""
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)[:-1]
    out: set = set()
    for part in parts:
        out |= FOLDER_FEATURES.get(part, NONE)
    return frozenset(out)
