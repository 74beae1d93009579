"""The fast tier: Wasm functions compiled to Python source (docs/fast-tier.md).

Selected per store with ``Config(tier="fast")`` (the default; `pyic.wasm.tiers`).  It
behaves exactly like the reference interpreter `pyic.wasm.exec` (results, traps, messages,
counts, limits).  Its own pieces: the lowering of validated code into flat instruction
tuples (`lower`) with their handlers, a baseline interpreter over that code (`interp`: cold
functions, deep recursion, the block where a limit falls), and the compiler from lowered
code to Python (`cfg`, `codegen`, `ops`) with its run driver (`fast`).
"""

from ..tiers import TIERS  # noqa: F401
from .fast import run, source_of  # noqa: F401
