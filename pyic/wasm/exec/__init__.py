"""The reference interpreter: the Wasm 3.0 spec's reduction rules (4.6 "Instructions") and
invocation (4.7.3).  `invoke` runs a function instance (`pyic.wasm.tiers` maps the tier
``"reference"`` to it), `eval_const` a constant expression; `pyic.wasm.exec.eval` holds frames,
labels and the run, `pyic.wasm.exec.prepare` binds instructions to the ``rules_*`` modules."""

from .cost import CostModel  # noqa: F401
from .eval import eval_const, invoke  # noqa: F401


def script_engine(tier: str | None = None):
    """pyic's engine for WAST scripts (`pyic.wasm.script.engine.ScriptEngine`), running on
    ``tier`` (`pyic.wasm.tiers`; default: the fast tier)."""
    from ..runtime.store import Config
    from ..script.spectest import SpecEngine
    return SpecEngine(Config(tier=tier))
