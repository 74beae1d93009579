"""The instructions of proposals beyond Wasm 3.0 (docs/proposals.md), for `lower`.

``LOWER[op](imm, cost, module_instance, store) -> (pops, pushes, instruction)``:
the stack effect and the lowered instruction ``[handler, cost, immediates...]``
of each (or ``None`` to lower a 3.0 op, e.g. ``memory.size``, as 3.0 does); the
handlers live in one module per proposal.  The fast tier does not know these
handlers, so functions using them run on the reference interpreter
(docs/fast-tier.md, "fallback"), with the same counts.
"""

from __future__ import annotations

from . import atomics, descriptors, pagesize, wide

LOWER: dict = {}
LOWER.update(wide.LOWER)
LOWER.update(atomics.LOWER)
LOWER.update(pagesize.LOWER)
LOWER.update(descriptors.LOWER)
