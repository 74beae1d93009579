"""The compiled fast tier: Wasm functions translated to Python source (docs/fast-tier.md).

Selected with ``Config(tier="fast")``; behaves exactly like the reference
interpreter `pyic.wasm.exec` (results, traps, messages, counts, limits) and
falls back to it per function for what it does not translate.
"""

from .fast import run, source_of  # noqa: F401

TIERS = ("fast", "reference")
