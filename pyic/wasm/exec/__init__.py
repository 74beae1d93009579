"""The reference interpreter (spec 4.4, 4.5.5): lowering, handlers and the run loop."""

from .cost import CostModel  # noqa: F401
from .machine import Caller, Meter, run  # noqa: F401


def script_engine():
    """pyic's engine for WAST scripts (`pyic.wasm.script.engine.ScriptEngine`)."""
    from ..script.spectest import SpecEngine
    return SpecEngine()
