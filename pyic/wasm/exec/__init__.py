"""The reference interpreter (spec 4.4 "Instructions", 4.5.5 "Invocation")."""

from .cost import CostModel  # noqa: F401


def script_engine(tier: str | None = None):
    """pyic's engine for WAST scripts (`pyic.wasm.script.engine.ScriptEngine`), running on
    ``tier`` (`pyic.wasm.tiers`; default: the fast tier)."""
    from ..runtime.store import Config
    from ..script.spectest import SpecEngine
    return SpecEngine(Config(tier=tier))
